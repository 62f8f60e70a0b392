"""Skadeviktad brottslighet: Each family's share of counts beside its share of harm."""

from __future__ import annotations

import numpy as np

from pipeline.report import figures as F
from pipeline.report import views
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_pct

TITLE = "Skadeviktad brottslighet"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    t = inp.area_trends
    if is_empty(t) or "harm_days_year" not in t.columns:
        d.missing("om skadevikter")
        return
    d.para("Ett skadeviktat mått väger varje brott med det genomsnittliga straff (i dagar) som brottstypen ger (Swedish "
           "Crime Harm Index). Ett fåtal grova brott kan då väga tyngre än många lindriga. Måttet visas alltid bredvid "
           "antalet brott eftersom det missar skador av brott som sällan leder till fängelse.")
    kt = t[(t["area_id"] == "kommun") & (t["problem"] != "all")]
    d.figure("skadeviktad", (F.harm_vs_count, views.kommun_rows(t), inp.families), f"Andel av antalet brott och av skadevärdet per problemområde, {k.year}.",
             "Liggande stapeldiagram som jämför varje problemområdes andel av antalet brott med dess andel av skadevärdet.")
    n_tot, h_tot = kt["n_year"].sum(), kt["harm_days_year"].sum()
    rows = [[esc(d.label(r["problem"])), d.cnt(r, "n_year"), fmt_int(r["harm_days_year"]),
             fmt_pct(100 * r["n_year"] / n_tot if n_tot else np.nan, 1), fmt_pct(100 * r["harm_days_year"] / h_tot if h_tot else np.nan, 1)]
            for _, r in kt.sort_values("harm_days_year", ascending=False).iterrows()]
    d.table(f"Antal brott och skadevärde per problemområde, {k.year}",
            ["Problemområde", "Antal brott", "Skadevärde (dagar)", "Andel av antal", "Andel av skadevärde"], rows, "lrrrr")
