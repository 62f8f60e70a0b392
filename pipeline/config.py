"""Typed, frozen views of the sections of ``params.yaml``, and the one loader that reads it
(the YAML itself is read by :func:`pipeline.config_yaml.read_yaml`).

Nothing here reads files at import time; :func:`load_params` is called by the CLI only.
Each stage receives only the section it needs, so ``dvc.yaml`` can list exactly the keys a
stage depends on.

Every mistake in a params file is caught when it loads, as one line naming the key and the fix
(:func:`load_params` raises :class:`~pipeline.errors.DataError`; :func:`params_problems` lists
them all for ``lagesbild check``): YAML syntax (tabs, bad indentation, a key given twice),
misspelt keys in every section (with the closest known key suggested) including the free-form
maps ``scoring.weights``, ``survey.index_points``, ``sources.*.columns`` and
``sources.*.labels``, an unknown CRS, an unknown text encoding and a cycle MM-DD no year has.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import DataError
from pipeline.config_yaml import read_yaml

# Keys each source accepts under `labels:` (what the ingest modules read).
LABEL_KEYS = {
    "areas": (),
    "population": ("area_names", "sex"),
    "crimes": ("crime_categories",),
    "police_events": ("event_types",),
    "survey": ("safety", "never_out", "problem", "sex", "area_names"),
    "notes": ("area_names", "scrub_allow", "scrub_deny"),
    "est": ("est_types", "area_names", "scrub_allow", "scrub_deny"),
    "gazetteer": ("area_names",),
}
INDEX_POINT_KEYS = ("very_big", "fairly_big", "fairly_small", "no_problem")


def _suggest(word: str, known) -> str:
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def _unknown_keys(given, known, where: str) -> None:
    """ValueError naming the first key of ``given`` that is not in ``known`` (with a suggestion)."""
    for key in given:
        if key not in known:
            raise ValueError(f"unknown key '{key}' in {where}; {_suggest(key, known)}"
                             f"known keys: {', '.join(map(str, known))}")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KommunParams(_Frozen):
    code: str = Field(pattern=r"^\d{4}$", description="4-digit kommun code, zero-padded")
    name: str
    lpo: str
    police_region: str = ""
    year: int = Field(ge=2000, le=2100, description="report year")
    years_back: int = Field(default=5, ge=1, le=20)

    @field_validator("code", mode="before")
    @classmethod
    def _code_as_text(cls, v):  # YAML reads 0114 as a number unless quoted
        return f"{int(v):04d}" if isinstance(v, int) else v

    @property
    def first_year(self) -> int:
        return self.year - self.years_back + 1


class DemoParams(_Frozen):
    seed: int = 1980
    incidents_per_year: int = 15000
    survey_respondents: int = 2000
    n_notes: int = 100
    patterns: bool = Field(default=True, description="false: a null kommun, crime without any planted or spatial pattern")


class SourceParams(_Frozen):
    """Where one source's raw files are and how to read them.

    ``columns`` maps a canonical field to the user's header(s); it extends the defaults in
    ``pipeline/defaults/column_aliases.yaml``. ``labels`` maps the user's answer or category
    labels to canonical values (survey answers, crime categories). ``encoding``/``sep``/``crs``
    override detection.
    """

    path: str | list[str]
    required: bool = True
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    categories: str | None = Field(default=None, description="YAML file of problem families")
    scrub_allow: list[str] = Field(default_factory=list, description="words the name scrubber must keep")
    scrub_deny: list[str] = Field(default_factory=list, description="words the name scrubber must remove")
    breaks: str | None = Field(default=None, description="YAML of breaks in the source (police_events); "
                               "None = pipeline/defaults/source_breaks.yaml")
    ignore_columns: list[str] = Field(default_factory=list, description="headers that are read and deliberately unused")
    year: int | None = Field(default=None, ge=1990, le=2100, description="population: the year of a file without a year column")
    sheet: str | int | None = None
    header_row: int | None = Field(default=None, ge=1, description="1-based row of the headers (title rows above)")
    encoding: str | None = None
    sep: str | None = None
    crs: str | None = None

    @field_validator("labels", mode="before")
    @classmethod
    def _labels_as_text(cls, v):  # YAML reads an unquoted brottskod 3009 as a number
        if not isinstance(v, dict):
            return v
        return {k: ({str(a): ("" if b is None else str(b)) for a, b in m.items()} if isinstance(m, dict) else m)
                for k, m in v.items()}

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, v):
        if v is None:
            return v
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(v)
        except CRSError:
            raise ValueError(f"unknown coordinate system '{v}'; write an EPSG code such as EPSG:3006 "
                             "(SWEREF 99 TM), EPSG:3021 (RT 90) or EPSG:4326 (WGS84)") from None
        return v

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v):
        if v is None:
            return v
        try:
            codecs.lookup(v)
        except LookupError:
            raise ValueError(f"unknown text encoding '{v}'; use utf-8, utf-8-sig, utf-16, cp1252 or latin-1, "
                             "or remove the line to detect it") from None
        return v

    @field_validator("sep")
    @classmethod
    def _one_character(cls, v):
        if v is not None and len(v) != 1:
            raise ValueError(f"separator must be one character such as ';', ',', '|' or \"\\t\" (tab), got {v!r}")
        return v

    @property
    def patterns(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)

    def check_keys(self, source: str) -> None:
        """Unknown ``columns`` fields and ``labels`` keys of ``source`` raise ValueError."""
        from pipeline.ingest.common import default_aliases

        fields = list(default_aliases(source))
        if self.columns and not fields:
            raise ValueError(f"sources.{source} has a fixed shape: remove `columns:`")
        _unknown_keys(self.columns, fields, f"sources.{source}.columns")
        _unknown_keys(self.labels, LABEL_KEYS[source], f"sources.{source}.labels")


class SourcesParams(_Frozen):
    areas: SourceParams
    population: SourceParams
    crimes: SourceParams | None = None  # None: no police export (a lägesbild from public events only)
    police_events: SourceParams | None = None
    survey: SourceParams | None = None
    notes: SourceParams | None = None
    est: SourceParams | None = None
    gazetteer: SourceParams | None = None

    @model_validator(mode="after")
    def _known_columns_and_labels(self):
        for source in LABEL_KEYS:
            cfg = getattr(self, source)
            if cfg is not None:
                cfg.check_keys(source)
        return self


class LayersParams(_Frozen):
    grid_cell_m: float = Field(default=250, gt=0)
    gi_distance_m: float = Field(default=500, gt=0)
    fdr_alpha: float = Field(default=0.05, gt=0, lt=1)
    permutations: int = Field(default=9999, ge=1, description="draws of the area hot spots' permutation test")
    permutation_seed: int = Field(default=20250101, description="seed of the conditional permutations")
    ehs_time_step: Literal["month", "quarter", "year"] = "month"
    ehs_time_lags: int = Field(default=1, ge=0)
    ehs_variance: Literal["cube", "step"] = "cube"
    ehs_fdr: bool = True
    ehs_locations: Literal["all", "with_incidents"] = Field(
        default="all", description="all cells (calibrated) or only cells with incidents (Esri-like, not calibrated)")
    kde_bandwidth_m: float = Field(default=300, gt=0)
    significance: float = Field(default=0.05, gt=0, lt=1)


class SurveyParams(_Frozen):
    min_n: int = Field(default=30, ge=1)
    weighted: bool = Field(default=False, description="post-stratify to the area population by sex × age band")
    problem_index: bool = Field(default=False, description="also compute the optional 0–6 problem index")
    index_points: dict[str, float] | None = Field(
        default=None, description="points per answer (very_big, fairly_big, fairly_small, no_problem); None = 6/4/2/0")

    @field_validator("index_points")
    @classmethod
    def _four_answers(cls, v):
        if v is None:
            return v
        _unknown_keys(v, INDEX_POINT_KEYS, "survey.index_points")
        missing = [k for k in INDEX_POINT_KEYS if k not in v]
        if missing:
            raise ValueError(f"survey.index_points lacks {', '.join(missing)}; give points for all of "
                             f"{', '.join(INDEX_POINT_KEYS)} or set index_points: null for 6/4/2/0")
        return v


class TextParams(_Frozen):
    n_topics: int = Field(default=8, ge=1, description="NMF themes across notes, EST and survey free text")
    seed: int = 11


class PrivacyParams(_Frozen):
    min_count: int = Field(default=5, ge=1)
    public_grid_m: float = Field(default=1000, gt=0)


class ScoringParams(_Frozen):
    weights: dict[str, float]
    bootstrap_draws: int = Field(default=200, ge=0)
    seed: int = 7

    @field_validator("weights")
    @classmethod
    def _known_non_negative(cls, w):
        from pipeline.scoring.components import COMPONENTS

        _unknown_keys(w, COMPONENTS, "scoring.weights")
        missing = [k for k in COMPONENTS if k not in w]
        if missing:
            raise ValueError(f"scoring.weights lacks {', '.join(missing)}; give every component a weight "
                             "(0 leaves one out)")
        bad = {k: v for k, v in w.items() if v < 0}
        if bad:
            raise ValueError(f"scoring weights must be >= 0, got {bad}")
        if not sum(w.values()) > 0:
            raise ValueError("scoring weights are all 0; give at least one component a weight above 0")
        return w


class HarmParams(_Frozen):
    table: str | None = Field(default=None, description="CSV of harm weights; None = packaged default")


class NotebookParams(_Frozen):
    area: str = Field(default="", description="area name for the deep-dive notebook; empty = top problembild's area")
    problem: str = Field(default="", description="problem family id; empty = that problembild's family")


class ComparisonParams(_Frozen):
    """The national kommun register for comparing the kommun with its län, similar kommuner and
    the country on Polisen's events (the event files must cover the country)."""

    kommuner: str | None = Field(default=None, description="kommun boundaries (GeoJSON/GeoPackage: code, name, län code)")
    population: str | None = Field(default=None, description="population per kommun (CSV: kommun code, population)")
    counts: str | None = Field(default=None, description="every kommun's monthly event counts, precomputed (Parquet "
                               "from `lagesbild national`); None = counted from the event files")
    coverage: str | None = Field(default=None, description="the national event files' coverage (CSV), with counts")
    typed_register: str | None = Field(default=None, description="the typed kommun register, prepared once (Parquet from "
                                 "`lagesbild national`); None = built from kommuner and population")


class ReportParams(_Frozen):
    version: str = "1.0"
    top_n: int = Field(default=10, ge=1)


class IngestParams(_Frozen):
    max_config_loss_pct: float = Field(
        default=0.5, ge=0, le=100,
        description="share of a source's rows that may be lost to configuration problems (unmapped labels, "
                    "repeated unknown area names, unknown event types) before ingest stops")
    max_row_loss_pct: float = Field(
        default=5.0, ge=0, le=100,
        description="share of a source's rows one quarantine reason (bad date, outside the kommun, missing "
                    "coordinates, ...) may take before ingest stops; duplicates and rows outside the years are "
                    "not counted")


class CycleParams(_Frozen):
    """The work after the lägesbild: the registry of actions and löften and their follow-up
    (pipeline/cycle, docs/methods-evaluation.md)."""

    registry: str = Field(default="data/raw/handlingsplan.xlsx",
                          description="the registry workbook (problembilder, åtgärder, medborgarlöften, orsaksanalys)")
    prioritised: int = Field(default=3, ge=1, description="rows marked prioritised in a new template")
    comparison_areas: int = Field(default=5, ge=1, description="comparison units per evaluated indicator")
    min_events: int = Field(default=20, ge=1, description="fewer events in a window: small-numbers warning")
    dispersion: Literal["cox-reid", "ml", "poisson"] = "cox-reid"
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    survey_month: int = Field(default=10, ge=1, le=12, description="month the survey is usually fielded")
    process_start: str = Field(default="06-01", pattern=r"^\d{2}-\d{2}$", description="MM-DD the process starts by")
    lagesbild_due: str = Field(default="01-01", pattern=r"^\d{2}-\d{2}$",
                               description="MM-DD (the year after the report year) the lägesbild is due by")

    @field_validator("process_start", "lagesbild_due")
    @classmethod
    def _day_of_every_year(cls, v):
        month, day = int(v[:2]), int(v[3:])
        try:
            dt.date(2023, month, day)  # a common year: 02-29 would break the cycle three years in four
        except ValueError:
            raise ValueError(f"{v!r} is not a day that every year has; write MM-DD with a month 01-12 and a day "
                             "that month has, such as 06-01 (02-29 is not allowed: use 02-28 or 03-01)") from None
        return v


class Params(_Frozen):
    kommun: KommunParams
    demo: DemoParams = DemoParams()
    sources: SourcesParams
    ingest: IngestParams = IngestParams()
    layers: LayersParams = LayersParams()
    survey: SurveyParams = SurveyParams()
    text: TextParams = TextParams()
    privacy: PrivacyParams = PrivacyParams()
    harm: HarmParams = HarmParams()
    scoring: ScoringParams
    report: ReportParams = ReportParams()
    comparison: ComparisonParams = ComparisonParams()
    notebook: NotebookParams = NotebookParams()
    cycle: CycleParams = CycleParams()


# ---------------------------------------------------------------- reading the file
def _read_yaml(path: Path) -> dict:
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise DataError(f"{path}: expected sections such as kommun:, sources: and scoring:, found "
                        f"{'nothing' if doc is None else type(doc).__name__}; see the demo's params.yaml")
    return doc


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The params model that holds location ``loc`` (for suggesting a key), or None."""
    import types
    import typing

    model: type[BaseModel] | None = Params
    for part in loc:
        if model is None or part not in model.model_fields:
            return None
        ann = model.model_fields[part].annotation
        args = typing.get_args(ann) if isinstance(ann, types.UnionType) or typing.get_origin(ann) else ()
        candidates = [a for a in (args or (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        model = candidates[0] if candidates else None
    return model


def _explain(err: dict, path: Path) -> str:
    loc = tuple(str(x) for x in err["loc"])
    where = ".".join(loc)
    if err["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = list(parent.model_fields) if parent else []
        return (f"{path}: unknown key '{where}'; {_suggest(loc[-1], known)}"
                f"remove it or correct the spelling" + (f" (known: {', '.join(known)})" if known else ""))
    if err["type"] == "missing":
        return f"{path}: {where} is missing; add it (see docs/user-guide.md or run lagesbild init)"
    msg = re.sub(r"^Value error, ", "", err["msg"])
    if err["type"] == "value_error":  # our own validators name the key themselves where it is deeper
        return f"{path}: {msg}" if f" {where}." in f" {msg}" else f"{path}: {where}: {msg}"
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
    return f"{path}: {where}: {msg}{shown}"


def _ordered(exc: ValidationError) -> list[dict]:
    """Errors with misspelt keys first: a misspelt section also shows up as a missing one."""
    return sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")


def params_problems(path: str | Path) -> list[str]:
    """Every problem of a params file, one line each (empty when it loads)."""
    path = Path(path)
    try:
        doc = _read_yaml(path)
    except DataError as exc:
        return [str(exc)]
    try:
        Params.model_validate(doc)
    except ValidationError as exc:
        return [_explain(e, path) for e in _ordered(exc)]
    return []


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate a params file.

    Raises
    ------
    DataError
        One line naming the file, the key and the fix, for the first problem found (with the
        number of further problems, which ``lagesbild check`` lists).
    """
    path = Path(path)
    doc = _read_yaml(path)
    try:
        return Params.model_validate(doc)
    except ValidationError as exc:
        errors = _ordered(exc)
        more = f" (and {len(errors) - 1} more problem(s): run lagesbild check)" if len(errors) > 1 else ""
        raise DataError(_explain(errors[0], path) + more) from None
