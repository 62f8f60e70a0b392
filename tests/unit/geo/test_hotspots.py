"""Gi* against the textbook formula (by hand) and esda on Columbus; the exact random-placement
p-values against scipy's binomial and brute-force enumeration of every placement; the
conditional permutation test against exact enumeration of every permutation; calibration on
grids with nothing in them; weights; classes."""

import itertools
import warnings

import geopandas as gpd
import numpy as np
import pytest
from scipy import stats

from pipeline.geo.hotspots import (
    classify_hotspots, gi_star, gi_star_exact, gi_star_harm_exact, gi_star_permutation, min_permutations,
    window_probabilities,
)
from pipeline.stats.fdr import benjamini_hochberg
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


def _lattice(side, band=150.0):
    ix, iy = np.meshgrid(np.arange(side), np.arange(side))
    return distance_band_weights(np.column_stack([ix.ravel(), iy.ravel()]) * 100.0, band)


def test_permutation_p_matches_every_permutation_enumerated():
    """4 × 4 queen lattice: for each cell the exact conditional-permutation p (every k-subset of
    the other 15 values) against ours with 40,000 draws: within 5 Monte Carlo SDs."""
    w = _lattice(4)
    x = np.random.default_rng(3).poisson(1.5, 16).astype(float)
    draws = 40_000
    ours = gi_star_permutation(x, w, draws, seed=1)
    folded = gi_star_permutation(x, w, draws, seed=1, alternative="folded")
    for i in range(16):
        nb = [j for j in w[i].indices if j != i]
        others = np.delete(x, i)
        obs = x[nb].sum() + x[i]
        subsets = np.array(list(itertools.combinations(range(15), len(nb))))
        sums = others[subsets].sum(axis=1) + x[i]
        up, low = (sums >= obs).mean(), (sums <= obs).mean()
        exact = min(1.0, 2 * min(up, low))
        sd = np.sqrt(max(exact * (1 - exact), 1e-12) / draws) * 2 + 2 / draws
        assert abs(ours[i] - exact) <= 5 * sd, (i, ours[i], exact)
        exact_folded = min(up, (sums < obs).mean())   # esda's p_sim
        assert abs(folded[i] - exact_folded) <= 5 * np.sqrt(exact_folded * (1 - exact_folded) / draws) + 2 / draws


def test_distinct_draws_rejection_equals_checking_every_row():
    """The rejection path re-checks only redrawn rows; the straightforward loop (sort every row,
    redraw the rows with a repeat, until none) must give the same draws from the same seed,
    and every row must be k distinct indices (checked with Python sets)."""
    from pipeline.geo.hotspots import _distinct_draws, _has_repeat

    def straightforward(rng, pool, k, draws):
        idx = rng.integers(0, pool, size=(draws, k))
        while True:
            bad = np.array([len(set(row)) < k for row in idx.tolist()])
            if not bad.any():
                return idx
            idx[bad] = rng.integers(0, pool, size=(int(bad.sum()), k))

    for pool, k in ((24, 4), (59, 7), (9, 3), (5, 1)):
        ours = _distinct_draws(np.random.default_rng(11), pool, k, 2_000)
        ref = straightforward(np.random.default_rng(11), pool, k, 2_000)
        assert np.array_equal(ours, ref), (pool, k)
        assert all(len(set(row)) == k for row in ours.tolist())
    rows = np.array([[1, 2, 3], [4, 4, 5], [6, 7, 6], [8, 9, 9], [0, 1, 2]])
    assert _has_repeat(rows).tolist() == [False, True, True, True, False]


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


def test_min_permutations_lets_bh_reject():
    assert min_permutations(25, 0.05) == 999
    assert 2 / (min_permutations(11_000, 0.05) + 1) <= 0.05 / 11_000


# ---------------------------------------------------------------- exact random-placement test
def test_exact_p_is_the_binomial_tail_from_scipy():
    w = _lattice(5)
    x = np.zeros(25)
    x[[0, 6, 6, 12, 12, 12, 24]] += 1
    x[12] += 4                                    # counts: 7 in the centre, 11 incidents in all
    p, up, low = gi_star_exact(x, w)
    n, big_n = 25, x.sum()
    window = np.asarray(w @ x).ravel()
    prob = np.asarray(w.sum(axis=1)).ravel() / n  # W_i / n with equal cells
    np.testing.assert_allclose(up, stats.binom.sf(window - 1, big_n, prob), rtol=1e-12)
    np.testing.assert_allclose(low, stats.binom.cdf(window, big_n, prob), rtol=1e-12)
    np.testing.assert_allclose(p, np.minimum(1, 2 * np.minimum(up, low)), rtol=0)
    # exposure: π_i = Σ_{j in window} e_j / Σ e
    e = np.linspace(1, 3, 25)
    _, up_e, _ = gi_star_exact(x, w, e)
    np.testing.assert_allclose(up_e, stats.binom.sf(window - 1, big_n, (w @ e) / e.sum()), rtol=1e-12)
    np.testing.assert_allclose(window_probabilities(w, e), (w @ e) / e.sum())


def _every_placement(n_cells, n_inc, prob):
    """All n_cells^n_inc placements with their probabilities (cells of each incident, weights)."""
    cells = np.array(list(itertools.product(range(n_cells), repeat=n_inc)))
    return cells, np.prod(prob[cells], axis=1)


def test_exact_p_equals_enumerating_every_placement():
    """3 × 3 grid, 5 incidents, unequal exposure: the tail of each window count computed from all
    9^5 placements equals the binomial tail of gi_star_exact."""
    w = _lattice(3, band=100.0)               # rook neighbours and self
    e = np.array([1.0, 2, 1, 0.5, 3, 1, 1, 1, 2])
    placements, weight = _every_placement(9, 5, e / e.sum())
    x_obs = np.bincount([4, 4, 4, 1, 8], minlength=9).astype(float)
    _, up, low = gi_star_exact(x_obs, w, e)
    counts = np.stack([np.bincount(r, minlength=9) for r in placements])      # (59049, 9)
    window = counts @ w.toarray().T                                          # window counts per placement
    obs = w.toarray() @ x_obs
    for i in range(9):
        assert up[i] == pytest.approx(weight[window[:, i] >= obs[i]].sum(), rel=1e-12)
        assert low[i] == pytest.approx(weight[window[:, i] <= obs[i]].sum(), rel=1e-12)


def test_exact_harm_p_equals_enumerating_every_placement():
    """The harm sum: 5 incidents with harm 14, 14, 60, 365, 3710 days on a 3 × 3 grid with
    unequal exposure; every one of 9^5 placements enumerated."""
    w = _lattice(3, band=100.0)
    e = np.array([1.0, 2, 1, 0.5, 3, 1, 1, 1, 2])
    harm = np.array([14.0, 14, 60, 365, 3710])
    cell_obs = np.array([4, 4, 3, 4, 8])
    _, up, low = gi_star_harm_exact(cell_obs, harm, w, e)
    placements, weight = _every_placement(9, 5, e / e.sum())
    a = w.toarray()
    in_window = a[:, placements]                                  # (9 windows, placements, 5 incidents)
    sums = (in_window * harm).sum(axis=2)
    obs = (a[:, cell_obs] * harm).sum(axis=1)
    for i in range(9):
        assert up[i] == pytest.approx(weight[sums[i] >= obs[i] - 1e-9].sum(), rel=1e-10)
        assert low[i] == pytest.approx(weight[sums[i] <= obs[i] + 1e-9].sum(), rel=1e-10)


def test_exact_harm_p_is_conservative_when_window_probabilities_are_grouped():
    from pipeline.stats.placement import window_sum_tails

    rng = np.random.default_rng(1)
    prob = rng.uniform(0.01, 0.05, 60)
    counts = rng.poisson(0.8, (60, 3)).astype(float)
    values, totals = np.array([14.0, 60, 365]), np.array([30, 20, 5])
    up, low, _ = window_sum_tails(counts, values, totals, prob, max_levels=60)   # every π exact
    up_g, low_g, _ = window_sum_tails(counts, values, totals, prob, max_levels=6)
    assert (up_g >= up - 1e-12).all() and (low_g >= low - 1e-12).all() and (up_g > up).any()


def test_exact_p_needs_counts_and_binary_weights():
    w = _lattice(3)
    with pytest.raises(ValueError, match="counts"):
        gi_star_exact(np.full(9, 0.5), w)
    with pytest.raises(ValueError, match="binary"):
        gi_star_exact(np.ones(9), w * 2.0)


def test_no_pattern_no_hot_cells_where_the_normal_approximation_finds_many():
    """30 × 30 grid, 40 incidents placed at random, 200 times: the exact test with
    Benjamini–Hochberg at 5 % calls any cell in at most about 5 % of the grids, the normal
    approximation of Gi* (the old inference) in nearly every grid. The harm sum likewise."""
    w = _lattice(30, band=150.0)
    rng = np.random.default_rng(7)
    harm_values = np.array([5.0, 30, 60, 365, 760])
    any_exact = any_harm = any_normal = 0
    for _ in range(200):
        cells = rng.integers(0, 900, 40)
        x = np.bincount(cells, minlength=900).astype(float)
        any_exact += benjamini_hochberg(gi_star_exact(x, w)[0], 0.05)[1].any()
        harm = rng.choice(harm_values, 40, p=[0.3, 0.3, 0.25, 0.1, 0.05])
        any_harm += benjamini_hochberg(gi_star_harm_exact(cells, harm, w)[0], 0.05)[1].any()
        any_normal += benjamini_hochberg(gi_star(x, w)[1], 0.05)[1].any()
    assert any_exact <= 16 and any_harm <= 16       # 10 expected at the nominal 5 %; 16 is +2 SD
    assert any_normal >= 150


def test_exact_p_finds_a_planted_cluster():
    w = _lattice(30, band=150.0)
    rng = np.random.default_rng(8)
    x = np.bincount(rng.integers(0, 900, 200), minlength=900).astype(float)
    x[15 * 30 + 15] += 12
    q = benjamini_hochberg(gi_star_exact(x, w)[0], 0.05)[0]
    assert q[15 * 30 + 15] < 0.001


def test_classify_hotspots_by_q_and_sign():
    z = np.array([3.0, 2.0, 1.8, 1.0, -3.0, -2.0, -1.7, 0.0, 2.0])
    q = np.array([0.001, 0.03, 0.08, 0.5, 0.01, 0.05, 0.1, 1.0, np.nan])
    got = classify_hotspots(z, q)
    assert list(got) == ["hot_99", "hot_95", "hot_90", "not_significant", "cold_99", "cold_95",
                         "cold_90", "not_significant", "not_significant"]
