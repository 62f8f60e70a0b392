"""What the lägesbild shows: the frames of one run, gathered in one frozen object.

:class:`ReportInputs` is filled by the report stage (pipeline/stages.py) and passed, unchanged or
through :func:`pipeline.report.public.make_public_inputs`, to the document builder. Whether a
document is the public version is decided by the inputs themselves (``privacy_applied``), so the
public transformation always happens before any chapter is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd

from pipeline.config import KommunParams, PrivacyParams, ReportParams

# Analyst-written Markdown files (reports/text/<name>.md) the report expects, with what each
# one must say (shown in the draft where the text is still missing).
ANALYST_TEXTS = ("sammanfattning", "orsaksanalys", "handlingsplan", "medborgarloften", "uppfoljning")
ANALYST_SV = {"sammanfattning": "sammanfattningen", "orsaksanalys": "orsaksanalysen", "handlingsplan": "handlingsplanen",
              "medborgarloften": "medborgarlöftena", "uppfoljning": "uppföljningen"}
ANALYST_GUIDANCE = {
    "sammanfattning": "Analytikernas sammanfattning: vilka problembilder kommunen och lokalpolisområdet väljer att "
                      "arbeta med och varför, vad som har förändrats sedan förra lägesbilden och vad underlaget inte visar.",
    "orsaksanalys": "Orsaksanalysen: för varje prioriterad problembild, de orsaker ni ser (gärna som orsaksträd enligt "
                    "Brå:s handbok), vilka platser, tider och grupper det gäller, och vilka kunskaper som saknas.",
    "handlingsplan": "Handlingsplanen: åtgärderna för varje prioriterad problembild, vem som ansvarar för varje "
                     "åtgärd, när den ska vara genomförd och hur den följs upp.",
    "medborgarloften": "Medborgarlöftena: vad kommunen och polisen lovar invånarna för det kommande halvåret, var och "
                       "när, och hur löftena följs upp och återrapporteras.",
    "uppfoljning": "Uppföljningen av förra periodens åtgärder: vilka åtgärder som genomfördes som planerat "
                   "(processutvärdering) och om målen nåddes (måluppfyllelse).",
}


def missing_analyst_texts(texts: dict[str, str] | None) -> list[str]:
    """Names of the analyst texts the report expects but did not get (the lägesbild is then a draft)."""
    return [n for n in ANALYST_TEXTS if not ((texts or {}).get(n) or "").strip()]


@dataclass(frozen=True, kw_only=True)
class ReportInputs:
    """Everything the report shows (keyword-only). Any frame may be empty (the chapter then says so).

    ``quality`` has columns source, rows_read, accepted, quarantined; ``quarantine_reasons``
    source, reason, n_rows; ``analyst_texts`` maps a name (e.g. "orsaksanalys") to Markdown;
    ``generated_on`` is the report date (passed in, never read from the clock).
    """

    kommun: KommunParams
    report: ReportParams
    privacy: PrivacyParams
    areas: gpd.GeoDataFrame
    area_trends: pd.DataFrame
    area_year_counts: pd.DataFrame
    grid_hotspots: gpd.GeoDataFrame
    emerging_hotspots: gpd.GeoDataFrame
    kde: gpd.GeoDataFrame
    concentration: pd.DataFrame
    hour_weekday: pd.DataFrame
    month_profile: pd.DataFrame
    survey_indicators: pd.DataFrame
    note_themes: pd.DataFrame
    est_summary: pd.DataFrame
    problembilder: pd.DataFrame
    sensitivity: pd.DataFrame
    matrix: pd.DataFrame
    quality: pd.DataFrame
    quarantine_reasons: pd.DataFrame
    families: object
    analyst_texts: dict[str, str] = field(default_factory=dict)
    police_events_summary: pd.DataFrame | None = None
    survey_text_themes: pd.DataFrame | None = None  # residents' free text per area and problem
    text_topics: pd.DataFrame | None = None  # NMF themes over notes, EST and survey text
    survey_problem_index: pd.DataFrame | None = None  # optional 0–6 index (stats.survey.problem_index)
    # Polisen's events as a kommun-level source (pipeline/stats/event_series.py, report/events.py)
    event_month_counts: pd.DataFrame | None = None
    event_year_counts: pd.DataFrame | None = None
    event_trends: pd.DataFrame | None = None
    event_breaks: pd.DataFrame | None = None
    event_coverage: tuple | None = None  # (first, last) event time in the files
    event_comparison: pd.DataFrame | None = None  # beside the län, similar kommuner, the country
    events_only: bool = False  # no police export, survey or dialogues: built from public events only
    places: pd.DataFrame | None = None  # the gazetteer (place_name, area_id): names finer than an area
    survey_min_n: int = 30  # survey groups with fewer answers are not shown in public outputs
    weights: dict[str, float] = field(default_factory=dict)  # scoring.weights: component → weight
    cycle: object | None = None  # pipeline.cycle.report_data.CycleReport: registry, evaluation, profiles
    generated_on: date
    privacy_applied: bool = False  # True once public.make_public_inputs has suppressed the frames

    @property
    def public(self) -> bool:
        """True for the public version's inputs (after :func:`~pipeline.report.public.make_public_inputs`)."""
        return self.privacy_applied


class NotRead:
    """Stands in :class:`ReportInputs` for a table the loader was told not to read, because no
    chosen output shows it (:data:`pipeline.loader.CELL_LAYERS`). Any use raises: a chapter that
    reads a table it did not declare fails at once instead of reporting it as empty."""

    def __init__(self, table: str):
        self.table = table

    def _fail(self, *_args, **_kw):
        raise RuntimeError(f"report input {self.table!r} was not read: a chapter that shows it must name it in "
                           f"its CELL_LAYERS (pipeline/report/chapters)")

    __len__ = __iter__ = __getitem__ = __bool__ = __contains__ = _fail

    def __getattr__(self, name):
        if name.startswith("__"):  # copy, pickle and repr look for optional dunders
            raise AttributeError(name)
        self._fail()

    def __repr__(self) -> str:
        return f"NotRead({self.table!r})"


def is_empty(df) -> bool:
    """True for None or a frame without rows."""
    return df is None or len(df) == 0
