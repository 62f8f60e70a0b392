"""Benchmark: Emerging Hot Spot Analysis vs pyehsa, and a full 100,000-cell × 60-month cube.

1. 100 locations (10 × 10 grid, queen contiguity with self) × 24 months of Poisson counts with
   a persistent and a new hot block. Peer: ``pyehsa`` 0.1.2 (PyPI) with its default settings
   (k = 1 time lag, 49 permutations, per-time-step mean and variance, bin significance
   p ≤ 0.01). Ours: long table → cube → space-time Gi* (``variance="step"``, the same
   definition as pyehsa) → Mann–Kendall → categories. max_abs_diff: largest difference in the
   Gi* z of every bin and the Mann–Kendall tau and p of every location (defined the same way
   in both; Mann–Kendall only on locations without pairs of z closer than 1e-10, which pyehsa
   counts as ties in S but not in var(S)). Categories are not compared: with 49 permutations pyehsa's smallest p-value is
   1/50 = 0.02 > 0.01, so it can never call a bin significant.
2. ``--full-cube`` (run in a child process so its peak RSS is its own): 100,000 cells × 60
   months from 1,000,000 incidents, 500 m distance band on a 250 m grid (13 neighbours with
   self); times cube building plus EHSA, prints peak RSS from resource.getrusage.

Prints one line per part: ``ehsa_vs_pyehsa: ours=…s peer=…s speedup=…x max_abs_diff=…`` and
``ehsa_full_cube: ours=…s peak_rss=…MB cells=100000 steps=60``.
"""

from __future__ import annotations

import contextlib
import io
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.geo.emerging import emerging_hotspots, space_time_cube, spacetime_gi_star  # noqa: E402

SIDE, T, OURS_RUNS, PEER_RUNS = 10, 24, 20, 3


def _queen(side: int) -> sp.csr_matrix:
    """Binary queen contiguity on a side × side grid, row-major ids, self included."""
    r, c = np.divmod(np.arange(side * side), side)
    rows, cols = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            ok = (r + dr >= 0) & (r + dr < side) & (c + dc >= 0) & (c + dc < side)
            rows.append(np.flatnonzero(ok))
            cols.append(((r + dr) * side + c + dc)[ok])
    i, j = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(side * side, side * side))


def _long_table():
    import geopandas as gpd
    from shapely.geometry import box

    rng = np.random.default_rng(3)
    lam = np.full((SIDE, SIDE, T), 2.0)
    lam[1:4, 1:4, :] = 6.0
    lam[6:9, 6:9, -3:] = 9.0
    vals = rng.poisson(lam)
    rows = [(f"r{r * SIDE + c:03d}", t, float(vals[r, c, t]),
             box(16 + c * 0.01, 59 + r * 0.01, 16 + (c + 1) * 0.01, 59 + (r + 1) * 0.01))
            for r in range(SIDE) for c in range(SIDE) for t in range(T)]
    df = pd.DataFrame(rows, columns=["region", "time_period", "value", "geometry"])
    return gpd.GeoDataFrame(df, geometry="geometry", crs=4326)


def _ours(df: pd.DataFrame, w: sp.csr_matrix) -> pd.DataFrame:
    cells = pd.Index(sorted(df["region"].unique()))
    steps = pd.Index(range(T))
    # counts per bin: repeat each region-step by its value, as incidents would arrive
    rep = df.loc[df.index.repeat(df["value"].astype(int)), ["region", "time_period"]]
    cube = space_time_cube(rep["region"], rep["time_period"], cells, steps)
    return emerging_hotspots(cube, w, time_lags=1, variance="step", alpha=0.01), cube


def compare_with_pyehsa() -> None:
    df = _long_table()
    w = _queen(SIDE)
    ours_t = []
    for _ in range(OURS_RUNS):
        t0 = time.perf_counter()
        ours, cube = _ours(df, w)
        ours_t.append(time.perf_counter() - t0)
    o = statistics.median(ours_t)
    try:
        from pyehsa import EmergingHotspotAnalysis
    except ImportError as exc:
        print(f"ehsa_vs_pyehsa: ours={o:.4f}s peer=unavailable speedup=n/a max_abs_diff=n/a "
              f"(pyehsa cannot be imported: {exc}; install with uv pip install pyehsa)")
        return
    peer_t, res = [], None
    try:
        for _ in range(PEER_RUNS):
            sink = io.StringIO()
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                res = EmergingHotspotAnalysis.emerging_hotspot_analysis(df.copy(), "region", "time_period", "value")
            peer_t.append(time.perf_counter() - t0)
    except Exception as exc:  # report, do not hide, a peer that cannot run here
        print(f"ehsa_vs_pyehsa: ours={o:.4f}s peer=failed speedup=n/a max_abs_diff=n/a "
              f"(pyehsa failed: {type(exc).__name__}: {exc})")
        return
    p = statistics.median(peer_t)
    res = res.sort_values("region").reset_index(drop=True)
    z_ours, _ = spacetime_gi_star(cube, w, time_lags=1, variance="step")
    gi_peer = np.array([[d["value"] for d in sorted(loc, key=lambda d: int(d["time_period"]))]
                        for loc in res["location_data"]])
    # pyehsa counts pairs closer than 1e-10 as ties in S but not in var(S): compare Mann–Kendall
    # only on locations without such near-ties, where both define it the same way.
    gaps = np.abs(gi_peer[:, :, None] - gi_peer[:, None, :])
    iu = np.triu_indices(T, 1)
    same_def = ~(gaps[:, iu[0], iu[1]] <= 1e-10).any(axis=1)
    diff = max(np.abs(gi_peer - z_ours).max(),
               np.abs(res["tau"].to_numpy() - ours["mk_tau"].to_numpy())[same_def].max(),
               np.abs(res["p_value"].to_numpy() - ours["mk_p"].to_numpy())[same_def].max())
    print(f"ehsa_vs_pyehsa: ours={o:.4f}s peer={p:.2f}s speedup={p / o:.0f}x max_abs_diff={diff:.3g} "
          f"(Gi* z of all {gi_peer.size} bins; MK tau/p on {same_def.sum()} of {len(same_def)} locations "
          f"without near-ties; peer categories: {res['classification'].value_counts().to_dict()})")


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
    print(f"ehsa_full_cube: ours={elapsed:.2f}s peak_rss={peak_mb:.0f}MB cells={n} steps={n_steps} "
          f"target=<10s,<2048MB categories={res['ehs_category'].nunique()}")


if __name__ == "__main__":
    if "--full-cube" in sys.argv:
        full_cube()
    else:
        compare_with_pyehsa()
        subprocess.run([sys.executable, __file__, "--full-cube"], check=True)
