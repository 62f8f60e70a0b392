"""lagesbild: the annual joint crime and safety picture for a Swedish kommun."""

__version__ = "0.1.0"
