"""Uppföljning av förra periodens åtgärder: were the actions done on time (per organisation, the
overdue list), did the löften's indicators move (verdict, change with its interval, caveats),
and how the prioritised problembilder developed against comparable areas; from the evaluate
stage's tables (pipeline/cycle). Without a registry: the analysts' text or a placeholder."""

from __future__ import annotations

import pandas as pd

from pipeline.cycle import figures as CF
from pipeline.cycle.labels import caveat_tags, indicator_label, short_change
from pipeline.report.doc import Doc
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_pct

TITLE = "Uppföljning av förra periodens åtgärder"


def _effects_table(d: Doc, eff: pd.DataFrame, caption: str, first: str) -> None:
    rows = []
    for r in eff.itertuples():
        ind = indicator_label(r.kind, r.measure_id, r.unit_id, d.inp.families, d.names)
        rows.append([esc(r.key), esc(str(r.period_id)), esc(ind), f"*{esc(r.verdict)}*",
                     esc(short_change(r._asdict())), esc(caveat_tags(r.caveats))])
    d.table(caption, [first, "Period", "Indikator", "Bedömning", "Förändring mot jämförelseområdena", "Att tänka på"],
            rows, "llllll", widths="(auto, auto, 1.5fr, auto, 1.3fr, 1.2fr)")


def build(d: Doc) -> None:
    cycle = d.inp.cycle
    reg = cycle.registry if cycle is not None else None
    if reg is None:
        d.analyst("uppfoljning")
        return
    d.para("Uppföljningen har två delar: om åtgärderna blev gjorda i tid (processutvärdering) och om problemet "
           "förändrades (måluppfyllelse). Förändringen jämförs med samma period året före och med jämförbara "
           "områden utan åtgärden; \"minskade\" och \"ökade\" sägs bara när hela konfidensintervallet ligger på samma "
           "sida om ingen förändring. Ett halvår med få händelser räcker sällan för att se en effekt: \"ingen säker "
           "förändring\" betyder inte att åtgärden saknade verkan.")
    d.h(2, "Blev åtgärderna gjorda?")
    s = cycle.process_summary
    if s is None or s.empty:
        d.notice("Inga åtgärder i registret.")
    else:
        rows = [[esc(r.organisation), fmt_int(r.n_actions), fmt_int(r.n_due), fmt_int(r.n_due_on_time),
                 fmt_int(r.n_late), fmt_int(r.n_overdue), fmt_pct(r.on_time_pct, 0)] for r in s.itertuples()]
        d.table(f"Åtgärder per ansvarig organisation, läget {cycle.as_of or 'vid rapportårets slut'}",
                ["Organisation", "Åtgärder", "Skulle vara klara", "Klara i tid", "Klara sent", "Försenade", "Andel i tid"],
                rows, "lrrrrrr")
        st = cycle.action_status
        late = st[st["is_overdue"].astype(bool)] if len(st) else st
        if len(late):
            rows = [[esc(r.action_id), esc(r.what), esc(r.organisation), esc(str(r.end_date)),
                     fmt_int(r.days_overdue)] for r in late.sort_values("days_overdue", ascending=False).itertuples()]
            d.table("Försenade åtgärder", ["Id", "Åtgärd", "Ansvarig", "Skulle vara klar", "Dagar sen"], rows, "llllr",
                    widths="(auto, 2fr, 1.4fr, auto, auto)")
        else:
            d.para("Inga åtgärder är försenade.")
    d.h(2, "Medborgarlöftena")
    pe = cycle.promise_effects
    if pe is None or pe.empty:
        d.notice("Inga medborgarlöften att följa upp.")
    else:
        _effects_table(d, pe, "Medborgarlöftenas indikatorer före och under löftet", "Löfte")
        counts = pe[pe["kind"] != "survey"].dropna(subset=["rate_ratio"])
        if len(counts):
            labels = [f"{r.key} {indicator_label(r.kind, r.measure_id, r.unit_id, d.inp.families, d.names).split(': ')[1]}"
                      for r in counts.itertuples()]
            d.figure("uppfoljning_loften", (CF.effect_forest, counts, labels),
                     "Kvot mot jämförelseområdena per löfte med 95 % konfidensintervall; under 1 betyder att "
                     "indikatorn minskade mer än i jämförbara områden.",
                     "Diagram med en rad per medborgarlöfte: en punkt för kvoten och en linje för "
                     "konfidensintervallet. " + "; ".join(f"{r.key}: {r.verdict}" for r in counts.itertuples()) + ".")
    d.h(2, "De prioriterade problembilderna")
    qe = cycle.problem_effects
    if qe is None or qe.empty:
        d.notice("Inga prioriterade problembilder att följa upp.")
    else:
        d.para(f"Antal {d.inp.kommun.year} jämfört med {d.inp.kommun.year - 1}, i förhållande till jämförbara områden.")
        _effects_table(d, qe, "Prioriterade problembilder: rapportåret mot året före", "Problembild")
    texts = d.inp.analyst_texts or {}
    if (texts.get("uppfoljning") or "").strip():
        d.h(2, "Analytikernas kommentar")
        d.analyst("uppfoljning")
