"""Ingest Polisen's open events (polisen.se/api/events) for the kommun.

``location.gps`` is the centre of the named kommun or län, never the incident place
(DOMAIN.md §4), so events give kommun-level counts and trends only: no geometry is kept.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError
from pipeline.io.raw import composed
from pipeline.ingest.common import IngestResult, label_key
from pipeline.ingest.quarantine import make_result, quoted, screen
from pipeline.problems import EXCLUDE, NON_CRIME, classify_crimes

SOURCE = "police_events"
# a län that is one kommun: its events may name the län ("Gotlands län") instead of the kommun
COUNTY_KOMMUN = {"gotlands län": "Gotland"}
_DT = r"^(\d{4}-\d{2}-\d{2}) (\d{1,2}):(\d{2}):(\d{2}) ?([+-])(\d{2}):?(\d{2})$"


def read_police_event_files(paths, name=str) -> list[tuple[str, list[dict]]]:
    """Read event files: a JSON list (as the API serves it) or JSON lines, optionally gzipped.

    Returns (``name(path)``, records) per file. Raises DataError naming the file (and line, for
    JSON lines) when it cannot be parsed.
    """
    out = []
    for path in paths:
        path, shown = Path(path), name(path)
        if path.suffix == ".parquet":  # a partition written by `lagesbild national`
            out.append((shown, records_from_parquet(path, shown)))
            continue
        try:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8-sig") as fh:
                text = composed(fh.read())  # a name written decomposed matches no kommun
        except UnicodeDecodeError as exc:
            raise DataError(f"{shown}: not UTF-8 text (byte {exc.start}); JSON from polisen.se is UTF-8: fetch or "
                            "save it again as UTF-8") from None
        except (OSError, EOFError, zlib.error) as exc:  # EOFError: a .gz cut off before its end
            raise DataError(f"{shown}: could not be read ({exc}); the file may be cut off: fetch or copy it again "
                            "(JSON or .jsonl, optionally .gz)") from None
        stripped = text.lstrip()
        if stripped.startswith("["):
            try:
                records = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise DataError(f"{shown}: not valid JSON (line {exc.lineno}: {exc.msg}); "
                                "expected a list of events as polisen.se/api/events serves it") from exc
        else:
            records = []
            for i, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DataError(f"{shown}: line {i} is not a JSON object ({exc.msg}); "
                                    "expected one event per line (JSON lines)") from exc
        if not all(isinstance(r, dict) for r in records):
            raise DataError(f"{shown}: expected JSON objects with id, datetime, name, type and location")
        out.append((shown, records))
    return out


EVENT_PARQUET_COLUMNS = ("id", "datetime", "name", "summary", "url", "type", "location_name", "location_gps")


def events_to_frame(records: list[dict]) -> pd.DataFrame:
    """Events as a flat table (the columns of :data:`EVENT_PARQUET_COLUMNS`, every value as the
    API gave it, as text), for partitioned Parquet; :func:`records_from_parquet` turns it back."""
    loc = [r.get("location") if isinstance(r.get("location"), dict) else {} for r in records]
    cols = {c: [r.get(c) for r in records] for c in EVENT_PARQUET_COLUMNS[:6]}
    cols["location_name"] = [x.get("name") for x in loc]
    cols["location_gps"] = [x.get("gps") for x in loc]
    return pd.DataFrame(cols).astype("string")


def records_from_parquet(path: Path, shown: str) -> list[dict]:
    """The events of a Parquet file written from :func:`events_to_frame`, in the API's shape."""
    try:
        df = pd.read_parquet(path, columns=list(EVENT_PARQUET_COLUMNS))
    except Exception as exc:  # noqa: BLE001 - any reader failure is the same user message
        raise DataError(f"{shown}: could not be read as an event partition ({type(exc).__name__}: {exc})") from exc
    df = df.astype(object).where(df.notna(), None)
    return [{"id": r["id"], "datetime": r["datetime"], "name": r["name"], "summary": r["summary"], "url": r["url"],
             "type": r["type"], "location": {"name": r["location_name"], "gps": r["location_gps"]}}
            for r in df.to_dict("records")]


def parse_event_datetime(s: pd.Series) -> pd.Series:
    """"2025-09-30 9:54:32 +02:00" (hour may be unpadded) → local naive time in Europe/Stockholm.

    The offset is honoured: the instant is converted to Stockholm time, then the zone dropped.
    NaT when the text does not parse.
    """
    m = s.astype("string").str.strip().str.extract(_DT)
    ok = m.notna().all(axis=1)
    stamp = m[0] + " " + m[1].str.zfill(2) + ":" + m[2] + ":" + m[3]
    naive = pd.to_datetime(stamp.where(ok), format="%Y-%m-%d %H:%M:%S", errors="coerce")
    sign = m[4].map({"+": 1, "-": -1}).astype("float64")
    offset = pd.to_timedelta(sign * (pd.to_numeric(m[5]) * 60 + pd.to_numeric(m[6])), unit="min")
    utc = (naive - offset).dt.tz_localize("UTC")
    return utc.dt.tz_convert("Europe/Stockholm").dt.tz_localize(None).astype("datetime64[ns]")


def event_kommun(name: pd.Series, location_name: pd.Series) -> pd.Series:
    """The kommun an event names: ``location.name``, or when that is a län ("… län") the text
    after the last comma of the event's ``name``."""
    loc = location_name.astype("string").str.strip()
    after_comma = name.astype("string").str.rsplit(",", n=1).str[-1].str.strip()
    is_lan = loc.str.lower().str.endswith(" län").fillna(False)
    return loc.where(~is_lan, after_comma)


def kommun_key(name: object) -> str:
    """Matching key of a kommun name: case-folded, whitespace collapsed, but å, ä and ö kept
    (Habo and Håbo are different kommuner, DOMAIN.md §7). "Upplands-bro" as the API writes it
    matches "Upplands-Bro"."""
    return " ".join(str(name).casefold().split())


def event_coverage(records: list[tuple[str, list[dict]]]) -> pd.DataFrame:
    """Time span each event file covers: DataFrame[source_file, n_records, first_event_at,
    last_event_at] (local Stockholm time; NaT when no datetime in the file parses).

    The span of *all* records, not only the kommun's: a month without an event in a small kommun
    is a true zero when the file covers it."""
    rows = []
    for file, recs in records:
        t = parse_event_datetime(pd.Series([r.get("datetime") for r in recs], dtype=object))
        rows.append({"source_file": str(file), "n_records": len(recs), "first_event_at": t.min(),
                     "last_event_at": t.max()})
    out = pd.DataFrame(rows, columns=["source_file", "n_records", "first_event_at", "last_event_at"])
    return out.astype({"n_records": "int64", "first_event_at": "datetime64[ns]", "last_event_at": "datetime64[ns]"})


def coverage_span(coverage: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(first, last) event time over all files, or None when nothing parses."""
    if coverage is None or not len(coverage):
        return None
    first, last = pd.to_datetime(coverage["first_event_at"]), pd.to_datetime(coverage["last_event_at"])
    if first.isna().all():
        return None
    return pd.Timestamp(first.min()), pd.Timestamp(last.max())


def classify_event_types(etype: pd.Series, families, overrides: dict[str, str] | None = None
                         ) -> tuple[pd.Series, pd.Series]:
    """(problem family or NA, is a non-crime type) per event type, by the taxonomy
    (:func:`pipeline.problems.classify_crimes`: a family, non_crime, exclude or unknown) and the
    user's ``overrides`` ({label_key(type): target}). Excluded and unknown types get NA too."""
    target = classify_crimes(etype, None, families)
    if overrides:
        target = etype.astype(object).map(lambda t: overrides.get(label_key(t))).fillna(target)
    fam = target.where(~target.isin([NON_CRIME, EXCLUDE]))
    return fam, (target == NON_CRIME).fillna(False).astype(bool)


def national_events(records: list[tuple[str, list[dict]]], register: pd.DataFrame, families) -> pd.DataFrame:
    """Every event of the files attributed to a kommun of ``register`` (kommun_code, kommun_name):
    DataFrame[event_id, kommun_code, occurred_at, problem, is_crime], one row per event id (first
    kept), events of no kommun (a län-level summary, say) and bad dates left out."""
    from pipeline.stats.comparison import attribute_to_kommuner

    recs = [r for _, rs in records for r in rs]
    loc = [r.get("location") if isinstance(r.get("location"), dict) else {} for r in recs]
    df = pd.DataFrame({"event_id": [r.get("id") for r in recs], "datetime": [r.get("datetime") for r in recs],
                       "name": [r.get("name") for r in recs], "type": [r.get("type") for r in recs],
                       "location_name": [x.get("name") for x in loc]}, dtype=object)
    df["event_id"] = df["event_id"].astype("string").str.strip()
    occurred = parse_event_datetime(df["datetime"])
    code = attribute_to_kommuner(event_kommun(df["name"], df["location_name"]), register)
    keep = df["event_id"].notna() & occurred.notna() & code.notna() & ~df["event_id"].duplicated(keep="first")
    etype = df.loc[keep, "type"].astype("string").str.strip().fillna("Okänd")
    problem, _ = classify_event_types(etype, families)
    return pd.DataFrame({"event_id": df.loc[keep, "event_id"].astype(str), "kommun_code": code[keep].astype(str),
                         "occurred_at": occurred[keep], "problem": problem.astype(object).where(problem.notna(), None),
                         "is_crime": problem.notna().astype(bool)}).reset_index(drop=True)


def _type_overrides(cfg, families) -> dict[str, str]:
    """``cfg.labels["event_types"]``: {event type: family id, "non_crime" or "exclude"} keyed by label_key."""
    user = ((getattr(cfg, "labels", None) or {}).get("event_types")) or {}
    allowed = [*families.ids, NON_CRIME, EXCLUDE]
    bad = {k: v for k, v in user.items() if v not in allowed}
    if bad:
        k, v = next(iter(bad.items()))
        raise DataError(f"params.yaml: sources.police_events.labels.event_types maps '{k}' to '{v}'; "
                        f"use one of {', '.join(allowed)}")
    return {label_key(k): v for k, v in user.items()}


def other_kommuner_text(out_of_scope: dict[str, int], top: int = 3) -> str:
    """"Stockholm 2 969, Malmö 2 133, … (312 names)": the most named other kommuner with their
    event counts, for messages. The names are place names of Polisen's public titles, shown as
    written (at most 40 characters): the name scrubber would take "Stockholm" for a first name."""
    most = sorted(out_of_scope.items(), key=lambda kv: -kv[1])[:top]
    text = ", ".join(f"{k[:40]} {n:,}".replace(",", " ") for k, n in most)
    return text + (f", … ({len(out_of_scope)} names)" if len(out_of_scope) > top else "")


def ingest_police_events(records: list[tuple[str, list[dict]]], kommun, families, cfg=None) -> IngestResult:
    """The kommun's Polisen events, one row per event id.

    Events of other kommuner are out of scope, not bad data: an archive holds the whole country,
    so they are counted, not quarantined. An event is another kommun's when its kommun is named
    and is not ``kommun.name``, compared as Swedish names: case ignored, å/ä/ö letters of their
    own, so Habo's events never count for Håbo; "Gotlands län" counts for Gotland, the one
    kommun of its län; län-level summaries name their län and are counted here too. The summary
    gives their number (``other_kommun_events``) and ``IngestResult.out_of_scope`` their number
    per kommun (keyed by its most common spelling); ``rows_read`` counts the rest (this kommun's events and events naming no
    kommun), so ``rows_read == accepted + quarantined`` as for every source.

    Quarantined, first reason wins: "missing id", "bad date", "duplicate" (an event id seen
    before), "missing kommun" (no kommun named). Each type is classified by the taxonomy
    (:func:`pipeline.problems.classify_crimes`; ``cfg.labels["event_types"]`` overrides it):
    a family gives ``problem`` and is_crime True; non-crime types (Trafikolycka, Brand,
    Sammanfattning natt, …), excluded crime types (Bedrägeri) and unknown types are kept with
    problem NA and is_crime False, and the last two are counted per type
    (``"excluded event type '<type>'"``, ``"unknown event type '<type>'"``) so that
    ``lagesbild check`` lists them: Polisen adds types over time.

    Raises DataError when the files hold events but none of them names ``kommun.name``
    (a misspelt kommun name would otherwise give an empty series without a word).

    Returns
    -------
    IngestResult
        table: DataFrame [event_id, occurred_at, year, event_type, problem, is_crime,
        location_name, event_kommun, source_file, source_row].
    """
    flat = [(file, i, r, r.get("location")) for file, recs in records for i, r in enumerate(recs, start=1)]
    kom_all = event_kommun(pd.Series([r.get("name") for _, _, r, _ in flat], dtype=object),
                           pd.Series([loc.get("name") if isinstance(loc, dict) else None for *_, loc in flat],
                                     dtype=object))
    target = kommun_key(kommun.name)
    named = kom_all.str.strip().replace("", pd.NA).dropna()
    same = {k: kommun_key(COUNTY_KOMMUN.get(kommun_key(k), k)) == target for k in named.unique()}
    other = named[~named.map(same).astype(bool)]
    out_of_scope: dict[str, int] = {}  # per kommun, under its most common spelling
    spelled: dict[str, str] = {}
    for name, n in other.value_counts().items():
        shown = spelled.setdefault(kommun_key(name), str(name))
        out_of_scope[shown] = out_of_scope.get(shown, 0) + int(n)
    if len(other) == len(flat) and len(flat):
        files = ", ".join(sorted({str(f) for f, *_ in flat})[:3])
        raise DataError(f"{files}: none of the {len(flat)} events names kommun '{kommun.name}' (most named: "
                        f"{other_kommuner_text(out_of_scope)}); kommun.name in params.yaml must name the kommun "
                        "as Polisen's events do (case does not matter; å, ä and ö do)")

    scope = ~kom_all.index.isin(other.index)
    rows = [{"event_id": r.get("id"), "datetime": r.get("datetime"), "name": r.get("name"), "type": r.get("type"),
             "location_name": loc.get("name") if isinstance(loc, dict) else None, "source_file": file,
             "source_row": i, "_raw": r} for (file, i, r, loc), ok in zip(flat, scope) if ok]
    df = pd.DataFrame(rows, columns=["event_id", "datetime", "name", "type", "location_name",
                                     "source_file", "source_row", "_raw"])
    df["event_id"] = df["event_id"].astype("string").str.strip().replace("", pd.NA)
    occurred = parse_event_datetime(df["datetime"])
    kom = kom_all[scope].reset_index(drop=True)

    quarantine, todo = screen(df, [(df["event_id"].isna(), "missing id"), (occurred.isna(), "bad date"),
                                   (df["event_id"].duplicated(keep="first"), "duplicate"),
                                   (kom.str.strip().replace("", pd.NA).isna(), "missing kommun")],
                              SOURCE)

    kept = df[todo]
    etype = kept["type"].astype("string").str.strip().fillna("Okänd")
    target = classify_crimes(etype, None, families)
    override = _type_overrides(cfg, families)
    if override:
        target = etype.astype(object).map(lambda t: override.get(label_key(t))).fillna(target)
    non_crime, excluded, unknown = target == NON_CRIME, target == EXCLUDE, target.isna()
    problem = target.where(~(non_crime | excluded | unknown))
    table = pd.DataFrame({
        "event_id": kept["event_id"].astype(str),
        "occurred_at": occurred[todo],
        "year": occurred[todo].dt.year.astype("int64"),
        "event_type": etype.astype(str),
        "problem": problem.astype(object).where(problem.notna(), None),
        "is_crime": problem.notna().astype(bool),
        "location_name": kept["location_name"].astype("string").fillna("").astype(str),
        "event_kommun": kom[todo].astype(str),
        "source_file": kept["source_file"].astype(str),
        "source_row": kept["source_row"].astype("int64"),
    }).sort_values(["occurred_at", "event_id"], kind="stable").reset_index(drop=True)
    extra = {"non_crime_events": int(non_crime.sum()),
             **{f"excluded event type '{k}'": int(v) for k, v in quoted(etype[excluded]).value_counts().items()},
             **{f"unknown event type '{k}'": int(v) for k, v in quoted(etype[unknown]).value_counts().items()}}
    res = make_result(table, quarantine, len(df), SOURCE, other_kommun_events=len(other), **extra)
    res.out_of_scope = out_of_scope
    return res


def event_type_summary(events: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """Events per type and year (the report's table of Polisen's published events).

    Columns: event_type, problem, n_events (all years in the table), one ``n_<year>`` column per
    year. The ``top`` most frequent types are kept; the rest are summed into "Övriga typer".
    """
    if events is None or not len(events):
        return pd.DataFrame(columns=["event_type", "problem", "n_events"])
    counts = events.groupby(["event_type", "year"]).size().unstack(fill_value=0)
    counts.columns = [f"n_{int(y)}" for y in counts.columns]
    counts.insert(0, "n_events", counts.sum(axis=1))
    counts = counts.sort_values("n_events", ascending=False, kind="stable")
    head, rest = counts.iloc[:top], counts.iloc[top:]
    if len(rest):
        head = pd.concat([head, rest.sum().to_frame("Övriga typer").T])
    problem = events.drop_duplicates("event_type").set_index("event_type")["problem"]
    out = head.rename_axis("event_type").reset_index()
    out.insert(1, "problem", out["event_type"].map(problem))
    return out
