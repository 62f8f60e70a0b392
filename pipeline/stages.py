"""The pipeline's stages, each read as load → compute → validate → save.

This module and :mod:`pipeline.io` are the shell: they know paths; everything they call is a
pure function over frames. Every stage returns a one-line summary for the CLI to print.
Paths are relative to the run directory (the one holding params.yaml).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline import io
from pipeline.config import Params
from pipeline.errors import DataError
from pipeline.problems import Families, load_families
from pipeline.schemas import TABLES, validate

PROCESSED = Path("data/processed")
LAYERS = PROCESSED / "layers"
QUARANTINE = PROCESSED / "quarantine"
REPORTS = Path("reports")
NOTEBOOKS = Path("notebooks")

OPTIONAL_LAYER_FILES = ("survey_problem_index",)  # only when params ask for them
# Source (params.yaml `sources:`) → the core table its rows go to.
SOURCE_TABLE = {"areas": "areas", "population": "population", "crimes": "incidents", "police_events": "police_events",
                "survey": "survey_responses", "notes": "notes", "est": "est_reports"}
# Files each stage writes (dvc.yaml lists the same; tests check that they agree).
CORE_TABLES = ("areas", "population", "incidents", "police_events", "survey_responses", "notes", "est_reports")
LAYER_FILES = ("grid", "grid_hotspots", "area_hotspots", "emerging_hotspots", "kde", "concentration", "area_trends",
               "area_year_counts", "hour_weekday", "month_profile", "hour_weekday_by_area", "month_profile_by_area",
               "survey_indicators", "note_themes", "est_summary", "survey_text_themes", "text_topics")


def families_for(params: Params) -> Families:
    return load_families(params.sources.crimes.categories)


def harm_table(params: Params) -> pd.DataFrame:
    from pipeline.scoring.harm import check_harm_table, default_harm_table

    if params.harm.table:
        path = Path(params.harm.table)
        if not path.exists():
            raise DataError(f"{path}: harm table not found; fix harm.table in params.yaml or set it to null")
        table = pd.read_csv(path, dtype={"crime_label_prefix": str}, keep_default_na=False)
    else:
        table = default_harm_table()
    return check_harm_table(table, families_for(params).ids)


# ------------------------------------------------------------------ demo
def demo_data(params: Params) -> str:
    from pipeline.demo import build_demo, write_demo

    data = build_demo(params.kommun, params.demo)
    written = write_demo(data, Path("data/raw"))
    return f"demo kommun {params.kommun.name}: wrote {len(written)} raw files to data/raw/"


# ------------------------------------------------------------------ ingest
def _files(source: str, params: Params) -> list[Path]:
    cfg = getattr(params.sources, source)
    if cfg is None:
        return []
    found = io.expand(cfg.patterns)
    if not found and cfg.required:
        raise DataError(f"sources.{source}: no file matches {cfg.patterns}; put the export in data/raw/ "
                        f"or fix sources.{source}.path in params.yaml")
    return found


def _tables(paths: list[Path], cfg) -> list[tuple[str, pd.DataFrame]]:
    return [(str(p), io.read_raw_table(p, encoding=cfg.encoding, sep=cfg.sep, sheet=cfg.sheet)) for p in paths]


def ingest(params: Params) -> str:
    """Read every raw source, map it to its core table, quarantine what cannot be used."""
    from pipeline.ingest import areas as ing_areas, crimes, police_events, population, survey
    from pipeline.ingest import est as ing_est, notes as ing_notes
    from pipeline.ingest.common import reconcile

    src, kommun, fams = params.sources, params.kommun, families_for(params)
    results = {}  # keyed by source name (as in params.yaml and the quarantine)
    layers = [(str(p), io.read_raw_layer(p)) for p in _files("areas", params)]
    results["areas"] = ing_areas.ingest_areas(layers, src.areas, kommun)
    areas = results["areas"].table
    results["population"] = population.ingest_population(_tables(_files("population", params), src.population),
                                                         areas, src.population)
    results["crimes"] = crimes.ingest_crimes(_tables(_files("crimes", params), src.crimes), areas, src.crimes,
                                             kommun, fams)
    if src.police_events:
        records = police_events.read_police_event_files(_files("police_events", params))
        results["police_events"] = police_events.ingest_police_events(records, kommun, fams)
    if src.survey:
        results["survey"] = survey.ingest_survey(_tables(_files("survey", params), src.survey), areas, src.survey,
                                                 kommun)
    places = None
    if src.gazetteer:
        results["gazetteer"] = ing_est.ingest_gazetteer(_tables(_files("gazetteer", params), src.gazetteer), areas,
                                                        src.gazetteer)
        places = results["gazetteer"].table
    if src.notes:
        frames = ing_notes.read_note_files(_files("notes", params), src.notes)
        results["notes"] = ing_notes.ingest_notes(frames, areas, places, src.notes, fams)
    if src.est:
        results["est"] = ing_est.ingest_est(_tables(_files("est", params), src.est), areas, places, src.est, fams)

    quality, reasons, quarantine = reconcile(results)
    tables = {table: results[source].table for source, table in SOURCE_TABLE.items() if source in results}
    tables = {table: validate(table, frame) for table, frame in tables.items()}  # all checked before any write
    validate("quarantine", quarantine)

    for table in CORE_TABLES:
        io.write_frame(tables.get(table, _empty_core(table)), PROCESSED / f"{table}.parquet")
    io.write_frame(places if places is not None else pd.DataFrame(columns=["place_name", "area_id", "x", "y"]),
                   PROCESSED / "gazetteer.parquet")
    io.write_frame(quality, PROCESSED / "ingest_quality.csv")
    io.write_frame(reasons, PROCESSED / "quarantine_reasons.csv")
    io.write_frame(quarantine, QUARANTINE / "quarantine.csv")
    tot = quality[["rows_read", "accepted", "quarantined"]].sum()
    return (f"ingest: {int(tot.rows_read):,} rows read = {int(tot.accepted):,} accepted + "
            f"{int(tot.quarantined):,} quarantined (data/processed/quarantine/quarantine.csv)")


def _empty_core(table: str) -> pd.DataFrame:
    from pipeline.schemas import COLUMNS, CRS

    spec = TABLES[table]
    frame = pd.DataFrame({c: pd.Series(dtype=COLUMNS[c].dtype if COLUMNS[c].dtype is not str else "str")
                          for c in spec.fields})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS)) if spec.geometry else frame


def read_core(table: str) -> pd.DataFrame:
    return io.read_frame(PROCESSED / f"{table}.parquet")


# ------------------------------------------------------------------ layers
def layers(params: Params) -> str:
    """Grid hotspots, emerging hotspots, KDE, concentration, trends, time patterns, survey
    indicators, note themes and EST summary."""
    from pipeline.geo.emerging import build_emerging_layer
    from pipeline.geo.layers import area_hotspots, build_hotspot_layers, grid_weights
    from pipeline.scoring.harm import harm_days
    from pipeline.stats.survey import problem_index, survey_indicators
    from pipeline.stats.time_patterns import time_patterns
    from pipeline.stats.trends import area_trends
    from pipeline.text.themes import est_summary, note_themes, survey_text_themes, text_topics

    k, lp = params.kommun, params.layers
    areas, incidents, population = read_core("areas"), read_core("incidents"), read_core("population")
    harm = harm_days(incidents["problem"], incidents["crime_label"], harm_table(params))

    out = build_hotspot_layers(incidents, areas, harm, lp, k.year, seed=lp.permutation_seed)
    out["area_hotspots"] = area_hotspots(incidents, areas, harm, lp, k.year)
    grid = out["grid"]
    out["emerging_hotspots"] = build_emerging_layer(incidents, grid, grid_weights(grid, lp), lp, k.first_year, k.year)
    out["area_trends"], out["area_year_counts"] = area_trends(incidents, population, year=k.year,
                                                              first_year=k.first_year, alpha=lp.significance,
                                                              harm=harm)
    out.update(time_patterns(incidents, k.year))
    out.update({f"{name}_by_area": frame for name, frame in time_patterns(incidents, k.year, by_area=True).items()})
    responses, notes, est = read_core("survey_responses"), read_core("notes"), read_core("est_reports")
    fams = families_for(params)
    out["survey_indicators"] = survey_indicators(responses, population, params.survey.min_n,
                                                 weighted=params.survey.weighted, areas=areas)
    out["survey_text_themes"] = survey_text_themes(responses, fams)
    if params.survey.problem_index:
        out["survey_problem_index"] = problem_index(responses, params.survey.min_n, params.survey.index_points)
    out["note_themes"] = note_themes(notes, fams)
    out["est_summary"] = est_summary(est)
    out["text_topics"] = text_topics(notes, est, responses, params.text.n_topics, params.text.seed)

    for name in LAYER_FILES:  # everything checked before anything is written
        if name in TABLES:
            out[name] = validate(name, out[name])
    for name in LAYER_FILES + OPTIONAL_LAYER_FILES:
        if name in out:
            io.write_frame(out[name], LAYERS / f"{name}.parquet")
        else:  # switched off: no stale file from an earlier run
            (LAYERS / f"{name}.parquet").unlink(missing_ok=True)
    _write_gpkg(out, areas)
    hot = out["grid_hotspots"]
    n_hot = int(((hot["problem"] == "all") & hot["hotspot_class"].str.startswith("hot")).sum())
    return (f"layers: {len(grid):,} cells of {lp.grid_cell_m:g} m, {n_hot} significant hot cells for all crime "
            f"(FDR {lp.fdr_alpha:g}); trends for {out['area_trends']['area_id'].nunique()} areas")


def _write_gpkg(out: dict, areas: gpd.GeoDataFrame) -> None:
    from pipeline.geo.gpkg import write_layers_gpkg

    def only(name: str, problem: str) -> gpd.GeoDataFrame:
        frame = out[name]
        return frame[frame["problem"] == problem].reset_index(drop=True)

    # one layer per kind for all crime (QGIS shows one problem at a time); every family is in
    # the GeoParquet files under data/processed/layers/
    write_layers_gpkg({"stadsdelar": areas, "hotspots_stadsdelar": only("area_hotspots", "all"),
                       "hotspots_gi": only("grid_hotspots", "all"), "hotspots_gi_skadeviktat": only("grid_hotspots", "harm"),
                       "emerging_hotspots": only("emerging_hotspots", "all"), "kde": only("kde", "all")},
                      PROCESSED / "layers.gpkg")


def read_layer(name: str) -> pd.DataFrame:
    return io.read_frame(LAYERS / f"{name}.parquet")


# ------------------------------------------------------------------ evidence and score
def evidence(params: Params) -> str:
    from pipeline.scoring.evidence import build_evidence

    ev = build_evidence(read_layer("area_trends"), read_layer("grid_hotspots"), read_layer("emerging_hotspots"),
                        read_layer("survey_indicators"), read_layer("note_themes"), read_layer("est_summary"),
                        read_core("areas"), families_for(params))
    io.write_frame(ev, PROCESSED / "evidence.parquet")
    return f"evidence: {len(ev):,} (area, problem) rows from {ev['area_id'].nunique()} areas"


def score(params: Params) -> str:
    from pipeline.scoring.explain import add_explanations
    from pipeline.scoring.matrix import prioritisation_matrix
    from pipeline.scoring.rank import BootstrapInputs, note_problems, rank_problems
    from pipeline.stats.survey import respondent_flags

    fams, sp, year = families_for(params), params.scoring, params.kommun.year
    ev = io.read_frame(PROCESSED / "evidence.parquet")
    responses = read_core("survey_responses")
    boot = BootstrapInputs(year=year, crime_counts=read_layer("area_year_counts"),
                           survey_flags=respondent_flags(responses) if len(responses) else None,
                           note_problems=note_problems(read_core("notes")))
    ranked, sensitivity = rank_problems(ev, dict(sp.weights), fams, boot, sp.bootstrap_draws, sp.seed,
                                        top_n=params.report.top_n)
    ranked = add_explanations(ranked, fams, year, params.report.top_n)
    matrix = prioritisation_matrix(ranked, params.report.top_n)
    ranked = validate("problembilder", ranked)
    io.write_frame(ranked, PROCESSED / "problembilder.csv")
    io.write_frame(ranked, PROCESSED / "problembilder.xlsx")
    io.write_frame(sensitivity, PROCESSED / "sensitivity.csv")
    io.write_frame(matrix, PROCESSED / "prioritisation_matrix.csv")
    top = ranked.iloc[0] if len(ranked) else None
    head = f"; top: {top['problem_label']} i {top['area']} (score {top['score']:.2f})" if top is not None else ""
    return f"score: {len(ranked):,} problembilder ranked, {sp.bootstrap_draws} bootstrap draws{head}"


# ------------------------------------------------------------------ report
def report_inputs(params: Params, generated_on: dt.date | None = None):
    from pipeline.report.inputs import ReportInputs
    from pipeline.report.render import read_analyst_texts

    quality = io.read_frame(PROCESSED / "ingest_quality.csv")
    reasons = io.read_frame(PROCESSED / "quarantine_reasons.csv")
    from pipeline.ingest.police_events import event_type_summary

    events = read_core("police_events")
    return ReportInputs(
        kommun=params.kommun, report=params.report, privacy=params.privacy, areas=read_core("areas"),
        area_trends=read_layer("area_trends"), area_year_counts=read_layer("area_year_counts"),
        grid_hotspots=read_layer("grid_hotspots"), emerging_hotspots=read_layer("emerging_hotspots"),
        kde=read_layer("kde"), concentration=read_layer("concentration"),
        hour_weekday=read_layer("hour_weekday"), month_profile=read_layer("month_profile"),
        survey_indicators=read_layer("survey_indicators"), note_themes=read_layer("note_themes"),
        est_summary=read_layer("est_summary"), problembilder=io.read_frame(PROCESSED / "problembilder.csv"),
        sensitivity=io.read_frame(PROCESSED / "sensitivity.csv"),
        matrix=io.read_frame(PROCESSED / "prioritisation_matrix.csv"),
        quality=quality, quarantine_reasons=reasons, families=families_for(params),
        analyst_texts=read_analyst_texts(REPORTS / "text"),
        police_events_summary=event_type_summary(events) if len(events) else None,
        survey_text_themes=read_layer("survey_text_themes"), text_topics=read_layer("text_topics"),
        survey_problem_index=(read_layer("survey_problem_index") if (LAYERS / "survey_problem_index.parquet").exists()
                              else None),
        generated_on=generated_on or dt.date.today(),
    )


def report(params: Params) -> str:
    from pipeline.report.public import make_public_inputs
    from pipeline.report.render import render_pdf
    from pipeline.report.svg import FigureCache
    from pipeline.report.tables import excel_tables

    inputs = report_inputs(params)
    public_inputs = make_public_inputs(inputs, params.privacy)
    year = params.kommun.year
    figures = FigureCache()  # the public version reuses the figures suppression left unchanged
    internal = render_pdf(inputs, REPORTS / f"lagesbild-{year}.pdf", figures)
    public = render_pdf(public_inputs, REPORTS / f"lagesbild-{year}-publik.pdf", figures)
    # the internal tables hold quotes, named places and small counts; the public ones do not
    for version, source in (("intern", inputs), ("publik", public_inputs)):
        tables = excel_tables(source)
        with io.atomic_path(REPORTS / f"lagesbild-{year}-tabeller-{version}.xlsx") as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                for sheet, frame in tables.items():
                    frame.to_excel(xl, sheet_name=sheet[:31], index=False)
    return f"report: {internal}, {public} and {len(tables)} Excel sheets each, internal and public"


# ------------------------------------------------------------------ notebooks
NOTEBOOK_NAMES = ("annual_overview", "area_deep_dive", "exploration_starter")


def notebook(params: Params, name: str | None = None, overrides: dict | None = None) -> str:
    """Execute one notebook (or, without a name, all of them) with papermill and render HTML.

    Defaults come from params.yaml (year, the `notebook:` section, the run directory); only the
    parameters a notebook declares are passed, and an unknown ``-p`` key is an error.
    """
    import papermill as pm

    from pipeline.notebooks import kernel_chatter_to, run_notebook

    defaults = {"year": params.kommun.year, "area": params.notebook.area, "problem": params.notebook.problem,
                "root": str(Path.cwd())}
    jobs = []
    for nb in [name] if name else NOTEBOOK_NAMES:
        source = NOTEBOOKS / f"{nb}.ipynb"
        declared = set(pm.inspect_notebook(str(source))) if source.exists() else set()
        bad = set(overrides or {}) - declared
        if source.exists() and bad:
            raise DataError(f"notebook {nb} has no parameter {', '.join(sorted(bad))}; "
                            f"choose one of: {', '.join(sorted(declared))}")
        jobs.append((source, {k: v for k, v in defaults.items() if k in declared} | (overrides or {})))
    # each notebook runs in its own kernel process: two at a time use both cores
    with kernel_chatter_to(REPORTS / "notebooks" / "kernels.log"), ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: run_notebook(job[0], REPORTS / "notebooks", job[1]), jobs))
    return f"notebook: {len(done)} executed → {', '.join(str(p) for p in done)}"
