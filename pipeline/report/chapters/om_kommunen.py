"""Om kommunen: Inhabitants per area."""

from __future__ import annotations


from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_pct

TITLE = "Om kommunen"


def build(d: Doc) -> None:
    inp = d.inp
    ayc = inp.area_year_counts
    if is_empty(ayc) or is_empty(inp.areas):
        d.missing("om områden och befolkning")
        return
    pop = ayc[(ayc["problem"] == "all") & (ayc["year"] == ayc["year"].max()) & (ayc["area_id"] != "kommun")]
    pop = pop.groupby("area_id", as_index=False)["population"].first().sort_values("population", ascending=False)
    total = pop["population"].sum()
    d.para(f"{inp.kommun.name} kommun (kommunkod {inp.kommun.code}) har {fmt_int(total)} invånare fördelade på "
           f"{len(inp.areas)} områden. Polisen arbetar i kommunen genom {inp.kommun.lpo}"
           + (f" i {inp.kommun.police_region}." if inp.kommun.police_region else "."))
    rows = [[esc(d.area(r.area_id)), d.num(r.population), fmt_pct(100 * r.population / total, 1) if total else "–"]
            for r in pop.itertuples()]
    d.table(f"Invånare per område {int(ayc['year'].max())}", ["Område", "Invånare", "Andel"], rows, "lrr")
