"""Reading GeoParquet with each distinct geometry decoded once (shell helper of :mod:`pipeline.io`).

A grid layer repeats every cell's polygon once per problem family (13 times in the demo);
decoding the WKB is most of its reading time. :func:`read_geoparquet` decodes the distinct WKB
values only and lets the rows share them (shapely geometries are immutable), and gives the same
GeoDataFrame as :func:`geopandas.read_parquet` (a test compares them on every layer of a run).
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
    table = pq.read_table(path)
    position = list(table.slice(0, 0).to_pandas().columns).index(name)
    frame = table.drop([name]).to_pandas()
    codes, distinct = pd.factorize(np.asarray(table[name]))  # a missing geometry gets code -1
    decoded = np.append(shapely.from_wkb(np.asarray(distinct, dtype=object)), None)
    # GeoParquet: a column without "crs" is in OGC:CRS84 (geopandas reads it the same way)
    frame.insert(position, name, from_shapely(decoded[codes], crs=column.get("crs", "OGC:CRS84")))
    return gpd.GeoDataFrame(frame, geometry=name)
