"""Shared timing helper of the benchmark scripts (not a benchmark itself: no bench_ prefix)."""

import statistics
import time


def timed(fn, runs, *args):
    """Median wall time of ``runs`` calls of ``fn(*args)`` and the last result."""
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out
