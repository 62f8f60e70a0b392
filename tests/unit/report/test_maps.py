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
    fig, (ax,) = M._panels(1, areas)
    M._base(ax, areas)
    placed = M.label_areas(ax, areas)
    assert "Slottsholmen" not in placed and "Centrum" in placed
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in ax.texts]
    assert len(boxes) == len(placed)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_scale_bar_is_a_round_length_near_a_fifth_of_the_map():
    areas = make_areas()
    fig, (ax,) = M._panels(1, areas)
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
