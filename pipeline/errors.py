"""The one exception type a user sees as a single line (no traceback unless --debug)."""


class DataError(Exception):
    """Bad input or a broken contract: the message names the file, row or column and the fix."""
