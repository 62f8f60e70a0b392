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
HOTSPOT_CLASS_VALUES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
EHS_VALUES = tuple(f"{k}_{s}" for s in ("hot", "cold") for k in (
    "new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating", "historical")
) + ("no_pattern",)
_P = (pa.Check.in_range(0, 1),)
_PCT = (pa.Check.in_range(0, 100),)
_NONNEG = (pa.Check.ge(0),)
COLUMNS.update({
    # layers (pipeline/geo, pipeline/stats); problem here may also be "all" or "harm"
    "cell_id": ColumnSpec(str, "-", "grid cell, named by its lower-left corner in EPSG:3006 (E…N…)"),
    "n_incidents": ColumnSpec("int64", "incidents", "reported crimes", checks=_NONNEG),
    "harm_days": ColumnSpec(float, "days", "harm: sum of the harm weights (days of imprisonment)", checks=_NONNEG),
    "gi_z": ColumnSpec(float, "z", "Getis–Ord Gi* z-score (binary weights, self included)"),
    "gi_p": ColumnSpec(float, "-", "two-sided analytic p-value of gi_z", checks=_P),
    "gi_q": ColumnSpec(float, "-", "Benjamini–Hochberg adjusted p-value (within one problem)", checks=_P),
    "hotspot_class": ColumnSpec(str, "-", "Gi* class judged on gi_q", checks=_in(HOTSPOT_CLASS_VALUES)),
    "ehs_category": ColumnSpec(str, "-", "Emerging Hot Spot category", checks=_in(EHS_VALUES)),
    "mk_tau": ColumnSpec(float, "-", "Mann–Kendall tau", nullable=True),
    "mk_z": ColumnSpec(float, "z", "Mann–Kendall z", nullable=True),
    "mk_p": ColumnSpec(float, "-", "Mann–Kendall two-sided p", nullable=True),
    "n_hot_steps": ColumnSpec("int64", "steps", "time steps significantly hot", checks=_NONNEG),
    "n_cold_steps": ColumnSpec("int64", "steps", "time steps significantly cold", checks=_NONNEG),
    "n_year": ColumnSpec("int64", "incidents", "incidents in the report year", checks=_NONNEG),
    "rate_per_1000": ColumnSpec(float, "per 1,000 inhabitants", "incidents per 1,000 inhabitants", nullable=True),
    "irr": ColumnSpec(float, "ratio per year", "incidence-rate ratio per year (negative binomial)", nullable=True),
    "irr_low": ColumnSpec(float, "ratio per year", "lower 95 % bound of irr", nullable=True),
    "irr_high": ColumnSpec(float, "ratio per year", "upper 95 % bound of irr", nullable=True),
    "trend": ColumnSpec(str, "-", "rising/falling only when significant", checks=_in(("rising", "falling", "stable"))),
    "indicator": ColumnSpec(str, "-", "unsafe_evening or big_problem_<item>"),
    "n": ColumnSpec("int64", "respondents", "denominator after excluding Vet ej and blanks", checks=_NONNEG),
    "share_pct": ColumnSpec(float, "%", "share answering yes", nullable=True, checks=_PCT),
    "ci_low_pct": ColumnSpec(float, "%", "Wilson 95 % lower bound", nullable=True, checks=_PCT),
    "ci_high_pct": ColumnSpec(float, "%", "Wilson 95 % upper bound", nullable=True, checks=_PCT),
    "is_suppressed": ColumnSpec(bool, "-", "fewer answers than survey.min_n: not shown in public outputs"),
    "rank": ColumnSpec("int64", "-", "rank of the problembild (1 = highest score)", checks=(pa.Check.ge(1),)),
    "rank_low": ColumnSpec("int64", "-", "2.5 % bootstrap percentile of the rank", checks=(pa.Check.ge(1),)),
    "rank_high": ColumnSpec("int64", "-", "97.5 % bootstrap percentile of the rank", checks=(pa.Check.ge(1),)),
    "score": ColumnSpec(float, "0–1", "weighted mean of the components", checks=_P),
})
COLUMNS.update({
    # Polisen's events as a kommun-level source (pipeline/stats/event_series.py)
    "month": ColumnSpec("datetime64[ns]", "month", "first day of the month"),
    "n_events": ColumnSpec("int64", "events", "Polisen events (crime types only)", checks=_NONNEG),
    "days_covered": ColumnSpec("int64", "days", "days of the month/year the event files cover", checks=_NONNEG),
    "is_partial_month": ColumnSpec(bool, "-", "the event files cover only part of the month"),
    "is_partial_year": ColumnSpec(bool, "-", "the event files cover only part of the year"),
    "rate_per_10000": ColumnSpec(float, "per 10,000 inhabitants", "events per 10,000 inhabitants, scaled to a whole "
                                 "month/year where only partly covered", nullable=True),
    "break_ids": ColumnSpec(str, "-", "';'-separated ids of the source breaks in effect (source_breaks.yaml)"),
    "is_after_break": ColumnSpec(bool, "-", "a break in the source is in effect from this month"),
})
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
    open: bool = False  # other columns allowed (layers carry extra figures for the report)


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
    # layers and ranking: the columns other stages and the report rely on (extra columns allowed)
    "grid_hotspots": TableSpec(("cell_id", "problem", "n_incidents", "harm_days", "gi_z", "gi_p", "gi_q",
                                "hotspot_class"), ("cell_id", "problem"), geometry="Polygon", open=True),
    "emerging_hotspots": TableSpec(("cell_id", "problem", "ehs_category", "mk_tau", "mk_z", "mk_p", "n_hot_steps",
                                    "n_cold_steps"), ("cell_id", "problem"), geometry="Polygon", open=True),
    "area_trends": TableSpec(("area_id", "problem", "n_year", "rate_per_1000", "irr", "irr_low", "irr_high",
                              "mk_tau", "mk_p", "trend"), ("area_id", "problem"), open=True),
    "area_year_counts": TableSpec(("area_id", "problem", "year", "n_incidents", "harm_days", "rate_per_1000"),
                                  ("area_id", "problem", "year"), open=True),
    "survey_indicators": TableSpec(("area_id", "survey_year", "indicator", "n", "share_pct", "ci_low_pct",
                                    "ci_high_pct", "is_suppressed"), ("area_id", "survey_year", "indicator"), open=True),
    "event_month_counts": TableSpec(("kommun_code", "problem", "month", "year", "n_events", "days_covered",
                                     "is_partial_month", "rate_per_10000", "break_ids", "is_after_break"),
                                    ("kommun_code", "problem", "month"), open=True),
    "event_year_counts": TableSpec(("kommun_code", "problem", "year", "n_events", "days_covered", "is_partial_year",
                                    "rate_per_10000"), ("kommun_code", "problem", "year"), open=True),
    "event_trends": TableSpec(("kommun_code", "problem", "n_events", "irr", "irr_low", "irr_high", "trend",
                               "break_ids"), ("kommun_code", "problem"), open=True),
    "problembilder": TableSpec(("rank", "rank_low", "rank_high", "area_id", "problem", "score"),
                               ("area_id", "problem"), open=True),
}
# area_id may be empty where a note or EST record names no known place
_NULLABLE_IN = {("notes", "area_id"), ("est_reports", "area_id"), ("est_reports", "problem"),
                ("police_events", "problem"), ("notes", "verksamhet"), ("grid_hotspots", "gi_p"),
                ("grid_hotspots", "gi_q"), ("grid_hotspots", "gi_z")}


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
    return pa.DataFrameSchema(cols, strict=not spec.open, ordered=False, unique=list(spec.primary_key), name=table)


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
