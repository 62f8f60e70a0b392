"""Polisen events as a series: covered months, rates per 10,000, partial years, the trend
model with a level shift at a break, and its error rate on series with no trend."""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

from pipeline.stats.event_series import (covered_months, event_trends, fit_event_trend, monthly_event_counts,
                                         nb_moment_fit, yearly_event_counts)
from pipeline.stats.source_breaks import SourceBreak

BREAK = SourceBreak("b2025", "police_events", pd.Timestamp("2025-10-01"), "ändrad publicering")
POP = pd.DataFrame({"year": [2024], "population": [20_000]})


def events(rows):
    """rows: (time, problem or None, is_crime)."""
    return pd.DataFrame({"occurred_at": pd.to_datetime([r[0] for r in rows]),
                         "problem": [r[1] for r in rows], "is_crime": [r[2] for r in rows]})


def test_covered_months_counts_days_from_first_to_last_event():
    m = covered_months((pd.Timestamp("2023-03-20 10:19"), pd.Timestamp("2025-09-30 21:48")), 2021, 2025)
    assert len(m) == 31
    assert m.iloc[0][["days_in_month", "days_covered", "is_partial_month"]].tolist() == [31, 12, True]  # 20–31 mars
    assert m.iloc[-1][["days_in_month", "days_covered", "is_partial_month"]].tolist() == [30, 30, False]
    assert m.loc[m["month"] == "2024-02-01", "days_covered"].item() == 29  # leap year
    # the report period cuts the files: report year 2024, three years back
    cut = covered_months((pd.Timestamp("2020-06-15"), pd.Timestamp("2025-01-10")), 2022, 2024)
    assert (cut["month"].min(), cut["month"].max()) == (pd.Timestamp("2022-01-01"), pd.Timestamp("2024-12-01"))
    assert not cut["is_partial_month"].any()
    assert covered_months((pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31")), 2021, 2025).empty


def test_monthly_counts_rates_zeros_period_and_break_marks():
    ev = events([("2025-08-03 10:00", "violence", True), ("2025-08-20 23:00", "violence", True),
                 ("2025-10-01 01:00", "theft", True), ("2025-10-05 12:00", None, False),  # Trafikolycka
                 ("2020-05-01 12:00", "violence", True)])  # before the period: not counted
    cov = (pd.Timestamp("2025-08-01"), pd.Timestamp("2025-10-15"))
    m = monthly_event_counts(ev, POP, cov, 2021, 2025, [BREAK], "1234")
    assert sorted(m["problem"].unique()) == ["all", "theft", "violence"]
    allm = m[m["problem"] == "all"].set_index(m[m["problem"] == "all"]["month"].dt.month)
    assert allm["n_events"].to_dict() == {8: 2, 9: 0, 10: 1}
    # October: 1 event in 15 of 31 days, 20 000 inhabitants → 10 000 · 1/20 000 · 31/15
    assert allm.loc[10, "rate_per_10000"] == pytest.approx(0.5 * 31 / 15)
    assert allm.loc[8, "rate_per_10000"] == pytest.approx(1.0)
    assert allm["is_partial_month"].tolist() == [False, False, True]
    assert allm["break_ids"].tolist() == ["", "", "b2025"] and allm["is_after_break"].tolist() == [False, False, True]
    assert m.loc[(m["problem"] == "theft"), "n_events"].tolist() == [0, 0, 1]
    assert (m["population"] == 20_000).all()  # 2025 takes the latest earlier year


def test_yearly_counts_mark_partial_years_and_scale_the_rate():
    ev = events([("2024-12-31 12:00", "theft", True)] * 4 + [("2025-02-01 08:00", "theft", True)] * 3)
    cov = (pd.Timestamp("2024-07-01"), pd.Timestamp("2025-03-31"))
    y = yearly_event_counts(monthly_event_counts(ev, POP, cov, 2021, 2025, [], "1234"))
    y = y[y["problem"] == "all"].set_index("year")
    assert y["n_events"].to_dict() == {2024: 4, 2025: 3}
    assert y["days_covered"].to_dict() == {2024: 184, 2025: 90}
    assert y["is_partial_year"].all()
    assert y.loc[2024, "rate_per_10000"] == pytest.approx(10_000 * 4 / 20_000 * 366 / 184)
    assert y.loc[2025, "rate_per_10000"] == pytest.approx(10_000 * 3 / 20_000 * 365 / 90)


def _nb_negloglik(beta, y, X, offset, alpha):
    mu = np.exp(offset + X @ beta)
    r = 1 / alpha
    return -np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
                   + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu)))


def test_nb_moment_fit_solves_pearson_and_the_nb_likelihood():
    rng = np.random.default_rng(3)
    n = 36
    X = np.column_stack([np.ones(n), np.arange(n) / 12 - 1.5])
    offset = np.log(np.full(n, 2.0))
    y = rng.poisson(rng.gamma(2.0, 5.0 * np.exp(0.1 * X[:, 1]) / 2.0))  # NB with α = 0.5
    res, alpha = nb_moment_fit(y.astype(float), X, offset)
    mu = np.asarray(res.mu)
    assert alpha > 0.1
    assert np.sum((y - mu) ** 2 / (mu + alpha * mu**2)) == pytest.approx(n - 2, rel=1e-6)  # Breslow's equation
    # β maximises the NB2 likelihood at that α (checked with a general optimiser, not IRLS)
    best = optimize.minimize(_nb_negloglik, x0=np.zeros(2), args=(y, X, offset, alpha), method="BFGS")
    assert np.asarray(res.params) == pytest.approx(best.x, abs=1e-4)


def test_nb_moment_fit_is_poisson_without_overdispersion():
    X = np.column_stack([np.ones(24), np.arange(24) / 12])
    y = np.array([5, 6, 5, 5, 6, 5, 6, 6, 5, 6, 6, 6, 6, 7, 6, 6, 7, 7, 6, 7, 7, 7, 6, 7], dtype=float)
    _, alpha = nb_moment_fit(y, X, np.zeros(24))
    assert alpha == 0.0


def _series(y, start="2023-01-01", pop=20_000):
    months = pd.date_range(start, periods=len(y), freq="MS")
    return pd.DataFrame({"month": months, "n_events": y, "population": pop,
                         "days_covered": months.days_in_month, "days_in_month": months.days_in_month})


def _simulate(rng, n, mu0, alpha, shift_at=None, shift=1.0, irr=1.0):
    t = np.arange(n) / 12
    season = 1 + 0.2 * np.sin(2 * np.pi * (np.arange(n) % 12) / 12)
    mu = mu0 * season * irr**t * np.where((np.arange(n) >= shift_at) if shift_at is not None else False, shift, 1.0)
    lam = rng.gamma(1 / alpha, alpha * mu) if alpha > 0 else mu
    return rng.poisson(lam)


def test_level_shift_at_the_break_is_not_read_as_a_trend():
    rng = np.random.default_rng(11)
    # 2024-01 .. 2026-12, flat, then 35 % fewer events published from 2025-10
    y = _simulate(rng, 36, 60.0, 0.0, shift_at=21, shift=0.65)
    s = _series(y, start="2024-01-01")
    with_break = fit_event_trend(s, [BREAK])
    without = fit_event_trend(s, [])
    assert with_break["level_shift"] == pytest.approx(0.65, abs=0.12)
    assert with_break["level_shift_high"] < 1
    assert with_break["irr_low"] < 1 < with_break["irr_high"]
    assert without["irr_high"] < 1 and without["irr_p"] < 0.05  # ignoring the break invents a fall


def test_trend_is_found_and_short_or_sparse_series_get_none():
    rng = np.random.default_rng(5)
    rising = fit_event_trend(_series(_simulate(rng, 36, 20.0, 0.05, irr=1.5)), [])
    assert rising["irr_low"] > 1 and rising["irr_p"] < 0.01 and rising["model"] == "nb2_moment"
    assert fit_event_trend(_series(np.full(18, 5)), [])["trend_note"] == "för kort serie (18 månader)"
    sparse = fit_event_trend(_series(np.r_[np.zeros(30), [1, 2, 0, 1, 0, 1]]), [])
    assert sparse["model"] == "none" and sparse["trend_note"] == "för få händelser (5)"


def test_event_trends_verdicts_use_bh_over_the_kommuns_problems():
    rng = np.random.default_rng(8)
    frames = []
    for problem, irr in (("all", 1.6), ("theft", 1.6), ("violence", 1.0)):
        f = _series(_simulate(rng, 36, 25.0, 0.0, irr=irr))
        frames.append(f.assign(kommun_code="1234", problem=problem))
    t = event_trends(pd.concat(frames, ignore_index=True), []).set_index("problem")
    assert t.loc["theft", "trend"] == "rising" and t.loc["violence", "trend"] == "stable"
    p = t["irr_p"].sort_values()
    m = len(p)
    expected_q = np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]  # BH by hand
    assert t.loc[p.index, "irr_q"].to_numpy() == pytest.approx(expected_q.to_numpy())


def test_false_rising_or_falling_at_most_the_nominal_rate_on_flat_series_with_a_break():
    """Level check on simulated series with no trend but a level shift at the break (36 months,
    over-dispersed counts). benchmarks/bench_event_trend_calibration.py runs the full grid."""
    rng = np.random.default_rng(2025)
    p = []
    for _ in range(200):
        y = _simulate(rng, 36, 8.0, 0.15, shift_at=33, shift=0.75)
        p.append(fit_event_trend(_series(y), [BREAK])["irr_p"])
    rate = np.mean(np.asarray(p) < 0.05)
    assert 0.01 <= rate <= 0.085, rate
