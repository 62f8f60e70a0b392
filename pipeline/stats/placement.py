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

    An empty window (observed = 0, most bins of a sparse cube) has upper = 1 and a lower tail
    P(L = 0) that depends on (N, π) alone: it is evaluated once per distinct π (of ``prob`` as
    given) and distinct N (of ``n_total`` as given), so pass them unbroadcast — a column of
    windows and a row of totals — for the saving. The values are those of the elementwise call.
    """
    obs = np.asarray(observed, dtype="float64")
    prob = np.clip(np.asarray(prob, dtype="float64"), 0.0, 1.0)
    n = np.asarray(n_total, dtype="float64")
    obs_b, n_b, prob_b = np.broadcast_arrays(obs, n, prob)
    upper, lower = np.ones(obs_b.shape), np.ones(obs_b.shape)
    hit = ~(obs_b <= 0)  # NaN goes to scipy, which returns NaN
    upper[hit] = stats.binom.sf(obs_b[hit] - 1, n_b[hit], prob_b[hit])
    below = ~(obs_b >= n_b)  # lower = 1 where observed ≥ N
    empty = below & (obs_b == 0)
    rest = below & ~empty
    lower[rest] = stats.binom.cdf(obs_b[rest], n_b[rest], prob_b[rest])
    if empty.any():
        probs, at_prob = np.unique(prob, return_inverse=True)
        totals, at_total = np.unique(n, return_inverse=True)
        table = stats.binom.cdf(0.0, totals[None, :], probs[:, None])  # P(L = 0) per (π, N)
        at_prob = np.broadcast_to(at_prob.reshape(prob.shape), obs_b.shape)
        at_total = np.broadcast_to(at_total.reshape(n.shape), obs_b.shape)
        lower[empty] = table[at_prob[empty], at_total[empty]]
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


def _kept_terms(n: int, prob: np.ndarray, m_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The binomial terms that enter the law: ``(m, terms)`` with ``terms[:, j]`` = P(M = m_j)
    for the m < m_max where some level's term exceeds ``_TINY``, and P(M ≥ m_max) last (always
    kept), M ~ Binomial(n, prob).

    Only m below the first m ≥ ⌈n·π_max⌉ with P(M = m; π_max) ≤ ``_TINY`` are evaluated: from
    ⌈n·π_max⌉ on (at or above every level's mode) the pmf falls with m, and at fixed m ≥ n·π
    it rises with π (d/dπ log pmf = m/π − (n−m)/(1−π) > 0 for π < m/n), so every level's term
    beyond that point is at most the largest level's, ≤ ``_TINY``, and would be dropped anyway.
    """
    hi_level = float(prob.max())
    start = min(m_max, int(np.ceil(n * hi_level)))
    beyond = stats.binom.pmf(np.arange(start, m_max), n, hi_level) <= _TINY
    m_hi = start + int(np.argmax(beyond)) if beyond.any() else m_max
    m = np.arange(m_hi)
    pmf = stats.binom.pmf(m[None, :], n, prob[:, None])
    keep = pmf.max(axis=0) > _TINY if m_hi else np.zeros(0, bool)
    tail = stats.binom.sf(m_max - 1, n, prob)[:, None]
    return np.r_[m[keep], m_max], np.concatenate([pmf[:, keep], tail], axis=1)


def _add_value(law: np.ndarray, terms: np.ndarray, shift: np.ndarray, top: int) -> np.ndarray:
    """One level's law of S + a·M from the law of S (``law``, last column P(S ≥ top)) and the
    terms P(M = m) placed at ``shift`` = min(m·a, top): new[s] = Σ_m t_m·law[s − shift_m] for
    s < top, and everything at or beyond ``top`` summed into the last column.

    Only the support of ``law`` below ``top`` and the non-zero terms are touched (a product
    with an exact zero adds nothing). A dense kernel (a = 1) is one direct ``numpy.convolve``;
    a sparse one (a > 1, few terms) adds the shifted copies term by term.
    """
    nz = terms != 0
    t, sh = terms[nz], shift[nz]
    new = np.zeros_like(law)
    absorbed = law[top] * t.sum()        # S ≥ top stays at or beyond top for every shift
    body = np.flatnonzero(law[:top])
    if len(body) and len(t):
        lo, hi = int(body[0]), int(body[-1]) + 1
        seg = law[lo:hi]
        inside = lo + sh < top
        absorbed += t[~inside].sum() * seg.sum()  # the whole segment lands at or beyond top
        t, sh = t[inside], sh[inside]
        if len(t):
            s0, span = int(sh[0]), int(sh[-1] - sh[0]) + 1
            buf = np.zeros(span + len(seg) - 1)
            if span <= 4 * len(t):      # dense kernel: one direct convolution
                kernel = np.zeros(span)
                kernel[sh - s0] = t
                buf[:] = np.convolve(seg, kernel)
            else:                         # sparse kernel: the shifted copies one by one
                for tm, sm in zip(t, sh - s0):
                    buf[sm:sm + len(seg)] += tm * seg
            first = lo + s0
            cut = top - first             # buf[cut:] lands at or beyond top
            new[first:first + min(cut, len(buf))] = buf[:cut]
            absorbed += buf[cut:].sum()
    new[top] += absorbed
    return np.minimum(new, 1.0)


def weighted_sum_law(counts: np.ndarray, steps: np.ndarray, prob: np.ndarray, size: int) -> np.ndarray:
    """Probability of each lattice value of S = Σ_v a_v·M_v, M_v ~ Binomial(counts_v, π) independent.

    Returns an array (len(prob), size): column s is P(S = s) for s < size − 1 and the last
    column is P(S ≥ size − 1) (mass beyond the lattice is absorbed there; with size − 2 the
    largest observed value, both tails of every observed value are exact). Built value by
    value, ``law ← law ⊛ Binomial(N_v, π)`` on the steps a_v (:func:`_add_value`), by direct
    (not FFT) convolution so tiny probabilities keep their relative accuracy; binomial terms
    below 1e-60 at every level are dropped (:func:`_kept_terms`).
    """
    prob = np.asarray(prob, dtype="float64")
    law = np.zeros((len(prob), size))
    law[:, 0] = 1.0
    top = size - 1
    for n_v, a in zip(np.asarray(counts, dtype="int64"), np.asarray(steps, dtype="int64")):
        if n_v == 0:
            continue
        m_max = int(min(n_v, -(-top // a)))  # m·a < top for m < m_max; P(M ≥ m_max) goes last
        m, terms = _kept_terms(int(n_v), prob, m_max)
        shift = np.minimum(m * a, top)
        for row in range(len(prob)):
            law[row] = _add_value(law[row], terms[row], shift, top)
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
