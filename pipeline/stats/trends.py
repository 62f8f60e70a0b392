"""Count trends per area × problem family: yearly counts and rates, change against the previous
year and the 3-year mean, a negative binomial (NB2) trend with estimated dispersion, and
Mann–Kendall on the yearly counts. Formulas and references: ``docs/methods-trends.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.special import digamma, polygamma

from pipeline.stats.fdr import benjamini_hochberg
from pipeline.stats.mann_kendall import mann_kendall

KOMMUN = "kommun"
ALL = "all"
_THETA_MAX = 1e6  # θ = 1/α above this is treated as Poisson (α = 0)
MIN_NB_INCIDENTS = 20  # NB trend fitted only for area × problem with at least this many in the period
AREA_TRENDS_COLUMNS = (
    "area_id", "problem", "n_year", "n_prev", "change_pct", "mean_3y", "change_vs_3y_pct",
    "harm_days_year", "population", "rate_per_1000", "kommun_rate_per_1000", "rate_ratio",
    "irr", "irr_low", "irr_high", "irr_p", "irr_q", "nb_alpha", "mk_tau", "mk_p", "trend",
)
AREA_YEAR_COLUMNS = ("area_id", "problem", "year", "n_incidents", "harm_days", "population", "rate_per_1000")
_NAN_FIT = dict(irr=np.nan, irr_low=np.nan, irr_high=np.nan, irr_p=np.nan, nb_alpha=np.nan,
                converged=False, model="none")


def _design(years: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Columns: intercept, year − max(year), dummies for months 2..12 (January is the reference)."""
    cols = [np.ones(len(years)), (years - years.max()).astype(float)]
    cols += [(months == m).astype(float) for m in range(2, 13)]
    return np.column_stack(cols)


def _theta_step(y, mu, theta, m):
    """One Newton step on log θ (θ = 1/α) of the NB2 log-likelihood, rows independent.

    U(θ) = Σ m [ψ(y+θ) − ψ(θ) + ln θ + 1 − ln(θ+μ) − (y+θ)/(θ+μ)]
    U'(θ) = Σ m [ψ'(y+θ) − ψ'(θ) + 1/θ − 2/(θ+μ) + (y+θ)/(θ+μ)²]   (MASS::theta.ml)
    """
    t = theta[:, None]
    u = (m * (digamma(y + t) - digamma(t) + np.log(t) + 1 - np.log(t + mu) - (y + t) / (t + mu))).sum(1)
    du = (m * (polygamma(1, y + t) - polygamma(1, t) + 1 / t - 2 / (t + mu) + (y + t) / (t + mu) ** 2)).sum(1)
    g, h = u * theta, du * theta**2 + u * theta  # derivatives in φ = ln θ
    step = np.where(h < 0, -g / np.where(h < 0, h, -1.0), np.sign(g))
    return np.exp(np.clip(np.log(theta) + np.clip(step, -2, 2), np.log(1e-4), np.log(_THETA_MAX) + 1))


def _nb2_batch(y: np.ndarray, x: np.ndarray, estimate_alpha: np.ndarray,
               max_iter: int = 200, tol: float = 1e-8) -> dict[str, np.ndarray]:
    """Fit log E[y_b] = x β_b for every row b of ``y`` (B, n) with a shared design ``x`` (n, k).

    Rows with ``estimate_alpha`` are NB2 (Var = μ + αμ², α by maximum likelihood, alternating
    IRLS for β at fixed α with Newton steps on log(1/α), as R's MASS::glm.nb does); the other
    rows are Poisson (α = 0). A month whose count is zero in every year has μ̂ = 0 and adds
    nothing to the likelihood of β₁ or α, so those observations are masked out.
    Hand-written and batched because fitting hundreds of series one by one with statsmodels
    takes seconds; ``tests/unit/stats/test_trends.py`` checks it against
    ``statsmodels.discrete.discrete_model.NegativeBinomial``.

    Returns arrays b1, se1 (from the expected information (XᵀWX)⁻¹, W = μ/(1+αμ)), alpha,
    converged.
    """
    n_b, n = y.shape
    k = x.shape[1]
    month_cols = x[:, 2:]
    zero_month = (y @ month_cols == 0)                                  # (B, 11)
    first_month = x[:, 2:].sum(1) == 0                                  # January rows
    jan_zero = (y[:, first_month].sum(1) == 0)
    mask = np.ones_like(y)
    mask[:, first_month] = np.where(jan_zero[:, None], 0.0, 1.0)
    mask *= 1.0 - (zero_month.astype(float) @ month_cols.T).clip(0, 1)
    ybar = (y * mask).sum(1) / np.maximum(mask.sum(1), 1)
    beta = np.zeros((n_b, k))
    beta[:, 0] = np.log(np.maximum(ybar, 1e-3))
    theta = np.full(n_b, np.inf)
    ridge = 1e-10 * np.eye(k)
    converged = np.zeros(n_b, dtype=bool)
    prev_b1, prev_th = np.full(n_b, np.nan), np.full(n_b, np.inf)
    for it in range(max_iter):
        eta = np.clip(beta @ x.T, -50, 50)
        mu = np.exp(eta)
        if it == 4:  # start α from the moment estimate once β is near the Poisson fit
            over = ((mask * ((y - mu) ** 2 - y)).sum(1)) / np.maximum((mask * mu**2).sum(1), 1e-12)
            # Σ((y−μ)² − y) ≤ 0: the likelihood falls as α leaves 0, so the MLE is α = 0
            theta = np.where(estimate_alpha & (over > 0), 1.0 / np.clip(over, 1e-3, 1e3), np.inf)
        elif it > 4 and estimate_alpha.any():
            est = np.isfinite(theta)
            theta[est] = _theta_step(y[est], mu[est], theta[est], mask[est])
            theta[theta >= _THETA_MAX] = np.inf  # α < 1e-6: indistinguishable from Poisson
        w = mask * mu / (1 + mu / theta[:, None])
        z = eta + (y - mu) / mu
        xtwx = np.einsum("nk,bn,nl->bkl", x, w, x) + ridge
        xtwz = np.einsum("nk,bn->bk", x, w * z)
        beta = np.linalg.solve(xtwx, xtwz[..., None])[..., 0]
        if it > 5:
            with np.errstate(invalid="ignore"):
                done = (np.abs(beta[:, 1] - prev_b1) < tol) & (np.abs(np.log(theta) - np.log(prev_th)) < 1e-4)
                done |= (np.abs(beta[:, 1] - prev_b1) < tol) & ~np.isfinite(theta)
            converged = done
            if done.all():
                break
        prev_b1, prev_th = beta[:, 1].copy(), theta.copy()
    mu = np.exp(np.clip(beta @ x.T, -50, 50))
    w = mask * mu / (1 + mu / theta[:, None])
    cov = np.linalg.inv(np.einsum("nk,bn,nl->bkl", x, w, x) + ridge)
    alpha = np.where(np.isfinite(theta), 1.0 / theta, 0.0)
    return {"b1": beta[:, 1], "se1": np.sqrt(cov[:, 1, 1]), "alpha": alpha, "converged": converged}


def _fit_batch(y: np.ndarray, x: np.ndarray, min_total: int) -> pd.DataFrame:
    """irr, irr_low, irr_high, irr_p, nb_alpha, converged, model for every row of ``y``."""
    total = y.sum(1)
    usable = (total > 0) & (np.ptp(x[:, 1]) > 0)
    nb = total >= min_total
    out = pd.DataFrame({k: np.full(len(y), v) for k, v in _NAN_FIT.items()})
    if usable.any():
        r = _nb2_batch(y[usable], x, nb[usable])
        b, se = r["b1"], r["se1"]
        ok = r["converged"] & np.isfinite(se) & (se > 0)
        z95 = norm.ppf(0.975)
        idx = np.flatnonzero(usable)
        out.loc[idx, "converged"] = ok
        good = idx[ok]
        out.loc[good, "irr"] = np.exp(b[ok])
        out.loc[good, "irr_low"] = np.exp(b[ok] - z95 * se[ok])
        out.loc[good, "irr_high"] = np.exp(b[ok] + z95 * se[ok])
        out.loc[good, "irr_p"] = 2 * norm.sf(np.abs(b[ok] / se[ok]))
        out.loc[good, "nb_alpha"] = np.where(nb[usable][ok], r["alpha"][ok], np.nan)
        out.loc[good, "model"] = np.where(nb[usable][ok], "nb2", "poisson")
    return out


def fit_nb_trend(monthly: pd.DataFrame, min_total: int = MIN_NB_INCIDENTS) -> dict:
    """Yearly incidence-rate ratio from monthly counts with a negative binomial (NB2) model.

    log E[n_ym] = b0 + b1·(y − y_max) + Σ_{m=2..12} c_m [month = m],
    Var[n_ym] = μ + α μ² with α estimated by maximum likelihood (a GLM NegativeBinomial family
    would silently fix α = 1). The fit alternates IRLS for β at fixed α with Newton steps for
    α, as R's ``MASS::glm.nb`` does (:func:`_nb2_batch`; checked against
    ``statsmodels.discrete.discrete_model.NegativeBinomial`` NB2 MLE). IRR = exp(b1), the
    multiplicative change per year; 95 % Wald CI exp(b1 ± 1.96 se) with se from the expected
    information (XᵀWX)⁻¹; irr_p the Wald p-value of b1 = 0. nb_alpha = 0 means the MLE of α is
    on the boundary (no over-dispersion): the fit is then the Poisson fit.

    Falls back to a Poisson fit (``model="poisson"``, nb_alpha NaN) when the total is below
    ``min_total``; returns NaN (``model="none"``, converged False) when all counts are zero, only
    one year is present or the fit does not converge (e.g. every incident in one year).

    Parameters
    ----------
    monthly : DataFrame with columns year, month (1..12), n_incidents; every month of the
        period should be present, zeros included.

    Returns
    -------
    dict with irr, irr_low, irr_high, irr_p, nb_alpha, converged (bool), model
    ("nb2" | "poisson" | "none").

    Reference: Cameron & Trivedi (2013) Regression Analysis of Count Data, 2nd ed., §3.3.
    """
    years = monthly["year"].to_numpy(dtype=float)
    months = monthly["month"].to_numpy(dtype=int)
    y = monthly["n_incidents"].to_numpy(dtype=float)
    if len(y) == 0:
        return dict(_NAN_FIT)
    row = _fit_batch(y[None, :], _design(years, months), min_total).iloc[0]
    return {k: (bool(row[k]) if k == "converged" else row[k] if k == "model" else float(row[k])) for k in _NAN_FIT}


def population_totals(population: pd.DataFrame) -> pd.DataFrame:
    """Total inhabitants per area_id and year from rows by sex and age band.

    Uses, per area and year, the first level present: the (alla, alla) row; else the sum of
    age bands with sex "alla"; else the sum of sexes with age band "alla"; else the sum of all
    sex × age-band rows. Returns DataFrame[area_id, year, population].
    """
    p = population.assign(_sa=population["sex"].eq("alla"), _aa=population["age_band"].eq("alla"))
    level = np.select([p["_sa"] & p["_aa"], p["_sa"], p["_aa"]], [0, 1, 2], 3)
    p = p.assign(_level=level)
    best = p.groupby(["area_id", "year"])["_level"].transform("min")
    p = p[p["_level"] == best]
    out = p.groupby(["area_id", "year"], as_index=False)["population"].sum()
    return out.astype({"area_id": "str", "year": "int64", "population": "int64"})


def _population_grid(population: pd.DataFrame, areas: list[str], years: list[int]) -> np.ndarray:
    """Population per (area incl. kommun last, year); a missing year takes the latest earlier
    year, else the earliest later one; the kommun is the sum of its areas."""
    tot = population_totals(population)
    wide = tot.pivot(index="area_id", columns="year", values="population")
    all_years = sorted(set(wide.columns) | set(years))
    wide = wide.reindex(columns=all_years).ffill(axis=1).bfill(axis=1)
    wide = wide.reindex(index=areas, columns=years)
    grid = wide.to_numpy(dtype=float)
    kommun = np.where(np.isnan(grid).all(axis=0), np.nan, np.nansum(grid, axis=0))
    return np.vstack([grid, kommun[None, :]])


def area_trends(incidents: pd.DataFrame, population: pd.DataFrame, year: int, first_year: int,
                alpha: float = 0.05, harm: pd.Series | None = None,
                min_nb_incidents: int = MIN_NB_INCIDENTS, fdr: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trend table per area × problem (contracts.md ``area_trends``) and yearly counts
    (``area_year_counts``) for years ``first_year``..``year``.

    Rows: every area (from population and incidents) plus "kommun" (all incidents, any area) ×
    every problem present plus "all" × every year, zero counts included.

    - change_pct = 100 (n_year − n_prev)/n_prev (NA when n_prev is 0 or before first_year)
    - mean_3y = mean count of the (up to) three years before ``year`` within the period;
      change_vs_3y_pct = 100 (n_year − mean_3y)/mean_3y
    - rate_per_1000 = 1000 n / population of that year; rate_ratio = rate / kommun rate
    - irr… from :func:`fit_nb_trend` on monthly counts (only with ≥ ``min_nb_incidents``
      incidents in the period, else NA); mk_tau, mk_p: Mann–Kendall on the yearly counts
    - trend = "rising" if irr_q < alpha and irr > 1 and mk_tau > 0; "falling" if irr_q < alpha
      and irr < 1 and mk_tau < 0; else "stable" (the model must be significant and the
      distribution-free test must agree in sign). With ``fdr`` (default) irr_q is the
      Benjamini–Hochberg adjustment of irr_p over all fitted area × problem rows: a kommun
      with 25 areas and 13 problems tests over 300 trends, and uncorrected about 5 % of them
      would be flagged on flat data; without ``fdr`` irr_q = irr_p.

    ``harm`` (optional, aligned to ``incidents``) gives harm in days per incident; harm columns
    are NaN without it.
    """
    years = list(range(first_year, year + 1))
    n_y = len(years)
    inc = incidents[(incidents["year"] >= first_year) & (incidents["year"] <= year)]
    h = (harm.reindex(inc.index).to_numpy(dtype=float) if harm is not None else np.zeros(len(inc)))
    h = np.nan_to_num(h)
    pop_areas = set(population_totals(population)["area_id"]) - {KOMMUN}
    areas = sorted(pop_areas | set(inc["area_id"].dropna().astype(str)) - {KOMMUN})
    problems = sorted(set(inc["problem"].dropna().astype(str)) - {ALL})
    a_idx = pd.Index(areas).get_indexer(inc["area_id"].astype("str"))
    p_idx = pd.Index(problems).get_indexer(inc["problem"].astype("str"))
    m_idx = (inc["year"].to_numpy() - first_year) * 12 + inc["occurred_at"].dt.month.to_numpy() - 1
    n_a, n_p, n_m = len(areas) + 1, len(problems) + 1, 12 * n_y  # kommun and all last
    counts = np.zeros((n_a, n_p, n_m))
    harm_sum = np.zeros((n_a, n_p, n_m))
    for a_sel in (a_idx, np.full(len(inc), n_a - 1)):
        for p_sel in (p_idx, np.full(len(inc), n_p - 1)):
            ok = (a_sel >= 0) & (p_sel >= 0)
            flat = (a_sel[ok] * n_p + p_sel[ok]) * n_m + m_idx[ok]
            counts += np.bincount(flat, minlength=n_a * n_p * n_m).reshape(counts.shape)
            harm_sum += np.bincount(flat, weights=h[ok], minlength=n_a * n_p * n_m).reshape(counts.shape)
    yearly = counts.reshape(n_a, n_p, n_y, 12).sum(axis=3)
    harm_y = harm_sum.reshape(n_a, n_p, n_y, 12).sum(axis=3)
    pop = _population_grid(population, areas, years)                     # (n_a, n_y)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(pop[:, None, :] > 0, 1000 * yearly / pop[:, None, :], np.nan)

    area_names = areas + [KOMMUN]
    prob_names = problems + [ALL]
    ay = pd.DataFrame({
        "area_id": np.repeat(area_names, n_p * n_y),
        "problem": np.tile(np.repeat(prob_names, n_y), n_a),
        "year": np.tile(years, n_a * n_p).astype("int64"),
        "n_incidents": yearly.ravel().astype("int64"),
        "harm_days": harm_y.ravel() if harm is not None else np.nan,
        "population": pd.array(np.repeat(pop[:, None, :], n_p, axis=1).ravel(), dtype="Float64").astype("Int64"),
        "rate_per_1000": rate.ravel(),
    })

    # per area × problem summaries
    last = n_y - 1
    n_year = yearly[:, :, last]
    n_prev = yearly[:, :, last - 1] if n_y >= 2 else np.full(n_year.shape, np.nan)
    prior = yearly[:, :, max(0, last - 3):last]
    mean_3y = prior.mean(axis=2) if prior.shape[2] else np.full(n_year.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(n_prev > 0, 100 * (n_year - n_prev) / n_prev, np.nan)
        change_3y = np.where(mean_3y > 0, 100 * (n_year - mean_3y) / mean_3y, np.nan)
        rate_ratio = rate[:, :, last] / rate[n_a - 1, :, last][None, :]
    mk = mann_kendall(yearly.reshape(-1, n_y))
    x = _design(np.repeat(years, 12).astype(float), np.tile(np.arange(1, 13), n_y))
    flat_counts = counts.reshape(-1, n_m)
    enough = flat_counts.sum(1) >= min_nb_incidents
    fit = _fit_batch(flat_counts[enough], x, min_nb_incidents).set_index(np.flatnonzero(enough))
    fit = fit.reindex(range(len(flat_counts)))  # too few incidents: NA irr, trend stable
    irr, irr_p, tau = fit["irr"].to_numpy(), fit["irr_p"].to_numpy(), mk["tau"].to_numpy()
    fitted = np.isfinite(irr_p)
    irr_q = np.full_like(irr_p, np.nan)
    irr_q[fitted] = benjamini_hochberg(irr_p[fitted], alpha)[0] if fdr else irr_p[fitted]
    sig = irr_q < alpha
    trend = np.where(sig & (irr > 1) & (tau > 0), "rising", np.where(sig & (irr < 1) & (tau < 0), "falling", "stable"))
    at = pd.DataFrame({
        "area_id": np.repeat(area_names, n_p),
        "problem": np.tile(prob_names, n_a),
        "n_year": n_year.ravel().astype("int64"),
        "n_prev": pd.array(n_prev.ravel(), dtype="Float64").astype("Int64"),
        "change_pct": change.ravel(),
        "mean_3y": mean_3y.ravel(),
        "change_vs_3y_pct": change_3y.ravel(),
        "harm_days_year": harm_y[:, :, last].ravel() if harm is not None else np.nan,
        "population": pd.array(np.repeat(pop[:, last], n_p), dtype="Float64").astype("Int64"),
        "rate_per_1000": rate[:, :, last].ravel(),
        "kommun_rate_per_1000": np.tile(rate[n_a - 1, :, last], n_a),
        "rate_ratio": rate_ratio.ravel(),
        "irr": irr, "irr_low": fit["irr_low"].to_numpy(), "irr_high": fit["irr_high"].to_numpy(),
        "irr_p": irr_p, "irr_q": irr_q, "nb_alpha": fit["nb_alpha"].to_numpy(),
        "mk_tau": tau, "mk_p": mk["p"].to_numpy(),
        "trend": trend,
    })
    for df in (at, ay):
        df["area_id"] = df["area_id"].astype("str")
        df["problem"] = df["problem"].astype("str")
    at["trend"] = at["trend"].astype("str")
    return at[list(AREA_TRENDS_COLUMNS)], ay[list(AREA_YEAR_COLUMNS)]
