"""Small numpy helpers shared by the pure modules."""

from __future__ import annotations

import numpy as np


def run_starts(*keys: np.ndarray) -> np.ndarray:
    """In arrays sorted by ``keys`` (all of one length): True at each row where a run of equal
    keys begins, that is the first row and every row where any key differs from the row before
    (NaN differs from NaN, as with ``!=``); an empty mask for no rows."""
    out = np.ones(len(keys[0]), bool)
    if len(out) > 1:
        out[1:] = np.logical_or.reduce([k[1:] != k[:-1] for k in keys])
    return out


def str_take(values, positions: np.ndarray):
    """``values[positions]`` as a pandas "str" array, gathered in Arrow.

    The grid layers repeat each cell's id and area once per problem (240 000 rows from 20 000
    cells); ``pd.array(objects, dtype="str")`` converts every repeated Python string again,
    where Arrow converts the distinct values once and copies their bytes by position (about
    half the time). ``values``: a sequence of strings or missing values (None, NaN), such as a
    "str" Series; missing values stay missing. The result equals ``pd.array(np.asarray(values,
    dtype=object)[positions], dtype="str")`` (tested).
    """
    import pandas as pd
    import pyarrow as pa

    distinct = pa.array(pd.Series(values, dtype="str", copy=False), type=pa.large_string())
    return pd.array(distinct.take(pa.array(np.asarray(positions, dtype=np.int64))), dtype="str")
