"""Building blocks shared by every ingest module: what an ingest step returns, the keys names
and labels are compared by, and header mapping. The parsers and coordinate handling are in
:mod:`pipeline.ingest.parse` (re-exported here), row provenance and the quarantine in
:mod:`pipeline.ingest.quarantine`, area-name matching in :mod:`pipeline.ingest.area_names`.

The data contract (``docs/data-contract.md``) is enforced by these modules: a user's headers are
mapped to canonical field names from ``defaults/column_aliases.yaml`` plus
``sources.<source>.columns``; every input row ends in a core table or in the quarantine table
with a reason; fatal problems raise :class:`pipeline.errors.DataError` with one line naming the
file, column or row and the fix.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd
import yaml

from pipeline.errors import DataError
from pipeline.ingest.parse import (  # noqa: F401 - split off; the ingest modules import them from here
    SWEREF_E, SWEREF_N, fix_swapped_sweref, parse_count, parse_date, parse_number, parse_time, to_sweref,
    year_from_filename,
)
from pipeline.text.normalise import fold as fold_chars
from pipeline.text.normalise import fold_sv


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
