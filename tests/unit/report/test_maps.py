"""Map building blocks: rasterising a regular grid, greedy labels, scale bar."""

import base64
import re
import struct

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from pipeline.report import cartography as C
from pipeline.report import maps as M
from pipeline.report.figures import HALO
from pipeline.report.svg import svg_bytes

from . import make_areas, make_frames


def _cells(n=3, size=100.0):
    xs, ys = np.meshgrid(np.arange(n) * size, np.arange(n) * size)
    return gpd.GeoDataFrame(geometry=shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + size, ys.ravel() + size),
                            crs="EPSG:3006")


def test_rasterise_places_each_cell_at_its_row_and_column():
    cells = _cells().iloc[[0, 4, 8, 5]]  # (0,0), (1,1), (2,2), (row 1, col 2)
    grid, extent = C.rasterise(cells, np.array([1.0, 2.0, 3.0, 4.0]))
    assert extent == (0.0, 300.0, 0.0, 300.0)
    assert grid[0, 0] == 1 and grid[1, 1] == 2 and grid[2, 2] == 3 and grid[1, 2] == 4
    assert np.isnan(grid[0, 1])


def test_rasterise_refuses_irregular_cells():
    cells = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100), shapely.box(0, 100, 50, 200)], crs="EPSG:3006")
    assert C.rasterise(cells, np.array([1.0, 2.0])) is None


def test_every_area_gets_a_label_of_at_least_7_pt_and_none_overlap():
    areas = make_areas()
    fig, (ax,), _ = C._panels(1, C.full_view(areas))
    C._base(ax, areas)
    placed = C.label_areas(ax, areas)
    assert set(placed) == set(areas["area_id"])  # every area, the tiny castle island too
    numbers = C.area_numbers(areas)
    tiny = areas.loc[areas["area_name"] == "Slottsholmen", "area_id"].iloc[0]
    assert placed[tiny] == str(numbers[tiny]) == "14"  # its name does not fit: its number from the key
    assert placed[areas.loc[areas["area_name"] == "Centrum", "area_id"].iloc[0]] == "Centrum"
    assert min(t.get_fontsize() for t in ax.texts) >= 7
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in ax.texts]
    assert len(boxes) == len(placed)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # with its own spot taken, the island's number moves out on a leader line
    pt = areas[areas["area_id"] == tiny].geometry.iloc[0].representative_point()
    fig, (ax,), _ = C._panels(1, C.full_view(areas))
    C._base(ax, areas)
    fx, fy = ax.transAxes.inverted().transform(ax.transData.transform((pt.x, pt.y)))
    placed = C.label_areas(ax, areas, avoid=((fx - 0.02, fy - 0.02, fx + 0.02, fy + 0.02),))
    assert placed[tiny] == "14" and len(ax.lines) == 1
    (line,) = ax.lines
    assert np.allclose(line.get_xydata()[0], (pt.x, pt.y))  # from the island to its number


def test_scale_bar_is_a_round_length_near_a_fifth_of_the_map():
    areas = make_areas()
    fig, (ax,), _ = C._panels(1, C.full_view(areas))
    C._base(ax, areas)
    assert C.scale_bar(ax) == 2000  # map about 21 km wide: a fifth is 4.2 km, the nice length below is 2 km


def test_maps_have_legend_scale_and_north_arrow():
    fr = make_frames(cell_m=1000, map_problems=["all", "drugs"])
    fig = M.hotspot_map(fr["areas"], fr["grid_hotspots"], ["all", "drugs"], fr["families"])
    assert fig.legends and len(fig.axes) == 2
    for ax in fig.axes:
        texts = [t.get_text() for t in ax.texts]
        assert "N" in texts and "2 km" in texts
    FigureCanvasAgg(fig)
    fig.canvas.draw()


def test_focus_view_zooms_to_the_cells_with_a_margin_and_falls_back_to_the_whole_kommun():
    areas = make_areas()  # 20 x 16 km from (580 000, 6 600 000); full view padded by 0.03 * 20 km = 600 m
    assert C.full_view(areas) == (579_400.0, 600_600.0, 6_599_400.0, 6_616_600.0)
    b = np.array([[588_000.0, 6_606_000.0, 590_000.0, 6_607_000.0]])  # 2 x 1 km of cells
    # margin max(0.2 * 2 km, 500 m) = 500 m -> 3 x 2 km; min span 3 km -> 3 x 3 km around (589 000, 6 606 500)
    assert C.focus_view(areas, b) == (587_500.0, 590_500.0, 6_605_000.0, 6_608_000.0)
    # forced aspect 0.5: the 3 x 3 km window is widened to 6 x 3 km
    assert C.focus_view(areas, b, aspect=0.5) == (586_000.0, 592_000.0, 6_605_000.0, 6_608_000.0)
    spread = np.array([[581_000.0, 6_601_000.0, 582_000.0, 6_602_000.0], [598_000.0, 6_614_000.0, 599_000.0, 6_615_000.0]])
    assert C.focus_view(areas, spread) == C.full_view(areas)  # would cover most of the kommun
    assert C.focus_view(areas, None) == C.full_view(areas)
    # a window at the kommun's edge is shifted inside it
    edge = np.array([[580_000.0, 6_600_000.0, 580_500.0, 6_600_500.0]])
    x0, x1, y0, y1 = C.focus_view(areas, edge)
    assert (x0, y0) == (579_400.0, 6_599_400.0) and x1 - x0 == 3000.0 and y1 - y0 == 3000.0


def test_crop_keeps_the_cells_inside_the_window_plus_one():
    grid = np.arange(100.0).reshape(10, 10)  # 10 x 10 cells of 100 m from (0, 0)
    sub, ext = C._crop(grid, (0.0, 1000.0, 0.0, 1000.0), (250.0, 450.0, 610.0, 790.0))
    assert ext == (100.0, 600.0, 500.0, 900.0)  # columns 1..5, rows 5..8
    assert sub.shape == (4, 5) and sub[0, 0] == grid[5, 1]


def test_labels_avoid_reserved_corners_and_only_count_the_visible_part():
    areas = make_areas()
    fig, (ax,), _ = C._panels(1, C.full_view(areas))
    C._base(ax, areas)
    placed = C.label_areas(ax, areas, avoid=((0.0, 0.0, 1.0, 1.0),))  # the whole map reserved
    assert set(placed.values()) <= {str(n) for n in C.area_numbers(areas).values()}  # no name fits: numbers only
    c = areas[areas["area_name"] == "Centrum"].geometry.iloc[0].representative_point()
    fig, (ax,), _ = C._panels(1, (c.x - 300, c.x + 300, c.y - 300, c.y + 300))
    C._base(ax, areas, (c.x - 300, c.x + 300, c.y - 300, c.y + 300))
    assert "Centrum" in C.label_areas(ax, areas).values()  # large in this window although small in the kommun


def test_choropleth_classes_are_natural_breaks_with_counts_in_the_legend():
    import pandas as pd

    values = pd.Series([19.2, 20.0, 21.5, 22.2, 23.0, 23.2, 24.8, 25.0, 31.9, 48.0, 51.0, 138.3])
    bins, yb = M.classes(values, 5)
    # Fisher–Jenks puts the one outlier alone in the top class instead of stretching a quantile class
    assert bins[-1] == 138.3 and (yb == len(bins) - 1).sum() == 1
    labels = M.class_labels(values, bins, yb)
    assert labels[-1] == "138,3 (1 område)" and sum(int(s.split("(")[1].split()[0]) for s in labels) == len(values)
    areas = make_areas()
    fig = M.area_choropleth(areas, pd.Series(np.linspace(10, 60, len(areas)), index=areas["area_id"]), "Brott per 1 000")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert all("område" in s for s in legend)


def test_detail_maps_zoom_and_carry_an_overview_inset():
    fr = make_frames(cell_m=500, map_problems=["all"])
    gh = fr["grid_hotspots"]
    gh = gh[gh["problem"] == "all"].copy()
    b = gh.geometry.bounds
    core = ((b["minx"] - 588_000).abs() < 1100) & ((b["miny"] - 6_606_000).abs() < 1100)  # ~ 4 x 4 cells
    gh["hotspot_class"] = np.where(core, "hot_99", "not_significant")
    fig = M.hotspot_map(fr["areas"], gh, ["all"], fr["families"])
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    hb = gh[core].total_bounds
    assert x1 - x0 < 0.5 * (C.full_view(fr["areas"])[1] - C.full_view(fr["areas"])[0])
    assert x0 < hb[0] and x1 > hb[2] and y0 < hb[1] and y1 > hb[3]
    assert len(ax.child_axes) == 1  # the overview inset
    texts = [t.get_text() for t in ax.texts]
    assert "N" in texts and any(t.endswith("km") for t in texts)


def _optimal_breaks(x: np.ndarray, k: int) -> np.ndarray:
    """Jenks' natural breaks by brute force: of all splits of the sorted values into k runs, the one
    with the least within-class sum of squared deviations; returns each class's maximum."""
    from itertools import combinations

    best, breaks = np.inf, None
    for cuts in combinations(range(1, len(x)), k - 1):
        runs = np.split(x, cuts)
        ssd = sum(((r - r.mean()) ** 2).sum() for r in runs)
        if ssd < best - 1e-9:
            best, breaks = ssd, np.array([r.max() for r in runs])
    return breaks


def test_natural_breaks_without_numba_are_the_optimal_partition():
    """classes() runs mapclassify's Fisher–Jenks as plain Python (numba hidden at its import): on
    small skewed samples its breaks are the optimal partition found by brute force, every value is
    in the first class that holds it, and a process that draws the classes does not load numba."""
    import subprocess
    import sys

    import pandas as pd

    rng = np.random.default_rng(7)
    cases = [rng.gamma(2.0, 10.0, 12), rng.lognormal(2, 1, 14), np.array([0.5, 1.5, 2, 9, 9.5, 40.0, 41, 77, 80, 300])]
    for v in cases:
        x = np.sort(v).astype("f8")
        bins, yb = M.classes(pd.Series(v), 5)
        assert np.allclose(bins, _optimal_breaks(x, 5)), (bins, _optimal_breaks(x, 5))
        assert np.array_equal(yb, np.searchsorted(bins, v))  # each value in the first class that holds it
    code = ("import sys, pandas as pd; from pipeline.report import maps; "
            "b, _ = maps.classes(pd.Series([1.0, 2, 3, 10, 11, 30, 31, 80])); "
            "print(b.tolist(), 'numba' in sys.modules, maps._mapclassify().classifiers.HAS_NUMBA)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("]")[1].split() == ["False", "False"], out


def _pngs(svg: str) -> list[tuple[int, int, str]]:
    """(width, height, style) of every PNG embedded in an SVG, read from the PNG's own header."""
    out = []
    for m in re.finditer(r'<image xlink:href="data:image/png;base64,([^"]+)"([^>]*)>', svg):
        png = base64.b64decode(m.group(1).replace("\n", ""))
        width, height = struct.unpack(">II", png[16:24])
        out.append((width, height, m.group(2)))
    return out


def test_map_svg_keeps_haloed_labels_as_text_and_cells_at_their_own_resolution():
    fr = make_frames(cell_m=1000, map_problems=["all"])
    fig = M.hotspot_map(fr["areas"], fr["grid_hotspots"], ["all"], fr["families"])
    haloed = [t for t in fig.findobj(Text) if t.get_path_effects()]
    names = [t.get_text() for t in haloed]
    assert "Centrum" in names and "N" in names and "2 km" in names
    svg = svg_bytes(fig).decode()
    halo = "stroke: #ffffff; stroke-width: 2px; stroke-linejoin: round; paint-order: stroke; "
    for name in names:  # text a reader can search, stroked under its fill: not glyph outlines
        assert re.search(f'<text style="{halo}[^"]*"[^>]*>{re.escape(name)}</text>', svg), name
    assert svg.count(halo) == len(names)
    # the figure is left as it was: a raster canvas (a notebook) still draws the path effect
    assert all(t.get_path_effects() == HALO and t.get_gid() is None for t in haloed)
    # the cells go in as one pixel each (the kommun is about 20 km across: ~20 columns), drawn
    # without smoothing, instead of a picture resampled to 200 dpi (over 1 000 pixels across)
    (width, height, style), *_ = _pngs(svg)
    assert width <= 25 and height <= 25 and "image-rendering:pixelated" in style


def test_a_multi_line_halo_text_keeps_its_path_effect_in_svg():
    fig = Figure(figsize=(2, 1))
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "två\nrader", path_effects=HALO)
    svg = svg_bytes(fig).decode()
    assert "paint-order" not in svg and ">två</text>" not in svg


def test_problems_with_content_are_those_with_a_significant_cell_a_pattern_or_a_density():
    import pandas as pd

    hot = pd.DataFrame({"problem": ["a", "a", "b", "b", "c", "e"],
                        "hotspot_class": pd.Categorical(["not_significant", "cold_95", "not_significant",
                                                         "not_significant", None, "hot_99"])})
    assert M.problems_with_content("hotspots", hot) == {"a", "c", "e"}  # a missing class is not "nothing"
    assert M.has_content("hotspots", hot, "a") and not M.has_content("hotspots", hot, "b")
    assert not M.has_content("hotspots", hot, "d") and not M.has_content("hotspots", hot.iloc[:0], "a")
    emerging = pd.DataFrame({"problem": ["a", "b", "b"], "ehs_category": ["no_pattern", "no_pattern", "new_hot"]})
    assert M.problems_with_content("emerging", emerging) == {"b"}
    kde = pd.DataFrame({"problem": ["a", "b", "c", "c"], "density_per_km2_year": [0.0, None, "x", 0.3]})
    assert M.problems_with_content("kde", kde) == {"c"} and M.problems_with_content("kde", None) == set()


def test_a_haloed_text_that_draws_nothing_lends_its_halo_to_no_other_text():
    fig = Figure(figsize=(2, 1))
    ax = fig.add_subplot()
    ax.text(float("nan"), 0.5, "nowhere", path_effects=HALO)  # matplotlib opens its group, draws no text
    ax.text(0.2, 0.2, "plain")
    svg = svg_bytes(fig).decode()
    assert "paint-order" not in svg and ">plain</text>" in svg
