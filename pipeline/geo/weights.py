"""Binary spatial weights with the unit itself included (w_ii = 1), as Gi* needs.

Returned as ``scipy.sparse.csr_matrix`` in the order of the input; every stored value is 1.0.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
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
    """Binary queen-contiguity weights (units sharing at least one vertex), self included.

    The criterion of ``libpysal.weights.Queen`` (a shared vertex of any ring of any part, exact
    coordinates), computed without importing libpysal (its import alone cost ~2 s of the
    layers stage): with the sparse incidence matrix ``M`` (unit × distinct vertex), units i ≠ j
    are neighbours when ``(M Mᵀ)_ij > 0``. The diagonal is 1; units without neighbours
    (islands) keep only themselves. ``tests/unit/geo/test_weights.py`` checks equality with
    libpysal on real boundaries.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n), float64, symmetric, diagonal 1, in input order.
    """
    geoms = np.asarray(polygons.geometry if hasattr(polygons, "geometry") else polygons, dtype=object)
    n = len(geoms)
    coords, unit = shapely.get_coordinates(geoms, return_index=True)
    # + 0.0 turns -0.0 into 0.0: equal as numbers (and as libpysal's dict keys), not as bytes
    _, vertex = np.unique(coords + 0.0, axis=0, return_inverse=True)
    vertex = vertex.ravel()
    incidence = sparse.csr_matrix((np.ones(len(unit)), (unit, vertex)),
                                  shape=(n, int(vertex.max()) + 1 if len(vertex) else 0))
    w = (incidence @ incidence.T).tocsr() + sparse.identity(n, format="csr", dtype="float64")
    w.data[:] = 1.0
    w.sort_indices()
    return w
