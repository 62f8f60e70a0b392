"""Anmälda brott: Reported crime per problem family, per year, per area, and Polisen's events."""

from __future__ import annotations


from pipeline.report import figures as F
from pipeline.report import views
from pipeline.report.doc import Doc
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
    pe_ = inp.police_events_summary
    d.h(2, "Polisens händelser")
    if is_empty(pe_):
        d.missing("om Polisens publicerade händelser")
    else:
        d.para("Polisens publicerade händelser anger bara kommun, inte plats, och används därför för nivåer och trender i "
               "kommunen men inte på kartorna.")
        hdr = {"year": "År", "problem": "Problemområde", "event_type": "Händelsetyp", "n_events": "Antal händelser"}
        per_year = {c: c[2:] for c in pe_.columns if c[:2] == "n_" and c[2:].isdigit()}  # n_2025 -> 2025
        if per_year:
            hdr.update(per_year, n_events="Totalt")
        # known columns only (no code names on the page); a single year's column repeats the total
        cols = [c for c in pe_.columns if c in hdr and not (c == "n_events" and len(per_year) == 1)]
        rows = []
        for _, r in pe_.iterrows():
            row = []
            for c in cols:
                if c == "problem":
                    row.append(esc(d.label(r[c])))
                elif c.startswith("n_") or c == "n":
                    row.append(d.cnt(r, c))
                elif c == "year":
                    row.append(str(int(r[c])))
                else:
                    row.append(esc(r[c]))
            rows.append(row)
        d.table("Polisens publicerade händelser", [hdr[c] for c in cols], rows,
                "".join("r" if (c.startswith("n_") or c == "year") else "l" for c in cols))
