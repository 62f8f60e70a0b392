"""Write the README's performance tables from ``benchmarks/results.txt`` (the output of
``make bench``), so that every figure in the README is one the scripts printed.

The tables go between the ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` lines of
README.md. ``run_all.py`` calls this after a complete run; by hand:
``.venv/bin/python benchmarks/readme_table.py``. Lines from scripts this module does not know
are shown with their raw fields, so a new benchmark appears without editing it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import parse_result_line  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.txt"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
STAGES = ("ingest", "layers", "evidence", "score", "evaluate", "report", "notebook")  # the CLI's stages of `lagesbild run`

# name -> what is compared (the settings and conditions come from the line itself)
WHAT = {
    "lagesbild_run_demo": "`lagesbild run` on the demo kommun, all stages incl. 3 notebooks (kept when their inputs are unchanged)",
    "gi_star_100k_cells": "Gi* on 100 000 cells, weights included, vs `esda.G_Local(transform=\"B\", star=True)`",
    "gi_star_permutation_100k_cells": "Gi* conditional permutation p, 100 000 cells, 999 draws, vs `esda.G_Local(permutations=999)`",
    "ehsa_vs_pyehsa": "Emerging hot spots, 100 locations × 24 months, vs `pyehsa`",
    "ehsa_full_cube": "Emerging hot spots, full cube 100 000 cells × 60 months",
    "mann_kendall": "Mann–Kendall, 100 000 series × 60 steps, vs `pymannkendall`",
    "kde_15k_points_25600_cells": "KDE, 15 000 points on 25 600 cells, vs scikit-learn `KernelDensity`",
    "kde_15k_points_12_surfaces": "KDE, the same with 12 weight columns (the pipeline's layer), vs scikit-learn",
    "report_pdf": "Both report PDFs from the demo's processed tables",
}


def read_results(path: Path = RESULTS) -> tuple[str, list[tuple[str, dict, str]]]:
    """(machine line, [(name, fields, conditions of its script)]) from a results file. The first
    machine line is the file's; a later one (a script rerun alone and merged, ``run_all.py
    --merge``) goes into the conditions of the next script's lines, with its date and load."""
    machine, rows, pending, rerun = "", [], [], ""
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("# machine:"):
            if machine:
                when = line.split(";")[-2:]
                rerun = "rerun alone" + (f" {when[0].strip()}, {when[1].strip()}" if len(when) == 2 else "")
            else:
                machine = line.removeprefix("# machine:").strip()
        elif m := re.match(r"# (bench_\w+\.py): (ok|FAILED) in .*; (other processes used .*) meanwhile$", line):
            rows += [(name, fields, m[3] + (f"; {rerun}" if rerun else "")) for name, fields in pending]
            pending, rerun = [], ""
        elif parsed := parse_result_line(line):
            pending.append(parsed)
    return machine, rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _conditions(fields: dict, load: str) -> str:
    parts = [fields[k] for k in ("inference", "data", "ours_cfg", "peer_cfg", "timing", "accuracy") if k in fields]
    return _cell("; ".join(parts + [load]))


def comparison_row(name: str, f: dict, load: str) -> str:
    what = WHAT.get(name, name)
    if name == "lagesbild_run_demo":
        ours = f"{f['median']} median ({f['all']}), peak {f['peak_rss']}"
        if "cores_busy" in f:
            ours += f"; cores busy {f['cores_busy']}"
        if "notebooks_executed" in f:
            ours += (f"; {f['notebooks_executed']} when every notebook executes (notebook stage "
                     f"{f['notebook_stage_executed']}); load average {f['load']}")
        return f"| {what} | {ours} | target {f['target']} | | | {_conditions(f, load)} |"
    if "peer" not in f:  # a target line: ours against a goal
        ours = f.get("ours", f.get("median", "?")) + (f", peak {f['peak_rss']}" if "peak_rss" in f else "")
        return f"| {what} | {ours} | target {f.get('target', '?')} | | | {_conditions(f, load)} |"
    if name.startswith("kde"):
        agree = f"max rel. error vs exact: ours {f['ours_err']}, peer {f['peer_err']}"
    else:
        agree = f.get("agreement", f"max abs diff {f.get('max_abs_diff', '?')}")
    return (f"| {what} | {f['ours']} | {f['peer']} | {f.get('speedup', '')} | {_cell(agree)} | "
            f"{_conditions(f, load)} |")


def growth_rows(rows: list[tuple[str, dict, str]]) -> list[str]:
    out = []
    for name, f, _ in rows:
        if name != "lagesbild_run_scale":
            continue
        stages = dict(kv.split("=") for kv in f["stages"].split())
        peaks = dict(kv.split("=") for kv in f.get("stage_peak_rss", "").split())
        cells = [f"{stages.get(s, '–')} / {peaks.get(s, '–')}" for s in STAGES]
        out.append(f"| {f['scale']} | {f['incidents_per_year']} | {f['total']} | {f['startup']} | "
                   + " | ".join(cells) + f" | {f['peak_rss']} |")
    return out


def render(path: Path = RESULTS) -> str:
    machine, rows = read_results(path)
    lines = [BEGIN,
             f"Generated by `benchmarks/readme_table.py` from [`benchmarks/results.txt`](benchmarks/results.txt) "
             f"(the output of `make bench`). Machine: {machine}. Every side of a comparison is timed the "
             "same way: imports before the clock, one warm-up call, then the median of several runs.",
             "",
             "| benchmark | ours | peer or target | speedup | agreement | conditions |",
             "|---|---|---|---|---|---|"]
    lines += [comparison_row(name, f, load) for name, f, load in rows if name != "lagesbild_run_scale"]
    growth = growth_rows(rows)
    if growth:
        lines += ["",
                  "Growth with the number of incidents (`benchmarks/bench_run.py`; 1× is the demo's median run, "
                  "the others one run each; each stage: time / peak RSS of `lagesbild` and its notebook kernels "
                  "while it ran; last column: peak RSS of the largest single process):",
                  "",
                  "| scale | incidents/year | total | startup | " + " | ".join(STAGES) + " | peak RSS |",
                  "|---|---|---|---|" + "---|" * len(STAGES) + "---|"]
        lines += growth
    lines.append(END)
    return "\n".join(lines)


def update_readme(readme: Path = README, results: Path = RESULTS) -> None:
    text = readme.read_text("utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme}: no {BEGIN} … {END} block to replace; add one under '## Performance'")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    readme.write_text(head + render(results) + tail, "utf-8")


if __name__ == "__main__":
    update_readme()
