"""Gi* against the textbook formula (by hand) and esda on Columbus; weights; classes."""

import warnings

import geopandas as gpd
import numpy as np
import pytest
from scipy import stats

from pipeline.geo.hotspots import classify_hotspots, gi_star, gi_star_permutation
from pipeline.geo.weights import distance_band_weights, queen_weights

esda = pytest.importorskip("esda")
from libpysal import examples  # noqa: E402
from libpysal.weights import DistanceBand, Queen  # noqa: E402


@pytest.fixture
def line5():
    """Five cells on a line 100 m apart; band 100 m -> each cell, itself and its two neighbours."""
    xy = np.column_stack([np.arange(5) * 100.0, np.zeros(5)])
    x = np.array([1, 2, 3, 10, 0])
    w = np.array([
        [1, 1, 0, 0, 0],
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 0, 1, 1],
    ], dtype=float)
    return xy, x, w


@pytest.fixture(scope="module")
def columbus():
    path = examples.get_path("columbus.shp")  # ships with libpysal, no download
    return gpd.read_file(path)


def test_distance_band_on_line(line5):
    xy, _, w = line5
    got = distance_band_weights(xy, 100.0)
    assert np.array_equal(got.toarray(), w)


def test_gi_star_equals_hand_formula_on_line(line5):
    xy, x, w = line5
    n = 5
    xbar = x.mean()  # 3.2
    s = np.sqrt(((x - xbar) ** 2).sum() / n)  # population sd
    wi = w.sum(axis=1)
    s1 = (w**2).sum(axis=1)
    expected = (w @ x - xbar * wi) / (s * np.sqrt((n * s1 - wi**2) / (n - 1)))
    z, p = gi_star(x, distance_band_weights(xy, 100.0))
    assert np.allclose(z, expected, atol=1e-12, rtol=0)
    # cell 3 (value 10): (13 - 9.6) / (3.6 * sqrt(6/4)) = 0.7714...
    assert z[3] == pytest.approx(3.4 / (s * np.sqrt(1.5)), abs=1e-12)
    assert np.allclose(p, 2 * stats.norm.sf(np.abs(expected)), atol=1e-12)


def test_gi_star_many_columns_equal_one_at_a_time(line5):
    xy, x, _ = line5
    w = distance_band_weights(xy, 100.0)
    xx = np.column_stack([x, x[::-1] * 2.5, np.arange(5)])
    z, p = gi_star(xx, w)
    for c in range(3):
        zc, pc = gi_star(xx[:, c], w)
        assert np.allclose(z[:, c], zc, atol=1e-14) and np.allclose(p[:, c], pc, atol=1e-14)


def test_gi_star_constant_input_is_not_significant(line5):
    xy, _, _ = line5
    z, p = gi_star(np.zeros(5, dtype=int), distance_band_weights(xy, 100.0))
    assert (z == 0).all() and (p == 1).all()


@pytest.mark.parametrize("as_int", [False, True])
def test_gi_star_equals_esda_on_columbus_queen(columbus, as_int):
    y = columbus["CRIME"].to_numpy()
    if as_int:
        y = np.rint(y).astype("int64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wq = Queen.from_dataframe(columbus, use_index=False)
        ref = esda.G_Local(y.astype(float), wq, transform="B", star=True, permutations=0)
    z, p = gi_star(y, queen_weights(columbus.geometry))
    assert np.abs(z - ref.Zs).max() <= 1e-9
    assert np.abs(p - 2 * ref.p_norm).max() <= 1e-9  # esda's p_norm is one-sided


def test_gi_star_equals_esda_on_columbus_distance_band(columbus):
    xy = columbus[["X", "Y"]].to_numpy(dtype=float)
    y = np.rint(columbus["HOVAL"].to_numpy()).astype("int64")
    ours = distance_band_weights(xy, 8.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wd = DistanceBand(xy, threshold=8.0, binary=True, silence_warnings=True)
        ref = esda.G_Local(y, wd, transform="B", star=True, permutations=0)
    # same neighbours (plus the diagonal on our side)
    lib = wd.sparse.toarray()
    np.fill_diagonal(lib, 1)
    assert np.array_equal(ours.toarray(), lib)
    z, _ = gi_star(y, ours)
    assert np.abs(z - ref.Zs).max() <= 1e-9


def test_queen_weights_binary_with_self(columbus):
    w = queen_weights(columbus.geometry)
    assert (w.diagonal() == 1).all()
    assert set(np.unique(w.data)) == {1.0}
    assert (w != w.T).nnz == 0


def test_permutation_p_is_seeded_and_bounded(columbus):
    y = columbus["CRIME"].to_numpy()
    w = queen_weights(columbus.geometry)
    p1 = gi_star_permutation(y, w, permutations=999, seed=42)
    p2 = gi_star_permutation(y, w, permutations=999, seed=42)
    p3 = gi_star_permutation(y, w, permutations=999, seed=43)
    assert np.array_equal(p1, p2) and not np.array_equal(p1, p3)
    assert p1.min() >= 2 / 1000 and p1.max() <= 1
    _, p_analytic = gi_star(y, w)
    rho = stats.spearmanr(p1, p_analytic).statistic
    assert rho > 0.8  # the same ranking of evidence as the analytic test
    with pytest.raises(ValueError):
        gi_star_permutation(y, w, permutations=99, seed=None)


def test_permutation_finds_planted_extreme():
    # 20x20 lattice, one block of high values: its centre cannot be beaten by any permutation
    ix, iy = np.meshgrid(np.arange(20), np.arange(20))
    xy = np.column_stack([ix.ravel(), iy.ravel()]) * 100.0
    x = np.zeros(400)
    centre = 10 * 20 + 10
    block = (np.abs(ix.ravel() - 10) <= 1) & (np.abs(iy.ravel() - 10) <= 1)
    x[block] = 50
    x[::7] += 1
    w = distance_band_weights(xy, 150.0)
    p = gi_star_permutation(x, w, permutations=199, seed=1)
    assert p[centre] == pytest.approx(2 / 200)


def test_classify_hotspots_by_q_and_sign():
    z = np.array([3.0, 2.0, 1.8, 1.0, -3.0, -2.0, -1.7, 0.0, 2.0])
    q = np.array([0.001, 0.03, 0.08, 0.5, 0.01, 0.05, 0.1, 1.0, np.nan])
    got = classify_hotspots(z, q)
    assert list(got) == ["hot_99", "hot_95", "hot_90", "not_significant", "cold_99", "cold_95",
                         "cold_90", "not_significant", "not_significant"]
