"""Processed tables: written atomically (GeoParquet, Parquet, CSV or XLSX by suffix) and read
back, once per file within :func:`reading_once`."""

from __future__ import annotations

import contextlib
import contextvars
import csv
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline.errors import DataError
from pipeline.io.atomic import atomic_path
from pipeline.io.spreadsheet import Sheet, unneutralise_csv, neutralise_csv, text_columns, write_workbook

GEOMETRY_DICTIONARY_BYTES = 1 << 28  # a grid layer's distinct polygons: ~100 bytes each, 20 000 cells 2 MB


def write_frame(df: pd.DataFrame, path: Path, sheet: str | None = None) -> Path:
    """Write a table atomically: GeoParquet/Parquet by default, CSV or XLSX by suffix. Text cells
    of CSV and XLSX files are neutralised against formula injection (:func:`text_columns`); an
    XLSX gets one sheet named ``sheet`` (default: the file name)."""
    path = Path(path)
    if path.suffix == ".xlsx":
        return write_workbook([Sheet(sheet or path.stem.capitalize(), df)], path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            if isinstance(df, gpd.GeoDataFrame):
                from pipeline.geo.parquet import geoparquet_table

                table = geoparquet_table(df)  # None: nothing shared, geopandas writes it
                if table is None:
                    df.to_parquet(tmp, index=False, schema_version="1.0.0")
                else:
                    import pyarrow.parquet as pq

                    # geopandas' own compression; the WKB column stored as a dictionary of the
                    # distinct polygons however many there are (pyarrow's 1 MiB default page gave
                    # up at ~10 000 cells): a quarter of the bytes, read back without hashing.
                    # The page holds every column's dictionary: an all-distinct float column
                    # grows by a tenth, but a layer's p-values and counts repeat (leaving floats
                    # plain made a 20 000-cell grid_hotspots 1.76 MB instead of 1.40 MB)
                    pq.write_table(table, tmp, compression="snappy",
                                   dictionary_pagesize_limit=GEOMETRY_DICTIONARY_BYTES)
            else:
                df.to_parquet(tmp, index=False)
        elif path.suffix == ".csv":
            safe = df.copy()
            for c in text_columns(safe):
                if safe[c].dtype == object or pd.api.types.is_string_dtype(safe[c]):
                    safe[c] = safe[c].map(neutralise_csv)
            # every text cell in quotes: pandas leaves a bare carriage return unquoted otherwise
            safe.to_csv(tmp, index=False, encoding="utf-8", quoting=csv.QUOTE_NONNUMERIC)
        else:
            raise ValueError(f"unsupported output type {path.suffix}")
    return path


def frame_rows(path: Path) -> int:
    """Rows of a table written by :func:`write_frame`, 0 for a missing file; a Parquet file's
    count comes from its footer, without reading the rows."""
    path = Path(path)
    if not path.exists():
        return 0
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return len(read_frame(path))


# (path, geometry, inode, mtime, size) -> frame, within reading_once(); a context variable, so that
# two kommuner run by two threads of one Dask worker each have their own (a forked child inherits it)
_READ_ONCE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("read_once", default=None)


@contextlib.contextmanager
def reading_once():
    """Within the block, :func:`read_frame` reads each file once and hands out shallow copies of
    that frame (pandas' copy-on-write keeps the one read unchanged whatever a caller does with
    its copy). A file written again in the block (write_frame replaces it: another inode and
    modification time) is read again. For a caller whose parts each read what they need, such
    as the report's inputs: the problem profiles read the grid layer and incidents again. The
    block belongs to the thread (or task) that opens it; a child forked inside inherits it."""
    outer = _READ_ONCE.get()
    token = _READ_ONCE.set({} if outer is None else outer)
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def read_frame(path: Path, geometry: bool = True) -> pd.DataFrame:
    """Read a table written by :func:`write_frame` (GeoParquet comes back as a GeoDataFrame).

    ``geometry=False`` reads a Parquet file's other columns only, as a plain DataFrame: decoding
    the WKB of a 100,000-row grid layer costs about a second that a caller without maps saves.
    Within :func:`reading_once`, a file is read once.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: missing; run the stage that writes it first (lagesbild run)")
    read = _READ_ONCE.get()
    if read is not None:
        stat = path.stat()
        key = (str(path.resolve()), geometry, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if key not in read:
            read[key] = _read_frame(path, geometry)
        return read[key].copy(deep=False)
    return _read_frame(path, geometry)


def _read_frame(path: Path, geometry: bool) -> pd.DataFrame:
    if path.suffix == ".parquet" and not geometry:
        import pyarrow.parquet as pq

        return pd.read_parquet(path, columns=[c for c in pq.read_schema(path).names if c != "geometry"])
    if path.suffix == ".parquet":
        from pipeline.geo.parquet import read_geoparquet

        try:
            return read_geoparquet(path)  # geopandas' result, repeated grid cells decoded once
        except ValueError:  # no geometry metadata: a plain table
            return pd.read_parquet(path)
    # ids and codes are text (leading zeros, DeSO codes): never let pandas guess numbers there
    header = pd.read_csv(path, nrows=0).columns
    df = pd.read_csv(path, dtype={c: str for c in header if c.endswith(("_id", "_code"))})
    for c in df.columns:  # undo write_frame's neutralising apostrophe
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].map(unneutralise_csv)
    return df
