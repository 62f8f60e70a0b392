"""pipeline.explore: the notebooks' selection functions on hand-sized frames."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from shapely.geometry import box

from pipeline import explore
from pipeline.errors import DataError

CRS = "EPSG:3006"


@pytest.fixture
def three_areas() -> gpd.GeoDataFrame:
    """Bäckby and Centrum side by side (1 km squares), Råby 4 km east of them."""
    return gpd.GeoDataFrame({"area_id": ["1", "2", "3"], "area_name": ["Bäckby", "Centrum", "Råby"]},
                            geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(5000, 0, 6000, 1000)],
                            crs=CRS)


@pytest.fixture
def four_problembilder() -> pd.DataFrame:
    return pd.DataFrame({
        "rank": [2, 1, 4, 3], "rank_low": [1, 1, 3, 2], "rank_high": [3, 2, 4, 4],
        "area_id": ["1", "2", "1", "3"], "area": ["Bäckby", "Centrum", "Bäckby", "Råby"],
        "problem": ["drugs", "violence", "violence", "drugs"],
        "problem_label": ["Narkotika", "Våld i offentlig miljö", "Våld i offentlig miljö", "Narkotika"],
        "score": [0.7, 0.8, 0.4, 0.5], "n_sources": [3, 4, 2, 2], "explanation": ["a", "b", "c", "d"],
    })


@pytest.fixture
def two_family_trends() -> pd.DataFrame:
    """Kommun: violence 100 (IRR 1.10, rising), drugs 300 (IRR 0.95), all 400; area 1 and 2: all."""
    return pd.DataFrame({
        "area_id": ["kommun", "kommun", "kommun", "1", "2"],
        "problem": ["violence", "drugs", "all", "all", "all"],
        "n_year": [100, 300, 400, 50, 80], "n_prev": [90, 310, 400, 40, 90],
        "change_pct": [100 / 9, -100 / 31, 0.0, 25.0, -100 / 9],
        "rate_per_1000": [1.0, 3.0, 4.0, 10.0, 5.0], "rate_ratio": [1.0, 1.0, 1.0, 2.5, 1.25],
        "irr": [1.10, 0.95, 1.0, 1.2, 0.9], "irr_low": [1.02, 0.90, 0.97, 1.0, 0.8],
        "irr_high": [1.19, 1.00, 1.03, 1.44, 1.01], "trend": ["rising", "stable", "stable", "rising", "falling"],
        "verdict_sv": ["förändrades inte säkert i år (+11 %) men visar en ökande långsiktig trend (+10 % per år)",
                       "v2", "v3", "v4", "v5"],
    })


@pytest.fixture
def bundle(three_areas, four_problembilder, two_family_trends) -> explore.Bundle:
    return explore.Bundle(year=2025, areas=three_areas, problembilder=four_problembilder,
                          area_trends=two_family_trends)


# ---------------------------------------------------------------- parameters
def test_area_name_matches_without_case_or_accents(bundle):
    assert explore.area_id_for(bundle, "BACKBY") == "1"
    assert explore.area_id_for(bundle, "råby") == "3"


def test_unknown_area_names_parameter_and_choices_on_one_line(bundle):
    with pytest.raises(DataError) as err:
        explore.area_id_for(bundle, "Atlantis")
    msg = str(err.value)
    assert "area='Atlantis'" in msg and "Bäckby, Centrum, Råby" in msg and "\n" not in msg


def test_unknown_problem_lists_the_family_ids(bundle):
    assert explore.check_problem(bundle, "all") == "all"
    with pytest.raises(DataError, match=r"problem='knark'.*violence, robbery"):
        explore.check_problem(bundle, "knark")


def test_year_other_than_the_runs_report_year_is_refused(bundle):
    explore.check_year(bundle, 2025)
    explore.check_year(bundle, "2025")  # -p year 2025 may come as text
    with pytest.raises(DataError, match=r"year=2019.*report year 2025"):
        explore.check_year(bundle, 2019)


def test_pick_problembild_falls_back_to_top_rank(bundle):
    assert explore.pick_problembild(bundle)["rank"] == 1
    assert explore.pick_problembild(bundle, area="backby")["rank"] == 2  # Bäckby's best: drugs, rank 2
    assert explore.pick_problembild(bundle, area="Bäckby", problem="violence")["rank"] == 4
    assert explore.pick_problembild(bundle, problem="drugs")["area"] == "Bäckby"
    with pytest.raises(DataError, match="no problembild"):
        explore.pick_problembild(bundle, area="Råby", problem="violence")


# ---------------------------------------------------------------- tables
def test_trend_table_orders_by_count_with_all_last_and_irr_as_percent(bundle):
    t = explore.trend_table(bundle, "kommun")
    assert list(t["Problemområde"]) == ["Narkotika", "Våld i offentlig miljö", "Alla brott"]
    viol = t.iloc[1]
    assert viol["Antal 2025"] == 100 and viol["Antal 2024"] == 90
    assert viol["Förändring per år, %"] == pytest.approx(10.0)  # 100·(1.10 − 1)
    assert viol["95 % KI, låg"] == pytest.approx(2.0) and viol["95 % KI, hög"] == pytest.approx(19.0)
    assert viol["Bedömning"].startswith("förändrades inte säkert i år") and t.iloc[0]["Bedömning"] == "v2"
    assert "Trend" not in t.columns          # one verdict: no second trend wording beside it


def test_area_trend_table_sorts_areas_by_rate_and_leaves_out_kommun(bundle):
    t = explore.area_trend_table(bundle, "all")
    assert list(t["Område"]) == ["Bäckby", "Centrum"]
    assert list(t["Per 1 000 inv."]) == [10.0, 5.0]
    assert list(t["Bedömning"]) == ["v4", "v5"]


def test_problembild_table_filters_and_shows_rank_interval(bundle):
    t = explore.problembild_table(bundle, n=2)
    assert list(t["Rang"]) == [1, 2] and list(t["Rangintervall"]) == ["1–2", "1–3"]
    t = explore.problembild_table(bundle, area_id="1")
    assert list(t["Problem"]) == ["Narkotika", "Våld i offentlig miljö"]
    assert explore.top_families(bundle, 2) == ["violence", "drugs"]


def test_yearly_table_puts_area_beside_kommun():
    ayc = pd.DataFrame({"area_id": ["1", "1", "kommun", "kommun", "2"], "problem": ["drugs"] * 4 + ["drugs"],
                        "year": [2024, 2025, 2024, 2025, 2025], "n_incidents": [3, 5, 30, 40, 7],
                        "rate_per_1000": [1.5, 2.5, 0.3, 0.4, 9.0]})
    b = explore.Bundle(year=2025, area_year_counts=ayc)
    t = explore.yearly_table(b, "1", "drugs")
    assert list(t.columns) == ["År", "Antal i området", "Antal i kommunen", "Per 1 000 inv., området",
                               "Per 1 000 inv., kommunen"]
    assert t.astype(object).to_numpy().tolist() == [["2024", 3, 30, 1.5, 0.3], ["2025", 5, 40, 2.5, 0.4]]


def test_survey_table_blanks_suppressed_groups_and_keeps_latest_year():
    s = pd.DataFrame({
        "area_id": ["1", "1", "1"], "survey_year": [2023, 2025, 2025],
        "indicator": ["unsafe_evening", "unsafe_evening", "big_problem_littering"],
        "n": [50, 60, 12], "share_pct": [20.0, 25.0, 50.0], "ci_low_pct": [11.0, 15.0, 25.0],
        "ci_high_pct": [33.0, 37.0, 75.0], "diff_vs_rest_pp": [1.0, 2.0, 30.0], "p_vs_rest": [0.5, 0.4, 0.01],
        "prev_share_pct": [np.nan, 20.0, 40.0], "is_suppressed": [False, False, True],
    })
    t = explore.survey_table(explore.Bundle(year=2025, survey_indicators=s), "1")
    assert list(t["Fråga"]) == ["Otrygg ute sen kväll", "Nedskräpning"]
    assert t.iloc[0]["Andel, %"] == 25.0 and t.iloc[0]["Skillnad mot övriga, p.e."] == 2.0
    assert t.iloc[1][["Andel, %", "95 % KI, låg", "p-värde"]].isna().all()
    assert t.iloc[1]["Svarande"] == 12


def test_quality_table_share_in_quarantine():
    q = pd.DataFrame({"source": ["crimes", "notes"], "rows_read": [200, 0], "accepted": [150, 0],
                      "quarantined": [50, 0]})
    r = pd.DataFrame({"source": ["crimes", "crimes"], "reason": ["missing coordinates", "duplicate"], "n_rows": [10, 40]})
    per_source, per_reason = explore.quality_table(explore.Bundle(year=2025, quality=q, quarantine_reasons=r))
    assert per_source["Andel i karantän, %"].iloc[0] == pytest.approx(25.0)
    assert np.isnan(per_source["Andel i karantän, %"].iloc[1])  # nothing read: no share
    assert list(per_source["Källa"]) == ["Anmälda brott", "Medarbetardialog"]
    assert list(per_reason["Rader"]) == [40, 10] and per_reason["Skäl"].iloc[1] == "koordinater saknas"


def test_ehs_counts_leave_out_no_pattern(three_areas):
    e = gpd.GeoDataFrame({"problem": ["all"] * 5 + ["drugs"], "area_id": ["1", "1", "2", "1", "1", "1"],
                          "ehs_category": ["new_hot", "new_hot", "new_hot", "no_pattern", "persistent_cold", "new_hot"]},
                         geometry=[box(0, 0, 1, 1)] * 6, crs=CRS)
    b = explore.Bundle(year=2025, areas=three_areas, emerging_hotspots=e)
    assert explore.ehs_counts(b, "all").to_numpy().tolist() == [["Ny", 3], ["Bestående, färre brott än väntat", 1]]
    assert explore.ehs_counts(b, "all", area_id="1")["Antal rutor"].tolist() == [2, 1]


# ---------------------------------------------------------------- incidents and time
@pytest.fixture
def five_incidents(three_areas) -> explore.Bundle:
    inc = pd.DataFrame({
        "occurred_at": pd.to_datetime(["2025-03-03 22:10", "2025-03-04 22:50", "2024-06-01 10:00",
                                       "2025-03-03 01:00", "2025-07-05 12:00"]),  # 3 March 2025 is a Monday
        "year": [2025, 2025, 2024, 2025, 2025], "problem": ["drugs", "drugs", "drugs", "violence", "drugs"],
        "area_id": ["1", "1", "1", "1", "2"],
    })
    return explore.Bundle(year=2025, areas=three_areas, incidents=inc)


def test_select_incidents_by_area_problem_and_years(five_incidents):
    assert len(explore.select_incidents(five_incidents, "1", "drugs")) == 3
    assert len(explore.select_incidents(five_incidents, "1", "drugs", years=(2025, 2025))) == 2
    assert len(explore.select_incidents(five_incidents, None, "all")) == 5
    with pytest.raises(DataError, match="problem='x'"):
        explore.select_incidents(five_incidents, "1", "x")


def test_time_pattern_counts_the_selection_in_the_report_year(five_incidents):
    tp = explore.time_pattern(five_incidents, "1", "drugs")
    hw = tp["hour_weekday"].set_index(["problem", "weekday", "hour"])["n_incidents"]
    assert hw.loc[("all", 0, 22)] == 1 and hw.loc[("all", 1, 22)] == 1  # Monday and Tuesday 22:xx
    assert hw.loc["all"].sum() == 2  # the 2024 incident is outside the report year
    mp = tp["month_profile"].set_index(["problem", "month"])["mean_per_year"]
    assert mp.loc[("all", 3)] == pytest.approx(2 / 2) and mp.loc[("all", 6)] == pytest.approx(1 / 2)  # 2024–2025


# ---------------------------------------------------------------- maps and display
def test_area_view_clips_areas_and_cells_to_the_box_around_the_area(bundle):
    cells = gpd.GeoDataFrame({"problem": ["all"] * 3}, geometry=[box(0, 0, 250, 250), box(1500, 0, 1750, 250),
                                                                box(5000, 0, 5250, 250)], crs=CRS)
    areas, near = explore._view(bundle, cells, "1", margin_m=600)
    assert sorted(areas["area_name"]) == ["Bäckby", "Centrum"]  # Råby lies 4 km away
    assert areas.total_bounds.tolist() == [0.0, 0.0, 1600.0, 1000.0]
    assert len(near) == 2
    areas, near = explore._view(bundle, cells, None, margin_m=600)
    assert len(areas) == 3 and len(near) == 3


def test_hotspot_figure_around_an_area_is_a_figure(bundle):
    grid = gpd.GeoDataFrame({"problem": ["drugs"] * 8, "hotspot_class": ["hot_99", "hot_95"] + ["not_significant"] * 5 + ["cold_90"]},
                            geometry=[box(x, 0, x + 250, 250) for x in range(0, 2000, 250)], crs=CRS)
    fig = explore.hotspot_figure(explore.Bundle(**{**vars(bundle), "grid_hotspots": grid}), "drugs", area_id="1")
    assert isinstance(fig, Figure) and fig.axes


def test_show_table_writes_swedish_numbers():
    df = pd.DataFrame({"Område": ["A"], "Antal": [12345], "Andel": [-1234.56], "Saknas": [np.nan],
                       "p-värde": [0.01234], "År": ["2025"]})
    html = explore.show_table(df).to_html()
    assert "12\u00a0345<" in html and "\u22121\u00a0234,6<" in html and ">–<" in html
    assert ">0,012<" in html and ">2025<" in html  # p-values get three decimals, years stay as written


def test_describe_bundle_lists_every_table(bundle):
    d = explore.describe_bundle(bundle).set_index("Tabell")
    assert d.loc["problembilder", "Rader"] == 4 and "area_name" in d.loc["areas", "Kolumner"]
