"""The registry template round trip (written with openpyxl, read back with calamine, valid) and
the deep-dive profile on a hand fixture."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

from pipeline.cycle.periods import half_year
from pipeline.cycle.profile import problem_profile, profile_facts
from pipeline.cycle.registry import validate_registry
from pipeline.cycle.workbook import read_workbook, template_lists, template_sheets, write_workbook
from tests.unit.cycle.test_registry import VOCAB

RANKED = pd.DataFrame({"rank": [1, 2, 3], "area": ["Råby", "Centrum", "Bäckby"], "area_id": ["0001", "0002", "0003"],
                       "problem": ["vandalism", "violence", "vandalism"],
                       "problem_label": ["Skadegörelse och klotter", "Våld i offentlig miljö", "Skadegörelse och klotter"],
                       "explanation": ["=HYPERLINK(\"http://x\")", "Många brott.", "Ökar."]})


def test_template_round_trip_is_a_valid_registry(tmp_path):
    facts = {("0001", "vandalism"): ["När: oftast fredag."]}
    sheets = template_sheets(RANKED, facts, 2025, top_n=3, prioritised=2)
    lists = template_lists(list(VOCAB.families.values()), list(VOCAB.est_types),
                           list(VOCAB.survey_indicators.values()), [half_year(2026, 1), half_year(2026, 2)],
                           ["P1", "P2", "P3"])
    path = write_workbook(sheets, tmp_path / "handlingsplan.xlsx", lists)
    back = read_workbook(path)
    assert {"Instruktioner", "Problembilder", "Åtgärder", "Medborgarlöften", "Orsaksanalys", "Listor"} <= set(back)
    reg = validate_registry(back, VOCAB, str(path))
    assert reg.errors == []
    assert list(reg.problems["is_prioritised"]) == [True, True, False]
    assert list(reg.problems["area_id"]) == ["0001", "0002", "0003"]
    causes = back["Orsaksanalys"]
    assert len(causes) == 6 and list(causes["Perspektiv"][:3]) == ["Plats/situation", "Offer", "Gärningsperson"]
    assert causes.loc[0, "Underlag från data"] == "När: oftast fredag."
    wb = load_workbook(path)
    cell = wb["Problembilder"]["F2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # text, never a formula
    assert wb["Listor"].sheet_state == "hidden"
    dv = wb["Åtgärder"].data_validations.dataValidation
    assert any(v.formula1.startswith("Listor!") for v in dv)


def test_profile_of_a_small_area():
    # three years of vandalism in one 250 m cell near a named place, one elsewhere
    pts = [(100, 100, 2023), (110, 120, 2024), (120, 90, 2025), (130, 130, 2025), (900, 900, 2025)]
    inc = gpd.GeoDataFrame({
        "area_id": "0001", "problem": "vandalism", "year": [p[2] for p in pts],
        "crime_label": ["Klotter", "Klotter", "Klotter", "Skadegörelse", "Klotter"],
        "occurred_at": pd.to_datetime([f"{p[2]}-05-0{i + 1} 22:00" for i, p in enumerate(pts)])},
        geometry=[shapely.Point(p[0], p[1]) for p in pts], crs="EPSG:3006")
    cells = gpd.GeoDataFrame({"cell_id": ["E0N0", "E750N750"], "problem": "vandalism", "area_id": "0001",
                              "n_incidents": [2, 1], "hotspot_class": ["hot_95", "not_significant"]},
                             geometry=[shapely.box(0, 0, 250, 250), shapely.box(750, 750, 1000, 1000)], crs="EPSG:3006")
    hw = pd.DataFrame({"area_id": "0001", "problem": "vandalism", "weekday": np.repeat(range(7), 24),
                       "hour": np.tile(range(24), 7), "n_incidents": 0})
    hw.loc[(hw["weekday"] == 4) & (hw["hour"] == 22), "n_incidents"] = 3
    layers = {"hour_weekday_by_area": hw, "grid_hotspots": cells,
              "area_year_counts": pd.DataFrame({"area_id": "0001", "problem": "vandalism", "year": [2023, 2024, 2025],
                                                "n_incidents": [1, 1, 3], "rate_per_1000": [0.1, 0.1, 0.3]})}
    places = pd.DataFrame({"place_name": ["Torget"], "x": [150.0], "y": [150.0]})
    est = pd.DataFrame({"area_id": ["0001", "0001"], "problem": "vandalism", "organisation": ["Polisen", "Polisen"]})
    notes = pd.DataFrame({"area_id": ["0001"], "problems": ["vandalism;drugs"], "verksamhet": ["Skola"]})
    p = problem_profile("0001", "vandalism", 2025, inc, layers, est, notes, places, None, cell_m=250)
    assert p.top_cells["place_name"].iloc[0] == "Torget" and pd.isna(p.top_cells["place_name"].iloc[1])
    assert p.repeat == {"n_cells": 1, "n_incidents": 2, "share_pct": pytest.approx(200 / 3), "years": [2023, 2024, 2025]}
    assert p.labels.iloc[0].to_dict() == {"crime_label": "Klotter", "n_year": 2, "n_prev": 1}
    assert p.sources.set_index("source").loc["EST-rapporter", "n"] == 2
    facts = profile_facts(p)
    assert facts[0] == "När: oftast fredag, och 100\u00a0% mellan kl. 19 och 23."
    assert any(f.startswith("Var: mest i rutan E0N0 vid Torget (2 av 3 brott 2025)") for f in facts)
    assert "Återkommande platser: 1 ruta har haft brott varje år 2023–2025; där skedde 67\u00a0% av brotten 2025." in facts
