"""Polisen's published events as a kommun-level source: monthly and yearly series per problem
family with rates per 10,000 inhabitants, and a trend per series that allows for breaks in
the source.

The period is the report period (``first_year``..``year``) cut to the months the event files
cover; a month or year only partly covered is marked and its rate scaled to a whole one.
Formulas and references: ``docs/methods-events.md``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats
# the GLM module and its families only: statsmodels.api imports all of statsmodels (~0.8 s more)
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from pipeline.stats.fdr import benjamini_hochberg
from pipeline.stats.source_breaks import SourceBreak

ALL = "all"
PER = 10_000  # rates per 10,000 inhabitants
MIN_TREND_EVENTS = 10   # fewer events in the period: no trend is fitted
MIN_TREND_MONTHS = 24   # fewer months: no trend (two seasons are needed to tell season from trend)
SEASON_MONTHS = 24      # the seasonal harmonic needs two years
MONTH_COLUMNS = ("kommun_code", "problem", "month", "year", "n_events", "days_covered", "days_in_month",
                 "is_partial_month", "population", "rate_per_10000", "break_ids", "is_after_break")
YEAR_COLUMNS = ("kommun_code", "problem", "year", "n_events", "days_covered", "days_in_year", "is_partial_year",
                "population", "rate_per_10000", "has_break")
TREND_COLUMNS = ("kommun_code", "problem", "n_events", "n_months", "first_month", "last_month", "irr", "irr_low",
                 "irr_high", "irr_p", "irr_q", "nb_alpha", "level_shift", "level_shift_low", "level_shift_high",
                 "break_ids", "model", "trend", "trend_note")


def covered_months(coverage: tuple[pd.Timestamp, pd.Timestamp], first_year: int, year: int) -> pd.DataFrame:
    """The months of the report period that the event files cover, with days covered.

    ``coverage`` = (first, last) event time in the files. A day counts as covered from the
    first event's day to the last event's day, inclusive. Returns DataFrame[month (first day,
    datetime64), year, days_in_month, days_covered, is_partial_month]; empty when the files
    and the period do not overlap.
    """
    start = max(pd.Timestamp(coverage[0]).normalize(), pd.Timestamp(first_year, 1, 1))
    end = min(pd.Timestamp(coverage[1]).normalize(), pd.Timestamp(year, 12, 31))
    cols = ["month", "year", "days_in_month", "days_covered", "is_partial_month"]
    if end < start:
        return pd.DataFrame(columns=cols)
    months = pd.period_range(start.to_period("M"), end.to_period("M"), freq="M")
    m_start = months.to_timestamp()
    m_end = (months + 1).to_timestamp()  # exclusive
    lo = np.maximum(m_start.values, np.datetime64(start))
    hi = np.minimum(m_end.values, np.datetime64(end + pd.Timedelta(days=1)))
    covered = ((hi - lo) / np.timedelta64(1, "D")).astype("int64")
    dim = months.days_in_month.to_numpy().astype("int64")
    return pd.DataFrame({"month": m_start.values.astype("datetime64[ns]"), "year": months.year.astype("int64"),
                         "days_in_month": dim, "days_covered": covered, "is_partial_month": covered < dim})


def _population_by_year(population: pd.DataFrame, years) -> pd.Series:
    """Inhabitants per year (DataFrame[year, population]); a year without a figure takes the
    latest earlier year, else the earliest later one."""
    p = population.groupby("year")["population"].sum().astype(float)
    full = p.reindex(sorted(set(p.index) | set(years))).ffill().bfill()
    return full.reindex(list(years))


def monthly_event_counts(events: pd.DataFrame, population: pd.DataFrame, coverage, first_year: int, year: int,
                         breaks: list[SourceBreak], kommun_code: str) -> pd.DataFrame:
    """Crime events per month and problem family, with rates per 10,000 inhabitants.

    Rows: every covered month (:func:`covered_months`) × ("all" crime events + every family with
    at least one event in the period), zeros included. Only crime events (``is_crime``) count.

    rate_per_10000 = 10 000 · n / population · days_in_month / days_covered (a partly covered
    month is scaled to a whole month and marked ``is_partial_month``). ``break_ids`` lists the
    breaks in effect from that month (';'-joined), ``is_after_break`` is True from the first
    break on. ``population`` is DataFrame[year, population] of the kommun.
    """
    months = covered_months(coverage, first_year, year)
    if not len(months):
        return pd.DataFrame(columns=list(MONTH_COLUMNS))
    ev = events[events["is_crime"].astype(bool)] if len(events) else events
    ev = ev[(ev["occurred_at"] >= months["month"].min())
            & (ev["occurred_at"] < months["month"].max() + pd.offsets.MonthBegin(1))] if len(ev) else ev
    problems = [ALL] + sorted(set(ev["problem"].dropna().astype(str))) if len(ev) else [ALL]
    m_key = ev["occurred_at"].dt.to_period("M").dt.to_timestamp() if len(ev) else pd.Series(dtype="datetime64[ns]")
    counts = {ALL: m_key.value_counts()}
    for p in problems[1:]:
        counts[p] = m_key[ev["problem"] == p].value_counts()
    pop = _population_by_year(population, months["year"].unique())
    frames = []
    for p in problems:
        f = months.copy()
        f.insert(0, "problem", p)
        f["n_events"] = counts[p].reindex(f["month"]).fillna(0).astype("int64").to_numpy()
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "kommun_code", kommun_code)
    out["population"] = out["year"].map(pop).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_per_10000"] = np.where(out["population"] > 0, PER * out["n_events"] / out["population"]
                                         * out["days_in_month"] / out["days_covered"], np.nan)
    in_effect = [";".join(b.id for b in breaks if b.start <= m) for m in out["month"]]
    out["break_ids"] = in_effect
    out["is_after_break"] = out["break_ids"] != ""
    out["population"] = out["population"].round().astype("Int64")
    return out[list(MONTH_COLUMNS)].reset_index(drop=True)


def yearly_event_counts(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per problem and year: events, days covered, ``is_partial_year`` and the rate per 10,000
    inhabitants scaled to a whole year (10 000 · n / population · days_in_year / days_covered).
    ``has_break`` is True when a break is in effect in any month of the year."""
    if not len(monthly):
        return pd.DataFrame(columns=list(YEAR_COLUMNS))
    g = monthly.groupby(["kommun_code", "problem", "year"], sort=False)
    out = g.agg(n_events=("n_events", "sum"), days_covered=("days_covered", "sum"),
                population=("population", "first"), has_break=("is_after_break", "any")).reset_index()
    out["days_in_year"] = np.where(pd.to_datetime(out["year"].astype(str) + "-12-31").dt.day_of_year == 366, 366, 365)
    out["is_partial_year"] = out["days_covered"] < out["days_in_year"]
    pop = out["population"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_per_10000"] = np.where(pop > 0, PER * out["n_events"] / pop * out["days_in_year"]
                                         / out["days_covered"], np.nan)
    return out[list(YEAR_COLUMNS)]


def _glm(y, X, offset, alpha):
    family = families.NegativeBinomial(alpha=alpha) if alpha > 0 else families.Poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GLM(y, X, family=family, offset=offset).fit()


def nb_moment_fit(y: np.ndarray, X: np.ndarray, offset: np.ndarray, max_iter: int = 30):
    """Negative binomial (NB2) log-linear fit with the dispersion α estimated by moments.

    log E[y] = offset + Xβ, Var[y] = μ + αμ². β by IRLS at fixed α (statsmodels GLM), α by
    solving the Pearson equation Σ (y − μ̂)² / (μ̂ + αμ̂²) = n − p (Breslow 1984, Applied
    Statistics 33:38–44), alternated to convergence; α = 0 (Poisson) when the Pearson
    statistic of the Poisson fit is already ≤ n − p. The moment estimator is less biased than
    maximum likelihood in short series; with Wald tests on a t(n − p) reference it holds its
    level on simulated monthly series (tests/unit/stats/test_event_series.py,
    benchmarks/bench_event_trend_calibration.py). Returns (statsmodels result, α).
    """
    n, p = X.shape
    df = n - p
    alpha = 0.0
    res = _glm(y, X, offset, alpha)
    for _ in range(max_iter):
        mu = np.asarray(res.mu)

        def pearson(a, mu=mu):
            return float(np.sum((y - mu) ** 2 / (mu + a * mu**2))) - df

        if pearson(0.0) <= 0:
            new = 0.0
        else:
            hi = 1.0
            while pearson(hi) > 0 and hi < 1e4:
                hi *= 10
            new = float(optimize.brentq(pearson, 0.0, hi, xtol=1e-10)) if pearson(hi) <= 0 else hi
        done = abs(new - alpha) <= 1e-6 * (1 + alpha)
        alpha = new
        res = _glm(y, X, offset, alpha)
        if done:
            break
    return res, alpha


def fit_event_trend(monthly: pd.DataFrame, breaks: list[SourceBreak], alpha_level: float = 0.05) -> dict:
    """Trend of one monthly event series, allowing for breaks in the source.

    log E[n_m] = log(P_m · c_m/d_m) + β0 + β1·t_m [+ γ1 sin(2πm/12) + γ2 cos(2πm/12)]
                 + Σ_b δ_b · 1[m ≥ start_b]

    with P_m the population, c_m/d_m the covered share of the month, t_m the time in years
    (centred), the seasonal harmonic (series of ≥ 24 months; shorter ones get no trend), and one level-shift term δ_b per
    break inside the series. When every month on one side of a break is zero, those months
    carry no information on β1 and are left out with their term. Fitted by
    :func:`nb_moment_fit`; IRR = exp(β1) per year with a 95 % interval exp(β1 ± t·se) and
    two-sided p from t(n − p); level_shift = exp(δ) of the first break.

    ``monthly`` has month, n_events, population, days_covered, days_in_month for one series.
    Returns a dict with irr, irr_low, irr_high, irr_p, nb_alpha, level_shift, level_shift_low,
    level_shift_high, model ("nb2_moment" or "none") and trend_note (why none was fitted).
    """
    out = dict(irr=np.nan, irr_low=np.nan, irr_high=np.nan, irr_p=np.nan, nb_alpha=np.nan, level_shift=np.nan,
               level_shift_low=np.nan, level_shift_high=np.nan, model="none", trend_note="")
    m = monthly.sort_values("month")
    y = m["n_events"].to_numpy(dtype=float)
    pop = pd.to_numeric(m["population"], errors="coerce").astype("float64").to_numpy()
    if len(m) < MIN_TREND_MONTHS:
        return out | {"trend_note": f"för kort serie ({len(m)} månader)"}
    if y.sum() < MIN_TREND_EVENTS:
        return out | {"trend_note": f"för få händelser ({int(y.sum())})"}
    if not np.all(np.isfinite(pop) & (pop > 0)):
        return out | {"trend_note": "folkmängd saknas"}
    month = pd.DatetimeIndex(m["month"])
    idx = (month.year - month.year[0]) * 12 + (month.month - month.month[0])
    t = (idx - idx.to_numpy().mean()) / 12.0
    keep = np.ones(len(m), dtype=bool)
    cols = [np.ones(len(m)), np.asarray(t, dtype=float)]
    if len(m) >= SEASON_MONTHS:
        ang = 2 * np.pi * month.month.to_numpy() / 12
        cols += [np.sin(ang), np.cos(ang)]
    step_pos = []
    for b in breaks:
        after = np.asarray(month >= b.start)
        if not after.any() or after.all():
            continue
        if y[after & keep].sum() == 0 or y[~after & keep].sum() == 0:
            keep &= ~after if y[after].sum() == 0 else after
            continue
        step_pos.append(len(cols))
        cols.append(after.astype(float))
    X = np.column_stack(cols)[keep]
    yk = y[keep]
    n, p = X.shape
    if n - p < 3 or np.ptp(X[:, 1]) == 0:
        return out | {"trend_note": "för få månader för modellen"}
    exposure = pop * m["days_covered"].to_numpy(dtype=float) / m["days_in_month"].to_numpy(dtype=float)
    res, alpha = nb_moment_fit(yk, X, np.log(exposure[keep]))
    b, se = np.asarray(res.params), np.asarray(res.bse)
    if not (np.isfinite(b[1]) and np.isfinite(se[1]) and se[1] > 0):
        return out | {"trend_note": "modellen konvergerade inte"}
    tq = stats.t.ppf(1 - alpha_level / 2, n - p)
    out.update(irr=float(np.exp(b[1])), irr_low=float(np.exp(b[1] - tq * se[1])),
               irr_high=float(np.exp(b[1] + tq * se[1])), irr_p=float(2 * stats.t.sf(abs(b[1] / se[1]), n - p)),
               nb_alpha=float(alpha), model="nb2_moment")
    if step_pos:
        j = step_pos[0]
        out.update(level_shift=float(np.exp(b[j])), level_shift_low=float(np.exp(b[j] - tq * se[j])),
                   level_shift_high=float(np.exp(b[j] + tq * se[j])))
    return out


def event_trends(monthly: pd.DataFrame, breaks: list[SourceBreak], alpha: float = 0.05) -> pd.DataFrame:
    """One trend row per problem of :func:`monthly_event_counts` (:func:`fit_event_trend`).

    irr_q is the Benjamini–Hochberg adjustment of irr_p over the kommun's problems; trend is
    "rising" (irr_q < alpha, irr > 1), "falling" (irr_q < alpha, irr < 1) or "stable".
    ``break_ids`` lists the breaks inside the series.
    """
    if not len(monthly):
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    rows = []
    for (code, problem), g in monthly.groupby(["kommun_code", "problem"], sort=False):
        first, last = g["month"].min(), g["month"].max()
        inside = [b for b in breaks if first < b.start <= last]
        fit = fit_event_trend(g, inside, alpha)
        rows.append({"kommun_code": code, "problem": problem, "n_events": int(g["n_events"].sum()),
                     "n_months": int(len(g)), "first_month": first, "last_month": last, **fit,
                     "break_ids": ";".join(b.id for b in inside)})
    out = pd.DataFrame(rows)
    out["irr_q"], _ = benjamini_hochberg(out["irr_p"].to_numpy(dtype=float), alpha)
    sig = out["irr_q"] < alpha
    out["trend"] = np.where(sig & (out["irr"] > 1), "rising", np.where(sig & (out["irr"] < 1), "falling", "stable"))
    return out[list(TREND_COLUMNS)]


def breaks_frame(breaks: list[SourceBreak]) -> pd.DataFrame:
    """The breaks as a table: id, start (month), origin, label_sv, evidence."""
    return pd.DataFrame([{"id": b.id, "start": b.start, "origin": b.origin, "label_sv": b.label_sv,
                          "evidence": b.evidence} for b in breaks],
                        columns=["id", "start", "origin", "label_sv", "evidence"])


def build_event_layers(events: pd.DataFrame, population: pd.DataFrame, coverage, kommun_code: str,
                       first_year: int, year: int, declared: list[SourceBreak],
                       alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """The event layers of one kommun: event_month_counts, event_year_counts, event_trends and
    event_breaks (declared breaks inside the covered period, plus a break detected in the
    events by :func:`pipeline.stats.source_breaks.detect_location_shape_break`).

    ``population`` is DataFrame[year, population] for the whole kommun; ``coverage`` the
    (first, last) event time of the files, or None when no event file was read (every layer is
    then empty).
    """
    from pipeline.stats.source_breaks import detect_location_shape_break, merge_breaks

    if coverage is None:
        return {"event_month_counts": pd.DataFrame(columns=list(MONTH_COLUMNS)),
                "event_year_counts": pd.DataFrame(columns=list(YEAR_COLUMNS)),
                "event_trends": pd.DataFrame(columns=list(TREND_COLUMNS)), "event_breaks": breaks_frame([])}
    months = covered_months(coverage, first_year, year)
    first = months["month"].min() if len(months) else pd.Timestamp(year, 1, 1)
    last = months["month"].max() if len(months) else pd.Timestamp(year, 12, 1)
    in_period = events[(events["occurred_at"] >= first) & (events["occurred_at"] < last + pd.offsets.MonthBegin(1))]
    breaks = merge_breaks(declared, detect_location_shape_break(in_period), first, last)
    monthly = monthly_event_counts(events, population, coverage, first_year, year, breaks, kommun_code)
    return {"event_month_counts": monthly, "event_year_counts": yearly_event_counts(monthly),
            "event_trends": event_trends(monthly, breaks, alpha), "event_breaks": breaks_frame(breaks)}
