"""Benchmark: Emerging Hot Spot Analysis vs pyehsa with the same inference, and a full
100,000-cell × 60-month cube.

1. ``ehsa_vs_pyehsa``: 100 locations (10 × 10 grid of square cells) × 24 months of Poisson
   counts with a persistent and a new hot block.

   *Same inference on both sides: analytic p-values.* The pipeline judges bins on an exact
   random-placement test (docs/methods-trends.md §4) that pyehsa does not have; for this
   comparison ours runs with ``inference="normal"``, the analytic two-sided normal p-value of
   each bin's space-time Gi* z (Esri's definition), so that is what is compared. pyehsa 0.1.2 has no analytic option
   (``nsim`` ≥ 1; each permutation is an O(bins²) Python loop), so its permutation routine
   ``GiStar._calculate_p_values`` is replaced, for the duration of the benchmark, by
   ``2 Φ(−|z|)`` of pyehsa's own z: everything else — preprocessing, Queen weights from the
   polygons, space-time Gi*, Mann–Kendall, classification — runs as shipped. The reverse
   (permutations on both) is not possible: our EHSA has no permutation mode.

   Both sides start from their natural input (ours: one row per incident plus the cell
   polygons; pyehsa: its long table of counts with geometry) and both build their weights
   from the polygons inside the timing: ours ``queen_weights`` → ``space_time_cube`` →
   ``emerging_hotspots(time_lags=1, variance="step", alpha=0.01, fdr=False, inference="normal")``; pyehsa
   ``emerging_hotspot_analysis(k=1)`` (per-step mean and variance, significance p ≤ 0.01).
   Imports are done before timing; each side gets one warm-up call and the median of several.
   Agreement: largest |Δ| of the Gi* z of every bin, of Mann–Kendall τ and p (on locations
   without z pairs closer than 1e-10, which pyehsa counts as ties in S but not in var(S)),
   and how many of the 100 categories agree, with the pairs that differ. pyehsa follows R
   sfdep's rules, which differ from Esri's: its sporadic hot/cold spot does not need a
   significant final step, and it ranks oscillating before consecutive.
2. ``ehsa_full_cube`` (run in a child process so its peak RSS is its own): 100,000 cells × 60
   months from 1,000,000 incidents, 500 m distance band on a 250 m grid (13 neighbours with
   self); times cube building plus EHSA as the pipeline runs it (exact bin test, FDR), prints
   peak RSS from resource.getrusage.
"""

from __future__ import annotations

import contextlib
import io
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import ndtr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.geo.emerging import emerging_hotspots, space_time_cube, spacetime_gi_star  # noqa: E402
from pipeline.geo.weights import queen_weights  # noqa: E402
from timing import result_line, timed  # noqa: E402

SIDE, T, ALPHA, RUNS = 10, 24, 0.01, 7
PEER_NAMES = {"no pattern detected": "no_pattern", "oscilating hotspot": "oscillating_hot",
              "oscilating coldspot": "oscillating_cold"}


def make_data():
    """(incidents, cell polygons, pyehsa long table) of the same counts."""
    import geopandas as gpd
    from shapely.geometry import box

    rng = np.random.default_rng(3)
    lam = np.full((SIDE, SIDE, T), 2.0)
    lam[1:4, 1:4, :] = 6.0
    lam[6:9, 6:9, -3:] = 9.0
    vals = rng.poisson(lam)
    ids = [f"r{r * SIDE + c:03d}" for r in range(SIDE) for c in range(SIDE)]
    cells = gpd.GeoSeries([box(16 + c * 0.01, 59 + r * 0.01, 16 + (c + 1) * 0.01, 59 + (r + 1) * 0.01)
                           for r in range(SIDE) for c in range(SIDE)], crs=4326)
    counts = vals.reshape(SIDE * SIDE, T)
    long = gpd.GeoDataFrame({"region": np.repeat(ids, T), "time_period": np.tile(np.arange(T), SIDE * SIDE),
                             "value": counts.ravel().astype(float)},
                            geometry=np.repeat(cells.to_numpy(), T), crs=4326)
    incidents = pd.DataFrame({"cell_id": np.repeat(long["region"].to_numpy(), counts.ravel()),
                              "period": np.repeat(long["time_period"].to_numpy(), counts.ravel())})
    return incidents, cells, pd.Index(ids), long


def ours(incidents, cells, ids):
    w = queen_weights(cells)
    cube = space_time_cube(incidents["cell_id"], incidents["period"], ids, pd.RangeIndex(T))
    return (emerging_hotspots(cube, w, time_lags=1, variance="step", alpha=ALPHA, fdr=False, inference="normal"),
            cube, w)


@contextlib.contextmanager
def analytic_pyehsa():
    """pyehsa with its permutation p-values replaced by the analytic two-sided p of its own z."""
    from pyehsa.gi_star import GiStar

    shipped = GiStar.__dict__["_calculate_p_values"]
    GiStar._calculate_p_values = staticmethod(lambda values, times, nb, wt, n_locs, observed_gi, nsim:
                                              2.0 * ndtr(-np.abs(observed_gi)))
    try:
        yield
    finally:
        GiStar._calculate_p_values = shipped


def peer(long):
    from pyehsa import EmergingHotspotAnalysis

    sink = io.StringIO()  # pyehsa prints and logs progress; not part of the comparison
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return EmergingHotspotAnalysis.emerging_hotspot_analysis(long, "region", "time_period", "value",
                                                                 k=1, nsim=1)


def _category(name: str) -> str:
    return PEER_NAMES.get(name, name.replace(" hotspot", "_hot").replace(" coldspot", "_cold"))


def compare_with_pyehsa() -> None:
    incidents, cells, ids, long = make_data()
    t_ours, (res, cube, w) = timed(ours, RUNS, incidents, cells, ids)
    ours_cfg = ("queen_weights + space_time_cube + emerging_hotspots(k=1, variance=step, analytic p, "
                f"alpha={ALPHA}, no FDR)")
    try:
        import pyehsa  # noqa: F401  (import outside the timing)
    except ImportError as exc:
        result_line("ehsa_vs_pyehsa", ours=f"{t_ours:.4f}s", peer="unavailable", ours_cfg=ours_cfg,
                    note=f"pyehsa cannot be imported: {exc}; make bench installs it")
        return
    with analytic_pyehsa():
        t_peer, out = timed(peer, RUNS, long)
    out = out.sort_values("region").reset_index(drop=True)
    z_ours, _ = spacetime_gi_star(cube, w, time_lags=1, variance="step")
    z_peer = np.array([[d["value"] for d in sorted(loc, key=lambda d: int(d["time_period"]))]
                       for loc in out["location_data"]])
    gaps = np.abs(z_peer[:, :, None] - z_peer[:, None, :])
    iu = np.triu_indices(T, 1)
    same_def = ~(gaps[:, iu[0], iu[1]] <= 1e-10).any(axis=1)
    d_z = np.abs(z_peer - z_ours).max()
    d_mk = max(np.abs(out["tau"].to_numpy() - res["mk_tau"].to_numpy())[same_def].max(),
               np.abs(out["p_value"].to_numpy() - res["mk_p"].to_numpy())[same_def].max())
    peer_cat, ours_cat = out["classification"].map(_category).to_numpy(), res["ehs_category"].to_numpy()
    same_cat = int((peer_cat == ours_cat).sum())
    differ = pd.Series([f"{p}->{o}" for p, o in zip(peer_cat, ours_cat) if p != o], dtype=object).value_counts()
    result_line("ehsa_vs_pyehsa", ours=f"{t_ours:.4f}s", peer=f"{t_peer:.4f}s", speedup=f"{t_peer / t_ours:.0f}x",
                max_abs_diff=f"{max(d_z, d_mk):.2g}", inference="analytic on both sides",
                ours_cfg=ours_cfg,
                peer_cfg=(f"pyehsa {pyehsa.__version__} emerging_hotspot_analysis(k=1), permutation p replaced "
                          f"by 2*Phi(-|z|) of its own z (no analytic option), significance p <= {ALPHA}"),
                agreement=(f"Gi* z of {z_peer.size} bins {d_z:.1g}; MK tau/p {d_mk:.1g} on {same_def.sum()} of "
                           f"{len(same_def)} locations without near-ties; categories equal {same_cat} of "
                           f"{len(res)}, the others pyehsa->ours: "
                           + (", ".join(f"{k} {v}" for k, v in differ.items()) or "none")),
                data=f"{SIDE * SIDE} cells x {T} months, {len(incidents)} incidents",
                timing=f"1 warm-up + median of {RUNS} each, imports excluded")


def full_cube() -> None:
    nx, ny, n_steps = 400, 250, 60
    n = nx * ny
    rng = np.random.default_rng(100)
    # distance band 500 m on a 250 m grid: offsets with dx² + dy² ≤ 4 cells² (13 with self)
    r, c = np.divmod(np.arange(n), nx)
    rows, cols = [], []
    for dr in range(-2, 3):
        for dc in range(-2, 3):
            if dr * dr + dc * dc <= 4:
                ok = (r + dr >= 0) & (r + dr < ny) & (c + dc >= 0) & (c + dc < nx)
                rows.append(np.flatnonzero(ok))
                cols.append(((r + dr) * nx + c + dc)[ok])
    i, j = np.concatenate(rows), np.concatenate(cols)
    w = sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    n_inc = 1_000_000
    cell_ids = pd.Series(rng.integers(0, n, n_inc))
    periods = pd.Series(rng.integers(0, n_steps, n_inc))
    t0 = time.perf_counter()
    cube = space_time_cube(cell_ids, periods, pd.RangeIndex(n), pd.RangeIndex(n_steps))
    res = emerging_hotspots(cube, w, time_lags=1, variance="cube", alpha=0.05)
    elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    result_line("ehsa_full_cube", ours=f"{elapsed:.2f}s", peak_rss=f"{peak_mb:.0f}MB", target="<10s,<2048MB",
                data=f"{n} cells x {n_steps} months, {n_inc} incidents, 13 neighbours",
                ours_cfg="space_time_cube + emerging_hotspots(k=1, variance=cube, exact bin test, FDR 0.05)",
                timing="one cold run in its own process", categories=res["ehs_category"].nunique())


if __name__ == "__main__":
    if "--full-cube" in sys.argv:
        full_cube()
    else:
        compare_with_pyehsa()
        subprocess.run([sys.executable, __file__, "--full-cube"], check=True)
