"""Löfte periods, tertials and weeks; process evaluation on a hand-made set of actions."""

import datetime as dt

import pandas as pd
import pytest

from pipeline.cycle.periods import (PeriodError, cycle_dates, half_year, parse_period, parse_tertial, parse_week,
                                    period_of, tertial)
from pipeline.cycle.process import action_status, overdue_list, process_summary

D = dt.date


@pytest.mark.parametrize("text,pid", [
    ("2025H1", "2025H1"), ("2025 h2", "2025H2"), ("april–september 2025", "2025H1"), ("apr-sep 2025", "2025H1"),
    ("okt 2025-mar 2026", "2025H2"), ("oktober 2025 – mars 2026", "2025H2"), ("2025-04-01–2025-09-30", "2025H1"),
    ("2025-10-01 - 2026-03-31", "2025H2"), ("Okt–mars 2026", "2025H2"), ("april 2025 till september 2025", "2025H1"),
])
def test_periods_as_analysts_write_them(text, pid):
    assert parse_period(text).id == pid


def test_period_bounds_and_neighbours():
    p = half_year(2025, 2)
    assert (p.start, p.end, p.label_sv) == (D(2025, 10, 1), D(2026, 3, 31), "oktober 2025–mars 2026")
    assert period_of(D(2026, 2, 14)) == p and period_of(D(2025, 4, 1)).id == "2025H1"
    assert p.previous().id == "2025H1" and p.next().id == "2026H1" and len(p.months()) == 6
    with pytest.raises(PeriodError):
        parse_period("2025-04-01–2025-09-29")


def test_tertials_weeks_and_the_yearly_cycle():
    assert tertial(2025, 1) == (D(2025, 1, 1), D(2025, 4, 30)) and tertial(2025, 3) == (D(2025, 9, 1), D(2025, 12, 31))
    assert parse_tertial("2025T2") == (2025, 2)
    assert parse_week("2025-W14") == (D(2025, 3, 31), D(2025, 4, 6))
    assert parse_week("2026W01") == (D(2025, 12, 29), D(2026, 1, 4))
    with pytest.raises(ValueError, match="has no week 53"):
        parse_week("2025-W53")
    c = cycle_dates(2025)
    assert (c.start_by, c.due_by, c.first_period.id, c.second_period.id) == (D(2025, 6, 1), D(2026, 1, 1), "2026H1", "2026H2")


@pytest.fixture
def actions():
    rows = [  # action, org, end, status, done
        ("A1", "Polisen", D(2025, 6, 30), "done", D(2025, 6, 20)),      # on time
        ("A2", "Polisen", D(2025, 6, 30), "done", D(2025, 8, 1)),       # late
        ("A3", "Kommunen", D(2025, 9, 30), "ongoing", None),           # overdue 61 days at 2025-11-30
        ("A4", "Kommunen", D(2025, 5, 31), "planned", None),           # overdue 183 days
        ("A5", "Kommunen", D(2025, 9, 30), "cancelled", None),         # neither
        ("A6", "Bostadsbolaget", D(2026, 3, 31), "ongoing", None),     # not due yet
    ]
    return pd.DataFrame({"action_id": [r[0] for r in rows], "problem_id": "P1", "promise_id": ["L1", "", "", "", "", ""],
                         "what": "x", "organisation": [r[1] for r in rows], "role": "r",
                         "start_date": D(2025, 1, 1), "end_date": [r[2] for r in rows],
                         "status_code": [r[3] for r in rows], "done_date": [r[4] for r in rows], "notes": ""})


def test_action_flags_at_a_follow_up_date(actions):
    promises = pd.DataFrame({"promise_id": ["L1"], "period_id": ["2025H1"]})
    s = action_status(actions, promises, D(2025, 11, 30)).set_index("action_id")
    assert list(s["is_on_time"]) == [True, False, False, False, False, False]
    assert list(s["is_late"]) == [False, True, False, False, False, False]
    assert list(s["is_overdue"]) == [False, False, True, True, False, False]
    assert list(s["is_due"]) == [True, True, True, True, False, False]
    assert s.loc["A3", "days_overdue"] == 61 and s.loc["A4", "days_overdue"] == 183
    assert list(s["period_id"]) == ["2025H1", "2025H1", "2025H1", "2025H1", "2025H1", "2025H2"]
    assert list(overdue_list(s.reset_index())["action_id"]) == ["A4", "A3"]


def test_share_on_time_per_organisation_and_total(actions):
    s = action_status(actions, pd.DataFrame(columns=["promise_id", "period_id"]), D(2025, 11, 30))
    by_org = process_summary(s, ["organisation"]).set_index("organisation")
    assert by_org.loc["Polisen", "on_time_pct"] == 50.0 and by_org.loc["Polisen", "n_late"] == 1
    assert by_org.loc["Kommunen", "on_time_pct"] == 0.0 and by_org.loc["Kommunen", "n_cancelled"] == 1
    assert pd.isna(by_org.loc["Bostadsbolaget", "on_time_pct"])  # nothing due yet
    total = process_summary(s, []).iloc[0]
    assert (total["n_actions"], total["n_due"], total["n_due_on_time"], total["n_overdue"]) == (6, 4, 1, 2)
    assert total["on_time_pct"] == 25.0
    early = process_summary(action_status(actions, pd.DataFrame(columns=["promise_id", "period_id"]),
                                          D(2025, 6, 30)), []).iloc[0]
    assert (early["n_due"], early["n_overdue"]) == (3, 1)  # A1, A2 (not done by its end), A4
