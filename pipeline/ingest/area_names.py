"""Matching the kommun's own spellings of its area names (in crime, population, survey, note and
EST exports) to the areas, as Swedish names."""

from __future__ import annotations

import difflib
import re

import pandas as pd

from pipeline.ingest.common import fold, name_key
from pipeline.ingest.quarantine import quoted
from pipeline.text.normalise import has_swedish_letters

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
