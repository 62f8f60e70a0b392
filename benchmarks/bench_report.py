"""Time building both lägesbild PDFs (internal and public) on the demo, once the layers exist.

Target: under 15 s for both PDFs. The processed tables are loaded once (not timed); each run
then does what ``lagesbild report`` does for the PDFs: internal PDF, public inputs
(suppression, coarse grid), public PDF. Each run gets a fresh figure cache, so it draws its
figures afresh (within a run the public version reuses the internal version's unchanged
figures, as in ``lagesbild report``). One warm-up run, then the median of 3.

Usage: ``.venv/bin/python benchmarks/bench_report.py [RUN_DIR]``. With RUN_DIR (a directory
where ``lagesbild score`` has run, e.g. a demo run) it is used as is; without, the demo is built
in a temporary directory with ``lagesbild demo-data``, ``ingest``, ``layers``, ``evidence`` and
``score`` (a few minutes). Prints one line:
``report_pdf: median=…s runs=3 target=<15s …``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from timing import result_line  # noqa: E402  (benchmarks/ is on sys.path when a script here runs)
LAGESBILD = Path(sys.executable).with_name("lagesbild")


def _make_demo(work: Path) -> None:
    shutil.copy(ROOT / "params.yaml", work)
    for stage in ("demo-data", "ingest", "layers", "evidence", "score"):
        subprocess.run([LAGESBILD, stage], cwd=work, check=True, capture_output=True)


def _time_runs(run_dir: Path, n: int = 3) -> list[float]:
    os.environ.setdefault("MPLBACKEND", "Agg")
    from pipeline import stages
    from pipeline.config import load_params
    from pipeline.context import RunContext
    from pipeline.report.public import make_public_inputs
    from pipeline.report.render import render_pdf
    from pipeline.report.svg import FigureCache

    run = RunContext.from_root(run_dir)
    params = load_params(run.params_file)
    inputs = stages.report_inputs(run, params, dt.date(2026, 1, 15))
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
        for i in range(n + 1):
            figures = FigureCache()
            start = time.perf_counter()
            render_pdf(inputs, Path(out) / "internal.pdf", figures)
            render_pdf(make_public_inputs(inputs, params.privacy), Path(out) / "public.pdf", figures)
            if i:  # the first run warms imports and font caches
                times.append(time.perf_counter() - start)
    return times


def main(argv: list[str]) -> None:
    if argv:
        times = _time_runs(Path(argv[0]).resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="bench-report-demo-") as tmp:
            _make_demo(Path(tmp))
            times = _time_runs(Path(tmp))
    result_line("report_pdf", median=f"{statistics.median(times):.1f}s", runs=len(times), target="<15s",
                data="processed tables of the demo (params.yaml as shipped)",
                timing=f"internal + public PDF per run, figure cache emptied, 1 warm-up + median of {len(times)}")


if __name__ == "__main__":
    main(sys.argv[1:])
