"""Every column of every core table, defined once, and the table schemas built from them.

A column has a dtype, a unit (or ``-``), a meaning and optional checks. A table lists its
fields, its primary key and its geometry type. :func:`validate` is called at every stage
boundary (after compute, before save) and raises :class:`pipeline.errors.DataError` with one
line naming the table and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pandera.pandas as pa
import shapely
from pandera.engines.geopandas_engine import Geometry

from pipeline.errors import DataError

CRS = "EPSG:3006"  # SWEREF 99 TM: every core table is stored in it


@dataclass(frozen=True)
class ColumnSpec:
    """One column. ``kind``, ``of``, ``sv`` and ``decimals`` drive privacy and formatting in the
    report's tables (set for the columns a report table shows; see :data:`KINDS`)."""

    dtype: object
    unit: str
    description: str
    nullable: bool = False
    checks: tuple = ()
    kind: str = ""  # one of KINDS
    of: tuple[str, ...] = ()  # derived kinds: the count columns of the same row it is computed from
    sv: str = ""  # Swedish header; "{year}" / "{prev}" stand for the report year and the year before
    decimals: int | None = None  # digits shown (Excel number format, rounding in the public tables)


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
    "gi_p": ColumnSpec(float, "-", "two-sided p-value: exact test under random placement (grid), conditional "
                                   "permutation (areas); never the normal approximation of gi_z", checks=_P),
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
    "year_change": ColumnSpec(str, "-", "report year against the year before: exact test, significant after BH",
                              checks=_in(("increase", "decrease", "no_change", "no_data"))),
    "verdict_code": ColumnSpec(str, "-", "the one verdict: <year_change>/<trend or few>", checks=(pa.Check.str_matches(
        r"^(increase|decrease|no_change|no_data)/(rising|falling|stable|few)$"),)),
    "verdict_sv": ColumnSpec(str, "-", "the verdict in Swedish, the only trend wording shown anywhere"),
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

# What a column is, for disclosure control and for the report's tables:
KINDS = {
    "key": "identifies a row (area, problem family, year, indicator, ...)",
    "label": "a name shown beside a key (area name, Swedish label, verdict)",
    "count": "a count of crimes, people or records: small values are suppressed in public outputs",
    "companion": "a count that bounds its `of` count (weeks with a report ≤ reports): hidden with it",
    "share": "a share or interval computed from its `of` count: hidden with it",
    "rate": "a rate or ratio computed from its `of` count: hidden with it",
    "mean": "a mean of counts over periods: hidden when any of them is",
    "change": "a change between counts (`of`): hidden when any of them is",
    "stat": "a model statistic computed from its `of` count: hidden with it",
    "score": "a ranking figure (rank, score, component)",
    "meta": "describes the data or method, not people or crimes (rows read, respondents, cells)",
    "public": "a count from a source that is already public (Polisen's published events)",
    "place": "a place finer than the area: never in public outputs",
    "text": "free text, or words taken from it: quotes never public, words only from ≥ k sources",
}
_NUM = {"count": "int64", "companion": "int64", "meta": "int64", "public": "int64"}


def _report_column(name: str, kind: str, sv: str, decimals: int | None = None, of: tuple[str, ...] = (),
                   meaning: str = "") -> None:
    """Give column ``name`` its report attributes (new columns get a dtype from their kind)."""
    base = COLUMNS.get(name) or ColumnSpec(_NUM.get(kind, float if decimals is not None else str), "-",
                                           meaning or sv, nullable=True)
    COLUMNS[name] = replace(base, kind=kind, sv=sv, decimals=decimals, of=of)


for _name, _kind, _sv, _dec, _of in (
    # keys and labels
    ("area_id", "key", "Områdeskod", None, ()), ("area_name", "label", "Område", None, ()),
    ("area", "label", "Område", None, ()), ("problem", "key", "Problemområde", None, ()),
    ("problem_label", "label", "Problemområde", None, ()), ("year", "key", "År", 0, ()),
    ("survey_year", "key", "Mätår", 0, ()), ("indicator", "key", "Fråga", None, ()),
    ("item", "key", "Fråga", None, ()), ("topic", "key", "Tema", 0, ()), ("source", "key", "Källa", None, ()),
    ("trend", "label", "Trend", None, ()), ("event_type", "label", "Händelsetyp", None, ()),
    ("weight_set_label", "label", "Viktning", None, ()), ("top_area", "key", "Mest i området", None, ()),
    # crimes per area, problem family and year (area_year_counts, area_trends, concentration)
    ("n_incidents", "count", "Anmälda brott", 0, ()),
    ("n_year", "count", "Anmälda brott {year}", 0, ()), ("n_prev", "count", "Anmälda brott {prev}", 0, ()),
    ("mean_3y", "mean", "Medel per år, tre år före {year}", 1, ()),
    ("change_pct", "change", "Förändring mot {prev}, %", 0, ("n_year", "n_prev")),
    ("change_vs_3y_pct", "change", "Förändring mot treårsmedel, %", 0, ("n_year", "mean_3y")),
    ("harm_days", "stat", "Skadevärde, dagar", 0, ("n_incidents",)),
    ("harm_days_year", "stat", "Skadevärde {year}, dagar", 0, ("n_year",)),
    ("population", "meta", "Folkmängd", 0, ()),
    ("rate_per_1000", "rate", "Per 1 000 invånare", 1, ("n_year", "n_incidents")),
    ("kommun_rate_per_1000", "rate", "Kommunen per 1 000 invånare", 1, ()),
    ("rate_ratio", "rate", "Kvot mot kommunen", 2, ("n_year",)),
    ("irr", "stat", "Förändring per år (kvot)", 2, ("n_year",)), ("irr_low", "stat", "95 % KI, låg", 2, ("n_year",)),
    ("irr_high", "stat", "95 % KI, hög", 2, ("n_year",)), ("irr_p", "stat", "p-värde, trend", 3, ("n_year",)),
    ("irr_q", "stat", "p-värde efter BH-korrektion", 3, ("n_year",)),
    ("nb_alpha", "stat", "Överspridning", 2, ("n_year",)), ("mk_tau", "stat", "Mann–Kendall tau", 2, ("n_year",)),
    ("mk_p", "stat", "Mann–Kendall p", 3, ("n_year",)),
    # the one verdict per area and problem (pipeline/stats/verdict.py): its phrase quotes the counts
    ("year_rr", "stat", "Kvot mot {prev}", 2, ("n_year", "n_prev")),
    ("year_rr_low", "stat", "Kvot mot {prev}, 95 % KI låg", 2, ("n_year", "n_prev")),
    ("year_rr_high", "stat", "Kvot mot {prev}, 95 % KI hög", 2, ("n_year", "n_prev")),
    ("year_p", "stat", "p-värde, i år", 3, ("n_year", "n_prev")), ("year_q", "stat", "p-värde, i år (BH)", 3, ("n_year", "n_prev")),
    ("rate_ratio_p", "stat", "p-värde, kvot mot kommunen", 3, ("n_year",)),
    ("rate_ratio_q", "stat", "p-värde, kvot mot kommunen (BH)", 3, ("n_year",)),
    ("trend_pct_per_year", "stat", "Långsiktig trend, % per år", 0, ("n_year", "n_prev", "mean_3y")),
    ("verdict_sv", "change", "Bedömning", None, ("n_year", "n_prev")),
    ("verdict_code", "label", "Bedömning (kod)", None, ()), ("year_change", "label", "I år", None, ()),
    ("has_trend_fit", "meta", "Trend skattad", None, ()),
    ("n_cells", "meta", "Rutor", 0, ()),
    ("top1_pct", "share", "Andel i 1 % av rutorna, %", 0, ("n_incidents",)),
    ("top5_pct", "share", "Andel i 5 % av rutorna, %", 0, ("n_incidents",)),
    ("top10_pct", "share", "Andel i 10 % av rutorna, %", 0, ("n_incidents",)),
    ("gini", "stat", "Gini", 2, ("n_incidents",)), ("gini_generalised", "stat", "Gini (generaliserad)", 2, ("n_incidents",)),
    # survey
    ("n", "meta", "Svarande", 0, ()), ("n_yes", "count", "Svarande som instämmer", 0, ()),
    ("share_pct", "share", "Andel, %", 1, ("n_yes",)), ("ci_low_pct", "share", "95 % KI, låg, %", 1, ("n_yes",)),
    ("ci_high_pct", "share", "95 % KI, hög, %", 1, ("n_yes",)), ("n_eff", "meta", "Effektivt antal svarande", 0, ()),
    ("is_weighted", "meta", "Viktad", None, ()), ("is_suppressed", "meta", "Dold", None, ()),
    ("rest_share_pct", "share", "Övriga kommunen, %", 1, ("n_yes",)),
    ("diff_vs_rest_pp", "share", "Skillnad mot övriga, procentenheter", 1, ("n_yes",)),
    ("p_vs_rest", "stat", "p-värde mot övriga", 3, ("n_yes",)),
    ("prev_share_pct", "share", "Förra mätningen, %", 1, ()),
    ("diff_vs_prev_pp", "change", "Förändring, procentenheter", 1, ("n_yes", "prev_share_pct")),
    ("p_vs_prev", "stat", "p-värde mot förra mätningen", 3, ("n_yes", "prev_share_pct")),
    ("index_0_6", "mean", "Index 0–6", 1, ()), ("prev_survey_year", "key", "Förra mätåret", 0, ()),
    ("prev_n", "meta", "Svarande förra mätningen", 0, ()), ("prev_n_yes", "count", "Instämmer, förra mätningen", 0, ()),
    # notes, EST, residents' free text, themes
    ("n_notes", "count", "Anteckningar", 0, ()), ("n_verksamheter", "companion", "Verksamheter", 0, ("n_notes",)),
    ("n_est_reports", "count", "EST-rapporter", 0, ()),
    ("n_weeks", "companion", "Veckor med rapport", 0, ("n_est_reports",)),
    ("n_answers", "count", "Svar som nämner problemet", 0, ()),
    ("n_answers_area", "count", "Öppna svar i området", 0, ()),
    ("mean_per_year", "mean", "Medel per år", 1, ("n_incidents",)),
    ("n_docs", "count", "Texter", 0, ()), ("term_docs", "meta", "Texter per ord", None, ()), ("share_untagged_pct", "share", "Andel utan problemområde, %", 0, ("n_docs",)),
    ("top_place", "place", "Vanligaste plats", None, ()), ("place", "place", "Plats", None, ()),
    ("place_name", "place", "Plats", None, ()), ("quotes", "text", "Citat", None, ()),
    ("top_terms", "text", "Vanligaste ord", None, ()), ("explanation", "text", "Motivering", None, ()),
    ("free_text", "text", "Fritextsvar", None, ()), ("text", "text", "Text", None, ()), ("raw", "text", "Rådata", None, ()),
    # data quality
    ("rows_read", "meta", "Inlästa rader", 0, ()), ("accepted", "meta", "Godtagna", 0, ()),
    ("quarantined", "meta", "I karantän", 0, ()), ("reason", "text", "Skäl", None, ()), ("n_rows", "meta", "Rader", 0, ()),
    # Polisen's published events (public: no disclosure control)
    ("n_events", "public", "Händelser", 0, ()), ("kommun_code", "key", "Kommunkod", None, ()),
    ("month", "key", "Månad", None, ()), ("days_covered", "meta", "Dagar med data", 0, ()),
    ("days_in_month", "meta", "Dagar i månaden", 0, ()), ("days_in_year", "meta", "Dagar i året", 0, ()),
    ("is_partial_month", "meta", "Ofullständig månad", None, ()), ("is_partial_year", "meta", "Ofullständigt år", None, ()),
    ("rate_per_10000", "public", "Per 10 000 invånare", 1, ()), ("break_ids", "label", "Brott i källan", None, ()),
    ("is_after_break", "meta", "Efter brott i källan", None, ()), ("has_break", "meta", "Brott i källan under året", None, ()),
    ("n_months", "meta", "Månader", 0, ()), ("first_month", "key", "Första månad", None, ()),
    ("last_month", "key", "Sista månad", None, ()), ("level_shift", "public", "Nivåskifte (kvot)", 2, ()),
    ("level_shift_low", "public", "Nivåskifte, 95 % KI låg", 2, ()),
    ("level_shift_high", "public", "Nivåskifte, 95 % KI hög", 2, ()), ("model", "label", "Modell", None, ()),
    ("trend_note", "label", "Kommentar", None, ()), ("unit_label", "label", "Jämförelse med", None, ()),
    ("n_kommuner", "meta", "Kommuner", 0, ()), ("rate_low", "public", "95 % KI, låg", 1, ()),
    ("rate_high", "public", "95 % KI, hög", 1, ()), ("rr_low", "public", "Kvot, 95 % KI låg", 2, ()),
    ("rr_high", "public", "Kvot, 95 % KI hög", 2, ()), ("rr_p", "public", "p-värde, kvot", 3, ()),
    ("id", "key", "Id", None, ()), ("start", "key", "Från", None, ()), ("origin", "label", "Ursprung", None, ()),
    ("label_sv", "label", "Beskrivning", None, ()), ("evidence", "label", "Underlag", None, ()),
    # ranking
    ("rank", "score", "Rang", 0, ()), ("rank_low", "score", "Rangintervall, från", 0, ()),
    ("rank_high", "score", "Rangintervall, till", 0, ()), ("score", "score", "Poäng", 2, ()),
    ("base_rank", "score", "Rang med valda vikter", 0, ()), ("n_sources", "meta", "Källor", 0, ()),
    ("n_sources_agree", "meta", "Källor som pekar åt samma håll", 0, ()),
):
    _report_column(_name, _kind, _sv, _dec, _of)

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
                              "mk_tau", "mk_p", "trend", "year_change", "verdict_code", "verdict_sv"),
                             ("area_id", "problem"), open=True),
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


# shapely's geometry type ids, named as a table's geometry kind (a Multi kind as its single one)
_GEOMETRY_KINDS = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "Point", 5: "LineString",
                   6: "Polygon", 7: "GeometryCollection"}


def validate(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate ``df`` against the core table ``table``; raise DataError with one line if it fails."""
    try:
        out = schema(table).validate(df, lazy=False)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"table '{table}' breaks its schema: {first}") from exc
    spec = TABLES[table]
    if spec.geometry and len(out):
        # the distinct kinds by shapely's type ids (geom_type makes a string for every row)
        ids = np.unique(shapely.get_type_id(out.geometry.to_numpy()))
        kinds = {_GEOMETRY_KINDS.get(int(i), f"type {i}") for i in ids if i >= 0}  # -1: a missing geometry
        if kinds - {spec.geometry}:
            raise DataError(f"table '{table}' must hold {spec.geometry} geometries, found {sorted(kinds)}")
    return out
