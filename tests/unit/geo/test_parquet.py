"""read_geoparquet: the same GeoDataFrame as geopandas.read_parquet, repeated cells decoded once;
write_frame: the same table as GeoDataFrame.to_parquet, shared cells encoded once and stored as a
dictionary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from pipeline.geo.parquet import geoparquet_table, read_geoparquet
from pipeline.io import write_frame


def _grid_layer() -> gpd.GeoDataFrame:
    cells = [shapely.box(x, y, x + 250, y + 250) for x in range(0, 1000, 250) for y in range(0, 750, 250)]
    rows = len(cells) * 3
    frame = gpd.GeoDataFrame({
        "cell_id": np.tile(np.arange(len(cells)), 3), "problem": np.repeat(["all", "drugs", "theft"], len(cells)),
        "geometry": cells * 3, "z": np.linspace(-2, 2, rows), "label": pd.array([None, "hot_99"] * (rows // 2), "str")},
        geometry="geometry", crs="EPSG:3006")
    frame.loc[5, "geometry"] = None  # a missing geometry stays missing
    return frame


def test_same_frame_as_geopandas_with_repeated_and_missing_geometries(tmp_path):
    path = tmp_path / "grid_hotspots.parquet"
    _grid_layer().to_parquet(path, index=False, schema_version="1.0.0")
    ours, theirs = read_geoparquet(path), gpd.read_parquet(path)
    assert_geodataframe_equal(ours, theirs)
    assert list(ours.columns) == list(theirs.columns) and ours.crs == theirs.crs  # geometry stays in 3rd place
    assert (ours.dtypes == theirs.dtypes).all() and ours.geometry.iloc[5] is None
    assert ours.geometry.iloc[0] is ours.geometry.iloc[12]  # decoded once, shared by the rows of one cell


def test_points_go_to_geopandas_and_a_plain_table_is_refused(tmp_path):
    points = gpd.GeoDataFrame({"n": [1, 2]}, geometry=gpd.points_from_xy([1.0, 2.0], [3.0, 4.0]), crs="EPSG:3006")
    points.to_parquet(tmp_path / "p.parquet", index=False, schema_version="1.0.0")
    assert_geodataframe_equal(read_geoparquet(tmp_path / "p.parquet"), gpd.read_parquet(tmp_path / "p.parquet"))
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(ValueError):
        read_geoparquet(tmp_path / "plain.parquet")


def test_write_frame_gives_geopandas_table_with_shared_and_missing_geometries(tmp_path):
    import pyarrow.parquet as pq

    layer = _grid_layer().set_axis(pd.RangeIndex(10, 46))  # an index that is not written
    assert geoparquet_table(layer) is not None  # the rows share their cells' polygons: encoded once
    layer.to_parquet(tmp_path / "geopandas.parquet", index=False, schema_version="1.0.0")
    write_frame(layer, tmp_path / "ours.parquet")
    ours, theirs = pq.read_table(tmp_path / "ours.parquet"), pq.read_table(tmp_path / "geopandas.parquet")
    assert ours.equals(theirs) and ours.schema.metadata == theirs.schema.metadata


def test_many_distinct_polygons_are_stored_once_as_a_dictionary_and_read_back_equal(tmp_path):
    """20 000 cells x 10 problems: pyarrow's default dictionary page (1 MiB) gave up on the WKB and
    stored every row's polygon; write_frame keeps the dictionary (a fraction of the bytes)."""
    import pyarrow.parquet as pq

    xs, ys = np.meshgrid(np.arange(200) * 250.0, np.arange(100) * 250.0)
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 250, ys.ravel() + 250)
    problems = ["all", "harm", *(f"family_{i}" for i in range(8))]
    layer = gpd.GeoDataFrame({"problem": np.repeat(problems, len(cells)),
                              "z": np.arange(len(problems) * len(cells), dtype=float)},
                             geometry=np.tile(cells, len(problems)), crs="EPSG:3006")
    layer.to_parquet(tmp_path / "geopandas.parquet", index=False, schema_version="1.0.0")
    write_frame(layer, tmp_path / "ours.parquet")
    meta = pq.ParquetFile(tmp_path / "ours.parquet").metadata.row_group(0).column(2)
    assert meta.path_in_schema == "geometry" and meta.has_dictionary_page and "RLE_DICTIONARY" in meta.encodings
    assert (tmp_path / "ours.parquet").stat().st_size < (tmp_path / "geopandas.parquet").stat().st_size / 2
    back = read_geoparquet(tmp_path / "ours.parquet")
    assert_geodataframe_equal(back, gpd.read_parquet(tmp_path / "geopandas.parquet"))
    assert back.geometry.iloc[7] is back.geometry.iloc[7 + len(cells)]  # one polygon per cell


def test_a_dictionary_column_read_in_several_row_groups_gives_geopandas_frame(tmp_path):
    import pyarrow.parquet as pq

    table = geoparquet_table(_grid_layer())
    pq.write_table(table, tmp_path / "groups.parquet", row_group_size=7)  # 36 rows: six groups, six dictionaries
    assert pq.ParquetFile(tmp_path / "groups.parquet").metadata.num_row_groups == 6
    assert_geodataframe_equal(read_geoparquet(tmp_path / "groups.parquet"), gpd.read_parquet(tmp_path / "groups.parquet"))


def test_frames_without_shared_geometries_are_left_to_geopandas():
    layer = _grid_layer()
    distinct = layer.set_geometry(gpd.GeoSeries([shapely.Point(i, i) for i in range(len(layer))], crs=layer.crs))
    assert geoparquet_table(distinct) is None
    assert geoparquet_table(layer.iloc[:0]) is None
    with_attrs = layer.copy()
    with_attrs.attrs["source"] = "x"  # geopandas writes attrs into its own metadata
    assert geoparquet_table(with_attrs) is None


def test_layers_sharing_the_polygons_encode_them_once_and_each_is_geopandas_table(tmp_path, monkeypatch):
    """The grid layers are written one after the other with the same cell polygons: the second
    reuses the first's encoding (rows in another order, other columns), a layer in another CRS
    does not, and each file is the table geopandas writes."""
    import pyarrow.parquet as pq

    first = _grid_layer()
    second = first.iloc[::-1].reset_index(drop=True).assign(z=lambda f: -f["z"], extra=1.5)
    moved = first.set_crs("EPSG:3021", allow_override=True)
    encoded = []
    original = gpd.GeoDataFrame.to_parquet
    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", lambda self, *a, **k: encoded.append(len(self))
                        or original(self, *a, **k))
    for i, layer in enumerate((first, second, moved)):
        write_frame(layer, tmp_path / f"ours{i}.parquet")
        original(layer, tmp_path / f"geopandas{i}.parquet", index=False, schema_version="1.0.0")
        ours, theirs = pq.read_table(tmp_path / f"ours{i}.parquet"), pq.read_table(tmp_path / f"geopandas{i}.parquet")
        assert ours.equals(theirs) and ours.schema.metadata == theirs.schema.metadata, i
    assert encoded == [13, 13]  # the 12 polygons and the missing one: for the first layer and the moved one
