"""build_hotspot_layers on a small synthetic kommun with one planted cluster."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from pipeline.config import LayersParams
from pipeline.geo.layers import GRID_TERMS, build_hotspot_layers

CX, CY = 590000.0, 6610000.0  # kommun centre (EPSG:3006)
HOT = (CX + 1100.0, CY + 600.0)  # planted cluster, inside cell E591000N6610500


@pytest.fixture(scope="module")
def kommun():
    disc = shapely.Point(CX, CY).buffer(2500)
    west = disc.intersection(shapely.box(CX - 3000, CY - 3000, CX, CY + 3000))
    east = disc.intersection(shapely.box(CX, CY - 3000, CX + 3000, CY + 3000))
    areas = gpd.GeoDataFrame({"area_id": ["W", "E"], "area_name": ["Väst", "Öst"], "kommun_code": "1980"},
                             geometry=[west, east], crs=3006)
    rng = np.random.default_rng(4)
    bg = rng.uniform([CX - 1800, CY - 1800], [CX + 1800, CY + 1800], size=(200, 2))
    hot = rng.normal(HOT, 60, size=(40, 2))
    old = rng.normal((CX - 1000, CY - 1000), 60, size=(80, 2))  # last year's cluster: must be ignored
    xy = np.vstack([bg, hot, old])
    year = np.r_[np.full(240, 2025), np.full(80, 2024)]
    problem = np.r_[np.where(np.arange(200) % 2, "theft", "violence"), np.full(40, "violence"), np.full(80, "theft")]
    inc = gpd.GeoDataFrame({"incident_id": [f"i{i}" for i in range(len(xy))], "year": year, "problem": problem},
                           geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=3006)
    inc.index = inc.index + 1000  # a non-default index that harm must follow
    harm = pd.Series(np.where(inc["problem"] == "violence", 100.0, 10.0), index=inc.index)
    return areas, inc, harm


@pytest.fixture(scope="module")
def layers(kommun):
    areas, inc, harm = kommun
    return build_hotspot_layers(inc, areas, harm, LayersParams(grid_cell_m=250, gi_distance_m=500), 2025)


def test_frames_follow_the_contract(layers, kommun):
    assert set(layers) == {"grid", "grid_hotspots", "kde", "concentration", GRID_TERMS}
    # the grid's land areas (kept for the emerging cube): each at most a cell, together the kommun
    land, weights = layers[GRID_TERMS]["land_m2"], layers[GRID_TERMS]["weights"]
    assert len(land) == len(layers["grid"]) and land.max() <= 250.0 ** 2 + 1e-6
    assert land.sum() == pytest.approx(kommun[0].union_all().area, rel=1e-9)
    assert weights.shape == (len(land), len(land))
    assert list(layers["grid"].columns) == ["cell_id", "area_id", "geometry"]
    assert list(layers["grid_hotspots"].columns) == ["cell_id", "problem", "n_incidents", "harm_days", "gi_z",
                                                     "gi_p", "gi_q", "hotspot_class", "area_id", "geometry"]
    assert list(layers["kde"].columns) == ["cell_id", "problem", "density_per_km2_year", "geometry"]
    assert list(layers["concentration"].columns) == ["problem", "n_incidents", "n_cells", "top1_pct", "top5_pct",
                                                     "top10_pct", "gini", "gini_generalised"]
    for name in ("grid", "grid_hotspots", "kde"):
        assert layers[name].crs.to_epsg() == 3006
    assert list(layers["concentration"]["problem"]) == ["all", "harm", "theft", "violence"]


def test_planted_cluster_is_hot_99(layers):
    hot = layers["grid_hotspots"]
    cell = hot[(hot["problem"] == "all") & (hot["cell_id"] == "E591000N6610500")].iloc[0]
    assert cell["hotspot_class"] == "hot_99"
    assert cell["gi_q"] <= 0.01 and cell["gi_z"] > 3
    assert hot.loc[(hot["problem"] == "violence") & (hot["cell_id"] == "E591000N6610500"), "hotspot_class"].item() == "hot_99"
    # last year's cluster is not in this year's layer
    old = hot[(hot["problem"] == "all") & (hot["cell_id"] == "E589000N6609000")].iloc[0]
    assert old["hotspot_class"] == "not_significant"


def test_counts_harm_and_year_filter(layers):
    hot = layers["grid_hotspots"]
    by = hot.groupby("problem")
    assert by["n_incidents"].sum().to_dict() == {"all": 240, "harm": 240, "theft": 100, "violence": 140}
    assert by["harm_days"].sum()["all"] == pytest.approx(140 * 100 + 100 * 10)
    conc = layers["concentration"].set_index("problem")
    assert conc.loc["all", "n_incidents"] == 240 and conc.loc["all", "n_cells"] == len(layers["grid"])
    assert conc.loc["harm", "n_incidents"] == 240


def test_area_of_cell_centroid(layers):
    g = layers["grid"].set_index("cell_id")
    assert g.loc["E589000N6610000", "area_id"] == "W"  # centre (589125, 6610125) west of CX
    assert g.loc["E591000N6610500", "area_id"] == "E"
    centres = layers["grid"].geometry.centroid
    dist = np.hypot(centres.x - CX, centres.y - CY).to_numpy()
    area = layers["grid"]["area_id"]
    assert area[dist > 2510].isna().all() and (dist > 2510).sum() > 10  # cells meeting the disc only at their edge
    inside = dist < 2490
    assert (area[inside] == np.where(centres.x[inside] < CX, "W", "E")).all()


def test_kde_peak_at_cluster(layers):
    kde = layers["kde"]
    allk = kde[kde["problem"] == "all"]
    assert allk.loc[allk["density_per_km2_year"].idxmax(), "cell_id"] in {"E591000N6610500", "E590750N6610500",
                                                                         "E591000N6610250"}
    assert (kde["density_per_km2_year"] >= 0).all()


def test_gi_p_is_the_exact_random_placement_test_weighted_by_land_area(kommun, layers):
    """gi_p of a cell: the binomial tail of its window count with π = the window's share of the
    grid's area inside the kommun (cells cut by the boundary weigh less)."""
    from scipy import stats

    areas, _, _ = kommun
    hot = layers["grid_hotspots"]
    allp = hot[hot["problem"] == "all"].reset_index(drop=True)
    grid = layers["grid"]
    land = grid.geometry.intersection(areas.union_all()).area.to_numpy()
    assert land.min() < 0.5 * 250**2 and land.max() == pytest.approx(250**2)
    centres = np.column_stack([grid.geometry.centroid.x, grid.geometry.centroid.y])
    i = int(np.flatnonzero(grid["cell_id"] == "E591000N6610500")[0])
    window = np.hypot(*(centres - centres[i]).T) <= 500 + 1e-6
    big_n, count = allp["n_incidents"].sum(), allp.loc[window, "n_incidents"].sum()
    up = stats.binom.sf(count - 1, big_n, land[window].sum() / land.sum())
    assert allp.loc[i, "gi_p"] == pytest.approx(min(1.0, 2 * up), rel=1e-10)


def test_area_hotspots_need_enough_permutations_for_bh(kommun):
    from pipeline.errors import DataError
    from pipeline.geo.layers import area_hotspots

    areas, inc, harm = kommun
    inc = inc.assign(area_id=np.where(inc.geometry.x < CX, "W", "E"))
    with pytest.raises(DataError, match="at least 79 draws"):
        area_hotspots(inc, areas, harm, LayersParams(permutations=20), 2025)
    out = area_hotspots(inc, areas, harm, LayersParams(permutations=199), 2025)
    assert (out["gi_p"] >= 2 / 200).all()


def test_area_hotspots_match_the_textbook_formula_on_a_row_of_areas():
    """Five 1 km squares in a row: queen neighbours are the left and right square (plus self)."""
    from pipeline.geo.layers import area_hotspots

    areas = gpd.GeoDataFrame({"area_id": list("ABCDE")},
                             geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(5)], crs="EPSG:3006")
    counts = {"A": 0, "B": 1, "C": 9, "D": 8, "E": 2}
    pts = [(a, Point(areas.geometry[i].centroid)) for i, a in enumerate("ABCDE") for _ in range(counts[a])]
    inc = gpd.GeoDataFrame({"area_id": [a for a, _ in pts], "year": 2025, "problem": "theft"},
                           geometry=[p for _, p in pts], crs="EPSG:3006")
    out = area_hotspots(inc, areas, pd.Series(10.0, index=inc.index), LayersParams(), 2025)
    x = np.array([0, 1, 9, 8, 2], float)
    n, xbar, s = 5, x.mean(), x.std()
    nb = [[0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4]]
    expected = [(x[j].sum() - xbar * len(j)) / (s * np.sqrt((n * len(j) - len(j) ** 2) / (n - 1))) for j in nb]
    got = out[out["problem"] == "all"].set_index("area_id")["gi_z"]
    np.testing.assert_allclose(got.to_numpy(), expected, atol=1e-12)
    harm = out[out["problem"] == "harm"].set_index("area_id")
    assert harm.loc["C", "harm_days"] == 90.0
    assert set(out["problem"]) == {"all", "harm", "theft"}
