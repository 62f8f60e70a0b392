"""Kommun-wide year shocks: inference for a series whose year-to-year noise may be shared by every
area of the kommun, so that its size is known from the series' own few years only.

Yearly counts of a problem family vary more than Poisson (Var = μ + κμ²), and part of that
variation is kommun-wide: a reporting change or a police operation moves every area the same
way (κ ≈ 0.01–0.02 between consecutive half-years of Polisen's events per kommun and type,
2023–2025). Such shocks cannot be averaged away over areas — all areas see the same five
shocks — so κ is known with only Y − 2 degrees of freedom. These tests assume that worst case;
:mod:`pipeline.stats.trends` uses them for the kommun's own rows, and for an area only as one
of two ways to rule out a kommun-wide swing (the other is comparing the area with the rest of
the kommun, :mod:`pipeline.stats.relative`).

- **Slope** (:func:`shock_aware_trend`): the Poisson maximum-likelihood b̂ of log μ = a + b·t;
  Var b̂ = Σ t̃²(μ + κμ²)/(Σ t̃²μ)² = V_P + V_κ (t̃ = t − Σμt/Σμ; the model-based sandwich,
  McCullagh & Nelder 1989 §9.2), with κ̂ the df-corrected moment estimate
  (Σ (n − μ̂)²·Y/(Y − 2) − Σ μ̂)/Σ μ̂² pooled over the family (may be negative; the variance is
  floored at V_P/4). Reference: Student's t with Satterthwaite's degrees of freedom
  ν = (V_P + V_κ)²·(Y − 2)/V_κ² (Satterthwaite 1946), V_κ taken at the upper 90 % confidence
  bound of κ (:func:`dispersion_upper`) so that a κ̂ that comes out small by chance cannot turn a
  series dominated by year shocks into a z-test.
- **This year against last** (:func:`this_year_shock_tests`): T = log((k₁+½)/(k₂+½)) with
  V = 1/(k₁+½) + 1/(k₂+½) + 2κ̂ on the same t reference, and p = max(p_exact, p_t) with the exact
  binomial test (valid if either model holds; exact when κ = 0).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from pipeline.stats.rate_ratio import rate_ratio_tests
from pipeline.stats.yearly_nb import by_group, fit_slopes


def slope_variance(mu: np.ndarray, kappa: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V_P, V_κ) of the Poisson MLE slope for fitted means ``mu`` (S, Y) under
    Var n = μ + κμ²: V_P = 1/Σ t̃²μ, V_κ = κ Σ t̃²μ²/(Σ t̃²μ)², t̃ = t − Σμt/Σμ."""
    mu = np.asarray(mu, dtype="float64")
    t = np.arange(mu.shape[1], dtype="float64") - (mu.shape[1] - 1)
    tc = t[None, :] - (mu * t).sum(1, keepdims=True) / mu.sum(1, keepdims=True)
    j = (tc**2 * mu).sum(1)
    kap = np.broadcast_to(np.asarray(kappa, dtype="float64"), (len(mu),))
    return 1 / j, kap * (tc**2 * mu**2).sum(1) / j**2


def _residuals(y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    fit = fit_slopes(y, 0.0)
    keep = fit["ok"]
    return (y[keep], fit["mu"][keep]) if keep.any() else None


def moment_dispersion(y: np.ndarray) -> float:
    """κ̂ = (Σ (n − μ̂)²·Y/(Y − 2) − Σ μ̂)/Σ μ̂² around each row's Poisson fit (may be negative;
    0 without residual degrees of freedom)."""
    y = np.asarray(y, dtype="float64")
    if y.ndim != 2 or y.shape[1] < 3 or not len(y) or (res := _residuals(y)) is None:
        return 0.0
    yy, mu = res
    return float((((yy - mu) ** 2).sum() * y.shape[1] / (y.shape[1] - 2) - mu.sum()) / (mu**2).sum())


def dispersion_upper(y: np.ndarray, level: float = 0.9) -> float:
    """Upper ``level`` confidence bound for κ, the shocks shared by every row (Y − 2 degrees of
    freedom): the residual sum of squares is taken as (Σμ + κΣμ²)·χ²_{Y−2}/(Y − 2)."""
    y = np.asarray(y, dtype="float64")
    if y.ndim != 2 or y.shape[1] < 3 or not len(y) or (res := _residuals(y)) is None:
        return 0.0
    yy, mu = res
    df = y.shape[1] - 2
    rss = ((yy - mu) ** 2).sum() * y.shape[1] / df
    return float(max(rss * df / stats.chi2.ppf(1 - level, df) - mu.sum(), 0.0) / (mu**2).sum())


def satterthwaite_df(v_p: np.ndarray, v_k: np.ndarray, df_k: float) -> np.ndarray:
    """ν = (V_P + V_κ)²·df_κ / V_κ² for a variance with an exactly known part V_P and a part V_κ
    estimated with df_κ degrees of freedom (Satterthwaite 1946); ∞ where V_κ = 0."""
    v_p, v_k = np.asarray(v_p, float), np.asarray(v_k, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v_k != 0, (v_p + v_k) ** 2 * df_k / v_k**2, np.inf)


def shock_aware_trend(y: np.ndarray, groups: np.ndarray, min_total: int = 20) -> dict[str, np.ndarray]:
    """Two-sided p of the slope per row of ``y`` (S, Y), κ pooled per group (module doc).
    Returns arrays ``p`` (NaN where not fitted) and ``kappa``."""
    y = np.asarray(y, dtype="float64")
    n_s, n_y = y.shape
    p = np.full(n_s, np.nan)
    if n_y < 3:
        return {"p": p, "kappa": np.zeros(n_s)}
    kappa = by_group(moment_dispersion, y, groups, min_total)
    fit = fit_slopes(y, 0.0)
    v_p, v_k = slope_variance(fit["mu"], kappa)
    var = np.maximum(v_p + v_k, v_p / 4)
    _, v_up = slope_variance(fit["mu"], by_group(dispersion_upper, y, groups, min_total))
    nu = satterthwaite_df(v_p, np.maximum(v_up, np.abs(var - v_p)), n_y - 2)
    ok = (y.sum(axis=1) >= min_total) & fit["ok"]
    p[ok] = 2 * stats.t.sf(np.abs(fit["b"][ok]) / np.sqrt(var[ok]), nu[ok])
    return {"p": p, "kappa": kappa}


def this_year_shock_tests(k1, k2, kappa, kappa_upper, df_kappa: float) -> np.ndarray:
    """Two-sided p of this year's count ``k1`` against last year's ``k2`` (module doc):
    max(exact binomial p, the shock-aware t-test's p); 1 when both are 0."""
    k1, k2, kappa, kappa_upper = (np.asarray(v, dtype="float64") for v in np.broadcast_arrays(k1, k2, kappa, kappa_upper))
    exact = rate_ratio_tests(k1, k2)["p"]
    v_p = 1 / (k1 + 0.5) + 1 / (k2 + 0.5)
    v = np.maximum(v_p + 2 * kappa, v_p / 4)
    nu = satterthwaite_df(v_p, np.maximum(2 * np.maximum(kappa_upper, kappa), np.abs(v - v_p)), df_kappa)
    p_t = 2 * stats.t.sf(np.abs(np.log((k1 + 0.5) / (k2 + 0.5))) / np.sqrt(v), nu)
    return np.where(k1 + k2 > 0, np.maximum(exact, p_t), 1.0)
