"""Row provenance and the quarantine: every input row ends in a core table or in the quarantine
table with its reason, its file and row, and what it held (personal data scrubbed); an ingest
step's counts reconcile (rows read = accepted + quarantined).

Row provenance: frames from :func:`pipeline.io.read_raw_table` carry a 0-based RangeIndex;
``source_row = index + 1`` is the 1-based data row (header excluded). Ingest modules keep that
index (or an explicit ``source_row`` column) through every filter.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

from pipeline.errors import DataError
from pipeline.ingest.common import IngestResult

QUARANTINE_COLUMNS = ["source", "source_file", "source_row", "reason", "raw"]


def data_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` indexed by data row − 1: the reader's row numbers when it gave them (a unique
    integer index; rows it rejected leave gaps), else 0, 1, 2, …"""
    idx = raw.index
    if pd.api.types.is_integer_dtype(idx) and idx.is_unique and (len(idx) == 0 or idx.min() >= 0):
        return raw
    return raw.reset_index(drop=True)


def reader_quarantine(frames: list[tuple[str, pd.DataFrame]], source: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rows the file reader could not split into cells (``frame.attrs["rejected"]`` of
    :func:`pipeline.io.read_raw_table`) in the quarantine schema, their raw lines scrubbed of
    personal data; and summary notes (files with a header but no data rows)."""
    from pipeline.text.scrub import scrub

    rows, notes = [], {}
    for file, frame in frames:
        for row, reason, line in frame.attrs.get("rejected", ()):
            rows.append({"source": source, "source_file": file, "source_row": row, "reason": reason,
                         "raw": scrub(str(line))[0]})
        if not len(frame) and not frame.attrs.get("rejected"):
            notes[f"file without data rows '{file}'"] = 1
    return _quarantine_frame(pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)), notes


def with_reader_quarantine(result: IngestResult, frames: list[tuple[str, pd.DataFrame]], source: str) -> IngestResult:
    """``result`` with the reader's rejected rows added to its quarantine and rows read."""
    q, notes = reader_quarantine(frames, source)
    if not len(q) and not notes:
        return result
    quarantine = concat_quarantine([result.quarantine, q])
    summary = {**result.summary, "rows_read": result.summary["rows_read"] + len(q),
               "quarantined": len(quarantine), **notes}
    for reason, n in q["reason"].value_counts().items():
        key = f"quarantine: {reason}"
        summary[key] = summary.get(key, 0) + int(n)
    return IngestResult(result.table, quarantine, summary)


def raw_json(df: pd.DataFrame) -> pd.Series:
    """Each row as a JSON object (original headers; NA as null; non-ASCII kept; text scrubbed of
    personal data: the quarantine is a processed table too)."""
    cols = [c for c in df.columns if not str(c).startswith("_") and c != "geometry"]
    recs = df[cols].astype(object).where(df[cols].notna(), None).to_dict("records")
    return pd.Series([json.dumps({k: _scrubbed(v) for k, v in r.items()}, ensure_ascii=False, default=str)
                      for r in recs], index=df.index, dtype=object)


def quoted(values):
    """A value (or each value of a Series) as it may be quoted in a reason, summary or message:
    personal data scrubbed (:func:`pipeline.text.scrub.scrub`), at most 80 characters."""
    from pipeline.text.scrub import scrub

    def one(v):
        text = scrub(str(v))[0]
        return text if len(text) <= 80 else text[:77] + "..."

    if isinstance(values, pd.Series):
        uniq = {u: one(u) for u in values.dropna().unique()}
        return values.map(uniq)
    return one(values)


def _scrubbed(value):
    return _scrubbed_text(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=4096)
def _scrubbed_text(text: str) -> str:
    """The scrubbed text; a quarantined export repeats its labels and codes in every row."""
    from pipeline.text.scrub import scrub

    return scrub(text)[0]


def _json_of(raw) -> str:
    """JSON text of a ``_raw`` cell: a (headers, values) pair from :func:`with_provenance`, a
    dict (a JSON record as read) or text."""
    if isinstance(raw, tuple):
        headers, values = raw
        return json.dumps({str(h): (None if v is None or (not isinstance(v, (list, dict)) and pd.isna(v))
                                    else _scrubbed(v)) for h, v in zip(headers, values)}, ensure_ascii=False, default=str)
    if isinstance(raw, dict):
        return _scrubbed(json.dumps(raw, ensure_ascii=False, default=str))
    return _scrubbed(str(raw))


def with_provenance(canon: pd.DataFrame, raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Add ``source_file``, ``source_row`` (index + 1) and ``_raw`` (the raw row, serialised to
    JSON only if the row is quarantined: a (headers, values) pair, cheap for 100k rows)."""
    out = canon.copy()
    out["source_file"] = str(file)
    out["source_row"] = (np.asarray(raw.index, dtype="int64") + 1) if len(raw) else np.array([], dtype="int64")
    cols = [c for c in raw.columns if c != "geometry"]
    headers = tuple(str(c) for c in cols)
    values = zip(*[raw[c].to_numpy(dtype=object) for c in cols]) if cols else iter([()] * len(raw))
    out["_raw"] = pd.Series([(headers, v) for v in values], index=raw.index, dtype=object)
    return out


def quarantine_rows(df: pd.DataFrame, mask, reason: str | pd.Series, source: str, file: str) -> pd.DataFrame:
    """Rows of ``df`` selected by ``mask`` in the quarantine schema.

    ``source_file``/``source_row``/``_raw`` columns of ``df`` are used when present; otherwise
    ``file``, ``index + 1`` and the JSON of the row. ``reason`` is one text or a Series aligned
    with ``df`` (a reason per row).
    """
    mask = pd.Series(mask, index=df.index).fillna(False).astype(bool)
    sel = df.loc[mask]
    n = len(sel)
    src_file = sel["source_file"].astype(str).to_numpy() if "source_file" in sel else [str(file)] * n
    src_row = (sel["source_row"].to_numpy(dtype="int64") if "source_row" in sel
               else np.asarray(sel.index, dtype="int64") + 1)
    raw = ([_json_of(r) for r in sel["_raw"]] if "_raw" in sel else raw_json(sel).to_numpy(dtype=object))
    why = reason.loc[mask].astype(str).to_numpy() if isinstance(reason, pd.Series) else [reason] * n
    return _quarantine_frame(pd.DataFrame({"source": [source] * n, "source_file": src_file,
                                           "source_row": src_row, "reason": why, "raw": raw}))


def screen(df: pd.DataFrame, checks, source: str, *, keep: pd.Series | None = None,
           file: str = "") -> tuple[pd.DataFrame, pd.Series]:
    """Run row checks in order; a row that fails one is quarantined with that check's reason.

    Parameters
    ----------
    df : DataFrame
        The rows (with ``source_file``/``source_row``/``_raw`` from :func:`with_provenance`, or
        ``file`` and the index are used, as in :func:`quarantine_rows`).
    checks : iterable of (mask, reason)
        ``mask`` is True where the row fails (NA counts as failing: a check that cannot be
        evaluated rejects the row rather than let it through); ``reason`` is a text or a
        Series aligned with ``df``. The first failing check gives the row's only reason.
    keep : bool Series, optional
        Rows still in play (default: all). Rows already out are not checked again, so a later
        call can continue where an earlier one stopped.

    Returns
    -------
    (quarantine, keep)
        The quarantined rows in the quarantine schema, and the mask of rows that passed.
    """
    keep = pd.Series(True, index=df.index) if keep is None else keep.copy()
    parts = []
    for mask, reason in checks:
        mask = pd.Series(mask, index=df.index).fillna(True).astype(bool) & keep
        if mask.any():
            parts.append(quarantine_rows(df, mask, reason, source, file))
        keep &= ~mask
    return concat_quarantine(parts), keep


def _quarantine_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reindex(columns=QUARANTINE_COLUMNS).reset_index(drop=True)
    for c in ("source", "source_file", "reason", "raw"):
        out[c] = out[c].astype(str)
    out["source_row"] = out["source_row"].astype("int64")
    return out


def concat_quarantine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate quarantine frames (an empty, correctly typed frame when there are none)."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return _quarantine_frame(pd.DataFrame(columns=QUARANTINE_COLUMNS))
    return _quarantine_frame(pd.concat(parts, ignore_index=True))


def make_result(table: pd.DataFrame, quarantine: pd.DataFrame, rows_read: int, source: str,
                accepted: int | None = None, **counters: int) -> IngestResult:
    """Bundle a result; add per-reason counts; check that every row is accounted for.

    ``accepted`` counts the accepted rows when they are not in ``table`` (a chunked ingest
    wrote them to disk as it went). Raises DataError when nothing was accepted ("nothing
    matches"), naming the main reason.
    """
    q = concat_quarantine([quarantine])
    accepted = len(table) if accepted is None else accepted
    summary = {"rows_read": int(rows_read), "accepted": int(accepted), "quarantined": int(len(q))}
    for reason, n in q["reason"].value_counts().sort_index().items():
        summary[f"quarantine: {reason}"] = int(n)
    summary.update({k: int(v) for k, v in counters.items()})
    if summary["accepted"] + summary["quarantined"] != summary["rows_read"]:
        raise AssertionError(f"{source}: rows do not reconcile: {summary}")
    if rows_read and not accepted:
        top = q["reason"].value_counts()
        files = ", ".join(sorted(q["source_file"].unique())[:3])
        raise DataError(f"{files}: none of the {rows_read} {source} rows could be used "
                        f"(most common reason: '{top.index[0]}', {int(top.iloc[0])} rows); "
                        f"check the file against docs/data-contract.md and sources.{source} in params.yaml")
    return IngestResult(table, q, summary)


def reconcile(results: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The data-quality summary of one ingest run, from ``{source: IngestResult}``.

    Returns (quality, reasons, quarantine): one row per source with rows_read, accepted,
    quarantined and every extra counter of its summary; the number of rows per (source,
    reason); all quarantined rows. Raises DataError if a source's counts do not reconcile
    (rows_read = accepted + quarantined), which would mean rows were lost.
    """
    rows, quarantines, extras = [], [], []
    for source, res in results.items():
        read, qn = res.summary.get("rows_read"), len(res.quarantine)
        acc = res.summary["accepted"] if "accepted" in res.summary else len(res.table)  # chunked: rows on disk
        if read is not None and read != acc + qn:
            raise DataError(f"ingest of {source}: {read} rows read but {acc} accepted + {qn} quarantined; "
                            "this is a bug: please report it with the input file")
        rows.append({"source": source, "rows_read": read if read is not None else acc + qn,
                     "accepted": acc, "quarantined": qn})
        quarantines.append(res.quarantine)
        for k, v in res.summary.items():
            if k not in {"rows_read", "accepted", "quarantined"}:
                extras.append({"source": source, "measure": k, "value": v})
    quality = pd.DataFrame(rows)
    quarantine = pd.concat([q for q in quarantines if len(q)], ignore_index=True) if any(
        len(q) for q in quarantines) else pd.DataFrame({c: pd.Series(dtype="str") for c in
                                                        ("source", "source_file", "reason", "raw")}).assign(
        source_row=pd.Series(dtype="int64"))
    reasons = (quarantine.groupby(["source", "reason"]).size().rename("n_rows").reset_index()
               if len(quarantine) else pd.DataFrame(columns=["source", "reason", "n_rows"]))
    if extras:
        quality = quality.merge(pd.DataFrame(extras).pivot_table(index="source", columns="measure", values="value",
                                                                 aggfunc="sum").reset_index(), how="left")
    return quality, reasons, quarantine
