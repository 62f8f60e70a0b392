"""The national overview of a national run: a map of every kommun, the ranking of kommuner by
rate and by change with 95 % intervals, and a per-län summary, on Polisen's published crime
events (the one source every kommun has). Written to ``<out>/oversikt/``: riksoversikt.pdf,
riksoversikt.xlsx and the figures as PNG.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from statsmodels.stats.rates import confint_poisson

from pipeline import io
from pipeline.defaults import lan as lan_table
from pipeline.report.figures import ACCENT, DARK, GREY, SEQ_CMAP, STYLE, sv_formatter
from pipeline.report.markdown import escape as esc
from pipeline.stats.event_series import PER, covered_months, fit_event_trend
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

TOP = 25


def _rates(counts: pd.DataFrame, keys: pd.Series, population: pd.Series, months: pd.DataFrame,
           last_year: int) -> pd.DataFrame:
    """Per group: crime events in the covered part of ``last_year``, rate per 10 000 and year with
    the exact (Garwood) interval, and the trend (IRR per year) over the period."""
    cur = months[months["year"] == last_year]
    days = int(cur["days_covered"].sum())
    diy = 366 if pd.Timestamp(last_year, 12, 31).day_of_year == 366 else 365
    c = counts[(counts["problem"] == "all") & counts["month"].isin(months["month"])].copy()
    c["group"] = c["kommun_code"].map(keys)
    per_month = c.groupby(["group", "month"])["n_events"].sum()
    pop = population.groupby(keys).sum()
    rows = []
    for g, p in pop.items():
        series = per_month.loc[g] if g in per_month.index.get_level_values(0) else pd.Series(dtype="int64")
        m = months.assign(n_events=series.reindex(months["month"]).fillna(0).astype("int64").to_numpy(), population=p)
        n = int(m.loc[m["year"] == last_year, "n_events"].sum())
        exposure = p * days / diy / PER
        lo, hi = confint_poisson(n, exposure, method="exact-c")
        fit = fit_event_trend(m, [])
        rows.append({"group": g, "population": int(p), "n_events": n, "rate_per_10000": n / exposure,
                     "rate_low": float(lo), "rate_high": float(hi), "irr": fit["irr"], "irr_low": fit["irr_low"],
                     "irr_high": fit["irr_high"], "irr_p": fit["irr_p"], "trend_note": fit["trend_note"]})
    return pd.DataFrame(rows)


def national_tables(register: pd.DataFrame, counts: pd.DataFrame, coverage, year: int, years_back: int):
    """(kommuner, län) tables of the overview; ranks by rate and by change (1 = highest)."""
    from pipeline.stats.fdr import benjamini_hochberg

    months = covered_months(coverage, year - years_back + 1, year)
    last_year = int(months["year"].max())
    reg = register.set_index("kommun_code")
    k = _rates(counts, pd.Series(reg.index, index=reg.index), reg["population"], months, last_year)
    k = k.rename(columns={"group": "kommun_code"}).merge(
        reg[["kommun_name", "lan_code", "type_label_sv"]].reset_index(), on="kommun_code")
    k["irr_q"] = benjamini_hochberg(k["irr_p"].to_numpy(dtype=float), 0.05)[0]
    k["trend"] = np.where((k["irr_q"] < 0.05) & (k["irr"] > 1), "rising",
                          np.where((k["irr_q"] < 0.05) & (k["irr"] < 1), "falling", "stable"))
    k["rank_rate"] = k["rate_per_10000"].rank(ascending=False, method="min").astype(int)
    k["rank_change"] = k["irr"].rank(ascending=False, method="min").astype("Int64")
    lan_names = lan_table()
    lan_names = dict(zip(lan_names["lan_code"], lan_names["lan_name"]))
    lan = _rates(counts, reg["lan_code"], reg["population"], months, last_year).rename(columns={"group": "lan_code"})
    lan.insert(1, "lan_name", lan["lan_code"].map(lan_names))
    lan["n_kommuner"] = lan["lan_code"].map(reg["lan_code"].value_counts())
    k["year"] = lan["year"] = last_year
    return k.sort_values("rank_rate").reset_index(drop=True), lan.sort_values("rate_per_10000", ascending=False)


def map_figure(boundaries: gpd.GeoDataFrame, kommuner: pd.DataFrame) -> Figure:
    """Every kommun shaded by its crime-event rate (quintiles), län borders drawn thicker."""
    with mpl.rc_context(STYLE):
        g = boundaries.to_crs("EPSG:3006").merge(kommuner[["kommun_code", "rate_per_10000", "lan_code"]],
                                                 on="kommun_code", how="left")
        fig = Figure(figsize=(4.2, 8.2), layout="constrained")
        ax = fig.subplots()
        edges = np.unique(np.nanquantile(g["rate_per_10000"], np.linspace(0, 1, 6)))
        norm = mpl.colors.BoundaryNorm(edges, 256)
        g.plot(column="rate_per_10000", ax=ax, cmap=SEQ_CMAP, norm=norm, edgecolor="white", linewidth=0.15,
               missing_kwds={"color": "#dddddd"})
        cb = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=SEQ_CMAP), ax=ax, shrink=0.35, location="left")
        cb.set_label("Per 10 000 inv. (kvintiler)", fontsize=6)
        cb.ax.tick_params(labelsize=6)
        cb.ax.yaxis.set_major_formatter(sv_formatter(1))
        g.dissolve("lan_code").boundary.plot(ax=ax, color=DARK, linewidth=0.5)
        ax.set_axis_off()
        ax.set_title("Händelser om brott per 10 000 inv.", fontsize=8)
        return fig


def ranking_figure(kommuner: pd.DataFrame, col: str, low: str, high: str, label: str, scale: float = 1.0,
                   shift: float = 0.0) -> Figure:
    """The top kommuner by ``col`` with their 95 % intervals, the country's median as a line."""
    with mpl.rc_context(STYLE):
        d = kommuner.dropna(subset=[col]).sort_values(col, ascending=False).head(TOP)[::-1]
        fig = Figure(figsize=(6.5, 0.2 * len(d) + 1.0), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(d))
        v = (d[col] - shift) * scale
        ax.hlines(y, (d[low] - shift) * scale, (d[high] - shift) * scale, color=GREY, lw=1)
        ax.plot(v, y, "o", color=DARK, ms=3.5)
        ax.axvline((kommuner[col].median() - shift) * scale, color=ACCENT, ls="--", lw=1)
        ax.set_yticks(y, d["kommun_name"], fontsize=7)
        ax.set_xlabel(label)
        ax.xaxis.set_major_formatter(sv_formatter(0 if scale != 1 else 1))
        return fig


def failures_markup(status: pd.DataFrame) -> str:
    """The kommuner that could not be run, one Typst list item each with its reason ("Inga."
    when none failed). A reason is free text (paths, "<NA>", "*", "#"): escaped, never markup."""
    failed = status[status["status"] == "failed"] if len(status) else status
    if not len(failed):
        return "Inga.\n"
    return "".join(f"- {esc(f'{r.kommun_code} {r.kommun_name}: {r.reason}')}\n" for r in failed.itertuples())


def write_overview(out: Path, register: pd.DataFrame, counts_path: Path, coverage_path: Path, boundaries_path: Path,
                   year: int, years_back: int, status: pd.DataFrame) -> Path:
    """riksoversikt.pdf, riksoversikt.xlsx and the figures under ``out/oversikt``."""
    from pipeline.ingest.police_events import coverage_span
    from pipeline.report.render import compile_source

    over = Path(out) / "oversikt"
    over.mkdir(parents=True, exist_ok=True)
    coverage = coverage_span(io.read_frame(Path(coverage_path)))
    kommuner, lan = national_tables(register, io.read_frame(Path(counts_path)), coverage, year, years_back)
    boundaries = gpd.read_parquet(boundaries_path)
    figs = {"karta.png": map_figure(boundaries, kommuner),
            "rang_takt.png": ranking_figure(kommuner, "rate_per_10000", "rate_low", "rate_high",
                                            "Händelser om brott per 10 000 invånare och år (95 % intervall)"),
            "rang_forandring.png": ranking_figure(kommuner, "irr", "irr_low", "irr_high",
                                                  "Förändring per år, % (95 % intervall)", 100.0, 1.0)}
    with mpl.rc_context(STYLE):
        for name, fig in figs.items():
            fig.savefig(over / name, dpi=200)
    # io.write_workbook: frozen header, and text cells (a failing kommun's reason) inert in Excel
    io.write_workbook([io.Sheet("Kommuner", kommuner), io.Sheet("Län", lan), io.Sheet("Körning", status)],
                      over / "riksoversikt.xlsx")
    last = int(kommuner["year"].iloc[0])
    lan_rows = ",\n  ".join(
        f'[{esc(r.lan_name)}], [{r.n_kommuner}], [{fmt_int(r.n_events)}], [{fmt_num(r.rate_per_10000, 1)} '
        f'({fmt_num(r.rate_low, 1)}–{fmt_num(r.rate_high, 1)})], '
        f'[{fmt_pct(100 * (r.irr - 1), 0, signed=True) if pd.notna(r.irr) else "–"}]' for r in lan.itertuples())
    sv = {"done": "klara", "skipped": "oförändrade sedan förra körningen", "failed": "misslyckade"}
    done = status["status"].map(sv).value_counts().to_dict() if len(status) else {}
    fail_txt = failures_markup(status)
    src = f"""#set document(title: "Riksöversikt {year}")
#set text(lang: "sv", size: 10pt)
#set page(paper: "a4", margin: 2cm, numbering: "1")
= Riksöversikt {year}: Polisens händelser om brott i Sveriges kommuner
Underlaget täcker {coverage[0]:%Y-%m-%d} – {coverage[1]:%Y-%m-%d}. Takten gäller {last} (den täckta delen, uppräknad till helt år);
förändringen är trenden per år över perioden (negativ binomialregression, Benjamini–Hochberg över kommunerna).
Körningen: {", ".join(f"{v} {k}" for k, v in done.items())} av {len(status)} kommuner.

#figure(image("karta.png", width: 62%, alt: "Karta över Sveriges kommuner skuggade efter händelser om brott per 10 000 invånare."), caption: [Händelser om brott per 10 000 invånare {last}, kvintiler; tjockare linjer: länsgränser.])
#pagebreak()
#figure(image("rang_takt.png", width: 100%, alt: "De {TOP} kommuner med högst takt, med 95 % intervall."), caption: [De {TOP} kommunerna med högst takt; streckad linje: medianen för alla kommuner.])
#figure(image("rang_forandring.png", width: 100%, alt: "De {TOP} kommuner med störst ökning per år, med 95 % intervall."), caption: [De {TOP} kommunerna med störst ökning per år; streckad linje: medianen.])
#pagebreak()
== Per län
#table(columns: (2fr, auto, auto, 1.4fr, auto), [*Län*], [*Kommuner*], [*Händelser {last}*], [*Per 10 000 inv. (95 % KI)*], [*Förändring/år*],
  {lan_rows},
)
== Kommuner som inte kunde köras
{fail_txt}
Alla tal per kommun finns i riksoversikt.xlsx (bladen Kommuner, Län och Körning).
"""
    compile_source(src, {}, over, over / "riksoversikt.pdf", pd.Timestamp(year, 12, 31).date())
    return over / "riksoversikt.pdf"
