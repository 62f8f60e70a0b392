"""Whole-process timing of ``lagesbild run`` on the demo kommun, its per-stage split, and how
time and memory grow with the number of incidents.

1. ``lagesbild_run_demo`` (target ≤ 15 s): the demo (``params.yaml`` as shipped) in a temporary
   run directory; ``demo-data`` and one warm-up ``run`` untimed, then the median of ``--runs``
   whole-process runs (bytecode, OS file cache and font caches warm, as for a user's second
   run). Stage times are the CLI's own "(x.x s)" per stage, median over the runs; a stage
   marked "(beside)" (evaluate) ran in a second process at the same time as others, so its time
   is not part of the sum; ``startup`` is the wall time less the stages run in turn
   (interpreter, imports, reading params.yaml); ``cores_busy`` is the CPU time of the whole
   process tree (user + system, from /proc) over the wall time between one stage's line and the
   next (the first interval includes the start-up; a stage beside others has none of its own),
   and for the whole run (``os.wait4``): 2.00 would keep both cores busy throughout. The notebooks'
   inputs are unchanged in these runs, so they are not executed again (their stamps);
   ``notebooks_executed`` is the median of ``--runs`` more runs with the stamps deleted first,
   so every kernel runs (as after a change in the data), with that run's notebook stage
   time. ``load`` is the load average before the first and after the last timed run.
2. ``lagesbild_run_scale`` at ``--scales`` (default 1, 4, 16) × ``demo.incidents_per_year``
   (survey, notes and areas stay the same size): one ``run`` per scale after its
   ``demo-data``, with each stage's time and the peak resident memory of the process tree
   (``lagesbild`` and its notebook kernels, summed) while the stage ran, sampled from
   /proc every 20 ms (memory an earlier stage freed is not always returned to the OS, so a
   stage's figure is at least the level the process stood at when it began); ``peak_rss`` is the exact high-water mark of the largest single process
   (``wait4``). A stage whose time or memory grows faster than the incidents shows up here.

Everything is observed from outside the process (the CLI's output and /proc), so the script
does not depend on how the stages are written. Run with ``make bench`` or directly:
``.venv/bin/python benchmarks/bench_run.py [--runs 3] [--scales 1,4,16]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from timing import result_line  # benchmarks/ is on sys.path when a script here runs

ROOT = Path(__file__).resolve().parents[1]
LAGESBILD = Path(sys.executable).with_name("lagesbild")
# "(3.2 s)", or "(3.2 s, in a second process beside …)" for a stage that ran beside others
STAGE_DONE = re.compile(r"^✓ ([\w-]+): .*\((\d+(?:\.\d+)?) s(, in a second process[^)]*)?\)\s*$")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") / 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def make_run_dir(work: Path, scale: int) -> int:
    """A run directory like a user's, with the demo at ``scale`` × its incidents; returns the
    incidents per year."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    params["demo"]["incidents_per_year"] = int(params["demo"]["incidents_per_year"]) * scale
    (work / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    shutil.copytree(ROOT / "reports" / "text", work / "reports" / "text")
    subprocess.run([LAGESBILD, "demo-data"], cwd=work, check=True, capture_output=True)
    return params["demo"]["incidents_per_year"]


def _tree_rss_kb(root_pid: int) -> float:
    """Resident memory of ``root_pid`` and all its descendants, in KiB. Children are read from
    /proc/<pid>/task/<tid>/children of every thread (the notebook kernels are started from a
    worker thread), which is far cheaper than scanning all of /proc."""
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_KB
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):  # the process or thread ended meanwhile
            continue
    return total


def _tree_cpu_s(root_pid: int) -> float:
    """CPU seconds (user + system) used so far by ``root_pid`` and all its descendants: each live
    process's own time plus that of the children it has already waited for (cutime, cstime), so
    a child that ended between two readings is counted once, in its parent."""
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):  # the process ended meanwhile
            continue
    return total / CLOCK_TICKS


def timed_run(work: Path, sample_memory: bool = False) -> dict:
    """One ``lagesbild run``: wall time, the CLI's stage times, peak RSS (largest process, exact),
    the cores the process tree kept busy (CPU seconds / wall seconds) between one stage's line
    and the next and in all, and, with ``sample_memory``, the peak RSS of the process tree
    during each stage."""
    start = time.perf_counter()
    proc = subprocess.Popen([LAGESBILD, "run"], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8")
    stages, stage_peak, lines, beside, cores = {}, {}, [], set(), {}
    mark = (start, 0.0)  # (time, tree CPU seconds) at the last stage line
    current = {"n": 0, "peak": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            current["peak"] = max(current["peak"], _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
    if sampler:
        sampler.start()
    for line in proc.stdout:
        lines.append(line)
        m = STAGE_DONE.match(line.strip())
        if m:
            stages[m[1]] = float(m[2])
            if m[3]:
                beside.add(m[1])
            stage_peak[m[1]] = current["peak"] / 1024
            current["peak"] = 0.0
            if not m[3]:  # a stage beside others prints its line after theirs: no interval of its own
                now = (time.perf_counter(), _tree_cpu_s(proc.pid))
                cores[m[1]] = (now[1] - mark[1]) / max(now[0] - mark[0], 1e-9)
                mark = now
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    done.set()
    if sampler:
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"lagesbild run failed in {work}:\n{''.join(lines)[-3000:]}")
    # wait4's usage covers the process and every descendant it (or they) waited for: the whole run
    cores["whole"] = (usage.ru_utime + usage.ru_stime) / elapsed
    return {"wall": elapsed, "stages": stages, "stage_peak_mb": stage_peak, "peak_rss_mb": usage.ru_maxrss / 1024,
            "beside": beside, "cores": cores}


def _in_turn(stages: dict, beside: set) -> float:
    """Seconds of the stages that ran one after another (not those beside them)."""
    return sum(v for k, v in stages.items() if k not in beside)


def _fmt(values: dict, unit: str, digits: int = 1, beside: set = frozenset()) -> str:
    return " ".join(f"{k}={v:.{digits}f}{unit}" + ("(beside)" if k in beside else "") for k, v in values.items())


def demo_median(runs: int) -> dict:
    """Print the demo line; return the run with the median wall time (the 1× growth point)."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        work = Path(tmp)
        per_year = make_run_dir(work, 1)
        timed_run(work)  # warm-up
        load = os.getloadavg()
        results = [timed_run(work, sample_memory=True) for _ in range(runs)]
        executed = []
        for _ in range(runs):  # as after a change in the data: every notebook executes
            for stamp in (work / "reports" / "notebooks").glob("*.inputs.json"):
                stamp.unlink()
            executed.append(timed_run(work))
        load = (load, os.getloadavg())
    walls = [r["wall"] for r in results]
    stages = {s: statistics.median(r["stages"][s] for r in results) for s in results[0]["stages"]}
    result_line("lagesbild_run_demo", median=f"{statistics.median(walls):.1f}s", runs=runs,
                all=",".join(f"{w:.1f}" for w in walls), target="<=15s",
                stages=_fmt(stages, "s", beside=results[0]["beside"]),
                startup=f"{statistics.median(walls) - _in_turn(stages, results[0]['beside']):.1f}s",
                cores_busy=_fmt({s: statistics.median(r["cores"][s] for r in results) for s in results[0]["cores"]},
                                "", 2),
                peak_rss=f"{max(r['peak_rss_mb'] for r in results):.0f}MB",
                notebooks_executed=f"{statistics.median(r['wall'] for r in executed):.1f}s",
                notebook_stage_executed=f"{statistics.median(r['stages']['notebook'] for r in executed):.1f}s",
                load=" -> ".join("/".join(f"{x:.2f}" for x in la) for la in load),
                data=f"demo as shipped, {per_year} incidents/year",
                timing="whole process, after demo-data and one warm-up run; stage times from the CLI; "
                       "notebooks up to date (inputs unchanged) unless notebooks_executed")
    return sorted(results, key=lambda r: r["wall"])[len(results) // 2] | {"per_year": per_year}


def growth(scales: list[int], demo: dict) -> None:
    for scale in scales:
        if scale == 1:  # the demo's median run (warm, like the others' single run after demo-data)
            r, per_year = demo, demo["per_year"]
        else:
            with tempfile.TemporaryDirectory(prefix=f"bench-run-{scale}x-") as tmp:
                work = Path(tmp)
                per_year = make_run_dir(work, scale)
                r = timed_run(work, sample_memory=True)
        result_line("lagesbild_run_scale", scale=f"{scale}x", incidents_per_year=per_year,
                    total=f"{r['wall']:.1f}s", stages=_fmt(r["stages"], "s", beside=r["beside"]),
                    startup=f"{r['wall'] - _in_turn(r['stages'], r['beside']):.1f}s",
                    cores_busy=_fmt(r["cores"], "", 2), stage_peak_rss=_fmt(r["stage_peak_mb"], "MB", 0),
                    peak_rss=f"{r['peak_rss_mb']:.0f}MB",
                    timing=("median run of the demo line" if scale == 1 else "one run after demo-data")
                    + "; tree RSS sampled every 20 ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed demo runs after the warm-up")
    parser.add_argument("--scales", default="1,4,16", help="multiples of demo.incidents_per_year")
    args = parser.parse_args(argv)
    growth([int(s) for s in args.scales.split(",") if s], demo_median(args.runs))


if __name__ == "__main__":
    main()
