"""Dialoger: Staff dialogues: themes, untagged topics and (internal only) quotes."""

from __future__ import annotations

import pandas as pd

from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_pct

TITLE = "Dialoger"


def build(d: Doc) -> None:
    nt = d.inp.note_themes
    if is_empty(nt):
        d.missing("från medarbetardialoger")
        return
    d.para("Anteckningar från personal som arbetar i områdena (fritidsgårdar, skola, socialtjänst, fältgrupp, "
           "bostadsbolag, räddningstjänst, polis m.fl.) har kodats till problemområden. Personuppgifter har tagits bort.")
    shown = nt.sort_values(["n_notes", "area_id"], ascending=[False, True]).head(15)
    rows = [[esc(d.area(r["area_id"])), esc(d.label(r["problem"])), d.cnt(r, "n_notes"), d.cnt(r, "n_verksamheter")]
            + ([] if d.public else [esc(r.get("top_place") if pd.notna(r.get("top_place")) else "–")])
            for _, r in shown.iterrows()]
    hdr = ["Område", "Problemområde", "Anteckningar", "Verksamheter"] + ([] if d.public else ["Vanligaste plats"])
    more = f" (de {len(shown)} vanligaste av {len(nt)}; alla finns {d.appendix()})" if len(nt) > len(shown) else ""
    d.table(f"Teman i medarbetardialogerna{more}", hdr, rows, "llrr" + ("" if d.public else "l"))
    tt = d.inp.text_topics
    if not is_empty(tt):
        d.h(2, "Teman som sökorden inte fångar")
        d.para("En automatisk textanalys som hittar ord som ofta står tillsammans (bilaga A) har gått igenom "
               "anteckningar, EST-rapporter och öppna enkätsvar; tabellen visar "
               "vilka teman som återkommer. En hög andel okodade texter betyder att sökorden för problemområdena "
               "missar temat och bör ses över."
               + (f" Ord som färre än {d.min} texter använder, och ortnamn, visas inte." if d.public else ""))
        rows = [[esc(str(r["top_terms"]) or "–"), d.cnt(r, "n_docs"), fmt_pct(r["share_untagged_pct"], 0),
                 esc(d.area(r["top_area"]) if pd.notna(r.get("top_area")) else "–")] for _, r in tt.iterrows()]
        d.table("Återkommande teman i fritexterna", ["Vanligaste ord", "Texter", "Andel okodade", "Mest i området"],
                rows, "lrrl")
    if not d.public and "quotes" in nt.columns:
        d.h(2, "Röster från medarbetardialogerna")
        for _, r in nt.sort_values("n_notes", ascending=False).head(6).iterrows():
            qs = [q for q in str(r.get("quotes") or "").split("\n") if q.strip()]
            if qs:
                d.add(f"#strong[{esc(d.label(r['problem']))}, {esc(d.area(r['area_id']))}]")
                for q in qs[:3]:
                    d.add(f"#quote-note[{esc(q)}]")
