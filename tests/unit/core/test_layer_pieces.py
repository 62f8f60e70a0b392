"""The grid layers travel from a forked child without their polygons and get them back by cell."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from pipeline.layer_pieces import WithoutCellGeometry, with_cell_geometry, without_cell_geometry


def _layers():
    grid = gpd.GeoDataFrame({"cell_id": ["c2", "c0", "c1"], "area_id": ["a", "a", "b"]},
                            geometry=[box(2, 0, 3, 1), box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:3006")
    hot = gpd.GeoDataFrame({"cell_id": ["c0", "c1", "c2", "c0"], "problem": ["all", "all", "all", "harm"],
                            "gi_z": [0.5, -1.0, 2.0, 0.1]},
                           geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(0, 0, 1, 1)], crs="EPSG:3006")
    return {"grid": grid, "grid_hotspots": hot, "kde": hot.iloc[:0].copy(),
            "concentration": pd.DataFrame({"problem": ["all"], "gini": [0.4]})}


def test_the_round_trip_gives_back_the_same_layers():
    layers = _layers()
    part = without_cell_geometry(layers)
    assert "geometry" not in part.layers["grid_hotspots"].columns and "geometry" in part.layers["grid"].columns
    back = with_cell_geometry(part)
    for name, frame in layers.items():
        pd.testing.assert_frame_equal(back[name], frame, check_exact=True)
        assert type(back[name]) is type(frame)
    assert back["grid_hotspots"].crs == "EPSG:3006"
    assert list(back["grid_hotspots"].geometry.bounds["minx"]) == [0, 1, 2, 0]  # c0, c1, c2, c0


def test_layers_with_their_geometry_pass_unchanged():
    layers = _layers()
    assert with_cell_geometry(layers) is layers and isinstance(without_cell_geometry(layers), WithoutCellGeometry)


def test_a_row_whose_cell_is_not_in_the_grid_gets_no_polygon_and_rows_share_their_cell_polygon():
    layers = _layers()
    hot = layers["grid_hotspots"]
    layers["grid_hotspots"] = hot.assign(cell_id=pd.array(["c0", "gone", None, "c0"], dtype="str"))
    back = with_cell_geometry(without_cell_geometry(layers))["grid_hotspots"]
    assert back.geometry.isna().tolist() == [False, True, True, False]
    polygons = back.geometry.array
    # one polygon object per cell: the GeoParquet writer encodes each distinct object once
    assert polygons[0] is polygons[3] is layers["grid"].geometry.array[1]
