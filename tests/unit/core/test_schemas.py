"""Stage-boundary checks: the column registry rejects frames that break a table's contract."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from pipeline.errors import DataError
from pipeline.schemas import validate


def _hot(**over):
    row = {"cell_id": "E0N0", "problem": "all", "n_incidents": 3, "harm_days": 90.0, "gi_z": 2.5,
           "gi_p": 0.01, "gi_q": 0.04, "hotspot_class": "hot_95", "area_id": "A"}
    row.update(over)
    return gpd.GeoDataFrame([row], geometry=[box(0, 0, 250, 250)], crs="EPSG:3006")


def test_a_valid_layer_passes_with_extra_columns():
    assert len(validate("grid_hotspots", _hot())) == 1


@pytest.mark.parametrize("over, words", [({"gi_q": 1.5}, "gi_q"), ({"hotspot_class": "hot"}, "hotspot_class"),
                                         ({"n_incidents": -1}, "n_incidents")])
def test_broken_layer_values_fail_with_one_line_naming_the_table(over, words):
    with pytest.raises(DataError) as err:
        validate("grid_hotspots", _hot(**over))
    msg = str(err.value)
    assert "\n" not in msg and "grid_hotspots" in msg and words in msg


def test_points_where_polygons_belong_are_rejected():
    bad = _hot().set_geometry([Point(1, 1)])
    with pytest.raises(DataError, match="must hold Polygon"):
        validate("grid_hotspots", bad)


def test_a_polygon_layer_takes_multipolygons_and_empty_cells_and_names_every_other_kind():
    rows = pd.concat([_hot(cell_id=c) for c in ("A", "B", "C", "D")], ignore_index=True)
    ok = rows.iloc[:3].set_geometry(gpd.GeoSeries([box(0, 0, 1, 1), MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)]),
                                                   Polygon()], crs="EPSG:3006"))
    assert len(validate("grid_hotspots", ok)) == 3
    mixed = rows.set_geometry(gpd.GeoSeries([box(0, 0, 1, 1), LineString([(0, 0), (1, 1)]), Point(1, 1),
                                             Point(2, 2)], crs="EPSG:3006"))
    with pytest.raises(DataError, match=r"must hold Polygon geometries, found \['LineString', 'Point', 'Polygon'\]"):
        validate("grid_hotspots", mixed)


def test_every_geometry_kind_is_named_as_geopandas_names_it():
    from shapely.geometry import GeometryCollection, LinearRing, MultiLineString, MultiPoint

    shapes = [Point(0, 0), LineString([(0, 0), (1, 1)]), LinearRing([(0, 0), (1, 0), (1, 1)]), box(0, 0, 1, 1),
              MultiPoint([(0, 0), (1, 1)]), MultiLineString([[(0, 0), (1, 1)]]),
              MultiPolygon([box(0, 0, 1, 1)]), GeometryCollection([Point(0, 0)])]
    geoms = gpd.GeoSeries(shapes, crs="EPSG:3006")
    rows = pd.concat([_hot(cell_id=f"C{i}") for i in range(len(shapes))], ignore_index=True).set_geometry(geoms)
    named = sorted(set(geoms.geom_type.str.replace("Multi", "")))
    assert named == ["GeometryCollection", "LineString", "LinearRing", "Point", "Polygon"]
    with pytest.raises(DataError) as err:
        validate("grid_hotspots", rows)
    assert str(err.value).endswith(f"must hold Polygon geometries, found {named}")


def test_a_nullable_point_table_takes_missing_geometries():
    from pipeline.schemas import TABLES

    assert TABLES["est_reports"].nullable_geometry and TABLES["est_reports"].geometry == "Point"
    est = gpd.GeoDataFrame({"est_id": ["E1", "E2"], "occurred_at": pd.to_datetime(["2025-03-01", "2025-03-02"]),
                            "est_type": ["skadegörelse", "skadegörelse"], "problem": ["vandalism", None],
                            "place_name": ["Torget", "Parken"], "organisation": ["Kommun", "Kommun"],
                            "text": ["", ""], "area_id": ["A", None], "source_file": ["est.csv", "est.csv"],
                            "source_row": [2, 3]}, geometry=[Point(1, 1), None], crs="EPSG:3006")
    assert len(validate("est_reports", est)) == 2
    with pytest.raises(DataError, match=r"must hold Point geometries, found \['Polygon'\]"):
        validate("est_reports", est.set_geometry(gpd.GeoSeries([box(0, 0, 1, 1), None], crs="EPSG:3006")))


def test_problembilder_key_is_unique():
    pb = pd.DataFrame({"rank": [1, 2], "rank_low": [1, 1], "rank_high": [2, 2], "area_id": ["A", "A"],
                       "problem": ["drugs", "drugs"], "score": [0.7, 0.6]})
    with pytest.raises(DataError, match="problembilder"):
        validate("problembilder", pb)


def test_core_tables_stay_strict():
    pop = pd.DataFrame({"area_id": ["A"], "year": [2025], "sex": ["alla"], "age_band": ["alla"], "population": [10],
                        "extra": [1]})
    with pytest.raises(DataError, match="population"):
        validate("population", pop)
