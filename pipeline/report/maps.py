"""Maps for the lägesbild: each function returns a matplotlib Figure (never saved here).

Every map has area outlines and labels, a legend, a scale bar and a north arrow, and stays
legible in greyscale print: classes use colours of monotonically changing lightness, and the
classes that would otherwise look alike in grey (cold spots, suppressed areas) are hatched.

Grid layers (tens of thousands of cells) are drawn as one raster (``imshow``) instead of one
polygon per cell: the cells of a layer lie on a regular grid, so each cell is a pixel. Label
placement is a simple greedy rule (hand-written; adjustText is not a project dependency):
areas are labelled largest first at their representative point, and a label is dropped when
the area is tiny or the label would overlap one already placed.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib as mpl
import matplotlib.patheffects as pe
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon, Rectangle
from matplotlib.path import Path

from pipeline.report.figures import SEQ_CMAP, STYLE, WIDTH_IN, fmt_num, problem_label

HOT_CLASSES = {  # class -> (code, Swedish label)
    "hot_99": (3, "Hot spot, 99 % säkerhet"), "hot_95": (2, "Hot spot, 95 % säkerhet"),
    "hot_90": (1, "Hot spot, 90 % säkerhet"), "not_significant": (0, "Inte signifikant"),
    "cold_90": (-1, "Cold spot, 90 %"), "cold_95": (-2, "Cold spot, 95 %"), "cold_99": (-3, "Cold spot, 99 %"),
}
HOT_COLOURS = {3: "#7f0000", 2: "#d7301f", 1: "#fdbb84"}  # dark to light (OrRd)
COLD_COLOUR = "#9ecae1"
EHS_GROUPS = {  # display group -> (categories, colour dark to light, Swedish label)
    1: (("new_hot", "consecutive_hot"), "#67000d", "Ny eller sammanhängande hot spot"),
    2: (("intensifying_hot", "persistent_hot"), "#cb181d", "Intensifierad eller bestående hot spot"),
    3: (("sporadic_hot", "oscillating_hot"), "#fb6a4a", "Sporadisk eller oscillerande hot spot"),
    4: (("diminishing_hot", "historical_hot"), "#fcbba1", "Avtagande eller historisk hot spot"),
}
EHS_SV = {
    "new_hot": "Ny", "consecutive_hot": "Sammanhängande", "intensifying_hot": "Intensifierad",
    "persistent_hot": "Bestående", "diminishing_hot": "Avtagande", "sporadic_hot": "Sporadisk",
    "oscillating_hot": "Oscillerande", "historical_hot": "Historisk", "no_pattern": "Inget mönster",
}
for _k in list(EHS_SV):
    if _k.endswith("_hot"):
        EHS_SV[_k.replace("_hot", "_cold")] = EHS_SV[_k] + " (cold spot)"
HALO = [pe.withStroke(linewidth=2.0, foreground="white")]


# ---------------------------------------------------------------- building blocks
def rasterise(cells: gpd.GeoDataFrame, values: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float, float]] | None:
    """Cells of a regular square grid as a raster: ``grid[row, col] = value`` (NaN where no
    cell), row 0 at the south edge. Returns None when the cells are not one regular grid."""
    b = cells.geometry.bounds.to_numpy()
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    size = float(np.median(w))
    if size <= 0 or np.abs(w - size).max() > 0.01 * size or np.abs(h - size).max() > 0.01 * size:
        return None
    x0, y0 = b[:, 0].min(), b[:, 1].min()
    col = np.rint((b[:, 0] - x0) / size).astype(int)
    row = np.rint((b[:, 1] - y0) / size).astype(int)
    if np.abs(b[:, 0] - (x0 + col * size)).max() > 0.01 * size:
        return None
    grid = np.full((row.max() + 1, col.max() + 1), np.nan)
    grid[row, col] = values
    return grid, (x0, x0 + (col.max() + 1) * size, y0, y0 + (row.max() + 1) * size)


def _polygon_paths(geoms) -> list[Path]:
    """One compound matplotlib Path per (Multi)Polygon, holes included (even-odd filling)."""
    paths = []
    for g in geoms:
        parts = list(getattr(g, "geoms", [g])) if g is not None and not g.is_empty else []
        rings = [r for p in parts if p.geom_type == "Polygon" for r in (p.exterior, *p.interiors)]
        if not rings:
            paths.append(Path(np.zeros((1, 2))))
            continue
        paths.append(Path.make_compound_path(*[Path(np.asarray(r.coords)[:, :2], closed=True) for r in rings]))
    return paths


def draw_polygons(ax, geoms, *, facecolor="none", edgecolor="none", lw: float = 0.0, hatch: str | None = None,
                  zorder: float = 1) -> None:
    """Fill polygons with one PathCollection (geopandas' plot would redraw the whole figure on
    an Agg canvas after every call)."""
    coll = PathCollection(_polygon_paths(geoms), facecolors=facecolor, edgecolors=edgecolor, linewidths=lw,
                          hatch=hatch, zorder=zorder)
    ax.add_collection(coll, autolim=False)


def _draw_cells(ax, cells: gpd.GeoDataFrame, values: np.ndarray, cmap, norm) -> None:
    r = rasterise(cells, values)
    if r is None:  # irregular cells: fall back to polygons
        ok = ~np.isnan(values)
        draw_polygons(ax, cells.geometry[ok], facecolor=cmap(norm(values[ok])), zorder=2)
        return
    grid, extent = r
    ax.imshow(np.ma.masked_invalid(grid), extent=extent, origin="lower", cmap=cmap, norm=norm,
              interpolation="nearest", zorder=2, rasterized=True)


def _hatch_cells(ax, cells: gpd.GeoDataFrame, mask: np.ndarray, colour: str = "#08306b") -> None:
    """Hatch the cells where ``mask`` is true with diagonal lines, drawn as one raster: the mask
    is upsampled to about 1 400 pixels across and lines are laid on a global pixel pattern so
    they run on across neighbouring cells."""
    if not mask.any():
        return
    r = rasterise(cells, mask.astype(float))
    if r is None:
        draw_polygons(ax, cells.geometry[mask], hatch="////", edgecolor=colour, zorder=3)
        return
    grid, extent = r
    f = max(1, int(round(1400 / max(grid.shape[1], 1))))
    big = np.kron(np.nan_to_num(grid), np.ones((f, f))) > 0.5
    i, j = np.indices(big.shape)
    lines = big & ((i + j) % 7 < 2)
    rgba = np.zeros(big.shape + (4,))
    rgba[..., :3] = mpl.colors.to_rgb(colour)
    rgba[..., 3] = lines
    ax.imshow(rgba, extent=extent, origin="lower", interpolation="nearest", zorder=3, rasterized=True)


def _base(ax, areas: gpd.GeoDataFrame, fill: str = "#f4f4f4") -> None:
    draw_polygons(ax, areas.geometry, facecolor=fill, zorder=1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    x0, y0, x1, y1 = areas.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def _outlines(ax, areas: gpd.GeoDataFrame) -> None:
    lines = [np.asarray(ls.coords)[:, :2] for b in areas.geometry.boundary if b is not None
             for ls in getattr(b, "geoms", [b])]
    ax.add_collection(LineCollection(lines, colors="#4d4d4d", linewidths=0.45, zorder=4), autolim=False)


def label_areas(ax, areas: gpd.GeoDataFrame, fontsize: float = 6.0, min_share: float = 0.006) -> list[str]:
    """Greedy, overlap-free area labels with a white halo; returns the names placed.

    Rule: largest areas first; skip an area whose share of the total area is below
    ``min_share`` or whose label box overlaps a placed label or leaves the axes.
    """
    fig = ax.figure
    if fig.canvas is None or not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    axbox = ax.get_window_extent(renderer)
    total = float(areas.geometry.area.sum()) or 1.0
    placed, names = [], []
    for _, a in areas.assign(_a=areas.geometry.area).sort_values("_a", ascending=False).iterrows():
        if a["_a"] / total < min_share:
            continue
        p = a.geometry.representative_point()
        t = ax.text(p.x, p.y, str(a["area_name"]), fontsize=fontsize, ha="center", va="center",
                    path_effects=HALO, zorder=6, clip_on=True)
        bb = t.get_window_extent(renderer).expanded(1.05, 1.15)
        inside = axbox.contains(bb.x0, bb.y0) and axbox.contains(bb.x1, bb.y1)
        if not inside or any(bb.overlaps(o) for o in placed):
            t.remove()
            continue
        placed.append(bb)
        names.append(str(a["area_name"]))
    return names


def scale_bar(ax) -> float:
    """A two-segment black/white scale bar in the lower left; returns its length in metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 5
    nice = [c * 10 ** e for e in range(1, 6) for c in (1, 2, 5)]
    length = max([n for n in nice if n <= target] or [nice[0]])
    bx, by, bh = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0), 0.012 * (y1 - y0)
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(Rectangle((bx + i * length / 2, by), length / 2, bh, facecolor=colour,
                               edgecolor="black", lw=0.6, zorder=7))
    unit = f"{fmt_num(length / 1000, 0 if length >= 1000 else 1)} km"
    for x, s in ((bx, "0"), (bx + length, unit)):
        ax.text(x, by + 1.8 * bh, s, ha="center", va="bottom", fontsize=6, path_effects=HALO, zorder=7)
    return length


def north_arrow(ax) -> None:
    """A north arrow (grid north of SWEREF 99 TM, within a degree of true north) in the upper right."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, top, s = x1 - 0.05 * (x1 - x0), y1 - 0.05 * (y1 - y0), 0.045 * (y1 - y0)
    ax.add_patch(Polygon([(cx, top), (cx - 0.35 * s, top - s), (cx, top - 0.75 * s)], closed=True,
                         facecolor="black", edgecolor="black", lw=0.6, zorder=7))
    ax.add_patch(Polygon([(cx, top), (cx + 0.35 * s, top - s), (cx, top - 0.75 * s)], closed=True,
                         facecolor="white", edgecolor="black", lw=0.6, zorder=7))
    ax.text(cx, top - 1.15 * s, "N", ha="center", va="top", fontsize=7, fontweight="bold", zorder=7)


def _panels(n: int, areas: gpd.GeoDataFrame, legend_in: float = 0.75, extra_gap_in: float = 0.0):
    """One big map, or 2 columns of small multiples, sized to the areas' aspect ratio; fixed
    axes positions so that labels can be measured before saving."""
    x0, y0, x1, y1 = areas.total_bounds
    aspect = min(max((y1 - y0) / max(x1 - x0, 1.0), 0.5), 1.6)
    if n <= 1:
        map_h = min(WIDTH_IN * 0.98 * aspect, 7.5)
        h = map_h + legend_in + 0.1
        fig = Figure(figsize=(WIDTH_IN, h))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.01, legend_in / h, 0.98, map_h / h))
        return fig, [ax]
    rows = (n + 1) // 2
    map_h = WIDTH_IN / 2 * aspect
    gap = 0.35 + extra_gap_in
    h = (map_h + gap) * rows + legend_in
    fig = Figure(figsize=(WIDTH_IN, h))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, gridspec_kw={"hspace": gap / map_h, "wspace": 0.03})
    fig.subplots_adjust(left=0.01, right=0.99, top=1 - 0.3 / h, bottom=(legend_in + extra_gap_in) / h)
    axes = list(np.atleast_1d(axes).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _finish(ax, areas, title: str | None, n: int) -> None:
    _outlines(ax, areas)
    if title:
        ax.set_title(title, fontsize=8.5, fontweight="bold", loc="left")
    label_areas(ax, areas, fontsize=6.0 if n == 1 else 4.8, min_share=0.006 if n == 1 else 0.02)
    scale_bar(ax)
    north_arrow(ax)


def _legend(fig, handles, ncol: int = 3) -> None:
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=6.5, frameon=False,
               bbox_to_anchor=(0.5, 0.0), handlelength=1.6, handleheight=1.2)


# ---------------------------------------------------------------- map types
def hotspot_map(areas: gpd.GeoDataFrame, grid_hotspots: gpd.GeoDataFrame, problems: list[str],
                families, *, note: str = "") -> Figure:
    """Getis–Ord Gi* classes per grid cell, one panel per problem: hot spots in three shades
    (darker = more certain), cold spots light blue and hatched."""
    with mpl.rc_context(STYLE):
        fig, axes = _panels(len(problems), areas)
        cmap = mpl.colors.ListedColormap([HOT_COLOURS[1], HOT_COLOURS[2], HOT_COLOURS[3]])
        norm = mpl.colors.BoundaryNorm([0.5, 1.5, 2.5, 3.5], 3)
        for ax, p in zip(axes, problems):
            _base(ax, areas)
            cells = grid_hotspots[grid_hotspots["problem"] == p]
            code = cells["hotspot_class"].astype(str).map({c: v[0] for c, v in HOT_CLASSES.items()}).fillna(0).to_numpy(float)
            if len(cells):
                hot = np.where(code > 0, code, np.nan)
                _draw_cells(ax, cells, hot, cmap, norm)
                cold = code < 0
                if cold.any():
                    _draw_cells(ax, cells, np.where(cold, 1.0, np.nan),
                                mpl.colors.ListedColormap([COLD_COLOUR]), mpl.colors.Normalize(0, 2))
                    _hatch_cells(ax, cells, cold)
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, len(problems))
        handles = [Patch(facecolor=HOT_COLOURS[c], label=lab) for c, lab in
                   ((3, "Hot spot, 99 %"), (2, "Hot spot, 95 %"), (1, "Hot spot, 90 %"))]
        handles.append(Patch(facecolor=COLD_COLOUR, hatch="////", edgecolor="#08306b", label="Cold spot (90–99 %)"))
        handles.append(Patch(facecolor="#f4f4f4", edgecolor="#4d4d4d", label="Inte signifikant" + note))
        _legend(fig, handles, ncol=3)
        return fig


def emerging_map(areas: gpd.GeoDataFrame, emerging: gpd.GeoDataFrame, problems: list[str], families) -> Figure:
    """Emerging hot spot categories, grouped into four hot groups (dark = newer/stronger) and one
    hatched group for every cold pattern."""
    with mpl.rc_context(STYLE):
        fig, axes = _panels(len(problems), areas)
        to_group = {c: g for g, (cats, _, _) in EHS_GROUPS.items() for c in cats}
        cmap = mpl.colors.ListedColormap([EHS_GROUPS[g][1] for g in (1, 2, 3, 4)])
        norm = mpl.colors.BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5], 4)
        for ax, p in zip(axes, problems):
            _base(ax, areas)
            cells = emerging[emerging["problem"] == p]
            if len(cells):
                cat = cells["ehs_category"].astype(str)
                grp = cat.map(to_group).to_numpy(float)
                _draw_cells(ax, cells, grp, cmap, norm)
                cold = cat.str.endswith("_cold").to_numpy()
                if cold.any():
                    _draw_cells(ax, cells, np.where(cold, 1.0, np.nan),
                                mpl.colors.ListedColormap([COLD_COLOUR]), mpl.colors.Normalize(0, 2))
                    _hatch_cells(ax, cells, cold)
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, len(problems))
        handles = [Patch(facecolor=EHS_GROUPS[g][1], label=EHS_GROUPS[g][2]) for g in (1, 2, 3, 4)]
        handles.append(Patch(facecolor=COLD_COLOUR, hatch="////", edgecolor="#08306b", label="Cold spot (alla mönster)"))
        _legend(fig, handles, ncol=2)
        return fig


def kde_map(areas: gpd.GeoDataFrame, kde: gpd.GeoDataFrame, problems: list[str], families) -> Figure:
    """Kernel density (brott per km² och år) per problem, sequential colour map, one colour bar
    per panel; cells with density below 1 % of the panel's maximum are left blank."""
    with mpl.rc_context(STYLE):
        fig, axes = _panels(len(problems), areas, legend_in=0.1, extra_gap_in=0.45)
        cmap = mpl.colormaps[SEQ_CMAP]
        for ax, p in zip(axes, problems):
            _base(ax, areas)
            cells = kde[kde["problem"] == p]
            if len(cells):
                v = cells["density_per_km2_year"].astype(float).to_numpy()
                vmax = float(np.nanpercentile(v, 99.5)) if np.isfinite(v).any() else 1.0
                vmax = vmax if vmax > 0 else 1.0
                v = np.where(v >= 0.01 * vmax, v, np.nan)
                norm = mpl.colors.Normalize(0, vmax)
                _draw_cells(ax, cells, v, cmap, norm)
                cb = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                                  fraction=0.04, pad=0.01, aspect=35)
                cb.ax.tick_params(labelsize=6)
                cb.ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda x, _: fmt_num(x, 0)))
                cb.set_label("Brott per km² och år", fontsize=6.5)
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, len(problems))
        return fig


def area_choropleth(areas: gpd.GeoDataFrame, values: pd.Series, label: str,
                    suppressed: set[str] | frozenset = frozenset(), n_classes: int = 5) -> Figure:
    """Areas shaded by a value (``values`` indexed by area_id) in equal-count classes of a
    sequential colour map; ``suppressed`` areas hatched as "för få"; missing ones white."""
    with mpl.rc_context(STYLE):
        fig, (ax,) = _panels(1, areas)
        _base(ax, areas, fill="white")
        v = areas["area_id"].map(values).astype(float)
        ok = v.notna() & ~areas["area_id"].isin(suppressed)
        handles = []
        if ok.any():
            qs = np.unique(np.nanquantile(v[ok], np.linspace(0, 1, n_classes + 1)))
            if len(qs) < 2:
                qs = np.array([v[ok].min(), v[ok].min() + 1])
            cmap = mpl.colormaps["Blues"].resampled(len(qs) - 1)
            colours = [cmap(i / max(len(qs) - 2, 1) * 0.85 + 0.12) for i in range(len(qs) - 1)]
            cls = np.clip(np.searchsorted(qs, v[ok], side="right") - 1, 0, len(qs) - 2)
            draw_polygons(ax, areas.geometry[ok.to_numpy()], facecolor=[colours[c] for c in cls], zorder=2)
            for i in range(len(qs) - 1):
                handles.append(Patch(facecolor=colours[i], edgecolor="#4d4d4d",
                                     label=f"{fmt_num(qs[i], 1)}–{fmt_num(qs[i + 1], 1)}"))
        sup = areas["area_id"].isin(suppressed)
        if sup.any():
            with mpl.rc_context({"hatch.color": "#636363"}):
                draw_polygons(ax, areas.geometry[sup.to_numpy()], facecolor="white", edgecolor="#636363",
                              hatch="xxx", zorder=2)
            handles.append(Patch(facecolor="white", edgecolor="#636363", hatch="xxx", label="För få brott för att visas"))
        _finish(ax, areas, None, 1)
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=6.5, frameon=False,
                   title=label, title_fontsize=7, bbox_to_anchor=(0.5, 0.0))
        return fig
