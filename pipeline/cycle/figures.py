"""Figures of the follow-up and the weekly picture; each returns a matplotlib Figure (never saved).

Same look as the report's figures (pipeline.report.figures.STYLE, Swedish labels, decimal
comma) and maps (area outlines, labels, scale bar and north arrow from pipeline.report.cartography).
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure

from pipeline.report.figures import ACCENT, DARK, GREY, HALO, LIGHT, MONTHS_SHORT, STYLE, WIDTH_IN, sv_formatter
from pipeline.report.cartography import _base, _outlines, focus_view, full_view, label_areas, north_arrow, scale_bar

VERDICT_COLOURS = {"minskade": "#1a9641", "ökade": "#b2182b", "ingen säker förändring": GREY}


def _fig(width: float, height: float, **kw):
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(**kw)


def effect_forest(effects: pd.DataFrame, labels: list[str]) -> Figure:
    """Rate ratios with 95 % intervals on a log axis, one row per löfte or problembild (labels
    in the same order), coloured by verdict; the line at 1 is "no change"."""
    with mpl.rc_context(STYLE):
        e = effects.reset_index(drop=True)
        fig, ax = _fig(WIDTH_IN, 0.9 + 0.35 * max(len(e), 1))
        y = np.arange(len(e))[::-1]
        for yi, r in zip(y, e.itertuples()):
            if not np.isfinite(r.rate_ratio):
                ax.text(1, yi, "kan inte bedömas", ha="center", va="center", fontsize=7, color=GREY)
                continue
            c = VERDICT_COLOURS.get(r.verdict, GREY)
            ax.plot([r.ci_low, r.ci_high], [yi, yi], color=c, lw=2.2, solid_capstyle="butt")
            ax.plot(r.rate_ratio, yi, "o", color=c, ms=6, mec="white", mew=0.8)
        ax.axvline(1, color="black", lw=0.8)
        ax.set_xscale("log")
        lo = np.nanmin(np.r_[e["ci_low"].astype(float), 0.5]) if len(e) else 0.5
        hi = np.nanmax(np.r_[e["ci_high"].astype(float), 2.0]) if len(e) else 2.0
        ax.set_xlim(max(lo * 0.8, 0.05), min(hi * 1.25, 20))
        ticks = [t for t in (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10) if lo * 0.8 <= t <= hi * 1.25]
        ax.set_xticks(ticks, [f"{t:g}".replace(".", ",") for t in ticks])
        ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
        ax.set_yticks(y, labels)
        ax.set_ylim(-0.6, len(e) - 0.4)
        ax.set_xlabel("Kvot mot jämförelseområdena, 95 % konfidensintervall")
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        return fig


def indicator_series(series: pd.DataFrame, title: str, windows: tuple) -> Figure:
    """Monthly counts of the treated unit and of the comparison units (scaled to the treated
    unit's level in the before window) with the before and during windows shaded."""
    with mpl.rc_context(STYLE):
        s = series.sort_values("date")
        fig, ax = _fig(WIDTH_IN, 2.2)
        (b0, b1), (d0, d1) = windows
        for (a, b), c, lab in (((b0, b1), "#e0e0e0", "Före"), ((d0, d1), "#cfe3f2", "Under löftet")):
            ax.axvspan(pd.Timestamp(a), pd.Timestamp(b) + pd.Timedelta(days=1), color=c, lw=0, label=lab)
        ax.plot(s["date"], s["n_treated"], color=DARK, lw=1.8, marker="o", ms=2.5, label="Området")
        ax.plot(s["date"], s["n_comparison_scaled"], color=ACCENT, lw=1.2, ls="--", label="Jämförelseområdena (skalat)")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(sv_formatter())
        ax.set_ylabel("Antal per månad")
        ax.set_title(title)
        ticks = s["date"][s["date"].dt.month.isin([1, 4, 7, 10])]
        ax.set_xticks(ticks, [f"{MONTHS_SHORT[t.month - 1]} {t.year}" for t in ticks])
        ax.legend(loc="upper left", ncol=4, fontsize=6.5, bbox_to_anchor=(0, -0.18))
        return fig


def process_bars(summary: pd.DataFrame, key: str) -> Figure:
    """Actions per organisation (or period): done on time, done late, overdue, not due yet,
    cancelled, as stacked horizontal bars."""
    with mpl.rc_context(STYLE):
        s = summary.sort_values(key, ascending=False).reset_index(drop=True)
        fig, ax = _fig(WIDTH_IN, 0.6 + 0.32 * max(len(s), 1))
        parts = [("n_on_time", "Klar i tid", "#1a9641"), ("n_late", "Klar sent", "#a6d96a"),
                 ("n_overdue", "Försenad", ACCENT), ("_not_due", "Inte klar ännu, i tid", LIGHT),
                 ("n_cancelled", "Inställd", "#d9d9d9")]
        s["_not_due"] = s["n_actions"] - s["n_on_time"] - s["n_late"] - s["n_overdue"] - s["n_cancelled"]
        left = np.zeros(len(s))
        for col, lab, c in parts:
            v = s[col].to_numpy(float)
            ax.barh(s[key].astype(str), v, left=left, color=c, label=lab, height=0.6)
            left += v
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("Antal åtgärder")
        ax.legend(loc="lower center", ncol=5, fontsize=6.5, bbox_to_anchor=(0.5, 1.0))
        return fig


def weekly_map(areas: gpd.GeoDataFrame, est_points: gpd.GeoDataFrame, crime_points: gpd.GeoDataFrame | None,
               top_places: pd.DataFrame) -> Figure:
    """The week's EST reports (dots sized by count per place) and reported crimes (small grey
    dots) on the areas, zoomed to where they are; the top places named."""
    with mpl.rc_context(STYLE):
        pts = [g for g in (est_points, crime_points) if g is not None and len(g) and hasattr(g, "geometry")]
        b = np.vstack([shapely.bounds(g.geometry.dropna().to_numpy()) for g in pts]) if pts else None
        view = focus_view(areas, b, margin_frac=0.1, max_share=0.9) if b is not None and len(b) else full_view(areas)
        width = 4.2  # the figure takes the window's shape, so the map fills it
        fig, ax = _fig(width, float(np.clip(width * (view[3] - view[2]) / (view[1] - view[0]), 2.4, 5.0)))
        _base(ax, areas, view)
        _outlines(ax, areas)
        if crime_points is not None and len(crime_points):
            g = crime_points.geometry.dropna()
            ax.scatter(g.x, g.y, s=3, color=GREY, alpha=0.6, lw=0, zorder=5, label="Anmält brott")
        if len(est_points):
            g = est_points.dropna(subset=["x", "y"])
            agg = g.groupby("place_name").agg(x=("x", "mean"), y=("y", "mean"), n=("x", "size")).reset_index()
            ax.scatter(agg["x"], agg["y"], s=18 + 14 * agg["n"], color=ACCENT, alpha=0.8, edgecolor="white", lw=0.6,
                       zorder=6, label="EST-rapport (storlek = antal)")
            for r in agg[agg["place_name"].isin(top_places["place_name"].head(4))].itertuples():
                ax.annotate(r.place_name, (r.x, r.y), xytext=(4, 4), textcoords="offset points", fontsize=6,
                            zorder=7, path_effects=HALO)
        label_areas(ax, areas, fontsize=5.5)
        scale_bar(ax)
        north_arrow(ax)
        if ax.get_legend_handles_labels()[0]:  # a week without reports or crime has nothing to explain
            ax.legend(loc="lower right", fontsize=5.5, frameon=True, framealpha=0.85)
        return fig


def tertial_lines(weekly_by_type: pd.DataFrame, types: list[str]) -> Figure:
    """Reports per week of the tertial for the most reported types."""
    with mpl.rc_context(STYLE):
        fig, ax = _fig(WIDTH_IN, 2.4)
        weeks = sorted(weekly_by_type["week"].unique())
        styles = ["-", "--", ":", "-."]
        for i, t in enumerate(types):
            s = weekly_by_type[weekly_by_type["est_type"] == t].set_index("week")["n"].reindex(weeks, fill_value=0)
            ax.plot(range(len(weeks)), s.to_numpy(), ls=styles[i % 4], marker="o", ms=2.5, lw=1.4,
                    color=[DARK, ACCENT, GREY, "#1a9641"][i % 4], label=t)
        ax.set_xticks(range(0, len(weeks), 2), [w.split("-W")[1] for w in weeks][::2])
        ax.set_xlabel("Vecka")
        ax.set_ylabel("Rapporter per vecka")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.legend(fontsize=6.5, ncol=2)
        return fig
