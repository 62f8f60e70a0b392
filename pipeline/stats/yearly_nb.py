"""Multi-year trend of yearly counts: negative binomial (NB2) log-linear slope with a year-level
dispersion shared by the series of one problem family.

Model, for series s (an area × problem) and year y = first..last, t = y − last:

    n_sy ~ NB2(μ_sy, κ_g),   log μ_sy = a_s + b_s·t,   Var n_sy = μ_sy + κ_g·μ_sy²

IRR_s = exp(b_s) is the multiplicative change per year. κ_g is the *year-to-year*
over-dispersion of group g (one problem family, all its areas and the kommun): shocks common to
a whole year (a reporting change, a police operation) make yearly counts vary more than Poisson,
and months of the same year are not independent, so a monthly model overstates what a handful
of years can show. Each series has only Y − 2 residual degrees of freedom (3 with 5 years), far
too few to estimate its own dispersion, so κ_g is pooled over the group by the df-corrected
Pearson moment equation (Breslow 1984, Appl. Statist. 33:38–44; Cameron & Trivedi 2013, §3.2.3)

    Σ_s Σ_y (n_sy − μ̂_sy)² / (μ̂_sy (1 + κ μ̂_sy)) = Σ_s (Y − 2),   κ ≥ 0,

alternated with the per-series fits. The slope's standard error comes from the expected
information of the NB2 GLM at κ̂ (``statsmodels`` ``GLM(family=NegativeBinomial(alpha=κ))``
gives the same b and se: tested); the 95 % CI is the Wald interval on the log scale and the
p-value the Wald test of b = 0, both referred to Student's t with the group's pooled residual
degrees of freedom Σ_s (Y − 2) (κ is estimated: the usual quasi-likelihood reference). Coverage and false-positive rate on simulated flat series are
in docs/methods-trends.md (``benchmarks/calibration.py``).

Hand-written and batched over all series: a few hundred 2-parameter fits.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t

_MAX_ITER = 100
_TOL = 1e-12
_B_MAX = 8.0  # |b| beyond this (a factor 3,000 a year) means the MLE does not exist (all in one year)


def fit_slopes(y: np.ndarray, kappa: np.ndarray | float) -> dict[str, np.ndarray]:
    """NB2 fit of log μ = a + b·t per row of ``y`` (S, Y) at fixed dispersion ``kappa`` (per row).

    t = 0, 1, …, Y−1 minus (Y−1) (the last year is t = 0). IRLS with weights μ/(1 + κμ).

    Returns dict of arrays (S,): ``a``, ``b``, ``se_b`` (from (XᵀWX)⁻¹), ``mu`` (S, Y) and
    ``ok`` — False for rows that are all zero or whose slope diverges (every incident in the
    first or the last year: no finite MLE).
    """
    y = np.asarray(y, dtype="float64")
    n_s, n_y = y.shape
    kap = np.broadcast_to(np.asarray(kappa, dtype="float64"), (n_s,))[:, None]
    t = np.arange(n_y, dtype="float64") - (n_y - 1)
    a = np.log(np.maximum(y.mean(axis=1), 1e-3))
    b = np.zeros(n_s)
    for _ in range(_MAX_ITER):
        eta = np.clip(a[:, None] + b[:, None] * t, -50, 50)
        mu = np.exp(eta)
        w = mu / (1 + kap * mu)
        z = eta + (y - mu) / mu
        s0, s1, s2 = w.sum(1), (w * t).sum(1), (w * t * t).sum(1)
        r0, r1 = (w * z).sum(1), (w * z * t).sum(1)
        det = s0 * s2 - s1 * s1
        with np.errstate(divide="ignore", invalid="ignore"):
            a_new = np.where(det > 0, (s2 * r0 - s1 * r1) / det, a)
            b_new = np.where(det > 0, (s0 * r1 - s1 * r0) / det, b)
        b_new = np.clip(b_new, -2 * _B_MAX, 2 * _B_MAX)
        done = (np.nanmax(np.abs(b_new - b)) < _TOL and np.nanmax(np.abs(a_new - a)) < _TOL) if n_s else True
        a, b = a_new, b_new
        if done:
            break
    mu = np.exp(np.clip(a[:, None] + b[:, None] * t, -50, 50))
    w = mu / (1 + kap * mu)
    s0, s1, s2 = w.sum(1), (w * t).sum(1), (w * t * t).sum(1)
    det = s0 * s2 - s1 * s1
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(np.where(det > 0, s0 / det, np.nan))
    ok = (y.sum(1) > 0) & np.isfinite(se) & (np.abs(b) < _B_MAX)
    return {"a": a, "b": b, "se_b": se, "mu": mu, "ok": ok}


def _pearson(y: np.ndarray, mu: np.ndarray, kappa: float) -> float:
    return float(((y - mu) ** 2 / (mu * (1 + kappa * mu))).sum())


def pooled_dispersion(y: np.ndarray, n_iter: int = 8) -> float:
    """κ̂ ≥ 0 for one group of series (rows of ``y``): solve the df-corrected Pearson equation
    Σ (n − μ̂)²/(μ̂(1 + κμ̂)) = rows × (Y − 2), refitting μ̂ at each κ. Rows that are all zero or
    whose fit diverges are left out. 0 when the Poisson fit already explains the spread (or
    there are no residual degrees of freedom)."""
    y = np.asarray(y, dtype="float64")
    if y.ndim != 2 or y.shape[1] < 3:
        return 0.0
    kappa = 0.0
    for _ in range(n_iter):
        fit = fit_slopes(y, kappa)
        keep = fit["ok"]
        if not keep.any():
            return 0.0
        yy, mu = y[keep], fit["mu"][keep]
        df = keep.sum() * (y.shape[1] - 2)
        if _pearson(yy, mu, 0.0) <= df:
            return 0.0
        lo, hi = 0.0, 1.0
        while _pearson(yy, mu, hi) > df and hi < 1e6:
            hi *= 4
        for _ in range(60):  # bisection: the Pearson sum falls as κ grows
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if _pearson(yy, mu, mid) > df else (lo, mid)
        new = 0.5 * (lo + hi)
        if abs(new - kappa) <= 1e-6 * max(new, 1e-8):
            return new
        kappa = new
    return kappa


def by_group(fun, y: np.ndarray, groups: np.ndarray, min_total: int) -> np.ndarray:
    """``fun`` (a dispersion estimate) per group over rows with ≥ ``min_total`` incidents,
    returned per row (0 for a group without such rows)."""
    y, groups = np.asarray(y, dtype="float64"), np.asarray(groups)
    out = np.zeros(len(y))
    enough = y.sum(axis=1) >= min_total
    for g in np.unique(groups):
        rows = enough & (groups == g)
        out[groups == g] = fun(y[rows]) if rows.any() else 0.0
    return out


def group_dispersion(y: np.ndarray, groups: np.ndarray, min_total: int = 20) -> np.ndarray:
    """κ̂ of :func:`pooled_dispersion` per group, returned per row of ``y`` (S, Y); only rows
    with at least ``min_total`` incidents enter; a group without any such row gets 0."""
    return by_group(pooled_dispersion, y, groups, min_total)


def yearly_trend(y: np.ndarray, groups: np.ndarray, min_total: int = 20, level: float = 0.95) -> dict[str, np.ndarray]:
    """Slope test per row of ``y`` (S, Y) with κ pooled within each value of ``groups`` (S,).

    Rows with fewer than ``min_total`` incidents over the years are not fitted (NaN) and do not
    enter κ (4 a year over 5 years; below that the Wald test is not shown to hold its level).
    Returns arrays: irr, irr_low, irr_high, irr_p, kappa (the group's κ̂), ok.
    """
    y = np.asarray(y, dtype="float64")
    groups = np.asarray(groups)
    n_s = len(y)
    out = {k: np.full(n_s, np.nan) for k in ("irr", "irr_low", "irr_high", "irr_p", "kappa")}
    out["ok"] = np.zeros(n_s, dtype=bool)
    enough = y.sum(axis=1) >= min_total
    if y.shape[1] < 2:
        return out
    for g in np.unique(groups[enough]):
        rows = np.flatnonzero(enough & (groups == g))
        kappa = pooled_dispersion(y[rows])
        fit = fit_slopes(y[rows], kappa)
        ok = fit["ok"]
        b, se = fit["b"], fit["se_b"]
        df = max(int(ok.sum()) * (y.shape[1] - 2), 1)
        zq = student_t.ppf(0.5 + level / 2, df)
        out["kappa"][rows] = kappa
        out["ok"][rows] = ok
        r = rows[ok]
        out["irr"][r] = np.exp(b[ok])
        out["irr_low"][r] = np.exp(b[ok] - zq * se[ok])
        out["irr_high"][r] = np.exp(b[ok] + zq * se[ok])
        out["irr_p"][r] = 2 * student_t.sf(np.abs(b[ok] / se[ok]), df)
    return out
