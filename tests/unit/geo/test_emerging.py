"""Emerging Hot Spot Analysis: Gi* against esda and a brute-force loop, the exact bin test
against scipy's binomial, one test per category rule edge case on hand-made significance
series, planted patterns and pattern-free cubes on synthetic grids, and the layer builder on a
tiny GeoDataFrame."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from esda.getisord import G_Local
from libpysal.weights import lat2W
from shapely.geometry import Point, box

from pipeline.config import LayersParams
from scipy import stats

from pipeline.geo.emerging import (
    CATEGORIES, EMERGING_COLUMNS, build_emerging_layer, classify_emerging, emerging_hotspots,
    space_time_cube, spacetime_exact_p, spacetime_gi_star,
)

H, C, N = "H", "C", "."  # hot, cold, not significant


def _series(*rows: str):
    """z and p matrices from strings such as 'HH..C': H → z=3, p=0.001; C → z=−3; . → z=0.1, p=0.9."""
    z = np.array([[{"H": 3.0, "C": -3.0, ".": 0.1}[ch] for ch in r] for r in rows])
    p = np.array([[0.001 if ch in "HC" else 0.9 for ch in r] for r in rows])
    return z, p


def _cls(row: str, mk_z: float = 0.0, mk_p: float = 1.0) -> str:
    z, p = _series(row)
    return classify_emerging(z, p, np.array([mk_z]), np.array([mk_p]), 0.05)[0]


# --- one test per rule and edge case -----------------------------------------------------------

def test_new_hot_only_final_step():
    assert _cls("." * 9 + "H") == "new_hot"


def test_new_beats_oscillating_when_cold_earlier():
    assert _cls("C" + "." * 8 + "H") == "new_hot"      # Esri's wording allows Oscillating too


def test_final_cold_after_nine_hot_steps_is_new_cold():
    assert _cls("H" * 9 + "C") == "new_cold"          # not Historical, not Oscillating


def test_consecutive_run_of_two_or_more():
    assert _cls("." * 7 + "HHH") == "consecutive_hot"
    assert _cls("." * 8 + "HH") == "consecutive_hot"


def test_consecutive_beats_oscillating_when_cold_earlier():
    assert _cls("CC" + "." * 5 + "HHH") == "consecutive_hot"


def test_consecutive_with_significant_trend_stays_consecutive():
    assert _cls("." * 7 + "HHH", mk_z=3.0, mk_p=0.001) == "consecutive_hot"


def test_sporadic_hot_before_the_final_run_never_cold():
    assert _cls("..H....HH.H") == "sporadic_hot"
    assert _cls("H" + "." * 8 + "H") == "sporadic_hot"


def test_oscillating_hot_before_and_cold_earlier():
    assert _cls("H...C....H") == "oscillating_hot"


def test_persistent_exactly_90_percent_including_final():
    assert _cls("HHHH.HHHHH") == "persistent_hot"  # 9 of 10


def test_below_90_percent_is_not_persistent():
    assert _cls("HH..HHHHHH") == "sporadic_hot"  # 8 of 10, hot before the final run


def test_intensifying_needs_significant_increasing_trend():
    assert _cls("H" * 10, mk_z=2.5, mk_p=0.01) == "intensifying_hot"
    assert _cls("H" * 10, mk_z=2.5, mk_p=0.20) == "persistent_hot"


def test_diminishing_needs_significant_decreasing_trend():
    assert _cls("H" * 10, mk_z=-2.5, mk_p=0.01) == "diminishing_hot"


def test_historical_when_final_step_not_significant():
    assert _cls("H" * 9 + ".") == "historical_hot"
    assert _cls("H" * 18 + "..") == "historical_hot"   # 18/20 = 90 %
    assert _cls("H" * 17 + "...") == "no_pattern"      # 85 %


def test_final_state_decides_before_history():
    # ≥ 90 % hot but the final step cold: the cold rules apply (first cold ever → new_cold)
    assert _cls("H" * 9 + "C") == "new_cold"


def test_cold_rules_mirror_hot_with_flipped_trend():
    assert _cls("C" * 10, mk_z=-2.5, mk_p=0.01) == "intensifying_cold"
    assert _cls("C" * 10, mk_z=2.5, mk_p=0.01) == "diminishing_cold"
    assert _cls("C" * 10) == "persistent_cold"
    assert _cls("." * 8 + "CC") == "consecutive_cold"
    assert _cls("C" + "." * 8 + "C") == "sporadic_cold"
    assert _cls("C..H.....C") == "oscillating_cold"
    assert _cls("C" * 9 + ".") == "historical_cold"


def test_nothing_significant_is_no_pattern_and_names_are_the_17():
    assert _cls("." * 10) == "no_pattern"
    assert len(CATEGORIES) == 17 and len(set(CATEGORIES)) == 17


def test_single_step_hot_is_persistent():
    assert _cls("H") == "persistent_hot"


# --- Gi* -------------------------------------------------------------------------------------

def test_gi_star_without_lags_matches_esda_per_step():
    w = lat2W(6, 6, rook=False)
    cube = np.random.default_rng(1).poisson(2, size=(36, 4)).astype(float)
    z, p = spacetime_gi_star(cube, w.sparse.tocsr(), time_lags=0, variance="step")
    for t in range(4):
        g = G_Local(cube[:, t], w, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(z[:, t], g.Zs, atol=1e-12)
        np.testing.assert_allclose(p[:, t], 2 * g.p_norm, atol=1e-12)


def _brute_force_gi(cube, a, k):
    n, t_steps = cube.shape
    xbar, s, big_n = cube.mean(), cube.std(), n * t_steps
    z = np.zeros_like(cube)
    for i in range(n):
        for t in range(t_steps):
            nb = [(j, u) for j in range(n) if a[i, j] or i == j for u in range(max(0, t - k), t + 1)]
            wsum = len(nb)
            num = sum(cube[j, u] for j, u in nb) - xbar * wsum
            z[i, t] = num / (s * np.sqrt((big_n * wsum - wsum**2) / (big_n - 1)))
    return z


def test_gi_star_cube_variance_with_lags_matches_brute_force_and_row_standardising():
    w = lat2W(4, 4, rook=True)
    a = w.sparse.toarray() > 0
    cube = np.random.default_rng(2).poisson(3, size=(16, 6)).astype(float)
    z, _ = spacetime_gi_star(cube, sp.csr_matrix(a.astype(float)), time_lags=2, variance="cube")
    np.testing.assert_allclose(z, _brute_force_gi(cube, a, 2), atol=1e-12)
    row_std = sp.diags(1 / (a.sum(1) + 1.0)) @ (sp.csr_matrix(a.astype(float)) + sp.identity(16))
    z_r, _ = spacetime_gi_star(cube, row_std.tocsr(), time_lags=2, variance="cube")
    np.testing.assert_allclose(z_r, z, atol=1e-12)


def test_constant_cube_gives_zero_z_and_no_pattern():
    w = lat2W(3, 3).sparse.tocsr()
    res = emerging_hotspots(np.zeros((9, 6)), w)
    assert (res["ehs_category"] == "no_pattern").all() and (res["mk_p"] == 1.0).all()


def test_space_time_cube_counts_and_ignores_unknown():
    cube = space_time_cube(pd.Series(["a", "b", "a", "z"]), pd.Series([1, 2, 1, 1]),
                           pd.Index(["a", "b", "c"]), pd.Index([1, 2]))
    np.testing.assert_array_equal(cube, [[2, 0], [0, 1], [0, 0]])


# --- planted patterns --------------------------------------------------------------------------

@pytest.fixture
def planted():
    side, t_steps = 15, 24
    rng = np.random.default_rng(11)
    lam = np.full((side, side, t_steps), 1.0)
    lam[2:5, 2:5, :] = 5.0          # persistent block, centre (3, 3)
    lam[10:13, 10:13, -1] = 12.0    # new block in the final month, centre (11, 11)
    cube = rng.poisson(lam).reshape(side * side, t_steps).astype(float)
    return cube, lat2W(side, side, rook=False).sparse.tocsr(), side


def test_planted_new_and_persistent_hotspots_are_recovered(planted):
    cube, w, side = planted
    res = emerging_hotspots(cube, w, time_lags=1, variance="cube", alpha=0.05)
    persistent = res["ehs_category"].iloc[3 * side + 3]
    new = res["ehs_category"].iloc[11 * side + 11]
    assert persistent in ("persistent_hot", "intensifying_hot")
    assert new in ("new_hot", "consecutive_hot")
    background = res["ehs_category"].iloc[7 * side + 7]
    assert background == "no_pattern"
    assert set(res["ehs_category"]) <= set(CATEGORIES)


# --- layer builder -----------------------------------------------------------------------------

def _tiny_grid(side=6, cell=100):
    return gpd.GeoDataFrame(
        {"cell_id": [f"c{i:02d}" for i in range(side * side)],
         "area_id": ["A" if i % side < 3 else "B" for i in range(side * side)]},
        geometry=[box(cell * (i % side), cell * (i // side), cell * (i % side + 1), cell * (i // side + 1))
                  for i in range(side * side)], crs="EPSG:3006")


def test_build_emerging_layer_on_a_tiny_grid():
    side = 6
    grid = _tiny_grid(side)
    rng = np.random.default_rng(5)
    n = 600
    cells = rng.integers(0, side * side, n)
    months = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    inc = gpd.GeoDataFrame(
        {"occurred_at": months.astype("datetime64[ns]"), "problem": np.where(rng.random(n) < 0.9, "theft", "fire")},
        geometry=[Point(100 * (c % side) + 50, 100 * (c // side) + 50) for c in cells], crs="EPSG:3006")
    w = lat2W(side, side, rook=False).sparse.tocsr()
    params = LayersParams(grid_cell_m=100)
    out = build_emerging_layer(inc, grid, w, params, first_year=2021, year=2025)
    assert list(out.columns) == list(EMERGING_COLUMNS)
    assert sorted(out["problem"].unique()) == ["all", "fire", "theft"]  # no minimum count: fire too
    assert len(out) == 3 * side * side and out.crs == grid.crs
    assert out["ehs_category"].isin(CATEGORIES).all()
    # 2024–2025 incidents fall in the 24-month window ending December 2025
    out2 = build_emerging_layer(inc, grid, w, params, first_year=2021, year=2026)
    assert len(out2) > 0


def test_an_incident_on_a_cell_edge_is_in_the_same_cell_as_in_the_gi_layer():
    """The cube places points by the grid arithmetic of Gi* and KDE (north/east on an edge), not
    by a spatial join that picks whichever touching cell comes first."""
    from pipeline.geo.grid import cell_position

    grid = _tiny_grid(4)
    edge = gpd.GeoDataFrame({"occurred_at": pd.to_datetime(["2025-12-10"] * 30).astype("datetime64[ns]"),
                             "problem": "theft"}, geometry=[Point(200, 200)] * 30, crs="EPSG:3006")
    pos = cell_position(edge, grid, 100)
    assert (pos == 10).all()                          # cell c10: x 200–300, y 200–300
    touching = gpd.sjoin(edge.head(1), grid, predicate="intersects")["cell_id"]
    assert sorted(touching) == ["c05", "c06", "c09", "c10"]   # a join has four candidates
    # with no neighbours (identity weights) only the cell holding the incidents can be hot
    out = build_emerging_layer(edge, grid, sp.identity(16, format="csr"), LayersParams(grid_cell_m=100),
                               first_year=2024, year=2025)
    hot = out[(out["problem"] == "all") & (out["n_hot_steps"] > 0)]["cell_id"]
    assert list(hot) == ["c10"]


def test_spacetime_gi_star_leaves_the_callers_weights_alone():
    w = (lat2W(3, 3).sparse * 2.0).tocsr()
    before = w.copy()
    spacetime_gi_star(np.ones((9, 4)), w)
    spacetime_exact_p(np.ones((9, 4)), w)
    assert (w != before).nnz == 0 and set(w.data) == {2.0}


def test_exact_bin_p_is_the_binomial_tail_given_each_step_total():
    w = lat2W(4, 4, rook=True).sparse.tocsr()
    rng = np.random.default_rng(4)
    cube = rng.poisson(1.0, (16, 5)).astype(float)
    e = rng.uniform(0.5, 2, 16)
    p, direction = spacetime_exact_p(cube, w, time_lags=1, exposure=e)
    a = w.toarray() > 0
    np.fill_diagonal(a, True)
    prob = (a @ e) / e.sum()
    for i in range(16):
        for t in range(5):
            steps = range(max(0, t - 1), t + 1)
            window = sum(cube[a[i], s].sum() for s in steps)
            total = sum(cube[:, s].sum() for s in steps)
            up, low = stats.binom.sf(window - 1, total, prob[i]), stats.binom.cdf(window, total, prob[i])
            assert p[i, t] == pytest.approx(min(1, 2 * min(up, low)), rel=1e-12)
            assert direction[i, t] == np.sign(low - up)


def _placed_cube(rng, side, per_step, lam=None):
    """Each step's incidents placed at random over the cells (the null), optionally with extra
    rate ``lam`` (cells × steps) on top."""
    cube = np.stack([np.bincount(rng.integers(0, side * side, n), minlength=side * side) for n in per_step], 1)
    return cube.astype(float) + (rng.poisson(lam) if lam is not None else 0)


def test_a_pattern_free_cube_has_no_emerging_hot_spots_at_the_fdr_level():
    """Random placement within each step, strong seasonality (one month five times busier):
    uncorrected, several percent of the bins are significant; with BH over the cube no
    location gets a category in at least 37 of 40 cubes (nominal 38)."""
    side, rng = 15, np.random.default_rng(3)
    w = lat2W(side, side, rook=False).sparse.tocsr()
    per_step = np.full(24, 60)
    per_step[6] = 300
    quiet = 0
    for _ in range(40):
        cube = _placed_cube(rng, side, per_step)
        quiet += (emerging_hotspots(cube, w)["ehs_category"] == "no_pattern").all()
    assert quiet >= 37
    p, _ = spacetime_exact_p(cube, w)
    assert (p < 0.05).mean() > 0.01                               # the uncorrected test does call bins
    z, _ = spacetime_gi_star(cube, w, variance="cube")
    assert (2 * stats.norm.sf(np.abs(z[:, 6])) < 0.05).mean() > 0.5   # and z with the cube's mean calls the busy month


def test_only_cells_with_incidents_are_locations_when_asked():
    """ehs_locations='with_incidents' (Esri without a mask): empty cells are not locations
    (no_pattern, no trend); the default 'all' keeps every cell."""
    side = 6
    grid = _tiny_grid(side).assign(area_id="A")
    rng = np.random.default_rng(8)
    n = 400
    cells = rng.integers(0, 12, n)  # only the first two rows of the grid ever see incidents
    when = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    inc = gpd.GeoDataFrame({"occurred_at": when.astype("datetime64[ns]"), "problem": "theft"},
                           geometry=[Point(100 * (c % side) + 50, 100 * (c // side) + 50) for c in cells],
                           crs="EPSG:3006")
    w = lat2W(side, side, rook=False).sparse.tocsr()
    sparse_only = build_emerging_layer(inc, grid, w, LayersParams(grid_cell_m=100, ehs_locations="with_incidents"),
                                       2021, 2025)
    everything = build_emerging_layer(inc, grid, w, LayersParams(grid_cell_m=100), 2021, 2025)
    empty = sparse_only["cell_id"].isin([f"c{i:02d}" for i in range(12, 36)])
    assert (sparse_only.loc[empty, "ehs_category"] == "no_pattern").all()
    assert sparse_only.loc[empty, "mk_z"].isna().all()
    assert everything["mk_z"].notna().all()
    # against the whole grid the busy rows stand out
    busy_all = everything[~everything["cell_id"].isin([f"c{i:02d}" for i in range(12, 36)])]
    assert (busy_all["ehs_category"].str.endswith("_hot")).sum() > 0


def test_expand_every_cell_and_some_cells_give_the_same_columns():
    """Results placed back on the grid: with every cell analysed the rows are the found ones;
    with a cell left out it is no_pattern with NaN trend; the columns and dtypes agree."""
    from pipeline.geo.emerging import _expand

    found = pd.DataFrame({"ehs_category": pd.array(["new_hot", "no_pattern", "persistent_cold"], dtype="str"),
                          "mk_tau": [0.5, 0.0, -0.25], "mk_z": [2.0, 0.0, -1.0], "mk_p": [0.04, 1.0, 0.3],
                          "n_hot_steps": np.array([1, 0, 0], "int64"), "n_cold_steps": np.array([0, 0, 22], "int64"),
                          "pct_hot": [100 / 24, 0.0, 0.0]})
    every = _expand(found, np.ones(3, bool))
    some = _expand(found, np.array([True, False, True, True]))
    assert every["ehs_category"].tolist() == ["new_hot", "no_pattern", "persistent_cold"]
    assert every["mk_z"].tolist() == [2.0, 0.0, -1.0] and every["n_cold_steps"].tolist() == [0, 0, 22]
    assert some["ehs_category"].tolist() == ["new_hot", "no_pattern", "no_pattern", "persistent_cold"]
    assert np.isnan(some.loc[1, "mk_p"]) and some.loc[3, "mk_tau"] == -0.25 and some.loc[3, "n_cold_steps"] == 22
    assert list(every.columns) == list(some.columns)
    assert every.dtypes.astype(str).tolist() == some.dtypes.astype(str).tolist()


def test_each_location_gets_the_result_of_its_own_row_when_empty_windows_are_shared():
    """emerging_hotspots computes each distinct (window sums, neighbour count, exposure share)
    once: the result must equal the whole-cube computation row by row (Gi* and the exact test on
    every bin, BH over all n x T bins, Mann-Kendall per row, the rules), on sparse cubes where
    most windows are empty, edge cells have fewer neighbours, and cells without exposure (water)
    give cells of different neighbour counts the same exposure share."""
    from pipeline.stats.fdr import benjamini_hochberg
    from pipeline.stats.mann_kendall import mann_kendall

    side = 30
    w = lat2W(side, side, rook=False).sparse.tocsr()
    for seed in range(4):
        rng = np.random.default_rng(seed)
        exposure = np.where(rng.random(side * side) < 0.3, 0.0, 1.0)
        cube = np.zeros((side * side, 24))
        busy = rng.choice(side * side, 12, replace=False)
        cube[busy] = rng.poisson(rng.choice([3.0, 40.0]), (12, 24))  # an empty window may itself be unusual
        cube[busy[:3], 18:] += rng.integers(2, 60)  # three cells that heat up, some barely
        for variance, fdr, inference in (("cube", True, "exact"), ("step", False, "exact"), ("cube", True, "normal")):
            ours = emerging_hotspots(cube, w, variance=variance, fdr=fdr, exposure=exposure, inference=inference)
            z, p_normal = spacetime_gi_star(cube, w, variance=variance)
            p, direction = spacetime_exact_p(cube, w, exposure=exposure)
            if inference == "normal":
                p, direction = p_normal, np.sign(z)
            if fdr:
                p = benjamini_hochberg(p.ravel(), 0.05)[0].reshape(p.shape)
            mk = mann_kendall(z)
            sig = p < 0.05
            want = pd.DataFrame({
                "ehs_category": classify_emerging(direction, p, mk["z"].to_numpy(), mk["p"].to_numpy(), 0.05),
                "mk_tau": mk["tau"], "mk_z": mk["z"], "mk_p": mk["p"],
                "n_hot_steps": (sig & (direction > 0)).sum(axis=1), "n_cold_steps": (sig & (direction < 0)).sum(axis=1),
                "pct_hot": 100.0 * (sig & (direction > 0)).sum(axis=1) / 24})
            for col in want.columns:
                assert list(ours[col]) == list(want[col]), (seed, variance, inference, col)
