"""Exact tail probabilities of what falls in a window when incidents are placed at random.

The null hypothesis of "no spatial pattern" used for the hot-spot maps: the N observed incidents
are placed independently, each in cell j with probability e_j / Σ e (e = exposure: the cell's
area inside the kommun, or its population). Whether incident k lands in the window of cell i
(the cell and its neighbours) is then Bernoulli(π_i), π_i = Σ_{j ∈ window(i)} e_j / Σ e,
independently over incidents (DOMAIN.md §5). Hence

- the **window count** L_i ~ Binomial(N, π_i) exactly, and
- the **window harm** S_i = Σ_k h_k·1[k in window] = Σ_v v·M_v with independent
  M_v ~ Binomial(N_v, π_i), N_v the number of incidents with harm value v.

Both tails are computed exactly (no normal approximation), so p-values are valid at any count
level and can be as small as the data warrant, which Benjamini–Hochberg over ten thousand
cells needs (rank-1 threshold α/n). Hand-written: no library computes the exact law of a
weighted sum of binomials; the count tails are ``scipy.stats.binom``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

MAX_LATTICE = 1 << 14   # support points of the harm lattice (its unit is coarsened beyond this)
MAX_LEVELS = 48         # distinct window probabilities evaluated exactly for the harm law
_TINY = 1e-60           # binomial terms below this are dropped: p-values exact to ±1e-55 absolute


def window_count_tails(observed: np.ndarray, n_total: np.ndarray | int, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact tails of a Binomial(N, π) window count.

    ``upper = P(L ≥ observed)``, ``lower = P(L ≤ observed)`` with L ~ Binomial(n_total, prob),
    from ``scipy.stats.binom`` (relative accuracy ~1e-14 far into the tails). Broadcasts.
    """
    obs = np.asarray(observed, dtype="float64")
    prob = np.clip(np.asarray(prob, dtype="float64"), 0.0, 1.0)
    n = np.asarray(n_total, dtype="float64")
    upper = np.where(obs <= 0, 1.0, stats.binom.sf(obs - 1, n, prob))
    lower = np.where(obs >= n, 1.0, stats.binom.cdf(obs, n, prob))
    return upper, lower


def two_sided(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Two-sided p-value ``min(1, 2·min(upper, lower))`` (doubling the smaller exact tail)."""
    return np.minimum(1.0, 2.0 * np.minimum(upper, lower))


def harm_lattice(values: np.ndarray, top: float, max_lattice: int = MAX_LATTICE) -> tuple[float, np.ndarray]:
    """Lattice unit u and integer steps a_v for harm values ``values`` (all > 0).

    u is the largest common unit of the values when they are whole multiples of one (e.g. whole
    days: u = their gcd), coarsened to ``top / (max_lattice − 1)`` when the observed maximum
    window sum ``top`` would need more points; a_v = max(1, round(v/u)). The observed sums and
    the null law are both computed on a_v, so the test is exact for the statistic Σ u·a_v M_v.
    """
    v = np.asarray(values, dtype="float64")
    if not len(v):
        return 1.0, np.zeros(0, dtype="int64")
    unit = 0.0
    if np.allclose(v, np.round(v), rtol=0, atol=1e-9):
        unit = float(np.gcd.reduce(np.round(v).astype("int64")))
    if not unit > 0 or top / unit > max_lattice - 1:
        unit = max(unit, top / (max_lattice - 1), float(v.min()) * 1e-6)
    steps = np.maximum(1, np.round(v / unit)).astype("int64")
    return unit, steps


def _binom_terms(n: int, prob: np.ndarray, m_max: int) -> np.ndarray:
    """P(M = m) for m < m_max and P(M ≥ m_max) last, M ~ Binomial(n, prob); shape (len(prob), m_max + 1)."""
    m = np.arange(m_max)
    pmf = stats.binom.pmf(m[None, :], n, prob[:, None])
    tail = stats.binom.sf(m_max - 1, n, prob)[:, None]
    return np.concatenate([pmf, tail], axis=1)


def weighted_sum_law(counts: np.ndarray, steps: np.ndarray, prob: np.ndarray, size: int) -> np.ndarray:
    """Probability of each lattice value of S = Σ_v a_v·M_v, M_v ~ Binomial(counts_v, π) independent.

    Returns an array (len(prob), size): column s is P(S = s) for s < size − 1 and the last
    column is P(S ≥ size − 1) (mass beyond the lattice is absorbed there; with size − 2 the
    largest observed value, both tails of every observed value are exact). Direct (not FFT) convolution, so tiny probabilities
    keep their relative accuracy.
    """
    prob = np.asarray(prob, dtype="float64")
    law = np.zeros((len(prob), size))
    law[:, 0] = 1.0
    top = size - 1
    for n_v, a in zip(np.asarray(counts, dtype="int64"), np.asarray(steps, dtype="int64")):
        if n_v == 0:
            continue
        m_max = int(min(n_v, -(-top // a)))  # m·a < top for m < m_max; P(M ≥ m_max) goes last
        terms = _binom_terms(int(n_v), prob, m_max)
        keep = terms.max(axis=0) > _TINY
        keep[-1] = True
        new = np.zeros_like(law)
        absorbed = np.zeros(len(prob))
        for m in np.flatnonzero(keep):
            shift = min(m * a, top)  # the last term (M ≥ m_max) lands on top unless m_max = N_v fits
            t = terms[:, m][:, None]
            if shift < top:
                new[:, shift:] += t * law[:, :size - shift]
                absorbed += terms[:, m] * law[:, size - shift:].sum(axis=1)
            else:
                absorbed += terms[:, m] * law.sum(axis=1)
        new[:, top] += absorbed
        # the top column already holds S ≥ top from the shifted copies; cap rounding above 1
        law = np.minimum(new, 1.0)
    return law


def _levels(prob: np.ndarray, max_levels: int) -> np.ndarray:
    """The distinct window probabilities, or a geometric grid of ``max_levels`` spanning them
    (the largest and smallest distinct values always included)."""
    u = np.unique(prob[prob > 0])
    if len(u) <= max_levels:
        return u
    grid = np.geomspace(u[0], u[-1], max_levels)
    grid[0], grid[-1] = u[0], u[-1]
    # the most common value (interior windows) is kept exact
    common, k = np.unique(prob[prob > 0], return_counts=True)
    return np.unique(np.r_[grid, common[np.argmax(k)]])


def window_sum_tails(window_counts: np.ndarray, values: np.ndarray, totals: np.ndarray, prob: np.ndarray,
                     max_lattice: int = MAX_LATTICE, max_levels: int = MAX_LEVELS) -> tuple[np.ndarray, np.ndarray, float]:
    """Exact tails of the window harm sum under random placement of the incidents with their harm.

    Parameters
    ----------
    window_counts : ndarray (n, V)
        Incidents of each distinct harm value in each cell's window (``W @ counts_by_value``).
    values : ndarray (V,)
        The distinct harm values (> 0; zero-harm incidents do not change the sum).
    totals : ndarray (V,)
        N_v: incidents with each value in the whole grid.
    prob : ndarray (n,)
        π_i, each window's share of the exposure.

    Returns
    -------
    upper, lower : ndarray (n,)
        P(S_i ≥ s_i) and P(S_i ≤ s_i) on the lattice of :func:`harm_lattice`, where
        s_i = Σ_v a_v·window_counts[i, v]. The law is evaluated exactly at up to ``max_levels``
        distinct π; with more distinct π (windows cut by the kommun boundary), a cell uses
        the nearest level above its π for the upper tail and below it for the lower tail.
        S is stochastically increasing in π, so this only makes those p-values larger
        (conservative).
    unit : float
        The lattice unit (harm per step).
    """
    wc = np.asarray(window_counts, dtype="float64")
    n = wc.shape[0]
    prob = np.asarray(prob, dtype="float64")
    if wc.shape[1] == 0 or n == 0:
        return np.ones(n), np.ones(n), 1.0
    top = float((wc @ np.asarray(values, float)).max())
    unit, steps = harm_lattice(values, max(top, float(np.max(values))), max_lattice)
    s_obs = np.rint(wc @ steps).astype("int64")
    size = int(s_obs.max()) + 2  # the last point absorbs S > max observed: both tails stay exact
    levels = _levels(prob, max_levels)
    upper, lower = np.ones(n), np.ones(n)
    if not len(levels):
        return upper, lower, unit
    law = weighted_sum_law(totals, steps, levels, size)
    up_tail = np.cumsum(law[:, ::-1], axis=1)[:, ::-1]   # P(S ≥ s)
    low_tail = np.cumsum(law, axis=1)                      # P(S ≤ s)
    pos = prob > 0
    hi = np.clip(np.searchsorted(levels, prob[pos], side="left"), 0, len(levels) - 1)
    lo = np.clip(np.searchsorted(levels, prob[pos], side="right") - 1, 0, len(levels) - 1)
    s = s_obs[pos]
    upper[pos] = np.minimum(1.0, up_tail[hi, s])
    lower[pos] = np.minimum(1.0, low_tail[lo, s])
    zero = ~pos  # a window with no exposure can hold nothing under the null
    upper[zero] = np.where(s_obs[zero] > 0, 0.0, 1.0)
    return upper, lower, unit
