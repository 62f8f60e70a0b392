"""EST-iakttagelser: EST reports per area and problem family."""

from __future__ import annotations

import pandas as pd

from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc

TITLE = "EST-iakttagelser"


def build(d: Doc) -> None:
    es = d.inp.est_summary
    if is_empty(es):
        d.missing("från EST (effektiv samordning för trygghet)")
        return
    d.para("EST-rapporterna är veckovisa iakttagelser från kommunens verksamheter, bostadsbolag, väktare och Polisen.")
    shown = es.sort_values(["n_est_reports", "area_id"], ascending=[False, True]).head(15)
    rows = [[esc(d.area(r["area_id"])), esc(d.label(r["problem"])), d.cnt(r, "n_est_reports"), d.cnt(r, "n_weeks")]
            + ([] if d.public else [esc(r.get("top_place") if pd.notna(r.get("top_place")) else "–")])
            for _, r in shown.iterrows()]
    hdr = ["Område", "Problemområde", "Rapporter", "Veckor med rapport"] + ([] if d.public else ["Vanligaste plats"])
    more = f" (de {len(shown)} vanligaste av {len(es)}; alla finns {d.appendix()})" if len(es) > len(shown) else ""
    d.table(f"EST-rapporter per område och problemområde{more}", hdr, rows, "llrr" + ("" if d.public else "l"))
