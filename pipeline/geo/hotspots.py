"""Getis–Ord Gi* local hot-spot statistic (analytic and conditional-permutation inference) and
the hot/cold classes a map shows.

Hand-written with numpy/scipy sparse rather than calling ``esda.G_Local``: the formula is a few
lines, works on many variables at once and is far faster on 10⁵ cells; it is tested to equal
``esda.G_Local(transform='B', star=True).Zs`` within 1e-9.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse, stats

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


def gi_star_permutation(x: np.ndarray, w: sparse.csr_matrix, permutations: int, seed: int,
                        chunk: int = 256) -> np.ndarray:
    """Two-sided pseudo p-values of Gi* by conditional permutation.

    For unit i, x_i stays in place and its neighbours' values are replaced ``permutations``
    times by a random draw, without replacement, from the other n − 1 values; the permuted
    local sum ``L_i = w_ii x_i + Σ_{j≠i} w_ij x_{π(j)}`` is compared with the observed one
    (Gi* and its z are monotone in L_i, since Σx and W_i do not change):

        p_i = min(1, 2 · (1 + min(#{L ≥ L_obs}, #{L ≤ L_obs})) / (permutations + 1)).

    As in esda (Anselin 1995; Rey et al. 2023, esda ``crand``), the same permutation draws are
    reused for every unit (shifted to skip the unit itself), which keeps the cost at
    O(n · permutations · max W_i). The smallest possible p is 2/(permutations+1): with many
    cells, Benjamini–Hochberg can then reject nothing (DOMAIN.md §5) — prefer analytic p.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Values per unit (int is cast to float).
    w : scipy.sparse matrix, shape (n, n), diagonal included.
    permutations : int
        Number of draws (> 0).
    seed : int
        Seed of ``numpy.random.default_rng``; required, results are reproducible.

    Returns
    -------
    p_sim : ndarray of float64, shape (n,)
    """
    if permutations <= 0:
        raise ValueError("permutations must be > 0")
    if seed is None:
        raise ValueError("gi_star_permutation needs an explicit seed")
    xf = np.asarray(x, dtype="float64").ravel()
    n = len(xf)
    w = sparse.csr_matrix(w, dtype="float64")
    w.sort_indices()
    diag = w.diagonal()
    off = w.copy()
    off.setdiag(0)
    off.eliminate_zeros()
    k = np.diff(off.indptr)
    kmax = int(k.max()) if n else 0
    observed = w @ xf
    rng = np.random.default_rng(seed)
    if kmax == 0 or n < 2:
        return np.ones(n)
    kmax = min(kmax, n - 1)
    draws = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(permutations)])
    # neighbour weights padded to kmax (zeros beyond each unit's own count)
    wpad = np.zeros((n, kmax))
    cols = np.arange(kmax)
    mask = cols[None, :] < k[:, None]
    wpad[mask] = off.data
    p = np.empty(n)
    for start in range(0, n, chunk):
        ids = np.arange(start, min(start + chunk, n))
        idx = draws[None, :, :] + (draws[None, :, :] >= ids[:, None, None])  # skip unit i
        sims = np.einsum("cpk,ck->cp", xf[idx], wpad[ids]) + (diag[ids] * xf[ids])[:, None]
        obs = observed[ids][:, None]
        upper = (sims >= obs).sum(axis=1)
        lower = (sims <= obs).sum(axis=1)
        p[ids] = np.minimum(1.0, 2.0 * (1 + np.minimum(upper, lower)) / (permutations + 1))
    return p


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
