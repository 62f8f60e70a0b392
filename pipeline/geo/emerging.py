"""Emerging Hot Spot Analysis (EHSA): space-time Gi*, Mann–Kendall, and the 17 categories.

Hand-written: esda has no space-time Gi* and no EHSA; ``pyehsa`` loops in Python over bins
(seconds for 100 locations), and R's sfdep deviates from Esri's rules (DOMAIN.md §5). Here every
step is a sparse-matrix × dense-matrix product or a vectorised array operation over the whole
cube. A bin is judged significant on the exact test of its space-time window count under
random placement of each time step's incidents (:func:`spacetime_exact_p`), not on the normal
approximation of its z-score, which is kept for the Mann–Kendall trend and for mapping.
Method, formulas and the precedence table: ``docs/methods-trends.md``.

Reference: Esri, "How Emerging Hot Spot Analysis works" (ArcGIS Pro, Space Time Pattern Mining);
Getis & Ord (1992) Geographical Analysis 24(3):189–206; Ord & Getis (1995) 27(4):286–306.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import ndtr

from pipeline.arrays import str_take
from pipeline.config import LayersParams
from pipeline.geo.grid import cell_position
from pipeline.stats.fdr import benjamini_hochberg
from pipeline.stats.mann_kendall import mann_kendall
from pipeline.stats.placement import two_sided, window_count_tails

log = logging.getLogger(__name__)

HOT_CATEGORIES = ("new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot",
                  "diminishing_hot", "sporadic_hot", "oscillating_hot", "historical_hot")
CATEGORIES = HOT_CATEGORIES + tuple(c.replace("_hot", "_cold") for c in HOT_CATEGORIES) + ("no_pattern",)
EMERGING_COLUMNS = ("cell_id", "problem", "ehs_category", "mk_tau", "mk_z", "mk_p",
                    "n_hot_steps", "n_cold_steps", "area_id", "geometry")
_STEPS_BACK = {"month": 24, "quarter": 8}


def space_time_cube(cell_ids: pd.Series, periods: pd.Series, all_cells: pd.Index,
                    all_periods: pd.Index) -> np.ndarray:
    """Counts per (cell, time step): ``cube[i, t]`` = number of rows with cell ``all_cells[i]``
    and period ``all_periods[t]``. Rows whose cell or period is not listed are ignored.

    Returns an ndarray of shape (len(all_cells), len(all_periods)), dtype float64.
    """
    ci = all_cells.get_indexer(pd.Index(cell_ids))
    ti = all_periods.get_indexer(pd.Index(periods))
    ok = (ci >= 0) & (ti >= 0)
    n, t = len(all_cells), len(all_periods)
    flat = np.bincount(ci[ok] * t + ti[ok], minlength=n * t)
    return flat.reshape(n, t).astype(float)


def _binary_with_self(w: sp.spmatrix) -> sp.csr_matrix:
    """A binary copy of ``w`` with the diagonal set; the caller's matrix is left untouched."""
    w = sp.csr_matrix(w, dtype=float, copy=True)
    w.data[:] = 1.0
    w.eliminate_zeros()
    return sp.csr_matrix(w.maximum(sp.identity(w.shape[0], format="csr")))


def spacetime_gi_star(cube: np.ndarray, w: sp.spmatrix, time_lags: int = 1,
                      variance: str = "cube") -> tuple[np.ndarray, np.ndarray]:
    """Space-time Getis–Ord Gi* z-score and two-sided analytic p-value for every bin.

    The neighbours of bin (i, t) are the spatial neighbours j of i (``w`` made binary, self
    added) at steps t, t−1, …, t−k with k = ``time_lags`` (only steps that exist). With binary
    weights W_it = deg_i · m_t (m_t = min(t, k) + 1 steps in the window) and S1_it = W_it:

        z_it = (Σ_{(j,s) ∈ N(i,t)} x_js − x̄ W_it) / (s √((N W_it − W_it²) / (N − 1)))

    ``variance="cube"`` (Esri's default): x̄ and s (population SD) over all bins, N = n·T.
    ``variance="step"`` (R sfdep, pyehsa): x̄_t, s_t over the n locations at step t, N = n.
    Where the variance term is not positive (e.g. an all-zero cube) z = 0 and p = 1.
    The z-score is unchanged by row-standardising ``w``.

    Returns (z, p), each of shape (n, T).
    """
    x = np.asarray(cube, dtype=float)
    nb = Neighbourhoods.of(w, len(x))
    z = _gi_z(_window_sums(x, nb.wb, time_lags), nb.deg, x, time_lags, variance)  # a loop over lags, not bins
    p = 2.0 * ndtr(-np.abs(z))
    return z, p


def _gi_z(win: np.ndarray, deg: np.ndarray, x: np.ndarray, time_lags: int, variance: str) -> np.ndarray:
    """The z-scores of :func:`spacetime_gi_star` for rows with window sums ``win`` and ``deg``
    neighbours (self included), any subset of the cube ``x``'s rows: the mean and SD are
    always those of the whole cube."""
    if variance not in ("cube", "step"):
        raise ValueError(f"variance must be 'cube' or 'step', got {variance!r}")
    n, t_steps = x.shape
    m_t = np.minimum(np.arange(t_steps), time_lags) + 1
    big_w = deg[:, None] * m_t[None, :]
    if variance == "cube":
        big_n, mean, sd = float(n * t_steps), x.mean(), x.std()
    else:
        big_n, mean, sd = float(n), x.mean(axis=0)[None, :], x.std(axis=0)[None, :]
    var_term = (big_n * big_w - big_w**2) / (big_n - 1) if big_n > 1 else np.zeros_like(big_w)
    denom = sd * np.sqrt(np.clip(var_term, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, (win - mean * big_w) / denom, 0.0)


def _window_sums(x: np.ndarray, wb: sp.csr_matrix, time_lags: int) -> np.ndarray:
    """Σ over the space-time window of each bin: spatial neighbours (self included) at steps
    t, t−1, …, t−k (only steps that exist)."""
    lag_sum = wb @ x
    win = lag_sum.copy()
    for lag in range(1, min(time_lags, x.shape[1] - 1) + 1):
        win[:, lag:] += lag_sum[:, :-lag]
    return win


def spacetime_exact_p(cube: np.ndarray, w: sp.spmatrix, time_lags: int = 1,
                      exposure: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact two-sided p-value and direction of every bin's space-time window count.

    Null: within each time step the N_t incidents of that step are placed independently over
    the locations, in location j with probability e_j / Σ e (``exposure``; equal by default).
    Conditioning on every step's total means a busy month (seasonality, a rise of the whole
    kommun) is not "hot" anywhere. The window of bin (i, t) holds the spatial neighbours of i
    at steps t−k..t, so its count is exactly Binomial(Σ_{s=t−k..t} N_s, π_i) with
    π_i = Σ_{j ∈ N(i)} e_j / Σ e (see :mod:`pipeline.stats.placement`).

    Returns (p, direction), each (n, T): p = min(1, 2·min(P(L ≥ l), P(L ≤ l))) and direction
    +1 where the upper tail is the smaller (hot side), −1 for the lower (cold), 0 on a tie.
    """
    x = np.asarray(cube, dtype=float)
    nb = Neighbourhoods.of(w, len(x), exposure)
    return _exact_p(_window_sums(x, nb.wb, time_lags), _step_totals(x, time_lags), nb.prob)


def _step_totals(x: np.ndarray, time_lags: int) -> np.ndarray:
    """Incidents of the whole cube in the time window of each step: shape (1, T)."""
    return _window_sums(x.sum(axis=0, keepdims=True), sp.identity(1, format="csr"), time_lags)


def _exact_p(win: np.ndarray, totals: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`spacetime_exact_p` of rows with window counts ``win`` and window shares ``prob``."""
    upper, lower = window_count_tails(np.rint(win), np.rint(totals), prob[:, None])
    return two_sided(upper, lower), np.sign(lower - upper)


def classify_emerging(z: np.ndarray, p: np.ndarray, mk_z: np.ndarray, mk_p: np.ndarray,
                      alpha: float = 0.05) -> np.ndarray:
    """Assign each location (row) one of the 17 EHSA categories.

    A bin is hot when p < alpha and z > 0, cold when p < alpha and z < 0 (only the sign of
    ``z`` is used: the pipeline passes the direction of the exact test). "≥ 90 %" means
    10·n_hot ≥ 9·T. A trend is significant when mk_p < alpha; its sign is that of mk_z.
    Rules are applied in this order (first match wins; cold mirrors hot with the trend sign
    flipped, so an intensifying cold spot has a significant *decreasing* z trend):

    1. final step hot, ≥ 90 % hot:   increasing trend → intensifying_hot;
       decreasing trend → diminishing_hot; else persistent_hot
    2. final step hot, never hot before the final run: run of 1 → new_hot;
       run ≥ 2 → consecutive_hot (earlier cold steps do not matter: New/Consecutive beat
       Oscillating)
    3. final step hot, hot before the final run: cold in some earlier step → oscillating_hot;
       else sporadic_hot
    4. final step cold: the same rules mirrored (…_cold)
    5. final step neither: ≥ 90 % hot → historical_hot; ≥ 90 % cold → historical_cold
       (a location ≥ 90 % hot whose final step is not hot is historical, never persistent)
    6. otherwise no_pattern

    Parameters
    ----------
    z, p : ndarray (n, T)  per-bin z-scores and p-values, time in columns
    mk_z, mk_p : ndarray (n,)  Mann–Kendall z and p of each location's z series
    alpha : significance level for bins and for the trend

    Returns
    -------
    ndarray of str, shape (n,)
    """
    z, p = np.asarray(z, float), np.asarray(p, float)
    if z.ndim != 2 or z.shape != p.shape:
        raise ValueError("z and p must be 2-D arrays of the same shape (locations × steps)")
    n, t_steps = z.shape
    mk_z, mk_p = np.asarray(mk_z, float), np.asarray(mk_p, float)
    sig = p < alpha
    out = np.full(n, "no_pattern", dtype=object)
    trend_up = (mk_p < alpha) & (mk_z > 0)
    trend_down = (mk_p < alpha) & (mk_z < 0)
    if t_steps == 0:
        return out.astype(str)
    hot, cold = sig & (z > 0), sig & (z < 0)
    n_hot, n_cold = hot.sum(axis=1), cold.sum(axis=1)
    for kind, this, other, grow, fade in (("hot", hot, cold, trend_up, trend_down),
                                           ("cold", cold, hot, trend_down, trend_up)):
        n_this = this.sum(axis=1)
        last = this[:, -1]
        rev = this[:, ::-1]
        run = np.where(rev.all(axis=1), t_steps, np.argmax(~rev, axis=1))  # final run length
        mostly = 10 * n_this >= 9 * t_steps
        prior = n_this > run                      # in this state before the final run
        other_before = other[:, :-1].any(axis=1)
        rules = [
            (last & mostly & grow, f"intensifying_{kind}"),
            (last & mostly & fade, f"diminishing_{kind}"),
            (last & mostly, f"persistent_{kind}"),
            (last & ~prior & (run == 1), f"new_{kind}"),
            (last & ~prior, f"consecutive_{kind}"),
            (last & other_before, f"oscillating_{kind}"),
            (last, f"sporadic_{kind}"),
        ]
        todo = out == "no_pattern"
        for mask, name in rules:
            hit = todo & mask
            out[hit] = name
            todo &= ~hit
    neither = ~hot[:, -1] & ~cold[:, -1]
    out[neither & (10 * n_hot >= 9 * t_steps)] = "historical_hot"
    out[neither & (10 * n_cold >= 9 * t_steps)] = "historical_cold"
    return out.astype(str)


def emerging_hotspots(cube: np.ndarray, w: sp.csr_matrix, time_lags: int = 1,
                      variance: str = "cube", alpha: float = 0.05, fdr: bool = True,
                      exposure: np.ndarray | None = None, inference: str = "exact") -> pd.DataFrame:
    """Emerging Hot Spot Analysis of a (locations × steps) cube.

    Space-time Gi* per bin (:func:`spacetime_gi_star`; ``variance`` applies to the z-scores),
    Mann–Kendall with tie correction on each location's z series
    (:func:`pipeline.stats.mann_kendall.mann_kendall`), categories by
    :func:`classify_emerging` (precedence documented there). A bin is hot or cold by the exact
    test of :func:`spacetime_exact_p` (random placement within each step, ``exposure`` per
    location). With ``fdr`` (the default) a bin is significant when its Benjamini–Hochberg q
    over all n × T bins of the cube is below ``alpha`` (264,000 bins for 11,000 cells over 24
    months); without it, when its own p is — then about ``alpha`` of the bins of a
    pattern-free cube are called, which is only useful for a single location.
    ``inference="normal"`` judges bins on the analytic p of z instead (Esri's and sfdep's way, for
    comparisons with those tools only: not calibrated, docs/methods-hotspots.md §2).

    Returns
    -------
    DataFrame, one row per location in cube order: ehs_category, mk_tau, mk_z, mk_p,
    n_hot_steps, n_cold_steps, pct_hot (share of steps hot, in %).
    """
    if inference not in ("exact", "normal"):
        raise ValueError(f"inference must be 'exact' or 'normal', got {inference!r}")
    x = np.asarray(cube, dtype=float)
    return _analyse(x, Neighbourhoods.of(w, len(x), exposure), time_lags, variance, alpha, fdr, inference)


@dataclass(frozen=True)
class Neighbourhoods:
    """What every cube on one grid shares: the binary weights with self (``wb``), each
    location's neighbour count with itself (``deg``) and its window's share of the exposure
    (``prob``, :func:`spacetime_exact_p`)."""

    wb: sp.csr_matrix
    deg: np.ndarray
    prob: np.ndarray

    @classmethod
    def of(cls, w: sp.spmatrix, n: int, exposure: np.ndarray | None = None) -> Neighbourhoods:
        wb = _binary_with_self(w)
        if wb.shape != (n, n):
            raise ValueError(f"weights are {wb.shape} but the cube has {n} locations")
        e = np.ones(n) if exposure is None else np.asarray(exposure, dtype=float)
        if e.shape != (n,) or (e < 0).any() or not e.sum() > 0:
            raise ValueError("exposure must be n values >= 0 with a positive sum")
        return cls(wb, np.asarray(wb.sum(axis=1)).ravel(), np.clip((wb @ e) / e.sum(), 0.0, 1.0))


def _analyse(x: np.ndarray, nb: Neighbourhoods, time_lags: int, variance: str, alpha: float, fdr: bool,
             inference: str) -> pd.DataFrame:
    """:func:`emerging_hotspots` of the cube ``x`` on the grid ``nb``, each distinct location
    computed once (:func:`_distinct_windows`); bins are adjusted for the FDR over the whole cube."""
    n, t_steps = x.shape
    win = _window_sums(x, nb.wb, time_lags)
    rep, inverse = _distinct_windows(win, nb.deg, nb.prob)
    z = _gi_z(win[rep], nb.deg[rep], x, time_lags, variance)
    if inference == "exact":
        p, direction = _exact_p(win[rep], _step_totals(x, time_lags), nb.prob[rep])
    else:  # Esri's analytic p of z: only for comparing with other tools, not calibrated
        p, direction = 2.0 * ndtr(-np.abs(z)), np.sign(z)
    if fdr:  # over all n × T bins; equal p-values get equal q-values, so a location's row is its representative's
        p = benjamini_hochberg(p[inverse].ravel(), alpha)[0].reshape(n, t_steps)[rep]
    mk = mann_kendall(z)
    cat = classify_emerging(direction, p, mk["z"].to_numpy(), mk["p"].to_numpy(), alpha)
    sig = p < alpha
    n_hot = (sig & (direction > 0)).sum(axis=1)
    return pd.DataFrame({
        "ehs_category": pd.array(cat[inverse], dtype="str"),
        "mk_tau": mk["tau"].to_numpy()[inverse], "mk_z": mk["z"].to_numpy()[inverse],
        "mk_p": mk["p"].to_numpy()[inverse],
        "n_hot_steps": n_hot.astype("int64")[inverse],
        "n_cold_steps": (sig & (direction < 0)).sum(axis=1).astype("int64")[inverse],
        "pct_hot": (100.0 * n_hot / max(t_steps, 1))[inverse],
    })


def _distinct_windows(win: np.ndarray, deg: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Representative rows and, for each row, its representative's position: ``rep[inverse]``
    has the window sums, neighbour count and window share of every row.

    A location's z-scores, exact p-values, trend and category depend on its window sums, its
    neighbour count and its window's share of the exposure alone (and on the whole cube's
    totals, the same for all). Most cells of a rural kommun, and nearly all of a rare family's
    cube, have an empty window at every step: those are represented by one row per distinct
    (neighbour count, share). Rows with any incident in their window represent themselves.
    """
    busy = np.flatnonzero((win != 0).any(axis=1))
    empty = np.flatnonzero((win == 0).all(axis=1))
    inverse = np.empty(len(win), dtype=np.int64)
    inverse[busy] = np.arange(len(busy))
    if not len(empty):
        return busy, inverse
    # one integer key per (share, neighbour count): deg counts neighbours, a whole number
    _, share = np.unique(prob[empty], return_inverse=True)
    count = deg[empty].astype(np.int64)
    _, first, which = np.unique(share.ravel() * (int(count.max()) + 1) + count, return_index=True,
                                return_inverse=True)
    inverse[empty] = len(busy) + which.ravel()
    return np.concatenate([busy, empty[first]]), inverse


def _expand(found: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """Results for the analysed locations placed back on the whole grid (others: no_pattern)."""
    if keep.all():  # every cell analysed (ehs_locations "all", the default): nothing to place
        return found.reset_index(drop=True)
    full = pd.DataFrame({"ehs_category": pd.array(["no_pattern"] * len(keep), dtype="str"),
                         "mk_tau": np.nan, "mk_z": np.nan, "mk_p": np.nan,
                         "n_hot_steps": np.zeros(len(keep), "int64"), "n_cold_steps": np.zeros(len(keep), "int64"),
                         "pct_hot": 0.0})
    full.loc[keep, :] = found.to_numpy()
    return full.astype({"n_hot_steps": "int64", "n_cold_steps": "int64", "mk_tau": float, "mk_z": float,
                        "mk_p": float, "pct_hot": float})


def _periods(occurred_at: pd.Series, step: str) -> pd.Series:
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[step]
    return occurred_at.dt.to_period(freq)


def build_emerging_layer(incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, w: sp.csr_matrix,
                         params: LayersParams, first_year: int, year: int, n_steps: int | None = None,
                         exposure: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """The ``emerging_hotspots`` layer (contracts.md) for problem "all" and each family present.

    Window: ``n_steps`` steps of ``params.ehs_time_step`` ending with the last step of ``year``;
    by default 24 months, 8 quarters, or all years from ``first_year``; never starting before
    January of ``first_year``. Incidents are placed in their grid cell by the same arithmetic
    as the Gi* and KDE layers (:func:`pipeline.geo.grid.cell_position`: a point on a shared
    edge goes to the cell north/east of it). ``exposure`` (e.g. each cell's area inside the
    kommun; None = equal cells) weights the random-placement null of the bin test.

    With ``params.ehs_locations == "all"`` (the default) every grid cell is a location and the
    test holds its level (docs/methods-trends.md). ``"with_incidents"`` keeps only cells with at
    least one incident of the problem in the window, as Esri's tool does without an analysis
    mask; choosing locations by their own counts makes the test anti-conservative, so that mode
    is for comparison with ArcGIS only. Every family with incidents in the window is analysed:
    the exact test needs no minimum count (a sparse family simply cannot reach significance).

    Returns a GeoDataFrame with columns cell_id, problem, ehs_category, mk_tau, mk_z, mk_p,
    n_hot_steps, n_cold_steps, area_id, geometry (grid polygons, the grid's CRS).
    """
    step = params.ehs_time_step
    end = pd.Period(f"{year}-12", freq="M").asfreq({"month": "M", "quarter": "Q", "year": "Y"}[step])
    start_min = pd.Period(f"{first_year}-01", freq="M").asfreq(end.freq, how="start")
    if n_steps is None:
        n_steps = _STEPS_BACK.get(step, year - first_year + 1)
    start = max(end - (n_steps - 1), start_min)
    all_periods = pd.period_range(start, end, freq=end.freq)
    if grid.crs is not None and incidents.crs is not None and grid.crs != incidents.crs:
        raise ValueError(f"incidents are in {incidents.crs} but the grid is in {grid.crs}; reproject first")
    if w.shape != (len(grid), len(grid)):
        raise ValueError(f"weights are {w.shape} but the grid has {len(grid)} cells")
    if params.ehs_locations == "with_incidents":
        log.warning("layers.ehs_locations = with_incidents: locations chosen by their own counts; "
                    "emerging hot spots are not calibrated in this mode (use 'all')")

    per = _periods(incidents["occurred_at"], step)
    sel = (per >= start).to_numpy() & (per <= end).to_numpy()
    inc = incidents.loc[sel, ["problem", "geometry"]]
    cell_m = float(params.grid_cell_m)
    pos = cell_position(inc, grid, cell_m)
    inside = pos >= 0
    cells = pd.Series(grid["cell_id"].to_numpy(dtype=object)[pos[inside]])
    periods = pd.Series(per[sel].to_numpy()[inside])
    fam = inc["problem"].astype("object").to_numpy()[inside]
    all_cells = pd.Index(grid["cell_id"])
    groups = [("all", np.ones(len(fam), bool))]
    groups += [(str(f), fam == f) for f in sorted({f for f in fam if isinstance(f, str) and f})]
    frames = []
    every_cell = params.ehs_locations != "with_incidents"
    grid_nb = Neighbourhoods.of(w, len(grid), exposure) if every_cell else None  # one grid for every problem
    for problem, member in groups:
        cube = space_time_cube(cells[member], periods[member], all_cells, pd.Index(all_periods))
        if every_cell:
            keep = np.ones(len(cube), bool)
            found = _analyse(cube, grid_nb, params.ehs_time_lags, params.ehs_variance, params.significance,
                             params.ehs_fdr, "exact")
        else:
            keep = cube.sum(axis=1) > 0
            found = emerging_hotspots(cube[keep], w[keep][:, keep], time_lags=params.ehs_time_lags,
                                      variance=params.ehs_variance, alpha=params.significance, fdr=params.ehs_fdr,
                                      exposure=None if exposure is None else np.asarray(exposure, float)[keep])
        res = _expand(found, keep)
        frames.append(res.drop(columns="pct_hot"))
        log.info("emerging hot spots %s: %d incidents, %d steps, %d cells not no_pattern",
                 problem, int(member.sum()), len(all_periods), int((res["ehs_category"] != "no_pattern").sum()))
    out = pd.concat(frames, ignore_index=True)
    each_cell = np.tile(np.arange(len(grid)), len(frames))  # every cell for one problem, then the next
    out["cell_id"], out["area_id"] = str_take(grid["cell_id"], each_cell), str_take(grid["area_id"], each_cell)
    out["problem"] = str_take([problem for problem, _ in groups], np.repeat(np.arange(len(frames)), len(grid)))
    geom = np.tile(grid.geometry.to_numpy(), len(frames))
    return gpd.GeoDataFrame(out, geometry=geom, crs=grid.crs)[list(EMERGING_COLUMNS)]
