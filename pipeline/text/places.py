"""Link free text to areas through area names and a user-supplied gazetteer.

Matching is done on case- and accent-folded text (``Backby`` finds Bäckby) and tolerates Swedish
inflection and compounds:

- a name followed by an inflection ending: genitive ``-s`` (``Bäckbys``), definite ``-en``,
  ``-et``, ``-n`` and their genitives (``Vasaparkens``); the words of a multi-word name may be
  written apart, together or hyphenated (``Råby torg``, ``Råbytorg``);
- a following generic place word is part of the mention (``Bäckby centrum``,
  ``Bäckbys centrum``, ``Skälby skola``), so the generic area "Centrum" does not steal it;
- a compound whose first part is the name (``Fristadstorget``, ``Bäckbyskolan``) when the
  word is capitalised in the original text and the name has at least four letters;
- prepositions (``i``, ``vid``, ``på``) need no handling: any position in the text is searched.

The most specific match wins: overlapping matches keep the longest span; among the rest a
gazetteer place beats an area name, then the earliest mention wins. Hand-written: no
maintained library does gazetteer matching for Swedish inflection offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from pipeline.text.normalise import fold

_INFLECT = r"(?:s|en|et|n|ns|ens|ets|e|t)?"
_GENERIC = (r"(?:[\s-]+(?:centrum|torg|torget|park|parken|skola|skolan|gard|garden|station|"
            r"stationen|bibliotek|biblioteket|kyrka|kyrkan|hallen|badet|plan|planen|backe|backen))?")
_L = r"[^\W\d_]"


@dataclass(frozen=True)
class Entry:
    name: str          # canonical name as the user wrote it
    area_id: str
    kind: str          # "place" (gazetteer) or "area" (area name)
    x: float | None
    y: float | None
    pattern: re.Pattern
    compound: re.Pattern | None


@dataclass(frozen=True)
class Gazetteer:
    entries: tuple[Entry, ...]

    def names(self) -> frozenset[str]:
        """Every area and place name (for the scrubber's allow list)."""
        return frozenset(e.name for e in self.entries)


def _entry(name: str, area_id: str, kind: str, x=None, y=None) -> Entry | None:
    parts = [p for p in re.split(r"[\s\-]+", fold(name.strip())) if p]
    if not parts:
        return None
    body = r"s?[\s-]*".join(re.escape(p) for p in parts)
    pattern = re.compile(rf"(?<!{_L}){body}{_INFLECT}{_GENERIC}(?!{_L})")
    compound = None
    if len("".join(parts)) >= 4:
        compound = re.compile(rf"(?<!{_L}){body}s?{_L}{{3,}}")
    fx = None if x is None or pd.isna(x) else float(x)
    fy = None if y is None or pd.isna(y) else float(y)
    return Entry(name.strip(), str(area_id), kind, fx, fy, pattern, compound)


def build_gazetteer(areas: pd.DataFrame, places: pd.DataFrame | None = None) -> Gazetteer:
    """Build a :class:`Gazetteer` from area names and (optionally) named places.

    Parameters
    ----------
    areas : DataFrame with ``area_id``, ``area_name``
    places : DataFrame with ``place_name``, ``area_id`` and optional ``x``, ``y`` (EPSG:3006), or None

    Places come first so that, for equal spans, a place beats an area name.
    """
    entries: list[Entry] = []
    if places is not None and len(places):
        for row in places.itertuples(index=False):
            e = _entry(str(row.place_name), row.area_id, "place", getattr(row, "x", None), getattr(row, "y", None))
            if e is not None:
                entries.append(e)
    for row in areas[["area_id", "area_name"]].itertuples(index=False):
        if isinstance(row.area_name, str):
            e = _entry(row.area_name, row.area_id, "area")
            if e is not None:
                entries.append(e)
    return Gazetteer(tuple(entries))


def _matches(text: str, gaz: Gazetteer) -> list[tuple[int, int, int]]:
    """(start, end, entry index) of every mention in ``text``."""
    folded = fold(text)
    found = []
    for k, e in enumerate(gaz.entries):
        for m in e.pattern.finditer(folded):
            found.append((m.start(), m.end(), k))
        if e.compound is not None:
            for m in e.compound.finditer(folded):
                if text[m.start()].isupper():
                    found.append((m.start(), m.end(), k))
    return found


def best_match(text: str, gaz: Gazetteer) -> Entry | None:
    """The most specific gazetteer entry mentioned in ``text`` (see module docstring), or None."""
    if not isinstance(text, str) or not text:
        return None
    found = _matches(text, gaz)
    if not found:
        return None
    kept = [m for m in found
            if not any((o[0] <= m[0] and m[1] <= o[1]) and (o[1] - o[0]) > (m[1] - m[0]) for o in found)]
    kept.sort(key=lambda m: (gaz.entries[m[2]].kind != "place", m[0], -(m[1] - m[0]), m[2]))
    return gaz.entries[kept[0][2]]


def link_places(texts: pd.Series, gaz: Gazetteer) -> pd.DataFrame:
    """Link each text to a place and area.

    Returns
    -------
    DataFrame
        Same index as ``texts``; ``place_name`` (the gazetteer or area name as written by the
        user) and ``area_id``; both NA where no name is found.
    """
    names, ids = [], []
    for t in texts.tolist():
        e = best_match(t, gaz) if isinstance(t, str) else None
        names.append(e.name if e else pd.NA)
        ids.append(e.area_id if e else pd.NA)
    return pd.DataFrame({"place_name": pd.Series(names, index=texts.index, dtype="str"),
                         "area_id": pd.Series(ids, index=texts.index, dtype="str")})
