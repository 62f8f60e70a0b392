"""Building blocks shared by every ingest module: header mapping, quarantine and area-name
matching; the parsers and coordinate handling are in :mod:`pipeline.ingest.parse` (re-exported
here).

The data contract (``docs/data-contract.md``) is enforced here: a user's headers are mapped to
canonical field names from ``defaults/column_aliases.yaml`` plus ``sources.<source>.columns``;
every input row ends in a core table or in the quarantine table with a reason; fatal problems
raise :class:`pipeline.errors.DataError` with one line naming the file, column or row and the fix.

Row provenance: frames from :func:`pipeline.io.read_raw_table` carry a 0-based RangeIndex;
``source_row = index + 1`` is the 1-based data row (header excluded). Ingest modules keep that
index (or an explicit ``source_row`` column) through every filter.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from pipeline.errors import DataError
from pipeline.ingest.parse import (  # noqa: F401 - split off; the ingest modules import them from here
    SWEREF_E, SWEREF_N, fix_swapped_sweref, parse_count, parse_date, parse_number, parse_time, to_sweref,
    year_from_filename,
)
from pipeline.text.normalise import fold as fold_chars
from pipeline.text.normalise import fold_sv, has_swedish_letters

QUARANTINE_COLUMNS = ["source", "source_file", "source_row", "reason", "raw"]


@dataclass
class IngestResult:
    """What an ingest step returns: the core table, its quarantined rows and counts.

    ``summary`` always holds ``rows_read``, ``accepted`` and ``quarantined`` with
    ``rows_read == accepted + quarantined``, plus per-reason counts (``"quarantine: <reason>"``)
    and source-specific counters (e.g. ``coordinates_swapped_back``). ``out_of_scope`` counts
    rows that are no row problem but not the kommun's (another kommun's Polisen events), per
    kommun named; they are in neither ``rows_read`` nor the quarantine.
    """

    table: pd.DataFrame
    quarantine: pd.DataFrame
    summary: dict[str, int] = field(default_factory=dict)
    out_of_scope: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- text normalisation
def fold(text: object) -> str:
    """:func:`pipeline.text.normalise.fold` (lower case, å/ä → a, ö → o, é → e) with punctuation
    turned into single spaces: the key for matching headers and area names."""
    return re.sub(r"[^0-9a-z]+", " ", fold_chars(str(text))).strip()


def name_key(text: object) -> str:
    """Name matching key: :func:`pipeline.text.normalise.fold_sv` (case and accents folded, but
    å, ä, ö kept: Habo ≠ Håbo) with punctuation turned into single spaces."""
    return re.sub(r"[^0-9a-zåäö]+", " ", fold_sv(str(text))).strip()


def header_key(text: object) -> str:
    """Header matching key: :func:`fold` without any spaces ("X-koordinat" == "x koordinat")."""
    return fold(text).replace(" ", "")


def label_key(text: object) -> str:
    """Answer-label matching key: lower case, trimmed, single spaces (accents kept)."""
    return re.sub(r"\s+", " ", str(text).strip().lower())


@functools.lru_cache(maxsize=None)
def _packaged_yaml(name: str) -> dict:
    text = resources.files("pipeline.defaults").joinpath(name).read_text("utf-8")
    return yaml.safe_load(text) or {}


def default_aliases(source: str) -> dict[str, list[str]]:
    """Default headers per canonical field of ``source`` (``defaults/column_aliases.yaml``)."""
    return {k: [str(a) for a in v] for k, v in (_packaged_yaml("column_aliases.yaml").get(source) or {}).items()}


def default_survey_labels() -> dict[str, dict[str, str]]:
    """Default survey answer labels (``defaults/survey_labels.yaml``) as {key: {label: value}}."""
    return {k: {str(a): str(b) for a, b in v.items()} for k, v in _packaged_yaml("survey_labels.yaml").items()}


# ---------------------------------------------------------------- columns
def _as_list(v) -> list[str]:
    if v is None:
        return []
    return [str(v)] if isinstance(v, str) else [str(x) for x in v]


def _bracket(header: str) -> str | None:
    m = re.search(r"\[([^\]]+)\]\s*$", str(header))
    return m.group(1) if m else None


def map_columns(df: pd.DataFrame, source: str, cfg, required: list[str], optional: list[str],
                file: str) -> pd.DataFrame:
    """Rename the user's headers to canonical field names and keep only those fields.

    A field's candidate headers are ``cfg.columns[field]`` (tried first) then the defaults of
    ``defaults/column_aliases.yaml``. Headers match when equal after :func:`header_key`
    (case, spaces, punctuation and accents ignored); a header "Question [Item]" also matches on
    its bracketed item. Each header is used for at most one field. The index is preserved and the
    mapping {field: original header} is left in ``out.attrs["column_map"]``.

    Raises
    ------
    DataError
        ``FILE: missing required column 'X' (looked for headers: ...); add
        `sources.<source>.columns.X: <your header>` to params.yaml``.
    """
    user = dict(getattr(cfg, "columns", None) or {})
    defaults = default_aliases(source)
    full: dict[str, str] = {}
    inner: dict[str, str] = {}
    for h in df.columns:
        full.setdefault(header_key(h), h)
        b = _bracket(h)
        if b:
            inner.setdefault(header_key(b), h)
    fields = list(dict.fromkeys([*required, *optional]))
    chosen: dict[str, str] = {}
    used: set[str] = set()

    def pick(fld: str, cands: list[str]) -> None:
        for lookup in (full, inner):
            for c in cands:
                h = lookup.get(header_key(c))
                if h is not None and h not in used:
                    chosen[fld] = h
                    used.add(h)
                    return

    for fld in fields:  # the user's own headers first, for every field
        if fld in user:
            pick(fld, _as_list(user[fld]))
    for fld in fields:
        if fld not in chosen:
            pick(fld, defaults.get(fld, []) + [fld])
    for fld in required:
        if fld not in chosen:
            looked = _as_list(user.get(fld)) + defaults.get(fld, [fld])
            shown = ", ".join(repr(x) for x in looked[:6]) + (", ..." if len(looked) > 6 else "")
            has = ", ".join(repr(str(h)) for h in list(df.columns)[:12])
            raise DataError(
                f"{file}: missing required column '{fld}' (looked for headers: {shown}; file has: {has}); "
                f"add `sources.{source}.columns.{fld}: <your header>` to params.yaml")
    out = df[[chosen[f] for f in fields if f in chosen]].copy()
    out.columns = [f for f in fields if f in chosen]
    out.attrs["column_map"] = {f: chosen[f] for f in fields if f in chosen}
    return out


# ---------------------------------------------------------------- provenance and quarantine
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


# ---------------------------------------------------------------- area names
_NOISE = re.compile(r"\(.*?\)|\b\d+\b")


def match_area_names(names: pd.Series, areas: pd.DataFrame, aliases: dict | None = None,
                     cutoff: float = 0.85) -> pd.Series:
    """area_id for each spelling of an area name; NA when nothing matches.

    Names are compared as Swedish (:func:`name_key`: case, spacing and punctuation ignored, å,
    ä and ö letters of their own, so "BÄCKBY" matches "Bäckby" but "Hallby" does not match
    "Hällby"). Tried in order: the user's ``aliases`` (spelling → area name or area_id), the
    exact name or id, the name without parenthesised text and numbers, with leading words dropped
    ("Västerås Centrum" → "Centrum"), with trailing words dropped, the closest name by
    :func:`difflib.get_close_matches` with ``cutoff``; and last, for a spelling without any å,
    ä or ö (an export that lost them: "Raby"), the one area whose name reads the same once its
    å/ä/ö are written a/a/o, when exactly one does. Those matches are listed in
    ``out.attrs["without_swedish_letters"]`` ({spelling: area_id}) for the summary.
    Hand-written: no maintained library does Swedish place-name matching.
    """
    by_key: dict[str, str] = {}
    for aid, name in zip(areas["area_id"].astype(str), areas["area_name"].astype(str)):
        by_key.setdefault(name_key(name), aid)
        by_key.setdefault(name_key(aid), aid)
    alias_key = {}
    for spelling, target in (aliases or {}).items():
        t = by_key.get(name_key(target))
        if t is not None:
            alias_key[name_key(spelling)] = t
    names_only = [name_key(n) for n in areas["area_name"].astype(str)]
    ascii_key: dict[str, list[str]] = {}
    for aid, name in zip(areas["area_id"].astype(str), areas["area_name"].astype(str)):
        ascii_key.setdefault(fold(name), []).append(aid)
    without = {}

    def one(raw: str):
        k = name_key(raw)
        if not k:
            return pd.NA
        if k in alias_key:
            return alias_key[k]
        if k in by_key:
            return by_key[k]
        k2 = re.sub(r"\s+", " ", _NOISE.sub(" ", k)).strip()
        if k2 in by_key:
            return by_key[k2]
        toks = k2.split()
        for i in range(1, len(toks)):
            if " ".join(toks[i:]) in by_key:
                return by_key[" ".join(toks[i:])]
        for i in range(len(toks) - 1, 0, -1):
            if " ".join(toks[:i]) in by_key:
                return by_key[" ".join(toks[:i])]
        # a near miss is a typo, unless the names differ only in å/ä/ö: Hällby is not Hallby
        close = [c for c in difflib.get_close_matches(k2, names_only, n=3, cutoff=cutoff) if fold(c) != fold(k2)]
        if close:
            return by_key[close[0]]
        hits = ascii_key.get(fold(k2), []) if not has_swedish_letters(k2) else []
        if len(set(hits)) == 1:
            without[raw] = hits[0]
            return hits[0]
        return pd.NA

    uniq = names.dropna().astype(str).unique()
    lookup = {u: one(u) for u in uniq}
    out = pd.Series([lookup.get(str(v), pd.NA) if pd.notna(v) else pd.NA for v in names],
                    index=names.index, dtype=object)
    out.attrs["without_swedish_letters"] = without
    return out


def unmatched_counts(names: pd.Series, matched: pd.Series, prefix: str = "unknown area") -> dict[str, int]:
    """Summary entries "<prefix> '<spelling>'": count, for spellings that matched no area."""
    miss = quoted(names[matched.isna() & names.notna()].astype(str)).value_counts()
    return {f"{prefix} '{k}'": int(v) for k, v in miss.items()}


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
