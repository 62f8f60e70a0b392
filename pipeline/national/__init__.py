"""The national run: every kommun of Sweden, each in its own run directory, fanned out with Dask."""
