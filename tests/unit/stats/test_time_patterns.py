"""Time patterns on a hand fixture of five incidents."""

import pandas as pd
import pytest

from pipeline.stats.time_patterns import time_patterns


@pytest.fixture
def five():
    # 2025-03-03 is a Monday, 2025-03-08 a Saturday
    rows = [("violence", "2025-03-08 23:30", "N"), ("violence", "2025-03-08 23:05", "S"),
            ("theft", "2025-03-03 08:15", "N"), ("theft", "2024-03-04 10:00", "N"),
            ("theft", "2023-07-01 12:00", "S")]
    df = pd.DataFrame(rows, columns=["problem", "occurred_at", "area_id"])
    df["occurred_at"] = pd.to_datetime(df["occurred_at"]).astype("datetime64[ns]")
    df["year"] = df["occurred_at"].dt.year.astype("int64")
    return df


def test_hour_weekday_counts_report_year_only(five):
    hw = time_patterns(five, 2025)["hour_weekday"]
    assert list(hw.columns) == ["problem", "weekday", "hour", "n_incidents"]
    assert len(hw) == 3 * 7 * 24  # theft, violence, all
    idx = hw.set_index(["problem", "weekday", "hour"])["n_incidents"]
    assert idx[("violence", 5, 23)] == 2
    assert idx[("theft", 0, 8)] == 1
    assert idx[("theft", 0, 10)] == 0  # the 2024 theft is not in the report year
    assert idx[("all", 5, 23)] == 2 and hw.loc[hw["problem"] == "all", "n_incidents"].sum() == 3


def test_month_profile_mean_over_years(five):
    mp = time_patterns(five, 2025)["month_profile"]
    assert list(mp.columns) == ["problem", "month", "n_incidents", "mean_per_year"]
    idx = mp.set_index(["problem", "month"])
    # theft in March: 1 in 2025, 1 in 2024, 0 in 2023 → mean 2/3 over 2023–2025
    assert idx.loc[("theft", 3), "n_incidents"] == 1
    assert idx.loc[("theft", 3), "mean_per_year"] == pytest.approx(2 / 3)
    assert idx.loc[("theft", 7), "n_incidents"] == 0
    assert idx.loc[("theft", 7), "mean_per_year"] == pytest.approx(1 / 3)
    assert idx.loc[("all", 3), "mean_per_year"] == pytest.approx(4 / 3)
    mp2 = time_patterns(five, 2025, first_year=2024)["month_profile"].set_index(["problem", "month"])
    assert mp2.loc[("theft", 3), "mean_per_year"] == pytest.approx(1.0)


def test_by_area_adds_kommun_totals(five):
    out = time_patterns(five, 2025, by_area=True)
    hw = out["hour_weekday"]
    assert list(hw.columns)[:2] == ["area_id", "problem"]
    assert set(hw["area_id"]) == {"N", "S", "kommun"}
    idx = hw.set_index(["area_id", "problem", "weekday", "hour"])["n_incidents"]
    assert idx[("N", "violence", 5, 23)] == 1 and idx[("kommun", "violence", 5, 23)] == 2
    assert len(out["month_profile"]) == 3 * 3 * 12


def test_incidents_without_a_time_stay_out_of_the_hour_matrix_but_count_by_month(five):
    undated_time = five.assign(has_time=[True, True, False, True, True])  # the Monday theft: date only
    out = time_patterns(undated_time, 2025)
    idx = out["hour_weekday"].set_index(["problem", "weekday", "hour"])["n_incidents"]
    assert idx[("theft", 0, 8)] == 0 and idx[("theft", 0, 0)] == 0
    assert out["hour_weekday"].query("problem == 'all'")["n_incidents"].sum() == 2
    mp = out["month_profile"].set_index(["problem", "month"])
    assert mp.loc[("theft", 3), "n_incidents"] == 1


def test_rows_without_family_or_area_count_only_in_the_totals(five):
    gaps = five.assign(problem=["violence", None, "theft", "theft", "theft"],
                       area_id=["N", "S", None, "N", "S"])
    out = time_patterns(gaps, 2025, by_area=True)
    hw = out["hour_weekday"].set_index(["area_id", "problem", "weekday", "hour"])["n_incidents"]
    # the Saturday 23:05 incident in S has no family: only in (S, all) and (kommun, all)
    assert hw[("S", "violence", 5, 23)] == 0 and hw[("kommun", "violence", 5, 23)] == 1
    assert hw[("S", "all", 5, 23)] == 1 and hw[("kommun", "all", 5, 23)] == 2
    # the Monday theft has no area: only in (kommun, theft) and (kommun, all)
    assert hw[("N", "theft", 0, 8)] == 0 and hw[("N", "all", 0, 8)] == 0
    assert hw[("kommun", "theft", 0, 8)] == 1 and hw[("kommun", "all", 0, 8)] == 1
    # 2025: the violence in N counts 4 times (own/all × N/kommun), the other two twice each
    assert out["hour_weekday"]["n_incidents"].sum() == 4 + 2 + 2
