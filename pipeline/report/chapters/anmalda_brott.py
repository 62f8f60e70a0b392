"""Anmälda brott: Reported crime per problem family, per year, per area, and Polisen's events."""

from __future__ import annotations


from pipeline.report import figures as F
from pipeline.report import views
from pipeline.report.doc import Doc
from pipeline.report.events import event_section
from pipeline.report.inputs import is_empty
from pipeline.report.labels_sv import TREND_SV
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
    d.h(2, "Brott per kategori")
    if len(kt[kt["problem"] != "all"]):
        top = kt[kt["problem"] != "all"].sort_values("n_year", ascending=False).iloc[0]
        d.figure("brott_kategori", (F.category_counts, views.kommun_rows(t), inp.families),
                 f"Anmälda brott per problemområde i kommunen, {k.year} och {k.year - 1}.",
                 f"Liggande stapeldiagram över anmälda brott per problemområde {k.year} och {k.year - 1}. "
                 f"Flest anmälningar gällde {d.label(top['problem']).lower()} ({fmt_int(top['n_year'])}).")
    rows = []
    for _, r in kt.assign(_o=kt["problem"].eq("all")).sort_values(["_o", "n_year"], ascending=[True, False]).iterrows():
        rows.append([esc(d.label(r["problem"])), d.cnt(r, "n_year"), d.cnt(r, "n_prev"),
                     fmt_pct(r["change_pct"], 0, signed=True), fmt_num(r["rate_per_1000"], 1),
                     esc(TREND_SV.get(r.get("trend"), "–"))])
    d.table(f"Anmälda brott i kommunen per problemområde, {k.year}",
            ["Problemområde", str(k.year), str(k.year - 1), "Förändring", "Per 1 000 inv.", "Trend"], rows, "lrrrrl")
    ayc = inp.area_year_counts
    if not is_empty(ayc):
        d.h(2, "Utveckling över tid")
        probs = d.top_problems(4)
        d.figure("brott_trend", (F.yearly_trend, views.kommun_rows(ayc), inp.families, probs),
                 f"Anmälda brott per år {k.first_year}–{k.year}: alla brott och de prioriterade problemområdena.",
                 "Stapeldiagram över alla anmälda brott per år med antal per 1 000 invånare, och linjediagram med index "
                 "per år för " + ", ".join(d.label(p).lower() for p in probs) + ".")
    d.h(2, "Jämförelse mellan områden")
    at = t[(t["problem"] == "all") & (t["area_id"] != "kommun")]
    if len(at.dropna(subset=["rate_per_1000"])):
        hi = at.sort_values("rate_per_1000", ascending=False).iloc[0]
        d.figure("brott_omrade", (F.area_rates, t, d.names),
                 "Anmälda brott per 1 000 invånare per område. Streckad linje: kommunen. ▲/▼: ökande/minskande trend.",
                 f"Liggande stapeldiagram över anmälda brott per 1 000 invånare per område. Högst nivå har {d.area(hi['area_id'])} "
                 f"med {fmt_num(hi['rate_per_1000'], 1)} per 1 000 invånare.")
    rows = [[esc(d.area(r["area_id"])), d.cnt(r, "n_year"), fmt_num(r["rate_per_1000"], 1), fmt_num(r["rate_ratio"], 2),
             fmt_pct(r["change_pct"], 0, signed=True), esc(TREND_SV.get(r.get("trend"), "–"))]
            for _, r in at.sort_values("rate_per_1000", ascending=False).iterrows()]
    d.table(f"Alla anmälda brott per område, {k.year}",
            ["Område", "Antal", "Per 1 000 inv.", "Kvot mot kommunen", "Förändring", "Trend"], rows, "lrrrrl")
    d.para("Kvot mot kommunen över 1 betyder fler brott per invånare än i kommunen som helhet. Brott i områden med få "
           "invånare men många besökare (centrum, handelsområden) ger höga tal per invånare.")
    _events(d)


def _events(d: Doc) -> None:
    inp = d.inp
    event_section(d, inp.event_month_counts, inp.event_year_counts, inp.event_trends, inp.event_breaks,
                  inp.event_coverage, inp.police_events_summary)
