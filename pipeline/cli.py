"""The ``lagesbild`` command: one subcommand per pipeline stage, ``run`` for all of them.

Bad input ends with one line on stderr naming the file, row or column and the fix, and exit
code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time

from rich.console import Console
from rich.markup import escape  # messages quote the user's labels and files: never read as markup

from pipeline import stages
from pipeline.cycle import cli as cycle_cli
from pipeline.config import load_params
from pipeline.context import RunContext
from pipeline.errors import DataError
from pipeline.parallel import sparse_collections

console = Console(stderr=True, highlight=False)

# Stage order of `lagesbild run`; each name is a subcommand and a dvc.yaml stage.
PIPELINE = ("ingest", "layers", "evidence", "score", "evaluate", "report", "notebook")
STAGES = {"demo-data": stages.demo_data, "ingest": stages.ingest, "layers": stages.layers,
          "evidence": stages.evidence, "score": stages.score, "evaluate": cycle_cli.evaluate_stage,
          "report": stages.report}
HELP = {
    "demo-data": "write the synthetic demo kommun (Västerås) into data/raw/",
    "ingest": "read raw exports into core tables; quarantine unusable rows with a reason",
    "layers": "hotspots (Gi*, FDR), emerging hotspots, KDE, trends, time patterns, survey and note indicators",
    "evidence": "join all sources into one table keyed by area and problem family",
    "score": "rank problembilder with component scores, rank intervals and sensitivity",
    "evaluate": cycle_cli.HELP["evaluate"],
    "report": "render the lägesbild PDF (internal and public) and the Excel tables",
    "notebook": "execute a parameterised notebook with papermill and render it to HTML",
    "run": "run every stage from ingest to notebook",
    "fetch": "add the latest events from Polisen's open API to a local archive (polisen)",
    "national": "the lägesbild of every kommun (or --kommuner), fanned out with Dask, and a national overview",
    "check": "validate params and every source in one pass; list every problem with its fix (writes nothing)",
    "init": "inspect the exports in data/raw and write a commented params.yaml for a kommun and year",
    "national-data": "write the synthetic country: every kommun's crime exports, areas and population as Parquet "
                     "partitioned by kommun, over the real boundaries and populations",
}
ARCHIVE = "data/raw/polisen_handelser_arkiv.jsonl"


def _parse_nb_params(pairs: list[list[str]] | None) -> dict:
    out = {}
    for key, value in pairs or []:
        try:
            out[key] = int(value)
        except ValueError:
            out[key] = value
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lagesbild", description="Build the annual lägesbild for a kommun.")
    parser.add_argument("--params", default="params.yaml",
                        help="parameter file (default: params.yaml); its folder is the run directory")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in (*STAGES, "notebook", "run", "check", "init"):
        p = sub.add_parser(name, help=HELP[name], description=HELP[name])
        if name == "demo-data":
            p.add_argument("--profile", choices=("vasteras", "annan"), default="vasteras",
                           help="vasteras: the demo's own exports; annan: the same kommun in other conventions")
        if name == "init":
            p.add_argument("--kommun", required=True, help="4-digit kommun code, e.g. 0484")
            p.add_argument("--year", required=True, type=int, help="the report year, e.g. 2025")
            p.add_argument("--force", action="store_true", help="overwrite an existing params file")
        if name == "notebook":
            p.add_argument("name", nargs="?", default=None,
                           help="notebook without .ipynb, from the run's notebooks/ or else the project's "
                                "(default: all of them)")
            p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("KEY", "VALUE"),
                           help="notebook parameter, e.g. -p area Bäckby -p year 2025")
    p = sub.add_parser("fetch", help=HELP["fetch"], description=HELP["fetch"] + ". Follows Polisen's rules: "
                       "≥ 10 s between calls, ≤ 60 an hour and 1 440 a day, 404 is permanent.")
    p.add_argument("source", choices=["polisen"], help="the source to fetch")
    p.add_argument("--archive", default=ARCHIVE, help=f"JSON-lines archive to add to (default: {ARCHIVE})")
    p.add_argument("--location", action="append", metavar="NAME",
                   help="only events for this location name (repeatable; default: the whole country)")
    p.add_argument("--contact", default=None, help="e-mail or web address added to the User-Agent")
    p = sub.add_parser("national", help=HELP["national"], description=HELP["national"] + ". Scoring, privacy and "
                       "report settings come from --params; every kommun gets its own run directory under --out.")
    p.add_argument("--data", default="../shared/data", help="national reference data: kommuner.geojson, "
                   "befolkning_kommuner_<år>.csv, polisen_handelser*.jsonl[.gz] (default: ../shared/data)")
    p.add_argument("--out", default="national", help="output folder (default: national)")
    p.add_argument("--kommuner", default=None, help="only these kommun codes, comma-separated (e.g. 1980,0484)")
    p.add_argument("--scheduler", default=None, help="a running Dask scheduler, e.g. tcp://host:8786 "
                   "(default: a LocalCluster on this machine)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default: 2)")
    p.add_argument("--year", type=int, default=None, help="report year (default: kommun.year of --params)")
    p.add_argument("--years-back", type=int, default=3, help="years of events in each report (default: 3)")
    p.add_argument("--crimes", default=None, help="a synthetic country from `lagesbild national-data` (its folder): "
                   "each kommun runs on its crime exports too (default: Polisen's events only)")
    p = sub.add_parser("national-data", help=HELP["national-data"], description=HELP["national-data"] + ". Synthetic: "
                       "the demo generator scaled per kommun by population and kind; see docs/methods-events.md.")
    p.add_argument("--data", default="../shared/data", help="national reference data (default: ../shared/data)")
    p.add_argument("--out", default="national/synthetic", help="output folder (default: national/synthetic)")
    p.add_argument("--kommuner", default=None, help="only these kommun codes, comma-separated, each with its volume "
                   "in the whole country (default: all 290)")
    p.add_argument("--incidents-per-year", type=int, default=1_500_000,
                   help="reported crimes in the whole country in the report year (default: 1500000)")
    p.add_argument("--seed", type=int, default=2025, help="random seed (default: 2025)")
    p.add_argument("--year", type=int, default=None, help="report year (default: kommun.year of --params)")
    p.add_argument("--years-back", type=int, default=3, help="years of crime exports (default: 3)")
    p.add_argument("--scheduler", default=None, help="a running Dask scheduler (default: a LocalCluster)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default: 2)")
    cycle_cli.add_parsers(sub)  # registry-template, follow-up, weekly, status (pipeline/cycle/cli.py)
    return parser


def national(run: RunContext, args) -> None:
    import yaml

    from pipeline.national.runner import run_national

    base = yaml.safe_load(run.params_file.read_text("utf-8")) if run.params_file.exists() else None
    if not base or "scoring" not in base:
        raise DataError(f"{args.params}: not found or without scoring:; national takes scoring, privacy and report "
                        "settings from a params file (the repository's params.yaml will do)")
    year = args.year or int(base["kommun"]["year"])
    codes = [c.strip().zfill(4) for c in args.kommuner.split(",")] if args.kommuner else None
    start = time.perf_counter()
    crimes = run.resolve(args.crimes) if args.crimes else None
    if crimes is not None and not (crimes / "truth.csv").exists():
        raise DataError(f"--crimes {args.crimes}: no synthetic country there (truth.csv missing); write one with "
                        f"`lagesbild national-data --out {args.crimes}`")
    status = run_national(run.resolve(args.data), run.resolve(args.out), base, year, args.years_back, codes,
                          args.scheduler, args.workers, crimes=crimes,
                          progress=lambda line: console.print(line, soft_wrap=True, markup=False))
    counts = status["status"].value_counts().to_dict()
    peaks = status.attrs.get("worker_peak_mb", {})
    console.print(f"[green]✓[/green] national: {len(status)} kommuner ({', '.join(f'{v} {k}' for k, v in counts.items())}); "
                  f"overview {escape(run.display(run.resolve(args.out) / 'oversikt' / 'riksoversikt.pdf'))}; "
                  f"peak memory per worker {', '.join(f'{v:,.0f} MB' for v in peaks.values()) or 'n/a'} "
                  f"[dim]({time.perf_counter() - start:.1f} s)[/dim]", soft_wrap=True)


def national_data(run: RunContext, args) -> None:
    from pipeline.national.synthetic import write_country

    year = args.year
    if year is None:
        base = load_params(run.params_file) if run.params_file.exists() else None
        if base is None:
            raise DataError(f"{args.params}: not found; give --year or a params file with kommun.year")
        year = base.kommun.year
    start = time.perf_counter()
    truth = write_country(run.resolve(args.data), run.resolve(args.out), year, args.years_back,
                          args.incidents_per_year, args.seed, args.scheduler, args.workers,
                          progress=lambda line: console.print(line, soft_wrap=True, markup=False),
                          codes=[c.strip().zfill(4) for c in args.kommuner.split(",")] if args.kommuner else None)
    rows = int(truth["rows"].sum())
    console.print(f"[green]✓[/green] national-data: {len(truth)} kommuner, {rows:,} export rows, "
                  f"{int(truth[f'incidents_{year}'].sum()):,} incidents in {year} → "
                  f"{escape(run.display(run.resolve(args.out)))}/ [dim]({time.perf_counter() - start:.1f} s)[/dim]",
                  soft_wrap=True)


def fetch(run: RunContext, args) -> None:
    """``fetch polisen``: the archive path is relative to the run directory (no params needed)."""
    from pipeline.fetch.polisen import fetch_polisen

    start = time.perf_counter()
    with console.status("[bold]fetch polisen[/bold] …"):
        summary, warnings = fetch_polisen(run.resolve(args.archive), args.location, contact=args.contact)
    for w in warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", soft_wrap=True)
    console.print(f"[green]✓[/green] {escape(summary)} [dim]({time.perf_counter() - start:.1f} s)[/dim]", soft_wrap=True)


def run_stage(name: str, run: RunContext, params, args) -> None:
    start = time.perf_counter()
    with console.status(f"[bold]{name}[/bold] …"):
        if name in cycle_cli.COMMANDS:
            summary = cycle_cli.run_command(name, run, params, args, Console(highlight=False))
        elif name == "notebook":
            summary = stages.notebook(run, params, getattr(args, "name", None),
                                      _parse_nb_params(getattr(args, "parameter", None)))
        elif name == "demo-data":
            summary = stages.demo_data(run, params, getattr(args, "profile", "vasteras"))
        else:
            summary = STAGES[name](run, params)
    console.print(f"[green]✓[/green] {escape(summary)} [dim]({time.perf_counter() - start:.1f} s)[/dim]", soft_wrap=True)


def _timed_stage(name: str, run: RunContext, params) -> tuple[str, float]:
    start = time.perf_counter()
    return STAGES[name](run, params), time.perf_counter() - start


def run_pipeline(run: RunContext, params, args) -> None:
    """Every stage of :data:`PIPELINE`. The evaluation reads only the core tables and the
    registry, so it runs in a second process beside layers, evidence and score, at the lowest
    priority (nice 19): the layers use every core while they compute, and the evaluation takes
    what they leave idle (their reading and writing, and evidence and score, which use one
    core). Its line is printed in pipeline order, with its own time. A failure in either stops
    the run after both have ended (the evaluation's tables then match the ingested data).

    After score, the tables the report reads (all but the evaluation's) are read at once, inside
    a :func:`pipeline.io.reading_once` block that lasts to the end of the run: the report finds
    them read, and what the evaluation leaves of the wait is not idle."""
    from pipeline import io
    from pipeline.parallel import fork_map, idle_work

    beside = ("layers", "evidence", "score")

    def beside_evaluation() -> None:
        for n in beside:
            run_stage(n, run, params, args)
        reading.enter_context(io.reading_once())
        stages.read_report_tables(run)

    with contextlib.ExitStack() as reading:
        for name in PIPELINE:
            if name == "notebook" and params.sources.crimes is None:
                console.print("[yellow]–[/yellow] notebook: skipped; the notebooks explore reported crime and "
                              "sources.crimes is not set (a lägesbild from public events only)", soft_wrap=True)
            elif name == beside[0]:
                # the report's imports are done while this process would wait for children (the
                # layers', or the evaluation when it ends last), not when the report starts
                with idle_work(stages.import_report_modules):
                    [(summary, seconds)], _ = fork_map([lambda: _timed_stage("evaluate", run, params)],
                                                       meanwhile=beside_evaluation, nice=19)
                console.print(f"[green]✓[/green] {escape(summary)} [dim]({seconds:.1f} s, in a second process beside "
                              f"{', '.join(beside)})[/dim]", soft_wrap=True)
            elif name not in beside and name != "evaluate":
                run_stage(name, run, params, args)


def check_command(run: RunContext, args) -> int:
    """Print every problem of the params file, or of every source, at once; exit 2 if any blocks."""
    from pipeline.config import params_problems

    problems = params_problems(args.params)
    if problems:
        for line in problems:
            console.print(f"[red]✗[/red] {escape(line)}", soft_wrap=True)
        return 2
    params = load_params(args.params)
    stages.check_config_files(run, params)
    with console.status("[bold]check[/bold] …"):
        report = stages.check(run, params)
    marks = {"block": "[red]✗[/red]", "warn": "[yellow]![/yellow]", "note": "[dim]·[/dim]"}
    for level in ("block", "warn", "note"):
        for f in report.findings:
            if f.level == level:
                console.print(f"{marks[level]} {escape(f.line())}", soft_wrap=True)
    if report.blocking:
        console.print(f"[red]check: {len(report.blocking)} problem(s) block the run; fix them and run lagesbild "
                      "check again[/red]", soft_wrap=True)
        return 2
    for line in report.coverage:
        console.print(f"[green]✓[/green] {escape(line)}", soft_wrap=True)
    return 0


def _terminated(signum, frame) -> None:
    """SIGTERM (``timeout``, a scheduler stopping the job) ends the command as Ctrl-C does, so
    that every ``finally`` runs: half-written files are removed and forked children end."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(message)s")
    os.environ.setdefault("MPLBACKEND", "Agg")
    main_thread = threading.current_thread() is threading.main_thread()  # signals can only be set there
    before = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    try:
        with sparse_collections():
            return _dispatch(args)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, before)


def _dispatch(args) -> int:
    """The command ``args`` names, with one line for an error in the input and exit codes 0, 1
    (a bug) or 2 (the input)."""
    try:
        run = RunContext.from_params_file(args.params)
        if args.command == "fetch":  # needs no params file
            fetch(run, args)
            return 0
        if args.command == "national":
            national(run, args)
            return 0
        if args.command == "national-data":
            national_data(run, args)
            return 0
        if args.command == "check":
            return check_command(run, args)
        if args.command == "init":
            from pipeline.init import init
            from pipeline.problems import load_families

            console.print(f"[green]✓[/green] {escape(init(run, args.kommun, args.year, load_families(), args.force))}",
                          soft_wrap=True)
            return 0
        params = load_params(args.params)  # as the user wrote it: messages name the file that way
        stages.check_config_files(run, params)
        if args.command == "run":
            run_pipeline(run, params, args)
        else:
            run_stage(args.command, run, params, args)
    except DataError as exc:
        if args.debug:
            raise
        for line in str(exc).splitlines() or [""]:
            console.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
        return 2
    except FileNotFoundError as exc:
        if args.debug:
            raise
        console.print(f"[red]error:[/red] {escape(str(exc.filename))}: file not found", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        console.print("[red]interrupted:[/red] stopped before the end; the files being written were removed, and "
                      "the stages that did not finish keep their earlier outputs: run the command again before "
                      "using them", soft_wrap=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback only on request
        if args.debug:
            raise
        console.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}; rerun with --debug for the "
                      "traceback and report it with the input that caused it", soft_wrap=True)
        return 1
    return 0


def entry() -> None:
    """The ``lagesbild`` command (the console script): :func:`main`, then the process ends at once.

    When main returns, everything it wrote is complete: files are moved into place atomically,
    worker pools and clusters are closed, temporary folders removed. What the interpreter would
    do next is free every object one by one and clear every module: 0.8 s after a demo run
    (~800 MB of frames), for nothing. So the exit handlers run (``atexit``: multiprocessing's,
    distributed's, weakref finalizers), the streams and logging are flushed, and the process
    leaves with :func:`os._exit` and main's code. ``main()`` itself returns as before, for callers
    that keep their process (the tests, ``python -m pipeline.cli``). An exception (argparse's
    SystemExit for a bad command line, Ctrl-C) leaves the usual way.
    """
    import atexit

    code = main()
    atexit._run_exitfuncs()  # noqa: SLF001 - CPython's own exit handlers, run here, in their order
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader that has gone (`| head`): no traceback, main's code
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
