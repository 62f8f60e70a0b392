"""Read and ingest every source of a run without stopping at the first problem.

Shell module (it finds and reads files): ``lagesbild check`` and ``lagesbild ingest`` both call
:func:`ingest_sources`, so ingest runs exactly the checks that check prints. A source whose
files cannot be read or mapped ends in ``problems`` (one line each) instead of raising, and
the other sources are still read, so every problem is listed at once.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import pandas as pd

from pipeline import io
from pipeline.context import RunContext
from pipeline.errors import DataError
from pipeline.ingest.common import IngestResult, default_aliases, map_columns
from pipeline.ingest.quarantine import with_reader_quarantine

# the order sources are ingested in; every later source needs the areas
SOURCES = ("areas", "population", "crimes", "police_events", "survey", "gazetteer", "notes", "est")
# crimes too: a lägesbild from Polisen's public events only has no crime export
OPTIONAL = ("crimes", "police_events", "survey", "gazetteer", "notes", "est")


@dataclass
class SourcesRun:
    """What reading every source gave: results, the raw frames read, problems and absences."""

    results: dict[str, IngestResult] = field(default_factory=dict)
    frames: dict[str, list[tuple[str, pd.DataFrame]]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (source, one-line message)
    absent: dict[str, str] = field(default_factory=dict)  # optional source → why it is not there
    places: pd.DataFrame | None = None
    event_records: list = field(default_factory=list)  # Polisen's events as read, for the national tables


def _files(run: RunContext, source: str, cfg) -> list:
    found = run.expand(cfg.patterns)
    if not found and cfg.required:
        raise DataError(f"sources.{source}: no file matches {cfg.patterns}; put the export in data/raw/, fix "
                        f"sources.{source}.path" + (", or remove the block (or set required: false) if you have none"
                                                    if source in OPTIONAL else ""))
    return found


def _tables(run: RunContext, paths, cfg, source: str) -> list[tuple[str, pd.DataFrame]]:
    return [(run.display(p), io.read_raw_table(p, encoding=cfg.encoding, sep=cfg.sep, sheet=cfg.sheet,
                                               header_row=cfg.header_row, source=source)) for p in paths]


def unrecognised_columns(frames: list[tuple[str, pd.DataFrame]], source: str, cfg) -> dict[str, list[str]]:
    """{file: headers that map to no field of ``source`` and are not in ``cfg.ignore_columns``}."""
    fields = list(default_aliases(source))
    ignored = set(getattr(cfg, "ignore_columns", None) or [])
    out = {}
    for file, frame in frames:
        mapped = set(map_columns(frame, source, cfg, [], fields, file).attrs["column_map"].values())
        rest = [c for c in frame.columns if c not in mapped and c not in ignored and not str(c).startswith("Unnamed")]
        if rest:
            out[file] = rest
    return out


def ingest_sources(run: RunContext, params, families, processes: int | None = None) -> SourcesRun:
    """Ingest every configured source; collect problems instead of stopping at the first one.
    The crime export is read in a forked process beside the other sources
    (:func:`pipeline.parallel.fork_map`; ``processes=1``: all here, in order); the result is the
    same either way."""
    from pipeline.parallel import fork_map, idle_work
    from pipeline.ingest import areas as ing_areas, crimes, police_events, population, survey
    from pipeline.ingest import est as ing_est, notes as ing_notes, stream

    src, kommun = params.sources, params.kommun
    out = SourcesRun()

    def attempt(source: str, step):
        try:
            return step()
        except DataError as exc:
            out.problems += [(source, line) for line in str(exc).splitlines() if line.strip()]
            return None

    def tabular(source: str, ingest_source, *args):
        cfg = getattr(src, source)
        frames = _tables(run, _files(run, source, cfg), cfg, source)
        out.frames[source] = frames
        return with_reader_quarantine(ingest_source(frames, *args), frames, source)

    def present(source: str) -> bool:
        cfg = getattr(src, source)
        if cfg is None:
            out.absent[source] = "not configured"
            return False
        if not cfg.required and not run.expand(cfg.patterns):
            out.absent[source] = f"no file matches {cfg.patterns}"
            return False
        return True

    def events():
        out.event_records = police_events.read_police_event_files(_files(run, "police_events", src.police_events),
                                                                  name=run.display)
        return out.event_records

    def streamed_crimes():  # a large export: in chunks, its rows spooled beside incidents.parquet
        headers = []
        named = [(run.display(p), p) for p in _files(run, "crimes", src.crimes)]
        try:
            return stream.ingest_crimes_streamed(named, areas, src.crimes, kommun, families,
                                                 run.core("incidents"), headers=headers)
        finally:
            out.frames["crimes"] = headers

    def areas_step():
        layers = [(run.display(p), io.read_raw_layer(p)) for p in _files(run, "areas", src.areas)]
        return ing_areas.ingest_areas(layers, src.areas, kommun)

    res = attempt("areas", areas_step)
    if res is None:
        for source in SOURCES[1:]:
            if getattr(src, source) is not None:
                out.problems.append((source, f"sources.{source}: not checked further until the areas can be read"))
        return out
    out.results["areas"] = res
    areas = res.table
    steps = {
        "population": lambda: tabular("population", population.ingest_population, areas, src.population),
        "crimes": lambda: streamed_crimes() if stream.should_stream(_files(run, "crimes", src.crimes)) else
        tabular("crimes", crimes.ingest_crimes, areas, src.crimes, kommun, families),
        "police_events": lambda: police_events.ingest_police_events(events(), kommun, families, src.police_events),
        "survey": lambda: tabular("survey", survey.ingest_survey, areas, src.survey, kommun),
        "gazetteer": lambda: tabular("gazetteer", ing_est.ingest_gazetteer, areas, src.gazetteer),
    }

    def recorded(source: str, step):  # the result with what attempt and tabular recorded (from a child too)
        before = len(out.problems)
        res, problems = attempt(source, step), out.problems[before:]
        del out.problems[before:]
        frames = out.frames.pop(source, None)
        # only the headers come back: the check reads nothing else of them (unrecognised_columns),
        # as of a streamed export; the rows would be pickled both ways (10 MB, 0.3 s on the demo)
        return res, problems, None if frames is None else [(name, frame.iloc[:0]) for name, frame in frames]

    def read_beside() -> bool:  # a streamed export stays here: its rows are spooled to a file as they come
        try:
            return present("crimes") and not stream.should_stream(_files(run, "crimes", src.crimes))
        except DataError:  # no file: attempt() reports it, in order
            return False

    # the crime export, most of the work, is read in a forked child while this process reads the
    # other sources
    beside = "crimes" if src.crimes is not None and read_beside() else None

    def notes_step():
        frames = ing_notes.read_note_files(_files(run, "notes", src.notes), src.notes, name=run.display)
        out.frames["notes"] = frames
        return with_reader_quarantine(ing_notes.ingest_notes(frames, areas, out.places, src.notes, families),
                                      frames, "notes")

    steps |= {"notes": notes_step,  # after the gazetteer: both place their rows by its names
              "est": lambda: tabular("est", ing_est.ingest_est, areas, out.places, src.est, families)}

    def rest():
        for source, step in steps.items():
            if source == beside:
                continue
            if source == "notes":
                out.places = out.results["gazetteer"].table if "gazetteer" in out.results else None
            if source in OPTIONAL and not present(source):
                continue
            res = attempt(source, step)
            if res is not None:
                out.results[source] = res

    jobs = [lambda: recorded(beside, steps[beside])] if beside else []
    # should this process wait for the crime export's child, it imports meanwhile what the ingest
    # stage needs next (its national tables: scipy.stats and statsmodels, about 1 s of imports
    # that otherwise ran after the child, with a core idle)
    with idle_work(lambda: importlib.import_module("pipeline.stats.comparison")):
        done, _ = fork_map(jobs, processes, rest)
    for res, problems, frames in done:
        out.problems += problems
        if frames is not None:
            out.frames[beside] = frames
        if res is not None:
            out.results[beside] = res
    out.results = {source: out.results[source] for source in SOURCES if source in out.results}
    out.problems.sort(key=lambda problem: SOURCES.index(problem[0]))  # in source order (a stable sort)
    return out
