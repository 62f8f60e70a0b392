"""Windows, the count evaluation with its caveats and neighbours, and the survey before/after."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import statsmodels.formula.api as smf

from pipeline.cycle.effect import DECREASED, NO_CHANGE, NOT_ASSESSABLE
from pipeline.cycle.evaluation import (EvalSettings, Windows, count_effect, month_bins, neighbours_of_area,
                                       neighbours_of_place, window_counts, windows_for)
from pipeline.cycle.survey_effect import survey_effect, survey_years_around

D = dt.date


def test_windows_same_months_last_year_else_just_before():
    w = windows_for(D(2025, 4, 1), D(2025, 9, 30), D(2021, 1, 1), D(2025, 12, 31))
    assert (w.before, w.during, w.seasonal) == ((D(2024, 4, 1), D(2024, 9, 30)), (D(2025, 4, 1), D(2025, 9, 30)), True)
    w = windows_for(D(2025, 10, 1), D(2026, 3, 31), D(2021, 1, 1), D(2025, 12, 31))  # running: cut at the data
    assert w.during == (D(2025, 10, 1), D(2025, 12, 31)) and w.before == (D(2024, 10, 1), D(2024, 12, 31))
    w = windows_for(D(2025, 7, 1), D(2025, 9, 30), D(2025, 1, 1), D(2025, 12, 31))  # one year of EST only
    assert w.before == (D(2025, 3, 31), D(2025, 6, 30)) and not w.seasonal and "säsong" in w.note
    assert windows_for(D(2025, 12, 1), D(2026, 5, 31), D(2021, 1, 1), D(2025, 12, 10)).startswith("för tidigt")
    assert windows_for(D(2025, 1, 1), D(2025, 3, 31), D(2025, 1, 1), D(2025, 12, 31)).startswith("uppgifter saknas")


def test_month_bins_and_counts_keep_zeros():
    b = month_bins(D(2025, 10, 1), D(2025, 12, 10))
    assert list(b["days"]) == [31, 30, 10]
    ev = pd.DataFrame({"unit": ["a", "a", "b"], "date": pd.to_datetime(["2025-10-05", "2025-12-10", "2025-12-11"])})
    c = window_counts(ev, ["a", "b"], D(2025, 10, 1), D(2025, 12, 10))
    assert c["n"].tolist() == [1, 0, 1, 0, 0, 0] and len(c) == 6


def _events(rng, rates: dict[str, float], drop: dict[str, float], start: D, years=range(2021, 2026)):
    """Daily Poisson events per unit; units in ``drop`` fall by that factor from ``start``."""
    rows = []
    for unit, rate in rates.items():
        for day in pd.date_range(f"{min(years)}-01-01", f"{max(years)}-12-31"):
            lam = rate * (drop.get(unit, 1.0) if day.date() >= start else 1.0)
            rows += [(unit, day)] * int(rng.poisson(lam))
    return pd.DataFrame(rows, columns=["unit", "date"])


def test_count_effect_finds_a_planted_drop_and_reports_neighbours():
    rng = np.random.default_rng(4)
    rates = {"t": 0.5, "n": 0.5, **{f"c{i}": 0.3 + 0.05 * i for i in range(8)}}
    ev = _events(rng, rates, {"t": 0.5}, D(2025, 4, 1))
    win = windows_for(D(2025, 4, 1), D(2025, 9, 30), D(2021, 1, 1), D(2025, 12, 31))
    row, disp = count_effect(ev, sorted(rates), "t", ["n"], set(), win, D(2021, 1, 1), None, EvalSettings())
    assert row["verdict"] == DECREASED and row["ci_high"] < 1 and row["ci_low"] < 0.5 < row["ci_high"]
    assert "n" not in row["comparison_units"].split(";") and len(row["comparison_units"].split(";")) == 5
    assert row["n_before"] > 60 and row["n_during"] < row["n_before"]
    (d,) = disp
    assert d["neighbour"] == "n" and d["verdict"] == NO_CHANGE


def test_regression_to_the_mean_and_few_events_caveats():
    rng = np.random.default_rng(7)
    rates = {"t": 0.05, **{f"c{i}": 0.05 for i in range(6)}}
    ev = _events(rng, rates, {}, D(2025, 4, 1))
    extra = pd.DataFrame({"unit": "t", "date": pd.date_range("2024-04-01", periods=40, freq="4D")})  # a peak
    ev = pd.concat([ev, extra], ignore_index=True)
    win = windows_for(D(2025, 4, 1), D(2025, 9, 30), D(2021, 1, 1), D(2025, 12, 31))
    row, _ = count_effect(ev, sorted(rates), "t", [], set(), win, D(2021, 1, 1), None, EvalSettings())
    assert "regression mot medelvärdet" in row["caveats"]
    assert "Få händelser" in row["caveats"]  # the during window has about 9 events


def test_no_comparison_is_not_assessable():
    ev = pd.DataFrame({"unit": ["t"] * 10, "date": pd.date_range("2024-05-01", periods=10, freq="60D")})
    win = Windows((D(2024, 4, 1), D(2024, 9, 30)), (D(2025, 4, 1), D(2025, 9, 30)), True)
    row, _ = count_effect(ev, ["t"], "t", [], set(), win, D(2024, 1, 1), None, EvalSettings())
    assert row["verdict"] == NOT_ASSESSABLE and "inga jämförbara" in row["caveats"]


def test_neighbours_share_a_border_or_lie_close():
    sq = lambda x: shapely.box(x, 0, x + 1000, 1000)  # noqa: E731
    areas = gpd.GeoDataFrame({"area_id": ["a", "b", "c"]}, geometry=[sq(0), sq(1000), sq(3000)], crs="EPSG:3006")
    assert neighbours_of_area(areas, "a") == ["b"] and neighbours_of_area(areas, "c") == []
    places = pd.DataFrame({"place_name": ["p", "q", "r"], "x": [0, 300, 900], "y": [0, 0, 0]})
    assert neighbours_of_place(places, "p", 500) == ["q"]


def test_survey_did_equals_the_difference_of_differences_of_shares():
    rng = np.random.default_rng(1)
    rows = []
    for area, p0, p1 in (("t", 0.30, 0.45), ("c1", 0.25, 0.26), ("c2", 0.31, 0.30), ("n", 0.3, 0.3), ("tiny", 0.3, 0.3)):
        for year, p in ((2023, p0), (2025, p1)):
            n = 8 if area == "tiny" else 150
            rows += [{"response_id": f"{area}{year}{i}", "survey_year": year, "area_id": area,
                      "indicator": "unsafe_evening", "y": float(rng.random() < p)} for i in range(n)]
    flags = pd.DataFrame(rows)
    r = survey_effect(flags, "unsafe_evening", "t", ["n"], D(2024, 10, 1), D(2025, 3, 31), k=5, min_n=30)
    assert (r["survey_before"], r["survey_after"]) == (2023, 2025)
    assert r["comparison_units"] == "c1;c2"  # not the neighbour, not the area with 8 answers
    m = flags.groupby(["area_id", "survey_year"])["y"].mean()
    comp = flags[flags["area_id"].isin(["c1", "c2"])].groupby("survey_year")["y"].mean()
    want = (m[("t", 2025)] - m[("t", 2023)]) - (comp[2025] - comp[2023])
    assert r["diff_pp"] == pytest.approx(100 * want, abs=1e-9)
    d = flags[flags["area_id"].isin(["t", "c1", "c2"])].assign(tr=lambda x: (x["area_id"] == "t") * 1.0,
                                                              after=lambda x: (x["survey_year"] == 2025) * 1.0)
    ref = smf.ols("y ~ tr * after", d).fit(cov_type="HC1")
    assert r["ci_high_pp"] - r["diff_pp"] == pytest.approx(100 * 1.959964 * ref.bse["tr:after"], rel=1e-5)
    assert r["share_before_pct"] == pytest.approx(100 * m[("t", 2023)])


def test_survey_needs_a_survey_on_each_side():
    assert survey_years_around([2023, 2025], D(2025, 4, 1), D(2025, 9, 30)) == (2023, 2025)
    # a survey fielded in the löfte's first month is neither before nor after it
    assert survey_years_around([2023, 2025], D(2025, 10, 1), D(2026, 3, 31)) == (2023, None)
    flags = pd.DataFrame({"response_id": ["a"], "survey_year": [2025], "area_id": ["t"], "indicator": ["unsafe_evening"],
                          "y": [1.0]})
    r = survey_effect(flags, "unsafe_evening", "t", [], D(2025, 10, 1), D(2026, 3, 31))
    assert r["verdict"] == NOT_ASSESSABLE and "ingen gjordes före" in r["caveats"]
