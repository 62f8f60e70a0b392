"""`lagesbild national` on 1/16, 1/4 and all of Sweden's 290 kommuner (LocalCluster, 2 workers),
on the synthetic country plus Polisen's real events.

The synthetic country (``lagesbild national-data``: ~1.5 million incidents a year over the real
boundaries and populations, 2023–2025) is written once to ``$TMPDIR/lagesbild-national-country``
and reused while its key (generator version, seed, total, years, input files) matches; its line
says whether it was generated or reused, and how long generating took. Then one line per size:
kommuner, wall time, peak resident memory per worker, failures, and each stage's share of the
summed per-kommun time; then the growth exponent b of wall ≈ a·n^b between the sizes. Each size
runs in its own fresh folder (no size reuses another's kommun runs). Target on 2 cores
(issue 13): the whole country in ≤ 10 minutes and ≤ 4 GB per worker.
``.venv/bin/python benchmarks/bench_national.py [--sizes 16,4,1]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pipeline.national.runner import STAGES, run_national

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
COUNTRY = Path(tempfile.gettempdir()) / "lagesbild-national-country"
YEAR, YEARS_BACK, PER_YEAR, SEED = 2025, 3, 1_500_000, 2025


def country() -> Path:
    """The synthetic country (generated, or reused when unchanged); prints its line."""
    from pipeline.national.synthetic import write_country

    said = []
    start = time.perf_counter()
    truth = write_country(DATA, COUNTRY, YEAR, YEARS_BACK, PER_YEAR, SEED, None, 2, progress=said.append)
    wall = time.perf_counter() - start
    reused = any("reused" in line for line in said)
    print(f"national-data: {len(truth)} kommuner, {int(truth['rows'].sum()):,} export rows, "
          f"{int(truth[f'incidents_{YEAR}'].sum()):,} incidents in {YEAR} "
          + ("(reused from an earlier run of the same key)" if reused else f"generated, wall={wall:.0f}s"), flush=True)
    return COUNTRY


def main(sizes=(16, 4, 1)) -> int:
    if not (DATA / "kommuner.geojson").exists():
        print(f"national: skipped, no reference data at {DATA}")
        return 0
    import geopandas as gpd

    base = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    codes = sorted(gpd.read_file(DATA / "kommuner.geojson")["id"])
    crimes = country()
    points = []
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        for part in sizes:
            subset = codes[::part]
            start = time.perf_counter()
            status = run_national(DATA, Path(tmp) / f"n{len(subset)}", base, YEAR, YEARS_BACK, subset, None, 2,
                                  progress=lambda line: None, crimes=crimes)
            wall = time.perf_counter() - start
            kept = Path(tempfile.gettempdir()) / f"lagesbild-national-status-n{len(subset)}.csv"
            status.to_csv(kept, index=False)  # the run folder goes; each kommun's status and stage times stay
            secs = {s: float(status[f"seconds_{s}"].fillna(0).sum()) if f"seconds_{s}" in status else 0.0
                    for s in STAGES}
            total = sum(secs.values()) or 1.0
            shares = ", ".join(f"{s} {100 * v / total:.0f} %" for s, v in secs.items())
            peaks = status.attrs.get("worker_peak_mb", {})
            failed = status[status["status"] == "failed"]
            why = f" ({'; '.join(f'{r.kommun_code}: {r.reason[:120]}' for r in failed.head(3).itertuples())})" \
                if len(failed) else ""
            label = "national" if part == 1 else f"national 1/{part}"
            print(f"{label}: {len(subset)} kommuner (synthetic crimes + real events), wall={wall:.0f}s, "
                  f"peak memory per worker {', '.join(f'{v / 1024:.2f} GB' for v in peaks.values())}, "
                  f"failed {len(failed)}{why}; stage shares: {shares}; per kommun: {kept}", flush=True)
            points.append((len(subset), wall))
    for (n1, w1), (n2, w2) in zip(points, points[1:]):
        print(f"national growth: wall ∝ n^{math.log(w2 / w1) / math.log(n2 / n1):.2f} from {n1} to {n2} kommuner")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="16,4,1", help="fractions of the country: 16 = every 16th kommun")
    sys.exit(main(tuple(int(x) for x in ap.parse_args().sizes.split(","))))
