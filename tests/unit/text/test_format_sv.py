"""Swedish number formatting: thin-space thousands, decimal comma, minus sign, missing and
infinite values (an infinite rate ratio stopped Rättvik's report in the whole-country run)."""

import math

import pandas as pd
import pytest

from pipeline.text.format_sv import MINUS, NBSP, fmt_num, fmt_pct


@pytest.mark.parametrize(("x", "decimals", "signed", "expected"), [
    (1234.54, 1, False, f"1{NBSP}234,5"),
    (2.25, 1, False, "2,3"),            # half away from zero on the decimal string
    (-4.0, 0, True, f"{MINUS}4"),
    (4.0, 0, True, "+4"),
    (-0.04, 1, False, "0,0"),           # no minus on a value that rounds to zero
    (None, 1, False, "–"),
    (float("nan"), 1, False, "–"),
    (pd.NA, 1, False, "–"),
    (math.inf, 1, False, "∞"),
    (math.inf, 0, True, "+∞"),
    (-math.inf, 2, False, f"{MINUS}∞"),
])
def test_fmt_num(x, decimals, signed, expected):
    assert fmt_num(x, decimals, signed=signed) == expected


def test_an_infinite_percentage_change_is_written_not_raised():
    assert fmt_pct(math.inf, 0).startswith("∞")
