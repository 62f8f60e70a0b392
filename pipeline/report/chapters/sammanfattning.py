"""Sammanfattning: Key figures generated from the data, the top problembilder and the analysts' summary."""

from __future__ import annotations

import pandas as pd

from pipeline.report.chapters.problembilder import plain_problems
from pipeline.report.doc import Doc
from pipeline.report.events import EVENTS_ONLY_SV, event_facts
from pipeline.report.inputs import is_empty
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TITLE = "Sammanfattning"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    if inp.events_only:
        d.notice(EVENTS_ONLY_SV)
    facts = []
    t = inp.area_trends
    if not is_empty(t):
        tot = t[(t["area_id"] == "kommun") & (t["problem"] == "all")]
        if len(tot):
            r = tot.iloc[0]
            facts.append(f"Under {k.year} anmäldes {fmt_int(r['n_year'])} brott i {k.name}, {fmt_num(r['rate_per_1000'], 1)} "
                         f"per 1 000 invånare. Det är {fmt_pct(r['change_pct'], 0, signed=True)} jämfört med {k.year - 1}.")
        up = t[(t["area_id"] == "kommun") & (t["problem"] != "all") & (t["trend"] == "rising")]
        if len(up):
            facts.append("Brottstyper med ökande trend över perioden: "
                         + ", ".join(d.label(p).lower() for p in up["problem"]) + ".")
    s = inp.survey_indicators
    if not is_empty(s):
        u = s[(s["area_id"] == "kommun") & (s["indicator"] == "unsafe_evening")].sort_values("survey_year")
        if len(u) and pd.notna(u["share_pct"].iloc[-1]):
            txt = f"I trygghetsmätningen {int(u['survey_year'].iloc[-1])} kände sig {fmt_pct(u['share_pct'].iloc[-1], 0)} otrygga ute sent en kväll"
            if len(u) > 1 and pd.notna(u["share_pct"].iloc[-2]):
                txt += f" ({fmt_pct(u['share_pct'].iloc[-2], 0)} år {int(u['survey_year'].iloc[-2])})"
            facts.append(txt + ".")
    facts += event_facts(inp)
    pb = inp.problembilder
    if not is_empty(pb):
        top = pb.sort_values("rank").head(3)
        facts.append("De högst prioriterade problembilderna är " + "; ".join(
            f"{int(r['rank'])}. {d.label(r['problem']).lower()} i {r['area']}" for _, r in top.iterrows()) + ".")
    if facts:
        d.h(2, "Lägesbilden i korthet")
        d.bullets(facts)
    if d.public:
        d.h(2, "Det här vill vi göra något åt")
        plain_problems(d)
        d.h(2, "Våra löften")
        d.analyst("medborgarloften")
    d.h(2, "Analytikernas sammanfattning")
    d.analyst("sammanfattning")
