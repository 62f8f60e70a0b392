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
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon, Rectangle
from matplotlib.path import Path

from pipeline.report.figures import SEQ_CMAP, STYLE, WIDTH_IN, problem_label
from pipeline.text.format_sv import fmt_num

HOT_CLASSES = {  # class -> (code, Swedish label)
    "hot_99": (3, "Hot spot, 99 % säkerhet"), "hot_95": (2, "Hot spot, 95 % säkerhet"),
    "hot_90": (1, "Hot spot, 90 % säkerhet"), "not_significant": (0, "Inte signifikant"),
    "cold_90": (-1, "Cold spot, 90 %"), "cold_95": (-2, "Cold spot, 95 %"), "cold_99": (-3, "Cold spot, 99 %"),
}
HOT_COLOURS = {3: "#7f0000", 2: "#d7301f", 1: "#fdbb84"}  # dark to light (OrRd)
COLD_COLOUR = "#9ecae1"
# display group -> (categories, colour, Swedish label); grey values (0.299 R + 0.587 G + 0.114 B) are about
# 33, 96, 139 and 200 of 255, so the groups stay apart in greyscale print (the background is 244).
EHS_GROUPS = {
    1: (("new_hot", "consecutive_hot"), "#67000d", "Ny eller sammanhängande hot spot"),
    2: (("intensifying_hot", "persistent_hot"), "#d7301f", "Intensifierad eller bestående hot spot"),
    3: (("sporadic_hot", "oscillating_hot"), "#ef6548", "Sporadisk eller oscillerande hot spot"),
    4: (("diminishing_hot", "historical_hot"), "#fdbb84", "Avtagande eller historisk hot spot"),
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


View = tuple[float, float, float, float]  # x0, x1, y0, y1 in metres (EPSG:3006)


def full_view(areas: gpd.GeoDataFrame, pad_frac: float = 0.03) -> View:
    """The whole kommun plus a pad of ``pad_frac`` of its larger side."""
    x0, y0, x1, y1 = areas.total_bounds
    pad = pad_frac * max(x1 - x0, y1 - y0)
    return (x0 - pad, x1 + pad, y0 - pad, y1 + pad)


def focus_view(areas: gpd.GeoDataFrame, bounds: np.ndarray | None, *, margin_frac: float = 0.2,
               min_span_m: float = 3000.0, max_share: float = 0.6, aspect: float | None = None) -> View:
    """The window of a detail map: the bounding box of the cells that carry information
    (``bounds``, rows of minx, miny, maxx, maxy), grown by ``margin_frac`` of its larger side
    (at least 500 m) on every side, at least ``min_span_m`` across, with a height/width ratio
    kept between 0.6 and 1.4 (or widened to exactly ``aspect``), and shifted inside the
    kommun's extent where it fits.

    Returns :func:`full_view` when there are no such cells or when the window would cover more
    than ``max_share`` of the kommun's width or height (zooming would then gain little).
    """
    full = full_view(areas)
    if bounds is None or len(bounds) == 0:
        return full
    b = np.asarray(bounds, dtype=float)
    bx0, by0, bx1, by1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    margin = max(margin_frac * max(bx1 - bx0, by1 - by0), 500.0)
    w, h = max(bx1 - bx0 + 2 * margin, min_span_m), max(by1 - by0 + 2 * margin, min_span_m)
    h, w = (max(h, aspect * w), max(w, h / aspect)) if aspect else (max(h, 0.6 * w), max(w, h / 1.4))
    fw, fh = full[1] - full[0], full[3] - full[2]
    if w > max_share * fw or h > max_share * fh:
        return full
    cx = min(max((bx0 + bx1) / 2, full[0] + w / 2), full[1] - w / 2)
    cy = min(max((by0 + by1) / 2, full[2] + h / 2), full[3] - h / 2)
    return (cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2)


def _crop(grid: np.ndarray, extent: View, view: View) -> tuple[np.ndarray, View]:
    """The rows and columns of a raster that fall inside ``view`` (one cell of slack)."""
    x0, x1, y0, y1 = extent
    size = (x1 - x0) / grid.shape[1]
    c0 = max(int(np.floor((view[0] - x0) / size)) - 1, 0)
    c1 = min(int(np.ceil((view[1] - x0) / size)) + 1, grid.shape[1])
    r0 = max(int(np.floor((view[2] - y0) / size)) - 1, 0)
    r1 = min(int(np.ceil((view[3] - y0) / size)) + 1, grid.shape[0])
    if c1 <= c0 or r1 <= r0:
        return grid[:0, :0], extent
    return grid[r0:r1, c0:c1], (x0 + c0 * size, x0 + c1 * size, y0 + r0 * size, y0 + r1 * size)


def _view_of(ax) -> View:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return (x0, x1, y0, y1)


def _draw_cells(ax, cells: gpd.GeoDataFrame, values: np.ndarray, cmap, norm) -> None:
    """Cells coloured by value, as one raster cropped to the axes' window."""
    r = rasterise(cells, values)
    if r is None:  # irregular cells: fall back to polygons
        ok = ~np.isnan(values)
        draw_polygons(ax, cells.geometry[ok], facecolor=cmap(norm(values[ok])), zorder=2)
        return
    grid, extent = _crop(*r, _view_of(ax))
    if grid.size == 0 or np.isnan(grid).all():
        return
    ax.imshow(np.ma.masked_invalid(grid), extent=extent, origin="lower", cmap=cmap, norm=norm,
              interpolation="nearest", zorder=2, rasterized=True)


def _hatch_cells(ax, cells: gpd.GeoDataFrame, mask: np.ndarray, colour: str = "#08306b") -> None:
    """Hatch the cells where ``mask`` is true with diagonal lines, drawn as one raster: the part
    of the mask inside the window is upsampled to about 1 000 pixels across and lines are laid
    on a global pixel pattern so they run on across neighbouring cells."""
    if not mask.any():
        return
    r = rasterise(cells, mask.astype(float))
    if r is None:
        draw_polygons(ax, cells.geometry[mask], hatch="////", edgecolor=colour, zorder=3)
        return
    grid, extent = _crop(*r, _view_of(ax))
    if grid.size == 0 or not np.nan_to_num(grid).any():
        return
    f = max(1, int(round(1000 / max(grid.shape[1], 1))))
    big = np.kron(np.nan_to_num(grid) > 0.5, np.ones((f, f), dtype=bool))
    i, j = np.indices(big.shape)
    rgba = np.zeros(big.shape + (4,), dtype=np.float32)
    rgba[..., :3] = mpl.colors.to_rgb(colour)
    rgba[..., 3] = big & ((i + j) % max(f // 3, 6) < max(f // 12, 2))
    ax.imshow(rgba, extent=extent, origin="lower", interpolation="nearest", zorder=3, rasterized=True)


def _base(ax, areas: gpd.GeoDataFrame, view: View | None = None, fill: str = "#f4f4f4") -> None:
    draw_polygons(ax, areas.geometry, facecolor=fill, zorder=1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    x0, x1, y0, y1 = view or full_view(areas)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _outlines(ax, areas: gpd.GeoDataFrame) -> None:
    lines = [np.asarray(ls.coords)[:, :2] for b in areas.geometry.boundary if b is not None
             for ls in getattr(b, "geoms", [b])]
    ax.add_collection(LineCollection(lines, colors="#4d4d4d", linewidths=0.45, zorder=4), autolim=False)


# Corners kept free of labels (axes fractions x0, y0, x1, y1): scale bar, north arrow, inset.
SCALE_BOX, NORTH_BOX, INSET_BOX = (0.0, 0.0, 0.36, 0.11), (0.88, 0.8, 1.0, 1.0), (0.0, 0.72, 0.27, 1.0)


def label_areas(ax, areas: gpd.GeoDataFrame, fontsize: float = 6.0, min_share: float = 0.006,
                avoid: tuple = ()) -> list[str]:
    """Greedy, overlap-free area labels with a white halo; returns the names placed.

    Rule: only the part of each area inside the axes' window counts; largest visible parts
    first; skip an area whose visible part is below ``min_share`` of the window, or whose label
    box overlaps a placed label, one of the ``avoid`` boxes (axes fractions) or leaves the axes.
    """
    fig = ax.figure
    if fig.canvas is None or not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    axbox = ax.get_window_extent(renderer)
    x0, x1, y0, y1 = _view_of(ax)
    visible = shapely.clip_by_rect(areas.geometry.to_numpy(), x0, y0, x1, y1)
    share = shapely.area(visible) / ((x1 - x0) * (y1 - y0))
    placed = [mpl.transforms.Bbox.from_extents(*b).transformed(ax.transAxes) for b in avoid]
    n_avoid, names = len(placed), []
    for i in np.argsort(-share, kind="stable"):
        if share[i] < min_share:
            break
        p = shapely.get_coordinates(visible[i].representative_point())[0]
        name = str(areas["area_name"].iloc[i])
        t = ax.text(p[0], p[1], name, fontsize=fontsize, ha="center", va="center", path_effects=HALO, zorder=6,
                    clip_on=True)
        bb = t.get_window_extent(renderer).expanded(1.05, 1.15)
        inside = axbox.contains(bb.x0, bb.y0) and axbox.contains(bb.x1, bb.y1)
        if not inside or any(bb.overlaps(o) for o in placed):
            t.remove()
            continue
        placed.append(bb)
        names.append(name)
    assert len(placed) - n_avoid == len(names)
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
    ax.text(cx, top - 1.15 * s, "N", ha="center", va="top", fontsize=7, fontweight="bold", zorder=7,
            path_effects=HALO)


def overview_inset(ax, areas: gpd.GeoDataFrame) -> None:
    """A small map of the whole kommun in the upper left with the detail window drawn as a
    thick black frame (a locator map)."""
    view = _view_of(ax)
    x0, y0, x1, y1 = INSET_BOX
    ins = ax.inset_axes((x0 + 0.01, y0, x1 - x0 - 0.01, y1 - y0 - 0.01))
    kommun = areas.geometry.union_all().buffer(50).buffer(-50)  # closes slivers between areas
    draw_polygons(ins, [kommun], facecolor="#e6e6e6", edgecolor="#4d4d4d", lw=0.5)
    ins.add_patch(Rectangle((view[0], view[2]), view[1] - view[0], view[3] - view[2], facecolor="none",
                            edgecolor="black", lw=1.2, zorder=5))
    fx0, fx1, fy0, fy1 = full_view(areas)
    ins.set_xlim(fx0, fx1)
    ins.set_ylim(fy0, fy1)
    ins.set_aspect("equal")
    ins.set_xticks([])
    ins.set_yticks([])
    ins.patch.set_facecolor("white")
    ins.set_zorder(8)
    for sp in ins.spines.values():
        sp.set_visible(True)
        sp.set_linewidth(0.6)


def _panels(n: int, view: View, legend_in: float = 0.75, extra_gap_in: float = 0.0):
    """One big map, or 2 columns of small multiples, sized to the window's aspect ratio; fixed
    axes positions so that labels can be measured before saving."""
    x0, x1, y0, y1 = view
    aspect = min(max((y1 - y0) / max(x1 - x0, 1.0), 0.5), 1.6)
    if n <= 1:
        map_h = min(WIDTH_IN * 0.98 * aspect, 7.0)
        h = map_h + legend_in + 0.1
        fig = Figure(figsize=(WIDTH_IN, h))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.01, legend_in / h, 0.98, map_h / h))
        return fig, [ax]
    rows = (n + 1) // 2
    map_h = WIDTH_IN / 2 * aspect
    gap = 0.35 + extra_gap_in
    top_in = 0.3 + (0.15 if extra_gap_in else 0.0)
    h = (map_h + gap) * rows + legend_in + top_in - 0.3
    fig = Figure(figsize=(WIDTH_IN, h))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, gridspec_kw={"hspace": gap / map_h, "wspace": 0.03})
    fig.subplots_adjust(left=0.01, right=0.99, top=1 - top_in / h, bottom=(legend_in + extra_gap_in) / h)
    axes = list(np.atleast_1d(axes).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _finish(ax, areas, title: str | None, n: int, inset: bool = False, min_share: float | None = None) -> None:
    """Outlines, title, scale bar, north arrow, the overview inset (when ``inset``) and labels."""
    _outlines(ax, areas)
    if title:
        ax.set_title(title, fontsize=8.5, fontweight="bold", loc="left")
    scale_bar(ax)
    north_arrow(ax)
    avoid = (SCALE_BOX, NORTH_BOX) + ((INSET_BOX,) if inset else ())
    if inset:
        overview_inset(ax, areas)
    if min_share is None:
        min_share = 0.004 if n == 1 else 0.01
    label_areas(ax, areas, fontsize=6.5 if n == 1 else 5.5, min_share=min_share, avoid=avoid)


def _legend(fig, handles, ncol: int = 3) -> None:
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=6.5, frameon=False,
               bbox_to_anchor=(0.5, 0.0), handlelength=1.6, handleheight=1.2)


def _detail_view(areas: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, keep: np.ndarray) -> View:
    """:func:`focus_view` around the cells where ``keep`` is true."""
    return focus_view(areas, shapely.bounds(cells.geometry.to_numpy()[keep]) if keep.any() else None)
# ---------------------------------------------------------------- map types
def _cold_layer(ax, cells: gpd.GeoDataFrame, cold: np.ndarray) -> None:
    if cold.any():
        _draw_cells(ax, cells, np.where(cold, 1.0, np.nan), mpl.colors.ListedColormap([COLD_COLOUR]),
                    mpl.colors.Normalize(0, 2))
        _hatch_cells(ax, cells, cold)


def hotspot_map(areas: gpd.GeoDataFrame, grid_hotspots: gpd.GeoDataFrame, problems: list[str],
                families, *, note: str = "") -> Figure:
    """Getis–Ord Gi* classes per grid cell, one panel per problem: hot spots in three shades
    (darker = more certain), cold spots light blue and hatched. The maps zoom to the significant
    cells of all panels (:func:`focus_view`) with an overview inset of the whole kommun."""
    with mpl.rc_context(STYLE):
        shown = grid_hotspots[grid_hotspots["problem"].isin(problems)]
        codes = shown["hotspot_class"].astype(str).map({c: v[0] for c, v in HOT_CLASSES.items()}).fillna(0)
        view = _detail_view(areas, shown, codes.to_numpy(float) != 0)
        zoomed = view != full_view(areas)
        fig, axes = _panels(len(problems), view)
        cmap = mpl.colors.ListedColormap([HOT_COLOURS[1], HOT_COLOURS[2], HOT_COLOURS[3]])
        norm = mpl.colors.BoundaryNorm([0.5, 1.5, 2.5, 3.5], 3)
        for i, (ax, p) in enumerate(zip(axes, problems)):
            _base(ax, areas, view)
            sel = (shown["problem"] == p).to_numpy()
            cells, code = shown[sel], codes.to_numpy(float)[sel]
            if len(cells):
                _draw_cells(ax, cells, np.where(code > 0, code, np.nan), cmap, norm)
                _cold_layer(ax, cells, code < 0)
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, len(problems),
                    inset=zoomed and i == 0)
        handles = [Patch(facecolor=HOT_COLOURS[c], label=lab) for c, lab in
                   ((3, "Hot spot, 99 %"), (2, "Hot spot, 95 %"), (1, "Hot spot, 90 %"))]
        handles.append(Patch(facecolor=COLD_COLOUR, hatch="////", edgecolor="#08306b", label="Cold spot (90–99 %)"))
        handles.append(Patch(facecolor="#f4f4f4", edgecolor="#4d4d4d", label="Inte signifikant" + note))
        _legend(fig, handles, ncol=3)
        return fig


def emerging_map(areas: gpd.GeoDataFrame, emerging: gpd.GeoDataFrame, problems: list[str], families) -> Figure:
    """Emerging hot spot categories, grouped into four hot groups (dark = newer/stronger) and one
    hatched group for every cold pattern; zoomed to the cells with a pattern."""
    with mpl.rc_context(STYLE):
        shown = emerging[emerging["problem"].isin(problems)]
        cat_all = shown["ehs_category"].astype(str)
        view = _detail_view(areas, shown, (cat_all != "no_pattern").to_numpy() & cat_all.notna().to_numpy())
        zoomed = view != full_view(areas)
        fig, axes = _panels(len(problems), view)
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
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, len(problems),
                    inset=zoomed and i == 0)
        handles = [Patch(facecolor=EHS_GROUPS[g][1], label=EHS_GROUPS[g][2]) for g in (1, 2, 3, 4)]
        handles.append(Patch(facecolor=COLD_COLOUR, hatch="////", edgecolor="#08306b", label="Cold spot (alla mönster)"))
        _legend(fig, handles, ncol=2)
        return fig


def kde_map(areas: gpd.GeoDataFrame, kde: gpd.GeoDataFrame, problems: list[str], families) -> Figure:
    """Kernel density (brott per km² och år) per problem, sequential colour map, one colour bar
    per panel; cells with density below 1 % of the panel's maximum are left blank. The maps zoom
    to the cells above 20 % of their panel's maximum (the rest of the kommun is in the inset)."""
    with mpl.rc_context(STYLE):
        shown = kde[kde["problem"].isin(problems)]
        dens = shown["density_per_km2_year"].astype(float).to_numpy()
        top = shown.assign(_v=dens).groupby("problem")["_v"].transform(lambda v: np.nanpercentile(v, 99.5)
                                                                        if np.isfinite(v).any() else np.nan)
        view = _detail_view(areas, shown, np.nan_to_num(dens) >= 0.2 * top.to_numpy(float))
        zoomed = view != full_view(areas)
        fig, axes = _panels(len(problems), view, legend_in=0.1, extra_gap_in=0.45)
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
                cb.ax.tick_params(labelsize=6)
                cb.ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda x, _: fmt_num(x, 0)))
                cb.set_label("Brott per km² och år", fontsize=6.5)
            _finish(ax, areas, problem_label(p, families) if len(problems) > 1 else None, len(problems),
                    inset=zoomed and i == 0)
        return fig


def _small_areas_view(areas: gpd.GeoDataFrame, aspect: float) -> View:
    """A window of height/width ``aspect`` around the areas smaller than the median area (the
    urban core), or the whole kommun."""
    a = areas.geometry.area.to_numpy()
    small = a < np.median(a)
    return focus_view(areas, shapely.bounds(areas.geometry.to_numpy()[small]) if small.sum() >= 2 else None,
                      margin_frac=0.05, max_share=0.75, aspect=aspect)


def area_choropleth(areas: gpd.GeoDataFrame, values: pd.Series, label: str,
                    suppressed: set[str] | frozenset = frozenset(), n_classes: int = 5) -> Figure:
    """Areas shaded by a value (``values`` indexed by area_id) in equal-count classes of a
    sequential colour map; ``suppressed`` areas hatched as "för få"; missing ones white.

    The whole kommun on the left; on the right, when the small (urban) areas sit together, a
    detail map of them so that their shades and names can be read.
    """
    with mpl.rc_context(STYLE):
        full = full_view(areas)
        aspect = min(max((full[3] - full[2]) / (full[1] - full[0]), 0.5), 1.6)
        detail = _small_areas_view(areas, aspect)
        views = [full] + ([detail] if detail != full else [])
        fig, axes = _panels(len(views), full if len(views) == 1 else (0.0, 1.0, 0.0, aspect))
        v = areas["area_id"].map(values).astype(float)
        ok = v.notna() & ~areas["area_id"].isin(suppressed)
        sup = areas["area_id"].isin(suppressed)
        handles, colours, cls = [], [], None
        if ok.any():
            qs = np.unique(np.nanquantile(v[ok], np.linspace(0, 1, n_classes + 1)))
            if len(qs) < 2:
                qs = np.array([v[ok].min(), v[ok].min() + 1])
            cmap = mpl.colormaps["Blues"]
            colours = [cmap(i / max(len(qs) - 2, 1) * 0.85 + 0.12) for i in range(len(qs) - 1)]
            cls = np.clip(np.searchsorted(qs, v[ok], side="right") - 1, 0, len(qs) - 2)
            handles = [Patch(facecolor=colours[i], edgecolor="#4d4d4d",
                             label=f"{fmt_num(qs[i], 1)}–{fmt_num(qs[i + 1], 1)}") for i in range(len(qs) - 1)]
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
            _finish(ax, areas, None, 1, min_share=0.02 if len(views) > 1 and j == 0 else None)
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=6.5, frameon=False,
                   title=label, title_fontsize=7, bbox_to_anchor=(0.5, 0.0))
        return fig
