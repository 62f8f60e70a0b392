"""Grid alignment, cell count and arithmetic point assignment on hand-sized boundaries."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.geo.grid import assign_to_grid, cell_centres, make_grid


@pytest.fixture
def square_km():
    """A 1 km square with corners on multiples of 250 m."""
    return gpd.GeoSeries([shapely.box(587000, 6609000, 588000, 6610000)], crs=3006)


def test_square_boundary_gives_exactly_its_cells(square_km):
    g = make_grid(square_km, 250)
    assert len(g) == 16  # 4 x 4, no sliver cells from edges that only touch
    assert g.crs.to_epsg() == 3006
    assert g["cell_id"].iloc[0] == "E587000N6609000"
    assert set(g["cell_id"]) >= {"E587750N6609750", "E587250N6609500"}
    assert np.allclose(g.area, 250 * 250)
    b = g.total_bounds
    assert tuple(b) == (587000, 6609000, 588000, 6610000)


def test_offset_boundary_is_covered_by_aligned_full_cells():
    # 1 m past the edges on each side: one more ring of aligned cells, corners still multiples of 250
    bnd = gpd.GeoDataFrame(geometry=[shapely.box(586999, 6608999, 588001, 6610001)], crs=3006)
    g = make_grid(bnd, 250)
    assert len(g) == 36
    assert (np.mod(g.bounds.to_numpy(), 250) == 0).all()
    assert np.allclose(g.area, 62500)  # not clipped


def test_grid_only_keeps_cells_meeting_the_boundary():
    # an L-shape: 2x2 km minus the north-east 1x1 km quarter at 500 m cells -> 12 cells, not 16
    l_shape = shapely.box(0, 0, 2000, 2000).difference(shapely.box(1000, 1000, 2000, 2000))
    g = make_grid(gpd.GeoSeries([l_shape], crs=3006), 500)
    assert len(g) == 12


def test_grid_reprojects_and_rejects_missing_crs(square_km):
    wgs = square_km.to_crs(4326)
    g = make_grid(wgs, 250)
    assert 16 <= len(g) <= 25  # reprojected square no longer exactly aligned
    with pytest.raises(ValueError, match="CRS"):
        make_grid(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]), 250)


def test_assign_to_grid_by_floor(square_km):
    g = make_grid(square_km, 250)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([587130, 587250, 587999.9, 590000], [6609260, 6609000, 6609999.9, 6609000]),
        crs=3006, index=[10, 11, 12, 13],
    )
    got = assign_to_grid(pts, g, 250)
    assert list(got.index) == [10, 11, 12, 13]
    assert got.loc[10] == "E587000N6609250"
    assert got.loc[11] == "E587250N6609000"  # on an edge: goes to the cell north/east of it
    assert got.loc[12] == "E587750N6609750"
    assert pd.isna(got.loc[13])  # outside the grid


def test_cell_centres_are_mid_cell(square_km):
    g = make_grid(square_km, 250)
    xy = cell_centres(g, 250)
    assert np.allclose(xy, np.column_stack([g.centroid.x, g.centroid.y]))


def test_cell_land_area_counts_only_the_part_of_a_cut_cell_inside_the_kommun():
    from pipeline.geo.layers import cell_land_area

    # a right triangle with legs of 1 000 m: its hypotenuse x + y = 1 000 runs corner to corner
    # through the cells with i + j = 3 (250 m cells), cutting each in half
    kommun = gpd.GeoDataFrame(geometry=[shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])], crs="EPSG:3006")
    grid = make_grid(kommun, 250)
    area = cell_land_area(grid, kommun)
    ix = np.round(shapely.bounds(grid.geometry.to_numpy())[:, 0] / 250).astype(int)
    iy = np.round(shapely.bounds(grid.geometry.to_numpy())[:, 1] / 250).astype(int)
    expected = np.where(ix + iy <= 2, 62_500.0, 31_250.0)
    assert len(grid) == 10 and (ix + iy <= 3).all()
    np.testing.assert_allclose(area, expected, rtol=1e-12)
    assert area.sum() == pytest.approx(500_000.0)  # the triangle's area
