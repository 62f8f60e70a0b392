"""Kernel density surface for display: Gaussian kernel, in incidents (or harm days) per km² per
year at the centre of every grid cell.

Method (hand-written on numpy/scipy; no maintained library evaluates a KDE on an arbitrary grid
this fast — scikit-learn's tree KDE is compared in ``benchmarks/bench_kde.py``). The Gaussian is
separable, ``K(c − p) = g(c_x − p_x) · g(c_y − p_y)``, so:

- **x, exact**: each point gets the 1-D weights ``g(c_x − p_x)`` of the cell-centre columns
  within 6σ (relative weight beyond: e^-18);
- **y, binned**: each point is spread over the 4 nearest nodes of a fine lattice of rows, step
  ``h = cell_m / f`` (f odd, so the rows of cell centres are lattice rows; h ≤ σ/8), with
  cubic Lagrange weights, whose error is O(h⁴/σ⁴) (Wand 1994, J. Comput. Graph. Stat.
  3:433–445, for linear binning's O(h²/σ²));
- the (lattice row × cell column) sums of these products are one sparse-matrix product over
  all weight columns, and a banded matrix of the sampled 1-D Gaussian takes the lattice rows
  to the rows of cell centres.

Cost per weight column: about 4 · (12σ/cell_m + 1) multiply-adds per point plus one banded
product of the size of the grid. Relative error against the exact Gaussian sum: 1.6e-5 where
the density exceeds 1 % of its maximum (σ = 300 m, 250 m cells; ``benchmarks/bench_kde.py``).
Far out the cubic weights may give tiny negative values; they are clipped to 0.

Bandwidth matters far more than cell size or kernel shape (DOMAIN.md §5): the pipeline uses
``layers.kde_bandwidth_m`` from params; :func:`default_bandwidth` is the documented fallback.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from pipeline.geo.grid import grid_index

_MAX_STEP_PER_SIGMA = 1 / 8  # lattice step of the binned axis h <= sigma / 8
_TRUNCATE_SIGMAS = 6.0
_CHUNK_POINTS = 100_000  # bounds the per-point arrays (~70 entries a point) to ~100 MB


def default_bandwidth(xy: np.ndarray) -> float:
    """Scott's rule for a 2-D Gaussian kernel with a robust spread (metres).

    ``h = σ̂ · n^(−1/6)``, where ``σ̂`` is the mean over the two axes of
    ``min(sd, IQR / 1.349)`` (Scott 1992, *Multivariate Density Estimation*, eq. 6.42; for d = 2
    Silverman's rule gives the same factor 1). Scott's rule targets a smooth unimodal density
    and oversmooths clustered crime; prefer a fixed bandwidth of a few hundred metres
    (``layers.kde_bandwidth_m``). Returns ``nan`` with fewer than 2 points.
    """
    xy = np.asarray(xy, dtype="float64")
    xy = xy[np.isfinite(xy).all(axis=1)]
    n = len(xy)
    if n < 2:
        return float("nan")
    sd = xy.std(axis=0, ddof=1)
    iqr = np.subtract(*np.percentile(xy, [75, 25], axis=0)) / 1.349
    spread = np.where(iqr > 0, np.minimum(sd, iqr), sd)
    return float(spread.mean() * n ** (-1 / 6))


def _cubic_weights(t: np.ndarray) -> np.ndarray:
    """Lagrange weights of nodes -1, 0, 1, 2 for a point at fraction t in [0, 1) past node 0."""
    return np.stack([
        -t * (t - 1) * (t - 2) / 6,
        (t + 1) * (t - 1) * (t - 2) / 2,
        -(t + 1) * t * (t - 2) / 2,
        (t + 1) * t * (t - 1) / 6,
    ])


def kde_surface(xy: np.ndarray, weights: np.ndarray | None, grid: gpd.GeoDataFrame, cell_m: float,
                bandwidth_m: float, years: float) -> np.ndarray:
    """Gaussian kernel density at each grid cell's centre, per km² per year.

    .. math::

        \\hat f(c) = \\frac{10^6}{\\text{years}} \\sum_k \\frac{w_k}{2\\pi\\sigma^2}
                     \\exp\\left(-\\frac{\\lVert c - x_k\\rVert^2}{2\\sigma^2}\\right)

    (σ = ``bandwidth_m``; w_k = 1 without weights), so the surface integrates to
    ``Σ w_k / years`` over the plane. Computed exactly along x and by cubic binning along y
    (module docstring).

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Point coordinates in metres (EPSG:3006); rows with NaN are ignored.
    weights : ndarray, shape (n,) or (n, k), or None
        Weight per point (e.g. harm days); None = 1 each. With k columns, k surfaces are
        computed in one batched convolution.
    grid : GeoDataFrame
        Cells from :func:`pipeline.geo.grid.make_grid`.
    cell_m : float
        The grid's cell side in metres.
    bandwidth_m : float
        Gaussian kernel standard deviation σ in metres (> 0).
    years : float
        Length of the period the points cover, in years (> 0).

    Returns
    -------
    ndarray of float64, shape (len(grid),) (or (len(grid), k)): density per km² per year, ≥ 0.
    """
    if not bandwidth_m > 0 or not years > 0:
        raise ValueError(f"bandwidth_m and years must be > 0, got {bandwidth_m}, {years}")
    xy = np.asarray(xy, dtype="float64").reshape(-1, 2)
    wts = np.ones(len(xy)) if weights is None else np.asarray(weights, dtype="float64")
    one_d = wts.ndim == 1
    wts = wts[:, None] if one_d else wts
    if len(wts) != len(xy):
        raise ValueError("weights must have one row per point")
    ok = np.isfinite(xy).all(axis=1) & np.isfinite(wts).all(axis=1)
    xy, wts = xy[ok], wts[ok]
    gix, giy = grid_index(grid, cell_m)
    k = wts.shape[1]
    if not len(gix) or not len(xy):
        out = np.zeros((len(gix), k))
        return out[:, 0] if one_d else out
    ix0, iy0 = gix.min(), giy.min()
    n_cols, n_rows = int(gix.max() - ix0) + 1, int(giy.max() - iy0) + 1
    f = int(np.ceil(cell_m / (bandwidth_m * _MAX_STEP_PER_SIGMA)))
    f += 1 - f % 2  # odd: the rows of cell centres are lattice rows
    h = cell_m / f
    reach = int(np.ceil(_TRUNCATE_SIGMAS * bandwidth_m / cell_m))  # cell columns each side
    radius = int(np.ceil(_TRUNCATE_SIGMAS * bandwidth_m / h))     # lattice rows each side
    pad = radius + 2
    n_lat = (n_rows - 1) * f + 2 * pad + 1
    x_first = (ix0 + 0.5) * cell_m               # centre of the first cell column
    y_lat0 = (iy0 + 0.5) * cell_m - pad * h      # lattice row 0, `pad` steps below the first centre
    binned = np.zeros((n_lat * n_cols, k))       # (lattice row, cell column) sums, per weight column
    for start in range(0, len(xy), _CHUNK_POINTS):
        binned += _spread(xy[start:start + _CHUNK_POINTS], wts[start:start + _CHUNK_POINTS],
                          x_first, y_lat0, cell_m, h, bandwidth_m, reach, n_cols, n_lat)
    # y: lattice rows -> rows of cell centres, through the sampled 1-D Gaussian (banded)
    band = np.arange(-radius, radius + 1)
    g1 = np.exp(-0.5 * (band * h / bandwidth_m) ** 2)
    centre_rows = pad + np.arange(n_rows) * f
    to_centres = sp.csr_matrix((np.tile(g1, n_rows), (centre_rows[:, None] + band).ravel(),
                                np.arange(0, n_rows * len(band) + 1, len(band))), shape=(n_rows, n_lat))
    dens = (to_centres @ binned.reshape(n_lat, n_cols * k)).reshape(n_rows, n_cols, k)
    scale = 1e6 / (2 * np.pi * bandwidth_m**2 * years)  # per m² -> per km², per year
    out = np.clip(dens[giy - iy0, gix - ix0] * scale, 0.0, None)
    return out[:, 0] if one_d else out


def _spread(xy: np.ndarray, wts: np.ndarray, x_first: float, y_lat0: float, cell_m: float, h: float,
            sigma: float, reach: int, n_cols: int, n_lat: int) -> np.ndarray:
    """Sums over points of ``w · g(c_x − p_x) · cubic_y`` on (lattice row, cell column), shape
    (n_lat · n_cols, k): exact Gaussian weights to the cell columns within ``reach``, cubic
    Lagrange weights to the 4 nearest lattice rows. Points whose rows or columns fall outside
    (farther than the 6σ pad from every cell centre) are left out."""
    v = (xy[:, 1] - y_lat0) / h
    row0 = np.floor(v).astype("int64")
    col0 = np.rint((xy[:, 0] - x_first) / cell_m).astype("int64")
    near = (row0 >= 1) & (row0 < n_lat - 2) & (col0 >= -reach) & (col0 < n_cols + reach)
    v, row0, col0, px, wts = v[near], row0[near], col0[near], xy[near, 0], wts[near]
    cols = col0[:, None] + np.arange(-reach, reach + 1)                 # (n, m)
    gx = np.exp(-0.5 * ((px[:, None] - x_first - cols * cell_m) / sigma) ** 2)
    gx[(cols < 0) | (cols >= n_cols)] = 0.0
    np.clip(cols, 0, n_cols - 1, out=cols)
    wy = _cubic_weights(v - row0).T                                      # (n, 4)
    rows = row0[:, None] + np.arange(-1, 3)                              # (n, 4)
    n, m = cols.shape
    # one sparse row per point: its 4 × m (lattice row, column) shares; indices need not be sorted
    share = (wy[:, :, None] * gx[:, None, :]).reshape(n, 4 * m)
    where = (rows[:, :, None] * n_cols + cols[:, None, :]).reshape(n, 4 * m)
    per_point = sp.csr_matrix((share.ravel(), where.ravel(), np.arange(0, n * 4 * m + 1, 4 * m)),
                              shape=(n, n_lat * n_cols))
    return np.asarray(per_point.T @ wts)
