"""Run every benchmark script in this folder, one after the other, each in its own process.

Prints the machine first (cores, CPU, memory, versions) and, after each script, the load the
*other* processes put on the machine while it ran (all CPU time the kernel counted, from
/proc/stat, minus the script's own), so every figure comes with its conditions. The whole
output is also written to ``benchmarks/results.txt``; when every script succeeded, the README's
performance tables are regenerated from it (``benchmarks/readme_table.py``).

``.venv/bin/python benchmarks/run_all.py [bench_kde bench_ehsa …]`` runs only the named
scripts and then leaves results.txt and the README alone.
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


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem in names or s.name in names]
    out: list[str] = []
    header = machine()
    print(header, flush=True)
    out.append(header)
    failed = sum(not run(script, out) for script in scripts)
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
