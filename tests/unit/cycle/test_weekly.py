"""The weekly EST picture and the tertial roll-up on a handful of hand-made reports."""

import datetime as dt

import pandas as pd

from pipeline.cycle.weekly import tertial_picture

D = dt.date


def _est(*stamps: str) -> pd.DataFrame:
    n = len(stamps)
    return pd.DataFrame({"est_id": [f"E{i}" for i in range(n)], "occurred_at": pd.to_datetime(list(stamps)),
                         "est_type": ["Skadegörelse", "Hot"][:n] + ["Skadegörelse"] * max(n - 2, 0),
                         "place_name": ["Torget"] * n, "area_id": ["A1"] * n})


def test_a_tertial_without_reports_is_an_empty_roll_up():
    tp = tertial_picture(_est("2025-01-07 10:00", "2025-02-11 21:30"), D(2024, 9, 1), D(2024, 12, 31), "2024T3")
    assert tp.weekly_by_type.empty and list(tp.weekly_by_type.columns) == ["week", "est_type", "n"]
    assert tp.by_type.empty and tp.persistent_places.empty
    assert tp.n_weeks == 19  # 2024-W35 (Sunday 1 September) to W52, and 2025-W01 (Tuesday 31 December)


def test_a_tertial_with_one_report_counts_its_iso_week():
    tp = tertial_picture(_est("2024-09-11 10:00", "2025-02-11 21:30"), D(2024, 9, 1), D(2024, 12, 31), "2024T3")
    assert tp.weekly_by_type.to_dict("records") == [{"week": "2024-W37", "est_type": "Skadegörelse", "n": 1}]
    assert tp.persistent_places[["place_name", "n", "n_weeks"]].to_dict("records") == [
        {"place_name": "Torget", "n": 1, "n_weeks": 1}]
