"""Geografisk fördelning: rate per area, hotspots, patterns over time, density, concentration.

Every map names its period, labels every area (name, or its number from the table in "Om
kommunen") and has its numbers as tables in appendix C (:func:`map_tables`), for readers who
cannot read a map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report import figures as F
from pipeline.report import maps as M
from pipeline.report import views
from pipeline.report.cartography import area_numbers
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TITLE = "Geografisk fördelning"
CELL_LAYERS = ("grid_hotspots", "emerging_hotspots", "kde")  # the maps
KEY = "Siffror på kartan är områdenas nummer (tabellen i kapitlet Om kommunen)."


def map_problems(d: Doc, kind: str, layer) -> list[str]:
    """The problem families a map of ``kind`` shows: all crime and the top three, those with
    something to show (:func:`pipeline.report.maps.problems_with_content`)."""
    shown = M.problems_with_content(kind, layer)
    return [p for p in ["all"] + d.top_problems(3) if p in shown]


def _names(d: Doc, problems: list[str]) -> str:
    labels = [d.label(p).lower() for p in problems]
    return ", ".join(labels[:-1]) + (" och " if len(labels) > 1 else "") + labels[-1] if labels else ""


def _rates(d: Doc) -> pd.DataFrame:
    t = d.inp.area_trends
    return t[(t["problem"] == "all") & (t["area_id"] != "kommun")]


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    if is_empty(inp.areas):
        d.missing("om områdesgränser")
        return
    period = f"{k.first_year}–{k.year}"
    if d.public:
        d.notice(f"Publik version: kartorna visar rutor om {fmt_int(inp.privacy.public_grid_m)} m, inte exakta platser. "
                 "En ruta får den starkaste klassen bland de finare rutor den består av.")
    if not is_empty(inp.area_trends):
        at = _rates(d)
        flags = at.get("n_year_suppressed", pd.Series("", index=at.index)).fillna("").astype(bool)
        sup = set(at.loc[flags, "area_id"])
        shown = at[~flags].dropna(subset=["rate_per_1000"]).sort_values("rate_per_1000")
        extremes = (f" Högst har {d.area(shown['area_id'].iloc[-1])} ({fmt_num(shown['rate_per_1000'].iloc[-1], 1)}), "
                    f"lägst {d.area(shown['area_id'].iloc[0])} ({fmt_num(shown['rate_per_1000'].iloc[0], 1)}).") \
            if len(shown) else ""
        d.figure("karta_omraden", (M.area_choropleth, inp.areas, at.set_index("area_id")["rate_per_1000"],
                                   f"Anmälda brott per 1 000 invånare {k.year}", sup),
                 f"Anmälda brott per 1 000 invånare per område, {k.year}. Klassgränserna följer naturliga brytpunkter "
                 f"i värdena; förklaringen visar hur många områden varje klass har. {KEY} Siffrorna: tabell C.1.",
                 "Karta över kommunens områden, skuggade i fem klasser efter anmälda brott per 1 000 invånare; mörkare "
                 "färg betyder fler brott per invånare." + extremes)
    gh = inp.grid_hotspots
    d.h(2, "Hotspots")
    if is_empty(gh):
        d.missing("om brottens koordinater (hotspots)")
    else:
        d.para("En hotspot är en ruta där rutan och dess grannar tillsammans har fler brott än slumpen kan förklara om "
               "årets brott hade fördelats jämnt över kommunen. Mörkare färg betyder säkrare slutsats. Rutor med "
               "färre brott än väntat visas ljusblå och streckade. Metoden beskrivs i bilaga A.")
        hot = gh[(gh["problem"] == "all") & gh["hotspot_class"].astype(str).isin(["hot_99", "hot_95"])]
        most = hot["area_id"].dropna()
        d.figure("karta_hotspots", (M.hotspot_map, inp.areas, gh, ["all"], inp.families),
                 f"Hotspots för alla anmälda brott, {k.year}. {KEY} Siffrorna: tabell C.2.",
                 f"Karta över kommunen där {len(hot)} rutor är hotspots med minst 95 % säkerhet för alla brott"
                 + (f", flest i {d.area(most.mode().iloc[0])}." if len(most) else "."))
        sub = [p for p in map_problems(d, "hotspots", gh) if p != "all"]
        if sub:
            d.figure("karta_hotspots_problem", (M.hotspot_map, inp.areas, gh, sub, inp.families),
                     f"Hotspots för {_names(d, sub)}, {k.year}. {KEY}",
                     f"Kartor, en per problemområde, med hotspots för {_names(d, sub)}.")
    eh = inp.emerging_hotspots
    d.h(2, "Nya och bestående hotspots")
    if is_empty(eh):
        d.missing("om brottens utveckling i tid och rum")
    else:
        d.para(f"Här följs varje ruta över perioden {period}: en ny hotspot har tillkommit de senaste perioderna, en "
               "bestående har varit hotspot nästan hela tiden och en avtagande håller på att försvinna.")
        sub = map_problems(d, "emerging", eh)
        if sub:
            d.figure("karta_emerging", (M.emerging_map, inp.areas, eh, sub, inp.families),
                     f"Hotspots över tid, {period}, för {_names(d, sub)}. {KEY} Siffrorna: tabell C.3.",
                     "Kartor där rutor är färgade efter mönster över tid: nya, bestående, återkommande eller "
                     f"avtagande hotspots, för {_names(d, sub)}.")
        cat = views.pattern_counts(eh, "all")
        if len(cat):
            cell = f"{fmt_int(inp.privacy.public_grid_m if d.public else views.cell_size(eh))} m"
            d.table(f"Antal rutor om {cell} per mönster, alla brott, {period}", ["Mönster", "Antal rutor"],
                    [[esc(M.EHS_SV.get(c, c)), d.num(n)] for c, n in cat.items()], "lr")
    kd = inp.kde
    d.h(2, "Brottstäthet")
    if is_empty(kd):
        d.missing("om brottstäthet")
    else:
        sub = map_problems(d, "kde", kd)
        d.para("Brottstätheten jämnar ut brottens platser till en yta: mörkare färg betyder fler brott per km² och år. "
               "Varje karta har sin egen skala.")
        if sub:
            d.figure("karta_kde", (M.kde_map, inp.areas, kd, sub, inp.families),
                     f"Brottstäthet, brott per km² och år, {k.year}, för {_names(d, sub)}. {KEY} Siffrorna: tabell C.4.",
                     f"Värmekartor över brottstätheten för {_names(d, sub)}; mörkare färg betyder fler brott per km².")
    c = inp.concentration
    if not is_empty(c):
        d.para("Tabellen visar hur stor del av brotten som sker i de mest belastade rutorna: ju större andel i få "
               "rutor, desto mer lönar det sig att rikta insatser till platser. Koncentrationsmåttet går från 0 "
               "(brotten jämnt spridda) till 1 (alla i en ruta).")
        rows = [[esc(d.label(r["problem"])), d.cnt(r, "n_incidents"), fmt_pct(r["top1_pct"], 0), fmt_pct(r["top5_pct"], 0),
                 fmt_pct(r["top10_pct"], 0), fmt_num(r["gini_generalised"], 2)] for _, r in c.iterrows()]
        d.table(f"Hur koncentrerade brotten är, {k.year}: andel av brotten i de 1, 5 och 10 % mest belastade rutorna",
                ["Problemområde", "Antal brott", "Topp 1 %", "Topp 5 %", "Topp 10 %", "Koncentrationsmått"], rows,
                "lrrrrr")
    if not is_empty(gh) and not d.public:  # the public grid's suppressed counts cannot give a curve
        sub = [p for p in ["all"] + d.top_problems(3) if (gh["problem"] == p).any()]
        d.figure("lorenz", (F.lorenz, gh, inp.families, sub),
                 f"Andel av brotten i de mest belastade rutorna, {k.year}.",
                 "Linjediagram där ju brantare kurvan stiger, desto mer koncentrerade är brotten till få rutor; kurvor för "
                 f"{_names(d, sub)}.")


# ---------------------------------------------------------------- appendix C: the maps' numbers
def _count_widths(n: int) -> str:
    """Columns of appendix C's count tables: problem and area wide, the number column narrow, and
    the ``n`` count columns sharing the rest so their long headers wrap instead of crowding out
    the names."""
    return "(1.6fr, auto, 1.4fr, " + ", ".join(["1fr"] * n) + ")"


def map_tables(d: Doc) -> None:
    """Tables C.1–C.4: the numbers behind each map, per area (appendix C)."""
    inp, k = d.inp, d.inp.kommun
    numbers = area_numbers(inp.areas) if not is_empty(inp.areas) else {}
    if not is_empty(inp.area_trends):
        at = _rates(d).dropna(subset=["rate_per_1000"])
        if len(at):
            bins, yb = M.classes(at["rate_per_1000"].astype(float))
            labels = M.class_labels(at["rate_per_1000"].astype(float), bins, yb)
            rows = [[str(numbers.get(a, "")), esc(d.area(a)), fmt_num(r, 1), esc(labels[c].split(" (")[0])]
                    for a, r, c in sorted(zip(at["area_id"], at["rate_per_1000"], yb), key=lambda x: -x[1])]
            d.table(f"C.1 Anmälda brott per 1 000 invånare per område, {k.year}",
                    ["Nr", "Område", "Per 1 000 inv.", "Kartans klass"], rows, "rlrl", numbered=False)
    gh = inp.grid_hotspots
    if not is_empty(gh) and "area_id" in gh.columns:
        probs = map_problems(d, "hotspots", gh)
        g = gh[gh["problem"].isin(probs)].assign(cls=gh["hotspot_class"].astype(str))
        g = g[g["cls"] != "not_significant"]
        if len(g):
            tab = g.assign(col=np.where(g["cls"].str.startswith("hot"), g["cls"], "cold")).groupby(
                ["problem", "area_id", "col"]).size().unstack(fill_value=0)
            cols = [c for c in ("hot_99", "hot_95", "hot_90", "cold") if c in tab.columns]
            rows = [[esc(d.label(p)), str(numbers.get(a, "")), esc(d.area(a))] + [d.num(r[c]) for c in cols]
                    for (p, a), r in tab.iterrows()]
            head = {"hot_99": "Hotspot 99 %", "hot_95": "Hotspot 95 %", "hot_90": "Hotspot 90 %", "cold": "Färre än väntat"}
            d.table(f"C.2 Rutor per område som är hotspots eller har färre brott än väntat, {k.year}",
                    ["Problemområde", "Nr", "Område"] + [head[c] for c in cols], rows, "lrl" + "r" * len(cols),
                    widths=_count_widths(len(cols)), numbered=False)
    eh = inp.emerging_hotspots
    if not is_empty(eh) and "area_id" in eh.columns:
        probs = map_problems(d, "emerging", eh)
        e = eh[eh["problem"].isin(probs) & (eh["ehs_category"].astype(str) != "no_pattern")]
        if len(e):
            group = {c: g for g, (cats, _, _) in M.EHS_GROUPS.items() for c in cats}
            e = e.assign(col=e["ehs_category"].astype(str).map(lambda c: group.get(c, 5)))
            tab = e.groupby(["problem", "area_id", "col"]).size().unstack(fill_value=0)
            names = {g: M.EHS_GROUPS[g][2].split(" (")[0] for g in M.EHS_GROUPS} | {5: "Färre än väntat"}
            cols = [c for c in (1, 2, 3, 4, 5) if c in tab.columns]
            rows = [[esc(d.label(p)), str(numbers.get(a, "")), esc(d.area(a))] + [d.num(r[c]) for c in cols]
                    for (p, a), r in tab.iterrows()]
            d.table(f"C.3 Rutor per område och mönster över tid, {k.first_year}–{k.year}",
                    ["Problemområde", "Nr", "Område"] + [names[c] for c in cols], rows, "lrl" + "r" * len(cols),
                    widths=_count_widths(len(cols)), numbered=False)
    kd, cells = inp.kde, gh
    if not is_empty(kd) and not is_empty(cells) and "area_id" in cells.columns:
        probs = map_problems(d, "kde", kd)
        area_of = cells.drop_duplicates("cell_id").set_index("cell_id")["area_id"]
        x = kd[kd["problem"].isin(probs)].assign(area_id=lambda f: f["cell_id"].map(area_of))
        x = x.dropna(subset=["area_id", "density_per_km2_year"])
        if len(x):
            tab = x.groupby(["problem", "area_id"])["density_per_km2_year"].max().reset_index()
            tab = tab[tab["density_per_km2_year"] >= 1].sort_values(["problem", "density_per_km2_year"], ascending=[True, False])
            rows = [[esc(d.label(r.problem)), str(numbers.get(r.area_id, "")), esc(d.area(r.area_id)),
                     fmt_num(r.density_per_km2_year, 1)] for r in tab.itertuples()]
            d.table(f"C.4 Högsta brottstäthet per område, brott per km² och år, {k.year}",
                    ["Problemområde", "Nr", "Område", "Högsta täthet"], rows, "lrlr", numbered=False)
