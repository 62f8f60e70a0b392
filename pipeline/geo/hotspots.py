"""Getis–Ord Gi* local hot-spot statistic, its calibrated inference, and the hot/cold classes a
map shows.

- :func:`gi_star`: the z-score (kept for mapping) and its normal p-value, which is only valid
  with many incidents per window (not used for decisions; docs/methods-hotspots.md §2).
- :func:`gi_star_exact`, :func:`gi_star_harm_exact`: exact p-values of the window count / harm
  sum under random placement of the incidents (the grid layers' test).
- :func:`gi_star_permutation`: conditional permutation (the area layer's test; a fast peer of
  ``esda.G_Local(permutations=…)``).

Hand-written with numpy/scipy sparse rather than calling ``esda.G_Local``: the formula is a few
lines, works on many variables at once and is far faster on 10⁵ cells; z is tested to equal
``esda.G_Local(transform='B', star=True).Zs`` within 1e-9.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse, stats

from pipeline.arrays import run_starts
from pipeline.stats.placement import two_sided, window_count_tails, window_sum_tails

HOTSPOT_CLASSES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")


def gi_star(x: np.ndarray, w: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Getis–Ord Gi* z-scores and two-sided normal p-values.

    .. math::

        z_i = \\frac{\\sum_j w_{ij} x_j - \\bar x W_i}
                   {s \\sqrt{(n S_{1i} - W_i^2)/(n-1)}}, \\quad
        W_i = \\sum_j w_{ij},\\; S_{1i} = \\sum_j w_{ij}^2,\\; p_i = 2\\,(1 - \\Phi(|z_i|))

    with x̄ and s the mean and *population* standard deviation of x over all n units, and w
    including the unit itself (w_ii > 0). This is the statistic of Ord & Getis (1995, Geogr.
    Anal. 27:286–306) as computed by Esri and R spdep, and equals
    ``esda.G_Local(x, w, transform='B', star=True).Zs`` for binary weights.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n, k)
        Values per unit (counts may be int); k variables are handled at once.
    w : scipy.sparse matrix, shape (n, n)
        Spatial weights with the diagonal included (see :mod:`pipeline.geo.weights`).

    Returns
    -------
    z, p : ndarray of float64, same shape as ``x``
        Where the statistic is undefined (s = 0, i.e. constant x, or a unit neighbouring every
        unit) z = 0 and p = 1.
    """
    xf = np.asarray(x, dtype="float64")
    one_d = xf.ndim == 1
    x2 = xf[:, None] if one_d else xf
    n = x2.shape[0]
    w = sparse.csr_matrix(w, dtype="float64")
    if w.shape != (n, n):
        raise ValueError(f"w has shape {w.shape}, x has {n} rows")
    if not w.has_canonical_format:
        w = w.copy()
        w.sum_duplicates()
    row = np.repeat(np.arange(n), np.diff(w.indptr))
    wi = np.bincount(row, weights=w.data, minlength=n)  # W_i
    s1 = np.bincount(row, weights=w.data**2, minlength=n)  # S1_i
    xbar = x2.mean(axis=0)
    s = x2.std(axis=0)  # population sd (ddof = 0)
    num = w @ x2 - wi[:, None] * xbar[None, :]
    var_term = np.clip((n * s1 - wi**2) / (n - 1), 0.0, None) if n > 1 else np.zeros(n)
    den = np.sqrt(var_term)[:, None] * s[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return (z[:, 0], p[:, 0]) if one_d else (z, p)


def _has_repeat(idx: np.ndarray) -> np.ndarray:
    """Per row of ``idx`` (r, k): True where some index occurs twice. Pairwise comparison of
    the k columns (k² / 2 vector operations; the rejection path has k² ≤ pool, so k is small),
    an order of magnitude cheaper than sorting each row."""
    cols = np.ascontiguousarray(idx.T)
    bad = np.zeros(idx.shape[0], dtype=bool)
    for a in range(1, cols.shape[0]):
        bad |= (cols[a] == cols[:a]).any(axis=0)
    return bad


def _distinct_draws(rng: np.random.Generator, pool: int, k: int, draws: int) -> np.ndarray:
    """``draws`` rows of k distinct indices from range(pool), each row a uniform random k-subset
    (in random order). Rejection of rows with a repeated index when k is small against the pool
    (the usual case: k² ≪ pool), a partial shuffle otherwise.

    Rejection redraws the rows with a repeat, in row order, until none is left; only the
    redrawn rows are checked again (a row without a repeat keeps it), so the generator is
    consumed exactly as by checking every row each round."""
    if k == 0:
        return np.zeros((draws, 0), dtype="int64")
    if k * k > pool:
        return np.argsort(rng.random((draws, pool)), axis=1)[:, :k]
    idx = rng.integers(0, pool, size=(draws, k))
    rows = np.flatnonzero(_has_repeat(idx))
    while len(rows):
        idx[rows] = rng.integers(0, pool, size=(len(rows), k))
        rows = rows[_has_repeat(idx[rows])]
    return idx


def gi_star_permutation(x: np.ndarray, w: sparse.csr_matrix, permutations: int, seed: int,
                        alternative: str = "two-sided") -> np.ndarray:
    """Pseudo p-values of Gi* by conditional permutation, vectorised over units.

    For unit i, x_i stays in place and its neighbours' values are replaced ``permutations``
    times by a random draw, without replacement, from the other n − 1 values; the permuted
    local sum ``L_i = w_ii x_i + Σ_{j≠i} w_ij x_{π(j)}`` is compared with the observed one
    (Gi* and its z are monotone in L_i, since Σx and W_i do not change). With U = #{L ≥ L_obs}
    and D = #{L ≤ L_obs} over the draws:

    - ``"two-sided"``: p = min(1, 2·(1 + min(U, D)) / (permutations + 1));
    - ``"folded"``: esda's ``p_sim`` (``alternative="directed"``): (1 + min(U, P − U)) / (P + 1).

    The reference distribution of unit i depends only on x_i, w_ii and the multiset of its
    neighbour weights (the pool is all values but x_i). Units that share these share one set
    of draws: on a lattice with binary weights that is a few hundred groups (number of
    neighbours × distinct count) instead of n, so the cost is O(groups · permutations · k)
    plus a sort, not O(n · permutations · k). Each unit's p is a valid Monte Carlo p-value
    of the conditional permutation test (Anselin 1995, Geogr. Anal. 27:93–115; esda's
    ``crand`` likewise reuses one draw matrix for all units). Hand-written because esda's
    loop over units is the cost this avoids (``benchmarks/bench_gi.py``).

    The smallest possible p is 2/(permutations + 1): Benjamini–Hochberg over m units can only
    reject anything when ``permutations + 1 ≥ 2m/α`` (DOMAIN.md §5; see :func:`min_permutations`).

    Parameters
    ----------
    x : ndarray, shape (n,)
        Values per unit (int is cast to float).
    w : scipy.sparse matrix, shape (n, n), diagonal included.
    permutations : int
        Number of draws (> 0).
    seed : int
        Seed of ``numpy.random.default_rng``; required, results are reproducible.
    alternative : "two-sided" or "folded"

    Returns
    -------
    p_sim : ndarray of float64, shape (n,)
    """
    if permutations <= 0:
        raise ValueError("permutations must be > 0")
    if seed is None:
        raise ValueError("gi_star_permutation needs an explicit seed")
    if alternative not in ("two-sided", "folded"):
        raise ValueError(f"alternative must be 'two-sided' or 'folded', got {alternative!r}")
    xf = np.asarray(x, dtype="float64").ravel()
    n = len(xf)
    w = sparse.csr_matrix(w, dtype="float64", copy=True)
    if w.shape != (n, n):
        raise ValueError(f"w has shape {w.shape}, x has {n} rows")
    w.sum_duplicates()
    diag = w.diagonal()
    off = w.copy()
    off.setdiag(0)
    off.eliminate_zeros()
    k = np.diff(off.indptr)
    if n < 2 or not k.any():
        return np.ones(n)
    observed = w @ xf
    kmax = int(k.max())
    # each unit's neighbour weights, sorted and padded: part of the group key
    wpad = np.zeros((n, kmax))
    wpad[np.arange(kmax)[None, :] < k[:, None]] = off.data
    wpad = -np.sort(-wpad, axis=1)
    key = np.column_stack([xf, diag, k, wpad])
    order = np.lexsort(key.T[::-1])              # units sorted by group key
    srt = key[order]
    starts = np.flatnonzero(run_starts(*srt.T))
    bounds = np.r_[starts, n]
    first = order[starts]                         # one representative unit per group
    rng = np.random.default_rng(seed)
    upper = np.empty(n)
    lower = np.empty(n)
    scale = np.abs(xf).max() * max(1.0, np.abs(w.data).max()) * (kmax + 1)
    tol = 1e-10 * max(scale, 1.0)
    for g, rep in enumerate(first):
        members = order[bounds[g]:bounds[g + 1]]
        kg = int(k[rep])
        draws = _distinct_draws(rng, n - 1, kg, permutations)
        draws += draws >= rep                     # skip the unit itself
        sims = np.sort(xf[draws] @ wpad[rep, :kg] + diag[rep] * xf[rep])
        obs = observed[members]
        upper[members] = permutations - np.searchsorted(sims, obs - tol, side="left")
        lower[members] = np.searchsorted(sims, obs + tol, side="right")
    if alternative == "folded":
        larger = np.minimum(upper, permutations - upper)
        return (larger + 1.0) / (permutations + 1.0)
    return np.minimum(1.0, 2.0 * (1.0 + np.minimum(upper, lower)) / (permutations + 1.0))


def min_permutations(n_tests: int, alpha: float) -> int:
    """Fewest draws with which Benjamini–Hochberg at level ``alpha`` over ``n_tests`` two-sided
    permutation p-values can reject at all: 2/(P + 1) ≤ alpha/n_tests."""
    return int(np.ceil(2.0 * n_tests / alpha)) - 1


def _binary(w: sparse.spmatrix, what: str) -> sparse.csr_matrix:
    w = sparse.csr_matrix(w, dtype="float64", copy=True)
    w.sum_duplicates()
    w.eliminate_zeros()
    if len(w.data) and not np.all(w.data == 1.0):
        raise ValueError(f"{what} needs binary weights (every stored weight 1)")
    if (w.diagonal() != 1).any():
        raise ValueError(f"{what} needs the unit itself in its window (w_ii = 1)")
    return w


def window_probabilities(w: sparse.spmatrix, exposure: np.ndarray | None = None) -> np.ndarray:
    """π_i = Σ_{j ∈ window(i)} e_j / Σ_j e_j: the chance that one randomly placed incident falls
    in cell i's window (binary weights, self included). ``exposure`` None means equal cells."""
    w = _binary(w, "window_probabilities")
    n = w.shape[0]
    e = np.ones(n) if exposure is None else np.asarray(exposure, dtype="float64")
    if e.shape != (n,) or (e < 0).any() or not np.isfinite(e).all() or not e.sum() > 0:
        raise ValueError("exposure must be n finite values >= 0 with a positive sum")
    return np.clip((w @ e) / e.sum(), 0.0, 1.0)


def gi_star_exact(counts: np.ndarray, w: sparse.spmatrix, exposure: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact p-values of the Gi* window count under random placement of the incidents.

    With binary weights (self included) Gi* is monotone in the window count
    L_i = Σ_j w_ij x_j. If the N = Σ x incidents were placed independently, each in cell j with
    probability e_j / Σ e, then exactly L_i ~ Binomial(N, π_i) with π_i from
    :func:`window_probabilities` (DOMAIN.md §5). Returns ``(p, upper, lower)``:
    upper = P(L ≥ L_i), lower = P(L ≤ L_i), p = min(1, 2·min(upper, lower)); per column for a
    2-D ``counts`` (n, k) (each column its own N). Valid at any count level and as small as the
    data warrant (see :mod:`pipeline.stats.placement`).
    """
    x = np.asarray(counts, dtype="float64")
    one_d = x.ndim == 1
    x2 = x[:, None] if one_d else x
    if (x2 < 0).any() or not np.allclose(x2, np.round(x2)):
        raise ValueError("gi_star_exact needs counts (whole numbers >= 0)")
    wb = _binary(w, "gi_star_exact")
    if wb.shape[0] != x2.shape[0]:
        raise ValueError(f"w has shape {wb.shape}, counts have {x2.shape[0]} rows")
    prob = window_probabilities(wb, exposure)[:, None]
    upper, lower = window_count_tails(np.rint(wb @ x2), np.rint(x2.sum(axis=0))[None, :], prob)
    p = two_sided(upper, lower)
    return (p[:, 0], upper[:, 0], lower[:, 0]) if one_d else (p, upper, lower)


def gi_star_harm_exact(cell: np.ndarray, harm: np.ndarray, w: sparse.spmatrix,
                       exposure: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact p-values of the window harm sum under random placement of the incidents, each
    keeping its harm value.

    ``cell`` is the grid position of each incident (-1 = outside, ignored), ``harm`` its harm
    in days. The statistic is S_i = Σ_{incidents k in window(i)} h_k (Gi* on harm per cell is
    monotone in it). Under the null each incident falls in the window independently with
    probability π_i, so S_i = Σ_v v·M_v with M_v ~ Binomial(N_v, π_i): the exact law comes
    from :func:`pipeline.stats.placement.window_sum_tails` (harm on a lattice; the unit is
    whole days unless that needs more than 16,384 points). Returns ``(p, upper, lower)``.
    """
    wb = _binary(w, "gi_star_harm_exact")
    n = wb.shape[0]
    cell = np.asarray(cell, dtype="int64")
    h = np.asarray(harm, dtype="float64")
    ok = (cell >= 0) & (h > 0) & np.isfinite(h)
    values, vidx = np.unique(h[ok], return_inverse=True)
    by_value = np.zeros((n, len(values)))
    np.add.at(by_value, (cell[ok], vidx), 1.0)
    prob = window_probabilities(wb, exposure)
    upper, lower, _ = window_sum_tails(wb @ by_value, values, by_value.sum(axis=0), prob)
    return two_sided(upper, lower), upper, lower


def classify_hotspots(z: np.ndarray, q: np.ndarray, levels: tuple[float, float, float] = (0.01, 0.05, 0.10)) -> np.ndarray:
    """Hot/cold class per unit from the sign of z and its (FDR-adjusted) q-value.

    ``hot_99`` if z > 0 and q ≤ levels[0], ``hot_95`` if q ≤ levels[1], ``hot_90`` if
    q ≤ levels[2]; ``cold_*`` likewise for z < 0; otherwise ``not_significant`` (also for NaN).
    The names follow Esri's Hot Spot Analysis bins (99/95/90 % confidence).

    Returns
    -------
    ndarray of str (object dtype), same shape as ``z``.
    """
    z = np.asarray(z, dtype="float64")
    q = np.asarray(q, dtype="float64")
    out = np.full(z.shape, "not_significant", dtype=object)
    names = ("99", "95", "90")
    for lvl, name in sorted(zip(levels, names), reverse=True):  # widest level first, then narrow
        sig = np.nan_to_num(q, nan=np.inf) <= lvl
        out[sig & (z > 0)] = f"hot_{name}"
        out[sig & (z < 0)] = f"cold_{name}"
    return out
