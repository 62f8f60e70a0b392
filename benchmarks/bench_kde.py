"""KDE on a demo-sized grid: ours (binned FFT) vs sklearn.neighbors.KernelDensity at cell centres.

15,000 points (clusters + background) on 250 m cells over 40 × 40 km (25,600 cells), Gaussian
kernel σ = 300 m. The peer is scikit-learn's exact tree-based KDE (default atol = rtol = 0),
scaled to the same units (points per km² per year). max_abs_diff is the largest *relative*
error |ours/peer − 1| over cells where the peer's density exceeds 1 % of its maximum.
Prints one line: ``name: ours=…s peer=…s speedup=…x max_abs_diff=…`` (median of runs).

Run: ``.venv/bin/python benchmarks/bench_kde.py``
"""

from __future__ import annotations


import geopandas as gpd
import numpy as np
import shapely

from pipeline.geo.grid import cell_centres, make_grid
from pipeline.geo.kde import kde_surface
from timing import timed  # benchmarks/ is on sys.path when a script here runs

X0, Y0, SIDE, CELL_M, SIGMA, N = 560000.0, 6600000.0, 40000.0, 250.0, 300.0, 15000
RUNS_OURS, RUNS_PEER = 7, 1


def make_data(seed: int = 1980) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform([X0 + 4000, Y0 + 4000], [X0 + SIDE - 4000, Y0 + SIDE - 4000], size=(40, 2))
    n_bg = N // 5
    clustered = centres[rng.integers(0, 40, N - n_bg)] + rng.normal(0, 500, size=(N - n_bg, 2))
    background = rng.uniform([X0, Y0], [X0 + SIDE, Y0 + SIDE], size=(n_bg, 2))
    return np.vstack([clustered, background])


def ours(xy, grid):
    return kde_surface(xy, None, grid, CELL_M, SIGMA, years=1.0)


def peer(xy, centres):
    from sklearn.neighbors import KernelDensity

    kd = KernelDensity(kernel="gaussian", bandwidth=SIGMA).fit(xy)
    return np.exp(kd.score_samples(centres)) * len(xy) * 1e6  # per m² (mean) -> count per km²


def main() -> None:
    xy = make_data()
    grid = make_grid(gpd.GeoSeries([shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)], crs=3006), CELL_M)
    centres = cell_centres(grid, CELL_M)
    t_peer, d_peer = timed(peer, RUNS_PEER, xy, centres)
    t_ours, d_ours = timed(ours, RUNS_OURS, xy, grid)
    big = d_peer > 0.01 * d_peer.max()
    rel = float(np.abs(d_ours[big] / d_peer[big] - 1).max())
    print(f"kde_15k_points_25600_cells: ours={t_ours:.4f}s peer={t_peer:.4f}s speedup={t_peer / t_ours:.1f}x "
          f"max_abs_diff={rel:.2e}")


if __name__ == "__main__":
    main()
