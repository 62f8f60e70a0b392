"""Jämförelse: the kommun beside its län, kommuner of the same type and the country, on
Polisen's published crime events (rates with exact intervals, rate ratios, trends)."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pipeline.report.doc import Doc
from pipeline.report.figures import ACCENT, DARK, GREY, STYLE, _fig, sv_formatter
from pipeline.report.inputs import is_empty
from pipeline.report.labels_sv import TREND_SV
from pipeline.report.markdown import escape as esc
from pipeline.text.format_sv import fmt_num, fmt_pct

TITLE = "Jämförelse"
UNIT_SV = {"kommun": "Kommunen", "lan": "Länet", "typ": "Liknande kommuner", "riket": "Riket"}
MAX_PROBLEMS = 6


def comparison_chart(cmp: pd.DataFrame, families, problems: list[str]) -> Figure:
    """One row per problem: the kommun's rate per 10,000 and year and each group's, with 95 %
    intervals (exact Poisson); the kommun is dark, the groups grey markers of different shape."""
    with mpl.rc_context(STYLE):
        fig, ax = _fig(0.55 * len(problems) + 1.1)
        markers = {"kommun": ("o", DARK, 5.0), "lan": ("s", GREY, 4.0), "typ": ("D", ACCENT, 4.0),
                   "riket": ("^", "#555555", 4.5)}
        offsets = {"kommun": -0.24, "lan": -0.08, "typ": 0.08, "riket": 0.24}
        for i, p in enumerate(problems):
            for unit, (mk, col, ms) in markers.items():
                r = cmp[(cmp["problem"] == p) & (cmp["unit"] == unit)]
                if not len(r):
                    continue
                r = r.iloc[0]
                y = i + offsets[unit]
                ax.plot([r["rate_low"], r["rate_high"]], [y, y], color=col, lw=1.0)
                ax.plot(r["rate_per_10000"], y, mk, color=col, ms=ms, label=UNIT_SV[unit] if i == 0 else None)
        ax.set_yticks(range(len(problems)), ["Alla brottshändelser" if p == "all" else families.label_sv(p)
                                             for p in problems])
        ax.invert_yaxis()
        ax.set_xlabel("Polisens händelser om brott per 10 000 invånare och år (95 % intervall)")
        ax.xaxis.set_major_formatter(sv_formatter(1))
        ax.set_xlim(left=0)
        fig.legend(loc="outside lower center", ncol=4, fontsize=7)
        return fig


def _rate(r) -> str:
    return f"{fmt_num(r['rate_per_10000'], 1)} ({fmt_num(r['rate_low'], 1)}–{fmt_num(r['rate_high'], 1)})"


def _rr(r) -> str:
    if pd.isna(r["rate_ratio"]):
        return "–"
    star = "*" if r["rr_p"] < 0.05 else ""
    return f"{fmt_num(r['rate_ratio'], 2)}{star} ({fmt_num(r['rr_low'], 2)}–{fmt_num(r['rr_high'], 2)})"


def _trend(r) -> str:
    if pd.isna(r["irr"]):
        return "–"
    return f"{TREND_SV.get(r['trend'], '–')}, {fmt_pct(100 * (r['irr'] - 1), 0, signed=True)}/år"


def build(d: Doc) -> None:
    inp, k = d.inp, d.inp.kommun
    cmp = inp.event_comparison
    if is_empty(cmp):
        d.missing("för jämförelse med andra kommuner (Polisens händelser för hela landet och kommunregistret)")
        if not d.public:  # guidance for the author, never a file path, never in the public version
            d.para("Att göra: ange de två underlagen i lägesbildens inställningar, avsnittet för jämförelse "
                   "(comparison), och kör lägesbilden igen.")
        return
    units = cmp.drop_duplicates("unit").set_index("unit")
    year, days = int(cmp["year"].iloc[0]), int(cmp["days_covered"].iloc[0])
    part = f" ({days} dagar som underlaget täcker, uppräknat till helt år)" if days < 365 else ""
    d.para(f"{k.name} jämförs här med övriga kommuner i länet, med kommuner av samma typ och med övriga riket, på "
           f"Polisens publicerade händelser om brott per 10 000 invånare {year}{part}. Kommunen själv ingår inte i "
           "grupperna, så att skillnaden kan prövas. Kommuntypen bygger på folkmängd och befolkningstäthet "
           "(Sveriges Kommuner och Regioners kommungruppsindelning finns inte som öppen datafil): "
           f"{k.name} hör till gruppen {esc(units.loc['typ', 'unit_label'])}.")
    d.para("Händelserna är ett urval som Polisen publicerar, inte alla anmälda brott; urvalet kan skilja sig mellan "
           "polisregioner. Jämförelsen visar därför nivåer och riktning, inte exakta skillnader i brottslighet.")
    order = (cmp[cmp["unit"] == "kommun"].assign(_o=lambda f: f["problem"].ne("all"))
             .sort_values(["_o", "n_events"], ascending=[True, False], kind="stable"))
    problems = list(order["problem"])[:MAX_PROBLEMS]
    d.figure("jamforelse", (comparison_chart, cmp, inp.families, problems),
             f"Polisens händelser om brott per 10 000 invånare {year}: {k.name}, övriga länet, liknande kommuner och "
             "övriga riket, med 95 % intervall.",
             f"Punktdiagram med intervall för {k.name} och tre jämförelsegrupper per problemområde. "
             + " ".join(f"{'Alla brottshändelser' if p == 'all' else d.label(p)}: {k.name} "
                        f"{fmt_num(order.set_index('problem').loc[p, 'rate_per_10000'], 1)} per 10 000."
                        for p in problems[:3]))
    rows = []
    for p in order["problem"]:
        g = cmp[cmp["problem"] == p].set_index("unit")
        label = "Alla brottshändelser" if p == "all" else d.label(p)
        rows.append([esc(label)] + [esc(_rate(g.loc[u])) for u in ("kommun", "lan", "typ", "riket")] + [
                     esc(_rr(g.loc["typ"])), esc(_rr(g.loc["riket"]))])
    d.table(f"Händelser om brott per 10 000 invånare {year} (95 % intervall) och kvot mot jämförelsegrupperna",
            ["Problemområde", k.name, "Länet", "Liknande", "Riket", "Kvot mot liknande", "Kvot mot riket"], rows,
            "lrrrrrr", widths="(1.5fr, 1.25fr, 1.2fr, 1.2fr, 1.2fr, 1.45fr, 1.45fr)")
    rows = []
    for p in order["problem"]:
        g = cmp[cmp["problem"] == p].set_index("unit")
        rows.append([esc("Alla brottshändelser" if p == "all" else d.label(p))] + [esc(_trend(g.loc[u])) for u in UNIT_SV])
    d.table("Trend per år i händelserna över perioden, kommunen och jämförelsegrupperna", ["Problemområde"]
            + list(UNIT_SV.values()), rows, "lllll")
    br = cmp["break_ids"].iloc[0]
    d.para("Intervall: exakta Poisson-intervall (Garwood). Kvot: kommunens takt delad med gruppens; * betyder att "
           "skillnaden är signifikant i det exakta villkorliga testet (p < 0,05), intervallet är exakt "
           "(Clopper–Pearson). Trend: negativ binomialregression på månadsantal med folkmängd som exponering"
           + (" och en nivåförändring vid brottet i källan" if br else "") + " (se Metod och källor). "
           f"Gruppernas storlek: {esc(units.loc['lan', 'unit_label'])}; {esc(units.loc['riket', 'unit_label'])}. "
           f"Alla tal finns {d.appendix('Jämförelse')}.")
