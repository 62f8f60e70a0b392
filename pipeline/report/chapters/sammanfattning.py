"""Sammanfattning: Key figures generated from the data, the top problembilder and the analysts' summary."""

from __future__ import annotations

import pandas as pd

from pipeline.report.chapters import handlingsplan
from pipeline.report.chapters.problembilder import reasons, title, top
from pipeline.report.doc import Doc
from pipeline.report.events import EVENTS_ONLY_SV, event_facts
from pipeline.report.inputs import is_empty
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TITLE = "Sammanfattning"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    if inp.events_only:
        d.notice(EVENTS_ONLY_SV)
    pb = inp.problembilder
    if not is_empty(pb):
        rows = top(d).head(5)
        d.h(2, "De högst prioriterade problembilderna")
        d.numbered([f"{title(d, r)}: {why[0].lower() + why[1:]}" for (_, r), why in zip(rows.iterrows(), reasons(d, rows))])
        d.para("Varför och hur problembilderna rangordnades står i kapitlen Prioriterade problembilder och Så "
               "rangordnades problembilderna.")
    facts = []
    t = inp.area_trends
    if not is_empty(t):
        tot = t[(t["area_id"] == "kommun") & (t["problem"] == "all")]
        if len(tot):
            r = tot.iloc[0]
            ch = r["change_pct"]
            how = ("" if pd.isna(ch) else f" Det är lika många som {k.year - 1}." if fmt_pct(abs(ch), 0) == fmt_pct(0, 0)
                   else f" Det är {fmt_pct(abs(ch), 0)} {'fler' if ch > 0 else 'färre'} än {k.year - 1}.")
            facts.append(f"Under {k.year} anmäldes {fmt_int(r['n_year'])} brott i {k.name}, {fmt_num(r['rate_per_1000'], 1)} "
                         f"per 1 000 invånare.{how}")
        kt = t[(t["area_id"] == "kommun") & (t["problem"] != "all")]
        none = pd.Series(False, index=kt.index)
        for label, sel in (("ökade säkert i år", kt["year_change"] == "increase" if "year_change" in kt else none),
                           ("har en säker ökande trend över perioden", kt["trend"] == "rising")):
            if sel.any():  # the verdict's own two parts (area_trends.year_change, .trend)
                facts.append("Brottstyper som " + label + ": " + ", ".join(d.label(p).lower() for p in kt.loc[sel, "problem"]) + ".")
    s = inp.survey_indicators
    if not is_empty(s):
        u = s[(s["area_id"] == "kommun") & (s["indicator"] == "unsafe_evening")].sort_values("survey_year")
        if len(u) and pd.notna(u["share_pct"].iloc[-1]):
            last = u.iloc[-1]
            txt = f"I trygghetsmätningen {int(last['survey_year'])} kände sig {fmt_pct(last['share_pct'], 0)} otrygga ute sent en kväll"
            if pd.notna(last.get("prev_share_pct")) and pd.notna(last.get("prev_survey_year")):
                txt += f" ({fmt_pct(last['prev_share_pct'], 0)} år {int(last['prev_survey_year'])})"
            facts.append(txt + ".")
    facts += event_facts(inp)
    if facts:
        d.h(2, "Lägesbilden i korthet")
        d.bullets(facts)
    if d.public:
        d.h(2, "Våra löften")
        handlingsplan.promises_in_brief(d)  # from the registry when there is one
    d.h(2, "Analytikernas sammanfattning")
    d.analyst("sammanfattning")
