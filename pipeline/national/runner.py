"""``lagesbild national``: the pipeline for every kommun, each in its own run directory, fanned
out with Dask distributed (a LocalCluster by default, or a running scheduler).

Each kommun is one task: write its params and raw files, then ingest → layers → evidence → score
→ report in the worker's process, through its own :class:`pipeline.context.RunContext` (no
notebooks: they are for looking at one kommun). A task never raises: a kommun that fails comes
back with its reason and the others go on. A rerun skips a kommun whose inputs and params hash
to the same key as its last successful run (``.national-key`` in its run directory).

The kommuner's reports are built from Polisen's published events (the real archive), the only
source every kommun has; the national generator of synthetic crime exports (issue 13, part 5)
is not written yet, so the per-kommun runs take the events-only path.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from pathlib import Path

import pandas as pd
import yaml

KEY_FILE = ".national-key"
STAGES = ("ingest", "layers", "evidence", "score", "report")


def kommun_params(code: str, name: str, year: int, years_back: int, shared: dict[str, str], base: dict) -> dict:
    """The params of one kommun's run: its events partition, the national comparison inputs, and
    the scoring and report sections of the base params."""
    return {
        "kommun": {"code": code, "name": name, "lpo": f"Lokalpolisområde {name}", "year": year,
                   "years_back": years_back},
        "sources": {"areas": {"path": "data/raw/kommun.gpkg"}, "population": {"path": "data/raw/befolkning.csv"},
                    "police_events": {"path": shared["events"]}},
        "comparison": {"kommuner": shared["kommuner"], "population": shared["population"], "counts": shared["counts"],
                       "coverage": shared["coverage"]},
        "layers": base.get("layers", {}), "privacy": base.get("privacy", {}), "scoring": base["scoring"],
        "report": base.get("report", {}),
    }


def _key(params: dict, files: list[Path]) -> str:
    """Hash of the params and of every input file's bytes."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for f in sorted(files):
        h.update(str(f).encode())
        h.update(Path(f).read_bytes())
    return h.hexdigest()


def run_kommun(task: dict) -> dict:
    """One kommun, start to end, in this process. ``task``: code, name, population, root, year,
    years_back, shared (paths), base (params), boundaries, pop_year. Returns code, name, status
    ("done", "skipped" or "failed"), reason, seconds per stage and the report's path."""
    from pipeline import stages
    from pipeline.config import Params
    from pipeline.context import RunContext
    from pipeline.errors import DataError
    from pipeline.national.prepare import kommun_inputs

    code, root = task["code"], Path(task["root"])
    out = {"kommun_code": code, "kommun_name": task["name"], "status": "failed", "reason": "", "seconds": {},
           "report": ""}
    t0 = time.perf_counter()
    try:
        params = kommun_params(code, task["name"], task["year"], task["years_back"], task["shared"], task["base"])
        inputs = [Path(task["shared"]["events"]), Path(task["shared"]["counts"]), Path(task["boundaries"])]
        key = _key({**params, "population": task["population"]}, inputs)
        run = RunContext.from_root(root)
        pdf = run.report_pdf(task["year"])
        if (root / KEY_FILE).exists() and (root / KEY_FILE).read_text() == key and pdf.exists():
            return out | {"status": "skipped", "report": str(pdf)}
        (root / KEY_FILE).unlink(missing_ok=True)
        kommun_inputs(root, code, task["name"], task["population"], Path(task["boundaries"]), task["pop_year"])
        run.params_file.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")
        p = Params.model_validate(params)
        for name in STAGES:
            s = time.perf_counter()
            getattr(stages, name)(run, p)
            out["seconds"][name] = round(time.perf_counter() - s, 2)
        (root / KEY_FILE).write_text(key)
        return out | {"status": "done", "report": str(pdf)}
    except DataError as exc:
        return out | {"reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one kommun's failure must not stop the others
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return out | {"reason": f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"}
    finally:
        out["seconds"]["total"] = round(time.perf_counter() - t0, 2)


def _client(scheduler: str | None, workers: int):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def run_national(data: Path, out: Path, base: dict, year: int, years_back: int = 3, codes: list[str] | None = None,
                 scheduler: str | None = None, workers: int = 2, progress=print) -> pd.DataFrame:
    """Prepare the national inputs, run every kommun (or ``codes``) on Dask, write the overview.

    Returns the status table (kommun_code, kommun_name, status, reason, seconds per stage,
    report), also written to ``out/status.csv``. ``progress`` gets one line per kommun.
    """
    from dask.distributed import as_completed

    from pipeline import io
    from pipeline.errors import DataError
    from pipeline.ingest.common import year_from_filename
    from pipeline.national.overview import write_overview
    from pipeline.problems import load_families

    out = Path(out).resolve()
    t0 = time.perf_counter()
    prep = __import__("pipeline.national.prepare", fromlist=["prepare_national"]).prepare_national(
        Path(data), out, load_families())
    reg = prep["register"]
    if codes:
        unknown = sorted(set(codes) - set(reg["kommun_code"]))
        if unknown:
            raise DataError(f"--kommuner: unknown kommun code(s) {', '.join(unknown)}; use 4-digit codes such as 1980")
        reg = reg[reg["kommun_code"].isin(codes)]
    progress(f"national: inputs ready for {len(reg)} kommuner ({time.perf_counter() - t0:.1f} s)")
    pop_year = year_from_filename(str(prep["population_file"])) or year - 1
    tasks = [{"code": r.kommun_code, "name": r.kommun_name, "population": int(r.population),
              "root": str(out / "kommuner" / r.kommun_code), "year": year, "years_back": years_back,
              "base": base, "boundaries": str(prep["boundaries"]), "pop_year": pop_year,
              "shared": {"events": str(prep["inputs"] / "events" / f"kommun_code={r.kommun_code}" / "part-0.parquet"),
                         "kommuner": str(Path(prep["kommuner_file"]).resolve()),
                         "population": str(Path(prep["population_file"]).resolve()),
                         "counts": str(prep["counts"]), "coverage": str(prep["coverage"])}}
             for r in reg.itertuples()]
    client, cluster = _client(scheduler, workers)
    results = []
    try:
        futures = client.map(run_kommun, tasks, key=[f"kommun-{t['code']}" for t in tasks], pure=False)
        for i, fut in enumerate(as_completed(futures), start=1):
            r = fut.result()
            results.append(r)
            tail = f"({r['seconds'].get('total', 0):.1f} s)" if r["status"] == "done" else r["reason"]
            progress(f"[{i}/{len(tasks)}] {r['kommun_code']} {r['kommun_name']}: {r['status']} {tail}")
        worker_memory = _worker_peaks(client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    status = pd.DataFrame([{**{k: v for k, v in r.items() if k != "seconds"},
                            **{f"seconds_{k}": v for k, v in r["seconds"].items()}} for r in results])
    status = status.sort_values("kommun_code").reset_index(drop=True)
    io.write_frame(status, out / "status.csv")
    write_overview(out, prep["register"], prep["counts"], prep["coverage"], prep["boundaries"], year, years_back,
                   status)
    status.attrs["worker_peak_mb"] = worker_memory
    status.attrs["wall_s"] = time.perf_counter() - t0
    return status


def _worker_peaks(client) -> dict[str, float]:
    """Peak resident memory (MB) of each worker process so far (resource.getrusage in the worker)."""
    def peak():
        import resource
        import sys

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024
    try:
        return {addr: round(mb, 1) for addr, mb in client.run(peak).items()}
    except Exception:  # noqa: BLE001 - memory is a report, never a reason to fail
        return {}
