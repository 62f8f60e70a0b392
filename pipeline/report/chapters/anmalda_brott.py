"""Anmälda brott: Reported crime per problem family, per year, per area, and Polisen's events."""

from __future__ import annotations

import pandas as pd


from pipeline.report import figures as F
from pipeline.report import views, wording
from pipeline.report.doc import Doc
from pipeline.report.events import event_section
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TITLE = "Anmälda brott"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    t = inp.area_trends
    if is_empty(t):
        d.missing("om anmälda brott")
        _events(d)  # a lägesbild from public events only still shows them
        return
    kt = t[t["area_id"] == "kommun"]
    trend_head = "Bedömning" if "verdict_sv" in t.columns else "Långsiktig trend"
    d.h(2, "Brott per kategori")
    if len(kt[kt["problem"] != "all"]):
        fams = kt[kt["problem"] != "all"].sort_values("n_year", ascending=False)
        top = fams.iloc[0]
        total = kt.loc[kt["problem"] == "all", "n_year"]
        share = 100 * top["n_year"] / total.iloc[0] if len(total) and total.iloc[0] else None
        d.para(f"Vanligast är {d.label(top['problem']).lower()} med {fmt_int(top['n_year'])} anmälda brott"
               + (f", {fmt_pct(share, 0)} av alla" if share is not None else "")
               + f"; därefter {d.label(fams.iloc[1]['problem']).lower()} ({fmt_int(fams.iloc[1]['n_year'])})."
               if len(fams) > 1 else f"Vanligast är {d.label(top['problem']).lower()}.")
        d.figure("brott_kategori", (F.category_counts, views.kommun_rows(t), inp.families),
                 f"Anmälda brott per problemområde i kommunen, {k.year} och {k.year - 1}.",
                 f"Liggande stapeldiagram över anmälda brott per problemområde {k.year} och {k.year - 1}. "
                 f"Flest anmälningar gällde {d.label(top['problem']).lower()} ({fmt_int(top['n_year'])}).")
    rows = []
    for _, r in kt.assign(_o=kt["problem"].eq("all")).sort_values(["_o", "n_year"], ascending=[True, False]).iterrows():
        rows.append([esc(d.label(r["problem"])), d.cnt(r, "n_year"), d.cnt(r, "n_prev"),
                     fmt_pct(r["change_pct"], 0, signed=True), fmt_num(r["rate_per_1000"], 1),
                     esc(wording.trend_cell(r))])
    d.table(f"Anmälda brott i kommunen per problemområde, {k.year}",
            ["Problemområde", str(k.year), str(k.year - 1), "Förändring", "Per 1 000 inv.", trend_head], rows, "lrrrrl")
    ayc = inp.area_year_counts
    if not is_empty(ayc):
        d.h(2, "Utveckling över tid")
        probs = d.top_problems(4)
        d.para(_development(d, views.kommun_rows(ayc), probs))
        d.figure("brott_trend", (F.yearly_trend, views.kommun_rows(ayc), inp.families, probs),
                 f"Anmälda brott per år {k.first_year}–{k.year}: alla brott och de prioriterade problemområdena.",
                 "Stapeldiagram över alla anmälda brott per år med antal per 1 000 invånare, och linjediagram med index "
                 "per år för " + ", ".join(d.label(p).lower() for p in probs) + ".")
    d.h(2, "Jämförelse mellan områden")
    at = t[(t["problem"] == "all") & (t["area_id"] != "kommun")]
    if len(at.dropna(subset=["rate_per_1000"])):
        hi = at.sort_values("rate_per_1000", ascending=False).iloc[0]
        d.figure("brott_omrade", (F.area_rates, t[t["problem"] == "all"], d.names),  # the rows it draws (shared)
                 f"Anmälda brott per 1 000 invånare per område, {k.year}. Streckad linje: kommunen. ▲/▼: ökande/minskande "
                 "långsiktig trend.",
                 f"Liggande stapeldiagram över anmälda brott per 1 000 invånare per område. Högst nivå har {d.area(hi['area_id'])} "
                 f"med {fmt_num(hi['rate_per_1000'], 1)} per 1 000 invånare.")
    rows = [[esc(d.area(r["area_id"])), d.cnt(r, "n_year"), fmt_num(r["rate_per_1000"], 1), fmt_num(r["rate_ratio"], 2),
             fmt_pct(r["change_pct"], 0, signed=True), esc(wording.trend_cell(r))]
            for _, r in at.sort_values("rate_per_1000", ascending=False).iterrows()]
    d.table(f"Alla anmälda brott per område, {k.year}",
            ["Område", "Antal", "Per 1 000 inv.", "Kvot mot kommunen", "Förändring", trend_head], rows, "lrrrrl")
    d.para("Kvot mot kommunen över 1 betyder fler brott per invånare än i kommunen som helhet. Brott i områden med få "
           "invånare men många besökare (centrum, handelsområden) ger höga tal per invånare.")
    _events(d)


def _development(d: Doc, kommun: pd.DataFrame, probs: list[str]) -> str:
    """What the yearly chart shows, in words: the range of all crime per year and the prioritised
    family that changed most since the first year."""
    k = d.inp.kommun
    tot = kommun[kommun["problem"] == "all"].sort_values("year")
    if tot.empty:
        return "Figuren visar antalet anmälda brott per år."
    n = tot["n_incidents"].astype(float)
    text = (f"Antalet anmälda brott per år låg mellan {fmt_int(n.min())} och {fmt_int(n.max())} under "
            f"{k.first_year}–{k.year}. Till höger visas de prioriterade problemområdena som index, där "
            f"{k.first_year} = 100, på en axel som börjar på noll.")
    change = {}
    for p in probs:
        s = kommun[kommun["problem"] == p].sort_values("year")["n_incidents"].astype(float)
        if len(s) > 1 and s.iloc[0]:
            change[p] = 100 * (s.iloc[-1] / s.iloc[0] - 1)
    if change:
        p = max(change, key=lambda x: abs(change[x]))
        text += f" Mest har {d.label(p).lower()} förändrats: {fmt_pct(change[p], 0, signed=True)} sedan {k.first_year}."
    return text


def _events(d: Doc) -> None:
    inp = d.inp
    event_section(d, inp.event_month_counts, inp.event_year_counts, inp.event_trends, inp.event_breaks,
                  inp.event_coverage, inp.police_events_summary)
