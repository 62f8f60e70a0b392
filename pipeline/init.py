"""``lagesbild init``: a commented params.yaml from the exports in data/raw.

Shell module (it reads files). For each file it finds the format, encoding, separator, sheet,
header row and CRS, recognises which source the file is (by how many of a source's fields its
headers match, full survey question texts included), maps the columns and checks the labels
(crime labels against the taxonomy, survey answers against the known scales). What it cannot
decide is written as ``TODO`` with the candidates, which ``lagesbild check`` then refuses until
it is resolved. Hand-written: no library recognises Swedish municipal exports.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from pipeline import defaults, io
from pipeline.context import RunContext
from pipeline.errors import DataError
from pipeline.ingest.common import default_aliases, default_survey_labels, header_key, label_key, map_columns

TABULAR = ("population", "crimes", "survey", "notes", "est", "gazetteer")
# a file is a source only when these fields are all found (one of each tuple)
REQUIRED = {"population": [("population",), ("area_name", "area_id")],
            "crimes": [("date",), ("crime_label", "crime_code"), ("x", "lat")],
            "survey": [("area_name", "area_id"), ("safety_evening", "item_littering", "item_drug_dealing",
                                                  "item_youth_groups", "item_public_violence")],
            "notes": [("date",), ("text",)], "est": [("date",), ("type",)], "gazetteer": [("place",), ("area",)]}
ANSWER_KEYS = {"safety_evening": "safety", "never_out_unsafe": "never_out", "sex": "sex",
               **{f"item_{i}": "problem" for i in ("littering", "graffiti_vandalism", "disruptive_driving",
                                                    "intoxicated_people", "drug_dealing", "youth_groups",
                                                    "residential_burglary", "public_violence")}}
TODO = "TODO"


def kommun_name(code: str) -> str:
    """The name of kommun ``code`` (4 digits) from the packaged list of Sweden's 290 kommuner."""
    table = defaults.kommuner()
    names = dict(zip(table["kommun_code"], table["kommun_name"]))
    code = str(code).zfill(4)
    if code not in names:
        raise DataError(f"--kommun {code}: no such kommun code; use the 4-digit code from SCB (e.g. 0484 for "
                        "Eskilstuna, 1980 for Västerås)")
    return names[code]


@dataclass
class Found:
    """One recognised file."""

    source: str
    path: str
    settings: dict = field(default_factory=dict)  # encoding, sep, sheet, header_row, crs
    columns: dict = field(default_factory=dict)  # field → header, where the defaults do not find it
    unused: list = field(default_factory=list)
    todo: list = field(default_factory=list)  # comments
    labels: dict = field(default_factory=dict)


# survey questions written out in full: a header is a field when it holds these words (folded)
SURVEY_WORDS = (
    ("never_out_unsafe", ("aldrig", "otrygg")), ("never_out_unsafe", ("beror det", "otrygg")),
    ("safety_evening", ("trygg", "kvall")), ("safety_evening", ("trygg", "kvallen")),
    ("free_text", ("synpunkt",)), ("free_text", ("beratta",)), ("free_text", ("kommentar",)),
    ("free_text", ("tillagga",)), ("free_text", ("ovrigt",)),
    ("area_name", ("bor du",)), ("area_name", ("vilket omrade",)), ("area_name", ("vilken stadsdel",)),
)


def _survey_field(header: str, aliases: dict) -> str | None:
    """The survey field a full question text asks for, or None. Problem items by their item
    words ("… är nedskräpning …" → item_littering), the rest by :data:`SURVEY_WORDS`."""
    from pipeline.ingest.common import fold

    text = fold(header)
    for fld, names in aliases.items():
        if fld.startswith("item_") and any(len(fold(a)) >= 6 and fold(a) in text for a in names):
            return fld
    for fld, words in SURVEY_WORDS:
        if all(w in text for w in words):
            return fld
    return None


def _guess_fields(frame: pd.DataFrame, source: str, column_map: dict) -> dict:
    """Fields for headers the aliases miss: for a survey, full question texts by their words
    (:func:`_survey_field`); for other sources, a header within 0.85 of a long alias."""
    aliases = default_aliases(source)
    taken = set(column_map.values())
    out: dict[str, str] = {}
    for header in frame.columns:
        if header in taken:
            continue
        if source == "survey":
            fld = _survey_field(header, aliases)
        else:
            hk = header_key(header)
            scored = [(difflib.SequenceMatcher(None, header_key(a), hk).ratio(), f)
                      for f, names in aliases.items() for a in names if len(header_key(a)) >= 8]
            fld = max(scored)[1] if scored and max(scored)[0] >= 0.85 else None
        if fld and fld not in column_map and fld not in out:
            out[fld] = header
    return out


def _recognise(frame: pd.DataFrame) -> tuple[str | None, dict, dict]:
    """(source, column_map, guessed) for a table, or (None, {}, {}) when no source fits."""
    best = (None, {}, {}, -1)
    for source in TABULAR:
        fields = list(default_aliases(source))
        cmap = map_columns(frame, source, None, [], fields, "").attrs["column_map"]
        guessed = _guess_fields(frame, source, cmap)
        have = set(cmap) | set(guessed)
        if not all(any(f in have for f in alts) for alts in REQUIRED[source]):
            continue
        if len(have) > best[3]:
            best = (source, cmap, guessed, len(have))
    return best[0], best[1], best[2]


def _header_row(path: Path, settings: dict) -> int | None:
    """The 1-based row of the headers when title rows stand above them (None: the first row)."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        top = pd.read_excel(path, sheet_name=settings.get("sheet") or 0, header=None, nrows=10, dtype=str,
                            engine="calamine")
        filled = top.notna().sum(axis=1)
    else:
        text, _ = io.read_text(path, settings.get("encoding"))
        lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln.strip()][:10]
        sep = io.detect_separator("\n".join(lines[1:] or lines))
        filled = pd.Series([ln.count(sep) + 1 for ln in lines])
    if not len(filled):
        return None
    first = int((filled >= filled.max() * 0.6).to_numpy().argmax())
    return first + 1 if first else None


def _table_candidates(path: Path) -> list[tuple[dict, pd.DataFrame]]:
    settings: dict = {}
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        sheets = io.excel_sheets(path)
        out = []
        for i, sheet in enumerate(sheets):
            s = {"sheet": sheet} if i else {}
            hr = _header_row(path, s | {"sheet": sheet})
            s |= {"header_row": hr} if hr else {}
            out.append((s, io.read_raw_table(path, sheet=sheet, header_row=hr)))
        return out
    # the encoding is detected per file when read (one folder may mix UTF-8 and cp1252): not written
    hr = _header_row(path, settings)
    if hr:
        settings["header_row"] = hr
    frame = io.read_raw_table(path, encoding=settings.get("encoding"), header_row=hr)
    return [(settings, frame)]


def _crime_label_todos(frame: pd.DataFrame, cmap: dict, families) -> dict:
    from pipeline.problems import classify_crimes

    if "crime_label" not in cmap:
        return {}
    labels = frame[cmap["crime_label"]].dropna().astype(str).str.strip()
    target = classify_crimes(pd.Series(labels.unique()), None, families)
    unknown = [lab for lab, t in zip(labels.unique(), target) if pd.isna(t)]
    rules = {r.pattern.lstrip("*"): r.target for r in families.rules}
    out = {}
    for lab in sorted(unknown):
        near = difflib.get_close_matches(lab.lower(), list(rules), n=3, cutoff=0.5)
        out[lab] = sorted({rules[n] for n in near}) or families.ids
    return out


def _answer_todos(frame: pd.DataFrame, columns: dict) -> dict:
    known = default_survey_labels()
    out: dict = {}
    for fld, header in columns.items():
        key = ANSWER_KEYS.get(fld)
        if key is None or header not in frame:
            continue
        scale = {label_key(k): v for k, v in known.get(key, {}).items()}
        for value in frame[header].dropna().astype(str).str.strip().unique():
            if value and label_key(value) not in scale:
                near = difflib.get_close_matches(label_key(value), list(scale), n=3, cutoff=0.6)
                values = sorted({scale[n] for n in near})
                sure = len(values) == 1 and difflib.SequenceMatcher(None, label_key(value), near[0]).ratio() >= 0.75
                out.setdefault(key, {})[value] = values[0] if sure else values
    return out


def _is_police_events(path: Path) -> bool:
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            head = fh.read(4000).lstrip("[ \n")
        first = json.loads(head.split("\n", 1)[0].rstrip(","))
        return isinstance(first, dict) and {"datetime", "type", "location"} <= set(first)
    except (OSError, ValueError, EOFError):
        return False


def inspect_raw(run: RunContext, families) -> tuple[list[Found], list[str]]:
    """Recognise every file in data/raw: (found files, files no source fits)."""
    found, unknown = [], []
    for path in sorted(p for p in run.raw.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel, suffix = run.display(path), "".join(path.suffixes[-2:]).lower()
        if path.suffix.lower() in {".gpkg", ".geojson", ".shp"}:
            layer = io.read_raw_layer(path)
            f = Found("areas", rel)
            if layer.crs is None:
                f.settings["crs"] = TODO
                f.todo.append("the layer has no coordinate system: write its EPSG code (SWEREF 99 TM is EPSG:3006)")
            found.append(f)
        elif suffix.endswith((".json", ".jsonl", ".json.gz", ".jsonl.gz")):
            (found.append(Found("police_events", rel, {"required": False})) if _is_police_events(path)
             else unknown.append(rel))
        elif path.suffix.lower() == ".docx" or (path.suffix.lower() == ".txt" and
                                                io.read_text(path)[0].lstrip().lower().startswith("datum:")):
            found.append(Found("notes", rel))
        elif path.suffix.lower() in {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}:
            best = None
            for settings, frame in _table_candidates(path):
                source, cmap, guessed = _recognise(frame)
                if source and (best is None or len(cmap) + len(guessed) > best[1]):
                    best = (Found(source, rel, settings, guessed), len(cmap) + len(guessed), frame, cmap)
            if best is None:
                unknown.append(rel)
                continue
            f, _, frame, cmap = best
            used = set(cmap.values()) | set(f.columns.values())
            f.unused = [c for c in frame.columns if c not in used and not str(c).startswith("Unnamed")]
            if f.source == "crimes":
                f.labels = {"crime_categories": _crime_label_todos(frame, cmap, families)}
            if f.source == "survey":
                f.labels = _answer_todos(frame, {**cmap, **f.columns})
            found.append(f)
        else:
            unknown.append(rel)
    return found, unknown


# ---------------------------------------------------------------- writing params.yaml
DEFAULT_WEIGHTS = {"harm_volume": 0.20, "rate_ratio": 0.10, "trend": 0.10, "concentration": 0.10, "signal": 0.05,
                   "survey_unsafe": 0.10, "survey_problem": 0.10, "notes": 0.10, "est": 0.05, "triangulation": 0.10,
                   "events": 0.05}  # the repository's params.yaml; a component added later gets 0 until set
ORDER = ("areas", "population", "crimes", "police_events", "survey", "notes", "est", "gazetteer")


def _y(value) -> str:
    """One YAML value on one line (flow style), quoted where YAML needs it."""
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def render_params(code: str, year: int, found: list[Found], unknown: list[str]) -> str:
    """The text of a commented params.yaml for kommun ``code`` and report ``year``."""
    name = kommun_name(code)
    lines = ["# Written by `lagesbild init` from the files in data/raw. Lines marked TODO need your decision:",
             "# `lagesbild check` lists every one until it is resolved. Field names: docs/data-contract.md.",
             "kommun:", f'  code: "{code}"', f"  name: {_y(name)}",
             f"  lpo: {_y('Lokalpolisområde ' + name)}   # check: the name of your lokalpolisområde",
             f"  year: {int(year)}            # the report year; trends use the years before it",
             "  years_back: 5", "", "sources:"]
    by_source: dict[str, list[Found]] = {}
    for f in found:
        by_source.setdefault(f.source, []).append(f)
    for source in ORDER:
        files = by_source.get(source, [])
        if not files:
            if source in ("areas", "population", "crimes"):
                lines += [f"  {source}:", f"    path: {TODO}   # TODO: no file in data/raw was recognised as {source}"]
            else:
                lines.append(f"  # {source}: no file recognised; optional (the report says it was not supplied)")
            continue
        first = files[0]
        paths = [f.path for f in files]
        lines += [f"  {source}:", f"    path: {_y(paths[0] if len(paths) == 1 else paths)}"]
        for key, value in first.settings.items():
            note = "   # TODO: " + "; ".join(first.todo) if value == TODO else ""
            lines.append(f"    {key}: {_y(value)}{note}")
        columns = {k: v for f in files for k, v in f.columns.items()}
        if columns:
            lines.append("    columns:                # headers init matched by their wording: check them")
            lines += [f"      {k}: {_y(v)}" for k, v in columns.items()]
        labels = {k: v for f in files for k, v in f.labels.items() if v}
        if labels:
            lines.append("    labels:")
            for key, todo in labels.items():
                lines.append(f"      {key}:")
                for label, candidates in todo.items():
                    if isinstance(candidates, str):  # one close answer: decided, and said so
                        lines.append(f"        {_y(label)}: {candidates}   # guessed from the wording: check")
                    else:
                        lines.append(f"        {_y(label)}: {TODO}   # TODO: one of {', '.join(candidates) or 'exclude'}")
        unused = sorted({c for f in files for c in f.unused})
        if unused:
            lines.append(f"    ignore_columns: {_y(unused)}   # not used: map one under columns: if it matters")
    if unknown:
        lines.append(f"  # files no source fits (not read): {', '.join(unknown)}")
    from pipeline.scoring.components import COMPONENTS

    lines += ["", "scoring:", "  weights:"] + [f"    {k}: {DEFAULT_WEIGHTS.get(k, 0.0):.2f}" for k in COMPONENTS]
    return "\n".join(lines + _default_sections()) + "\n"


def _default_sections() -> list[str]:
    """Every other params section at its default, written out.

    DVC compares the params each stage lists (dvc.yaml) and refuses a params file that lacks
    one, so a file from ``init`` must carry them all for ``make repro`` to run.
    """
    from pipeline.config import Params

    skip = {"kommun", "demo", "sources", "scoring"}
    out = ["", "# Defaults of the remaining sections (docs/data-contract.md says what each key does)."]
    for name, field in Params.model_fields.items():
        if name in skip or field.default is None:
            continue
        body = yaml.safe_dump({name: field.default.model_dump(mode="json")}, allow_unicode=True,
                              sort_keys=False, default_flow_style=False)
        out += body.rstrip("\n").split("\n")
    return out


def init(run: RunContext, code: str, year: int, families, force: bool = False) -> str:
    """Inspect data/raw and write the run's params file; returns a one-line summary."""
    last = dt.date.today().year + 1  # a lägesbild may be prepared for the coming year
    if not 2000 <= year <= last:
        raise DataError(f"--year {year}: expected the report year, from 2000 to {last}; "
                        f"e.g. --year {last - 2} for the year before this one")
    if run.params_file.exists() and not force:
        raise DataError(f"{run.display(run.params_file)} exists; move it away or pass --force to overwrite it")
    if not run.raw.exists() or not any(p.is_file() and not p.name.startswith(".") for p in run.raw.rglob("*")):
        raise DataError(f"{run.display(run.raw)}: no exports found; copy your files there first")
    found, unknown = inspect_raw(run, families)
    text = render_params(code, year, found, unknown)
    with io.atomic_path(run.params_file) as tmp:
        tmp.write_text(text, encoding="utf-8")
    sources = sorted({f.source for f in found})
    return (f"init: {run.display(run.params_file)} for {kommun_name(code)} {year}: {len(found)} files as "
            f"{', '.join(sources)}; {text.count(': ' + TODO)} TODO(s); next: lagesbild check")
