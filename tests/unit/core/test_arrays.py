"""run_starts: where runs of equal sorted keys begin; str_take: strings gathered by position."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.arrays import run_starts, str_take


def test_runs_begin_where_any_key_changes():
    a = np.array([1, 1, 1, 2, 2, 3])
    b = np.array([5, 5, 6, 6, 6, 6])
    assert run_starts(a).tolist() == [True, False, False, True, False, True]
    assert run_starts(a, b).tolist() == [True, False, True, True, False, True]


def test_no_rows_one_row_and_nan():
    assert run_starts(np.array([])).tolist() == []
    assert run_starts(np.array([7])).tolist() == [True]
    assert run_starts(np.array([np.nan, np.nan])).tolist() == [True, True]  # NaN != NaN, as before


def test_str_take_gathers_strings_and_keeps_missing_ones():
    for values in (pd.Series(["E1N2", None, "Åsele", "b"], dtype="str"), ["E1N2", np.nan, "Åsele", "b"]):
        got = str_take(values, np.array([2, 0, 1, 3, 2, 2]))
        assert str(got.dtype) == "str" and type(got).__name__ == "ArrowStringArray"
        assert list(pd.Series(got).fillna("<na>")) == ["Åsele", "E1N2", "<na>", "b", "Åsele", "Åsele"]
    assert len(str_take(["a"], np.array([], dtype=int))) == 0
