"""Chunked crime ingest: the same table, quarantine and counts as one whole file, whatever the
chunk size, with duplicates that cross chunk boundaries; the fingerprint set; the chunked reader."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from pipeline.config import SourceParams
from pipeline.ingest.crimes import ingest_crimes
from pipeline.ingest.stream import GeoParquetAppender, SeenRows, _Fingerprints, ingest_crimes_chunked
from pipeline.io import iter_raw_table, read_frame, read_raw_table, write_frame
from tests.unit.ingest.test_crimes import HEADER, KOMMUN, ROWS, _csv, areas, families  # noqa: F401


def _chunks(path, n):
    return [(str(path), frame) for frame in iter_raw_table(path, n)]


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 5, 1000])
def test_chunked_ingest_equals_whole_file(tmp_path, areas, families, chunk_rows):  # noqa: F811
    files = _csv(tmp_path)
    whole = ingest_crimes(files, areas, SourceParams(path="x"), KOMMUN, families)
    path = files[0][0]
    sink = GeoParquetAppender(tmp_path / "incidents.parquet")
    chunked = ingest_crimes_chunked(_chunks(tmp_path / "anmalda_brott_2025.csv", chunk_rows), areas,
                                    SourceParams(path="x"), KOMMUN, families, sink)
    got = read_frame(tmp_path / "incidents.parquet")
    want = read_frame(write_frame(whole.table, tmp_path / "whole.parquet"))  # as the whole-file ingest stores it
    # every crime code of the file is empty: one file stores an untyped column of nulls, the
    # chunks a text column (a later chunk may have codes)
    assert want["crime_code"].isna().all() and got["crime_code"].dtype == "str"
    got["crime_code"] = got["crime_code"].astype(object).where(got["crime_code"].notna(), None)
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(chunked.quarantine.reset_index(drop=True), whole.quarantine.reset_index(drop=True))
    assert chunked.summary == whole.summary
    # the two duplicates are caught whichever chunk the first occurrence was in
    assert chunked.summary["quarantine: duplicate"] == 1 and chunked.summary["quarantine: duplicate incident id"] == 1
    assert len(chunked.table) == 0 and path


def test_duplicates_across_files_are_caught(tmp_path, areas, families):  # noqa: F811
    one = _csv(tmp_path, name="a.csv", rows=ROWS[:2])
    two = _csv(tmp_path, name="b.csv", rows=[ROWS[1], ("ok", ROWS[0][1].replace("5000-K1-25", "5000-K1-25"))])
    sink = GeoParquetAppender(tmp_path / "i.parquet")
    res = ingest_crimes_chunked(one + two, areas, SourceParams(path="x"), KOMMUN, families, sink)
    whole = ingest_crimes(one + two, areas, SourceParams(path="x"), KOMMUN, families)
    assert res.summary == whole.summary
    # row 1 of b.csv repeats a.csv's row 2 exactly; row 2 of b.csv repeats a.csv's row 1 exactly
    assert res.summary["quarantine: duplicate"] == 2 and res.summary["accepted"] == 2


def test_fingerprints_need_both_halves_to_match():
    f = _Fingerprints()
    f.add(np.array([5, 1, 9], dtype=np.uint64), np.array([50, 10, 90], dtype=np.uint64))
    f.add(np.array([5], dtype=np.uint64), np.array([51], dtype=np.uint64))  # same first half, other row
    a = np.array([5, 5, 5, 1, 2], dtype=np.uint64)
    b = np.array([50, 51, 52, 10, 10], dtype=np.uint64)
    assert f.contains(a, b).tolist() == [True, True, False, True, False]
    assert list(f.a) == sorted(f.a) and len(f) == 4


def test_seen_rows_match_equal_rows_only():
    seen = SeenRows()
    first = pd.DataFrame({"a": ["x", "y", None], "b": ["1", "2", "3"]})
    keys = seen.row_keys(first)
    seen.add(keys, pd.Series(["id1", "id2"]))
    later = pd.DataFrame({"a": ["x", "y", None, None], "b": ["1", "3", "3", "4"]}, index=[10, 11, 12, 13])
    assert seen.has_row(seen.row_keys(later)).tolist() == [True, False, True, False]
    assert seen.has_id(pd.Series(["id2", "id3"], index=[4, 5])).tolist() == [True, False]


def test_iter_raw_table_gives_the_readers_frame_in_chunks(tmp_path):
    path = tmp_path / "x.csv"
    rows = [f"5000-K{i}-25;2025-01-0{1 + i % 9};Åsgatan {i};{'' if i % 4 == 0 else i}" for i in range(23)]
    path.write_bytes(("Diarienummer;Datum;Plats;Kod\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    whole = read_raw_table(path)
    parts = list(iter_raw_table(path, 5))
    assert [len(p) for p in parts] == [5, 5, 5, 5, 3]
    pd.testing.assert_frame_equal(pd.concat(parts), whole)
    pq = tmp_path / "x.parquet"
    whole.to_parquet(pq)
    parts = list(iter_raw_table(pq, 7))
    assert [p.index[0] for p in parts] == [0, 7, 14, 21]
    pd.testing.assert_frame_equal(pd.concat(parts), whole, check_dtype=False)


def test_appender_types_a_column_that_starts_all_null(tmp_path):
    def frame(codes):
        return gpd.GeoDataFrame({"crime_code": pd.Series(codes, dtype=object), "n": np.arange(len(codes))},
                                geometry=gpd.points_from_xy(np.arange(len(codes)), np.zeros(len(codes))),
                                crs="EPSG:3006")
    sink = GeoParquetAppender(tmp_path / "a.parquet")
    sink.append(frame([None, None]))
    sink.append(frame(["0312", None, "0401"]))
    sink.close()
    got = read_frame(tmp_path / "a.parquet")
    assert got["crime_code"].isna().tolist() == [True, True, False, True, False] and got.crs.to_epsg() == 3006
    assert got["crime_code"].dropna().tolist() == ["0312", "0401"]
    empty = GeoParquetAppender(tmp_path / "e.parquet")
    empty.close(frame([]))
    assert len(read_frame(tmp_path / "e.parquet")) == 0


def test_streamed_ingest_spools_valid_rows_and_leaves_nothing_on_failure(tmp_path, areas, families):  # noqa: F811
    from pathlib import Path

    from pipeline.errors import DataError
    from pipeline.ingest.stream import commit_spooled, discard_spooled, ingest_crimes_streamed, spooled_file

    files = _csv(tmp_path)
    whole = ingest_crimes(files, areas, SourceParams(path="x"), KOMMUN, families)
    out = tmp_path / "processed" / "incidents.parquet"
    named = [(files[0][0], tmp_path / "anmalda_brott_2025.csv")]
    res = ingest_crimes_streamed(named, areas, SourceParams(path="x"), KOMMUN, families, out)
    spool = spooled_file(res.table)
    assert spool.parent == out.parent and spool.exists() and not out.exists() and res.summary == whole.summary
    commit_spooled(res.table, out)
    assert not spool.exists() and len(read_frame(out)) == whole.summary["accepted"]
    again = ingest_crimes_streamed(named, areas, SourceParams(path="x"), KOMMUN, families, out)
    discard_spooled({"crimes": again})
    assert sorted(p.name for p in out.parent.iterdir()) == ["incidents.parquet"]
    assert spooled_file(whole.table) is None
    # nothing usable: the one-line error, and no temporary file left behind
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + ";".join(["5000-K9-25", "2031-01-01", "", "", "Stöld", "", "", "1", "2"]) + "\n")
    with pytest.raises(DataError, match="none of the 1"):
        ingest_crimes_streamed([("bad.csv", bad)], areas, SourceParams(path="x"), KOMMUN, families, out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["incidents.parquet"] and Path(out).stat().st_size > 0


@pytest.mark.parametrize("chunk_rows", [1, 2, 4, 100])
def test_chunks_keep_the_readers_rejected_rows_and_quoted_line_breaks(tmp_path, chunk_rows):
    path = tmp_path / "y.csv"
    path.write_text("Export 2025-11-30\n\nId;Text;Kod\n1;a;x\n2;\"two\nlines\";y\n3;\"stray;z\n4;d;w\n5;e;v;extra\n6;f;u\n",
                    "utf-8")
    whole = read_raw_table(path, header_row=2)
    parts = list(iter_raw_table(path, chunk_rows, header_row=2))
    got = pd.concat(parts)
    pd.testing.assert_frame_equal(got, whole)
    rejected = [r for p in parts for r in p.attrs["rejected"]]
    assert rejected == list(whole.attrs["rejected"]) and len(rejected) >= 2  # the stray quote and the extra cell
    assert got.loc[1, "Text"] == "two\nlines"
    assert sum(len(p) for p in parts) + len(rejected) == max(r[0] for r in rejected) == 6  # every data row once
