"""Mann–Kendall: DOMAIN.md reference values and pymannkendall.original_test to 1e-12."""

import numpy as np
import pymannkendall as pmk
import pytest

from pipeline.stats.mann_kendall import mann_kendall


def _untied_s17():
    """An untied n = 10 series with S = 17 (14 discordant pairs: S = 45 − 2·14)."""
    x = np.array([5, 4, 3, 2, 1, 7, 6, 10, 9, 8], dtype=float)
    s = sum(np.sign(x[j] - x[i]) for i in range(10) for j in range(i + 1, 10))
    assert s == 17 or pytest.fail(f"fixture has S={s}")
    return x


def test_domain_reference_untied_n10_s17():
    r = mann_kendall(_untied_s17()).iloc[0]
    assert r["s"] == 17
    assert r["var_s"] == 125.0
    assert r["z"] == pytest.approx(16 / np.sqrt(125), abs=1e-12)
    assert round(r["z"], 4) == 1.4311
    assert round(r["p"], 4) == 0.1524
    assert r["tau"] == pytest.approx(17 / 45, abs=1e-15)


def test_hand_computed_ties():
    # x = 1 1 2 : pairs (1,1)=0, (1,2)=+1, (1,2)=+1 → S=2; one tie group of 2:
    # var = (3·2·11 − 2·1·9)/18 = 48/18
    r = mann_kendall(np.array([1.0, 1.0, 2.0])).iloc[0]
    assert r["s"] == 2 and r["var_s"] == pytest.approx(48 / 18, abs=1e-15)


def _compare(y):
    ours = mann_kendall(y)
    for i, row in enumerate(y):
        ref = pmk.original_test(row)
        assert ours["s"][i] == ref.s
        for col, val in (("var_s", ref.var_s), ("z", ref.z), ("p", ref.p), ("tau", ref.Tau)):
            assert abs(ours[col][i] - val) <= 1e-12, (col, i, ours[col][i], val)


def test_matches_pymannkendall_on_tied_integer_series():
    rng = np.random.default_rng(42)
    _compare(rng.poisson(2, size=(150, 24)).astype(float))


def test_matches_pymannkendall_on_untied_series_with_trend():
    rng = np.random.default_rng(7)
    y = rng.normal(size=(100, 30)) + np.linspace(0, 2, 30)
    _compare(y)


def test_matches_pymannkendall_short_and_constant_rows():
    _compare(np.array([[5.0, 5.0, 5.0, 5.0], [1.0, 2.0, 2.0, 1.0], [4.0, 3.0, 2.0, 1.0]]))
    r = mann_kendall(np.zeros((2, 6)))
    assert (r["z"] == 0).all() and (r["p"] == 1).all() and (r["var_s"] == 0).all()


def test_vectorised_shape_and_chunking_agree():
    y = np.random.default_rng(3).integers(0, 5, size=(1000, 12)).astype(float)
    a, b = mann_kendall(y), mann_kendall(y, chunk_rows=37)
    assert list(a.columns) == ["s", "var_s", "z", "p", "tau"] and len(a) == 1000
    assert a.equals(b)


def test_nan_is_rejected():
    with pytest.raises(ValueError, match="NaN"):
        mann_kendall(np.array([1.0, np.nan, 2.0]))
