"""Om kommunen: inhabitants per area, and the areas' numbers on the maps (the map key)."""

from __future__ import annotations

from pipeline.report.cartography import area_numbers
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_pct

TITLE = "Om kommunen"
KEY_CAPTION = "Områden med sina nummer på kartorna och invånare"


def build(d: Doc) -> None:
    inp = d.inp
    ayc = inp.area_year_counts
    if is_empty(ayc) or is_empty(inp.areas):
        d.missing("om områden och befolkning")
        return
    year = int(ayc["year"].max())
    pop = ayc[(ayc["problem"] == "all") & (ayc["year"] == year) & (ayc["area_id"] != "kommun")]
    pop = pop.groupby("area_id")["population"].first()
    total = pop.sum()
    d.para(f"{inp.kommun.name} kommun (kommunkod {inp.kommun.code}) har {fmt_int(total)} invånare fördelade på "
           f"{len(inp.areas)} områden. Polisen arbetar i kommunen genom {inp.kommun.lpo}"
           + (f" i {inp.kommun.police_region}." if inp.kommun.police_region else ".")
           + " Områdenas nummer i tabellen används på kartorna där namnet inte får plats.")
    numbers = area_numbers(inp.areas)
    rows = [[str(n), esc(d.area(a)), d.num(pop.get(a)) if a in pop.index else "–",
             fmt_pct(100 * pop[a] / total, 1) if a in pop.index and total else "–"]
            for a, n in sorted(numbers.items(), key=lambda kv: kv[1])]
    d.table(f"{KEY_CAPTION}, {year}", ["Nr", "Område", "Invånare", "Andel"], rows, "rlrr")
