"""Whole-process timing of `lagesbild run` on the demo kommun (target: under 60 s on 2 cores).

Writes the demo into a temporary copy of the project, runs the pipeline once to warm caches,
then times `n` more runs and prints the median. Run with `make bench` or directly.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAGESBILD = Path(sys.executable).with_name("lagesbild")


def main(n: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(ROOT / "params.yaml", work)
        shutil.copytree(ROOT / "notebooks", work / "notebooks")
        subprocess.run([LAGESBILD, "demo-data"], cwd=work, check=True, capture_output=True)
        subprocess.run([LAGESBILD, "run"], cwd=work, check=True, capture_output=True)  # warm-up
        times = []
        for _ in range(n):
            start = time.perf_counter()
            subprocess.run([LAGESBILD, "run"], cwd=work, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    print(f"lagesbild_run_demo: median={statistics.median(times):.1f}s runs={n} "
          f"all={', '.join(f'{t:.1f}' for t in times)} target<60s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
