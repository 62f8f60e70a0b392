"""The annual cycle's subcommands, added to ``lagesbild`` by pipeline/cli.py.

``evaluate`` is a pipeline stage (in ``lagesbild run`` and dvc.yaml); ``registry-template``,
``follow-up``, ``weekly`` and ``status`` are run by hand during the year.
"""

from __future__ import annotations

import argparse
import datetime as dt

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.errors import DataError

HELP = {
    "evaluate": "follow up the registry: effect per löfte and prioritised problembild, process per action",
    "registry-template": "write the registry workbook (åtgärder, medborgarlöften, orsaksanalys) from the problembilder",
    "follow-up": "the follow-up report of a löfte period: reports/uppfoljning-<period>.pdf",
    "weekly": "the weekly EST picture (PDF and HTML) for an ISO week, or a tertial roll-up",
    "status": "where in the year the kommun is: what is due, overdue or missing",
}
COMMANDS = ("registry-template", "follow-up", "weekly", "status")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is no date; write YYYY-MM-DD") from exc


def add_parsers(sub) -> None:
    """Add the cycle's subcommands to the ``lagesbild`` parser."""
    p = sub.add_parser("registry-template", help=HELP["registry-template"], description=HELP["registry-template"])
    p.add_argument("--force", action="store_true", help="overwrite an existing registry")
    p = sub.add_parser("follow-up", help=HELP["follow-up"], description=HELP["follow-up"])
    p.add_argument("--period", required=True, help="löfte period, e.g. 2025H1 (april–september) or 2025H2 "
                                                   "(oktober–mars)")
    p.add_argument("--as-of", type=_date, default=None,
                   help="follow-up date (default: today, or the last day the data cover if earlier)")
    p = sub.add_parser("weekly", help=HELP["weekly"], description=HELP["weekly"])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--week", help="ISO week, e.g. 2025-W14")
    g.add_argument("--tertial", help="tertial, e.g. 2025T1 (January–April)")
    p = sub.add_parser("status", help=HELP["status"], description=HELP["status"])
    p.add_argument("--as-of", type=_date, default=None, help="the date to judge against (default: today)")


def evaluate_stage(run, params) -> str:
    from pipeline.cycle.commands import evaluate
    from pipeline.stages import families_for

    return evaluate(run, params, families_for(run, params))


def run_command(name: str, run, params, args, out: Console) -> str:
    """Run one of :data:`COMMANDS`; returns the summary line."""
    from pipeline.cycle import commands as C
    from pipeline.stages import families_for

    fams = families_for(run, params)
    if name == "registry-template":
        return C.registry_template(run, params, fams, force=args.force)
    if name == "follow-up":
        return C.follow_up_cmd(run, params, fams, args.period, args.as_of)
    if name == "weekly":
        return C.weekly_cmd(run, params, fams, week=args.week, tertial=args.tertial)
    if name == "status":
        as_of = args.as_of or dt.date.today()
        table, lines = C.status_cmd(run, params, fams, as_of)
        colour = {"klart": "green", "pågår": "cyan", "kommande": "white", "saknas": "yellow", "försenat": "red"}
        t = Table(title=f"Läget {as_of.isoformat()} för lägesbild {params.kommun.year} ({params.kommun.name})")
        for col in ("Vad", "Läge", "Datum", "Att göra"):
            t.add_column(col, overflow="fold")  # a file name is folded onto the next line, never cut off
        for r in table.itertuples():  # registry texts are the analysts': never read as rich markup
            t.add_row(escape(r.what), f"[{colour.get(r.state, 'white')}]{r.state}[/]", str(r.date or "–"),
                      escape(r.todo))
        out.print(t)
        for line in lines:
            out.print(line, soft_wrap=True, markup=False)
        errors = sum(line.startswith("error") for line in lines)
        late = int((table["state"] == "försenat").sum())
        if errors:
            raise DataError(f"status: {errors} problem(s) in the registry (listed above)")
        return f"status: {len(table)} items, {late} overdue, {int((table['state'] == 'saknas').sum())} missing"
    raise ValueError(name)
