"""Ingest staff notes (medarbetardialog): date, organisation (verksamhet) and free text.

Personal data is removed first: every text cell of the raw rows is scrubbed
(:func:`pipeline.text.scrub.scrub_series`) before anything else keeps it, so the notes table and
the quarantine's raw JSON only ever hold scrubbed text. Then each note is linked to a place and
area (:func:`pipeline.text.places.link_places`) and tagged with problem families
(:func:`pipeline.text.tagging.tag_problems`).

Scrubbing is tuned through ``sources.notes.labels``: ``scrub_allow`` (words that are never
names, as mapping keys) and ``scrub_deny`` (words always removed). Area names and gazetteer
place names are always allowed. Notes are written by staff about private persons, so a surname
in the genitive standing alone goes too ("Vi ringde Lindbergs mamma"; ``genitive_surnames`` of
:func:`pipeline.text.scrub.scrub`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError
from pipeline.ingest.common import IngestResult, map_columns, parse_date
from pipeline.ingest.quarantine import data_rows, make_result, screen, with_provenance
from pipeline.text.places import Gazetteer, build_gazetteer, link_places
from pipeline.text.scrub import KINDS, scrub_series
from pipeline.text.tagging import tag_problems

SOURCE = "notes"
_HEADER = re.compile(r"^\s*(datum|verksamhet)\s*:\s*(.*)$", re.IGNORECASE)


# ---------------------------------------------------------------- shared with est.py
def scrub_lists(cfg, areas: pd.DataFrame, gaz: Gazetteer) -> tuple[frozenset[str], frozenset[str]]:
    """(allow, deny) word lists for the scrubber from area and gazetteer names and ``cfg.labels``."""
    labels = getattr(cfg, "labels", {}) or {}
    allow = {str(n) for n in areas["area_name"].dropna()} | set(gaz.names())
    allow |= {str(k) for k in (labels.get("scrub_allow") or {})} | set(getattr(cfg, "scrub_allow", None) or [])
    deny = {str(k) for k in (labels.get("scrub_deny") or {})} | set(getattr(cfg, "scrub_deny", None) or [])
    return frozenset(allow), frozenset(deny)


def scrub_frame(raw: pd.DataFrame, allow: frozenset[str], deny: frozenset[str], *, genitive_surnames: bool = False
                ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Scrub every text cell of a raw frame (all columns read as text); counts by kind.
    ``genitive_surnames`` as in :func:`pipeline.text.scrub.scrub` (staff notes: on)."""
    out = raw.copy()
    total = dict.fromkeys(KINDS, 0)
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
            continue
        has = s.notna()
        if not has.any():
            continue
        cleaned, found = scrub_series(s[has].astype(str), allow, deny, genitive_surnames=genitive_surnames)
        new = s.astype(object).copy()
        new[has] = cleaned.astype(object)
        out[col] = new
        for k, v in found.items():
            total[k] += int(v)
    return out, total


def gazetteer_of(areas: pd.DataFrame, places: pd.DataFrame | None, cfg=None) -> Gazetteer:
    """Area names, the gazetteer's places and the user's ``labels.area_names`` aliases
    (spelling → area name or id) as one gazetteer for linking free text to areas."""
    from pipeline.ingest.area_names import match_area_names

    aliases = ((getattr(cfg, "labels", None) or {}).get("area_names")) or {}
    if aliases:
        target = match_area_names(pd.Series(list(aliases.values())), areas[["area_id", "area_name"]])
        extra = pd.DataFrame({"place_name": list(aliases), "area_id": target.tolist()}).dropna(subset=["area_id"])
        places = extra if places is None or not len(places) else pd.concat([places, extra], ignore_index=True)
    return build_gazetteer(areas[["area_id", "area_name"]], places)


# ---------------------------------------------------------------- reading note files
def _parse_note_text(text: str) -> list[dict]:
    """Notes from plain text: header lines ``Datum:``/``Verksamhet:`` then the note; a new
    ``Datum:`` line starts the next note. Text without headers is one note without a date."""
    notes: list[dict] = []
    cur: dict | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        m = _HEADER.match(line)
        key = m.group(1).capitalize() if m else None
        started = cur is not None and any(x.strip() for x in cur["body"])
        if key == "Datum" and cur is not None and ("Datum" in cur or started):
            notes.append(cur)
            cur, started = None, False
        if cur is None:
            cur = {"body": []}
        if key and not started and key not in cur:
            cur[key] = m.group(2).strip()
            continue
        cur["body"].append(line)
    if cur is not None:
        notes.append(cur)
    rows = [{"Datum": n.get("Datum"), "Verksamhet": n.get("Verksamhet"),
             "Anteckning": "\n".join(n["body"]).strip() or None} for n in notes]
    return [r for r in rows if r["Datum"] or r["Anteckning"]]


def _read_docx(path: Path) -> pd.DataFrame:
    import docx

    try:
        doc = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"{path}: could not be read as a Word document ({exc}); save it as .docx") from exc
    frames = []
    for table in doc.tables:
        cells = [[c.text.strip() for c in row.cells] for row in table.rows]
        if len(cells) < 2:
            continue
        header = cells[0]
        frames.append(pd.DataFrame(cells[1:], columns=header).replace("", pd.NA))
    if frames:
        return pd.concat(frames, ignore_index=True).astype(object)
    return pd.DataFrame(_parse_note_text("\n".join(p.text for p in doc.paragraphs)),
                        columns=["Datum", "Verksamhet", "Anteckning"])


def read_note_files(paths: list[Path], cfg=None, name=str) -> list[tuple[str, pd.DataFrame]]:
    """Read staff-note files into raw frames (every cell text; one frame per file).

    ``.txt``: header lines ``Datum: YYYY-MM-DD`` and ``Verksamhet: X`` followed by the note
    (several notes per file allowed, each starting with ``Datum:``); a ``.txt`` that starts with
    a delimited header row is read as CSV. ``.docx``: a table whose first row holds the headers
    (Datum/Verksamhet/Anteckning), else the paragraphs parsed like ``.txt``. ``.csv``/``.xlsx``:
    :func:`pipeline.io.read_raw_table` (``cfg.sheet``/``encoding``/``sep`` honoured). Each frame
    is returned with ``name(path)`` (the file as tables and messages show it). This is the one
    reader in the text stages that touches the disk.
    """
    from pipeline.io import read_raw_table, read_text

    kw = {k: getattr(cfg, k, None) for k in ("encoding", "sep", "sheet", "header_row")} if cfg is not None else {}
    out = []
    for p in map(Path, paths):
        suffix = p.suffix.lower()
        if suffix == ".docx":
            df = _read_docx(p)
        elif suffix == ".txt":
            text, _ = read_text(p, kw.get("encoding"))
            first = text.split("\n", 1)[0]
            if _HEADER.match(first) or not re.search(r"[;\t|]", first):
                df = pd.DataFrame(_parse_note_text(text),
                                  columns=["Datum", "Verksamhet", "Anteckning"])
            else:
                df = read_raw_table(p, encoding=kw.get("encoding"), sep=kw.get("sep"), header_row=kw.get("header_row"))
        else:
            df = read_raw_table(p, **{k: v for k, v in kw.items() if v is not None})
        out.append((name(p), data_rows(df)))
    return out


# ---------------------------------------------------------------- ingest
def ingest_notes(frames: list[tuple[str, pd.DataFrame]], areas: pd.DataFrame, gazetteer_places: pd.DataFrame | None,
                 cfg, families) -> IngestResult:
    """Staff notes, scrubbed, linked to places and areas and tagged with problem families.

    Required columns: the note text (Anteckning) and its date (Datum); optional: verksamhet.
    Quarantined: "missing text" (blank after trimming), "missing date", "bad date" (not a possible
    date), "duplicate note" (same date, verksamhet and scrubbed text as an earlier row).
    ``note_id`` = "<file name>#<source_row>" (the suffix keeps a .xlsx and a .docx of one stem apart).

    Returns
    -------
    IngestResult
        table: DataFrame [note_id, noted_on, verksamhet, text, area_id, place_name, problems,
        source_file, source_row] (schema ``notes``); summary adds ``scrubbed <kind>`` for each
        kind of personal data, ``linked_to_area`` and ``tagged_with_problem``.
    """
    if not frames:
        raise DataError("sources.notes: no note file found; set sources.notes.path in params.yaml")
    gaz = gazetteer_of(areas, gazetteer_places, cfg)
    parts, rows_read, removed = [], 0, dict.fromkeys(KINDS, 0)
    for file, raw in frames:
        raw = data_rows(raw)
        rows_read += len(raw)
        canon = map_columns(raw, SOURCE, cfg, ["text", "date"], ["verksamhet"], file)
        allow, deny = scrub_lists(cfg, areas, gaz)
        # before anything keeps the text; staff write about private persons by surname ("Lindbergs mamma")
        raw, found = scrub_frame(raw, allow, deny, genitive_surnames=True)
        for k, v in found.items():
            removed[k] += v
        cmap = canon.attrs["column_map"]
        for fld in ("text", "verksamhet"):  # every free-text field from the scrubbed cells
            if fld in cmap:
                canon[fld] = raw[cmap[fld]]
        df = with_provenance(canon, raw, file)
        df["note_id"] = Path(file).name + "#" + df["source_row"].astype(str)
        parts.append(df)
    df = pd.concat(parts, ignore_index=True)
    df["text"] = df["text"].astype("string").str.strip().replace("", pd.NA)
    date_txt = df["date"].astype("string").str.strip().replace("", pd.NA)
    df["noted_on"] = parse_date(date_txt.fillna(""))
    verk = df["verksamhet"] if "verksamhet" in df else pd.Series(pd.NA, index=df.index)
    df["verksamhet"] = verk.astype("string").str.strip().replace("", pd.NA)
    dup = df.duplicated(["noted_on", "verksamhet", "text"], keep="first") & df["text"].notna()

    quarantine, todo = screen(df, [(df["text"].isna(), "missing text"), (date_txt.isna(), "missing date"),
                                   (df["noted_on"].isna(), "bad date"), (dup, "duplicate note"),
                                   (df["note_id"].duplicated(), "duplicate note id")], SOURCE)
    kept = df[todo].copy()
    linked = link_places(kept["text"].astype(str), gaz)
    problems = tag_problems(kept["text"].astype(str), families, ignore=gaz.names())

    def _opt(s: pd.Series) -> pd.Series:
        return s.astype(object).where(s.notna(), None)

    table = pd.DataFrame({
        "note_id": kept["note_id"].astype(str),
        "noted_on": kept["noted_on"].astype("datetime64[ns]"),
        "verksamhet": _opt(kept["verksamhet"]),
        "text": kept["text"].astype(str),
        "area_id": _opt(linked["area_id"]),
        "place_name": _opt(linked["place_name"]),
        "problems": _opt(problems),
        "source_file": kept["source_file"].astype(str),
        "source_row": kept["source_row"].astype("int64"),
    }).sort_values(["noted_on", "note_id"], kind="stable").reset_index(drop=True)
    counters = {**{f"scrubbed {k}": int(v) for k, v in removed.items()},
                "linked_to_area": int(table["area_id"].notna().sum()),
                "tagged_with_problem": int(table["problems"].notna().sum())}
    return make_result(table, quarantine, rows_read, SOURCE, **counters)
