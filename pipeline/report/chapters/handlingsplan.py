"""Handlingsplan och medborgarlöften: the actions per prioritised problembild with who is
responsible, and the löften with their period and indicator, from the registry (pipeline/cycle);
without a registry the analysts' texts or placeholders."""

from __future__ import annotations

from pipeline.cycle.labels import indicator_label, status_sv
from pipeline.report.doc import Doc
from pipeline.report.markdown import escape as esc

TITLE = "Handlingsplan och medborgarlöften"


def _date(v) -> str:
    return "–" if v is None or v != v else str(v)


def promises_in_brief(d: Doc) -> None:
    """The löften as a plain list (the public summary's "Våra löften"), or the analysts' text."""
    cycle = d.inp.cycle
    reg = cycle.registry if cycle is not None else None
    if reg is None or reg.promises.empty:
        d.analyst("medborgarloften")
        return
    q = reg.promises.sort_values(["period_start", "promise_id"])
    d.bullets([f"{r.text} ({r.period_id or r.period})" for r in q.itertuples()])


def build(d: Doc) -> None:
    cycle = d.inp.cycle
    reg = cycle.registry if cycle is not None else None
    d.h(2, "Handlingsplan")
    if reg is None or reg.actions.empty:
        d.analyst("handlingsplan")
    else:
        d.para("Varje prioriterad problembild har en handlingsplan där varje åtgärd har en ansvarig organisation. "
               "Status gäller " + (f"{cycle.as_of}." if cycle.as_of else "när rapporten togs fram."))
        for _, p in reg.problems.iterrows():
            acts = reg.actions[reg.actions["problem_id"] == p["problem_id"]]
            if acts.empty:
                continue
            rows = [[esc(a.action_id), esc(a.what), esc(a.organisation) + ("" if d.public or not a.role
                                                                          else f" ({esc(a.role)})"),
                     f"{_date(a.start_date)}–{_date(a.end_date)}", esc(status_sv(a.status_code))]
                    for a in acts.itertuples()]
            label = d.label(p["family"]) if p["family"] == p["family"] and p["family"] else p["problem"]
            d.table(f"{p['problem_id']}. {label} i {d.area(p['area_id']) if p['area_id'] == p['area_id'] else p['area']}",
                    ["Id", "Åtgärd", "Ansvarig", "Period", "Status"], rows, "lllll",
                    widths="(auto, 2fr, 1.4fr, auto, auto)")
    texts = d.inp.analyst_texts or {}
    if reg is not None and len(reg.actions) and (texts.get("handlingsplan") or "").strip():
        d.analyst("handlingsplan")
    d.h(2, "Medborgarlöften")
    if reg is None or reg.promises.empty:
        d.analyst("medborgarloften")
        return
    d.para("Medborgarlöftena gäller ett halvår, april–september eller oktober–mars. Varje löfte följs upp med en "
           "indikator som mäts före och under löftet.")
    fams, names = d.inp.families, d.names
    rows = []
    for q in reg.promises.sort_values(["period_start", "promise_id"]).itertuples():
        ind = (indicator_label(q.kind, q.measure_id, q.unit_id, fams, names)
               if isinstance(q.measure_id, str) and isinstance(q.unit_id, str) else f"{q.measure} ({q.place})")
        rows.append([esc(q.promise_id), esc(q.text), esc(q.period_id or q.period), esc(ind), esc(q.goal or "–")])
    d.table("Medborgarlöften", ["Id", "Löfte", "Period", "Indikator", "Mål"], rows, "lllll",
            widths="(auto, 2.2fr, auto, 1.5fr, auto)")
    if (texts.get("medborgarloften") or "").strip() or (d.public and (texts.get("medborgarloften_publik") or "").strip()):
        d.analyst("medborgarloften")
