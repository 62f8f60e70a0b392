"""Shared helpers of the benchmark scripts (not a benchmark itself: no bench_ prefix).

Every side of a comparison is timed the same way: imports done before the clock starts, one
untimed warm-up call, then the median of ``runs`` timed calls. Results are printed as one
line per comparison, ``name: key=value key=value …`` (values with spaces in double quotes),
which ``benchmarks/readme_table.py`` turns into the README's performance table.
"""

from __future__ import annotations

import shlex
import statistics
import time


def timed(fn, runs, *args, warmup: int = 1):
    """Median wall time of ``runs`` calls of ``fn(*args)`` after ``warmup`` untimed calls, and
    the last result."""
    out = None
    for _ in range(warmup):
        out = fn(*args)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def result_line(name: str, **fields) -> str:
    """``name: k=v …`` with a value in double quotes when it holds spaces or quotes (``"`` and
    ``\\`` escaped by a backslash, as a POSIX shell reads them); printed and returned."""
    line = f"{name}: " + " ".join(f"{k}={_quoted(str(v))}" for k, v in fields.items())
    print(line, flush=True)
    return line


def _quoted(text: str) -> str:
    if text and not any(ch.isspace() or ch in "'\"\\" for ch in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_result_line(line: str) -> tuple[str, dict[str, str]] | None:
    """The (name, fields) of a line printed by :func:`result_line` (or the older
    ``name: k=v …`` lines without quotes); None for any other line."""
    name, sep, rest = line.partition(": ")
    if not sep or not name.replace("_", "").isalnum():
        return None
    try:
        tokens = shlex.split(rest)
    except ValueError:
        return None
    if not tokens or not all("=" in t for t in tokens):
        return None
    return name, dict(t.split("=", 1) for t in tokens)
