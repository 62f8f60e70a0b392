"""Run every benchmark script in this folder, one after the other, each in its own process.

Prints the machine first (cores, CPU, memory, versions) and, after each script, the load the
*other* processes put on the machine while it ran (all CPU time the kernel counted, from
/proc/stat, minus the script's own), so every figure comes with its conditions. The whole
output is also written to ``benchmarks/results.txt``; when every script succeeded, the README's
performance tables are regenerated from it (``benchmarks/readme_table.py``).

``.venv/bin/python benchmarks/run_all.py [bench_kde bench_ehsa …]`` runs only the named
scripts and then leaves results.txt and the README alone; with ``--merge`` their blocks in
results.txt are replaced by the new output (each preceded by this run's machine line, which the
README then shows as that script's date and load) and the README tables are regenerated.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.txt"


def _busy_seconds() -> float:
    """CPU seconds all processes have used since boot (user + nice + system + irq + softirq)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def machine() -> str:
    import numpy
    import pandas

    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"# machine: {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB; Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, pandas {pandas.__version__}; "
            f"{dt.datetime.now().astimezone().isoformat(timespec='minutes')}; load average {load}")


def run(script: Path, out: list[str]) -> bool:
    def emit(line: str) -> None:
        print(line, flush=True)
        out.append(line)

    emit(f"# {script.name}")
    busy0, own0, t0 = _busy_seconds(), _children_cpu(), time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, encoding="utf-8")
    for line in proc.stdout:
        emit(line.rstrip("\n"))
    ok = proc.wait() == 0
    wall = time.perf_counter() - t0
    others = max(0.0, (_busy_seconds() - busy0) - (_children_cpu() - own0)) / wall
    emit(f"# {script.name}: {'ok' if ok else 'FAILED'} in {wall:.0f} s; other processes used {others:.2f} "
         f"of {os.cpu_count()} cores meanwhile")
    return ok


def merge_blocks(text: str, header: str, new: list[str]) -> str:
    """``text`` (a results file) with the block of every script in ``new`` (output lines of
    :func:`run`, ``# bench_x.py`` … ``# bench_x.py: ok in …``) replaced by the new block,
    preceded by ``header`` (the machine line of the rerun). A block of a script not yet in the
    file is added at the end; the blocks of other scripts are kept as they are."""
    def blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
        out, current = [], None
        for line in lines:
            if current is None and line.startswith("# bench_") and line.endswith(".py"):
                current = (line[2:], [line])
            elif current is not None:
                current[1].append(line)
                if line.startswith(f"# {current[0]}: "):
                    out.append(current)
                    current = None
        return out

    replaced = dict(blocks(new))
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        name = line[2:] if line.startswith("# bench_") and line.endswith(".py") else None
        rerun_header = line.startswith("# machine:") and out and i + 1 < len(lines) and lines[i + 1][2:] in replaced
        if rerun_header:  # the machine line of an earlier rerun of a script replaced now
            i += 1
            continue
        if name in replaced:
            out += [header, *replaced.pop(name)]
            while i < len(lines) and not lines[i].startswith(f"# {name}: "):
                i += 1
        else:
            out.append(line)
        i += 1
    for name, block in replaced.items():
        out += [header, *block]
    return "\n".join(out) + "\n"


def main(names: list[str]) -> int:
    merge = "--merge" in names
    names = [n for n in names if n != "--merge"]
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem in names or s.name in names]
    out: list[str] = []
    header = machine()
    print(header, flush=True)
    out.append(header)
    failed = sum(not run(script, out) for script in scripts)
    if names and merge and not failed:
        RESULTS.write_text(merge_blocks(RESULTS.read_text("utf-8"), header, out[1:]), encoding="utf-8")
        from readme_table import update_readme

        update_readme()
        print(f"# merged into {RESULTS.relative_to(HERE.parent)}; README.md performance tables regenerated")
    if names:
        return 1 if failed else 0
    RESULTS.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"# wrote {RESULTS.relative_to(HERE.parent)}")
    if failed:
        print("# README not updated: a benchmark failed")
        return 1
    from readme_table import update_readme

    update_readme()
    print("# README.md performance tables regenerated from it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
