"""Peak memory of the ingest stage at 0.5, 2 and 8 million crime rows: streamed (ours, the path
an export over ``pipeline.ingest.stream.STREAM_BYTES`` takes) beside the whole-file ingest (the
peer: every file read at once, as before issue 13).

The run directory is the demo kommun (``lagesbild demo-data``, params as shipped) with its crime
exports replaced by police-export CSVs of the wanted size: the demo's own export rows repeated,
each copy with its Diarienummer made unique (rows without one stay exact repeats and are
quarantined as duplicates, as in the demo), split into files of at most 1 million rows. Each
measurement is ``stages.ingest`` in a fresh process; peak memory is that process's high-water
mark (``ru_maxrss``), and ``base`` the process's resident memory just before the stage (imports,
params). The whole-file ingest is not run at 8 million rows: at ~2.3 KB a row it would need about
18 GB of the shared 24 GB machine. Prints one line per size and the growth exponent b of
peak ≈ a·rows^b; run with ``make bench`` or ``.venv/bin/python benchmarks/bench_ingest.py
[--sizes 500000,2000000,8000000]``.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import result_line  # benchmarks/ is on sys.path when a script here runs

ROOT = Path(__file__).resolve().parents[1]
LAGESBILD = Path(sys.executable).with_name("lagesbild")
FILE_ROWS = 1_000_000
WHOLE_MAX_ROWS = 2_000_000


def make_run_dir(work: Path) -> Path:
    """The demo kommun in ``work`` (params as shipped, notebooks not needed)."""
    work.mkdir(parents=True)
    shutil.copy(ROOT / "params.yaml", work / "params.yaml")
    subprocess.run([LAGESBILD, "demo-data"], cwd=work, check=True, capture_output=True)
    return work


def template_rows(run_dir: Path):
    """The demo's crime export rows (every file, cells as text)."""
    import pandas as pd

    from pipeline import io

    crimes = run_dir / "data" / "raw" / "brott"
    frames = [io.read_raw_table(p) for p in sorted(crimes.iterdir()) if p.suffix in (".csv", ".xlsx")]
    return pd.concat(frames, ignore_index=True)


def write_exports(run_dir: Path, template, rows: int) -> int:
    """Replace the crime exports by CSVs holding ``rows`` rows; returns their bytes."""
    crimes = run_dir / "data" / "raw" / "brott"
    shutil.rmtree(crimes)
    crimes.mkdir()
    ids = template["Diarienummer"]
    written, copy, part, in_part, fh = 0, 0, 0, 0, None
    try:
        while written < rows:
            block = template.iloc[: rows - written].copy()
            block["Diarienummer"] = ids.iloc[: len(block)].where(ids.iloc[: len(block)].isna(),
                                                                  ids.iloc[: len(block)] + f"-{copy}")
            start = 0
            while start < len(block):
                if fh is None or in_part >= FILE_ROWS:
                    if fh is not None:
                        fh.close()
                    part += 1
                    fh = open(crimes / f"anmalda_brott_del{part:02d}.csv", "w", encoding="utf-8", newline="")
                    in_part, header = 0, True
                else:
                    header = False
                take = block.iloc[start: start + FILE_ROWS - in_part]
                take.to_csv(fh, sep=";", index=False, header=header, lineterminator="\n")
                in_part += len(take)
                start += len(take)
            written += len(block)
            copy += 1
    finally:
        if fh is not None:
            fh.close()
    return sum(p.stat().st_size for p in crimes.iterdir())


def child(mode: str, run_dir: str) -> None:
    """One ingest in this process; prints its figures as JSON."""
    from pipeline import stages
    from pipeline.config import load_params
    from pipeline.context import RunContext
    from pipeline.ingest import stream

    stream.STREAM_BYTES = 0 if mode == "streamed" else float("inf")
    run = RunContext.from_root(Path(run_dir))
    params = load_params(run.params_file)
    with open("/proc/self/statm") as f:
        base_kb = int(f.read().split()[1]) * resource.getpagesize() / 1024
    start = time.perf_counter()
    stages.ingest(run, params)
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    quality = __import__("pandas").read_csv(run.ingest_quality)
    crimes = quality[quality["source"] == "crimes"].iloc[0]
    print(json.dumps({"wall": wall, "peak_mb": peak_kb / 1024, "base_mb": base_kb / 1024,
                      "rows_read": int(crimes["rows_read"]), "accepted": int(crimes["accepted"])}))


def measure(mode: str, run_dir: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(run_dir)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"ingest ({mode}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def exponent(points: list[tuple[int, float]]) -> str:
    (n1, y1), (n2, y2) = points[0], points[-1]
    return f"{math.log(y2 / y1) / math.log(n2 / n1):.2f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500000,2000000,8000000")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "RUN_DIR"))
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0
    from pipeline.ingest.stream import CHUNK_ROWS

    sizes = [int(s) for s in args.sizes.split(",")]
    ours, peer = [], []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        run_dir = make_run_dir(Path(tmp) / "run")
        template = template_rows(run_dir)
        for rows in sizes:
            size = write_exports(run_dir, template, rows)
            s = measure("streamed", run_dir)
            w = measure("whole", run_dir) if rows <= WHOLE_MAX_ROWS else None
            ours.append((rows, s["peak_mb"]))
            if w:
                peer.append((rows, w["peak_mb"]))
            result_line("ingest_memory", rows=rows, file_mb=round(size / 2**20), ours_peak_mb=round(s["peak_mb"]),
                        ours_wall=f"{s['wall']:.1f}s", peer_peak_mb=round(w["peak_mb"]) if w else "not run (~18 GB)",
                        peer_wall=f"{w['wall']:.1f}s" if w else "-",
                        ratio=f"{w['peak_mb'] / s['peak_mb']:.1f}x" if w else "-", base_mb=round(s["base_mb"]),
                        accepted=s["accepted"], ours_cfg=f"stream.ingest_crimes_streamed, {CHUNK_ROWS} rows a chunk",
                        peer_cfg="crimes.ingest_crimes on every file read whole (read_raw_table)",
                        data=f"the demo's export rows repeated to {rows} rows in {math.ceil(rows / FILE_ROWS)} CSV files",
                        timing="stages.ingest in a fresh process each; peak = ru_maxrss")
    result_line("ingest_memory_growth", rows=f"{sizes[0]}..{sizes[-1]}", ours_exponent=exponent(ours),
                peer_exponent=exponent(peer) if len(peer) > 1 else "-",
                meaning="peak memory ~ rows^b; b=1 grows with the input, b near 0 stays flat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
