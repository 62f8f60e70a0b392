"""Reading and writing GeoParquet with each distinct geometry decoded or encoded once (shell
helpers of :mod:`pipeline.io`).

A grid layer repeats every cell's polygon once per problem family (13 times in the demo);
converting the WKB is most of its reading and writing time. :func:`read_geoparquet` decodes the
distinct WKB values only and lets the rows share them (shapely geometries are immutable), and
gives the same GeoDataFrame as :func:`geopandas.read_parquet` (a test compares them on every
layer of a run); :func:`geoparquet_table` encodes each shared polygon once and gives the table of
:meth:`geopandas.GeoDataFrame.to_parquet` (a test compares the tables read back), which
:func:`pipeline.io.write_frame` stores with its polygons as a Parquet dictionary.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd


def read_geoparquet(path: Path) -> gpd.GeoDataFrame:
    """:func:`geopandas.read_parquet` with repeated geometries decoded once.

    Files with anything but one WKB geometry column of polygons or mixed types (points rarely
    repeat: hashing them would cost more than it saves), or with pandas attrs, are read by
    geopandas as they are. Raises ValueError without GeoParquet metadata, as geopandas does.
    """
    import pyarrow.parquet as pq
    import shapely
    from geopandas.array import from_shapely

    schema = pq.read_schema(path)
    meta = json.loads((schema.metadata or {}).get(b"geo", b"null"))
    if not meta:
        raise ValueError(f"{path}: no GeoParquet metadata")
    names = list(meta["columns"])
    column = meta["columns"][names[0]] if len(names) == 1 else {}
    if (column.get("encoding") != "WKB" or column.get("geometry_types") in (["Point"], ["Point Z"])
            or b"PANDAS_ATTRS" in schema.metadata):
        return gpd.read_parquet(path)
    name = names[0]
    # Arrow gives the distinct WKB values (pandas would first box every row's bytes in Python):
    # as stored where the file holds them as a dictionary (write_frame's grid layers), else found
    table = pq.read_table(path, read_dictionary=[name])
    position = list(table.slice(0, 0).to_pandas().columns).index(name)
    frame = table.drop([name]).to_pandas()
    encoded = table[name].unify_dictionaries().combine_chunks()
    codes = encoded.indices.fill_null(-1).to_numpy()  # a missing geometry gets code -1
    decoded = np.append(shapely.from_wkb(encoded.dictionary.to_numpy(zero_copy_only=False)), None)
    # GeoParquet: a column without "crs" is in OGC:CRS84 (geopandas reads it the same way)
    frame.insert(position, name, from_shapely(decoded[codes], crs=column.get("crs", "OGC:CRS84")))
    return gpd.GeoDataFrame(frame, geometry=name)


_last_distinct: list = []  # [key, the distinct polygons, their GeoParquet table] of the last layer written


def geoparquet_table(frame: gpd.GeoDataFrame):
    """The pyarrow Table that :meth:`geopandas.GeoDataFrame.to_parquet` writes (GeoParquet 1.0.0,
    no index), with each distinct geometry *object* encoded to WKB once.

    The grid layers' rows share their cell's polygon object (:func:`pipeline.layer_pieces.
    with_cell_geometry`), so a layer of 470 000 rows holds 12 000 distinct polygons; encoding
    them row by row was most of the layer's writing time. geopandas encodes the distinct
    geometries (and computes the "geo" metadata from them: the same bounding box and geometry
    types as of all rows); the rows then take their WKB by position. The encoding of the last
    set of distinct polygons is kept for the next layer with the same ones (the grid layers
    are written one after the other), with the polygons themselves, so their ids stay theirs.
    Returns None where nothing is shared or the frame is not a plain one-geometry frame: the
    caller lets geopandas write it.
    """
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    name = frame.geometry.name
    if frame.attrs or list(frame.columns[frame.dtypes == "geometry"]) != [name] or not len(frame):
        return None
    objects = np.asarray(frame.geometry.array)
    ids = np.fromiter(map(id, objects), dtype=np.uint64, count=len(objects))
    _, first, position = np.unique(ids, return_index=True, return_inverse=True)
    if len(first) == len(objects):
        return None
    key = (ids[first].tobytes(), str(frame.crs), name)
    if _last_distinct and _last_distinct[0] == key:  # the grid layers share one set of polygons
        distinct = _last_distinct[2]
    else:
        buf = io.BytesIO()
        gpd.GeoDataFrame({name: objects[first]}, geometry=name, crs=frame.crs).to_parquet(
            buf, index=False, schema_version="1.0.0")
        distinct = pq.read_table(pa.BufferReader(buf.getvalue()))
        # the polygons are kept with their encoding: while they live, no other object has their ids
        _last_distinct[:] = [key, objects[first], distinct]
    attributes = pd.DataFrame(frame.copy(deep=False))
    attributes[name] = None  # as geopandas does: an Arrow null column, replaced below
    table = pa.Table.from_pandas(attributes, preserve_index=False)
    wkb = distinct[name].combine_chunks().take(pa.array(position.ravel()))
    table = table.set_column(list(frame.columns).index(name), distinct.schema.field(name), wkb)
    return table.replace_schema_metadata(table.schema.metadata | {b"geo": distinct.schema.metadata[b"geo"]})
