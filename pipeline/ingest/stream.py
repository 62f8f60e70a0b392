"""Crime exports ingested in chunks, so that memory stays flat however large the files are.

Held in memory as text, a crime row costs about 2.3 KB through ingest (the cells as Python
strings, their parsed copies, the raw row kept for the quarantine, the spatial join), so 10
million rows would not fit in 24 GB. Here each export is read :data:`CHUNK_ROWS` rows at a time
(:func:`pipeline.io.iter_raw_table`); every chunk goes through exactly the checks a whole file
goes through (:func:`pipeline.ingest.crimes.crime_rows`), and its accepted rows are appended to
the incidents GeoParquet file as one row group (:class:`GeoParquetAppender`), which is moved
into place only when every chunk has succeeded.

What must be known across chunks is which rows and which accepted incident ids came before, for
the two duplicate checks. It is kept as 128-bit fingerprints (:class:`SeenRows`: two 64-bit
hashes of pandas' ``hash_pandas_object`` with different keys), 32 bytes a row, so the state
grows about 70 times slower than the rows themselves. Two different rows are taken for the same
only if both hashes collide: with 10 million rows the chance is about 10⁻²⁵.
Hand-written: pandas, pyarrow and Dask read in chunks, but none keeps duplicate checks across
chunks.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.ingest.common import IngestResult
from pipeline.ingest.quarantine import concat_quarantine, make_result

CHUNK_ROWS = 200_000
# crime exports larger than this in total go through the chunked ingest (about 400 000 rows of a
# police export); smaller ones are read whole, which is a little faster
STREAM_BYTES = 64 * 2**20
SPOOLED = "spooled_rows"  # IngestResult.table.attrs key: the file that holds the accepted rows
_KEYS = ("lagesbild-rows-a", "lagesbild-rows-b")  # hash_pandas_object keys (16 characters each)


class _Fingerprints:
    """A growing set of 128-bit fingerprints (pairs of uint64), sorted by the first half."""

    def __init__(self) -> None:
        self.a = np.empty(0, dtype=np.uint64)
        self.b = np.empty(0, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.a)

    def contains(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if not len(self.a) or not len(a):
            return np.zeros(len(a), dtype=bool)
        lo = np.searchsorted(self.a, a, side="left")
        hi = np.searchsorted(self.a, a, side="right")
        found = np.zeros(len(a), dtype=bool)
        for i in np.flatnonzero(hi > lo):  # equal first halves: rare except for true repeats
            found[i] = bool((self.b[lo[i]:hi[i]] == b[i]).any())
        return found

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        a, b = np.concatenate([self.a, a]), np.concatenate([self.b, b])
        order = np.argsort(a, kind="stable")  # two sorted runs: a merge
        self.a, self.b = a[order], b[order]


class SeenRows:
    """Rows and accepted incident ids of the chunks ingested so far (see the module doc)."""

    def __init__(self) -> None:
        self.rows = _Fingerprints()
        self.ids = _Fingerprints()

    @staticmethod
    def _hash(obj: pd.DataFrame | pd.Series) -> tuple[np.ndarray, np.ndarray]:
        return tuple(pd.util.hash_pandas_object(obj, index=False, hash_key=k).to_numpy(dtype=np.uint64)
                     for k in _KEYS)

    def row_keys(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Fingerprints of ``rows`` (the checked fields, normalised as the duplicate check sees them)."""
        return self._hash(rows.reset_index(drop=True))

    def has_row(self, keys: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        return self.rows.contains(*keys)

    def has_id(self, ids: pd.Series) -> pd.Series:
        a, b = self._hash(ids.astype(str))
        return pd.Series(self.ids.contains(a, b), index=ids.index)

    def add(self, row_keys: tuple[np.ndarray, np.ndarray], accepted_ids: pd.Series) -> None:
        """Remember every row of a chunk, and the ids of the rows it accepted."""
        self.rows.add(*row_keys)
        self.ids.add(*self._hash(accepted_ids.astype(str)))

    @property
    def nbytes(self) -> int:
        return sum(x.nbytes for f in (self.rows, self.ids) for x in (f.a, f.b))


class GeoParquetAppender:
    """A GeoParquet file written one GeoDataFrame at a time, each a row group.

    The schema and the GeoParquet metadata come from the first frame (geopandas' own conversion,
    WKB geometry); ``bbox`` is left out of the metadata because it is only known at the end and
    is optional in the specification. Every later frame must have the same columns and dtypes.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0

    def append(self, frame) -> None:
        from geopandas.io.arrow import _geopandas_to_arrow

        table = _geopandas_to_arrow(frame, index=False, schema_version="1.0.0")
        if self._writer is None:
            meta = dict(table.schema.metadata or {})
            geo = json.loads(meta[b"geo"])
            for col in geo["columns"].values():
                col.pop("bbox", None)
            meta[b"geo"] = json.dumps(geo).encode()
            # a column with no value in the first chunk (all null) is text in every chunk
            fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
            self._schema = pa.schema(fields, metadata=meta)
            self._writer = pq.ParquetWriter(self.path, self._schema)
        self._writer.write_table(table.replace_schema_metadata(self._schema.metadata).cast(self._schema))
        self.rows += len(frame)

    def close(self, empty=None) -> None:
        """Finish the file; with no frame appended, write ``empty`` (a frame with no rows)."""
        if self._writer is None and empty is not None:
            self.append(empty)
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def ingest_crimes_chunked(chunks, areas, cfg, kommun, families, sink: GeoParquetAppender,
                          check=None) -> IngestResult:
    """Ingest crime exports chunk by chunk (``chunks``: (file name, frame) pairs in file and row
    order, as :func:`pipeline.io.iter_raw_table` yields them), appending accepted rows to
    ``sink``. Returns the :class:`IngestResult` of the whole ingest with a ``table`` of no rows
    (the rows are in the sink) and ``summary["accepted"]`` counting them; the quarantine,
    the counters and the "nothing could be used" error are those of one big file. ``check``
    (e.g. the core table's schema validation) is applied to every chunk's table before it is
    written."""
    from pipeline.ingest.quarantine import reader_quarantine
    from pipeline.ingest.crimes import SOURCE, crime_rows

    seen = SeenRows()
    quarantine, rows_read, counters, empty = [], 0, {}, None
    for file, frame in chunks:
        rejected, notes = reader_quarantine([(file, frame)], SOURCE)  # rows the reader could not split
        quarantine.append(rejected)
        rows_read += len(rejected)
        counters.update(notes)
        table, q, n, c = crime_rows([(file, frame)], areas, cfg, kommun, families, seen=seen)
        if len(table):
            sink.append(table if check is None else check(table))
        empty = table.iloc[:0]
        quarantine.append(q)
        rows_read += n
        for k, v in c.items():
            counters[k] = counters.get(k, 0) + v
    if empty is None:
        raise ValueError("ingest_crimes_chunked: no chunk given")
    sink.close(empty)
    return make_result(empty, concat_quarantine(quarantine), rows_read, SOURCE, accepted=sink.rows, **counters)


def should_stream(paths) -> bool:
    """Whether crime exports of these sizes go through the chunked ingest (:data:`STREAM_BYTES`)."""
    return sum(Path(p).stat().st_size for p in paths) > STREAM_BYTES


def ingest_crimes_streamed(named_paths: list[tuple[str, Path]], areas, cfg, kommun, families,
                           target: Path, headers: list | None = None) -> IngestResult:
    """The chunked ingest of the crime exports ``named_paths`` ((name in messages, path) pairs),
    their accepted rows validated against the incidents schema chunk by chunk and written to a
    temporary GeoParquet file beside ``target``. The result's ``table`` has no rows and names
    that file in ``table.attrs[SPOOLED]``: :func:`commit_spooled` moves it into place once every
    other table of the ingest is valid, :func:`discard_spooled` removes it (a check, or a failed
    ingest). On any error the file is removed and nothing is left beside ``target``. ``headers``
    gets each file's columns (a frame with no rows) for check's unused-columns warning."""
    from pipeline import io
    from pipeline.schemas import validate

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".parquet")
    os.close(fd)

    def chunks():
        for name, path in named_paths:
            for i, frame in enumerate(io.iter_raw_table(Path(path), CHUNK_ROWS, encoding=cfg.encoding, sep=cfg.sep,
                                                        sheet=cfg.sheet, header_row=cfg.header_row,
                                                        source="crimes")):
                if i == 0 and headers is not None:
                    headers.append((name, frame.iloc[:0]))
                yield name, frame

    try:
        res = ingest_crimes_chunked(chunks(), areas, cfg, kommun, families, GeoParquetAppender(Path(tmp)),
                                    check=lambda t: validate("incidents", t))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    res.table.attrs[SPOOLED] = tmp
    return res


def spooled_file(table) -> Path | None:
    """The file holding a streamed ingest's rows, or None for a table held in memory."""
    path = getattr(table, "attrs", {}).get(SPOOLED)
    return Path(path) if path else None


def commit_spooled(table, target: Path) -> None:
    """Move a streamed ingest's rows into ``target`` (atomic: same directory)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(spooled_file(table), 0o666 & ~umask)  # mkstemp makes 0600
    os.replace(spooled_file(table), target)


def discard_spooled(results: dict) -> None:
    """Remove the rows file of every streamed result in ``results`` (source → IngestResult)."""
    for res in results.values():
        path = spooled_file(res.table)
        if path is not None:
            path.unlink(missing_ok=True)
