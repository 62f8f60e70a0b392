"""The pipeline's stages, each read as load → compute → validate → save.

This module and :mod:`pipeline.io` are the shell: they know paths; everything they call is a
pure function over frames. Every stage takes the run's :class:`~pipeline.context.RunContext`
(which owns every path: nothing depends on the working directory) and its params, and returns a
one-line summary for the CLI to print.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline import io, stage_events
from pipeline.config import Params
from pipeline.context import CORE_TABLES, NOTEBOOK_NAMES, RunContext
from pipeline.errors import DataError
from pipeline.problems import Families, load_families
from pipeline.schemas import TABLES, validate
from pipeline.stage_report import import_report_modules, read_report_tables, report, report_inputs  # noqa: F401 - the report stage

OPTIONAL_LAYER_FILES = ("survey_problem_index",)  # only when params ask for them
# Source (params.yaml `sources:`) → the core table its rows go to.
SOURCE_TABLE = {"areas": "areas", "population": "population", "crimes": "incidents", "police_events": "police_events",
                "survey": "survey_responses", "notes": "notes", "est": "est_reports"}
# Layer tables written by `layers` (core tables: pipeline.context.CORE_TABLES).
LAYER_FILES = ("grid", "grid_hotspots", "area_hotspots", "emerging_hotspots", "kde", "concentration", "area_trends",
               "area_year_counts", "hour_weekday", "month_profile", "hour_weekday_by_area", "month_profile_by_area",
               "survey_indicators", "note_themes", "est_summary", "survey_text_themes", "text_topics",
               "event_month_counts", "event_year_counts", "event_trends", "event_breaks", "event_comparison")
# Crime layers: empty in a lägesbild from public events only (no sources.crimes).
CRIME_LAYER_FILES = ("grid", "grid_hotspots", "area_hotspots", "emerging_hotspots", "kde", "concentration",
                     "area_trends", "area_year_counts", "hour_weekday", "month_profile", "hour_weekday_by_area",
                     "month_profile_by_area")
_GEO_LAYERS = ("grid", "grid_hotspots", "area_hotspots", "emerging_hotspots", "kde")


def families_for(run: RunContext, params: Params) -> Families:
    """The problem families of the run: ``sources.crimes.categories`` (relative to the run) or the default."""
    categories = params.sources.crimes.categories if params.sources.crimes else None
    return load_families(run.resolve(categories) if categories else None)


def harm_table(run: RunContext, params: Params) -> pd.DataFrame:
    from pipeline.scoring.harm import check_harm_table, default_harm_table

    if params.harm.table:
        path = run.resolve(params.harm.table)
        if not path.exists():
            raise DataError(f"{params.harm.table}: harm table not found; fix harm.table in params.yaml or set it to null")
        try:
            table = pd.read_csv(path, dtype={"crime_label_prefix": str}, keep_default_na=False, encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(f"{params.harm.table}: harm table is not UTF-8 text (byte {exc.start}); "
                            "save it as UTF-8 CSV") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataError(f"{params.harm.table}: harm table is not a CSV like "
                            f"pipeline/defaults/harm_weights.csv ({exc})") from None
    else:
        table = default_harm_table()
    return check_harm_table(table, families_for(run, params).ids)


def check_config_files(run: RunContext, params: Params) -> None:
    """Read the config files params point to (problem families, harm table): a bad one stops
    the run before any stage, as one line."""
    harm_table(run, params)


# ------------------------------------------------------------------ demo
def demo_data(run: RunContext, params: Params, profile: str = "vasteras") -> str:
    """Write the demo kommun into data/raw; ``profile`` "annan" writes it in another kommun's
    conventions (:mod:`pipeline.demo.profiles`)."""
    from pipeline.demo import build_demo, write_demo
    from pipeline.demo.profiles import other_conventions, write_profile

    data = build_demo(params.kommun, params.demo)
    if profile == "annan":
        written = write_profile(other_conventions(data, params.kommun.name), run.raw)
    else:
        written = write_demo(data, run.raw)
    return f"demo kommun {params.kommun.name}: wrote {len(written)} raw files to {run.display(run.raw)}/"


# ------------------------------------------------------------------ ingest
def check(run: RunContext, params: Params, keep_rows: bool = False, processes: int | None = None):
    """Every problem of the params and the sources at once (nothing written); see :mod:`pipeline.check`.
    ``keep_rows`` (ingest): a streamed crime ingest's spooled rows are kept for ingest to move
    into place; otherwise they are removed. ``processes``: 1 reads every source in this process."""
    from pipeline.check import run_checks
    from pipeline.ingest.stream import discard_spooled

    report = run_checks(run, params, families_for(run, params), processes)
    if not keep_rows:
        discard_spooled(report.sources.results)
    return report


def ingest(run: RunContext, params: Params, processes: int | None = None) -> str:
    """Read every raw source, map it to its core table, quarantine what cannot be used.

    Runs the checks of ``lagesbild check`` first: when any blocks, every blocking problem is
    raised as one line each and nothing is written. The crime export is read in a second process
    beside the other sources (``processes=1``: all in this one). A large crime export is streamed
    (:mod:`pipeline.ingest.stream`): its rows wait in a temporary file, moved into place only
    when every table is valid and removed when anything fails."""
    from pipeline.ingest import police_events, stream
    from pipeline.ingest.quarantine import reconcile

    checked = check(run, params, keep_rows=True, processes=processes)
    results, places = checked.sources.results, checked.sources.places
    try:
        if checked.blocking:
            raise DataError("\n".join(f.line() for f in checked.blocking))
        records = checked.sources.event_records
        coverage = police_events.event_coverage(records)
        national, national_summary = stage_events.national_tables(run, params, records, families_for(run, params))
        quality, reasons, quarantine = reconcile(results)
        core = {table: results[source].table for source, table in SOURCE_TABLE.items() if source in results}
        spooled = {table: frame for table, frame in core.items() if stream.spooled_file(frame)}  # validated by chunk
        core = {table: frame if table in spooled else validate(table, frame)
                for table, frame in core.items()}  # all checked before any write
        validate("quarantine", quarantine)
    except BaseException:
        stream.discard_spooled(results)
        raise

    for table in CORE_TABLES:
        if table in spooled:
            stream.commit_spooled(spooled[table], run.core(table))
        else:
            io.write_frame(core.get(table, _empty_core(table)), run.core(table))
    io.write_frame(places if places is not None else pd.DataFrame(columns=["place_name", "area_id", "x", "y"]),
                   run.core("gazetteer"))
    io.write_frame(coverage, stage_events.coverage_file(run))
    for path, frame in national.items():
        io.write_frame(frame, path)
    io.write_frame(quality, run.ingest_quality)
    io.write_frame(reasons, run.quarantine_reasons)
    io.write_frame(quarantine, run.quarantine_file)
    tot = quality[["rows_read", "accepted", "quarantined"]].sum()
    warned = sum(f.level == "warn" for f in checked.findings)
    other = sum(n for res in results.values() for n in res.out_of_scope.values())
    return (f"ingest: {int(tot.rows_read):,} rows read = {int(tot.accepted):,} accepted + "
            f"{int(tot.quarantined):,} quarantined ({run.display(run.quarantine_file)})"
            + (f"; {other:,} Polisen events of other kommuner left out (other_kommun_events in "
               f"{run.display(run.ingest_quality)})" if other else "") + national_summary
            + (f"; {warned} warnings: run lagesbild check to list them" if warned else ""))


def _empty_core(table: str) -> pd.DataFrame:
    from pipeline.schemas import COLUMNS, CRS

    spec = TABLES[table]
    frame = pd.DataFrame({c: pd.Series(dtype=COLUMNS[c].dtype if COLUMNS[c].dtype is not str else "str")
                          for c in spec.fields})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS)) if spec.geometry else frame


def read_core(run: RunContext, table: str) -> pd.DataFrame:
    return io.read_frame(run.core(table))


# ------------------------------------------------------------------ layers
def layers(run: RunContext, params: Params, gpkg: bool = True, processes: int | None = None) -> str:
    """Grid hotspots, emerging hotspots, KDE, concentration, trends, time patterns, survey
    indicators, note themes and EST summary. ``gpkg=False`` (a national run) leaves out the
    GeoPackage for QGIS; every layer is in the GeoParquet files either way. The crime layers are
    computed in two forked processes (:func:`pipeline.parallel.fork_map`, ``processes``; 1 =
    here, in order) while this one computes the survey, text and event layers: the pieces are
    independent, and the layers are the same either way. The GeoPackage is written by a forked
    process while this one writes the GeoParquet files, after every layer has been validated."""
    from pipeline.layer_pieces import crime_layer_jobs, other_layers, with_cell_geometry
    from pipeline.parallel import fork_map

    areas, incidents, population = (read_core(run, t) for t in ("areas", "incidents", "population"))
    if params.sources.crimes is None:  # a lägesbild from public events only: no crime layers
        crime_jobs = [lambda: {name: _empty_layer(name) for name in CRIME_LAYER_FILES}]
    else:
        crime_jobs = crime_layer_jobs(run, params, areas, incidents, population)
    parts, out = fork_map(crime_jobs, processes, lambda: other_layers(run, params, areas, population))
    for part in parts:
        out.update(with_cell_geometry(part))

    for name in LAYER_FILES:  # everything checked before anything is written
        if name in TABLES:
            out[name] = validate(name, _typed_if_empty(name, out[name]))

    def write_layers() -> None:
        for name in LAYER_FILES + OPTIONAL_LAYER_FILES:
            if name in out:
                io.write_frame(out[name], run.layer(name))
            else:  # switched off: no stale file from an earlier run
                run.layer(name).unlink(missing_ok=True)

    # the GeoPackage for QGIS is written in a second process while this one writes the GeoParquet
    fork_map([lambda: _write_gpkg(out, areas, run.layers_gpkg)] if gpkg else [], processes, write_layers)
    hot, lp = out["grid_hotspots"], params.layers
    n_hot = int(((hot["problem"] == "all") & hot["hotspot_class"].str.startswith("hot")
                 & (hot["gi_q"] <= lp.fdr_alpha)).sum())
    return (f"layers: {len(out['grid']):,} cells of {lp.grid_cell_m:g} m, {n_hot} significant hot cells for all crime "
            f"(FDR {lp.fdr_alpha:g}); trends for {out['area_trends']['area_id'].nunique()} areas")


def _typed_if_empty(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """An empty layer (its source was not supplied) with the schema's dtypes on its columns."""
    from pipeline.schemas import COLUMNS

    if len(frame):
        return frame
    frame = frame.copy()
    for c in TABLES[table].fields:
        dtype = COLUMNS[c].dtype
        frame[c] = pd.Series(dtype="str" if dtype is str else dtype)
    return frame


def _empty_layer(name: str) -> pd.DataFrame:
    """A crime layer with no rows (a run without a police export): the schema's columns where
    the layer has a schema, else problem and area_id; grid layers keep a geometry column."""
    from pipeline.schemas import CRS

    frame = _typed_if_empty(name, pd.DataFrame()) if name in TABLES else pd.DataFrame(
        {"problem": pd.Series(dtype="str"), "area_id": pd.Series(dtype="str")})
    if "area_id" not in frame:
        frame["area_id"] = pd.Series(dtype="str")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS)) if name in _GEO_LAYERS else frame


def _write_gpkg(out: dict, areas: gpd.GeoDataFrame, path: Path) -> None:
    from pipeline.geo.gpkg import write_layers_gpkg

    def only(name: str, problem: str) -> gpd.GeoDataFrame:
        frame = out[name]
        return frame[frame["problem"] == problem].reset_index(drop=True)

    # one layer per kind for all crime (QGIS shows one problem at a time); every family is in
    # the GeoParquet files under data/processed/layers/
    write_layers_gpkg({"stadsdelar": areas, "hotspots_stadsdelar": only("area_hotspots", "all"),
                       "hotspots_gi": only("grid_hotspots", "all"), "hotspots_gi_skadeviktat": only("grid_hotspots", "harm"),
                       "emerging_hotspots": only("emerging_hotspots", "all"), "kde": only("kde", "all")},
                      path)


def read_layer(run: RunContext, name: str, geometry: bool = True) -> pd.DataFrame:
    return io.read_frame(run.layer(name), geometry=geometry)


# ------------------------------------------------------------------ evidence and score
def evidence(run: RunContext, params: Params) -> str:
    from pipeline.scoring.evidence import build_evidence

    # no layer's geometry is used here: not decoding it saves ~1 s (the grid layers' WKB)
    ev = build_evidence(*(read_layer(run, name, geometry=False)
                          for name in ("area_trends", "grid_hotspots", "emerging_hotspots", "survey_indicators",
                                       "note_themes", "est_summary")),
                        read_core(run, "areas"), families_for(run, params), event_trends=read_layer(run, "event_trends"),
                        event_year_counts=read_layer(run, "event_year_counts"), year=params.kommun.year,
                        event_comparison=read_layer(run, "event_comparison"))
    io.write_frame(ev, run.core("evidence"))
    return f"evidence: {len(ev):,} (area, problem) rows from {ev['area_id'].nunique()} areas"


def score(run: RunContext, params: Params, excel: bool = True) -> str:
    """Rank the problembilder: problembilder.csv, its Excel table problembilder.xlsx (not with
    ``excel=False``, a national run, which leaves out every Excel table of a kommun: the
    overview has its own), sensitivity.csv and prioritisation_matrix.csv."""
    from pipeline.scoring.explain import add_explanations
    from pipeline.scoring.matrix import prioritisation_matrix
    from pipeline.scoring.rank import BootstrapInputs, note_problems, rank_problems
    from pipeline.stats.survey import respondent_flags

    fams, sp, year = families_for(run, params), params.scoring, params.kommun.year
    ev = io.read_frame(run.core("evidence"))
    responses = read_core(run, "survey_responses")
    boot = BootstrapInputs(year=year, crime_counts=read_layer(run, "area_year_counts"),
                           survey_flags=respondent_flags(responses) if len(responses) else None,
                           note_problems=note_problems(read_core(run, "notes")))
    ranked, sensitivity = rank_problems(ev, dict(sp.weights), fams, boot, sp.bootstrap_draws, sp.seed,
                                        top_n=params.report.top_n)
    ranked = add_explanations(ranked, fams, year, params.report.top_n)
    matrix = prioritisation_matrix(ranked, params.report.top_n)
    ranked = validate("problembilder", ranked)
    io.write_frame(ranked, run.processed / "problembilder.csv")
    if excel:
        io.write_frame(ranked, run.processed / "problembilder.xlsx")
    else:  # switched off: no stale workbook from an earlier run
        (run.processed / "problembilder.xlsx").unlink(missing_ok=True)
    io.write_frame(sensitivity, run.processed / "sensitivity.csv")
    io.write_frame(matrix, run.processed / "prioritisation_matrix.csv")
    top = ranked.iloc[0] if len(ranked) else None
    head = f"; top: {top['problem_label']} i {top['area']} (score {top['score']:.2f})" if top is not None else ""
    return f"score: {len(ranked):,} problembilder ranked, {sp.bootstrap_draws} bootstrap draws{head}"


# ------------------------------------------------------------------ notebooks
def notebook(run: RunContext, params: Params, name: str | None = None, overrides: dict | None = None) -> str:
    """Execute one notebook (or, without a name, all of them) with papermill and render HTML.

    Defaults come from params.yaml (year, the `notebook:` section) and the run directory; only the
    parameters a notebook declares are passed, and an unknown ``-p`` key is an error. A notebook
    whose source, parameters, loaded tables and code are unchanged since its last execution is
    not executed again (:func:`pipeline.notebooks.run_notebook_if_changed`).
    """
    from pipeline.explore import BUNDLE_TABLES
    from pipeline.loader import input_files
    from pipeline.notebooks import code_digest, declared_parameters, kernel_chatter_to, run_notebook_if_changed

    defaults = {"year": params.kommun.year, "area": params.notebook.area, "problem": params.notebook.problem,
                "root": str(run.root)}
    jobs = []
    for nb in [name] if name else NOTEBOOK_NAMES:
        source = run.notebook_source(nb)  # the run's own, else the project's (DataError if neither)
        declared = declared_parameters(source, run.executed_notebooks)
        bad = set(overrides or {}) - declared
        if bad:
            raise DataError(f"notebook {nb} has no parameter {', '.join(sorted(bad))}; "
                            f"choose one of: {', '.join(sorted(declared))}")
        jobs.append((source, {k: v for k, v in defaults.items() if k in declared} | (overrides or {}), declared))
    out = run.executed_notebooks
    # every table a notebook can load through explore.load_bundle: a change in any reruns it. Only
    # the notebooks that read through it are kept while unchanged; any other (e.g. follow_up, which
    # reads the registry) is always executed
    inputs, code = input_files(run, params, BUNDLE_TABLES), code_digest()
    # each notebook runs in its own kernel process: two at a time use both cores
    with kernel_chatter_to(out / "kernels.log"), ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: run_notebook_if_changed(
            job[0], out, job[1], inputs if job[0].stem in NOTEBOOK_NAMES else None, cwd=run.root, code=code,
            declared=job[2]), jobs))
    executed = [run.display(p) for p, ran in done if ran]
    kept = [run.display(p) for p, ran in done if not ran]
    return "notebook: " + "; ".join(
        part for part in (f"{len(executed)} executed → {', '.join(executed)}" if executed else "",
                          f"{len(kept)} up to date (same notebook, parameters, tables and code) → {', '.join(kept)}"
                          if kept else "") if part)
