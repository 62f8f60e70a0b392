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
