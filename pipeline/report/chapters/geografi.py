"""Geografisk fördelning: Maps: rate per area, Gi* hot spots, emerging hot spots, density, concentration."""

from __future__ import annotations

import pandas as pd

from pipeline.report import figures as F
from pipeline.report import maps as M
from pipeline.report import views
from pipeline.report.doc import Doc
from pipeline.report.inputs import is_empty
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TITLE = "Geografisk fördelning"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    if is_empty(inp.areas):
        d.missing("om områdesgränser")
        return
    if d.public:
        d.notice(f"Publik version: kartorna visar rutor om {fmt_int(inp.privacy.public_grid_m)} m, inte exakta platser. "
                 "En ruta får den starkaste klassen bland de finare rutor den består av.")
    t = inp.area_trends
    if not is_empty(t):
        at = t[(t["problem"] == "all") & (t["area_id"] != "kommun")]
        sup = set(at.loc[at.get("n_year_suppressed", pd.Series(False, index=at.index)).fillna(False).astype(bool), "area_id"])
        d.figure("karta_omraden", (M.area_choropleth, inp.areas, at.set_index("area_id")["rate_per_1000"],
                                                    f"Anmälda brott per 1 000 invånare {k.year}", sup),
                 f"Anmälda brott per 1 000 invånare per område, {k.year}. Klasserna har lika många områden vardera.",
                 "Karta över kommunens områden skuggade efter antal anmälda brott per 1 000 invånare; mörkare färg betyder "
                 "fler brott per invånare.")
    probs = ["all"] + d.top_problems(3)
    gh = inp.grid_hotspots
    d.h(2, "Hot spots")
    if is_empty(gh):
        d.missing("om brottens koordinater (hot spot-analys)")
    else:
        d.para("En hot spot är en ruta där rutan och dess grannar tillsammans har betydligt fler brott än kommunens "
               "genomsnitt (Getis–Ord Gi*). Mörkare färg betyder högre statistisk säkerhet.")
        n_hot = gh[(gh["problem"] == "all") & gh["hotspot_class"].astype(str).str.startswith("hot")]
        d.figure("karta_hotspots", (M.hotspot_map, inp.areas, gh, ["all"], inp.families),
                 f"Hot spots för alla anmälda brott {k.year} (Getis–Ord Gi*, Benjamini–Hochberg-korrigerat).",
                 f"Karta över kommunen med {len(n_hot)} rutor markerade som hot spots för alla brott"
                 + (f", flest i {d.area(n_hot['area_id'].mode().iloc[0])}." if len(n_hot) and n_hot['area_id'].notna().any() else "."))
        sub = [p for p in probs[1:] if (gh["problem"] == p).any()]
        if sub:
            d.figure("karta_hotspots_problem", (M.hotspot_map, inp.areas, gh, sub, inp.families),
                     "Hot spots för de prioriterade problemområdena.",
                     "Kartor i rutnät med hot spots för " + ", ".join(d.label(p).lower() for p in sub) + ".")
    eh = inp.emerging_hotspots
    d.h(2, "Nya och bestående hot spots")
    if is_empty(eh):
        d.missing("om brottens utveckling i tid och rum (emerging hot spots)")
    else:
        d.para("Analysen av framväxande hot spots följer varje ruta över tid: nya hot spots har tillkommit under den "
               "senaste perioden, bestående har varit hot spots nästan hela tiden och avtagande håller på att försvinna.")
        sub = [p for p in probs if (eh["problem"] == p).any()]
        d.figure("karta_emerging", (M.emerging_map, inp.areas, eh, sub, inp.families),
                 "Framväxande hot spots (emerging hot spot analysis) för alla brott och de prioriterade problemområdena.",
                 "Kartor över kommunen där rutor är färgade efter mönster över tid: nya, bestående, sporadiska eller "
                 "avtagande hot spots, för " + ", ".join(d.label(p).lower() for p in sub) + ".")
        cat = eh[eh["problem"] == "all"]["ehs_category"].astype(str).value_counts()
        cat = cat[cat.index != "no_pattern"]
        if len(cat):
            cell = f"{fmt_int(inp.privacy.public_grid_m if d.public else views.cell_size(eh))} m"
            d.table(f"Antal rutor om {cell} per mönster, alla brott", ["Mönster", "Antal rutor"],
                    [[esc(M.EHS_SV.get(c, c)), d.num(n)] for c, n in cat.items()], "lr")
    kd = inp.kde
    d.h(2, "Brottstäthet")
    if is_empty(kd):
        d.missing("om brottstäthet (kärnskattning)")
    else:
        sub = [p for p in probs if (kd["problem"] == p).any()]
        d.figure("karta_kde", (M.kde_map, inp.areas, kd, sub, inp.families),
                 "Brottstäthet (kärnskattning), brott per km² och år.",
                 "Värmekartor över brottstätheten för " + ", ".join(d.label(p).lower() for p in sub)
                 + "; mörkare färg betyder fler brott per km².")
    c = inp.concentration
    if not is_empty(c):
        rows = [[esc(d.label(r["problem"])), d.cnt(r, "n_incidents"), fmt_pct(r["top1_pct"], 0), fmt_pct(r["top5_pct"], 0),
                 fmt_pct(r["top10_pct"], 0), fmt_num(r["gini_generalised"], 2)] for _, r in c.iterrows()]
        d.table("Hur koncentrerad brottsligheten är: andel av brotten i de 1, 5 och 10 % mest belastade rutorna",
                ["Problemområde", "Antal brott", "Topp 1 %", "Topp 5 %", "Topp 10 %", "Gini"], rows, "lrrrrr")
    if not is_empty(gh) and not d.public:  # the public grid's suppressed counts cannot give a curve
        sub = [p for p in probs if (gh["problem"] == p).any()]
        d.figure("lorenz", (F.lorenz, gh, inp.families, sub),
                 "Koncentrationskurvor: andel av brotten i de mest belastade rutorna (Lorenzkurvan läst från den "
                 "mest belastade änden).",
                 "Linjediagram där ju brantare kurvan stiger, desto mer koncentrerade är brotten till få rutor; kurvor för "
                 + ", ".join(d.label(p).lower() for p in sub) + ".")
