"""``lagesbild national``: the pipeline for every kommun, each in its own run directory, fanned
out with Dask distributed (a LocalCluster by default, or a running scheduler).

Each kommun is one task: write its params and raw files, then ingest → layers → evidence → score
→ report in the worker's process, through its own :class:`pipeline.context.RunContext` (no
notebooks: they are for looking at one kommun). A task never raises: a kommun that fails comes
back with its reason and the others go on. A rerun skips a kommun whose inputs, params, stage
options and code hash to the same key as its last successful run (``.national-key`` in its run
directory) and whose params.yaml is still the one the national run wrote.

Every kommun's run reads Polisen's published events (the real archive), the only source every
kommun has; with ``crimes`` (a synthetic country from ``lagesbild national-data``) it also reads
its crime, area and population partitions, and otherwise takes the events-only path.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import logging
import math
import time
import traceback
from pathlib import Path

import pandas as pd
import yaml

KEY_FILE = ".national-key"
STAGES = ("ingest", "layers", "evidence", "score", "report")
# What a national run leaves out of each kommun's run: the QGIS GeoPackage (the layers are in
# GeoParquet), the public version, the Excel tables (the national overview has its own) and the
# chapters whose figures cost most to draw and that a comparison across kommuner does not read
# (maps, time of day, survey, dialogues, EST, harm, the analyst's chapters, appendices). One
# report per kommun: a short internal PDF that says which chapters it leaves out; `lagesbild run`
# in the kommun's run directory gives the whole lägesbild. Every stage runs in the worker's own process
# (processes=1): the machine's other cores are the other workers, and a worker's threads make forking unsafe.
NATIONAL_CHAPTERS = ("Sammanfattning", "Om kommunen", "Anmälda brott", "Jämförelse", "Prioriterade problembilder",
                     "Metod och källor")
STAGE_OPTIONS = {"ingest": {"processes": 1}, "layers": {"gpkg": False, "processes": 1}, "score": {"excel": False},
                 "report": {"versions": ("intern",), "excel": False, "chapters": NATIONAL_CHAPTERS, "processes": 1}}


def kommun_params(code: str, name: str, year: int, years_back: int, shared: dict[str, str], base: dict,
                  area_km2: float | None = None) -> dict:
    """The params of one kommun's run: its events partition (and, from a synthetic country, its
    crime, area and population partitions), the national comparison inputs, and the scoring and
    report sections of the base params. With ``area_km2`` the grid is sized to the kommun
    (:func:`grid_for_area`)."""
    sources = {"areas": {"path": "data/raw/kommun.gpkg"}, "population": {"path": "data/raw/befolkning.csv"},
               "police_events": {"path": shared["events"]}}
    if shared.get("crimes"):
        sources = {"areas": {"path": shared["areas"]}, "population": {"path": shared["population_areas"]},
                   "crimes": {"path": shared["crimes"]}, "police_events": {"path": shared["events"]}}
    layers = dict(base.get("layers", {}))
    if area_km2 is not None:
        layers |= grid_for_area(area_km2, layers)
    return {
        "kommun": {"code": code, "name": name, "lpo": f"Lokalpolisområde {name}", "year": year,
                   "years_back": years_back},
        "sources": sources,
        "comparison": {"kommuner": shared["kommuner"], "population": shared["population"], "counts": shared["counts"],
                       "coverage": shared["coverage"], "typed_register": shared.get("register")},
        "layers": layers, "privacy": base.get("privacy", {}), "scoring": base["scoring"],
        "report": base.get("report", {}),
    }


MAX_CELLS = 20_000  # grid cells of a kommun in a national run


def grid_for_area(area_km2: float, layers: dict) -> dict:
    """Grid settings that keep a kommun under :data:`MAX_CELLS` cells: the base cell size (250 m)
    where it fits, else the smallest multiple of it that does (Kiruna's 20 000 km² get 1 250 m),
    with the Gi* distance band at least two cells and the KDE bandwidth at least 1.2 cells."""
    base = float(layers.get("grid_cell_m", 250))
    cell = base * max(1, math.ceil(math.sqrt(area_km2 * 1e6 / MAX_CELLS) / base))
    if cell == base:
        return {}
    return {"grid_cell_m": cell, "gi_distance_m": max(float(layers.get("gi_distance_m", 500)), 2 * cell),
            "kde_bandwidth_m": max(float(layers.get("kde_bandwidth_m", 300)), 1.2 * cell)}


def _key(params: dict, files: list[Path]) -> str:
    """Hash of the params and of every input file's bytes."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for f in sorted(files):
        h.update(str(f).encode())
        h.update(Path(f).read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Hash of the package's own files (code, defaults, templates; not its bytecode caches), so
    that a kommun last run by other code is run again: its tables and report would differ, and
    the other code may have written files this one does not (an earlier run's Excel tables).
    Computed once per process, by the worker that runs the kommun (a cluster's workers may have
    another install than the client); about 10 ms."""
    import pipeline

    base = Path(pipeline.__file__).parent
    h = hashlib.sha256()
    for f in sorted(base.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(base)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _text(path: Path) -> str | None:
    return path.read_text("utf-8") if path.exists() else None


def run_kommun(task: dict) -> dict:
    """One kommun, start to end, in this process. ``task``: code, name, population, root, year,
    years_back, shared (paths), base (params), boundaries, pop_year. Returns code, name, status
    ("done", "skipped" or "failed"), reason, seconds per stage and the report's path."""
    from pipeline import io, stages
    from pipeline.config import Params
    from pipeline.context import RunContext
    from pipeline.errors import DataError
    from pipeline.national.prepare import kommun_inputs
    from pipeline.parallel import sparse_collections

    code, root = task["code"], Path(task["root"])
    out = {"kommun_code": code, "kommun_name": task["name"], "status": "failed", "reason": "", "seconds": {},
           "cpu": {}, "report": ""}
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        shared = task["shared"]
        synthetic = bool(shared.get("crimes"))
        params = kommun_params(code, task["name"], task["year"], task["years_back"], shared, task["base"],
                               task["area_km2"] if synthetic else None)
        inputs = [Path(shared[k]) for k in ("events", "counts", "register", "crimes", "areas", "population_areas")
                  if shared.get(k)]
        inputs.append(Path(task["boundaries"]))
        key = _key({**params, "population": task["population"], "stage_options": STAGE_OPTIONS,
                    "code": code_digest()}, inputs)
        params_text = yaml.safe_dump(params, allow_unicode=True, sort_keys=False)
        run = RunContext.from_root(root)
        pdf = run.report_pdf(task["year"])
        # params.yaml edited by hand (and perhaps run with `lagesbild run`): run the kommun again
        if (_text(root / KEY_FILE) == key and pdf.exists() and _text(run.params_file) == params_text):
            return out | {"status": "skipped", "report": str(pdf)}
        root.mkdir(parents=True, exist_ok=True)
        (root / KEY_FILE).unlink(missing_ok=True)
        if not synthetic:  # the kommun's boundary as its one area, and its population
            kommun_inputs(root, code, task["name"], task["population"], Path(task["boundaries"]), task["pop_year"])
        run.params_file.write_text(params_text, "utf-8")
        p = Params.model_validate(params)
        # as in the CLI: sparse collections (a worker's own setting comes back after), and each
        # table read once in the kommun's run (13 of a kommun's 51 reads were repeats: the
        # evidence and score stages read what the report reads again)
        with sparse_collections(), io.reading_once():
            for name in STAGES:
                s, c = time.perf_counter(), time.process_time()
                getattr(stages, name)(run, p, **STAGE_OPTIONS.get(name, {}))
                out["seconds"][name] = round(time.perf_counter() - s, 2)
                out["cpu"][name] = round(time.process_time() - c, 2)
        (root / KEY_FILE).write_text(key)
        return out | {"status": "done", "report": str(pdf)}
    except DataError as exc:
        return out | {"reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one kommun's failure must not stop the others
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return out | {"reason": f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"}
    finally:
        out["seconds"]["total"] = round(time.perf_counter() - t0, 2)
        out["cpu"]["total"] = round(time.process_time() - c0, 2)


NANNY_ENVIRON = "distributed.nanny.pre-spawn-environ"  # what distributed's nannies set before a worker starts
PROFILE = "distributed.worker.profile.enabled"  # distributed's statistical profiler, for the dashboard


def _client(scheduler: str | None, workers: int):
    import dask
    from dask.distributed import Client, LocalCluster

    quiet_dask_logs()
    if scheduler:
        return Client(scheduler), None
    # distributed's nannies start each worker with MALLOC_TRIM_THRESHOLD_=65536 (to hand freed
    # memory back to the system at once). Setting it also fixes glibc's mmap threshold at 128 KiB,
    # so every larger numpy array is a fresh mapping, zeroed page by page: a kommun's run took
    # five times the page faults and a fifth more CPU. Our workers stay far below their memory
    # limit, so they keep glibc's defaults (None drops it from that setting; a worker still
    # inherits it from this process's environment, which run_national then reports).
    # distributed's profiler walks the stack of every running task every 10 ms, in the worker's
    # event loop and holding the GIL, for the dashboard's Profile page: the loop's thread took
    # 1.8 s in 30 s of a task's work with it and 0.6–0.8 s without, about 4 % of the worker's
    # CPU. A national run is a batch job with its own progress lines; the dashboard keeps its
    # task stream, and samples memory and CPU every 2 s instead of 0.5 s (psutil; the scheduler
    # and nannies in this process: 1.37 → 0.98 s of CPU in 30 s of two workers' work).
    with dask.config.set({f"{NANNY_ENVIRON}.MALLOC_TRIM_THRESHOLD_": None, PROFILE: False,
                          "distributed.admin.system-monitor.interval": "2s"}):
        # each nanny keeps its own copy: it hands its config to every worker it (re)starts, and
        # a shallow one would share the nested dicts that leaving this block restores
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               config=copy.deepcopy(dask.config.config))
    return Client(cluster), cluster


def quiet_dask_logs() -> None:
    """Keep distributed's warnings and errors, not its INFO lines.

    distributed logs every scheduler, nanny and worker start, connection and shutdown at INFO
    ("Start Nanny at ...", "Received 'close-stream' ...", "Lost all workers"). When the root
    logger already has a handler (the CLI's), it sets its own logger to INFO and sends them
    there, so a one-kommun national run printed 33 of them around its 3 own lines (and
    ``LocalCluster(silence_logs=...)`` only quiets distributed's own handlers, of which there
    are none then). Call after importing distributed: its import sets the level. With
    ``--debug`` (root at DEBUG) the INFO lines stay.
    """
    root = logging.getLogger().getEffectiveLevel()
    logging.getLogger("distributed").setLevel(logging.INFO if root <= logging.DEBUG else max(root, logging.WARNING))


def _close(client, cluster) -> None:
    """Close the client, and the LocalCluster when it is ours (``cluster`` not None).

    Closing our own cluster, distributed logs only CRITICAL, here (scheduler and nannies) and in
    its workers: by then every kommun's result is in, and what a loaded machine logs while the
    cluster closes (a worker slow to exit, a heartbeat that meets the closing scheduler) says
    nothing about them. A cluster given with ``--scheduler`` is not ours: its workers keep their
    logging. The client and the cluster are closed whatever happens before (even Ctrl-C), and
    the level is restored.
    """
    logger = logging.getLogger("distributed")
    level = logger.level

    def critical_only() -> None:
        logging.getLogger("distributed").setLevel(logging.CRITICAL)

    try:
        if cluster is not None:
            logger.setLevel(logging.CRITICAL)
            with contextlib.suppress(Exception):  # a broken cluster has nothing left to say
                client.run(critical_only)
    finally:
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        finally:
            logger.setLevel(level)


def run_national(data: Path, out: Path, base: dict, year: int, years_back: int = 3, codes: list[str] | None = None,
                 scheduler: str | None = None, workers: int = 2, progress=print, crimes: Path | None = None,
                 ) -> pd.DataFrame:
    """Prepare the national inputs, run every kommun (or ``codes``) on Dask, write the overview.

    ``crimes``: a synthetic country written by ``lagesbild national-data``; each kommun then runs
    on its crime, area and population partitions (else on Polisen's events only). Kommuner are
    sent largest first, so that the last task to finish is a small one.

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
                         "counts": str(prep["counts"]), "coverage": str(prep["coverage"]),
                         "register": str(prep["inputs"] / "kommuner.parquet"),
                         **(_partitions(Path(crimes), r.kommun_code) if crimes else {})},
              "area_km2": float(r.area_km2)}
             for r in reg.sort_values("population", ascending=False, kind="stable").itertuples()]
    client, cluster = _client(scheduler, workers)
    if cluster is not None:  # distributed's INFO line with the dashboard's (random) port is quieted
        progress(f"national: LocalCluster of {workers} workers, dashboard {cluster.dashboard_link}")
    # ours too: they inherit this process's environment (MALLOC_TRIM_THRESHOLD_)
    trimmed, profiling = _costly_workers(client)
    if trimmed:
        progress(f"national: {trimmed} worker(s) run with MALLOC_TRIM_THRESHOLD_ set (distributed's nanny sets "
                 "65536, and an earlier cluster in this process leaves it in its environment), which cost a fifth "
                 "more CPU per kommun here; start them with `dask worker --no-nanny`, or set "
                 f"{NANNY_ENVIRON}.MALLOC_TRIM_THRESHOLD_ to null in their Dask config, from a shell without it")
    if profiling:
        progress(f"national: {profiling} worker(s) run distributed's profiler (every 10 ms, for the dashboard's "
                 "Profile page), which cost about 4 % of their CPU here; start them with "
                 "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False in their environment, or set "
                 f"{PROFILE} to false in their Dask config")
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
        _close(client, cluster)
    status = pd.DataFrame([{**{k: v for k, v in r.items() if k not in ("seconds", "cpu")},
                            **{f"seconds_{k}": v for k, v in r["seconds"].items()},
                            **{f"cpu_{k}": v for k, v in r["cpu"].items()}} for r in results])
    status = status.sort_values("kommun_code").reset_index(drop=True)
    io.write_frame(status, out / "status.csv")
    write_overview(out, prep["register"], prep["counts"], prep["coverage"], prep["boundaries"], year, years_back,
                   status)
    status.attrs["worker_peak_mb"] = worker_memory
    status.attrs["wall_s"] = time.perf_counter() - t0
    return status


def _partitions(country: Path, code: str) -> dict[str, str]:
    """A kommun's crime, area and population partitions in a synthetic country."""
    from pipeline.national.synthetic import partition

    country = country.resolve()
    return {"crimes": str(partition(country, "crimes", code)), "areas": str(partition(country, "areas", code)),
            "population_areas": str(partition(country, "population", code))}


def _costly_workers(client) -> tuple[int, int]:
    """How many of the cluster's workers run with MALLOC_TRIM_THRESHOLD_ in their environment,
    and how many with distributed's profiler on (each costs CPU per kommun; see :func:`_client`)."""
    def costs(dask_worker):
        import os

        return os.environ.get("MALLOC_TRIM_THRESHOLD_") is not None, "profile" in dask_worker.periodic_callbacks
    try:
        seen = list(client.run(costs).values())
    except Exception:  # noqa: BLE001 - a hint, never a reason to fail
        return 0, 0
    return sum(t for t, _ in seen), sum(p for _, p in seen)


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
