"""Metod och källor: Brå's checklist: sources, data quality, why problems were chosen, limitations."""

from __future__ import annotations

import pandas as pd

from pipeline.problems import stated_exclusions
from pipeline.report import views
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.labels_sv import SOURCE_SV, reason_sv
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_pct

TITLE = "Metod och källor"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    d.h(2, "Källor och perioder")
    used = {
        "Anmälda brott": not is_empty(inp.area_trends), "Trygghetsmätning": not is_empty(inp.survey_indicators),
        "Medarbetardialog": not is_empty(inp.note_themes), "EST-rapporter": not is_empty(inp.est_summary),
        "Polisens händelser": not is_empty(inp.police_events_summary) or not is_empty(inp.event_month_counts),
    }
    em = inp.event_month_counts
    ev_period = f"{em['month'].min():%Y-%m}–{em['month'].max():%Y-%m}" if not is_empty(em) else "enligt underlaget"
    periods = {"Anmälda brott": f"{k.first_year}–{k.year}", "Polisens händelser": ev_period,
               "Medarbetardialog": f"{k.year}", "EST-rapporter": f"{k.year}"}
    if not is_empty(inp.survey_indicators):
        periods["Trygghetsmätning"] = ", ".join(str(int(y)) for y in sorted(inp.survey_indicators["survey_year"].unique()))
    rows = [[esc(n), "använd" if u else "saknas", esc(periods.get(n, "–") if u else "–")] for n, u in used.items()]
    d.table("Källor i lägesbilden", ["Källa", "Status", "Period"], rows, "lll")
    d.h(2, "Datakvalitet")
    q = inp.quality
    if is_empty(q):
        d.missing("om datakvalitet (inlästa och avvisade rader)")
    else:
        d.para("Varje rad i källfilerna har antingen godtagits eller lagts i karantän med ett skäl. Rader i karantän ingår "
               "inte i analyserna.")
        share = views.quarantine_share(q)
        rows = [[esc(SOURCE_SV.get(r["source"], r["source"])), d.cnt(r, "rows_read"), d.cnt(r, "accepted"),
                 d.cnt(r, "quarantined"), fmt_pct(share[i], 1)] for i, r in q.iterrows()]
        d.table("Inlästa, godtagna och avvisade rader per källa", ["Källa", "Inlästa", "Godtagna", "I karantän", "Andel i karantän"],
                rows, "lrrrr")
        other = int(pd.to_numeric(q.get("other_kommun_events"), errors="coerce").fillna(0).sum()) \
            if "other_kommun_events" in q else 0
        if other:  # the archive is national: what belongs to other kommuner is out of scope, not rejected
            d.para(f"Polisens händelser i andra kommuner och sammanfattningar på länsnivå, {fmt_int(other)} stycken, "
                   "hör inte till lägesbilden och räknas varken som inlästa eller avvisade.")
        qr = inp.quarantine_reasons
        if not is_empty(qr):
            rows = [[esc(SOURCE_SV.get(r["source"], r["source"])), esc(reason_sv(r["reason"])), d.cnt(r, "n_rows")]
                    for _, r in qr.sort_values(["source", "n_rows"], ascending=[True, False]).iterrows()]
            d.table("Rader i karantän per skäl", ["Källa", "Skäl", "Rader"], rows, "llr")
        excluded = stated_exclusions(qr, q, inp.families)
        if len(excluded):
            d.para("Vissa brott ingår medvetet inte i problemområdena; de räknas här med antal och skäl.")
            rows = [[esc(SOURCE_SV.get(r["source"], r["source"])), esc(r["label"]),
                     d.count(r["n_rows"], pd.isna(r["n_rows"])), esc(r["reason"])] for _, r in excluded.iterrows()]
            d.table("Brott som medvetet inte ingår", ["Källa", "Brott", "Antal", "Skäl"], rows, "llrl")
    d.h(2, "Varför problemen valdes")
    d.para("Enligt Brå:s checklista ska det framgå varför varje problem valts. Poängen, varje kriteriums bidrag och "
           "en motivering för varje problembild redovisas i kapitlet Prioriterade problembilder; kriterierna och deras "
           "vikter i kapitlet Så rangordnades problembilderna.")
    d.h(2, "Begränsningar")
    lim = [
        "Anmälda brott visar inte all brottslighet: många brott anmäls aldrig (mörkertal), och anmälningsbenägenheten skiljer sig mellan brottstyper och områden.",
        "Brott utan koordinater eller med orimliga uppgifter ingår inte i kartorna (se karantänen ovan).",
        "Tal per invånare blir missvisande i områden med få boende men många besökare, och osäkra i små områden.",
        "Hotspots är statistiska samband i ett rutnät; resultatet beror på rutstorlek och avstånd för grannar.",
        "Skadevikterna bygger på genomsnittliga straff och underskattar skador av brott som sällan leder till fängelse.",
    ]
    lim.append("Trygghetsmätningen har låg svarsfrekvens i vissa områden; andelarna har konfidensintervall och små grupper redovisas inte."
               if used["Trygghetsmätning"] else "Trygghetsmätning saknas: invånarnas upplevelser ingår inte i prioriteringen.")
    lim.append("Medarbetardialoger och EST-rapporter speglar var personal finns och vad de väljer att rapportera; de är inte representativa mätningar."
               if used["Medarbetardialog"] or used["EST-rapporter"] else
               "Medarbetardialoger och EST saknas: problem som inte anmäls syns därför sämre.")
    if used["Polisens händelser"]:
        lim.append("Polisens publicerade händelser anger bara kommun och används inte för platser.")
    d.bullets(lim)
