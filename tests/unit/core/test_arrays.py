"""run_starts: where runs of equal sorted keys begin."""

from __future__ import annotations

import numpy as np

from pipeline.arrays import run_starts


def test_runs_begin_where_any_key_changes():
    a = np.array([1, 1, 1, 2, 2, 3])
    b = np.array([5, 5, 6, 6, 6, 6])
    assert run_starts(a).tolist() == [True, False, False, True, False, True]
    assert run_starts(a, b).tolist() == [True, False, True, True, False, True]


def test_no_rows_one_row_and_nan():
    assert run_starts(np.array([])).tolist() == []
    assert run_starts(np.array([7])).tolist() == [True]
    assert run_starts(np.array([np.nan, np.nan])).tolist() == [True, True]  # NaN != NaN, as before
