"""Crime ingest on a 2×2-km two-area kommun: every quarantine reason, swapped coordinates,
decimal comma, encodings, header aliases, config overrides and the fatal one-line errors."""

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.config import KommunParams, SourceParams
from pipeline.errors import DataError
from pipeline.ingest.crimes import ingest_crimes
from pipeline.io import read_raw_table
from pipeline.problems import load_families
from pipeline.schemas import validate

X0, Y0 = 580_000, 6_610_000
KOMMUN = KommunParams(code="1980", name="Västerås", lpo="LPO Västerås", year=2025)  # years 2021–2025
HEADER = "Diarienummer;Brottsdatum;Klockslag;Brottskod;Brottsbenämning;Brottsplats;Stadsdel;X-koordinat;Y-koordinat"
ROWS = [  # (expected outcome, row)
    ("ok", "5000-K1-25;2025-03-01;22:15;;Misshandel, utomhus, obekant med offret;Torget;Bäckby;580500,5;6611000"),
    ("ok", "5000-K2-25;2025-03-02;;;Bostadsinbrott;Gatan 1;Centrum;581500;6611000"),
    ("swapped", "5000-K3-25;2024-06-30;03:00;;Skadegörelse genom klotter;Parken;Centrum;6611500;581500"),
    ("duplicate", "5000-K2-25;2025-03-02;;;Bostadsinbrott;Gatan 1;Centrum;581500;6611000"),
    ("missing date", "5000-K4-25;;12:00;;Rån mot person;Torget;Bäckby;580500;6611000"),
    ("bad date", "5000-K5-25;2023-02-30;12:00;;Rån mot person;Torget;Bäckby;580500;6611000"),
    ("date outside 2021–2025", "5000-K6-25;2031-01-01;12:00;;Rån mot person;Torget;Bäckby;580500;6611000"),
    ("unmapped crime category 'Otillåten andrahandsuthyrning'",
     "5000-K7-25;2025-01-05;12:00;;Otillåten andrahandsuthyrning;;;580500;6611000"),
    ("missing coordinates", "5000-K8-25;2025-01-05;12:00;;Olaga hot;Torget;Bäckby;;"),
    ("outside the kommun", "5000-K9-25;2025-01-05;12:00;;Olaga hot;Långt bort;;600000;6700000"),
    ("duplicate incident id", "5000-K1-25;2025-04-01;10:00;;Olaga hot;Torget;Bäckby;580600;6611000"),
]


@pytest.fixture
def areas():
    return gpd.GeoDataFrame({"area_id": ["198001", "198002"], "area_name": ["Bäckby", "Centrum"],
                             "kommun_code": ["1980", "1980"]},
                            geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
                            crs="EPSG:3006")


@pytest.fixture
def families():
    return load_families()


def _csv(tmp_path, name="anmalda_brott_2025.csv", encoding="cp1252", sep=";", header=HEADER, rows=ROWS):
    path = tmp_path / name
    lines = [header.replace(";", sep)] + [r.replace(";", "\t").replace("\t", sep) if sep != ";" else r
                                          for _, r in rows]
    if sep == ",":
        lines = [",".join(f'"{c}"' for c in line.split(",")) for line in lines]
    path.write_bytes("\n".join(lines).encode(encoding))
    return [(str(path), read_raw_table(path))]


def test_every_row_accepted_or_quarantined_with_its_reason(tmp_path, areas, families):
    res = ingest_crimes(_csv(tmp_path), areas, SourceParams(path="x"), KOMMUN, families)
    validate("incidents", res.table)
    got = dict(zip(res.quarantine["source_row"], res.quarantine["reason"]))
    want = {i + 1: why for i, (why, _) in enumerate(ROWS) if why not in ("ok", "swapped")}
    assert got == want
    s = res.summary
    assert (s["rows_read"], s["accepted"], s["quarantined"]) == (11, 3, 8)
    assert s["rows_read"] == len(res.table) + len(res.quarantine)
    assert s["coordinates_swapped_back"] == 1 and s["time_missing"] == 1


def test_accepted_rows_fields(tmp_path, areas, families):
    t = ingest_crimes(_csv(tmp_path), areas, SourceParams(path="x"), KOMMUN, families).table.set_index("incident_id")
    assert t.loc["5000-K1-25", "occurred_at"] == pd.Timestamp("2025-03-01 22:15")
    assert t.loc["5000-K2-25", "occurred_at"] == pd.Timestamp("2025-03-02 00:00")
    assert t["problem"].to_dict() == {"5000-K1-25": "violence", "5000-K2-25": "burglary", "5000-K3-25": "vandalism"}
    assert t["area_id"].to_dict() == {"5000-K1-25": "198001", "5000-K2-25": "198002", "5000-K3-25": "198002"}
    assert (t.loc["5000-K1-25", "geometry"].x, t.loc["5000-K1-25", "geometry"].y) == (580500.5, 6611000.0)
    assert (t.loc["5000-K3-25", "geometry"].x, t.loc["5000-K3-25", "geometry"].y) == (581500.0, 6611500.0)
    assert t["year"].to_dict() == {"5000-K1-25": 2025, "5000-K2-25": 2025, "5000-K3-25": 2024}
    assert t["source_row"].to_dict() == {"5000-K1-25": 1, "5000-K2-25": 2, "5000-K3-25": 3}


def test_utf8_bom_comma_file_gives_same_table(tmp_path, areas, families):
    a = ingest_crimes(_csv(tmp_path), areas, None, KOMMUN, families).table
    rows = [(w, r.replace(",", ".")) for w, r in ROWS]  # decimal point in a comma-separated file
    b = ingest_crimes(_csv(tmp_path, "b.csv", "utf-8-sig", ",", rows=rows), areas, None, KOMMUN, families).table
    assert len(b) == 3
    cols = ["incident_id", "occurred_at", "problem", "area_id"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert b.geometry.x.tolist() == a.geometry.x.tolist()


def test_other_headers_labels_and_wgs84_via_config(areas, families):
    df = pd.DataFrame({
        "Ärende": ["A1", "A2", "A3"], "Datum": ["01/02/2025", "20250203", "2025-02-04 00:00:00"],
        "Tid": ["1430", "08.05", None], "Rubricering": ["Klotter på buss", "Bedrägeri", "Stöld"],
        "Lat": ["59,6125", "59,6125", None], "Lon": ["15,0", "15,0", None],
        "Öst": [None, None, "581000,5"], "Nord": [None, None, "6611000"],
    })
    # point (15° E, 59.6125° N) lies on the central meridian: easting 500 000 → outside; shift areas
    wide = areas.copy()
    wide.geometry = [box(499_000, 6_600_000, 500_500, 6_620_000), box(580_000, 6_610_000, 582_000, 6_612_000)]
    cfg = SourceParams(path="x", columns={"x": "Öst", "y": "Nord"},
                       labels={"crime_categories": {"Klotter på buss": "vandalism", "bedrägeri": "exclude"}})
    res = ingest_crimes([("egna.xlsx", df)], wide, cfg, KOMMUN, families)
    t = res.table.set_index("incident_id")
    assert t["problem"].to_dict() == {"A1": "vandalism", "A3": "theft"}
    assert t.loc["A1", "occurred_at"] == pd.Timestamp("2025-02-01 14:30")
    assert t.loc["A1", "geometry"].x == pytest.approx(500_000, abs=0.01)
    assert t["area_id"].to_dict() == {"A1": "198001", "A3": "198002"}
    assert res.quarantine["reason"].tolist() == ["excluded crime category 'Bedrägeri'"]


def test_stable_generated_ids_without_diarienummer(areas, families):
    df = pd.DataFrame({"Brottsdatum": ["2025-01-01", "2025-01-01"], "Brottsbenämning": ["Rån", "Rån"],
                       "X": ["580100", "580200"], "Y": ["6610100", "6610100"]})
    a = ingest_crimes([("f.csv", df)], areas, None, KOMMUN, families).table["incident_id"].tolist()
    b = ingest_crimes([("f.csv", df)], areas, None, KOMMUN, families).table["incident_id"].tolist()
    assert a == b and len(set(a)) == 2 and all(i.startswith("G") and len(i) == 17 for i in a)


def test_a_generated_id_depends_on_its_own_row_only(areas, families):
    """Rows without a Diarienummer get the same id whether the other rows have one or not (only
    they are hashed)."""
    rows = {"Brottsdatum": ["2025-01-01", "2025-01-02", "2025-01-03"], "Brottsbenämning": ["Rån", "Rån", "Stöld"],
            "X": ["580100", "580200", "580300"], "Y": ["6610100", "6610100", "6610100"]}
    alone = ingest_crimes([("f.csv", pd.DataFrame(rows))], areas, None, KOMMUN, families).table["incident_id"]
    mixed = ingest_crimes([("f.csv", pd.DataFrame(rows | {"Diarienummer": ["5000-K1-25", None, None]}))],
                          areas, None, KOMMUN, families).table["incident_id"]
    assert mixed.tolist() == ["5000-K1-25", *alone.tolist()[1:]] and alone.str.startswith("G").all()


def test_fatal_errors_are_one_line(tmp_path, areas, families):
    df = pd.DataFrame({"Brottsdatum": ["2025-01-01"], "Brottsbenämning": ["Rån"], "X-koordinat": ["580100"]})
    with pytest.raises(DataError) as exc:
        ingest_crimes([("brott.csv", df)], areas, None, KOMMUN, families)
    assert str(exc.value).startswith("brott.csv: missing required column 'y'") and "\n" not in str(exc.value)
    with pytest.raises(DataError, match=r"^brott.csv: missing required column 'crime_label'"):
        ingest_crimes([("brott.csv", df.drop(columns="Brottsbenämning"))], areas, None, KOMMUN, families)
    far = df.assign(**{"Y-koordinat": ["7000000"]})
    with pytest.raises(DataError, match=r"none of the 1 crimes rows could be used .*'outside the kommun'"):
        ingest_crimes([("brott.csv", far)], areas, None, KOMMUN, families)
    bad_cfg = SourceParams(path="x", labels={"crime_categories": {"Rån": "robbbery"}})
    with pytest.raises(DataError, match=r"crime_categories maps 'Rån' to unknown family 'robbbery'"):
        ingest_crimes([("brott.csv", far)], areas, bad_cfg, KOMMUN, families)


def test_75000_rows_in_a_few_seconds(areas, families):
    rng = np.random.default_rng(1)
    n = 75_000
    labels = np.array(["Misshandel, utomhus", "Bostadsinbrott", "Stöld ur/från motorfordon", "Olaga hot",
                       "Skadegörelse genom klotter", "Narkotikabrott, innehav", "Rån mot person"])
    df = pd.DataFrame({
        "Diarienummer": [f"5000-K{i}-25" for i in range(n)],
        "Brottsdatum": pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 1800, n), unit="D"),
        "Klockslag": [f"{h:02d}:{m:02d}" for h, m in zip(rng.integers(0, 24, n), rng.integers(0, 60, n))],
        "Brottsbenämning": labels[rng.integers(0, len(labels), n)],
        "X-koordinat": [f"{v:.1f}".replace(".", ",") for v in rng.uniform(X0 - 100, X0 + 2000, n)],
        "Y-koordinat": rng.uniform(Y0, Y0 + 2000, n).round().astype(int).astype(str),
    }).astype({"Brottsdatum": str})
    start = time.perf_counter()
    res = ingest_crimes([("big.csv", df)], areas, None, KOMMUN, families)
    elapsed = time.perf_counter() - start
    assert res.summary["rows_read"] == res.summary["accepted"] + res.summary["quarantined"] == n
    outside = int((parse_x(df) < X0).sum())
    assert res.summary.get("quarantine: outside the kommun", 0) == outside
    assert elapsed < 10, f"{elapsed:.1f} s"


def parse_x(df):
    return df["X-koordinat"].str.replace(",", ".").astype(float)


def test_point_on_shared_border_goes_to_first_area_id(areas, families):
    df = pd.DataFrame({"Brottsdatum": ["2025-01-01"], "Brottsbenämning": ["Rån"],
                       "X": [str(X0 + 1000)], "Y": [str(Y0 + 500)]})
    t = ingest_crimes([("f.csv", df)], areas.iloc[::-1], None, KOMMUN, families).table
    assert t["area_id"].tolist() == ["198001"]
