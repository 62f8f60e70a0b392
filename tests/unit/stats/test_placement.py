"""The exact law of a window harm sum (pipeline.stats.placement) against brute-force
enumeration of every combination of binomial counts, and the trimmed binomial terms against
evaluating every term."""

import itertools

import numpy as np
import pytest
from scipy import stats

from pipeline.stats.placement import _TINY, _kept_terms, weighted_sum_law


def _enumerated_law(counts, steps, prob, size):
    """P(S = s) for s < size − 1 and P(S ≥ size − 1) last, S = Σ a_v M_v, from every
    combination (m_1, …, m_V) and the product of binomial pmfs."""
    law = np.zeros((len(prob), size))
    for combo in itertools.product(*[range(n + 1) for n in counts]):
        s = min(int(np.dot(combo, steps)), size - 1)
        pr = np.prod([stats.binom.pmf(m, n, prob) for m, n in zip(combo, counts)], axis=0)
        law[:, s] += pr
    return law


@pytest.mark.parametrize("size", [60, 25, 9])   # no absorption, some, most of the mass
def test_weighted_sum_law_equals_enumeration(size):
    counts, steps = np.array([6, 4, 2, 3]), np.array([1, 3, 7, 2])
    prob = np.array([0.02, 0.3, 0.5, 0.9])
    ours = weighted_sum_law(counts, steps, prob, size)
    ref = _enumerated_law(counts, steps, prob, size)
    assert ours.shape == (4, size)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, rtol=1e-12)


def test_weighted_sum_law_sparse_steps_equal_enumeration():
    """A large step against few terms (the term-by-term path) and a zero count."""
    counts, steps, prob = np.array([3, 0, 5]), np.array([17, 2, 1]), np.array([0.1, 0.45])
    for size in (80, 40):
        np.testing.assert_allclose(weighted_sum_law(counts, steps, prob, size),
                                   _enumerated_law(counts, steps, prob, size), rtol=1e-12, atol=1e-300)


def test_kept_terms_equal_every_term_filtered():
    """Levels far apart (a gap between their kept ranges) and a large n: the trimmed
    evaluation keeps exactly the terms above 1e-60 of the full evaluation, with the same values."""
    prob = np.array([1e-5, 0.002, 0.004, 0.3])
    for n, m_max in ((68_000, 5_000), (68_000, 40_000), (50, 50), (300, 7)):
        m, terms = _kept_terms(n, prob, m_max)
        full = stats.binom.pmf(np.arange(m_max)[None, :], n, prob[:, None])
        keep = full.max(axis=0) > _TINY
        assert m.tolist() == [*np.flatnonzero(keep).tolist(), m_max]
        np.testing.assert_array_equal(terms[:, :-1], full[:, keep])
        np.testing.assert_array_equal(terms[:, -1], stats.binom.sf(m_max - 1, n, prob))


def test_window_count_tails_equal_scipy_bin_by_bin():
    """Empty windows take P(L = 0) from a table per (π, N); every value must still be scipy's
    for that bin, including N = 0, π ∈ {0, 1} and counts at or above N."""
    from pipeline.stats.placement import window_count_tails

    rng = np.random.default_rng(3)
    prob = rng.choice(np.r_[np.full(5, 0.01), rng.uniform(0, 0.2, 30), 0.0, 1.0], 400)[:, None]
    totals = np.r_[0.0, rng.integers(1, 60, 11)][None, :]
    observed = np.where(rng.random((400, 12)) < 0.7, 0.0, rng.integers(0, 70, (400, 12)).astype(float))
    upper, lower = window_count_tails(observed, totals, prob)
    o, n, p = np.broadcast_arrays(observed, totals, prob)
    for i, j in zip(*np.nonzero(np.ones(o.shape, bool))):
        want_upper = 1.0 if o[i, j] <= 0 else stats.binom.sf(o[i, j] - 1, n[i, j], p[i, j])
        want_lower = 1.0 if o[i, j] >= n[i, j] else stats.binom.cdf(o[i, j], n[i, j], p[i, j])
        assert upper[i, j] == want_upper and lower[i, j] == want_lower, (i, j)
    assert (observed == 0).mean() > 0.6 and ((observed > 0) & (observed < totals)).any()
    # a missing count, total or probability gives NaN, as scipy does, never a tail of 1
    upper, lower = window_count_tails(np.array([np.nan, 0.0, 1.0, 0.0]), np.array([5.0, np.nan, 5.0, 5.0]),
                                      np.array([0.2, 0.3, np.nan, np.nan]))
    assert np.isnan(upper[[0, 2]]).all() and upper[[1, 3]].tolist() == [1.0, 1.0]
    assert np.isnan(lower).all()
