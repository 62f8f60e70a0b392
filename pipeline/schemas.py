"""Every column of every core table, defined once, and the table schemas built from them.

A column has a dtype, a unit (or ``-``), a meaning and optional checks. A table lists its
fields, its primary key and its geometry type. :func:`validate` is called at every stage
boundary (after compute, before save) and raises :class:`pipeline.errors.DataError` with one
line naming the table and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa
from pandera.engines.geopandas_engine import Geometry

from pipeline.errors import DataError

CRS = "EPSG:3006"  # SWEREF 99 TM: every core table is stored in it


@dataclass(frozen=True)
class ColumnSpec:
    dtype: object
    unit: str
    description: str
    nullable: bool = False
    checks: tuple = ()


def _in(values) -> tuple:
    return (pa.Check.isin(list(values)),)


SEX_VALUES = ("kvinna", "man", "annat", "alla")
SAFETY_VALUES = ("very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe", "never_out", "dont_know")
PROBLEM_ANSWER_VALUES = ("very_big", "fairly_big", "fairly_small", "no_problem", "dont_know")
# The survey's problem items (DOMAIN.md §2); each becomes a column item_<name>.
SURVEY_ITEMS = (
    "littering", "graffiti_vandalism", "disruptive_driving", "intoxicated_people",
    "drug_dealing", "youth_groups", "residential_burglary", "public_violence",
)

COLUMNS: dict[str, ColumnSpec] = {
    # identifiers and provenance
    "area_id": ColumnSpec(str, "-", "stable id of a stadsdel/delområde/DeSO"),
    "area_name": ColumnSpec(str, "-", "the area's name as readers know it"),
    "kommun_code": ColumnSpec(str, "-", "4-digit kommun code", checks=(pa.Check.str_matches(r"^\d{4}$"),)),
    "source_file": ColumnSpec(str, "-", "raw file the row came from (relative path)"),
    "source_row": ColumnSpec("int64", "-", "1-based data row in the raw file (header excluded)"),
    "incident_id": ColumnSpec(str, "-", "id of a reported crime (Ärendenummer or generated)"),
    "event_id": ColumnSpec(str, "-", "Polisen event id"),
    "response_id": ColumnSpec(str, "-", "survey respondent id"),
    "note_id": ColumnSpec(str, "-", "staff note id"),
    "est_id": ColumnSpec(str, "-", "EST observation id"),
    # time
    "year": ColumnSpec("int64", "year", "calendar year", checks=(pa.Check.in_range(1990, 2100),)),
    "occurred_at": ColumnSpec("datetime64[ns]", "local time", "when it happened (Europe/Stockholm, naive)"),
    "has_time": ColumnSpec(bool, "-", "the export gave a time of day (else occurred_at is at midnight)"),
    "noted_on": ColumnSpec("datetime64[ns]", "date", "date the note was written"),
    # population
    "sex": ColumnSpec(str, "-", "kvinna, man, annat (survey only) or alla (all, or not given)", checks=_in(SEX_VALUES)),
    "age_band": ColumnSpec(str, "years", "age band such as 16-24, or alla"),
    "population": ColumnSpec("int64", "persons", "inhabitants", checks=(pa.Check.ge(0),)),
    # crime
    "crime_code": ColumnSpec(str, "-", "Brå brottskod (4 digits)", nullable=True),
    "crime_label": ColumnSpec(str, "-", "crime description as exported (Brottsbenämning)"),
    "problem": ColumnSpec(str, "-", "problem family id (defaults/problem_families.yaml)"),
    "event_type": ColumnSpec(str, "-", "Polisen event type"),
    "location_name": ColumnSpec(str, "-", "Polisen location.name (kommun or län)"),
    "event_kommun": ColumnSpec(str, "-", "kommun named by the event (text after the last comma of name)"),
    "is_crime": ColumnSpec(bool, "-", "event type maps to a crime problem family"),
    # survey
    "survey_year": ColumnSpec("int64", "year", "year the survey was run"),
    "safety_evening": ColumnSpec(str, "-", "safety out alone late in the evening", checks=_in(SAFETY_VALUES), nullable=True),
    "never_out_unsafe": ColumnSpec("boolean", "-", "never goes out, and because of unsafety", nullable=True),
    "free_text": ColumnSpec(str, "-", "free-text answer, personal data removed", nullable=True),
    # notes and EST
    "verksamhet": ColumnSpec(str, "-", "staff's organisation or unit (fritidsgård, skola, ...)"),
    "text": ColumnSpec(str, "-", "free text with personal data removed"),
    "place_name": ColumnSpec(str, "-", "place named in the record or linked from text", nullable=True),
    "est_type": ColumnSpec(str, "-", "EST checklist type as reported"),
    "organisation": ColumnSpec(str, "-", "reporting organisation"),
    "problems": ColumnSpec(str, "-", "';'-separated problem families tagged in the text", nullable=True),
    # quarantine
    "source": ColumnSpec(str, "-", "source name (crimes, survey, ...)"),
    "reason": ColumnSpec(str, "-", "why the row was not used"),
    "raw": ColumnSpec(str, "-", "the raw row as JSON (personal data removed for text sources)"),
}
for _item in SURVEY_ITEMS:
    COLUMNS[f"item_{_item}"] = ColumnSpec(
        str, "-", f"how big a problem {_item} is in the area", nullable=True, checks=_in(PROBLEM_ANSWER_VALUES)
    )


@dataclass(frozen=True)
class TableSpec:
    fields: tuple[str, ...]
    primary_key: tuple[str, ...]
    geometry: str | None = None  # "Polygon", "Point" or None
    nullable_geometry: bool = False
    optional: tuple[str, ...] = field(default=())


TABLES: dict[str, TableSpec] = {
    "areas": TableSpec(("area_id", "area_name", "kommun_code"), ("area_id",), geometry="Polygon"),
    "population": TableSpec(("area_id", "year", "sex", "age_band", "population"), ("area_id", "year", "sex", "age_band")),
    "incidents": TableSpec(
        ("incident_id", "occurred_at", "has_time", "year", "crime_code", "crime_label", "problem", "area_id",
         "source_file", "source_row"),
        ("incident_id",), geometry="Point",
    ),
    "police_events": TableSpec(
        ("event_id", "occurred_at", "year", "event_type", "problem", "is_crime", "location_name",
         "event_kommun", "source_file", "source_row"),
        ("event_id",),
    ),
    "survey_responses": TableSpec(
        ("response_id", "survey_year", "area_id", "sex", "age_band", "safety_evening", "never_out_unsafe",
         *[f"item_{i}" for i in SURVEY_ITEMS], "free_text", "source_file", "source_row"),
        ("response_id",),
    ),
    "notes": TableSpec(
        ("note_id", "noted_on", "verksamhet", "text", "area_id", "place_name", "problems", "source_file", "source_row"),
        ("note_id",),
    ),
    "est_reports": TableSpec(
        ("est_id", "occurred_at", "est_type", "problem", "place_name", "organisation", "text", "area_id",
         "source_file", "source_row"),
        ("est_id",), geometry="Point", nullable_geometry=True,
    ),
    "quarantine": TableSpec(("source", "source_file", "source_row", "reason", "raw"), ("source", "source_file", "source_row")),
}
# area_id may be empty where a note or EST record names no known place
_NULLABLE_IN = {("notes", "area_id"), ("est_reports", "area_id"), ("est_reports", "problem"),
                ("police_events", "problem"), ("notes", "verksamhet")}


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a core table, built from :data:`COLUMNS` and :data:`TABLES`."""
    spec = TABLES[table]
    cols = {}
    for name in spec.fields:
        c = COLUMNS[name]
        cols[name] = pa.Column(c.dtype, checks=list(c.checks), nullable=c.nullable or (table, name) in _NULLABLE_IN,
                               description=c.description, title=c.unit)
    if spec.geometry:
        cols["geometry"] = pa.Column(Geometry(crs=CRS), nullable=spec.nullable_geometry)
    return pa.DataFrameSchema(cols, strict=True, ordered=False, unique=list(spec.primary_key), name=table)


def validate(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate ``df`` against the core table ``table``; raise DataError with one line if it fails."""
    try:
        out = schema(table).validate(df, lazy=False)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"table '{table}' breaks its schema: {first}") from exc
    spec = TABLES[table]
    if spec.geometry and len(out):
        geoms = out.geometry.dropna()
        kinds = set(geoms.geom_type.str.replace("Multi", "", regex=False))
        if kinds - {spec.geometry}:
            raise DataError(f"table '{table}' must hold {spec.geometry} geometries, found {sorted(kinds)}")
    return out
