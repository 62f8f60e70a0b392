"""Reading raw exports as text: the encoding, the separator, a delimited file (whole or in
chunks), an Excel sheet, a Parquet table and a GIS layer.

Every cell comes back a string (nothing guessed by pandas) so that ingest decides, per column,
how to parse dates, numbers with decimal comma and codes with leading zeros. A file that cannot
be read raises :class:`~pipeline.errors.DataError` naming the file and the line.
"""

from __future__ import annotations

import csv
import io as _io
import re
import unicodedata
from pathlib import Path

import charset_normalizer
import geopandas as gpd
import pandas as pd

from pipeline.errors import DataError


def detect_encoding(raw: bytes) -> str:
    """The text encoding of an export.

    A byte-order mark decides first (UTF-8, UTF-16 LE/BE); UTF-16 without a mark is recognised
    by its zero bytes (every other byte of Swedish text in UTF-16 is 0). Then UTF-8 when the
    bytes decode as UTF-8; else cp1252 when they decode as cp1252 (Swedish exports from Windows
    systems; a statistical guess on a short file is often wrong about å, ä and ö); else
    charset_normalizer's best guess.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = raw[:4000]
    if len(head) >= 4 and head.count(0) >= len(head) // 3:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        return "utf-16-le" if odd > even else "utf-16-be"
    for enc in ("utf-8", "cp1252"):
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(raw[:200_000]).best()
    return best.encoding if best else "latin-1"


def composed(text: str) -> str:
    """``text`` in Unicode's composed form (NFC). macOS writes "ö" as "o" plus a combining
    diaeresis (NFD): such a label looks the same but matches no label or name written composed,
    and a mapping the user adds for it would not match either."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def read_text(path: Path, encoding: str | None = None, source: str = "<source>") -> tuple[str, str]:
    """(text, encoding) of a text export: ``encoding`` or the detected one, BOM removed, in
    composed form (:func:`composed`).

    Raises DataError naming the file and line when the bytes are not text in that encoding.
    """
    raw = Path(path).read_bytes()
    enc = encoding or detect_encoding(raw)
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line} is not valid {enc} text; set sources.{source}.encoding to the file's "
                        "encoding (utf-8, utf-16, cp1252) or remove it to detect it") from None
    return composed(text.lstrip("\ufeff")), enc


def detect_separator(sample: str) -> str:
    """The delimiter of a delimited text file: csv.Sniffer over ; , tab and |."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        counts = {d: sample.splitlines()[0].count(d) for d in ";,\t|"} if sample else {";": 0}
        return max(counts, key=counts.get)


def _unique_headers(cells: list[str]) -> list[str]:
    """Trimmed header names; blanks become "Unnamed: i" and repeats get ".1", ".2" (as pandas)."""
    out, seen = [], {}
    for i, c in enumerate(cells):
        name = str(c).strip() or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def split_delimited(text: str, sep: str, header_row: int = 1) -> tuple[pd.DataFrame, list[tuple], int]:
    """Split delimited text into cells, checking physical lines against parsed rows.

    Parameters
    ----------
    text : str
        The decoded file.
    sep : str
        The delimiter.
    header_row : int
        1-based number of the (non-blank) line that holds the headers; lines above it (titles,
        export dates) are skipped.

    Returns
    -------
    (frame, rejected, n_lines)
        ``frame``: every cell text or NA, index = data row − 1 (data rows count from 1 after the
        header, blank lines not counted). ``rejected``: (source_row, reason, raw line) for rows
        the reader cannot trust, which are *not* in the frame: a row with more cells than
        headers (unless the extra cells are empty), and lines merged by a stray quote: a cell
        that starts with ``"`` opens a quoted cell, and when no quote closes it on that line the
        CSV parser reads on into the following lines. A record that spans several physical
        lines is such a merge when it does not have exactly one cell per header, or when one of
        its continuation lines alone does (it looks like a record of its own); then every line
        of it is rejected, each as its own row. A quoted cell with a real line break (one cell
        per header, continuation lines that are not records) is kept. ``n_lines``: physical data lines after the header.

    Hand-written on :mod:`csv` because pandas' reader either stops at the first bad line or
    drops it (``on_bad_lines``) without saying which physical lines a stray quote swallowed.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    reader = csv.reader(_io.StringIO(text, newline="\n"), delimiter=sep, skipinitialspace=True)
    header, width = None, 0
    rows: list[list] = []
    index: list[int] = []
    rejected: list[tuple] = []
    seen_nonblank, row_no, prev_line, header_line = 0, 0, 0, 0
    for cells in reader:
        first, last = prev_line + 1, reader.line_num
        prev_line = last
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line is no row
        if header is None:
            seen_nonblank += 1
            if seen_nonblank == header_row:
                header, width, header_line = _unique_headers(cells), len(cells), last
            continue
        span = lines[first - 1:last]
        if last > first:  # one record over several physical lines
            alone = [next(csv.reader([ln], delimiter=sep, skipinitialspace=True), []) for ln in span]
            merged = len(cells) != width or any(len(a) == width for a in alone[1:])
            if merged:
                for k, ln in enumerate(span):
                    if not ln.strip():
                        continue
                    row_no += 1
                    rejected.append((row_no, f"stray quote: lines {first}–{last} of the file read as one row "
                                             f"(a cell starting with \" is not closed on its line)", ln))
                continue
        row_no += 1
        if len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                rejected.append((row_no, f"too many fields: {len(cells)} cells for {width} headers on line {first} "
                                         f"(a '{sep}' inside an unquoted cell?)", "\n".join(span)))
                continue
            cells = cells[:width]
        rows.append(cells + [""] * (width - len(cells)))
        index.append(row_no - 1)
    if header is None:
        raise ValueError("no header row" if header_row == 1 else f"fewer than {header_row} non-blank lines")
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(index, dtype="int64"), dtype=object)
    frame = frame.where(frame != "", pd.NA) if len(frame) else frame
    n_lines = sum(1 for ln in lines[header_line:] if ln.strip())
    return frame, rejected, n_lines


def read_raw_table(path: Path, *, encoding: str | None = None, sep: str | None = None,
                   sheet: str | int | None = None, header_row: int | None = None,
                   source: str = "<source>") -> pd.DataFrame:
    """Read a CSV/TXT or XLSX export with every cell as a string (empty cells as NA).

    The index is the data row − 1 (``source_row = index + 1``). What the reader learnt is in
    ``frame.attrs`` (``source`` names the params section in messages): ``"rejected"`` — a tuple of (source_row, reason, raw line) for rows it
    could not split into cells (see :func:`split_delimited`; those rows are not in the frame,
    and the caller must quarantine them), ``"encoding"``, ``"sep"`` and ``"lines"`` (physical
    data lines of a text file).

    Raises
    ------
    DataError
        One line naming the file when it cannot be read: not a supported type, not decodable
        in the given or detected encoding, an unknown sheet, no header row.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm", ".xls"}:
            df = _read_excel(path, sheet, header_row, source)
            attrs = {"rejected": (), "encoding": None, "sep": None, "lines": len(df)}
        elif suffix in {".csv", ".txt", ".tsv"}:
            text, enc = read_text(path, encoding, source)
            if not text.strip():
                raise DataError(f"{path}: the file is empty (not even a header row); re-export it with headers")
            delim = sep or detect_separator(text[:20_000])
            df, rejected, n_lines = split_delimited(text, delim, header_row or 1)
            attrs = {"rejected": tuple(rejected), "encoding": enc, "sep": delim, "lines": n_lines}
        elif suffix == ".parquet":  # an export kept as Parquet (a national run's partitions): cells as text
            df = read_parquet_as_text(path)
            attrs = {"rejected": (), "encoding": None, "sep": None, "lines": len(df)}
        else:
            raise DataError(f"{path}: unsupported file type '{suffix}'; use CSV, TXT, XLSX or Parquet")
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is the same user message
        raise DataError(f"{path}: could not be read ({type(exc).__name__}: {exc}); "
                        "check that it is a valid CSV/XLSX export") from exc
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs.update(attrs)
    return df


def excel_sheets(path: Path) -> list[str]:
    """Sheet names of a workbook, in order."""
    from python_calamine import CalamineWorkbook

    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def _read_excel(path: Path, sheet: str | int | None, header_row: int | None, source: str) -> pd.DataFrame:
    sheets = excel_sheets(path)
    if isinstance(sheet, str) and sheet not in sheets:
        raise DataError(f"{path}: no sheet '{sheet}'; the workbook has {', '.join(repr(s) for s in sheets)}: "
                        "set sources.<source>.sheet to one of them")
    if isinstance(sheet, int) and not 0 <= sheet < len(sheets):
        raise DataError(f"{path}: sheet number {sheet} does not exist (the workbook has {len(sheets)}, numbered from 0)")
    # calamine (Rust) reads a 15,000-row export about 15× faster than openpyxl
    df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="calamine",
                       header=(header_row or 1) - 1)
    df.index = pd.RangeIndex(len(df))
    df.columns = [composed(c) if isinstance(c, str) else c for c in df.columns]
    for c in df.columns:
        df[c] = df[c].map(composed, na_action="ignore")  # text or missing: read with dtype=str
    return df


def iter_raw_table(path: Path, chunk_rows: int, *, encoding: str | None = None, sep: str | None = None,
                   sheet: str | int | None = None, header_row: int | None = None, source: str = "<source>"):
    """:func:`read_raw_table` in chunks of about ``chunk_rows`` rows, each with the same contract
    (cells as text, index = data row − 1 counted over the whole file, ``attrs["rejected"]`` with
    row numbers over the whole file), reading only what the chunk needs.

    CSV/TXT: decoded line by line; a chunk ends at the first line after ``chunk_rows`` lines
    where the count of ``"`` so far is even (outside any quoted cell, so a quoted line break or a
    stray quote stays within one chunk), and is split by :func:`split_delimited` under the
    file's header, so the reader's checks are those of the whole file. Parquet: by record
    batches. XLSX: the sheet is read whole (at most 1 048 576 rows) and handed out in slices.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in {".csv", ".txt", ".tsv"}:
            yield from _iter_delimited(path, chunk_rows, encoding, sep, header_row or 1, source)
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            start = 0
            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
                df = _text_cells(batch.to_pandas())
                df.index = pd.RangeIndex(start, start + len(df))
                df.attrs.update({"rejected": (), "encoding": None, "sep": None, "lines": len(df)})
                start += len(df)
                yield df
        else:
            whole = read_raw_table(path, encoding=encoding, sep=sep, sheet=sheet, header_row=header_row, source=source)
            for start in range(0, max(len(whole), 1), chunk_rows):
                yield whole.iloc[start:start + chunk_rows]
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is the same user message
        raise DataError(f"{path}: could not be read ({type(exc).__name__}: {exc}); "
                        "check that it is a valid CSV/XLSX export") from exc


def _iter_delimited(path: Path, chunk_rows: int, encoding: str | None, sep: str | None, header_row: int,
                    source: str):
    """The CSV/TXT part of :func:`iter_raw_table`."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    enc = encoding or detect_encoding(head[: head.rfind(b"\n") + 1] or head)
    delim = sep or detect_separator(head.decode(enc, errors="ignore").lstrip("\ufeff")[:20_000])
    read = 0
    with open(path, encoding=enc, newline="") as fh:
        def lines():
            nonlocal read
            try:
                for line in fh:
                    read += 1
                    yield line
            except UnicodeDecodeError:
                raise DataError(f"{path}: line {read + 1} is not valid {enc} text; set sources.{source}.encoding to "
                                "the file's encoding (utf-8, utf-16, cp1252) or remove it to detect it") from None

        physical = lines()
        header, seen = [], 0
        for line in physical:
            header.append(line)
            seen += bool(line.strip())
            if seen == header_row:
                break
        header_text = "".join(header).lstrip("\ufeff")
        if not header_text.strip():
            raise DataError(f"{path}: the file is empty (not even a header row); re-export it with headers")
        offset, lines_before, block, quotes, first = 0, 0, [], 0, True

        def file_lines(reason: str) -> str:  # the reader's line numbers in a chunk → in the file
            return re.sub(r"(?<=line )(\d+)|(?<=lines )(\d+)–(\d+)",
                          lambda m: (str(int(m[1]) + lines_before) if m[1] else
                                     f"{int(m[2]) + lines_before}–{int(m[3]) + lines_before}"), reason)

        def chunk(block):
            nonlocal offset, lines_before
            df, rejected, n_lines = split_delimited(composed(header_text + "".join(block)), delim, header_row)
            df.columns = [str(c).strip() for c in df.columns]
            df.index = df.index + offset
            df.attrs.update({"rejected": tuple((row + offset, file_lines(reason), line) for row, reason, line in rejected),
                             "encoding": enc, "sep": delim, "lines": n_lines})
            offset += len(df) + len(rejected)  # every data row is in one or the other
            lines_before += len(block)
            return df

        for line in physical:
            block.append(line)
            quotes += line.count('"')
            if len(block) >= chunk_rows and quotes % 2 == 0:
                yield chunk(block)
                block, quotes, first = [], 0, False
        if block or first:
            yield chunk(block)


def read_parquet_as_text(path: Path) -> pd.DataFrame:
    """A Parquet table with every cell as text (NA for null or empty), as the CSV reader gives."""
    return _text_cells(pd.read_parquet(path))


def _text_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text in an object column, NA for null or empty (the CSV reader's frame)."""
    out = df.astype("str").astype(object)
    return out.where(df.notna() & (out != ""), pd.NA)


def read_raw_layer(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoPackage, GeoJSON, Shapefile or GeoParquet; raises DataError naming the file."""
    try:
        if Path(path).suffix.lower() == ".parquet":
            return gpd.read_parquet(path)
        return gpd.read_file(path, layer=layer)
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"{path}: could not be read as a GIS layer ({exc}); "
                        "use GeoPackage, GeoJSON or Shapefile") from exc
