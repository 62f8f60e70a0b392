"""Benchmark: vectorised Mann–Kendall vs pymannkendall.original_test in a loop.

100,000 series × 60 steps of tied Poisson counts. Ours: median of several runs on all series.
Peer: pymannkendall on a 2,000-series sample, median of several runs, scaled to 100,000.
max_abs_diff: largest difference in s, var_s, z, p, tau over the sample.
Prints one line: ``mann_kendall: ours=…s peer=…s speedup=…x max_abs_diff=…``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.stats.mann_kendall import mann_kendall  # noqa: E402

N_SERIES, N_STEPS, SAMPLE, RUNS = 100_000, 60, 2_000, 5


def main() -> None:
    import pymannkendall as pmk

    rng = np.random.default_rng(60)
    y = rng.poisson(rng.uniform(0.2, 6, size=(N_SERIES, 1)), size=(N_SERIES, N_STEPS)).astype(float)
    ours_t = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        ours = mann_kendall(y)
        ours_t.append(time.perf_counter() - t0)
    sample = y[:SAMPLE]
    peer_t = []
    for _ in range(3):
        t0 = time.perf_counter()
        ref = [pmk.original_test(row) for row in sample]
        peer_t.append(time.perf_counter() - t0)
    diff = 0.0
    for i, r in enumerate(ref):
        for col, val in (("s", r.s), ("var_s", r.var_s), ("z", r.z), ("p", r.p), ("tau", r.Tau)):
            diff = max(diff, abs(float(ours[col].iat[i]) - float(val)))
    o = statistics.median(ours_t)
    p = statistics.median(peer_t) * N_SERIES / SAMPLE
    print(f"mann_kendall: ours={o:.3f}s peer={p:.3f}s speedup={p / o:.1f}x max_abs_diff={diff:.3g}")


if __name__ == "__main__":
    main()
