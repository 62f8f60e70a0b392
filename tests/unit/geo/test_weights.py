"""queen_weights: the same neighbours as libpysal's Queen (shared vertex), on real boundaries
and on holes, multipolygons, islands and signed zeros."""

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.geo.weights import queen_weights

libpysal = pytest.importorskip("libpysal")
from libpysal import examples  # noqa: E402
from libpysal.weights import Queen  # noqa: E402


def libpysal_queen(geoms) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands
        w = Queen.from_iterable(list(geoms), ids=list(range(len(geoms)))).sparse.toarray()
    w[w != 0] = 1.0
    np.fill_diagonal(w, 1.0)
    return w


def test_equals_libpysal_on_columbus():
    geoms = gpd.read_file(examples.get_path("columbus.shp")).geometry
    assert np.array_equal(queen_weights(geoms).toarray(), libpysal_queen(geoms))


def test_equals_libpysal_on_swedens_kommuner(shared_data):
    geoms = gpd.read_file(shared_data / "kommuner.geojson").geometry
    ours = queen_weights(geoms)
    assert np.array_equal(ours.toarray(), libpysal_queen(geoms))
    assert (ours != ours.T).nnz == 0 and ours.nnz > 3 * len(geoms)  # real neighbours, not only self


def test_holes_multipolygons_islands_and_signed_zero():
    ring = shapely.Polygon([(0, 0), (3, 0), (3, 3), (0, 3)], holes=[[(1, 1), (2, 1), (2, 2), (1, 2)]])
    inside = shapely.box(1, 1, 2, 2)                                    # fills the hole: shares its vertices
    parts = shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.box(3, 3, 4, 4)])  # touches ring at (3, 3)
    island = shapely.box(20, 20, 21, 21)
    signed = shapely.Polygon([(-1, -0.0), (0, -0.0), (0, -1), (-1, -1)])  # corner (0, -0.0) = ring's (0, 0)
    geoms = [ring, inside, parts, island, signed]
    ours = queen_weights(gpd.GeoSeries(geoms)).toarray()
    assert np.array_equal(ours, libpysal_queen(geoms))
    assert ours[0].tolist() == [1, 1, 1, 0, 1] and ours[3].tolist() == [0, 0, 0, 1, 0]


def test_no_polygons():
    assert queen_weights(gpd.GeoSeries([], dtype="geometry")).shape == (0, 0)
