"""KDE surface: mass, peak location, agreement with a direct Gaussian sum, bandwidth rule."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.geo.grid import cell_centres, make_grid
from pipeline.geo.kde import default_bandwidth, kde_surface

X0, Y0 = 500000.0, 6600000.0


@pytest.fixture(scope="module")
def grid10km():
    return make_grid(gpd.GeoSeries([shapely.box(X0, Y0, X0 + 10000, Y0 + 10000)], crs=3006), 250)


@pytest.fixture(scope="module")
def planted():
    """300 points around (X0+6200, Y0+3100) plus 200 spread over the middle of the square."""
    rng = np.random.default_rng(11)
    cluster = rng.normal([X0 + 6200, Y0 + 3100], 150, size=(300, 2))
    spread = rng.uniform([X0 + 3000, Y0 + 3000], [X0 + 7000, Y0 + 7000], size=(200, 2))
    return np.vstack([cluster, spread])


def direct(xy, centres, sigma, weights=None):
    w = np.ones(len(xy)) if weights is None else weights
    d2 = ((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1)
    return (np.exp(-d2 / (2 * sigma**2)) * w).sum(axis=1) / (2 * np.pi * sigma**2) * 1e6


def test_integrates_to_points_per_year(grid10km, planted):
    d = kde_surface(planted, None, grid10km, 250, 300, years=2.0)
    cell_km2 = 0.25 * 0.25
    assert d.sum() * cell_km2 == pytest.approx(len(planted) / 2.0, rel=0.01)


def test_peak_at_planted_cluster(grid10km, planted):
    d = kde_surface(planted, None, grid10km, 250, 300, years=1.0)
    peak = cell_centres(grid10km, 250)[np.argmax(d)]
    assert np.hypot(peak[0] - (X0 + 6200), peak[1] - (Y0 + 3100)) <= 250


def test_matches_direct_gaussian_sum(grid10km, planted):
    rng = np.random.default_rng(2)
    # points outside the grid count too: just past the east and south edges, and far away
    outside = np.vstack([rng.uniform([X0 + 10000, Y0 + 2000], [X0 + 11500, Y0 + 8000], size=(40, 2)),
                         rng.uniform([X0 + 2000, Y0 - 1500], [X0 + 8000, Y0], size=(40, 2)),
                         [[X0 - 50000, Y0 + 5000], [X0 + 5000, Y0 + 90000]]])
    pts = np.vstack([planted, outside])
    wts = rng.uniform(1, 10, len(pts))
    d = kde_surface(pts, wts, grid10km, 250, 300, years=1.0)
    ref = direct(pts, cell_centres(grid10km, 250), 300, wts)
    big = ref > 0.01 * ref.max()
    assert np.abs(d[big] / ref[big] - 1).max() <= 1e-4
    assert np.abs(d - ref).max() <= 1e-5 * ref.max()
    assert (d >= 0).all()


def test_small_bandwidth_uses_finer_lattice(grid10km, planted):
    d = kde_surface(planted, None, grid10km, 250, 90, years=1.0)
    ref = direct(planted, cell_centres(grid10km, 250), 90)
    big = ref > 0.01 * ref.max()
    assert np.abs(d[big] / ref[big] - 1).max() <= 1e-4


def test_batched_columns_equal_single(grid10km, planted):
    w2 = np.column_stack([np.ones(len(planted)), np.arange(len(planted)) % 3])
    both = kde_surface(planted, w2, grid10km, 250, 300, years=1.0)
    assert both.shape == (len(grid10km), 2)
    assert np.allclose(both[:, 1], kde_surface(planted, w2[:, 1], grid10km, 250, 300, 1.0), atol=1e-9)


def test_no_points_gives_zero(grid10km):
    assert (kde_surface(np.zeros((0, 2)), None, grid10km, 250, 300, 1.0) == 0).all()


def test_default_bandwidth_is_scott_with_robust_spread():
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 1000, size=(4096, 2))
    # sigma ~ 1000, n^(-1/6) = 4096^(-1/6) = 1/4
    assert default_bandwidth(xy) == pytest.approx(250, rel=0.05)
    assert np.isnan(default_bandwidth(xy[:1]))
