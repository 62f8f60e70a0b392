"""Map building blocks: raster grids, polygons, windows, labels, scale bar, north arrow, inset.

Used by :mod:`pipeline.report.maps` (the map types). Grid layers (tens of thousands of cells)
are drawn as one raster (``imshow``) instead of one polygon per cell: the cells of a layer lie
on a regular grid, so each cell is a pixel.

Labels (:func:`label_areas`): every area that shows in the map window is labelled at 7 pt or
more: with its name where the name fits without touching another label, otherwise with its
number (:func:`pipeline.report.views.area_numbers`; the report prints the key, a table of the
areas with their numbers), moved outward with a leader line when its own spot is taken.
Hand-written placement (a greedy search over a ring of positions): adjustText is not a project
dependency.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle
from matplotlib.path import Path

from pipeline.report.figures import HALO, RASTER_DPI, WIDTH_IN
from pipeline.text.format_sv import fmt_num

LABEL_PT = 7.0  # smallest label size on a map
MAP_MAX_H = 3.8  # inches: a single map leaves room for text on its page (taller ones left pages half empty)


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
              interpolation="none", zorder=2)


def _hatch_cells(ax, cells: gpd.GeoDataFrame, mask: np.ndarray, colour: str = "#08306b") -> None:
    """Hatch the cells where ``mask`` is true with diagonal lines, drawn as one raster: the part
    of the mask inside the window is upsampled to the axes' width at RASTER_DPI and lines are
    laid on a global pixel pattern so they run on across neighbouring cells."""
    if not mask.any():
        return
    r = rasterise(cells, mask.astype(float))
    if r is None:
        draw_polygons(ax, cells.geometry[mask], hatch="////", edgecolor=colour, zorder=3)
        return
    grid, extent = _crop(*r, _view_of(ax))
    if grid.size == 0 or not np.nan_to_num(grid).any():
        return
    across = ax.get_position().width * ax.figure.get_figwidth() * RASTER_DPI
    f = max(1, int(round(across / max(grid.shape[1], 1))))
    big = np.kron(np.nan_to_num(grid) > 0.5, np.ones((f, f), dtype=bool))
    i, j = np.indices(big.shape)
    rgba = np.zeros(big.shape + (4,), dtype=np.float32)
    rgba[..., :3] = mpl.colors.to_rgb(colour)
    rgba[..., 3] = big & ((i + j) % max(f // 3, 6) < max(f // 12, 2))
    ax.imshow(rgba, extent=extent, origin="lower", interpolation="none", zorder=3)


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


def area_numbers(areas: gpd.GeoDataFrame) -> dict[str, int]:
    """The number each area carries on the maps: 1, 2, … in area_id order (the report's key)."""
    return {a: i + 1 for i, a in enumerate(sorted(areas["area_id"].astype(str)))}


def _fits(bb, placed, axbox) -> bool:
    inside = axbox.contains(bb.x0, bb.y0) and axbox.contains(bb.x1, bb.y1)
    return inside and not any(bb.overlaps(o) for o in placed)


def label_areas(ax, areas: gpd.GeoDataFrame, numbers: dict[str, int] | None = None, fontsize: float = LABEL_PT,
                avoid: tuple = (), skip: frozenset = frozenset()) -> dict[str, str]:
    """Label every area that shows in the window (module docstring); returns area_id → the text
    placed (its name, or its number as a string).

    Order: largest visible part first. An area shows when its visible part is at least 0.1 % of
    the window or it lies wholly inside it. A name is kept only where it overlaps no placed
    label, no ``avoid`` box (axes fractions) and stays inside the axes; else the number is
    tried at the area's representative point and then on rings of 8 positions around it (a
    leader line joins a moved number to its area); as a last resort it stays on its point. A name
    wider than 1.6 times its area's visible part is not used (it would seem to name a neighbour).
    Areas in ``skip`` (labelled on a detail map beside this one) are left out.
    """
    fontsize = max(fontsize, LABEL_PT)
    numbers = numbers or area_numbers(areas)
    fig = ax.figure
    if fig.canvas is None or not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    axbox = ax.get_window_extent(renderer)
    x0, x1, y0, y1 = _view_of(ax)
    geoms = areas.geometry.to_numpy()
    visible = shapely.clip_by_rect(geoms, x0, y0, x1, y1)
    share = shapely.area(visible) / ((x1 - x0) * (y1 - y0))
    whole = shapely.area(visible) >= 0.999 * shapely.area(geoms)
    placed = [mpl.transforms.Bbox.from_extents(*b).transformed(ax.transAxes) for b in avoid]
    to_data = ax.transData.inverted()
    ids, names = areas["area_id"].astype(str).to_numpy(), areas["area_name"].astype(str).to_numpy()
    out: dict[str, str] = {}
    for i in np.argsort(-share, kind="stable"):
        if share[i] < 0.001 and not (whole[i] and share[i] > 0):
            continue
        area_id, name = ids[i], names[i]
        if area_id in skip:
            continue
        p = shapely.get_coordinates(visible[i].representative_point())[0]
        t = ax.text(p[0], p[1], name, fontsize=fontsize, ha="center", va="center", path_effects=HALO, zorder=6,
                    clip_on=True)
        bb = t.get_window_extent(renderer).expanded(1.05, 1.15)
        vb = shapely.bounds(visible[i])
        width = abs(ax.transData.transform((vb[2], vb[3]))[0] - ax.transData.transform((vb[0], vb[1]))[0])
        if bb.width <= 1.6 * width and _fits(bb, placed, axbox):  # a name much wider than its area misleads
            placed.append(bb)
            out[area_id] = name
            continue
        t.remove()
        label = str(numbers.get(area_id, "?"))
        t = ax.text(p[0], p[1], label, fontsize=fontsize, fontweight="bold", ha="center", va="center",
                    path_effects=HALO, zorder=7, clip_on=True)
        bb = t.get_window_extent(renderer).expanded(1.1, 1.1)
        px, py = ax.transData.transform(p)
        best = None
        for radius in (0.0, 1.3, 2.2, 3.2, 4.5):
            for k in range(8 if radius else 1):
                ang = np.pi / 4 * k
                dx, dy = radius * bb.height * np.cos(ang), radius * bb.height * np.sin(ang)
                cand = mpl.transforms.Bbox.from_extents(bb.x0 + dx, bb.y0 + dy, bb.x1 + dx, bb.y1 + dy)
                if _fits(cand, placed, axbox):
                    best = (dx, dy, cand)
                    break
            if best:
                break
        dx, dy, cand = best or (0.0, 0.0, bb)
        if dx or dy:
            qx, qy = to_data.transform((px + dx, py + dy))
            t.set_position((qx, qy))
            ax.plot([p[0], qx], [p[1], qy], color="#333333", lw=0.5, zorder=6, solid_capstyle="round")
        placed.append(cand)
        out[area_id] = label
    return out


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
    axes positions so that labels can be measured before saving. Returns (figure, map axes,
    spare axes): with an odd number of small multiples the last slot is handed back (switched
    off) for the legend, so no panel is left empty."""
    x0, x1, y0, y1 = view
    aspect = min(max((y1 - y0) / max(x1 - x0, 1.0), 0.5), 1.6)
    if n <= 1:  # at most MAP_MAX_H tall (a narrower map when the window is tall), so a page has room for text
        map_w = min(WIDTH_IN * 0.98, MAP_MAX_H / aspect)
        map_h = map_w * aspect
        h = map_h + legend_in + 0.1
        fig = Figure(figsize=(WIDTH_IN, h))
        FigureCanvasAgg(fig)
        ax = fig.add_axes(((1 - map_w / WIDTH_IN) / 2, legend_in / h, map_w / WIDTH_IN, map_h / h))
        return fig, [ax], None
    rows = (n + 1) // 2
    spare_slot = n % 2 == 1
    legend_in = 0.1 if spare_slot else legend_in
    map_h = WIDTH_IN / 2 * aspect
    gap = 0.35 + extra_gap_in
    top_in = 0.3 + (0.15 if extra_gap_in else 0.0)
    h = (map_h + gap) * rows + legend_in + top_in - 0.3
    fig = Figure(figsize=(WIDTH_IN, h))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, gridspec_kw={"hspace": gap / map_h, "wspace": 0.03})
    fig.subplots_adjust(left=0.01, right=0.99, top=1 - top_in / h, bottom=(legend_in + extra_gap_in) / h)
    axes = list(np.atleast_1d(axes).ravel())
    spare = axes[n] if spare_slot else None
    if spare is not None:
        spare.set_axis_off()
    return fig, axes[:n], spare


def _finish(ax, areas, title: str | None, inset: bool = False, skip: frozenset = frozenset()) -> dict[str, str]:
    """Outlines, title, scale bar, north arrow, the overview inset (when ``inset``) and labels;
    returns what :func:`label_areas` placed."""
    _outlines(ax, areas)
    if title:
        ax.set_title(title, fontsize=8.5, fontweight="bold", loc="left")
    scale_bar(ax)
    north_arrow(ax)
    avoid = (SCALE_BOX, NORTH_BOX) + ((INSET_BOX,) if inset else ())
    if inset:
        overview_inset(ax, areas)
    return label_areas(ax, areas, avoid=avoid, skip=skip)


def _legend(fig, handles, ncol: int = 3, spare=None, title: str | None = None) -> None:
    """The legend at the foot of the figure, or in the spare small-multiple slot."""
    kw = dict(handles=handles, fontsize=7, frameon=False, handlelength=1.6, handleheight=1.2, title=title,
              title_fontsize=7.5)
    if spare is not None:
        spare.legend(loc="center left", ncol=1, **kw)
    else:  # matplotlib fills a legend column by column: reorder so that it reads row by row, in class order
        rows = -(-len(handles) // ncol)
        kw["handles"] = [handles[r * ncol + c] for c in range(ncol) for r in range(rows) if r * ncol + c < len(handles)]
        fig.legend(loc="lower center", ncol=ncol, bbox_to_anchor=(0.5, 0.0), **kw)


def _detail_view(areas: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, keep: np.ndarray) -> View:
    """:func:`focus_view` around the cells where ``keep`` is true."""
    return focus_view(areas, shapely.bounds(cells.geometry.to_numpy()[keep]) if keep.any() else None)
