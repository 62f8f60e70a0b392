"""The one loader of a run's processed tables, for the report and the notebooks.

Shell code (it reads files): :func:`load_inputs` reads every table the lägesbild shows once and
returns a :class:`~pipeline.report.inputs.ReportInputs`; the report stage renders it and
:func:`pipeline.explore.load_bundle` gives the notebooks the same frames, so a number in a
notebook and in the report comes from the same read and the same derived views
(:mod:`pipeline.report.views`).
"""

from __future__ import annotations

import datetime as dt

from pipeline import io, stage_events
from pipeline.config import Params
from pipeline.context import RunContext
from pipeline.cycle.report_data import load_cycle_report
from pipeline.ingest.police_events import event_type_summary
from pipeline.report.inputs import ReportInputs
from pipeline.report.render import read_analyst_texts
from pipeline.stages import families_for, read_core, read_layer


def load_inputs(run: RunContext, params: Params, generated_on: dt.date | None = None,
                texts: bool = True) -> ReportInputs:
    """Every processed table the report shows, read once: the :class:`ReportInputs` of the run.
    The report stage renders it; :func:`pipeline.explore.load_bundle` hands the same frames to
    the notebooks (``texts=False``: they do not read the analysts' texts)."""
    layer = lambda name: read_layer(run, name)  # noqa: E731
    processed = lambda name: io.read_frame(run.processed / name)  # noqa: E731
    k, src = params.kommun, params.sources
    events = read_core(run, "police_events")
    events = events[events["year"].between(k.first_year, k.year)]  # the report period only
    return ReportInputs(
        kommun=params.kommun, report=params.report, privacy=params.privacy, areas=read_core(run, "areas"),
        area_trends=layer("area_trends"), area_year_counts=layer("area_year_counts"),
        grid_hotspots=layer("grid_hotspots"), emerging_hotspots=layer("emerging_hotspots"),
        kde=layer("kde"), concentration=layer("concentration"),
        hour_weekday=layer("hour_weekday"), month_profile=layer("month_profile"),
        survey_indicators=layer("survey_indicators"), note_themes=layer("note_themes"),
        est_summary=layer("est_summary"), problembilder=processed("problembilder.csv"),
        sensitivity=processed("sensitivity.csv"), matrix=processed("prioritisation_matrix.csv"),
        quality=io.read_frame(run.ingest_quality), quarantine_reasons=io.read_frame(run.quarantine_reasons),
        families=families_for(run, params), analyst_texts=read_analyst_texts(run.analyst_texts) if texts else {},
        police_events_summary=event_type_summary(events) if len(events) else None,
        survey_text_themes=layer("survey_text_themes"), text_topics=layer("text_topics"),
        survey_problem_index=(layer("survey_problem_index") if run.layer("survey_problem_index").exists() else None),
        event_month_counts=layer("event_month_counts"), event_year_counts=layer("event_year_counts"),
        event_trends=layer("event_trends"), event_breaks=layer("event_breaks"),
        event_comparison=layer("event_comparison"),
        event_coverage=stage_events.event_coverage_span(run, params),
        events_only=src.crimes is None and src.survey is None and src.notes is None and src.est is None,
        places=io.read_frame(run.core("gazetteer")), survey_min_n=params.survey.min_n,
        weights=dict(params.scoring.weights),
        # the registry and its follow-up for the chapters it fills (pipeline/cycle); the notebooks
        # (texts=False) have their own follow-up notebook
        cycle=load_cycle_report(run, params, families_for(run, params)) if texts else None,
        generated_on=generated_on or dt.date.today(),
    )
