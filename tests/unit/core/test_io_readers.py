"""Raw readers on hand-sized text: encodings, physical lines against parsed rows, counts."""

import pandas as pd
import pytest

from pipeline.ingest.common import parse_count
from pipeline.io import detect_encoding, split_delimited

TEXT = "Område;Antal\nBäckby;12\nRåby;7\n"


@pytest.mark.parametrize(("data", "expected"), [
    (TEXT.encode("utf-16"), "utf-16"),                       # with its byte-order mark
    (TEXT.encode("utf-16-le"), "utf-16-le"),                 # no mark: zero bytes at odd positions
    (TEXT.encode("utf-16-be"), "utf-16-be"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("cp1252"), "cp1252"),
])
def test_encoding_is_detected(data, expected):
    assert detect_encoding(data) == expected
    assert data.decode(expected).lstrip("\ufeff") == TEXT


def test_a_quoted_cell_with_a_line_break_is_one_row():
    frame, rejected, n_lines = split_delimited('a;b;c\n1;"två\nrader";x\n2;y;z\n', ";")
    assert rejected == [] and n_lines == 3
    assert frame["b"].tolist() == ["två\nrader", "y"] and frame.index.tolist() == [0, 1]


def test_lines_merged_by_a_stray_quote_are_rejected_with_their_row_numbers():
    frame, rejected, n_lines = split_delimited('a;b;c\n1;x;y\n2;"x;y\n3;x;y\n4;x";y\n5;x;y\n', ";")
    assert [r[0] for r in rejected] == [2, 3, 4] and n_lines == 5
    assert all(r[1].startswith("stray quote: lines 3–5") for r in rejected)
    assert [r[2] for r in rejected] == ['2;"x;y', "3;x;y", '4;x";y']
    assert frame["a"].tolist() == ["1", "5"] and frame.index.tolist() == [0, 4]  # source_row = index + 1


def test_title_rows_above_the_header_and_blank_lines_are_skipped():
    frame, rejected, _ = split_delimited("Export 2025-01-02\n\nOmråde;Antal\n\nBäckby;12\n", ";", header_row=2)
    assert list(frame.columns) == ["Område", "Antal"] and frame.values.tolist() == [["Bäckby", "12"]]


@pytest.mark.parametrize(("text", "value"), [
    ("1.000", 1000), ("1,000", 1000), ("12 345", 12345), ("1.234.567", 1234567), ("1\u00a0200", 1200),
    ("987", 987), ("1,5", 1.5), ("..", None), ("-", None),
])
def test_counts_read_thousands_separators_as_thousands(text, value):
    out = parse_count(pd.Series([text])).iloc[0]
    assert (pd.isna(out) and value is None) or out == value


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_frame_rows_counts_without_the_rows_and_a_missing_table_is_empty(tmp_path, suffix):
    from pipeline.io import frame_rows, write_frame

    path = tmp_path / f"t{suffix}"
    assert frame_rows(path) == 0
    write_frame(pd.DataFrame({"area_id": ["01", "02", "03"], "n": [1, 2, 3]}), path)
    assert frame_rows(path) == 3
    write_frame(pd.DataFrame({"area_id": [], "n": []}), path)
    assert frame_rows(path) == 0


def test_reading_once_reads_a_file_once_hands_out_independent_frames_and_sees_a_rewrite(tmp_path, monkeypatch):
    from pipeline import io
    from pipeline.io import tables

    reads = []
    real = tables._read_frame
    monkeypatch.setattr(tables, "_read_frame", lambda path, geometry: reads.append(path.name) or real(path, geometry))
    path = io.write_frame(pd.DataFrame({"area_id": ["a", "b"], "n": [1, 2]}), tmp_path / "t.parquet")
    with io.reading_once():
        first = io.read_frame(path)
        first.loc[0, "n"] = 99  # a caller changing its copy
        first["extra"] = 1
        second = io.read_frame(path)
        assert reads == ["t.parquet"] and second["n"].tolist() == [1, 2] and "extra" not in second
        io.write_frame(pd.DataFrame({"area_id": ["a", "b", "c"], "n": [5, 6, 7]}), path)  # rewritten meanwhile
        assert io.read_frame(path)["n"].tolist() == [5, 6, 7] and len(reads) == 2
    io.read_frame(path)
    io.read_frame(path)
    assert len(reads) == 4  # outside the block every call reads


def test_reading_once_blocks_of_two_threads_are_their_own_and_leave_nothing_behind(tmp_path, monkeypatch):
    """Two kommuner run by two threads of one Dask worker: their blocks overlap (A enters, B
    enters, A leaves, B leaves). Each reads the file itself, and afterwards no thread reads
    through a block that has ended."""
    import threading

    from pipeline import io
    from pipeline.io import tables

    reads = []
    real = tables._read_frame
    monkeypatch.setattr(tables, "_read_frame", lambda path, geometry: reads.append(threading.current_thread().name)
                        or real(path, geometry))
    path = io.write_frame(pd.DataFrame({"area_id": ["a"], "n": [1]}), tmp_path / "t.parquet")
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def kommun(enter_after, entered, leave_after, left) -> None:
        enter_after and enter_after.wait(10)
        with io.reading_once():
            io.read_frame(path)
            io.read_frame(path)
            entered.set()
            leave_after and leave_after.wait(10)
        left and left.set()

    threads = [threading.Thread(target=kommun, name="A", args=(None, a_in, b_in, a_out)),
               threading.Thread(target=kommun, name="B", args=(a_in, b_in, a_out, None))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(reads) == ["A", "B"]  # one read each, inside their own blocks

    def after() -> None:
        io.read_frame(path)
        io.read_frame(path)

    later = threading.Thread(target=after, name="C")
    later.start()
    later.join(20)
    after()
    assert sorted(reads) == ["A", "B", "C", "C", "MainThread", "MainThread"]
