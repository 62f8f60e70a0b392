"""Maps for the lägesbild: each function returns a matplotlib Figure (never saved here).

Every map has area outlines, a label on every area that shows (name, or its number from the
report's area key), a legend, a scale bar and a north arrow, and stays legible in greyscale
print: classes use colours of monotonically changing lightness, and the classes that would
otherwise look alike in grey (fewer crimes than expected, suppressed areas) are hatched.
Legends are Swedish and plain: "hotspot" and "färre brott än väntat", not "cold spot".
Small multiples show only the problems that have something to show (the caller filters with
:func:`problems_with_content`); with an odd number the legend takes the free slot. Building
blocks are in :mod:`pipeline.report.cartography`.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from pipeline.report.cartography import (
    View, _base, _detail_view, _draw_cells, _finish, _hatch_cells, _legend, _panels, _view_of, draw_polygons,
    focus_view, full_view,
)
from pipeline.report.figures import SEQ_CMAP, STYLE, problem_label
from pipeline.text.format_sv import fmt_int, fmt_num

HOT_CLASSES = {  # class -> (code, Swedish label)
    "hot_99": (3, "Hotspot, 99 % säkerhet"), "hot_95": (2, "Hotspot, 95 % säkerhet"),
    "hot_90": (1, "Hotspot, 90 % säkerhet"), "not_significant": (0, "Ingen säker avvikelse"),
    "cold_90": (-1, "Färre brott än väntat, 90 %"), "cold_95": (-2, "Färre brott än väntat, 95 %"),
    "cold_99": (-3, "Färre brott än väntat, 99 %"),
}
HOT_COLOURS = {3: "#7f0000", 2: "#d7301f", 1: "#fdbb84"}  # dark to light (OrRd)
COLD_COLOUR = "#9ecae1"
COLD_SV = "Färre brott än väntat (90–99 %)"
# display group -> (categories, colour, Swedish label); grey values (0.299 R + 0.587 G + 0.114 B) are about
# 33, 96, 139 and 200 of 255, so the groups stay apart in greyscale print (the background is 244).
EHS_GROUPS = {
    1: (("new_hot", "consecutive_hot"), "#67000d", "Ny hotspot (de senaste perioderna)"),
    2: (("intensifying_hot", "persistent_hot"), "#d7301f", "Bestående eller tilltagande hotspot"),
    3: (("sporadic_hot", "oscillating_hot"), "#ef6548", "Återkommande hotspot (av och på)"),
    4: (("diminishing_hot", "historical_hot"), "#fdbb84", "Avtagande eller tidigare hotspot"),
}
EHS_SV = {
    "new_hot": "Ny", "consecutive_hot": "Sammanhängande", "intensifying_hot": "Tilltagande",
    "persistent_hot": "Bestående", "diminishing_hot": "Avtagande", "sporadic_hot": "Återkommande",
    "oscillating_hot": "Växlande", "historical_hot": "Tidigare", "no_pattern": "Inget mönster",
}
for _k in list(EHS_SV):
    if _k.endswith("_hot"):
        EHS_SV[_k.replace("_hot", "_cold")] = EHS_SV[_k] + ", färre brott än väntat"


def problems_with_content(kind: str, layer: gpd.GeoDataFrame | None) -> set[str]:
    """The problems for which a map of ``kind`` ("hotspots", "emerging", "kde") has something to
    show: a significant cell, a pattern, a density above 0. A class that is missing counts as
    something to show (it is neither "not_significant" nor "no_pattern")."""
    if layer is None or len(layer) == 0:
        return set()
    if kind == "kde":
        shown = pd.to_numeric(layer["density_per_km2_year"], errors="coerce").fillna(0).to_numpy() > 0
    else:  # the test on each distinct class, then spread to the rows
        codes, classes = pd.factorize(layer["hotspot_class" if kind == "hotspots" else "ehs_category"])
        nothing = "not_significant" if kind == "hotspots" else "no_pattern"
        shown = np.append(np.asarray([str(c) != nothing for c in classes], dtype=bool), True)[codes]
    return set(layer["problem"].to_numpy()[shown])


def has_content(kind: str, layer: gpd.GeoDataFrame | None, problem: str) -> bool:
    """True when the map of ``kind`` has something to show for ``problem``
    (:func:`problems_with_content`)."""
    return problem in problems_with_content(kind, layer)


def _cold_layer(ax, cells: gpd.GeoDataFrame, cold: np.ndarray) -> None:
    if cold.any():
        _draw_cells(ax, cells, np.where(cold, 1.0, np.nan), mpl.colors.ListedColormap([COLD_COLOUR]),
                    mpl.colors.Normalize(0, 2))
        _hatch_cells(ax, cells, cold)


def hotspot_map(areas: gpd.GeoDataFrame, grid_hotspots: gpd.GeoDataFrame, problems: list[str],
                families, *, note: str = "") -> Figure:
    """Hotspot classes per grid cell, one panel per problem: hotspots in three shades (darker =
    more certain), cells with fewer crimes than expected light blue and hatched. The maps zoom
    to the significant cells of all panels (:func:`focus_view`) with an overview inset."""
    with mpl.rc_context(STYLE):
        shown = grid_hotspots[grid_hotspots["problem"].isin(problems)]
        codes = shown["hotspot_class"].astype(str).map({c: v[0] for c, v in HOT_CLASSES.items()}).fillna(0)
        view = _detail_view(areas, shown, codes.to_numpy(float) != 0)
        zoomed = view != full_view(areas)
        fig, axes, spare = _panels(len(problems), view)
        cmap = mpl.colors.ListedColormap([HOT_COLOURS[1], HOT_COLOURS[2], HOT_COLOURS[3]])
        norm = mpl.colors.BoundaryNorm([0.5, 1.5, 2.5, 3.5], 3)
        for i, (ax, p) in enumerate(zip(axes, problems)):
            _base(ax, areas, view)
            sel = (shown["problem"] == p).to_numpy()
            cells, code = shown[sel], codes.to_numpy(float)[sel]
            if len(cells):
                _draw_cells(ax, cells, np.where(code > 0, code, np.nan), cmap, norm)
                _cold_layer(ax, cells, code < 0)
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, inset=zoomed and i == 0)
        handles = [Patch(facecolor=HOT_COLOURS[c], label=HOT_CLASSES[k][1]) for c, k in
                   ((3, "hot_99"), (2, "hot_95"), (1, "hot_90"))]
        handles.append(Patch(facecolor=COLD_COLOUR, hatch="////", edgecolor="#08306b", label=COLD_SV))
        handles.append(Patch(facecolor="#f4f4f4", edgecolor="#4d4d4d", label="Ingen säker avvikelse" + note))
        _legend(fig, handles, ncol=3, spare=spare)
        return fig


def emerging_map(areas: gpd.GeoDataFrame, emerging: gpd.GeoDataFrame, problems: list[str], families) -> Figure:
    """Patterns over time, grouped into four hotspot groups (dark = newer/stronger) and one
    hatched group for every pattern of fewer crimes than expected; zoomed to the cells with a
    pattern."""
    with mpl.rc_context(STYLE):
        shown = emerging[emerging["problem"].isin(problems)]
        cat_all = shown["ehs_category"].astype(str)
        view = _detail_view(areas, shown, (cat_all != "no_pattern").to_numpy() & cat_all.notna().to_numpy())
        zoomed = view != full_view(areas)
        fig, axes, spare = _panels(len(problems), view)
        to_group = {c: g for g, (cats, _, _) in EHS_GROUPS.items() for c in cats}
        cmap = mpl.colors.ListedColormap([EHS_GROUPS[g][1] for g in (1, 2, 3, 4)])
        norm = mpl.colors.BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5], 4)
        for i, (ax, p) in enumerate(zip(axes, problems)):
            _base(ax, areas, view)
            sel = (shown["problem"] == p).to_numpy()
            cells, cat = shown[sel], cat_all[sel]
            if len(cells):
                _draw_cells(ax, cells, cat.map(to_group).to_numpy(float), cmap, norm)
                _cold_layer(ax, cells, cat.str.endswith("_cold").to_numpy())
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, inset=zoomed and i == 0)
        handles = [Patch(facecolor=EHS_GROUPS[g][1], label=EHS_GROUPS[g][2]) for g in (1, 2, 3, 4)]
        handles.append(Patch(facecolor=COLD_COLOUR, hatch="////", edgecolor="#08306b", label=COLD_SV))
        _legend(fig, handles, ncol=2, spare=spare)
        return fig


def kde_map(areas: gpd.GeoDataFrame, kde: gpd.GeoDataFrame, problems: list[str], families) -> Figure:
    """Kernel density (brott per km² och år) per problem, sequential colour map, one colour bar
    per panel; cells with density below 1 % of the panel's maximum are left blank. The maps zoom
    to the cells above 40 % of their panel's maximum (the rest of the kommun is in the inset)."""
    with mpl.rc_context(STYLE):
        shown = kde[kde["problem"].isin(problems)]
        dens = shown["density_per_km2_year"].astype(float).to_numpy()
        top = shown.assign(_v=dens).groupby("problem")["_v"].transform(lambda v: np.nanpercentile(v, 99.5)
                                                                        if np.isfinite(v).any() else np.nan)
        view = _detail_view(areas, shown, np.nan_to_num(dens) >= 0.4 * top.to_numpy(float))
        zoomed = view != full_view(areas)
        fig, axes, spare = _panels(len(problems), view, legend_in=0.1, extra_gap_in=0.45)
        cmap = mpl.colormaps[SEQ_CMAP]
        for i, (ax, p) in enumerate(zip(axes, problems)):
            _base(ax, areas, view)
            sel = (shown["problem"] == p).to_numpy()
            cells, v = shown[sel], dens[sel]
            if len(cells):
                vmax = float(np.nanpercentile(v, 99.5)) if np.isfinite(v).any() else 1.0
                vmax = vmax if vmax > 0 else 1.0
                norm = mpl.colors.Normalize(0, vmax)
                _draw_cells(ax, cells, np.where(v >= 0.01 * vmax, v, np.nan), cmap, norm)
                cb = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                                  fraction=0.04, pad=0.01, aspect=35)
                cb.ax.tick_params(labelsize=7)
                cb.ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda x, _: fmt_num(x, 0)))
                cb.set_label("Brott per km² och år (skalan skiljer sig mellan kartorna)", fontsize=7)
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, inset=zoomed and i == 0)
        if spare is not None:
            spare.text(0.05, 0.5, "Mörkare färg: fler brott per km² och år.\nVarje karta har sin egen skala.",
                       fontsize=7.5, va="center", transform=spare.transAxes)
        return fig


def _small_areas_view(areas: gpd.GeoDataFrame, aspect: float) -> View:
    """A window of height/width ``aspect`` around the areas smaller than the median area (the
    urban core), or the whole kommun."""
    a = areas.geometry.area.to_numpy()
    small = a < np.median(a)
    return focus_view(areas, shapely.bounds(areas.geometry.to_numpy()[small]) if small.sum() >= 2 else None,
                      margin_frac=0.05, max_share=0.75, aspect=aspect)


def _mapclassify():
    """mapclassify for :func:`classes`, imported without numba unless numba is loaded already.

    On import, mapclassify compiles its Fisher–Jenks function with numba at once (numba's
    import and the LLVM compilation: ~3 s in every process that draws an area map); without
    numba it runs the same function as plain Python (its own fallback, same float32
    arithmetic). :func:`classes` sorts a few dozen area values, which plain Python does in
    milliseconds (measured: 25 values 0.003 s, 100 values 0.05 s, 300 values 0.3 s; 600 values
    1.1 s), so numba is hidden while mapclassify is imported. Imported here, not at the top of
    the module: no notebook kernel needs it.
    """
    import sys

    if "mapclassify" in sys.modules or "numba" in sys.modules:
        import mapclassify

        return mapclassify
    sys.modules["numba"] = None  # makes `from numba import njit` raise ImportError
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numba not installed")
            import mapclassify
    finally:
        del sys.modules["numba"]
    return mapclassify


def classes(values: pd.Series, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Natural-break classes (Fisher–Jenks, mapclassify, exact and deterministic) of ``values``:
    the upper bounds of the classes and each value's class (0-based). With fewer distinct values
    than ``k`` every distinct value is its own class."""
    mapclassify = _mapclassify()
    v = values.to_numpy(float)
    k = int(min(k, len(np.unique(v))))
    if k < 2:
        return np.array([v.max()]), np.zeros(len(v), int)
    with warnings.catch_warnings():  # without numba it runs in pure Python: fine for a few dozen areas
        warnings.filterwarnings("ignore", message="Numba not installed")
        fj = mapclassify.FisherJenks(v, k=k)
    return np.asarray(fj.bins, float), np.asarray(fj.yb, int)


def class_labels(values: pd.Series, bins: np.ndarray, yb: np.ndarray, decimals: int = 1) -> list[str]:
    """Legend text per class: its range of the values in it and how many areas it holds."""
    out = []
    for c in range(len(bins)):
        v = values.to_numpy(float)[yb == c]
        n = len(v)
        rng = f"{fmt_num(v.min(), decimals)}–{fmt_num(v.max(), decimals)}" if n and v.min() != v.max() else \
            (fmt_num(v.min(), decimals) if n else "–")
        out.append(f"{rng} ({fmt_int(n)} {'område' if n == 1 else 'områden'})")
    return out


def area_choropleth(areas: gpd.GeoDataFrame, values: pd.Series, label: str,
                    suppressed: set[str] | frozenset = frozenset(), n_classes: int = 5) -> Figure:
    """Areas shaded by a value (``values`` indexed by area_id) in natural-break classes
    (:func:`classes`) of a sequential colour map, with each class's range and number of areas in
    the legend; ``suppressed`` areas hatched; missing ones white.

    The whole kommun on the left; on the right, when the small (urban) areas sit together, a
    detail map of them so that their shades can be read.
    """
    with mpl.rc_context(STYLE):
        full = full_view(areas)
        aspect = min(max((full[3] - full[2]) / (full[1] - full[0]), 0.5), 1.6)
        detail = _small_areas_view(areas, aspect)
        views = [full] + ([detail] if detail != full else [])
        fig, axes, _ = _panels(len(views), full if len(views) == 1 else (0.0, 1.0, 0.0, aspect), legend_in=0.95)
        v = areas["area_id"].map(values).astype(float)
        ok = v.notna() & ~areas["area_id"].isin(suppressed)
        sup = areas["area_id"].isin(suppressed)
        handles, colours, cls = [], [], None
        if ok.any():
            bins, cls = classes(v[ok], n_classes)
            cmap = mpl.colormaps["Blues"]
            colours = [cmap(i / max(len(bins) - 1, 1) * 0.85 + 0.12) for i in range(len(bins))]
            handles = [Patch(facecolor=colours[i], edgecolor="#4d4d4d", label=t)
                       for i, t in enumerate(class_labels(v[ok], bins, cls))]
        if sup.any():
            handles.append(Patch(facecolor="white", edgecolor="#636363", hatch="xxx", label="För få brott för att visas"))
        for j, (ax, view) in enumerate(zip(axes, views)):
            _base(ax, areas, view, fill="white")
            if cls is not None:
                draw_polygons(ax, areas.geometry[ok.to_numpy()], facecolor=[colours[c] for c in cls], zorder=2)
            if sup.any():
                with mpl.rc_context({"hatch.color": "#636363"}):
                    draw_polygons(ax, areas.geometry[sup.to_numpy()], facecolor="white", edgecolor="#636363",
                                  hatch="xxx", zorder=2)
            if j == 1:
                ax.set_title("Tätorten", fontsize=8.5, fontweight="bold", loc="left")
                fv = _view_of(ax)
                axes[0].add_patch(Rectangle((fv[0], fv[2]), fv[1] - fv[0], fv[3] - fv[2], facecolor="none",
                                            edgecolor="black", lw=1.0, ls="--", zorder=8))
            elif len(views) > 1:
                ax.set_title("Hela kommunen", fontsize=8.5, fontweight="bold", loc="left")
            inside = frozenset()
            if j == 0 and len(views) > 1:  # areas the detail map names are not numbered twice
                x0, x1, y0, y1 = views[1]
                pts = areas.geometry.representative_point()
                inside = frozenset(areas.loc[(pts.x > x0) & (pts.x < x1) & (pts.y > y0) & (pts.y < y1), "area_id"].astype(str))
            _finish(ax, areas, None, skip=inside)
        _legend(fig, handles, ncol=min(len(handles), 3), title=label)
        return fig
