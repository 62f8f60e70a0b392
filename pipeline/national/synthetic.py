"""``lagesbild national-data``: the synthetic country (:mod:`pipeline.demo.national`) written as
Parquet partitioned by kommun, one folder per kommun so that a worker reads only its own::

    <out>/crimes/kommun_code=<code>/part-0.parquet      police export rows, every cell text
    <out>/areas/kommun_code=<code>/part-0.parquet       synthetic stadsdelar (GeoParquet, EPSG:3006)
    <out>/population/kommun_code=<code>/part-0.parquet  population per area × sex × age band × year
    <out>/truth.csv                                     per kommun: what was generated

Built over the real boundaries and populations in ``--data`` (read in place, never copied), with
each town centre taken from Polisen's real events. The kommuner are generated in parallel on
Dask (the same cluster choice as ``lagesbild national``); the same seed, total and years give
the same bytes, and an unchanged request reuses what is there.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from pipeline import io
from pipeline.errors import DataError

PARTS = ("crimes", "areas", "population")
GENERATOR_VERSION = 1  # bump when the generator's output changes, so old countries are rebuilt


def partition(root: Path, part: str, code: str) -> Path:
    """The file of one kommun's partition."""
    return Path(root) / part / f"kommun_code={code}" / "part-0.parquet"


def kommun_centres(records, register: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Each kommun's centre (SWEREF 99 TM) from Polisen's events: the most common ``location.gps``
    of the events whose location is the kommun itself; kommuner without such events get none."""
    from pipeline.ingest.police_events import events_to_frame
    from pipeline.stats.comparison import attribute_to_kommuner

    flat = events_to_frame([r for _, rs in records for r in rs])[["location_name", "location_gps"]].dropna()
    flat["kommun_code"] = attribute_to_kommuner(flat["location_name"], register)
    gps = flat.dropna().groupby("kommun_code")["location_gps"].agg(lambda s: s.value_counts().index[0])
    latlon = gps.str.split(",", expand=True).astype(float)
    pts = gpd.GeoSeries(gpd.points_from_xy(latlon[1], latlon[0]), index=latlon.index, crs="EPSG:4326").to_crs(3006)
    return {code: (p.x, p.y) for code, p in pts.items()}


def generate_kommun(task: dict) -> dict:
    """One kommun in this process: build its frames and write its three partitions; returns its
    truth record (with the seconds it took)."""
    from pipeline.demo.national import KommunPlan, build_kommun

    t0 = time.perf_counter()
    plan = KommunPlan(**task["plan"])
    data = build_kommun(plan, shapely.from_wkb(task["boundary"]), task["years"], task["seed"])
    out = Path(task["out"])
    io.write_frame(data["crimes"], partition(out, "crimes", plan.code))
    io.write_frame(data["areas"], partition(out, "areas", plan.code))
    io.write_frame(data["population"], partition(out, "population", plan.code))
    return data["truth"] | {"seconds": round(time.perf_counter() - t0, 2)}


def write_country(data: Path, out: Path, year: int, years_back: int, total: int, seed: int,
                  scheduler: str | None = None, workers: int = 2, progress=print,
                  codes: list[str] | None = None) -> pd.DataFrame:
    """Generate and write the synthetic country under ``out``; returns the truth table (one row
    per kommun: incidents per year, rows written, planted change). ``codes``: only these
    kommuner, each with the volume it has in the whole country (the same bytes as there)."""
    from dataclasses import asdict

    from dask.distributed import as_completed

    from pipeline.demo.national import plan_country
    from pipeline.ingest.kommuner import CODE, _code, _pick, kommun_register
    from pipeline.ingest.police_events import read_police_event_files
    from pipeline.national.prepare import find_inputs
    from pipeline.national.runner import _client
    from pipeline.stats.comparison import kommun_types

    out = Path(out).resolve()
    src = find_inputs(data)
    years = list(range(year - years_back + 1, year + 1))
    files = [src["kommuner"], src["population"], *src["events"]]
    key = json.dumps({"version": GENERATOR_VERSION, "total": total, "seed": seed, "years": years,
                      "kommuner": sorted(codes) if codes else "all",
                      "files": [f"{f.resolve()}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files]})
    key = hashlib.sha256(key.encode()).hexdigest()
    truth_file = out / "truth.csv"
    if (out / ".key").exists() and (out / ".key").read_text() == key and truth_file.exists():
        progress(f"national-data: {out} already holds this country (seed {seed}, {total:,} a year); reused")
        return pd.read_csv(truth_file, dtype={"kommun_code": str})
    (out / ".key").unlink(missing_ok=True)
    boundaries = io.read_raw_layer(src["kommuner"])
    register = kommun_types(kommun_register(boundaries, io.read_raw_table(src["population"]), str(src["kommuner"]),
                                            str(src["population"])))
    b = boundaries.to_crs(3006)
    b["kommun_code"] = _code(b[_pick(b.columns, CODE, src["kommuner"], "kommun code")], src["kommuner"], "code")
    shapes = dict(zip(b["kommun_code"], b.geometry))
    centres = kommun_centres(read_police_event_files(src["events"]), register)
    for code in set(register["kommun_code"]) - set(centres):  # no event names the kommun itself
        centres[code] = tuple(shapely.get_coordinates(shapely.point_on_surface(shapes[code]))[0])
    plans = plan_country(register, centres, total, seed)
    if codes:
        unknown = sorted(set(codes) - set(register["kommun_code"]))
        if unknown:
            raise DataError(f"--kommuner: unknown kommun code(s) {', '.join(unknown)}; use 4-digit codes such as 1980")
        plans = [p for p in plans if p.code in set(codes)]
    tasks = [{"plan": asdict(p), "boundary": shapely.to_wkb(shapes[p.code]), "years": years, "seed": seed,
              "out": str(out)} for p in sorted(plans, key=lambda p: -p.per_year)]  # largest first
    progress(f"national-data: {len(tasks)} kommuner, {total:,} incidents in {year}, years {years[0]}–{years[-1]}")
    client, cluster = _client(scheduler, workers)
    rows = []
    try:
        futures = client.map(generate_kommun, tasks, key=[f"generate-{t['plan']['code']}" for t in tasks], pure=False)
        for i, fut in enumerate(as_completed(futures), start=1):
            r = fut.result()
            rows.append(r)
            progress(f"[{i}/{len(tasks)}] {r['kommun_code']} {r['kommun_name']}: {r['rows']:,} rows "
                     f"({r['seconds']:.1f} s)")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    truth = pd.DataFrame([{**{k: v for k, v in r.items() if k not in ("incidents", "faults")},
                           **{f"incidents_{y}": n for y, n in r["incidents"].items()}} for r in rows])
    truth = truth.sort_values("kommun_code").reset_index(drop=True)
    io.write_frame(truth, truth_file)
    (out / ".key").write_text(key)
    return truth
