"""Shell of Polisen's events as a source (called by pipeline/stages.py): the kommun register and
national counts written at ingest, the event layers and the comparison with other kommuner
computed at layers. Every path comes from the run context."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import io
from pipeline.config import Params
from pipeline.context import RunContext
from pipeline.errors import DataError


def coverage_file(run: RunContext) -> Path:
    """The time span of each event file (written by ingest)."""
    return run.processed / "police_events_coverage.csv"


def event_coverage_span(run: RunContext, params: Params):
    """(first, last) event time the event files cover: from ``comparison.coverage`` when a national
    run gives the whole archive's span (a kommun's partition starts at its own first event), else
    from the files ingest read; None without event files."""
    from pipeline.ingest.police_events import coverage_span

    if not params.sources.police_events:
        return None
    path = run.resolve(params.comparison.coverage) if params.comparison.coverage else coverage_file(run)
    return coverage_span(io.read_frame(path))


def register_file(run: RunContext) -> Path:
    """The typed kommun register of the comparison (empty without one)."""
    return run.core("kommuner")


def national_counts_file(run: RunContext) -> Path:
    """Every kommun's monthly crime-event counts (empty without a comparison)."""
    return run.core("national_event_month_counts")


def comparison_configured(params: Params) -> bool:
    c = params.comparison
    return bool(c.kommuner and c.population and params.sources.police_events)


def national_tables(run: RunContext, params: Params, records, families) -> tuple[dict[Path, pd.DataFrame], str]:
    """With ``comparison:`` set: the typed kommun register and every kommun's monthly crime-event
    counts from the same event files, by the path they are written to (beside the core tables;
    empty tables without a comparison), and a summary."""
    from pipeline.ingest.kommuner import kommun_register
    from pipeline.ingest.police_events import national_events
    from pipeline.stats.comparison import kommun_types, national_month_counts

    if not comparison_configured(params):  # empty tables: no comparison, and no stale one
        return {register_file(run): pd.DataFrame(columns=["kommun_code", "kommun_name", "lan_code", "population",
                                                          "area_km2"]),
                national_counts_file(run): pd.DataFrame(columns=["kommun_code", "problem", "month", "n_events"])}, ""
    c = params.comparison
    for path in (c.kommuner, c.population):
        if not run.resolve(path).exists():
            raise DataError(f"{path}: not found; fix comparison.kommuner / comparison.population in params.yaml")
    if c.typed_register:  # prepared once for the whole country by a national run
        register = io.read_frame(run.resolve(c.typed_register))
    else:
        register = kommun_types(kommun_register(io.read_raw_layer(run.resolve(c.kommuner)),
                                                io.read_raw_table(run.resolve(c.population)), c.kommuner, c.population))
    if params.kommun.code not in set(register["kommun_code"]):
        raise DataError(f"{c.kommuner}: kommun {params.kommun.code} is not in the register; check kommun.code")
    if c.counts:  # precomputed for the whole country (a national run reads only its kommun's events)
        counts = io.read_frame(run.resolve(c.counts))
        return ({register_file(run): register, national_counts_file(run): counts},
                f"; {counts['kommun_code'].nunique()} kommuner's event counts read for the comparison")
    events = national_events(records, register, families)
    counts = national_month_counts(events)
    return ({register_file(run): register, national_counts_file(run): counts},
            f"; {events['kommun_code'].nunique()} kommuner's events counted for the comparison")


def event_layers(run: RunContext, params: Params, population: pd.DataFrame, events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Monthly and yearly series, trends and breaks of the kommun's events, and (with a register)
    the comparison with its län, similar kommuner and the country."""
    from pipeline.stats.comparison import COMPARISON_COLUMNS, event_comparison
    from pipeline.stats.event_series import build_event_layers
    from pipeline.stats.source_breaks import load_declared_breaks
    from pipeline.stats.trends import population_totals

    k, cfg = params.kommun, params.sources.police_events
    coverage = event_coverage_span(run, params)
    pop = population_totals(population).groupby("year", as_index=False)["population"].sum()
    declared = load_declared_breaks(run.resolve(cfg.breaks) if cfg and cfg.breaks else None)
    out = build_event_layers(events, pop, coverage, k.code, k.first_year, k.year, declared,
                             params.layers.significance)
    out["event_comparison"] = pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    register = io.read_frame(register_file(run)) if register_file(run).exists() else pd.DataFrame()
    if coverage is not None and len(register) and national_counts_file(run).exists():
        from pipeline.defaults import lan as lan_table
        from pipeline.stats.source_breaks import SourceBreak

        lan = lan_table()
        b = out["event_breaks"]
        breaks = [SourceBreak(r.id, "police_events", pd.Timestamp(r.start), r.label_sv, r.origin, r.evidence)
                  for r in b.itertuples()]
        problems = sorted(set(out["event_month_counts"]["problem"])) or None
        out["event_comparison"] = event_comparison(k.code, register, io.read_frame(national_counts_file(run)),
                                                   coverage, k.first_year, k.year, breaks,
                                                   dict(zip(lan["lan_code"], lan["lan_name"])),
                                                   params.layers.significance, problems)
    return out
