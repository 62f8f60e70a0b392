"""Benjamini–Hochberg against statsmodels and a hand example."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from pipeline.stats.fdr import benjamini_hochberg


def test_hand_example():
    # m = 4: scaled p = [0.004, 0.04, 0.04, 0.8]; running min from the top leaves them as is
    p = np.array([0.03, 0.001, 0.02, 0.8])
    q, reject = benjamini_hochberg(p, 0.05)
    assert np.allclose(q, [0.04, 0.004, 0.04, 0.8])
    assert list(reject) == [True, True, True, False]


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_equals_statsmodels_fdr_bh(alpha):
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=900), rng.uniform(0, 1e-4, size=100),
                        np.full(20, 0.01), [0.0, 1.0]])  # ties and the ends
    rng.shuffle(p)
    q, reject = benjamini_hochberg(p, alpha)
    ref_reject, ref_q, _, _ = multipletests(p, alpha=alpha, method="fdr_bh")
    assert np.abs(q - ref_q).max() <= 1e-12
    assert np.array_equal(reject, ref_reject)
    assert 0 < reject.sum() < len(p)


def test_a_sparse_cube_of_mostly_p_one_equals_statsmodels():
    """Most bins of a sparse space-time cube have p = 1 exactly; they count in m and get q = 1."""
    rng = np.random.default_rng(11)
    p = np.concatenate([np.ones(9_000), rng.uniform(0, 1e-5, 40), rng.uniform(size=960), [np.nan] * 3])
    rng.shuffle(p)
    q, reject = benjamini_hochberg(p, 0.05)
    ok = ~np.isnan(p)
    ref_reject, ref_q, _, _ = multipletests(p[ok], alpha=0.05, method="fdr_bh")
    assert np.abs(q[ok] - ref_q).max() <= 1e-12 and np.array_equal(reject[ok], ref_reject)
    assert (q[p == 1.0] == 1.0).all() and 30 <= reject.sum() <= 60  # m = 10 000, not 1 000


def test_nan_p_values_are_left_out():
    p = np.array([0.01, np.nan, 0.04, 0.5])
    q, reject = benjamini_hochberg(p, 0.05)
    ref_reject, ref_q, _, _ = multipletests(p[[0, 2, 3]], alpha=0.05, method="fdr_bh")
    assert np.isnan(q[1]) and not reject[1]
    assert np.allclose(q[[0, 2, 3]], ref_q)


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        benjamini_hochberg(np.array([0.1, 1.2]), 0.05)
    with pytest.raises(ValueError):
        benjamini_hochberg(np.array([0.1]), 1.5)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_an_infinite_p_value_is_an_error_not_a_missing_test(bad):
    with pytest.raises(ValueError, match="infinite"):
        benjamini_hochberg(np.array([0.01, bad, 0.3]), 0.05)
