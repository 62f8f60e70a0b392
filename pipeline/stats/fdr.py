"""False discovery rate control across many simultaneous tests (one per grid cell)."""

from __future__ import annotations

import numpy as np


def benjamini_hochberg(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini–Hochberg adjusted p-values (q-values) and rejections at FDR level ``alpha``.

    With the m finite p-values sorted ascending, ``p_(1) ≤ … ≤ p_(m)``,

        q_(i) = min_{j ≥ i} min(1, m · p_(j) / j),      reject_i = q_i ≤ alpha,

    which rejects exactly the hypotheses with ``p ≤ p_(k)``, ``k = max{i : p_(i) ≤ i·alpha/m}``
    (Benjamini & Hochberg 1995, J. R. Stat. Soc. B 57:289–300). Equal to
    ``statsmodels.stats.multitest.multipletests(p, alpha, method='fdr_bh')``. NaN p-values
    (tests not run) are left out of m, get q = NaN and are not rejected; an infinite p-value is
    a bug upstream and raises ValueError, like any value outside [0, 1].

    Parameters
    ----------
    p : ndarray, shape (m,)
        Two-sided p-values in [0, 1].
    alpha : float
        FDR level in (0, 1).

    Returns
    -------
    q : ndarray of float64, same shape as ``p``
    reject : ndarray of bool, same shape as ``p``
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    p = np.asarray(p, dtype="float64")
    if p.ndim != 1:
        raise ValueError(f"p must be one-dimensional, got shape {p.shape}")
    if np.isinf(p).any():
        raise ValueError("p-values must lie in [0, 1]; got an infinite value (NaN marks a missing test)")
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    q = np.full(p.shape, np.nan)
    pv = p[ok]
    m = len(pv)
    if m:
        # p = 1 (most bins of a sparse space-time cube) sorts last and gets q = 1, since
        # m · 1 / j ≥ 1 at every rank j: only the smaller p-values need sorting (same q, bit for bit)
        below = np.flatnonzero(pv < 1.0)
        order = below[np.argsort(pv[below], kind="stable")]
        scaled = pv[order] * m / np.arange(1, len(order) + 1)
        q_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
        q_ok = np.ones(m)
        q_ok[order] = np.minimum(q_sorted, 1.0)
        q[ok] = q_ok
    reject = np.zeros(p.shape, dtype=bool)
    reject[ok] = q[ok] <= alpha
    return q, reject
