"""Map building blocks: rasterising a regular grid, greedy labels, scale bar."""

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg

from pipeline.report import maps as M

from . import make_areas, make_frames


def _cells(n=3, size=100.0):
    xs, ys = np.meshgrid(np.arange(n) * size, np.arange(n) * size)
    return gpd.GeoDataFrame(geometry=shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + size, ys.ravel() + size),
                            crs="EPSG:3006")


def test_rasterise_places_each_cell_at_its_row_and_column():
    cells = _cells().iloc[[0, 4, 8, 5]]  # (0,0), (1,1), (2,2), (row 1, col 2)
    grid, extent = M.rasterise(cells, np.array([1.0, 2.0, 3.0, 4.0]))
    assert extent == (0.0, 300.0, 0.0, 300.0)
    assert grid[0, 0] == 1 and grid[1, 1] == 2 and grid[2, 2] == 3 and grid[1, 2] == 4
    assert np.isnan(grid[0, 1])


def test_rasterise_refuses_irregular_cells():
    cells = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100), shapely.box(0, 100, 50, 200)], crs="EPSG:3006")
    assert M.rasterise(cells, np.array([1.0, 2.0])) is None


def test_labels_skip_tiny_area_and_never_overlap():
    areas = make_areas()
    fig, (ax,) = M._panels(1, M.full_view(areas))
    M._base(ax, areas)
    placed = M.label_areas(ax, areas)
    assert "Slottsholmen" not in placed and "Centrum" in placed
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in ax.texts]
    assert len(boxes) == len(placed)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_scale_bar_is_a_round_length_near_a_fifth_of_the_map():
    areas = make_areas()
    fig, (ax,) = M._panels(1, M.full_view(areas))
    M._base(ax, areas)
    assert M.scale_bar(ax) == 2000  # map about 21 km wide: a fifth is 4.2 km, the nice length below is 2 km


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
    assert M.full_view(areas) == (579_400.0, 600_600.0, 6_599_400.0, 6_616_600.0)
    b = np.array([[588_000.0, 6_606_000.0, 590_000.0, 6_607_000.0]])  # 2 x 1 km of cells
    # margin max(0.2 * 2 km, 500 m) = 500 m -> 3 x 2 km; min span 3 km -> 3 x 3 km around (589 000, 6 606 500)
    assert M.focus_view(areas, b) == (587_500.0, 590_500.0, 6_605_000.0, 6_608_000.0)
    # forced aspect 0.5: the 3 x 3 km window is widened to 6 x 3 km
    assert M.focus_view(areas, b, aspect=0.5) == (586_000.0, 592_000.0, 6_605_000.0, 6_608_000.0)
    spread = np.array([[581_000.0, 6_601_000.0, 582_000.0, 6_602_000.0], [598_000.0, 6_614_000.0, 599_000.0, 6_615_000.0]])
    assert M.focus_view(areas, spread) == M.full_view(areas)  # would cover most of the kommun
    assert M.focus_view(areas, None) == M.full_view(areas)
    # a window at the kommun's edge is shifted inside it
    edge = np.array([[580_000.0, 6_600_000.0, 580_500.0, 6_600_500.0]])
    x0, x1, y0, y1 = M.focus_view(areas, edge)
    assert (x0, y0) == (579_400.0, 6_599_400.0) and x1 - x0 == 3000.0 and y1 - y0 == 3000.0


def test_crop_keeps_the_cells_inside_the_window_plus_one():
    grid = np.arange(100.0).reshape(10, 10)  # 10 x 10 cells of 100 m from (0, 0)
    sub, ext = M._crop(grid, (0.0, 1000.0, 0.0, 1000.0), (250.0, 450.0, 610.0, 790.0))
    assert ext == (100.0, 600.0, 500.0, 900.0)  # columns 1..5, rows 5..8
    assert sub.shape == (4, 5) and sub[0, 0] == grid[5, 1]


def test_labels_avoid_reserved_corners_and_only_count_the_visible_part():
    areas = make_areas()
    fig, (ax,) = M._panels(1, M.full_view(areas))
    M._base(ax, areas)
    placed = M.label_areas(ax, areas, avoid=((0.0, 0.0, 1.0, 1.0),))  # the whole map reserved
    assert placed == [] and not ax.texts
    c = areas[areas["area_name"] == "Centrum"].geometry.iloc[0].representative_point()
    fig, (ax,) = M._panels(1, (c.x - 300, c.x + 300, c.y - 300, c.y + 300))
    M._base(ax, areas, (c.x - 300, c.x + 300, c.y - 300, c.y + 300))
    assert "Centrum" in M.label_areas(ax, areas)  # large in this window although small in the kommun


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
    assert x1 - x0 < 0.5 * (M.full_view(fr["areas"])[1] - M.full_view(fr["areas"])[0])
    assert x0 < hb[0] and x1 > hb[2] and y0 < hb[1] and y1 > hb[3]
    assert len(ax.child_axes) == 1  # the overview inset
    texts = [t.get_text() for t in ax.texts]
    assert "N" in texts and any(t.endswith("km") for t in texts)
