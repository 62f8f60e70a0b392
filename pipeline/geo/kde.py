"""Kernel density surface for display: Gaussian kernel, binned FFT convolution, in incidents
(or harm days) per km² per year at the centre of every grid cell.

Method (hand-written on numpy/scipy; no maintained library bins onto an arbitrary grid):
points are spread onto a fine lattice of step ``h = cell_m / f`` (f odd, so cell centres are
lattice nodes) with 4-point cubic Lagrange weights per axis, then convolved with the sampled
Gaussian by ``scipy.signal.fftconvolve`` — separably, x then y, keeping only the lattice
columns/rows of cell centres — and read off at the cell centres. Linear binning (Wand 1994,
J. Comput. Graph. Stat. 3:433–445) has error O(h²/σ²); the cubic weights make it O(h⁴/σ⁴).
With a step ≤ σ/4 the relative error was 8e-5 against scikit-learn's exact KDE wherever the
density exceeds 1 % of its maximum (``benchmarks/bench_kde.py``; a step of σ/3.6 already
gave 7e-4). The kernel is truncated at 6σ (relative weight e^-18). Far out the cubic weights
may give tiny negative values; they are clipped to 0.

Bandwidth matters far more than cell size or kernel shape (DOMAIN.md §5): the pipeline uses
``layers.kde_bandwidth_m`` from params; :func:`default_bandwidth` is the documented fallback.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from scipy.signal import fftconvolve

from pipeline.geo.grid import grid_index

_MAX_STEP_PER_SIGMA = 1 / 4  # fine-lattice step h <= sigma / 4
_TRUNCATE_SIGMAS = 6.0


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


def _bin(u: np.ndarray, v: np.ndarray, wts: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Spread points at lattice coordinates (u, v) (in steps), with weights ``wts`` of shape
    (n, k), onto k lattices of shape (ny, nx)."""
    ny, nx = shape
    i0 = np.floor(u).astype("int64")
    j0 = np.floor(v).astype("int64")
    wu = _cubic_weights(u - i0)
    wv = _cubic_weights(v - j0)
    idx, share, src = [], [], []
    for a in range(4):
        ii = i0 - 1 + a
        for b in range(4):
            jj = j0 - 1 + b
            ok = (ii >= 0) & (ii < nx) & (jj >= 0) & (jj < ny)
            idx.append(jj[ok] * nx + ii[ok])
            share.append((wu[a] * wv[b])[ok])
            src.append(np.flatnonzero(ok))
    idx, share, src = np.concatenate(idx), np.concatenate(share), np.concatenate(src)
    out = np.stack([np.bincount(idx, weights=share * wts[src, c], minlength=ny * nx) for c in range(wts.shape[1])])
    return out.reshape(wts.shape[1], ny, nx)


def kde_surface(xy: np.ndarray, weights: np.ndarray | None, grid: gpd.GeoDataFrame, cell_m: float,
                bandwidth_m: float, years: float) -> np.ndarray:
    """Gaussian kernel density at each grid cell's centre, per km² per year.

    .. math::

        \\hat f(c) = \\frac{10^6}{\\text{years}} \\sum_k \\frac{w_k}{2\\pi\\sigma^2}
                     \\exp\\left(-\\frac{\\lVert c - x_k\\rVert^2}{2\\sigma^2}\\right)

    (σ = ``bandwidth_m``; w_k = 1 without weights), so the surface integrates to
    ``Σ w_k / years`` over the plane. Computed by binned FFT convolution (module docstring).

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
    f = int(np.ceil(cell_m / (bandwidth_m * _MAX_STEP_PER_SIGMA)))
    f += 1 - f % 2  # odd: cell centres fall on lattice nodes
    h = cell_m / f
    radius = int(np.ceil(_TRUNCATE_SIGMAS * bandwidth_m / h))
    pad = radius + 2
    # lattice node (0, 0) sits `pad` steps south-west of the centre of the south-west cell
    x0 = (gix.min() + 0.5) * cell_m - pad * h
    y0 = (giy.min() + 0.5) * cell_m - pad * h
    nx = int((gix.max() - gix.min()) * f + 2 * pad + 1)
    ny = int((giy.max() - giy.min()) * f + 2 * pad + 1)
    u = (xy[:, 0] - x0) / h
    v = (xy[:, 1] - y0) / h
    near = (u > 1) & (u < nx - 3) & (v > 1) & (v < ny - 3)  # farther points add < e^-18 relative
    binned = _bin(u[near], v[near], wts[near], (ny, nx))
    offs = np.arange(-radius, radius + 1) * h
    g1 = np.exp(-0.5 * (offs / bandwidth_m) ** 2) / (np.sqrt(2 * np.pi) * bandwidth_m)
    # the Gaussian is separable: convolve along x and keep only the lattice columns of cell
    # centres, then along y and keep their rows (equal to the 2-D convolution at the centres)
    cols = pad + np.arange(int(gix.max() - gix.min()) + 1) * f
    rows = pad + np.arange(int(giy.max() - giy.min()) + 1) * f
    along_x = fftconvolve(binned, g1[None, None, :], mode="same", axes=2)[:, :, cols]
    dens = fftconvolve(along_x, g1[None, :, None], mode="same", axes=1)[:, rows, :]
    out = np.clip(dens[:, giy - giy.min(), gix - gix.min()].T * 1e6 / years, 0.0, None)
    return out[:, 0] if one_d else out
