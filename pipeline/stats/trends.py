"""Count trends per area × problem family: yearly counts and rates, the change against the
previous year and the 3-year mean, and the one verdict per row — this year's exact rate-ratio
test beside the multi-year negative binomial trend (:mod:`pipeline.stats.verdict`).
Formulas and references: ``docs/methods-trends.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.stats.fdr import benjamini_hochberg
from pipeline.stats.mann_kendall import mann_kendall
from pipeline.stats.rate_ratio import rate_ratio_tests
from pipeline.stats.relative import relative_change, relative_trend
from pipeline.stats.shock import by_group, dispersion_upper, moment_dispersion, shock_aware_trend, this_year_shock_tests
from pipeline.stats.verdict import verdict_codes, verdict_phrases, year_change
from pipeline.stats.yearly_nb import group_dispersion, yearly_trend

KOMMUN = "kommun"
ALL = "all"
MIN_TREND_INCIDENTS = 20  # the yearly trend is fitted only with at least this many incidents in the period
AREA_TRENDS_COLUMNS = (
    "area_id", "problem", "n_year", "n_prev", "change_pct", "mean_3y", "change_vs_3y_pct",
    "harm_days_year", "population", "rate_per_1000", "kommun_rate_per_1000", "rate_ratio", "rate_ratio_p",
    "rate_ratio_q", "irr", "irr_low", "irr_high", "irr_p", "irr_q", "trend_pct_per_year", "year_dispersion",
    "year_dispersion_before", "mk_tau", "mk_p",
    "trend", "has_trend_fit", "year_rr", "year_rr_low", "year_rr_high", "year_p", "year_q", "year_change",
    "verdict_code", "verdict_sv",
)
AREA_YEAR_COLUMNS = ("area_id", "problem", "year", "n_incidents", "harm_days", "population", "rate_per_1000")


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


def this_year_tests(n_year: np.ndarray, n_prev: np.ndarray, kappa: np.ndarray) -> pd.DataFrame:
    """:func:`pipeline.stats.rate_ratio.rate_ratio_test` of every row's report-year count
    against the year before, with the row's year-level dispersion κ (0 where unknown).
    Returns year_rr, year_rr_low, year_rr_high (NaN where undefined or infinite: no incidents
    the year before) and year_p (NaN where both years are empty)."""
    r = rate_ratio_tests(np.asarray(n_year, float), np.nan_to_num(np.asarray(n_prev, float)),
                         kappa=np.nan_to_num(np.asarray(kappa, float)))
    both_empty = (np.asarray(n_year, float) + np.nan_to_num(np.asarray(n_prev, float))) == 0
    out = pd.DataFrame({"year_rr": r["rr"], "year_rr_low": r["rr_low"], "year_rr_high": r["rr_high"],
                        "year_p": np.where(both_empty, np.nan, r["p"])})
    return out.where(np.isfinite(out), np.nan)


def kommun_swing_guard(yearly: np.ndarray, b_abs: np.ndarray, p_trend: np.ndarray, p_year: np.ndarray,
                       min_total: int) -> tuple[np.ndarray, np.ndarray]:
    """Trend and this-year p-values that also hold against kommun-wide year shocks.

    ``yearly`` (areas + kommun last, problems, years); ``b_abs``, ``p_trend``, ``p_year`` the
    plain tests' slopes and p-values per (area, problem), flattened. A kommun row keeps
    max(p, p_K), p_K its shock-aware test (:mod:`pipeline.stats.shock`). An area row keeps
    max(p, min(1, 2·min(p_R, p_K))): its change must also either stand out from the rest of the
    kommun (p_R, :mod:`pipeline.stats.relative`, counted only in the same direction) or belong
    to a kommun-wide change that itself holds against year shocks (p_K of the kommun row) —
    Bonferroni over the two routes. Each route is valid in one world (shocks per area: the
    plain p; shared shocks: the other two), so the larger p is valid in both.
    """
    n_a, n_p, n_y = yearly.shape
    series = yearly.reshape(-1, n_y)
    groups = np.tile(np.arange(n_p), n_a)
    k_trend = shock_aware_trend(series, groups, min_total)["p"].reshape(n_a, n_p)[-1]
    prior = yearly[:, :, :-1].reshape(-1, n_y - 1) if n_y >= 4 else series
    df_k = prior.shape[1] - 2 if prior.shape[1] >= 3 else 1
    kap = by_group(moment_dispersion, prior, groups, min_total).reshape(n_a, n_p)[-1]
    kap_up = by_group(dispersion_upper, prior, groups, min_total).reshape(n_a, n_p)[-1]
    k_year = this_year_shock_tests(yearly[-1, :, -1], yearly[-1, :, -2], kap, kap_up, df_k) if n_y >= 2 else np.ones(n_p)
    area, rest = yearly[:-1], yearly[-1][None, :, :] - yearly[:-1]
    rel = relative_trend(area.reshape(-1, n_y), np.clip(rest, 0, None).reshape(-1, n_y))
    b_abs = np.asarray(b_abs, float).reshape(n_a, n_p)[:-1].ravel()
    r_trend = np.where(rel["ok"] & (np.sign(rel["b"]) == np.sign(b_abs)), rel["p"], 1.0).reshape(n_a - 1, n_p)
    r_year, lor = relative_change(area[:, :, -1], area[:, :, -2], np.clip(rest[:, :, -1], 0, None),
                                  np.clip(rest[:, :, -2], 0, None))
    r_year = np.where(np.sign(lor) == np.sign(area[:, :, -1] - area[:, :, -2]), r_year, 1.0)
    out = []
    for p, p_k, p_r in ((p_trend, k_trend, r_trend), (p_year, k_year, r_year)):
        p = np.asarray(p, float).reshape(n_a, n_p).copy()
        p_k = np.nan_to_num(p_k, nan=1.0)
        p[:-1] = np.maximum(p[:-1], np.minimum(1.0, 2 * np.minimum(p_r, p_k[None, :])))
        p[-1] = np.maximum(p[-1], p_k)
        out.append(p.ravel())
    return out[0], out[1]


def area_trends(incidents: pd.DataFrame, population: pd.DataFrame, year: int, first_year: int,
                alpha: float = 0.05, harm: pd.Series | None = None,
                min_trend_incidents: int = MIN_TREND_INCIDENTS, fdr: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trend table per area × problem (contracts.md ``area_trends``) and yearly counts
    (``area_year_counts``) for years ``first_year``..``year``.

    Rows: every area (from population and incidents) plus "kommun" (all incidents, any area) ×
    every problem present plus "all" × every year, zero counts included.

    - change_pct = 100 (n_year − n_prev)/n_prev (NA when n_prev is 0 or before first_year)
    - mean_3y = mean count of the (up to) three years before ``year`` within the period;
      change_vs_3y_pct = 100 (n_year − mean_3y)/mean_3y
    - rate_per_1000 = 1000 n / population of that year; rate_ratio = rate / kommun rate;
      rate_ratio_p: exact conditional test of the area's rate against the rest of the kommun
      in the report year (binomial, exposures = populations; NaN for the kommun rows and
      without population), rate_ratio_q its BH adjustment over all area rows
    - irr, irr_low, irr_high, irr_p: the NB2 slope of the yearly counts with the year-level
      dispersion κ pooled per problem (``year_dispersion``; :mod:`pipeline.stats.yearly_nb`),
      only with ≥ ``min_trend_incidents`` incidents in the period (``has_trend_fit``);
      trend_pct_per_year = 100 (irr − 1); mk_tau, mk_p: Mann–Kendall on the yearly counts
    - year_rr, year_rr_low, year_rr_high, year_p: the exact conditional test of this year
      against the year before (beta-binomial with the problem's κ estimated from the years
      before the report year, ``year_dispersion_before``, so a real jump this year does not
      widen its own test; all years when fewer than four; :mod:`pipeline.stats.rate_ratio`)
    - irr_p and year_p then also hold against kommun-wide year shocks (:func:`kommun_swing_guard`):
      an area's change must stand out from the rest of the kommun, or the kommun's own change
      must hold against year shocks; the kommun rows need the latter
    - irr_q, year_q: Benjamini–Hochberg over *both* sets of p-values of all rows together
      (``fdr``; else the raw p), so the table's trend flags hold one false-discovery level
    - trend = "rising" if irr_q < alpha, irr > 1 and mk_tau > 0; "falling" if irr_q < alpha,
      irr < 1 and mk_tau < 0; else "stable"; year_change, verdict_code, verdict_sv:
      :mod:`pipeline.stats.verdict`

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
    y_idx = inc["year"].to_numpy() - first_year
    n_a, n_p = len(areas) + 1, len(problems) + 1  # kommun and all last
    yearly = np.zeros((n_a, n_p, n_y))
    harm_y = np.zeros((n_a, n_p, n_y))
    for a_sel in (a_idx, np.full(len(inc), n_a - 1)):
        for p_sel in (p_idx, np.full(len(inc), n_p - 1)):
            ok = (a_sel >= 0) & (p_sel >= 0)
            flat = (a_sel[ok] * n_p + p_sel[ok]) * n_y + y_idx[ok]
            yearly += np.bincount(flat, minlength=n_a * n_p * n_y).reshape(yearly.shape)
            harm_y += np.bincount(flat, weights=h[ok], minlength=n_a * n_p * n_y).reshape(yearly.shape)
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
    series = yearly.reshape(-1, n_y)
    mk = mann_kendall(series)
    groups = np.tile(np.arange(n_p), n_a)
    fit = yearly_trend(series, groups, min_total=min_trend_incidents)
    kappa = group_dispersion(series, groups, min_trend_incidents)
    # the this-year test takes κ from the years before: a real jump this year must not widen its own test
    kappa_before = group_dispersion(series[:, :-1], groups, min_trend_incidents) if n_y >= 4 else kappa
    ty = this_year_tests(n_year.ravel(), n_prev.ravel(), kappa_before) if n_y >= 2 else \
        pd.DataFrame(np.nan, index=range(len(series)), columns=["year_rr", "year_rr_low", "year_rr_high", "year_p"])
    irr, irr_p, tau = fit["irr"], fit["irr_p"], mk["tau"].to_numpy()
    year_p = ty["year_p"].to_numpy()
    if n_y >= 3:  # a kommun-wide swing must not make every area's change "certain"
        irr_p, year_p = kommun_swing_guard(yearly, np.log(irr), irr_p, year_p, min_trend_incidents)
        year_p = np.where(np.isnan(ty["year_p"].to_numpy()), np.nan, year_p)
    pooled = np.r_[irr_p, year_p]
    q = np.full(len(pooled), np.nan)
    tested = np.isfinite(pooled)
    q[tested] = benjamini_hochberg(pooled[tested], alpha)[0] if fdr else pooled[tested]
    irr_q, year_q = q[:len(irr_p)], q[len(irr_p):]
    sig = np.nan_to_num(irr_q, nan=1.0) < alpha
    trend = np.where(sig & (irr > 1) & (tau > 0), "rising", np.where(sig & (irr < 1) & (tau < 0), "falling", "stable"))
    n_kommun = np.broadcast_to(n_year[n_a - 1][None, :], n_year.shape)
    pop_y = np.broadcast_to(pop[:, last][:, None], n_year.shape)
    pop_rest = pop[n_a - 1, last] - pop_y
    testable = (np.arange(n_a)[:, None] < n_a - 1) & (pop_y > 0) & (pop_rest > 0) & np.isfinite(pop_rest)
    rr_p = np.full(n_year.shape, np.nan)
    if testable.any():
        rr_p[testable] = rate_ratio_tests(n_year[testable], n_kommun[testable] - n_year[testable],
                                          t1=pop_y[testable], t2=pop_rest[testable])["p"]
    rr_q = np.full(rr_p.shape, np.nan)
    if np.isfinite(rr_p).any():
        rr_q[np.isfinite(rr_p)] = benjamini_hochberg(rr_p[np.isfinite(rr_p)], alpha)[0] if fdr else rr_p[np.isfinite(rr_p)]
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
        "rate_ratio": rate_ratio.ravel(), "rate_ratio_p": rr_p.ravel(), "rate_ratio_q": rr_q.ravel(),
        "irr": irr, "irr_low": fit["irr_low"], "irr_high": fit["irr_high"], "irr_p": irr_p, "irr_q": irr_q,
        "trend_pct_per_year": 100 * (irr - 1), "year_dispersion": kappa, "year_dispersion_before": kappa_before,
        "mk_tau": tau, "mk_p": mk["p"].to_numpy(),
        "trend": trend, "has_trend_fit": fit["ok"],
        "year_rr": ty["year_rr"].to_numpy(), "year_rr_low": ty["year_rr_low"].to_numpy(),
        "year_rr_high": ty["year_rr_high"].to_numpy(), "year_p": year_p, "year_q": year_q,
    })
    at["year_change"] = year_change(at["n_year"], at["n_prev"].astype("Float64").to_numpy(float, na_value=np.nan),
                                    at["year_rr"], at["year_q"], alpha)
    at["verdict_code"] = verdict_codes(at["year_change"], at["trend"], at["has_trend_fit"])
    at["verdict_sv"] = verdict_phrases(at.assign(n_prev=at["n_prev"].astype("Float64").to_numpy(float, na_value=np.nan)))
    for df in (at, ay):
        df["area_id"] = df["area_id"].astype("str")
        df["problem"] = df["problem"].astype("str")
    for col in ("trend", "year_change", "verdict_code", "verdict_sv"):
        at[col] = at[col].astype("str")
    return at[list(AREA_TRENDS_COLUMNS)], ay[list(AREA_YEAR_COLUMNS)]
