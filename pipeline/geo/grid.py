"""Regular square grid over a kommun, and assignment of points to its cells by arithmetic.

Cells are full squares of side ``cell_m`` metres in SWEREF 99 TM (EPSG:3006) whose corners are
multiples of ``cell_m``; only cells whose interior meets the boundary are kept, and they are not
clipped, so every cell has the same area (needed for densities, Gi* and concentration). A cell is
named by its lower-left corner: ``E587250N6609500``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.schemas import CRS


def _to_sweref(obj: gpd.GeoDataFrame | gpd.GeoSeries, what: str):
    if obj.crs is None:
        raise ValueError(f"{what} has no CRS; set it (EPSG:3006 expected) before gridding")
    return obj if obj.crs.equals(CRS) else obj.to_crs(CRS)


def cell_ids(ix: np.ndarray, iy: np.ndarray, cell_m: float) -> np.ndarray:
    """Cell ids ``E{x}N{y}`` (lower-left corner in whole metres) for integer cell indices
    ``ix = floor(x / cell_m)``, ``iy = floor(y / cell_m)``."""
    ex = np.round(np.asarray(ix, dtype="float64") * cell_m).astype("int64")
    ny = np.round(np.asarray(iy, dtype="float64") * cell_m).astype("int64")
    return ("E" + pd.Series(ex).astype(str) + "N" + pd.Series(ny).astype(str)).to_numpy(dtype=object)


def make_grid(boundary: gpd.GeoDataFrame | gpd.GeoSeries, cell_m: float) -> gpd.GeoDataFrame:
    """Square cells of side ``cell_m`` covering ``boundary``.

    Corners are multiples of ``cell_m`` in EPSG:3006; a cell is kept when its interior meets the
    boundary (``intersects and not touches``), so a boundary that runs along cell edges adds no
    sliver of neighbouring cells. Cells are whole squares (equal areas), ordered by row (south to
    north) then column (west to east).

    Parameters
    ----------
    boundary : GeoDataFrame or GeoSeries
        Polygons of the kommun (or its areas; they are dissolved). Reprojected to EPSG:3006 if
        needed; a missing CRS is an error.
    cell_m : float
        Cell side in metres (> 0).

    Returns
    -------
    GeoDataFrame
        ``cell_id`` (str, lower-left corner, e.g. ``E587250N6609500``) and ``geometry``
        (Polygon), CRS EPSG:3006.
    """
    if not cell_m > 0:
        raise ValueError(f"cell_m must be > 0, got {cell_m}")
    geom = _to_sweref(boundary, "boundary")
    geom = geom.geometry if isinstance(geom, gpd.GeoDataFrame) else geom
    shape = shapely.union_all(geom.to_numpy())
    if shape.is_empty:
        raise ValueError("boundary is empty; cannot make a grid")
    minx, miny, maxx, maxy = shape.bounds
    ix = np.arange(np.floor(minx / cell_m), np.ceil(maxx / cell_m)).astype("int64")
    iy = np.arange(np.floor(miny / cell_m), np.ceil(maxy / cell_m)).astype("int64")
    gx, gy = np.meshgrid(ix, iy)  # rows = y (south first), columns = x
    gx, gy = gx.ravel(), gy.ravel()
    boxes = shapely.box(gx * cell_m, gy * cell_m, (gx + 1) * cell_m, (gy + 1) * cell_m)
    shapely.prepare(shape)
    keep = shapely.intersects(shape, boxes) & ~shapely.touches(shape, boxes)
    return gpd.GeoDataFrame(
        {"cell_id": pd.array(cell_ids(gx[keep], gy[keep], cell_m), dtype="str")},
        geometry=boxes[keep], crs=CRS,
    )


def grid_index(grid: gpd.GeoDataFrame, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer cell indices ``(ix, iy)`` of each grid cell, from its lower-left corner."""
    b = shapely.bounds(grid.geometry.to_numpy())
    return (np.round(b[:, 0] / cell_m).astype("int64"), np.round(b[:, 1] / cell_m).astype("int64"))


def cell_centres(grid: gpd.GeoDataFrame, cell_m: float) -> np.ndarray:
    """Cell centres as an ``(n, 2)`` array of metres (EPSG:3006)."""
    ix, iy = grid_index(grid, cell_m)
    return np.column_stack([(ix + 0.5) * cell_m, (iy + 0.5) * cell_m])


def cell_position(points: gpd.GeoDataFrame | gpd.GeoSeries, grid: gpd.GeoDataFrame, cell_m: float) -> np.ndarray:
    """Row position (0..len(grid)-1) of the grid cell holding each point, -1 outside the grid.

    ``ix = floor(x / cell_m)``, ``iy = floor(y / cell_m)``, matched to the grid's own indices
    (a point on a shared edge goes to the cell to its north/east). Empty or missing points get -1.
    """
    pts = _to_sweref(points, "points")
    geoms = (pts.geometry if isinstance(pts, gpd.GeoDataFrame) else pts).to_numpy()
    x = shapely.get_x(geoms)
    y = shapely.get_y(geoms)
    ok = np.isfinite(x) & np.isfinite(y)
    gix, giy = grid_index(grid, cell_m)
    out = np.full(len(geoms), -1, dtype="int64")
    if not len(gix) or not ok.any():
        return out
    x0, y0 = gix.min(), giy.min()
    ncol = int(gix.max() - x0 + 1)
    nrow = int(giy.max() - y0 + 1)
    lookup = np.full(ncol * nrow, -1, dtype="int64")
    lookup[(giy - y0) * ncol + (gix - x0)] = np.arange(len(gix))
    px = np.floor(x[ok] / cell_m).astype("int64") - x0
    py = np.floor(y[ok] / cell_m).astype("int64") - y0
    inside = (px >= 0) & (px < ncol) & (py >= 0) & (py < nrow)
    pos = np.full(len(px), -1, dtype="int64")
    pos[inside] = lookup[py[inside] * ncol + px[inside]]
    out[ok] = pos
    return out


def assign_to_grid(points: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, cell_m: float) -> pd.Series:
    """The ``cell_id`` holding each point, by arithmetic (``floor(x / cell_m)``), not a spatial join.

    Returns a str Series on ``points.index``; NA where the point falls outside the grid or has no
    coordinates.
    """
    pos = cell_position(points, grid, cell_m)
    ids = grid["cell_id"].to_numpy(dtype=object)
    vals = np.where(pos >= 0, ids[np.maximum(pos, 0)] if len(ids) else None, None)
    return pd.Series(pd.array(vals, dtype="str"), index=points.index, name="cell_id")
