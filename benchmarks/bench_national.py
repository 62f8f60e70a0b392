"""`lagesbild national` on 1/16, 1/4 and all of Sweden's 290 kommuner (LocalCluster, 2 workers).

Prints one line per size: kommuner, wall time, peak resident memory per worker, and each
stage's share of the summed per-kommun time; then the growth exponent b of wall ≈ a·n^b between
the sizes. Target on 2 cores (issue 13): the whole country in ≤ 10 minutes and ≤ 4 GB per worker.
Uses the real reference data (../shared/data); each size writes its own folder, so no size reuses
another's runs (the national inputs are prepared once per folder).
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pipeline.national.runner import STAGES, run_national

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def main(sizes=(16, 4, 1)) -> int:
    if not (DATA / "kommuner.geojson").exists():
        print(f"national: skipped, no reference data at {DATA}")
        return 0
    import geopandas as gpd

    base = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    codes = sorted(gpd.read_file(DATA / "kommuner.geojson")["id"])
    points = []
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        for part in sizes:
            subset = codes[::part]
            start = time.perf_counter()
            status = run_national(DATA, Path(tmp) / f"n{len(subset)}", base, 2025, 3, subset, None, 2,
                                  progress=lambda line: None)
            wall = time.perf_counter() - start
            secs = {s: float(status[f"seconds_{s}"].fillna(0).sum()) if f"seconds_{s}" in status else 0.0
                    for s in STAGES}
            total = sum(secs.values()) or 1.0
            shares = ", ".join(f"{s} {100 * v / total:.0f} %" for s, v in secs.items())
            peaks = status.attrs.get("worker_peak_mb", {})
            failed = int((status["status"] == "failed").sum())
            label = "national" if part == 1 else f"national 1/{part}"
            print(f"{label}: {len(subset)} kommuner (events-only runs), wall={wall:.0f}s, peak memory per worker "
                  f"{', '.join(f'{v / 1024:.2f} GB' for v in peaks.values())}, failed {failed}; stage shares: {shares}",
                  flush=True)
            points.append((len(subset), wall))
    for (n1, w1), (n2, w2) in zip(points, points[1:]):
        print(f"national growth: wall ∝ n^{math.log(w2 / w1) / math.log(n2 / n1):.2f} from {n1} to {n2} kommuner")
    return 0


if __name__ == "__main__":
    sys.exit(main())
