"""The hot-spot layers of one report year: grid, Gi* hot/cold spots, KDE and concentration,
for all crime ("all"), harm-weighted all crime ("harm") and each problem family present.

Pure: frames and params in, frames out. Gi* uses binary distance-band weights with the cell
itself included (``layers.gi_distance_m``). The z-score is kept for mapping; significance comes
from the exact test of the window count (harm sum for "harm") under random placement of the
year's incidents over the kommun, each cell weighted by its area inside the kommun
(:func:`pipeline.geo.hotspots.gi_star_exact`), then Benjamini–Hochberg within each problem
layer; classes are judged on q (DOMAIN.md §5, docs/methods-hotspots.md). Area hot spots (25
units) use conditional permutations with ``layers.permutations`` draws.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.arrays import str_take
from pipeline.config import LayersParams
from pipeline.geo.concentration import concentration
from pipeline.geo.grid import cell_centres, cell_position, make_grid
from pipeline.errors import DataError
from pipeline.geo.hotspots import (
    classify_hotspots, gi_star, gi_star_exact, gi_star_harm_exact, gi_star_permutation, min_permutations,
)
from pipeline.geo.kde import kde_surface
from pipeline.geo.weights import distance_band_weights
from pipeline.schemas import CRS
from pipeline.stats.fdr import benjamini_hochberg

log = logging.getLogger(__name__)

CONCENTRATION_COLUMNS = ["problem", "n_incidents", "n_cells", "top1_pct", "top5_pct", "top10_pct",
                         "gini", "gini_generalised"]


def _cell_area_ids(grid: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, cell_m: float) -> pd.Series:
    """area_id of the area containing each cell's centre (first match), NA outside all areas."""
    xy = cell_centres(grid, cell_m)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    hit = gpd.sjoin(pts, areas[["area_id", "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")].sort_index()
    return pd.Series(pd.array(hit["area_id"].to_numpy(dtype=object), dtype="str"), name="area_id")


def cell_land_area(grid: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Area (m²) of each grid cell inside the union of ``areas``: the exposure of the
    random-placement null (a cell cut by the kommun boundary can receive fewer incidents)."""
    shape = shapely.union_all(areas.geometry.to_numpy())
    cells = grid.geometry.to_numpy()
    shapely.prepare(shape)
    # only cells cut by the boundary need an intersection (most of a rural kommun's are inside)
    inside = shapely.contains_properly(shape, cells)
    area = shapely.area(cells)
    area[~inside] = shapely.area(shapely.intersection(cells[~inside], shape))
    return area


def _direction(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """+1 where the upper tail is the smaller (more than expected: hot side), −1 where the lower
    one is (cold side), 0 where they tie (never significant)."""
    return np.sign(lower - upper)


def grid_hotspot_tests(counts: np.ndarray, harm_cell: np.ndarray, cell: np.ndarray, harm: np.ndarray,
                       w, exposure: np.ndarray, fdr_alpha: float) -> tuple[np.ndarray, ...]:
    """The decision of the hot-spot maps, for columns "all", "harm", families…

    ``counts`` (n_cells, k): incidents per cell and problem, column 1 being "harm" (its counts
    are only carried); ``harm_cell`` (n_cells,): harm days per cell; ``cell``/``harm``: each
    incident's cell position and harm (for the exact harm law); ``w`` binary weights with
    self; ``exposure`` the cells' land area. Returns (z, p, q, classes), each (n_cells, k):
    Gi* z (column 1 on harm days) for mapping, the exact two-sided random-placement p, its
    Benjamini–Hochberg q within each column and the hot/cold class from the test's direction
    and q. ``benchmarks/calibration.py`` calls this same function.
    """
    gi_input = np.asarray(counts, dtype="float64").copy()
    gi_input[:, 1] = harm_cell
    z, _ = gi_star(gi_input, w)
    p, upper, lower = gi_star_exact(counts, w, exposure)
    p[:, 1], upper[:, 1], lower[:, 1] = gi_star_harm_exact(cell, harm, w, exposure)
    q = np.column_stack([benjamini_hochberg(p[:, c], fdr_alpha)[0] for c in range(p.shape[1])])
    return z, p, q, classify_hotspots(_direction(upper, lower), q)


GRID_TERMS = "grid_terms"  # key of build_hotspot_layers' grid weights and land areas (not a layer)


def grid_weights(grid: gpd.GeoDataFrame, params: LayersParams):
    """Binary distance-band weights (self included) between the cell centres of ``grid``: the
    spatial neighbours of Gi* and of the emerging-hot-spot cube."""
    return distance_band_weights(cell_centres(grid, float(params.grid_cell_m)), params.gi_distance_m)


def build_hotspot_layers(incidents: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, harm: pd.Series,
                         params: LayersParams, year: int) -> dict:
    """Grid, Gi* hot spots, KDE and concentration for the incidents of ``year``.

    Parameters
    ----------
    incidents : GeoDataFrame
        Core table ``incidents`` (Point geometry, EPSG:3006; columns ``year``, ``problem``).
    areas : GeoDataFrame
        Core table ``areas``; their union is the kommun boundary the grid covers.
    harm : Series
        Harm days per incident, on ``incidents.index`` (missing = 0).
    params : LayersParams
        ``grid_cell_m``, ``gi_distance_m``, ``fdr_alpha``, ``kde_bandwidth_m`` are used.
    year : int
        Report year; only incidents with ``year == year`` enter.

    Returns
    -------
    dict
        ``grid`` GeoDataFrame (cell_id, area_id, geometry);
        ``grid_hotspots`` GeoDataFrame (cell_id, problem, n_incidents, harm_days, gi_z, gi_p,
        gi_q, hotspot_class, area_id, geometry) — one row per cell and problem; for problem
        "harm" Gi* is computed on harm days, otherwise on incident counts; gi_p is the exact
        two-sided random-placement p-value, gi_q its BH adjustment within the problem;
        ``kde`` GeoDataFrame (cell_id, problem, density_per_km2_year, geometry) — incidents per
        km² per year (harm days per km² per year for "harm");
        ``concentration`` DataFrame (problem, n_incidents, n_cells, top1_pct, top5_pct,
        top10_pct, gini, gini_generalised) — for "harm", shares of harm days, and the
        generalised Gini corrected by the number of incidents.
        Problems are ordered "all", "harm", then the families present, sorted.
        Under :data:`GRID_TERMS`, not a layer: the grid's ``weights`` (:func:`grid_weights`)
        and ``land_m2`` (:func:`cell_land_area`), which the emerging-hot-spot cube uses again.
    """
    if incidents.crs is None or areas.crs is None:
        raise ValueError("incidents and areas need a CRS (EPSG:3006)")
    inc = incidents if incidents.crs.equals(CRS) else incidents.to_crs(CRS)
    areas = areas if areas.crs.equals(CRS) else areas.to_crs(CRS)
    cell_m = float(params.grid_cell_m)
    sel = (inc["year"] == year).to_numpy()
    inc = inc.loc[sel]
    harm_days = pd.to_numeric(harm.reindex(inc.index), errors="coerce").fillna(0.0).to_numpy()

    grid = make_grid(areas, cell_m)
    grid = gpd.GeoDataFrame({"cell_id": grid["cell_id"], "area_id": _cell_area_ids(grid, areas, cell_m)},
                            geometry=grid.geometry, crs=CRS)
    n_cells = len(grid)
    pos = cell_position(inc, grid, cell_m)
    inside = pos >= 0
    if (~inside).any():
        log.info("%d of %d incidents of %d fall outside the grid and are left out of the hot-spot layers",
                 int((~inside).sum()), len(inc), year)
    fam = inc["problem"].astype("object").to_numpy()
    families = sorted({f for f in fam if isinstance(f, str) and f})
    problems = ["all", "harm", *families]

    # incidents and harm per cell and problem: (n_cells, k)
    member = np.column_stack([np.ones(len(inc), bool), np.ones(len(inc), bool),
                              *[fam == f for f in families]]) if len(inc) else np.zeros((0, len(problems)), bool)
    counts = np.zeros((n_cells, len(problems)))
    harm_cell = np.zeros((n_cells, len(problems)))
    p_in, m_in, h_in = pos[inside], member[inside], harm_days[inside]
    for c in range(len(problems)):
        counts[:, c] = np.bincount(p_in, weights=m_in[:, c].astype(float), minlength=n_cells)
        harm_cell[:, c] = np.bincount(p_in, weights=h_in * m_in[:, c], minlength=n_cells)
    w = grid_weights(grid, params)
    land = cell_land_area(grid, areas)
    z, p, q, classes = grid_hotspot_tests(counts, harm_cell[:, 1], pos, harm_days, w, land, params.fdr_alpha)

    k = len(problems)
    geom = np.tile(grid.geometry.to_numpy(), k)
    each_cell = np.tile(np.arange(n_cells), k)  # the rows: every cell for one problem, then the next
    cell_col, area_col = str_take(grid["cell_id"], each_cell), str_take(grid["area_id"], each_cell)
    prob_col = str_take(problems, np.repeat(np.arange(k), n_cells))
    hot = gpd.GeoDataFrame({
        "cell_id": cell_col,
        "problem": prob_col,
        "n_incidents": counts.T.ravel().astype("int64"),
        "harm_days": harm_cell.T.ravel(),
        "gi_z": z.T.ravel(),
        "gi_p": p.T.ravel(),
        "gi_q": q.T.ravel(),
        "hotspot_class": pd.array(classes.T.ravel(), dtype="str"),
        "area_id": area_col,
    }, geometry=geom, crs=CRS)

    kde_w = np.where(np.arange(k)[None, :] == 1, harm_days[:, None], member.astype(float))
    xy_inc = np.column_stack([inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy()]) if len(inc) \
        else np.zeros((0, 2))
    dens = kde_surface(xy_inc, kde_w, grid, cell_m, params.kde_bandwidth_m, years=1.0)
    kde = gpd.GeoDataFrame({
        "cell_id": cell_col,
        "problem": prob_col,
        "density_per_km2_year": dens.T.ravel(),
    }, geometry=geom, crs=CRS)

    rows = []
    for c, prob in enumerate(problems):
        if prob == "harm":
            stats = concentration(harm_cell[:, 1], n_incidents=counts[:, 1].sum())
        else:
            stats = concentration(counts[:, c])
        rows.append({"problem": prob, **stats})
    conc = pd.DataFrame(rows, columns=CONCENTRATION_COLUMNS)
    conc["problem"] = conc["problem"].astype("str")
    conc["n_incidents"] = conc["n_incidents"].round().astype("int64")
    conc["n_cells"] = conc["n_cells"].astype("int64")
    return {"grid": grid, "grid_hotspots": hot, "kde": kde, "concentration": conc,
            GRID_TERMS: {"weights": w, "land_m2": land}}


def area_hotspots(incidents: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, harm: pd.Series,
                  params: LayersParams, year: int) -> gpd.GeoDataFrame:
    """Gi* with the areas themselves as units: queen contiguity (self included), binary weights,
    two-sided conditional-permutation p (``params.permutations`` draws, seed
    ``params.permutation_seed``) and Benjamini–Hochberg q per problem.

    The value is the incident count of the report year per area (harm days for "harm"). Areas
    differ in size and population, so this answers "is this area and its neighbours a cluster
    of many incidents", not "is the risk per inhabitant high" (that is ``area_trends.rate_ratio``).
    Permutations, not the normal approximation: with a couple of dozen units the analytic p
    is not shown to be valid; the draws must let BH reject at all
    (:func:`pipeline.geo.hotspots.min_permutations`), else DataError.

    Returns a GeoDataFrame: area_id, problem, n_incidents, harm_days, gi_z, gi_p, gi_q,
    hotspot_class, geometry (area polygons), one row per area and problem ("all", "harm",
    families present).
    """
    from pipeline.geo.weights import queen_weights

    need = min_permutations(len(areas), params.fdr_alpha)
    if params.permutations < need:
        raise DataError(f"layers.permutations is {params.permutations}, but Benjamini–Hochberg over {len(areas)} "
                        f"areas at {params.fdr_alpha:g} needs at least {need} draws; set layers.permutations: "
                        f"{max(need, 9999)} in params.yaml")
    inc = incidents[(incidents["year"] == year).to_numpy()]
    harm_days = pd.to_numeric(harm.reindex(inc.index), errors="coerce").fillna(0.0)
    families = sorted(inc["problem"].dropna().astype(str).unique())
    w = queen_weights(areas.geometry.reset_index(drop=True))
    frames = []
    for c, problem in enumerate(["all", "harm", *families]):
        sub = inc if problem in ("all", "harm") else inc[inc["problem"] == problem]
        n = sub.groupby("area_id").size().reindex(areas["area_id"], fill_value=0).to_numpy(float)
        h = harm_days.loc[sub.index].groupby(sub["area_id"]).sum().reindex(areas["area_id"], fill_value=0.0)
        x = h.to_numpy(float) if problem == "harm" else n
        z, _ = gi_star(x, w)
        p = gi_star_permutation(x, w, params.permutations, params.permutation_seed + c)
        q = benjamini_hochberg(p, params.fdr_alpha)[0]
        frames.append(pd.DataFrame({"area_id": areas["area_id"].astype(str).to_numpy(), "problem": problem,
                                    "n_incidents": n.astype("int64"), "harm_days": h.to_numpy(float),
                                    "gi_z": z, "gi_p": p, "gi_q": q,
                                    "hotspot_class": classify_hotspots(z, q)}))
    out = pd.concat(frames, ignore_index=True)
    geom = np.tile(areas.geometry.to_numpy(), len(frames))
    return gpd.GeoDataFrame(out.astype({"area_id": "str", "problem": "str", "hotspot_class": "str"}),
                            geometry=geom, crs=areas.crs)
