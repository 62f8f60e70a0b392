"""The ``lagesbild`` command: one subcommand per pipeline stage, ``run`` for all of them.

Bad input ends with one line on stderr naming the file, row or column and the fix, and exit
code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from pydantic import ValidationError
from rich.console import Console

from pipeline import stages
from pipeline.config import load_params
from pipeline.context import RunContext
from pipeline.errors import DataError

console = Console(stderr=True, highlight=False)

# Stage order of `lagesbild run`; each name is a subcommand and a dvc.yaml stage.
PIPELINE = ("ingest", "layers", "evidence", "score", "report", "notebook")
STAGES = {"demo-data": stages.demo_data, "ingest": stages.ingest, "layers": stages.layers,
          "evidence": stages.evidence, "score": stages.score, "report": stages.report}
HELP = {
    "demo-data": "write the synthetic demo kommun (Västerås) into data/raw/",
    "ingest": "read raw exports into core tables; quarantine unusable rows with a reason",
    "layers": "hotspots (Gi*, FDR), emerging hotspots, KDE, trends, time patterns, survey and note indicators",
    "evidence": "join all sources into one table keyed by area and problem family",
    "score": "rank problembilder with component scores, rank intervals and sensitivity",
    "report": "render the lägesbild PDF (internal and public) and the Excel tables",
    "notebook": "execute a parameterised notebook with papermill and render it to HTML",
    "run": "run every stage from ingest to notebook",
    "fetch": "add the latest events from Polisen's open API to a local archive (polisen)",
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
    for name in (*STAGES, "notebook", "run"):
        p = sub.add_parser(name, help=HELP[name], description=HELP[name])
        if name == "notebook":
            p.add_argument("name", nargs="?", default=None,
                           help="notebook in notebooks/ without .ipynb (default: all of them)")
            p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("KEY", "VALUE"),
                           help="notebook parameter, e.g. -p area Bäckby -p year 2025")
    p = sub.add_parser("fetch", help=HELP["fetch"], description=HELP["fetch"] + ". Follows Polisen's rules: "
                       "≥ 10 s between calls, ≤ 60 an hour and 1 440 a day, 404 is permanent.")
    p.add_argument("source", choices=["polisen"], help="the source to fetch")
    p.add_argument("--archive", default=ARCHIVE, help=f"JSON-lines archive to add to (default: {ARCHIVE})")
    p.add_argument("--location", action="append", metavar="NAME",
                   help="only events for this location name (repeatable; default: the whole country)")
    p.add_argument("--contact", default=None, help="e-mail or web address added to the User-Agent")
    return parser


def fetch(run: RunContext, args) -> None:
    """``fetch polisen``: the archive path is relative to the run directory (no params needed)."""
    from pipeline.fetch.polisen import fetch_polisen

    start = time.perf_counter()
    with console.status("[bold]fetch polisen[/bold] …"):
        summary, warnings = fetch_polisen(run.resolve(args.archive), args.location, contact=args.contact)
    for w in warnings:
        console.print(f"[yellow]warning:[/yellow] {w}", soft_wrap=True)
    console.print(f"[green]✓[/green] {summary} [dim]({time.perf_counter() - start:.1f} s)[/dim]", soft_wrap=True)


def run_stage(name: str, run: RunContext, params, args) -> None:
    start = time.perf_counter()
    with console.status(f"[bold]{name}[/bold] …"):
        if name == "notebook":
            summary = stages.notebook(run, params, getattr(args, "name", None),
                                      _parse_nb_params(getattr(args, "parameter", None)))
        else:
            summary = STAGES[name](run, params)
    console.print(f"[green]✓[/green] {summary} [dim]({time.perf_counter() - start:.1f} s)[/dim]", soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(message)s")
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        run = RunContext.from_params_file(args.params)
        if args.command == "fetch":  # needs no params file
            fetch(run, args)
            return 0
        params = load_params(run.params_file)
        for name in PIPELINE if args.command == "run" else (args.command,):
            if args.command == "run" and name == "notebook" and params.sources.crimes is None:
                console.print("[yellow]–[/yellow] notebook: skipped; the notebooks explore reported crime and "
                              "sources.crimes is not set (a lägesbild from public events only)", soft_wrap=True)
                continue
            run_stage(name, run, params, args)
    except DataError as exc:
        if args.debug:
            raise
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        return 2
    except ValidationError as exc:
        if args.debug:
            raise
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        console.print(f"[red]error:[/red] {args.params}: {where}: {err['msg']}", soft_wrap=True)
        return 2
    except FileNotFoundError as exc:
        if args.debug:
            raise
        console.print(f"[red]error:[/red] {exc.filename}: file not found", soft_wrap=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
