"""Benchmark: vectorised Mann–Kendall vs pymannkendall.original_test in a loop.

100,000 series × 60 steps of tied Poisson counts. Both sides compute the same test: the
original Mann–Kendall with the tie correction of var(S), z with the continuity correction
S − sign(S), two-sided normal p. Ours: all series at once. Peer: ``original_test`` per
series (it takes one series) on a 2,000-series sample, scaled × 50 to 100,000 (its time is
linear in the number of series). Each side: imports first, one warm-up, median of several runs.
max_abs_diff: largest difference in s, var_s, z, p, tau over the sample.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.stats.mann_kendall import mann_kendall  # noqa: E402
from timing import result_line, timed  # noqa: E402

N_SERIES, N_STEPS, SAMPLE, RUNS = 100_000, 60, 2_000, 5


def main() -> None:
    import pymannkendall as pmk

    rng = np.random.default_rng(60)
    y = rng.poisson(rng.uniform(0.2, 6, size=(N_SERIES, 1)), size=(N_SERIES, N_STEPS)).astype(float)
    t_ours, ours = timed(mann_kendall, RUNS, y)
    sample = y[:SAMPLE]
    t_peer, ref = timed(lambda rows: [pmk.original_test(row) for row in rows], 3, sample)
    diff = 0.0
    for i, r in enumerate(ref):
        for col, val in (("s", r.s), ("var_s", r.var_s), ("z", r.z), ("p", r.p), ("tau", r.Tau)):
            diff = max(diff, abs(float(ours[col].iat[i]) - float(val)))
    peer = t_peer * N_SERIES / SAMPLE
    result_line("mann_kendall", ours=f"{t_ours:.3f}s", peer=f"{peer:.3f}s", speedup=f"{peer / t_ours:.1f}x",
                max_abs_diff=f"{diff:.3g}", agreement=f"max |diff| of S, var(S), z, p, tau on {SAMPLE} series: {diff:.3g}",
                data=f"{N_SERIES} series x {N_STEPS} steps, tied Poisson counts",
                ours_cfg="mann_kendall on the whole array (tie-corrected var(S))",
                peer_cfg=(f"pymannkendall {pmk.__version__} original_test per series on {SAMPLE} series, "
                          f"time x {N_SERIES // SAMPLE}"),
                timing=f"1 warm-up + median of {RUNS} (ours) / 3 (peer), imports excluded")


if __name__ == "__main__":
    main()
