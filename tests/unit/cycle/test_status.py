"""``lagesbild status`` (pipeline/cycle/status.py): where in the year the kommun is, on hand-made
run facts and the small registry of test_registry."""

import datetime as dt

import pandas as pd

from pipeline.cycle.registry import validate_registry
from pipeline.cycle.status import RunFacts, cycle_status
from tests.unit.cycle.test_registry import VOCAB, sheets

D = dt.date
FULL = {"anmälda brott": (D(2023, 1, 1), D(2025, 12, 31)), "EST-rapporter": (D(2024, 1, 1), D(2025, 11, 30))}


def _status(as_of: dt.date, **facts) -> pd.DataFrame:
    return cycle_status(RunFacts(report_year=2025, **({"source_spans": FULL, "report_written": None} | facts)), as_of)


def _row(st: pd.DataFrame, start: str) -> pd.Series:
    hit = st[st["what"].str.startswith(start)]
    assert len(hit) == 1, (start, st["what"].tolist())
    return hit.iloc[0]


def test_before_the_process_starts_everything_is_coming():
    st = _status(D(2025, 3, 1), source_spans={"anmälda brott": None})
    assert _row(st, "Processen för lägesbild 2025")["state"] == "kommande"
    assert _row(st, "Underlag: anmälda brott")["state"] == "saknas"
    assert _row(st, "Lägesbild 2025")["todo"] == "kör lagesbild run"
    assert _row(st, "Handlingsplan och medborgarlöften")["state"] == "saknas"  # no registry yet


def test_after_the_due_date_a_missing_text_is_late_and_the_report_a_draft():
    st = _status(D(2026, 1, 15), missing_texts=["sammanfattning"], report_written=D(2025, 12, 20),
                 draft_reasons=["sammanfattningen"])
    assert _row(st, "Text: reports/text/sammanfattning.md")["state"] == "försenat"
    lb = _row(st, "Lägesbild 2025")
    assert lb["state"] == "pågår" and lb["todo"] == "utkast: saknar sammanfattningen"
    # an EST export that ends in November does not cover the report year
    assert _row(st, "Underlag: EST-rapporter")["state"] == "pågår"
    done = _status(D(2026, 1, 15), report_written=D(2025, 12, 20), draft_reasons=[])
    assert _row(done, "Lägesbild 2025")["state"] == "klart"


def test_registry_items_missing_overdue_and_follow_ups():
    reg = validate_registry(sheets(problems=(1, "Prioriterad", "ja")), VOCAB, "reg.xlsx")
    assert reg.errors == []
    st = _status(D(2026, 5, 10), registry=reg, registry_path="data/raw/handlingsplan.xlsx", follow_ups={"2025H1"})
    # P2 is prioritised but has no cause tree; P1 has one
    assert _row(st, "Orsaksanalys för P2")["state"] == "saknas"
    assert not st["what"].str.startswith("Orsaksanalys för P1").any()
    # A2 should have ended 31 May 2025 and is still "pågår"
    a2 = _row(st, "Åtgärd A2")
    assert a2["state"] == "försenat" and a2["todo"].startswith("344 dagar sen")
    assert _row(st, "Uppföljning 2025H1")["state"] == "klart"
    assert _row(st, "Uppföljning 2025H2")["state"] == "saknas"  # ended 31 March 2026, no follow-up PDF
