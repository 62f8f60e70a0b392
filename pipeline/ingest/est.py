"""Ingest EST reports (Effektiv samordning för trygghet, DOMAIN.md §3) and the gazetteer.

An EST record: date (and time), checklist type, place name and/or coordinates, reporting
organisation and a description. The description (and every other text cell) is scrubbed of
personal data first. ``problem`` comes from the type (:data:`EST_TYPES`, extended or overridden
by ``sources.est.labels.est_types``: {type: family id, or "" for none}); a type without a
family (Otrygg plats, Incident mot personal, Evenemang) takes the first family, in file order,
that the description is tagged with. The area is the polygon containing the point; without a
point, the place linked from the place column, else from the description.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.errors import DataError
from pipeline.ingest.area_names import match_area_names, unmatched_counts
from pipeline.ingest.common import (IngestResult, fix_swapped_sweref, fold, map_columns, parse_date, parse_number,
                                    parse_time, to_sweref)
from pipeline.ingest.quarantine import data_rows, make_result, screen, with_provenance
from pipeline.ingest.notes import gazetteer_of, scrub_frame, scrub_lists
from pipeline.schemas import CRS
from pipeline.text.places import link_places
from pipeline.text.scrub import KINDS
from pipeline.text.tagging import tag_problems

SOURCE = "est"
# EST checklist type → problem family (None: decided by the description)
EST_TYPES: dict[str, str | None] = {
    "Skadegörelse": "vandalism",
    "Klotter": "vandalism",
    "Nedskräpning": "littering",
    "Otrygg plats": None,
    "Incident mot personal": None,
    "Buskörning moped": "traffic",
    "Buskörning bil": "traffic",
    "Buskörning": "traffic",
    "Samling som skapar otrygghet": "disorder",
    "Misstänkt narkotikaförsäljning": "drugs",
    "Narkotika": "drugs",
    "Brand": "fire",
    "Anlagd brand": "fire",
    "Evenemang": None,
}
SWEDEN_E, SWEDEN_N = (0.2e6, 1.0e6), (6.1e6, 7.7e6)


def est_type_map(cfg, families) -> dict[str, str | None]:
    """{folded type: family id or None}: :data:`EST_TYPES` updated by ``cfg.labels['est_types']``."""
    user = ((getattr(cfg, "labels", {}) or {}).get("est_types")) or {}
    ids = set(families.ids)
    bad = {k: v for k, v in user.items() if v not in ("", None) and str(v) not in ids}
    if bad:
        k, v = next(iter(bad.items()))
        raise DataError(f"params.yaml: sources.est.labels.est_types maps '{k}' to '{v}'; "
                        f"use one of {', '.join(sorted(ids))} or \"\" for no family")
    merged = {**EST_TYPES, **{str(k): (str(v) if v not in ("", None) else None) for k, v in user.items()}}
    return {fold(k): v for k, v in merged.items()}


def _type_problem(types: pd.Series, mapping: dict[str, str | None]) -> pd.Series:
    """Family per type: exact folded match, else the longest mapped type the text starts with."""
    keys = sorted(mapping, key=len, reverse=True)

    def one(t):
        if not isinstance(t, str):
            return None
        f = fold(t)
        if f in mapping:
            return mapping[f]
        for k in keys:
            if f.startswith(k):
                return mapping[k]
        return None

    return types.map(one)


def _points(df: pd.DataFrame, crs: str | None) -> tuple[pd.Series, pd.Series, int]:
    """SWEREF 99 TM x, y from lat/lon (WGS84, decimal comma) or x/y; NaN where absent or outside Sweden."""
    nan = pd.Series(np.nan, index=df.index)
    x, y = nan.copy(), nan.copy()
    if "lat" in df and "lon" in df:
        lat, lon = parse_number(df["lat"]), parse_number(df["lon"])
        ex, ny = to_sweref(lon, lat, "EPSG:4326")
        ok = lat.notna() & lon.notna()
        x, y = ex.where(ok), ny.where(ok)
    swapped = 0
    if "x" in df and "y" in df:
        px, py = to_sweref(parse_number(df["x"]), parse_number(df["y"]), crs)
        px, py, sw = fix_swapped_sweref(px, py)
        swapped = int((sw & x.isna()).sum())
        x, y = x.fillna(px), y.fillna(py)
    inside = x.between(*SWEDEN_E) & y.between(*SWEDEN_N)
    return x.where(inside), y.where(inside), swapped


def _area_by_point(x: pd.Series, y: pd.Series, areas: pd.DataFrame) -> pd.Series:
    out = pd.Series(pd.NA, index=x.index, dtype=object)
    has = x.notna() & y.notna()
    if not has.any() or not isinstance(areas, gpd.GeoDataFrame) or "geometry" not in areas:
        return out
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x[has], y[has]), index=x[has].index, crs=CRS)
    polys = areas[["area_id", "geometry"]].to_crs(CRS) if areas.crs else areas[["area_id", "geometry"]]
    hit = gpd.sjoin(pts, polys, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    out[hit.index] = hit["area_id"].astype(object).where(hit["area_id"].notna(), pd.NA)
    return out


def ingest_est(frames: list[tuple[str, pd.DataFrame]], areas: pd.DataFrame, gazetteer_places: pd.DataFrame | None,
               cfg, families) -> IngestResult:
    """EST reports with a problem family, a place, an area and a point where one was given.

    Required columns: date and type; optional: time, place, organisation, text (description),
    lat/lon (WGS84, decimal comma allowed) or x/y (SWEREF 99 TM or ``cfg.crs``). Quarantined:
    "missing date", "bad date", "missing type". A blank organisation becomes "okänd", a blank
    description "". ``est_id`` = "<file stem>-<source_row>".

    Returns
    -------
    IngestResult
        table: GeoDataFrame [est_id, occurred_at, est_type, problem, place_name, organisation,
        text, area_id, source_file, source_row, geometry (Point or None, EPSG:3006)]
        (schema ``est_reports``); summary adds ``scrubbed <kind>``, ``with_point``,
        ``area_by_point``, ``area_by_place_name``, ``problem_from_text``.
    """
    if not frames:
        raise DataError("sources.est: no EST file found; set sources.est.path in params.yaml")
    gaz = gazetteer_of(areas, gazetteer_places, cfg)
    allow, deny = scrub_lists(cfg, areas, gaz)
    mapping = est_type_map(cfg, families)
    optional = ["time", "place", "organisation", "text", "lat", "lon", "x", "y"]
    parts, rows_read, removed = [], 0, dict.fromkeys(KINDS, 0)
    for file, raw in frames:
        raw = data_rows(raw)
        rows_read += len(raw)
        canon = map_columns(raw, SOURCE, cfg, ["date", "type"], optional, file)
        # before anything keeps the text; EST reports are staff-written like notes ("Lindbergs son")
        raw, found = scrub_frame(raw, allow, deny, genitive_surnames=True)
        for k, v in found.items():
            removed[k] += v
        cmap = canon.attrs["column_map"]
        for fld in ("text", "place", "organisation"):
            if fld in cmap:
                canon[fld] = raw[cmap[fld]]
        df = with_provenance(canon, raw, file)
        df["est_id"] = Path(file).stem + "-" + df["source_row"].astype(str)
        parts.append(df)
    df = pd.concat(parts, ignore_index=True)
    for fld in optional:
        if fld not in df:
            df[fld] = pd.NA
    date_txt = df["date"].astype("string").str.strip().replace("", pd.NA)
    day = parse_date(date_txt.fillna(""))
    df["occurred_at"] = (day + parse_time(df["time"]).fillna(pd.Timedelta(0))).astype("datetime64[ns]")
    df["est_type"] = df["type"].astype("string").str.strip().replace("", pd.NA)

    quarantine, todo = screen(df, [(date_txt.isna(), "missing date"), (day.isna(), "bad date"),
                                   (df["est_type"].isna(), "missing type"),
                                   (df["est_id"].duplicated(), "duplicate id")], SOURCE)
    kept = df[todo].copy()

    text = kept["text"].astype("string").str.strip().fillna("")
    place = kept["place"].astype("string").str.strip().replace("", pd.NA)
    x, y, swapped = _points(kept, getattr(cfg, "crs", None))
    area = _area_by_point(x, y, areas)
    by_point = area.notna()
    from_place = link_places(place.fillna("").astype(str), gaz)
    from_text = link_places(text.astype(str), gaz)
    aliases = (getattr(cfg, "labels", {}) or {}).get("area_names")
    by_name = match_area_names(place, areas[["area_id", "area_name"]], aliases)
    area = area.fillna(from_place["area_id"]).fillna(by_name).fillna(from_text["area_id"])
    place_name = place.astype(object).where(place.notna(), from_text["place_name"].astype(object))

    problem = _type_problem(kept["est_type"], mapping)
    tags = tag_problems(text.astype(str), families, ignore=gaz.names())
    first_tag = tags.map(lambda v: v.split(";")[0] if isinstance(v, str) else None)
    need = problem.isna()
    problem = problem.where(~need, first_tag)

    def _opt(s: pd.Series) -> pd.Series:
        return s.astype(object).where(s.notna(), None)

    org = kept["organisation"].astype("string").str.strip().replace("", pd.NA).fillna("okänd")
    geom = [None if np.isnan(a) or np.isnan(b) else gpd.points_from_xy([a], [b])[0] for a, b in zip(x, y)]
    table = gpd.GeoDataFrame({
        "est_id": kept["est_id"].astype(str),
        "occurred_at": kept["occurred_at"],
        "est_type": kept["est_type"].astype(str),
        "problem": _opt(problem),
        "place_name": _opt(place_name),
        "organisation": org.astype(str),
        "text": text.astype(str),
        "area_id": _opt(area),
        "source_file": kept["source_file"].astype(str),
        "source_row": kept["source_row"].astype("int64"),
    }, geometry=gpd.GeoSeries(geom, index=kept.index, crs=CRS), crs=CRS)
    table = table.sort_values(["occurred_at", "est_id"], kind="stable").reset_index(drop=True)
    counters = {**{f"scrubbed {k}": int(v) for k, v in removed.items()},
                "with_point": int(x.notna().sum()), "coordinates_swapped_back": swapped,
                "area_by_point": int(by_point.sum()),
                "area_by_place_name": int((~by_point & area.notna()).sum()),
                "problem_from_text": int((need & problem.notna()).sum()),
                "unmapped_types": int(problem.isna().sum())}
    return make_result(table, quarantine, rows_read, SOURCE, **counters)


def ingest_gazetteer(frames: list[tuple[str, pd.DataFrame]], areas: pd.DataFrame, cfg) -> IngestResult:
    """The user's gazetteer: named places with their area and optional SWEREF 99 TM point.

    Required columns: place (Plats) and area (Stadsdel: name or id, other spellings matched by
    :func:`pipeline.ingest.area_names.match_area_names`); optional x, y. Quarantined: "missing
    place", "missing area", "unknown area", "duplicate place" (same name and area).

    Returns
    -------
    IngestResult
        table: DataFrame [place_name, area_id, x, y] (x, y float metres EPSG:3006, NaN if absent).
    """
    if not frames:
        raise DataError("sources.gazetteer: no gazetteer file found; set sources.gazetteer.path or remove it")
    source = "gazetteer"
    parts, rows_read = [], 0
    for file, raw in frames:
        raw = data_rows(raw)
        rows_read += len(raw)
        canon = map_columns(raw, source, cfg, ["place", "area"], ["x", "y"], file)
        parts.append(with_provenance(canon, raw, file))
    df = pd.concat(parts, ignore_index=True)
    for fld in ("x", "y"):
        if fld not in df:
            df[fld] = pd.NA
    df["place_name"] = df["place"].astype("string").str.strip().replace("", pd.NA)
    key = df["area"].astype("string").str.strip().replace("", pd.NA)
    df["area_id"] = match_area_names(key, areas[["area_id", "area_name"]],
                                     (getattr(cfg, "labels", {}) or {}).get("area_names"))
    x, y = to_sweref(parse_number(df["x"]), parse_number(df["y"]), getattr(cfg, "crs", None))
    x, y, swapped = fix_swapped_sweref(x, y)
    df["x"], df["y"] = x, y
    dup = df.duplicated(["place_name", "area_id"], keep="first") & df["place_name"].notna()
    quarantine, todo = screen(df, [(df["place_name"].isna(), "missing place"), (key.isna(), "missing area"),
                                   (df["area_id"].isna(), "unknown area"), (dup, "duplicate place")], source)
    kept = df[todo]
    table = pd.DataFrame({"place_name": kept["place_name"].astype(str), "area_id": kept["area_id"].astype(str),
                          "x": kept["x"].astype("float64"), "y": kept["y"].astype("float64")}).reset_index(drop=True)
    return make_result(table, quarantine, rows_read, source,
                       coordinates_swapped_back=int(swapped[todo].sum()), **unmatched_counts(key, df["area_id"]))
