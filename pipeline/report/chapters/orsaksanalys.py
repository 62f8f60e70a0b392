"""Orsaksanalys: for each prioritised problembild, what the data say (the deep-dive profile) and
the cause tree the analysts filled in (Brå's three perspectives), from the registry
(pipeline/cycle). Without a registry: the profiles of the top problembilder and the analysts'
text or a placeholder."""

from __future__ import annotations

import pandas as pd

from pipeline.cycle.registry import PERSPECTIVE_SV
from pipeline.report.doc import Doc
from pipeline.report.figures import hour_weekday_chart
from pipeline.report.markdown import escape as esc

TITLE = "Orsaksanalys"


def _profile(d: Doc, area_id: str, problem: str) -> None:
    cycle = d.inp.cycle
    facts = cycle.facts.get((str(area_id), problem), [])
    if facts:
        d.bullets(facts)
    prof = next((p for p in cycle.profiles if p.area_id == str(area_id) and p.problem == problem), None)
    if prof is not None and len(prof.hour_weekday) and prof.hour_weekday["n_incidents"].sum() >= 20:
        what = f"{d.label(problem).lower()} i {d.area(area_id)}"
        d.figure(f"orsak_tid_{area_id}_{problem}", (hour_weekday_chart, prof.hour_weekday.assign(problem=problem),
                                                    problem),
                 f"När {what} anmäls: veckodag och timme, {d.inp.kommun.year}.",
                 f"Värmekarta över anmälda brott, {what}, per veckodag och timme {d.inp.kommun.year}. "
                 + (facts[0] if facts else ""))


def build(d: Doc) -> None:
    cycle = d.inp.cycle
    if cycle is None:
        d.analyst("orsaksanalys")
        return
    d.para("Orsaksanalysen följer Brå:s metod: för varje prioriterad problembild prövas orsaker från tre "
           "perspektiv – platsen och situationen, offren och gärningspersonerna – och varje orsak kopplas till "
           "belägg och till åtgärder i handlingsplanen."
           + ("" if d.public else " Först sammanfattas vad underlaget visar (tid, plats, återkommande platser, "
                                  "brottstyper och vem som rapporterar)."))
    reg = cycle.registry
    if reg is None:
        d.notice("Registret över handlingsplanen saknas (data/raw/handlingsplan.xlsx): skapa det med "
                 "lagesbild registry-template och fyll i orsaksanalysen. Nedan visas underlaget för de högst "
                 "rangordnade problembilderna.")
        if not d.public:
            for p in cycle.profiles:
                d.h(2, f"{d.label(p.problem)} i {d.area(p.area_id)}")
                _profile(d, p.area_id, p.problem)
        d.analyst("orsaksanalys")
        return
    for _, r in cycle.prioritised.iterrows():
        d.h(2, f"{r['problem_id']}. {d.label(r['family'])} i {d.area(r['area_id'])}")
        if not d.public:
            d.h(3, "Vad underlaget visar")
            _profile(d, r["area_id"], r["family"])
        causes = reg.causes[reg.causes["problem_id"] == r["problem_id"]]
        if causes.empty:
            d.notice(f"Orsaksanalysen för {r['problem_id']} är inte ifylld: fyll i bladet Orsaksanalys i registret.")
            continue
        d.h(3, "Orsaker")
        order = {"situation": 0, "victim": 1, "offender": 2}
        causes = causes.assign(_o=causes["perspective_code"].map(order)).sort_values(["_o", "row"])
        rows = [[esc(PERSPECTIVE_SV.get(c.perspective_code, c.perspective)), esc(c.cause), esc(c.root_cause or "–"),
                 esc(c.evidence or "–"), esc(c.action_id or "–")] for c in causes.itertuples()]
        d.table(f"Orsaker till {d.label(r['family']).lower()} i {d.area(r['area_id'])}",
                ["Perspektiv", "Orsak", "Bakomliggande orsak", "Belägg", "Åtgärder"], rows, "lllll",
                widths="(auto, 1.4fr, 1.4fr, 1fr, auto)")
    texts = d.inp.analyst_texts or {}
    if (texts.get("orsaksanalys") or "").strip():
        d.h(2, "Analytikernas kommentar")
        d.analyst("orsaksanalys")
