"""Gi* on a 100,000-cell grid, weights construction included: ours vs esda.G_Local.

Ours: ``distance_band_weights`` (cKDTree) + ``gi_star`` (sparse matmul).
Peer: ``libpysal.graph.Graph.build_distance_band`` (binary) + ``esda.G_Local(transform='B',
star=True, permutations=0)`` — the fastest libpysal route we found (the legacy
``weights.DistanceBand`` W is slower still); the compared value is esda's analytic ``Zs``.
Prints one line: ``name: ours=…s peer=…s speedup=…x max_abs_diff=…`` (median of runs).

Run: ``.venv/bin/python benchmarks/bench_gi.py``
"""

from __future__ import annotations

import warnings

import numpy as np

from pipeline.geo.hotspots import gi_star
from pipeline.geo.weights import distance_band_weights
from timing import timed  # benchmarks/ is on sys.path when a script here runs

N_COLS, N_ROWS, CELL_M, BAND_M = 400, 250, 250.0, 500.0
RUNS_OURS, RUNS_PEER = 7, 3


def make_data(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ix, iy = np.meshgrid(np.arange(N_COLS), np.arange(N_ROWS))
    xy = np.column_stack([ix.ravel(), iy.ravel()]) * CELL_M + CELL_M / 2 + np.array([500000.0, 6500000.0])
    lam = np.full(len(xy), 0.1)
    for cx, cy in rng.uniform(xy.min(axis=0), xy.max(axis=0), size=(60, 2)):
        lam += 3 * np.exp(-((xy[:, 0] - cx) ** 2 + (xy[:, 1] - cy) ** 2) / (2 * 400.0**2))
    return xy, rng.poisson(lam).astype("int64")


def ours(xy, x):
    return gi_star(x, distance_band_weights(xy, BAND_M))[0]


def peer(xy, x):
    import esda
    from libpysal.graph import Graph

    g = Graph.build_distance_band(xy, BAND_M, binary=True)
    return esda.G_Local(x.astype(float), g, transform="B", star=True, permutations=0).Zs


def main() -> None:
    xy, x = make_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_peer, z_peer = timed(peer, RUNS_PEER, xy, x)
    t_ours, z_ours = timed(ours, RUNS_OURS, xy, x)
    diff = float(np.abs(z_ours - z_peer).max())
    print(f"gi_star_100k_cells: ours={t_ours:.4f}s peer={t_peer:.4f}s speedup={t_peer / t_ours:.1f}x "
          f"max_abs_diff={diff:.2e}")


if __name__ == "__main__":
    main()
