"""Where in the year the kommun is: ``lagesbild status``.

The yearly cycle of the agreement (DOMAIN.md §1): the process for report year Y starts by
1 June Y (``cycle.process_start``), the joint lägesbild is due by 1 January Y+1
(``cycle.lagesbild_due``), and the löften decided from it run April–September and
October–March after that. Every item is one line: what, its state, the date it hangs on and
what to do. States: "klart", "pågår", "kommande", "saknas", "försenat".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from pipeline.cycle.periods import cycle_dates, half_year, period_of
from pipeline.cycle.process import action_status
from pipeline.cycle.registry import Registry

DONE, RUNNING, COMING, MISSING, LATE = "klart", "pågår", "kommande", "saknas", "försenat"


@dataclass(frozen=True)
class RunFacts:
    """What the shell found in the run directory."""

    report_year: int
    source_spans: dict[str, tuple[dt.date, dt.date] | None]   # source name → first and last date, None = empty
    report_written: dt.date | None                           # date of the internal lägesbild PDF, if any
    missing_texts: list[str] = field(default_factory=list)   # texts to write (rows of their own)
    draft_reasons: list[str] | None = None                   # why the lägesbild is a draft (as the report
                                                             # says it); None: the missing texts
    registry: Registry | None = None
    registry_path: str = ""
    follow_ups: set[str] = field(default_factory=set)          # period ids with a follow-up PDF
    process_start: tuple[int, int] = (6, 1)
    lagesbild_due: tuple[int, int] = (1, 1)


def _item(what: str, state: str, when: dt.date | None, todo: str = "") -> dict:
    return {"what": what, "state": state, "date": when, "todo": todo}


def cycle_status(facts: RunFacts, as_of: dt.date) -> pd.DataFrame:
    """One row per item: what, state, date, todo (see the module doc)."""
    y = facts.report_year
    c = cycle_dates(y, facts.process_start, facts.lagesbild_due)
    rows = []
    started = any(s is not None for s in facts.source_spans.values())
    rows.append(_item(f"Processen för lägesbild {y} startar", DONE if started else (LATE if as_of > c.start_by else COMING),
                      c.start_by, "" if started else "lägg exporterna i data/raw/ och kör lagesbild run"))
    for source, span in facts.source_spans.items():
        if span is None:
            rows.append(_item(f"Underlag: {source}", MISSING, None, "saknas i körningen; se docs/data-contract.md"))
        else:
            full = span[1] >= dt.date(y, 12, 1)
            rows.append(_item(f"Underlag: {source} {span[0]}–{span[1]}", DONE if full else RUNNING, span[1],
                              "" if full else f"täcker inte december {y}: uppdatera exporten innan lägesbilden fastställs"))
    for name in facts.missing_texts:
        rows.append(_item(f"Text: reports/text/{name}.md", LATE if as_of > c.due_by else MISSING, c.due_by,
                          "skriv texten (se docs/report.md)"))
    draft = facts.missing_texts if facts.draft_reasons is None else facts.draft_reasons
    if facts.report_written:
        rows.append(_item(f"Lägesbild {y}", DONE if not draft else RUNNING, c.due_by,
                          "" if not draft else "utkast: saknar " + ", ".join(draft)))
    else:
        rows.append(_item(f"Lägesbild {y}", LATE if as_of > c.due_by else COMING, c.due_by, "kör lagesbild run"))
    rows += _registry_items(facts, c, as_of)
    return pd.DataFrame(rows, columns=["what", "state", "date", "todo"])


def _registry_items(facts: RunFacts, c, as_of: dt.date) -> list[dict]:
    reg = facts.registry
    if reg is None:
        return [_item("Handlingsplan och medborgarlöften", MISSING, c.due_by,
                      f"skapa {facts.registry_path} med lagesbild registry-template")]
    rows = []
    if reg.errors:
        rows.append(_item(f"Registret {facts.registry_path}", LATE, None,
                          f"{len(reg.errors)} fel; rätta dem (lagesbild status visar dem nedan)"))
    p = reg.problems[reg.problems["is_prioritised"]]
    for _, r in p.iterrows():
        label = f"{r['problem_id']} {r['problem']} i {r['area']}"
        if not (reg.actions["problem_id"] == r["problem_id"]).any():
            rows.append(_item(f"Åtgärder för {label}", MISSING, c.due_by, "skriv minst en åtgärd med ansvarig"))
        if not (reg.causes["problem_id"] == r["problem_id"]).any():
            rows.append(_item(f"Orsaksanalys för {label}", MISSING, c.due_by, "fyll i Orsaksanalys-bladet"))
    for period in (c.first_period, c.second_period):
        n = int((reg.promises["period_id"] == period.id).sum())
        state = DONE if n else (MISSING if as_of < period.start else LATE)
        rows.append(_item(f"Medborgarlöften {period.label_sv}", state, period.start,
                          f"{n} {'löfte' if n == 1 else 'löften'}" if n else "besluta löften innan perioden börjar"))
    now = period_of(as_of)
    running = reg.promises[reg.promises["period_id"] == now.id]
    if len(running):
        n = len(running)
        rows.append(_item(f"Pågående löftesperiod {now.label_sv}", RUNNING, now.end, f"{n} {'löfte' if n == 1 else 'löften'}"))
    status = action_status(reg.actions, reg.promises, as_of)
    for r in status[status["is_overdue"]].itertuples():
        rows.append(_item(f"Åtgärd {r.action_id} ({r.organisation}): {r.what}", LATE, r.end_date,
                          f"{r.days_overdue} dagar sen; uppdatera status eller slutdatum"))
    soon = status[~status["is_done"] & ~status["is_cancelled"] & ~status["is_due"]]
    soon = soon[[e is not None and (e - as_of).days <= 30 for e in soon["end_date"]]]
    for r in soon.itertuples():
        rows.append(_item(f"Åtgärd {r.action_id} ({r.organisation}): {r.what}", COMING, r.end_date, "ska vara klar inom 30 dagar"))
    ended = sorted({pid for pid in reg.promises["period_id"].dropna()
                    if half_year(int(pid[:4]), int(pid[-1])).end < as_of})
    for pid in ended:
        has = pid in facts.follow_ups
        rows.append(_item(f"Uppföljning {pid}", DONE if has else MISSING, half_year(int(pid[:4]), int(pid[-1])).end,
                          "" if has else f"kör lagesbild follow-up --period {pid}"))
    return rows
