"""The one loader of a run's processed tables, for the report and the notebooks.

Shell code (it reads files): :func:`load_inputs` reads every table the lägesbild shows once and
returns a :class:`~pipeline.report.inputs.ReportInputs`; the report stage renders it and
:func:`pipeline.explore.load_bundle` gives the notebooks the same frames, so a number in a
notebook and in the report comes from the same read and the same derived views
(:mod:`pipeline.report.views`).

A notebook reads only the tables it shows (``tables=``): :func:`table_files` says which file
each table comes from, so the notebook stage can also tell from :func:`input_files` whether a
notebook's inputs changed since it was last executed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipeline import io, stage_events
from pipeline.config import Params
from pipeline.context import RunContext
from pipeline.cycle.report_data import load_cycle_report
from pipeline.report.inputs import NotRead, ReportInputs
from pipeline.stages import families_for, read_core

# Layer tables (data/processed/layers/<name>.parquet) the lägesbild or a notebook shows.
SHOWN_LAYERS = ("area_trends", "area_year_counts", "grid_hotspots", "emerging_hotspots", "kde", "concentration",
                "hour_weekday", "month_profile", "hour_weekday_by_area", "month_profile_by_area",
                "survey_indicators", "note_themes", "est_summary", "survey_text_themes", "text_topics",
                "survey_problem_index", "event_month_counts", "event_year_counts", "event_trends", "event_breaks",
                "event_comparison")
# The cell-level layers: one row per grid cell and problem, most of what loading a big kommun
# costs. Only the maps show them (a chapter names those it reads in its CELL_LAYERS), and the
# public version and web page, which coarsen them.
CELL_LAYERS = ("grid_hotspots", "emerging_hotspots", "kde")
OPTIONAL = ("survey_problem_index",)  # written only when params ask for it: None when absent
# The frames of ReportInputs that are tables read from one file each (the rest are derived).
REPORT_TABLES = ("areas", "area_trends", "area_year_counts", "grid_hotspots", "emerging_hotspots", "kde",
                 "concentration", "hour_weekday", "month_profile", "survey_indicators", "note_themes", "est_summary",
                 "problembilder", "sensitivity", "matrix", "quality", "quarantine_reasons", "survey_text_themes",
                 "text_topics", "survey_problem_index", "event_month_counts", "event_year_counts", "event_trends",
                 "event_breaks", "event_comparison", "places")


def table_files(run: RunContext) -> dict[str, Path]:
    """The file each table is read from, by the name it has in ReportInputs (or a notebook's Bundle)."""
    p = run.processed
    return {name: run.layer(name) for name in SHOWN_LAYERS} | {
        "areas": run.core("areas"), "incidents": run.core("incidents"), "police_events": run.core("police_events"),
        "places": run.core("gazetteer"), "problembilder": p / "problembilder.csv", "sensitivity": p / "sensitivity.csv",
        "matrix": p / "prioritisation_matrix.csv", "quality": run.ingest_quality,
        "quarantine_reasons": run.quarantine_reasons}


def read_tables(run: RunContext, names) -> dict[str, pd.DataFrame | None]:
    """The tables ``names`` (keys of :func:`table_files`), each read once; an optional layer
    that was not written is None."""
    files = table_files(run)
    return {name: None if name in OPTIONAL and not files[name].exists() else io.read_frame(files[name])
            for name in names}


def input_files(run: RunContext, params: Params, tables) -> list[Path]:
    """Every file :func:`read_tables` and :func:`load_inputs` read for ``tables``: the tables'
    files (those that exist), the params file and a custom problem-family file."""
    files = table_files(run)
    out = [run.params_file] + [files[t] for t in tables if files[t].exists()]
    categories = params.sources.crimes.categories if params.sources.crimes else None
    return out + ([run.resolve(categories)] if categories else [])


def load_inputs(run: RunContext, params: Params, generated_on: dt.date | None = None,
                texts: bool = True, tables=None, profiles: bool = True, cell_layers=CELL_LAYERS) -> ReportInputs:
    """Every processed table the report shows, read once: the :class:`ReportInputs` of the run.
    The report stage renders it; :func:`pipeline.explore.load_bundle` hands the same frames to
    the notebooks (``texts=False``: they do not read the analysts' texts; ``tables``: only these
    tables of :data:`REPORT_TABLES` are read, the others are empty frames, and the Polisen
    events summary is left out). ``profiles=False``: no problem profiles (a report without the
    orsaksanalys chapter). ``cell_layers``: the :data:`CELL_LAYERS` to read; the others are
    :class:`~pipeline.report.inputs.NotRead` (any use raises)."""
    with io.reading_once():  # the profiles and the registry's places read tables read here before them
        return _load_inputs(run, params, generated_on, texts, tables, profiles, cell_layers)


def _load_inputs(run: RunContext, params: Params, generated_on: dt.date | None, texts: bool, tables, profiles: bool,
                 cell_layers) -> ReportInputs:
    k, src = params.kommun, params.sources
    wanted = REPORT_TABLES if tables is None else [t for t in REPORT_TABLES if t in tables]
    unread = {t: NotRead(t) for t in CELL_LAYERS if t in wanted and t not in cell_layers}
    wanted = [t for t in wanted if t not in unread]
    frames = read_tables(run, wanted) | {t: pd.DataFrame() for t in REPORT_TABLES if t not in wanted} | unread
    if tables is None:
        from pipeline.ingest.police_events import event_type_summary  # here: the notebooks do not need it

        events = read_core(run, "police_events")
        events = events[events["year"].between(k.first_year, k.year)]  # the report period only
        events_summary, coverage = (event_type_summary(events) if len(events) else None,
                                    stage_events.event_coverage_span(run, params))
    else:
        events_summary, coverage = None, None
    return ReportInputs(
        kommun=params.kommun, report=params.report, privacy=params.privacy, **frames,
        families=families_for(run, params), analyst_texts=_analyst_texts(run) if texts else {},
        police_events_summary=events_summary, event_coverage=coverage,
        events_only=src.crimes is None and src.survey is None and src.notes is None and src.est is None,
        survey_min_n=params.survey.min_n, weights=dict(params.scoring.weights),
        # the registry and its follow-up for the chapters it fills (pipeline/cycle); the notebooks
        # (texts=False) have their own follow-up notebook
        cycle=load_cycle_report(run, params, families_for(run, params), profiles) if texts else None,
        generated_on=generated_on or dt.date.today(),
    )


def _analyst_texts(run: RunContext) -> dict[str, str]:
    from pipeline.report.render import read_analyst_texts  # here: it imports the whole report (typst, chapters)

    return read_analyst_texts(run.analyst_texts)
