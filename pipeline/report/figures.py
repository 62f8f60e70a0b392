"""Charts for the lägesbild: each function takes frames and returns a matplotlib Figure.

Nothing is saved here (render.py does that). Figures are built with ``matplotlib.figure.Figure``
directly, not pyplot, so no global state is touched. Labels are Swedish and numbers use Swedish
formatting (thin space between thousands, decimal comma, ``−`` for minus). Colours are chosen to
stay apart in greyscale print: two-series charts pair a dark and a light colour (plus hatching),
heat maps use sequential colour maps whose lightness changes monotonically.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.patheffects as pe
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, MaxNLocator

from pipeline.report.labels_sv import INDICATOR_SV  # also read as F.INDICATOR_SV by the chapters
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct

WIDTH_IN = 6.5  # A4 text width with 2.2 cm margins
RASTER_DPI = 200  # the resolution of what a figure holds as pixels (:func:`pipeline.report.svg.svg_bytes`)
DARK, LIGHT, GREY, ACCENT = "#1f3f66", "#a9c4e2", "#7f7f7f", "#b2182b"
SEQ_CMAP = "YlOrRd"  # lightness falls monotonically from yellow to dark red
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 9.5, "axes.labelsize": 8.5,
    "axes.spines.top": False, "axes.spines.right": False, "axes.titleweight": "bold",
    "axes.titlelocation": "left", "legend.frameon": False, "svg.fonttype": "none",
    "svg.hashsalt": "lagesbild", "hatch.linewidth": 0.6,
}


class Halo(pe.withStroke):
    """A white outline around a text so that it reads on any map colour (a path effect).

    On a raster canvas (a notebook's inline image) matplotlib draws it as a path effect, which
    turns the text into glyph outlines. :func:`pipeline.report.svg.svg_bytes` writes a one-line
    text with a halo as SVG text instead, stroked under its fill (``paint-order: stroke``): the
    same look, and the text stays text (searchable in the PDF, a tenth of the bytes).
    """

    def __init__(self, linewidth: float = 2.0, foreground: str = "white"):
        super().__init__(linewidth=linewidth, foreground=foreground)
        self.linewidth, self.foreground = linewidth, foreground


HALO = [Halo()]
MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december")
MONTHS_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


class SwedishTicks(Formatter):
    """Axis numbers written with :func:`pipeline.text.format_sv.fmt_num` (``decimals``, then
    ``suffix``). An axis gets as many more decimals as it takes (up to three) for its ticks to
    read apart and, where they are evenly spaced, for the step to be written exactly: ticks
    0.5 apart on a count axis read "0 0 1 1 2" with none, ticks 0.25 apart "0,0 0,3 0,5 0,8"
    with one."""

    def __init__(self, decimals: int = 0, suffix: str = ""):
        self.decimals, self.suffix = decimals, suffix

    def __call__(self, x, pos=None) -> str:
        return fmt_num(x, self.decimals) + self.suffix

    def format_ticks(self, values) -> list[str]:
        steps = np.diff(np.asarray(values, dtype=float))
        step = float(steps[0]) if len(steps) > 1 and np.allclose(steps, steps[0], rtol=1e-6) else None
        for decimals in range(self.decimals, self.decimals + 4):
            labels = [fmt_num(v, decimals) + self.suffix for v in values]
            exact = step is None or abs(round(step, decimals) - step) <= 1e-9 * abs(step)
            if exact and len(set(labels)) == len(labels):
                break
        return labels


def sv_formatter(decimals: int = 0, suffix: str = "") -> SwedishTicks:
    """A tick formatter that writes axis numbers the Swedish way (:class:`SwedishTicks`)."""
    return SwedishTicks(decimals, suffix)


def problem_label(problem: str, families) -> str:
    """Swedish label of a problem family id (also "all" and "harm")."""
    return families.label_sv(problem)


def _fig(height_in: float, ncols: int = 1, nrows: int = 1, **kw):
    """A chart's figure and axes, laid out by constrained layout. Titles stay at the top of
    their axes (``axes.titley`` fixed): these charts have no ticks or labels above the axes,
    so matplotlib's search for them before every draw would not move a title."""
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    with mpl.rc_context({"axes.titley": 1.0}):
        axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


# ---------------------------------------------------------------- crime
def category_counts(area_trends: pd.DataFrame, families) -> Figure:
    """Kommun totals per problem family: report year beside the year before (horizontal bars)."""
    with mpl.rc_context(STYLE):
        k = area_trends[(area_trends["area_id"] == "kommun") & (area_trends["problem"] != "all")]
        k = k.sort_values("n_year")
        labels = [problem_label(p, families) for p in k["problem"]]
        y = np.arange(len(k))
        fig, ax = _fig(0.32 * len(k) + 1.0)
        ax.barh(y + 0.2, k["n_prev"].astype(float), 0.4, color=LIGHT, hatch="////", edgecolor="white",
                label="Föregående år")
        ax.barh(y - 0.2, k["n_year"].astype(float), 0.4, color=DARK, label="Rapportåret")
        ax.set_yticks(y, labels)
        # matplotlib's own choice of ticks, whole numbers only: a small kommun's counts are not
        # marked 2,5 apart
        ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.xaxis.set_major_formatter(sv_formatter())
        ax.set_xlabel("Antal anmälda brott")
        ax.legend(loc="lower right")
        for yi, n in zip(y, k["n_year"]):
            ax.annotate(fmt_int(n), (float(n) if pd.notna(n) else 0, yi - 0.2), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=7)
        return fig


def yearly_trend(area_year_counts: pd.DataFrame, families, problems: list[str]) -> Figure:
    """Left: all crime in the kommun per year (bars, rate per 1 000 above). Right: the given
    problem families per year as an index (first year = 100) on an axis from 0, so a change of
    a few percent looks like what it is; lines differ in style and marker and are named in a
    legend under the panel (lines that all end near 100 leave no room for labels at their ends)."""
    with mpl.rc_context(STYLE):
        k = area_year_counts[area_year_counts["area_id"] == "kommun"]
        fig, (a1, a2) = _fig(3.2 + 0.16 * len(problems), ncols=2)
        tot = k[k["problem"] == "all"].sort_values("year")
        years = tot["year"].astype(int)
        a1.bar(years, tot["n_incidents"].astype(float), color=DARK, width=0.6)
        for yr, n, r in zip(tot["year"], tot["n_incidents"], tot["rate_per_1000"]):
            a1.text(int(yr), float(n), fmt_num(r, 1), ha="center", va="bottom", fontsize=7)
        first = int(years.min()) if len(years) else 0
        a1.set_title("Alla anmälda brott per år")
        a1.yaxis.set_major_formatter(sv_formatter())
        a1.xaxis.set_major_locator(MaxNLocator(integer=True))
        a1.set_ylim(0, float(tot["n_incidents"].max() or 1) * 1.15)
        a1.set_xlabel("Siffran över stapeln: brott per 1 000 invånare", fontsize=7)
        markers = "osD^vP*X"
        styles = ["-", "--", ":", "-."]
        top = 100.0
        for i, p in enumerate(problems):
            s = k[k["problem"] == p].sort_values("year")
            if s.empty or not s["n_incidents"].iloc[0]:
                continue
            idx = 100 * s["n_incidents"].astype(float) / float(s["n_incidents"].iloc[0])
            a2.plot(s["year"].astype(int), idx, marker=markers[i % 8], linestyle=styles[i % 4], ms=3.5,
                    color=mpl.colormaps["Greys"](0.45 + 0.5 * i / max(len(problems) - 1, 1)),
                    label=problem_label(p, families))
            top = max(top, float(idx.max()))
        a2.axhline(100, color=GREY, lw=0.6)
        a2.set_title(f"Problemområden, index ({first} = 100)")
        a2.set_xticks(sorted(years.unique()))
        a2.yaxis.set_major_formatter(sv_formatter())
        a2.set_ylim(0, top * 1.15)  # from zero: no cut axis that makes small changes look large
        if a2.get_legend_handles_labels()[0]:
            a2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1, fontsize=7, frameon=False)
        return fig


def area_rates(area_trends: pd.DataFrame, area_names: dict[str, str], problem: str = "all") -> Figure:
    """Anmälda brott per 1 000 invånare per område, sorted, with the kommun rate as a line.
    Areas with a significantly rising (▲) or falling (▼) trend are marked."""
    with mpl.rc_context(STYLE):
        t = area_trends[area_trends["problem"] == problem]
        kommun_rate = t.loc[t["area_id"] == "kommun", "rate_per_1000"]
        t = t[t["area_id"] != "kommun"].dropna(subset=["rate_per_1000"]).sort_values("rate_per_1000")
        fig, ax = _fig(0.16 * len(t) + 0.9)
        y = np.arange(len(t))
        ax.barh(y, t["rate_per_1000"].astype(float), color=DARK, height=0.65)
        arrows = {"rising": " ▲", "falling": " ▼"}
        ax.set_yticks(y, [area_names.get(a, a) + arrows.get(tr, "") for a, tr in zip(t["area_id"], t["trend"])])
        if len(kommun_rate) and pd.notna(kommun_rate.iloc[0]):
            kr = float(kommun_rate.iloc[0])
            ax.axvline(kr, color=ACCENT, lw=1.2, ls="--")
            ax.text(kr, len(t) - 0.3, f" kommunen {fmt_num(kr, 1)}", color=ACCENT, fontsize=7, va="bottom")
        ax.set_xlabel("Anmälda brott per 1 000 invånare (rapportåret)")
        ax.xaxis.set_major_formatter(sv_formatter())
        ax.set_ylim(-0.7, len(t) + 0.3)
        return fig


def harm_vs_count(area_trends: pd.DataFrame, families) -> Figure:
    """Each family's share of all reported crime beside its share of all harm (days), kommun."""
    with mpl.rc_context(STYLE):
        k = area_trends[(area_trends["area_id"] == "kommun") & (area_trends["problem"] != "all")].copy()
        k["count_share"] = 100 * k["n_year"] / k["n_year"].sum()
        k["harm_share"] = 100 * k["harm_days_year"] / k["harm_days_year"].sum()
        k = k.sort_values("harm_share")
        y = np.arange(len(k))
        fig, ax = _fig(0.32 * len(k) + 1.0)
        ax.barh(y + 0.2, k["count_share"], 0.4, color=LIGHT, hatch="////", edgecolor="white",
                label="Andel av antalet brott")
        ax.barh(y - 0.2, k["harm_share"], 0.4, color=DARK, label="Andel av skadevärdet (dagar)")
        ax.set_yticks(y, [problem_label(p, families) for p in k["problem"]])
        ax.xaxis.set_major_formatter(sv_formatter(0, " %"))
        ax.set_xlabel("Andel av kommunens totala (rapportåret)")
        ax.legend(loc="lower right")
        return fig


# ---------------------------------------------------------------- time
def month_profile_chart(month_profile: pd.DataFrame) -> Figure:
    """All crime: mean number per calendar month over the years covered."""
    with mpl.rc_context(STYLE):
        m = month_profile[month_profile["problem"] == "all"].set_index("month").reindex(range(1, 13))
        fig, ax = _fig(2.3)
        ax.bar(range(1, 13), m["mean_per_year"].astype(float), color=DARK, width=0.7)
        ax.set_xticks(range(1, 13), MONTHS_SHORT)
        ax.yaxis.set_major_formatter(sv_formatter())
        ax.set_ylabel("Brott per månad (medel per år)")
        return fig


def hour_weekday_chart(hour_weekday: pd.DataFrame, problem: str = "all", period: str = "") -> Figure:
    """Heat map of reported crime by weekday (rows) and hour (columns) in ``period`` (the title
    states it)."""
    with mpl.rc_context(STYLE):
        h = hour_weekday[hour_weekday["problem"] == problem]
        full = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
        grid = (h.groupby(["weekday", "hour"])["n_incidents"].sum(min_count=1)
                .reindex(full, fill_value=0).unstack().to_numpy(float))
        grid = np.ma.masked_invalid(grid)  # suppressed cells (public version) stay white
        fig, ax = _fig(2.4)
        im = ax.imshow(grid, aspect="auto", cmap=SEQ_CMAP, interpolation="nearest")
        ax.set_yticks(range(7), [d.capitalize() for d in WEEKDAYS_SV])
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_xlabel("Timme på dygnet")
        if period:
            ax.set_title(f"Anmälda brott per veckodag och timme, {period}")
        cb = fig.colorbar(im, ax=ax, shrink=0.9)
        cb.set_label("Antal brott")
        cb.formatter = sv_formatter()
        cb.update_ticks()
        return fig


def arshjul(month_profile: pd.DataFrame, families, problems: list[str]) -> Figure:
    """Årshjul: a ring per problem family (numbered from the centre, the key beside), a sector
    per month, shaded by the month's level relative to the family's own monthly mean
    (index 100 = an average month; sequential colour map: darker = more than usual)."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN, 4.0), layout="constrained")
        gs = fig.add_gridspec(1, 2, width_ratios=[2.3, 1])
        ax = fig.add_subplot(gs[0], projection="polar")
        kax = fig.add_subplot(gs[1])
        kax.set_axis_off()
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        cmap, norm = mpl.colormaps[SEQ_CMAP], mpl.colors.Normalize(50, 150)
        gap = np.deg2rad(24)  # a gap at the top for the ring numbers
        width = (2 * np.pi - gap) / 12
        theta = gap / 2 + np.arange(12) * width
        key = []
        for ring, p in enumerate(problems):
            m = month_profile[month_profile["problem"] == p].set_index("month").reindex(range(1, 13))
            v = m["mean_per_year"].astype(float).to_numpy()
            mean = np.nanmean(v) if np.isfinite(v).any() else 0.0
            idx = 100 * v / mean if mean else np.full(12, 100.0)
            ax.bar(theta, 1.0, width=width, bottom=ring + 1.0, align="edge",
                   color=cmap(norm(np.nan_to_num(idx, nan=100))), edgecolor="white", lw=0.6)
            ax.text(0, ring + 1.5, str(ring + 1), fontsize=7, ha="center", va="center", fontweight="bold")
            key.append(f"{ring + 1}  {problem_label(p, families)}")
        ax.set_xticks(theta + width / 2, [m.capitalize() for m in MONTHS_SHORT])
        ax.set_yticks([])
        ax.set_ylim(0, len(problems) + 1.0)
        ax.spines["polar"].set_visible(False)
        ax.grid(False)
        kax.text(0.0, 1.0, "Ringar från mitten:\n" + "\n".join(key), fontsize=7.5, va="top", ha="left",
                 transform=kax.transAxes, linespacing=1.6)
        cax = kax.inset_axes((0.0, 0.12, 0.9, 0.05))
        cb = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal")
        cb.set_label("Månadens nivå (index,\nsnittmånad = 100)", fontsize=7)
        cb.ax.tick_params(labelsize=6.5)
        return fig


# ---------------------------------------------------------------- survey
def survey_by_area(survey_indicators: pd.DataFrame, area_names: dict[str, str],
                   indicator: str = "unsafe_evening") -> Figure:
    """Share (%) per area with Wilson 95 % intervals for the report's latest survey year;
    suppressed areas (too few answers) are listed without a bar."""
    with mpl.rc_context(STYLE):
        s = survey_indicators[survey_indicators["indicator"] == indicator]
        s = s[s["survey_year"] == s["survey_year"].max()]
        kom = s[s["area_id"] == "kommun"]
        s = s[s["area_id"] != "kommun"].copy()
        s["is_suppressed"] = s["is_suppressed"].fillna(False).astype(bool) | s["share_pct"].isna()
        s = s.sort_values(["is_suppressed", "share_pct"], ascending=[False, True])
        fig, ax = _fig(0.16 * len(s) + 1.0)
        y = np.arange(len(s))
        ok = ~s["is_suppressed"].to_numpy()
        share = s["share_pct"].astype(float).to_numpy()
        lo = s["ci_low_pct"].astype(float).to_numpy()
        hi = s["ci_high_pct"].astype(float).to_numpy()
        ax.barh(y[ok], share[ok], color=LIGHT, height=0.65)
        ax.errorbar(share[ok], y[ok], xerr=[share[ok] - lo[ok], hi[ok] - share[ok]], fmt="none",
                    ecolor=DARK, elinewidth=0.9, capsize=2)
        for yi in y[~ok]:
            ax.text(0.5, yi, "visas inte", va="center", fontsize=6.5, color=GREY)
        ax.set_yticks(y, [area_names.get(a, a) for a in s["area_id"]])
        if len(kom) and pd.notna(kom["share_pct"].iloc[0]):
            kv = float(kom["share_pct"].iloc[0])
            ax.axvline(kv, color=ACCENT, ls="--", lw=1.2)
            ax.text(kv, len(s) - 0.3, f" kommunen {fmt_pct(kv, 0)}", color=ACCENT, fontsize=7, va="bottom")
        ax.set_ylim(-0.7, len(s) + 0.3)
        ax.xaxis.set_major_formatter(sv_formatter(0, " %"))
        ax.set_xlabel(f"{INDICATOR_SV.get(indicator, indicator)}, andel av svarande (95 % konfidensintervall)")
        return fig


def survey_items(survey_indicators: pd.DataFrame) -> Figure:
    """Kommun: share who call each item a very or fairly big problem, latest and earlier survey."""
    with mpl.rc_context(STYLE):
        s = survey_indicators[(survey_indicators["area_id"] == "kommun")
                              & survey_indicators["indicator"].str.startswith("big_problem_")]
        years = sorted(s["survey_year"].unique())
        last = s[s["survey_year"] == years[-1]].sort_values("share_pct")
        y = np.arange(len(last))
        fig, ax = _fig(0.3 * len(last) + 1.0)
        ax.barh(y - 0.2, last["share_pct"].astype(float), 0.4, color=DARK, label=str(years[-1]))
        if len(years) > 1:
            prev = s[s["survey_year"] == years[-2]].set_index("indicator").reindex(last["indicator"])
            ax.barh(y + 0.2, prev["share_pct"].astype(float), 0.4, color=LIGHT, hatch="////",
                    edgecolor="white", label=str(years[-2]))
        elif "prev_share_pct" in last and last["prev_share_pct"].notna().any():  # the layer's previous survey
            py = last["prev_survey_year"].dropna() if "prev_survey_year" in last else pd.Series(dtype=float)
            ax.barh(y + 0.2, last["prev_share_pct"].astype(float), 0.4, color=LIGHT, hatch="////",
                    edgecolor="white", label=str(int(py.iloc[0])) if len(py) else "Förra mätningen")
        ax.set_yticks(y, [INDICATOR_SV.get(i, i) for i in last["indicator"]])
        ax.xaxis.set_major_formatter(sv_formatter(0, " %"))
        ax.set_xlabel("Andel som anser att det är ett mycket eller ganska stort problem")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2)
        return fig


def lorenz(grid_hotspots: pd.DataFrame, families, problems: list[str], max_cells_pct: float = 20.0) -> Figure:
    """Concentration curves: the share of incidents in the x % most loaded grid cells, one line
    per problem — the Lorenz curve (:func:`pipeline.geo.concentration.lorenz_curve`) read from
    the most loaded end, and shown up to ``max_cells_pct`` of the cells because most cells of a
    kommun are empty countryside."""
    from pipeline.geo.concentration import lorenz_curve

    with mpl.rc_context(STYLE):
        fig, ax = _fig(3.0)
        styles = ["-", "--", ":", "-."]
        for i, p in enumerate(problems):
            counts = grid_hotspots.loc[grid_hotspots["problem"] == p, "n_incidents"].to_numpy(float)
            if not counts.sum():
                continue
            curve = lorenz_curve(counts)
            x, y = 100 * (1 - curve["cell_share"].to_numpy()), 100 * (1 - curve["incident_share"].to_numpy())
            ax.plot(x[::-1], y[::-1], linestyle=styles[i % 4], marker="osD^vP"[i % 6], markevery=0.12, ms=3.5,
                    lw=1.4, color=mpl.colormaps["Greys"](0.55 + 0.45 * i / max(len(problems) - 1, 1)),
                    label=problem_label(p, families))
        ax.plot([0, max_cells_pct], [0, max_cells_pct], color=GREY, lw=0.8, linestyle=(0, (1, 3)))
        ax.text(max_cells_pct * 0.98, max_cells_pct * 1.02, "jämn fördelning", fontsize=7, color=GREY, ha="right",
                va="bottom")
        ax.set_xlabel("Andel av rutorna, de mest belastade först (%)")
        ax.set_ylabel("Andel av brotten (%)")
        ax.xaxis.set_major_formatter(sv_formatter())
        ax.yaxis.set_major_formatter(sv_formatter())
        ax.set_xlim(0, max_cells_pct)
        ax.set_ylim(0, 100)
        ax.set_xticks(np.arange(0, max_cells_pct + 0.1, 5))
        ax.legend(frameon=False, fontsize=7, loc="lower right")  # distinct line styles and markers per curve
        return fig
