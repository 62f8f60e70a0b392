"""Ingest reported crimes (anmälda brott) from police CSV/XLSX exports.

Output: the ``incidents`` core table, points in EPSG:3006 with the area they fall in and their
problem family. Vectorised throughout: 75,000 rows take a few seconds.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from pipeline.errors import DataError
from pipeline.ingest.common import (IngestResult, fix_swapped_sweref, label_key, map_columns, parse_date, parse_number,
                                    parse_time, to_sweref)
from pipeline.ingest.quarantine import concat_quarantine, data_rows, make_result, quoted, screen, with_provenance
from pipeline.problems import EXCLUDE, NON_CRIME, classify_crimes
from pipeline.schemas import CRS

SOURCE = "crimes"
REQUIRED = ["date", "crime_label"]
OPTIONAL = ["incident_id", "time", "crime_code", "place", "area_name", "x", "y", "lat", "lon"]


def _categories(labels: pd.Series, codes: pd.Series, cfg, families) -> pd.Series:
    """Family per crime: ``cfg.labels["crime_categories"]`` (label or 4-digit code → family id or
    "exclude", case-insensitive exact match) first, then :func:`pipeline.problems.classify_crimes`."""
    from pipeline.text.scrub import scrub

    overrides = dict((getattr(cfg, "labels", {}) or {}).get("crime_categories") or {})
    bad = {k: v for k, v in overrides.items() if v not in families.ids and v != EXCLUDE}
    if bad:
        k, v = next(iter(bad.items()))
        if v == "TODO":
            raise DataError(f"params.yaml: sources.crimes.labels.crime_categories: '{k}' is still TODO; write one "
                            f"of {', '.join(families.ids)} or '{EXCLUDE}'" + (f" ({len(bad) - 1} more TODO)" if len(bad) > 1 else ""))
        raise DataError(f"params.yaml: sources.crimes.labels.crime_categories maps '{k}' to unknown family '{v}'; "
                        f"use one of {', '.join(families.ids)} or '{EXCLUDE}'")
    by_key = {label_key(k): v for k, v in overrides.items()}

    def lookup(s: pd.Series) -> pd.Series:
        if not by_key:
            return pd.Series(None, index=s.index, dtype=object)
        obj = s.astype(object)
        # a label holding personal data is shown scrubbed ("Ofredande av [namn]"), and the user
        # maps it as shown: its scrubbed form is looked up too
        found = {u: by_key.get(label_key(u)) or by_key.get(label_key(scrub(str(u))[0])) for u in obj.dropna().unique()}
        return obj.map(found).astype(object)

    out = lookup(labels)
    out = out.where(out.notna(), lookup(codes))
    auto = classify_crimes(labels, codes, families).astype(object)
    return out.where(out.notna(), auto.replace(NON_CRIME, EXCLUDE))  # a crime export holds crimes only


def scrub_labels(labels: pd.Series) -> pd.Series:
    """Labels with personal data removed, scrubbed once per distinct label."""
    from pipeline.text.scrub import scrub

    return labels.map({u: scrub(str(u))[0] for u in labels.dropna().unique()})


def _read_file(file: str, raw: pd.DataFrame, cfg) -> pd.DataFrame:
    raw = data_rows(raw)
    canon = map_columns(raw, SOURCE, cfg, REQUIRED, OPTIONAL, file)
    has_xy = "x" in canon and "y" in canon
    if not has_xy and not ("lat" in canon and "lon" in canon):
        missing = "y" if "x" in canon else "x"
        raise DataError(f"{file}: missing required column '{missing}' (looked for headers: 'X-koordinat', "
                        f"'Y-koordinat', 'Latitud', 'Longitud', ...); add `sources.{SOURCE}.columns.{missing}: "
                        "<your header>` to params.yaml")
    return with_provenance(canon.reindex(columns=REQUIRED + OPTIONAL), raw, file)


def ingest_crimes(frames: list[tuple[str, pd.DataFrame]], areas: gpd.GeoDataFrame, cfg, kommun,
                  families) -> IngestResult:
    """Reported crimes as points in the kommun's areas: :func:`crime_rows` over all ``frames``
    at once (a large export goes through :mod:`pipeline.ingest.stream` in chunks instead)."""
    if not frames:
        raise DataError("sources.crimes: no crime file found; set sources.crimes.path in params.yaml")
    table, quarantine, rows_read, counters = crime_rows(frames, areas, cfg, kommun, families)
    return make_result(table, quarantine, rows_read, SOURCE, **counters)


def crime_rows(frames: list[tuple[str, pd.DataFrame]], areas: gpd.GeoDataFrame, cfg, kommun, families,
               seen=None) -> tuple[gpd.GeoDataFrame, pd.DataFrame, int, dict[str, int]]:
    """Reported crimes as points in the kommun's areas.

    Required fields: ``date``, ``crime_label``, and ``x``/``y`` (SWEREF 99 TM, or WGS84
    detected, or ``cfg.crs``) or ``lat``/``lon``. Rows are quarantined, first reason wins, as:
    "duplicate" (exact duplicate of an earlier row), "missing date", "bad date" (no possible
    date), "date outside <first_year>–<year>", "missing crime category", "unmapped crime
    category '<label>'", "excluded crime category '<label>'" (config says exclude),
    "missing coordinates", "outside the kommun" (point in no area), "duplicate incident id".
    X and Y given in the wrong order are swapped back and counted. ``occurred_at`` = date +
    time (midnight when the time is missing: ``has_time`` False, counted as ``time_missing``); ``incident_id`` =
    Diarienummer or, when missing, "G" + 64-bit hash of the row's fields (stable across runs).

    ``seen`` (a :class:`pipeline.ingest.stream.SeenRows`) holds the rows and accepted incident
    ids of earlier chunks of the same ingest, so that both duplicate checks see across chunks;
    it is updated with this chunk's rows.

    Returns
    -------
    (table, quarantine, rows_read, counters)
        table: GeoDataFrame [incident_id, occurred_at, year, crime_code, crime_label, problem,
        area_id, source_file, source_row, geometry (Point)] in EPSG:3006; the quarantined rows;
        the rows read; counters for the summary (coordinates_swapped_back, time_missing).
    """
    df = pd.concat([_read_file(f, raw, cfg) for f, raw in frames], ignore_index=True)
    rows_read = len(df)
    fields = REQUIRED + OPTIONAL
    for c in fields:
        df[c] = df[c].astype("string").str.strip().replace("", pd.NA)

    date = parse_date(df["date"])
    time = parse_time(df["time"])
    code = df["crime_code"].str.replace(r"\.0$", "", regex=True)
    label = df["crime_label"]
    problem = _categories(label, code, cfg, families)
    shown_label = scrub_labels(label.fillna(code))  # a label is free text too
    x, y = parse_number(df["x"]), parse_number(df["y"])
    lat, lon = parse_number(df["lat"]), parse_number(df["lon"])
    use_ll = (x.isna() | y.isna()) & lat.notna() & lon.notna()
    x, y = x.where(~use_ll, lon), y.where(~use_ll, lat)
    x, y = to_sweref(x, y, getattr(cfg, "crs", None))
    x, y, swapped = fix_swapped_sweref(x, y)

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x.fillna(0), y.fillna(0)), index=df.index, crs=CRS)
    joined = gpd.sjoin(pts, areas[["area_id", "geometry"]].to_crs(CRS), how="left", predicate="intersects")
    # a point on a shared border touches two areas: the first area in id order takes it
    joined = joined.rename_axis("_pt").sort_values(["_pt", "area_id"], kind="stable")
    area_id = joined.loc[~joined.index.duplicated(keep="first"), "area_id"].reindex(df.index)

    first, last = kommun.first_year, kommun.year
    row_keys = seen.row_keys(df[fields]) if seen is not None else None
    checks = [
        (df.duplicated(fields, keep="first") | (seen.has_row(row_keys) if seen is not None else False), "duplicate"),
        (df["date"].isna(), "missing date"),
        (date.isna(), "bad date"),
        (~date.dt.year.between(first, last), f"date outside {first}–{last}"),
        (label.isna() & code.isna(), "missing crime category"),
        (problem.isna(), "unmapped crime category '" + quoted(shown_label.fillna("")) + "'"),
        (problem == EXCLUDE, "excluded crime category '" + quoted(shown_label.fillna("")) + "'"),
        (x.isna() | y.isna(), "missing coordinates"),
        (area_id.isna(), "outside the kommun"),
    ]
    quarantine, todo = screen(df, checks, SOURCE)

    incident_id = df["incident_id"].copy()
    no_id = incident_id.isna()
    if no_id.any():  # a row's hash depends on that row alone: only the rows without an id are hashed
        hashed = pd.util.hash_pandas_object(df.loc[no_id, fields].fillna(""), index=False)
        incident_id[no_id] = "G" + hashed.map(lambda h: f"{h:016x}")
    dup = incident_id.where(todo).duplicated(keep="first")
    if seen is not None:
        dup |= todo & seen.has_id(incident_id)
    dup_id, todo = screen(df, [(dup, "duplicate incident id")], SOURCE, keep=todo)
    if seen is not None:
        seen.add(row_keys, incident_id[todo])

    occurred = (date + time.fillna(pd.Timedelta(0)))[todo].astype("datetime64[ns]")
    table = gpd.GeoDataFrame({
        "incident_id": incident_id[todo].astype(str),
        "occurred_at": occurred,
        "has_time": time[todo].notna().astype(bool),
        "year": occurred.dt.year.astype("int64"),
        "crime_code": code[todo].astype(object).where(code[todo].notna(), None),
        "crime_label": shown_label[todo].astype(str),
        "problem": problem[todo].astype(str),
        "area_id": area_id[todo].astype(str),
        "source_file": df.loc[todo, "source_file"].astype(str),
        "source_row": df.loc[todo, "source_row"].astype("int64"),
    }, geometry=pts.geometry[todo], crs=CRS).reset_index(drop=True)
    return (table, concat_quarantine([quarantine, dup_id]), rows_read,
            {"coordinates_swapped_back": int((swapped & todo).sum()), "time_missing": int((time.isna() & todo).sum())})
