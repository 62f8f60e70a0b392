"""Binary spatial weights with the unit itself included (w_ii = 1), as Gi* needs.

Returned as ``scipy.sparse.csr_matrix`` in the order of the input; every stored value is 1.0.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

# pairs exactly at the band (lattice neighbours) must not be lost to floating-point rounding
_BAND_TOLERANCE_M = 1e-6


def distance_band_weights(xy: np.ndarray, threshold_m: float) -> sparse.csr_matrix:
    """Binary distance-band weights, self included.

    ``w_ij = 1`` if ``‖xy_i − xy_j‖ ≤ threshold_m`` (including ``i = j``), else 0. Pairs are
    found with ``scipy.spatial.cKDTree.query_pairs``; a tolerance of 1e-6 m keeps lattice
    neighbours that lie exactly on the band.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Coordinates in metres (a projected CRS such as EPSG:3006).
    threshold_m : float
        Band radius in metres (>= 0).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n), float64, symmetric, diagonal 1.
    """
    xy = np.asarray(xy, dtype="float64")
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (n, 2), got {xy.shape}")
    if threshold_m < 0:
        raise ValueError(f"threshold_m must be >= 0, got {threshold_m}")
    n = len(xy)
    # sliding-midpoint tree without compaction: same exact pairs, faster to build on lattices
    tree = cKDTree(xy, balanced_tree=False, compact_nodes=False)
    pairs = tree.query_pairs(threshold_m + _BAND_TOLERANCE_M, output_type="ndarray")
    diag = np.arange(n)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], diag])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], diag])
    data = np.ones(len(rows), dtype="float64")
    # pairs are unique (i < j), so the COO -> CSR conversion only sorts
    return sparse.coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()


def queen_weights(polygons: gpd.GeoSeries) -> sparse.csr_matrix:
    """Binary queen-contiguity weights (shared edge or corner), self included.

    Contiguity from ``libpysal.weights.Queen.from_iterable``; the diagonal is then set to 1.
    Units without neighbours (islands) keep only themselves.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n), float64, symmetric, diagonal 1, in input order.
    """
    from libpysal.weights import Queen

    n = len(polygons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands and disconnected components are fine here
        q = Queen.from_iterable(list(polygons.geometry if hasattr(polygons, "geometry") else polygons),
                                ids=list(range(n)))
    adj = q.sparse.tocsr().astype("float64")
    adj.data[:] = 1.0
    adj.setdiag(0)
    adj.eliminate_zeros()
    w = (adj + sparse.identity(n, format="csr", dtype="float64")).tocsr()
    w.sort_indices()
    return w
