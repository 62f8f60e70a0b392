"""Typed, frozen views of the sections of ``params.yaml``.

Nothing here reads files at import time; :func:`load_params` is called by the CLI only.
Each stage receives only the section it needs, so ``dvc.yaml`` can list exactly the keys a
stage depends on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator


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
    sheet: str | int | None = None
    encoding: str | None = None
    sep: str | None = None
    crs: str | None = None

    @property
    def patterns(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)


class SourcesParams(_Frozen):
    areas: SourceParams
    population: SourceParams
    crimes: SourceParams | None = None  # None: no police export (a lägesbild from public events only)
    police_events: SourceParams | None = None
    survey: SourceParams | None = None
    notes: SourceParams | None = None
    est: SourceParams | None = None
    gazetteer: SourceParams | None = None


class LayersParams(_Frozen):
    grid_cell_m: float = Field(default=250, gt=0)
    gi_distance_m: float = Field(default=500, gt=0)
    fdr_alpha: float = Field(default=0.05, gt=0, lt=1)
    permutations: int = Field(default=0, ge=0)
    permutation_seed: int = Field(default=20250101, description="seed of the conditional permutations")
    ehs_time_step: Literal["month", "quarter", "year"] = "month"
    ehs_time_lags: int = Field(default=1, ge=0)
    ehs_variance: Literal["cube", "step"] = "cube"
    ehs_fdr: bool = True
    ehs_locations: Literal["with_incidents", "all"] = "with_incidents"
    kde_bandwidth_m: float = Field(default=300, gt=0)
    significance: float = Field(default=0.05, gt=0, lt=1)


class SurveyParams(_Frozen):
    min_n: int = Field(default=30, ge=1)
    weighted: bool = Field(default=False, description="post-stratify to the area population by sex × age band")
    problem_index: bool = Field(default=False, description="also compute the optional 0–6 problem index")
    index_points: dict[str, float] | None = Field(
        default=None, description="points per answer (very_big, fairly_big, fairly_small, no_problem); None = 6/4/2/0")


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
    def _non_negative(cls, w):
        bad = {k: v for k, v in w.items() if v < 0}
        if bad:
            raise ValueError(f"scoring weights must be >= 0, got {bad}")
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


class ReportParams(_Frozen):
    version: str = "1.0"
    top_n: int = Field(default=10, ge=1)


class Params(_Frozen):
    kommun: KommunParams
    demo: DemoParams = DemoParams()
    sources: SourcesParams
    layers: LayersParams = LayersParams()
    survey: SurveyParams = SurveyParams()
    text: TextParams = TextParams()
    privacy: PrivacyParams = PrivacyParams()
    harm: HarmParams = HarmParams()
    scoring: ScoringParams
    report: ReportParams = ReportParams()
    comparison: ComparisonParams = ComparisonParams()
    notebook: NotebookParams = NotebookParams()


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate ``params.yaml`` (raises pydantic.ValidationError on bad values)."""
    with open(path, encoding="utf-8") as fh:
        return Params.model_validate(yaml.safe_load(fh))
