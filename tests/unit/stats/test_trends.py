"""Count trends: NB2 recovery on simulated data, agreement with statsmodels' NB2 MLE, and the
area_trends / area_year_counts tables on a hand fixture."""

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.discrete.discrete_model import NegativeBinomial

from pipeline.stats.trends import (
    AREA_TRENDS_COLUMNS, AREA_YEAR_COLUMNS, _design, _nb2_batch, area_trends, fit_nb_trend,
    population_totals,
)

YEARS = np.arange(2019, 2026)


def _monthly(rng, irr, alpha, base=6.0):
    years = np.repeat(YEARS, 12)
    months = np.tile(np.arange(1, 13), len(YEARS))
    mu = base * irr ** (years - YEARS.max()) * np.exp(0.3 * np.cos(2 * np.pi * months / 12))
    n = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    return pd.DataFrame({"year": years, "month": months, "n_incidents": n})


def test_nb_recovers_known_rate_ratio_and_overdispersion():
    rng = np.random.default_rng(2024)
    res = fit_nb_trend(_monthly(rng, irr=1.15, alpha=0.4))
    assert res["model"] == "nb2" and res["converged"]
    assert res["irr_low"] < 1.15 < res["irr_high"]
    assert res["irr_p"] < 0.05
    assert 0.15 < res["nb_alpha"] < 0.8 and res["nb_alpha"] != 1.0


def test_nb_ci_covers_truth_in_most_replicates():
    rng = np.random.default_rng(9)
    cover = [fit_nb_trend(_monthly(rng, irr=0.9, alpha=0.3)) for _ in range(40)]
    hits = sum(r["irr_low"] < 0.9 < r["irr_high"] for r in cover)
    assert hits >= 34  # nominal 95 %: 38 of 40 expected


def test_batched_fit_matches_statsmodels_nb2_mle():
    rng = np.random.default_rng(5)
    frames = [_monthly(rng, irr=1.05, alpha=a) for a in (0.2, 0.5, 1.0)]
    x = _design(frames[0]["year"].to_numpy(float), frames[0]["month"].to_numpy())
    y = np.vstack([f["n_incidents"].to_numpy(float) for f in frames])
    ours = _nb2_batch(y, x, np.ones(3, bool))
    for i in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = NegativeBinomial(y[i], x, loglike_method="nb2").fit(method="newton", disp=0, maxiter=200)
        assert ours["b1"][i] == pytest.approx(ref.params[1], abs=1e-5)
        assert ours["alpha"][i] == pytest.approx(ref.params[-1], rel=1e-4)
        assert ours["se1"][i] == pytest.approx(ref.bse[1], rel=0.2)  # expected vs observed information


def test_poisson_data_gives_alpha_zero_and_few_counts_fall_back_to_poisson():
    rng = np.random.default_rng(1)
    years = np.repeat(YEARS, 12)
    df = pd.DataFrame({"year": years, "month": np.tile(np.arange(1, 13), len(YEARS)),
                       "n_incidents": rng.poisson(4, len(years))})
    res = fit_nb_trend(df)
    assert res["model"] == "nb2" and res["nb_alpha"] < 0.05
    few = df.assign(n_incidents=0)
    few.loc[[3, 30, 70], "n_incidents"] = [1, 2, 1]
    res = fit_nb_trend(few)
    assert res["model"] == "poisson" and np.isnan(res["nb_alpha"])
    none = fit_nb_trend(df.assign(n_incidents=0))
    assert none["model"] == "none" and np.isnan(none["irr"]) and not none["converged"]


@pytest.fixture
def fixture_tables():
    """Two areas, 2021–2025. Area N: violence 10, 20, 30, 40, 50 per year (rising).
    Area S: one theft a year. Population given by sex and age band (two rows per area-year)."""
    rows = []
    for y, k in zip(range(2021, 2026), (10, 20, 30, 40, 50)):
        for i in range(k):
            rows.append(("N", "violence", pd.Timestamp(y, 1 + i % 12, 1 + i % 28, i % 24)))
        rows.append(("S", "theft", pd.Timestamp(y, 6, 15, 12)))
    inc = pd.DataFrame(rows, columns=["area_id", "problem", "occurred_at"])
    inc["occurred_at"] = inc["occurred_at"].astype("datetime64[ns]")
    inc["year"] = inc["occurred_at"].dt.year.astype("int64")
    pop = pd.DataFrame([(a, y, s, "alla", 500) for a in ("N", "S") for y in range(2021, 2025) for s in ("kvinna", "man")],
                       columns=["area_id", "year", "sex", "age_band", "population"])
    return inc, pop


def test_area_trends_hand_fixture(fixture_tables):
    inc, pop = fixture_tables
    harm = pd.Series(2.0, index=inc.index)
    at, ay = area_trends(inc, pop, year=2025, first_year=2021, alpha=0.05, harm=harm)
    assert list(at.columns) == list(AREA_TRENDS_COLUMNS) and list(ay.columns) == list(AREA_YEAR_COLUMNS)
    # areas {N, S, kommun} × problems {theft, violence, all}
    assert len(at) == 9 and len(ay) == 9 * 5
    row = at.set_index(["area_id", "problem"]).loc[("N", "violence")]
    assert row["n_year"] == 50 and row["n_prev"] == 40
    assert row["change_pct"] == pytest.approx(25.0)
    assert row["mean_3y"] == pytest.approx(30.0) and row["change_vs_3y_pct"] == pytest.approx(100 * 20 / 30)
    assert row["harm_days_year"] == pytest.approx(100.0)
    assert row["population"] == 1000  # 2025 missing: latest earlier year (2024)
    assert row["rate_per_1000"] == pytest.approx(50.0)
    assert row["kommun_rate_per_1000"] == pytest.approx(1000 * 50 / 2000)
    assert row["rate_ratio"] == pytest.approx(2.0)
    assert row["irr"] > 1 and row["irr_p"] < 0.05 and row["mk_tau"] == pytest.approx(1.0)
    assert row["trend"] == "rising"
    s = at.set_index(["area_id", "problem"]).loc[("S", "theft")]
    assert s["n_year"] == 1 and np.isnan(s["irr"]) and s["trend"] == "stable"  # < 20 incidents
    zero = at.set_index(["area_id", "problem"]).loc[("S", "violence")]
    assert zero["n_year"] == 0 and pd.isna(zero["change_pct"])
    k = at.set_index(["area_id", "problem"]).loc[("kommun", "all")]
    assert k["n_year"] == 51 and k["rate_ratio"] == pytest.approx(1.0)
    y21 = ay.set_index(["area_id", "problem", "year"]).loc[("N", "all", 2021)]
    assert y21["n_incidents"] == 10 and y21["population"] == 1000 and y21["harm_days"] == pytest.approx(20.0)


def test_area_trends_without_harm_and_falling(fixture_tables):
    inc, pop = fixture_tables
    flipped = inc.assign(occurred_at=inc["occurred_at"].map(lambda t: t.replace(year=4046 - t.year)))
    flipped["occurred_at"] = flipped["occurred_at"].astype("datetime64[ns]")
    flipped["year"] = flipped["occurred_at"].dt.year.astype("int64")  # 2021 ↔ 2025: falling
    at, _ = area_trends(flipped, pop, year=2025, first_year=2021, alpha=0.05)
    row = at.set_index(["area_id", "problem"]).loc[("N", "violence")]
    assert row["n_year"] == 10 and row["trend"] == "falling" and row["mk_tau"] == pytest.approx(-1.0)
    assert at["harm_days_year"].isna().all()


def test_population_totals_prefers_the_total_row():
    pop = pd.DataFrame({"area_id": ["A"] * 4 + ["B"] * 2, "year": [2025] * 6,
                        "sex": ["alla", "kvinna", "man", "alla", "kvinna", "man"],
                        "age_band": ["alla", "alla", "alla", "16-24", "alla", "alla"],
                        "population": [1000, 480, 520, 150, 300, 310]})
    out = population_totals(pop).set_index("area_id")["population"]
    assert out["A"] == 1000 and out["B"] == 610


def _flat_incidents(seed: int, n: int = 75_000):
    """n incidents spread evenly over 2021–2025, 25 areas and 13 problems (no trend anywhere)."""
    rng = np.random.default_rng(seed)
    occ = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365 * 24 * 60, n), unit="min")
    inc = pd.DataFrame({"occurred_at": occ.astype("datetime64[ns]"),
                        "area_id": rng.choice([f"A{i:02d}" for i in range(25)], n),
                        "problem": rng.choice([f"p{i:02d}" for i in range(13)], n)})
    inc["year"] = inc["occurred_at"].dt.year.astype("int64")
    pop = pd.DataFrame({"area_id": [f"A{i:02d}" for i in range(25)], "year": 2025, "sex": "alla",
                        "age_band": "alla", "population": 2000})
    return inc, pop


def test_area_trends_speed_75k_incidents():
    import time
    inc, pop = _flat_incidents(0)
    start = time.perf_counter()
    at, ay = area_trends(inc, pop, year=2025, first_year=2021)
    assert time.perf_counter() - start < 5.0
    assert len(at) == 26 * 14 and at["irr"].notna().all()


def test_trend_flags_on_flat_data_are_fdr_controlled():
    """364 area × problem series with no trend at all: uncorrected Wald tests flag a few
    percent; Benjamini–Hochberg over the rows flags almost none."""
    inc, pop = _flat_incidents(4)
    raw, _ = area_trends(inc, pop, year=2025, first_year=2021, fdr=False)
    adjusted, _ = area_trends(inc, pop, year=2025, first_year=2021)
    assert (raw["irr_q"] == raw["irr_p"]).all()
    assert (adjusted["irr_q"] >= adjusted["irr_p"]).all()
    assert (raw["trend"] != "stable").sum() >= 3
    assert (adjusted["trend"] != "stable").sum() <= 1
