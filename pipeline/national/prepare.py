"""National inputs, written once before the kommuner are fanned out: the typed kommun register,
Polisen's events partitioned by kommun (Parquet, ``events/kommun_code=<code>/part-0.parquet``),
every kommun's monthly counts for the comparison, the archive's coverage, and per kommun its
boundary (one area) and population. A kommun's run reads only its own partition and files, so no
worker holds the country's events.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline import io
from pipeline.errors import DataError


def find_inputs(data: Path) -> dict[str, Path]:
    """The real reference files in ``data`` (../shared/data): kommun boundaries, population per
    kommun and the event archive(s)."""
    data = Path(data)
    found = {"kommuner": data / "kommuner.geojson",
             "population": next(iter(sorted(data.glob("befolkning_kommuner_*.csv"))), None),
             "events": sorted(data.glob("polisen_handelser*.jsonl*"))}
    missing = [k for k, v in found.items() if not v or (isinstance(v, Path) and not v.exists())]
    if missing:
        raise DataError(f"{data}: missing {', '.join(missing)} (expected kommuner.geojson, befolkning_kommuner_<år>.csv "
                        "and polisen_handelser*.jsonl[.gz]); point --data at the national reference data")
    return found


def prepare_national(data: Path, out: Path, families) -> dict[str, object]:
    """Write the national inputs under ``out/inputs`` and return what the runs need: the register
    (DataFrame) and the paths of the counts, coverage, boundaries and population files."""
    from pipeline.ingest.kommuner import CODE, _code, _pick, kommun_register
    from pipeline.ingest.police_events import (event_coverage, event_kommun, events_to_frame, national_events,
                                               read_police_event_files)
    from pipeline.stats.comparison import attribute_to_kommuner, kommun_types, national_month_counts

    src = find_inputs(data)
    inputs = Path(out) / "inputs"
    files = [src["kommuner"], src["population"], *src["events"]]
    key = "|".join(f"{f.resolve()}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    done = {"counts": inputs / "national_event_month_counts.parquet", "coverage": inputs / "police_events_coverage.csv",
            "boundaries": inputs / "kommun_boundaries.parquet", "kommuner_file": src["kommuner"],
            "population_file": src["population"], "inputs": inputs}
    if (inputs / ".key").exists() and (inputs / ".key").read_text() == key:  # unchanged: reuse
        return {"register": io.read_frame(inputs / "kommuner.parquet"), **done}
    (inputs / ".key").unlink(missing_ok=True)
    boundaries = io.read_raw_layer(src["kommuner"])
    register = kommun_types(kommun_register(boundaries, io.read_raw_table(src["population"]), str(src["kommuner"]),
                                            str(src["population"])))
    records = read_police_event_files(src["events"])
    events = national_events(records, register, families)
    io.write_frame(national_month_counts(events), inputs / "national_event_month_counts.parquet")
    io.write_frame(event_coverage(records), inputs / "police_events_coverage.csv")
    io.write_frame(register, inputs / "kommuner.parquet")
    # the raw events, partitioned by the kommun they name (both location shapes)
    flat = events_to_frame([r for _, rs in records for r in rs])
    flat["kommun_code"] = attribute_to_kommuner(event_kommun(flat["name"], flat["location_name"]), register)
    flat = flat[flat["kommun_code"].notna()]
    for code, part in flat.groupby("kommun_code"):
        io.write_frame(part.drop(columns="kommun_code").reset_index(drop=True),
                       inputs / "events" / f"kommun_code={code}" / "part-0.parquet")
    for code in register["kommun_code"]:  # a kommun without events gets an empty partition
        path = inputs / "events" / f"kommun_code={code}" / "part-0.parquet"
        if not path.exists():
            io.write_frame(flat.drop(columns="kommun_code").iloc[:0], path)
    b = boundaries.assign(kommun_code=_code(boundaries[_pick(boundaries.columns, CODE, src["kommuner"], "kommun code")],
                                            src["kommuner"], "code"))
    gpd.GeoDataFrame(b[["kommun_code", "geometry"]], crs=boundaries.crs).to_parquet(inputs / "kommun_boundaries.parquet")
    (inputs / ".key").write_text(key)
    return {"register": register, **done}


def kommun_inputs(run_root: Path, code: str, name: str, population: int, boundaries: Path, year: int) -> None:
    """A kommun's own raw files: its boundary as the one area, and its population (read lazily:
    only this kommun's row group of the boundaries)."""
    raw = Path(run_root) / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    one = gpd.read_parquet(boundaries, filters=[("kommun_code", "==", code)])
    if not len(one):
        raise DataError(f"{boundaries}: no boundary for kommun {code}")
    gpd.GeoDataFrame({"area_id": [code], "area_name": [name]}, geometry=one.geometry.to_numpy(),
                     crs=one.crs).to_file(raw / "kommun.gpkg", engine="pyogrio")
    pd.DataFrame({"area_id": [code], "area_name": [name], "Antal": [int(population)], "År": [year - 1]}).to_csv(
        raw / "befolkning.csv", index=False)
