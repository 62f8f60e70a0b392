"""Shared ingest helpers: header mapping, quarantine, parsers, coordinates, area names."""

import json

import pandas as pd
import pytest

from pipeline.config import SourceParams
from pipeline.errors import DataError
from pipeline.ingest.area_names import match_area_names
from pipeline.ingest.common import (fix_swapped_sweref, map_columns, parse_date, parse_number, parse_time, to_sweref,
                                    year_from_filename)
from pipeline.ingest.quarantine import concat_quarantine, quarantine_rows
from pipeline.io import read_raw_table
from pipeline.schemas import validate


@pytest.fixture
def areas():
    return pd.DataFrame({"area_id": ["198001", "198002", "198003"], "area_name": ["Bäckby", "Centrum", "Råby"]})


# ---------------------------------------------------------------- parsers
def test_parse_date_formats_and_impossible_dates():
    s = pd.Series(["2025-01-02", "20250102", "02/01/2025", "2025-01-02 00:00:00", "45659",
                   "2023-02-30", "2025-13-01", "igår", None])
    got = parse_date(s)
    assert got.dtype == "datetime64[ns]"
    assert (got[:5] == pd.Timestamp("2025-01-02")).all()  # 45659 days after 1899-12-30 = 2025-01-02
    assert got[5:].isna().all()


def test_slash_dates_are_day_first_unless_the_column_is_month_first():
    swedish = parse_date(pd.Series(["15/03/2024", "03/05/2024", "2024-06-01"]))
    assert swedish.tolist() == [pd.Timestamp("2024-03-15"), pd.Timestamp("2024-05-03"), pd.Timestamp("2024-06-01")]
    us = parse_date(pd.Series(["03/15/2024", "03/05/2024", "12/31/2024 23:10", None]))
    assert us[:3].tolist() == [pd.Timestamp("2024-03-15"), pd.Timestamp("2024-03-05"), pd.Timestamp("2024-12-31")]
    # both orders in one column: day first, and the dates that cannot be read so stay unread
    mixed = parse_date(pd.Series(["15/03/2024", "03/15/2024", "03/05/2024"]))
    assert mixed[0] == pd.Timestamp("2024-03-15") and pd.isna(mixed[1]) and mixed[2] == pd.Timestamp("2024-05-03")
    # nothing decides (every number at most 12): the Swedish order
    assert parse_date(pd.Series(["03/05/2024"]))[0] == pd.Timestamp("2024-05-03")


def test_parse_time_variants():
    got = parse_time(pd.Series(["13:45", "7:05", "0930", "13.45", "1900-01-01 22:10:00", "0.375", "25:00", "", None]))
    mins = (got / pd.Timedelta(minutes=1)).tolist()
    assert mins[:6] == [825, 425, 570, 825, 1330, 540]
    assert pd.isna(mins[6:]).all()


def test_parse_number_decimal_comma_and_thousands():
    got = parse_number(pd.Series(["587123,5", "1 234,5", "1\u00a0234", "6\u202f610\u202f000", "1.234,5",
                                  "1234.5", "-3", "..", "X", None]))
    assert got[:7].tolist() == [587123.5, 1234.5, 1234.0, 6610000.0, 1234.5, 1234.5, -3.0]
    assert got[7:].isna().all()


def test_year_from_filename():
    assert year_from_filename("data/raw/trygghetsmatning_2025.xlsx") == 2025
    assert year_from_filename("brott/anmalda_brott_2023.csv") == 2023
    assert year_from_filename("enkät.xlsx") is None


# ---------------------------------------------------------------- coordinates
def test_to_sweref_detects_wgs84_either_order():
    # hand value: on the central meridian (15° E) easting = 500 000 m; at 60° N the GRS80
    # meridian arc is 6 654 072.82 m, times the scale factor 0.9996 = 6 651 411.19 m.
    x, y = to_sweref(pd.Series([15.0, 60.0, 587000.0]), pd.Series([60.0, 15.0, 6610000.0]))
    assert x.tolist()[:2] == pytest.approx([500000.0, 500000.0], abs=0.01)
    assert y.tolist()[:2] == pytest.approx([6651411.19, 6651411.19], abs=0.05)
    assert (x[2], y[2]) == (587000.0, 6610000.0)  # SWEREF already: untouched


def test_to_sweref_explicit_crs():
    x, y = to_sweref(pd.Series([15.0]), pd.Series([60.0]), "EPSG:4326")
    assert (x[0], y[0]) == pytest.approx((500000.0, 6651411.19), abs=0.05)


def test_fix_swapped_sweref():
    x, y, swapped = fix_swapped_sweref(pd.Series([587000.0, 6610000.0, float("nan")]),
                                       pd.Series([6610000.0, 587000.0, 1.0]))
    assert swapped.tolist() == [False, True, False]
    assert x[:2].tolist() == [587000.0, 587000.0] and y[:2].tolist() == [6610000.0, 6610000.0]


# ---------------------------------------------------------------- area names
def test_match_area_names_tolerant(areas):
    names = pd.Series(["BÄCKBY", "Backby", "  bäckby ", "Västerås Centrum", "Centrum (norra)", "Råby 2",
                       "Bäckbyy", "Nowhere", None])
    got = match_area_names(names, areas)
    assert got.tolist()[:7] == ["198001", "198001", "198001", "198002", "198002", "198003", "198001"]
    assert pd.isna(got[7]) and pd.isna(got[8])


def test_match_area_names_aliases_and_ids(areas):
    got = match_area_names(pd.Series(["Gamla stan", "198003"]), areas, {"Gamla stan": "Centrum"})
    assert got.tolist() == ["198002", "198003"]


# ---------------------------------------------------------------- columns
def test_map_columns_default_aliases_tolerate_case_space_accents():
    df = pd.DataFrame({"DIARIENUMMER": ["1"], "brotts datum": ["2025-01-01"], "x koordinat": ["1"],
                       "Brottsbenamning": ["Rån"], "Övrigt": ["z"]})
    out = map_columns(df, "crimes", SourceParams(path="x"), ["date", "crime_label"], ["incident_id", "x", "y"], "f.csv")
    assert list(out.columns) == ["date", "crime_label", "incident_id", "x"]
    assert out.attrs["column_map"]["date"] == "brotts datum"


def test_map_columns_config_override_wins():
    df = pd.DataFrame({"Datum": ["2025-01-01"], "Händelsedag": ["2024-01-01"], "Typ": ["Rån"]})
    cfg = SourceParams(path="x", columns={"date": "Händelsedag", "crime_label": ["Nope", "Typ"]})
    out = map_columns(df, "crimes", cfg, ["date", "crime_label"], [], "f.csv")
    assert out["date"].tolist() == ["2024-01-01"] and out["crime_label"].tolist() == ["Rån"]


def test_map_columns_bracket_items():
    df = pd.DataFrame({"Område": ["A"], "Hur stort problem anser du att följande är? [Nedskräpning]": ["x"]})
    out = map_columns(df, "survey", None, ["area_name"], ["item_littering"], "s.xlsx")
    assert list(out.columns) == ["area_name", "item_littering"]


def test_map_columns_missing_required_is_one_line():
    df = pd.DataFrame({"Datum": ["2025-01-01"]})
    with pytest.raises(DataError) as exc:
        map_columns(df, "crimes", None, ["date", "crime_label"], [], "brott.csv")
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith("brott.csv: missing required column 'crime_label'")
    assert "`sources.crimes.columns.crime_label: <your header>`" in msg and "'Brottsbenämning'" in msg


# ---------------------------------------------------------------- quarantine
def test_quarantine_rows_schema_and_raw_json():
    df = pd.DataFrame({"Stadsdel": ["A", "B", None], "Antal": ["1", "x", "3"]})
    q = quarantine_rows(df, df["Antal"] == "x", "bad population number", "population", "bef.csv")
    assert q.to_dict("records") == [{"source": "population", "source_file": "bef.csv", "source_row": 2,
                                     "reason": "bad population number", "raw": '{"Stadsdel": "B", "Antal": "x"}'}]
    both = concat_quarantine([q, quarantine_rows(df, df["Stadsdel"].isna(), "unknown area", "population", "bef.csv")])
    validate("quarantine", both)
    assert json.loads(both["raw"].iloc[1]) == {"Stadsdel": None, "Antal": "3"}
    assert len(concat_quarantine([])) == 0


# ---------------------------------------------------------------- reading real-looking files
def test_cp1252_semicolon_and_utf8_bom_comma_read_alike(tmp_path):
    rows = [["Stadsdel", "X-koordinat"], ["Bäckby", "587123,5"], ["Råby", "6 610 000"]]
    a = tmp_path / "a.csv"
    a.write_bytes("\r\n".join(";".join(r) for r in rows).encode("cp1252"))
    b = tmp_path / "b.csv"
    b.write_bytes(("\n".join(",".join(f'"{c}"' for c in r) for r in rows)).encode("utf-8-sig"))
    for path in (a, b):
        df = read_raw_table(path)
        out = map_columns(df, "crimes", None, ["area_name", "x"], [], str(path))
        assert out["area_name"].tolist() == ["Bäckby", "Råby"]
        assert parse_number(out["x"]).tolist() == [587123.5, 6610000.0]


def test_reconcile_counts_per_source_and_refuses_lost_rows():
    from pipeline.ingest.common import IngestResult
    from pipeline.ingest.quarantine import reconcile

    q = pd.DataFrame({"source": ["crimes"] * 2, "source_file": "a.csv", "source_row": [3, 4],
                      "reason": ["duplicate", "bad date"], "raw": "{}"})
    ok = {"crimes": IngestResult(pd.DataFrame({"x": [1, 2, 3]}), q, {"rows_read": 5, "time_missing": 1}),
          "areas": IngestResult(pd.DataFrame({"x": [1]}), q.iloc[:0], {"rows_read": 1})}
    quality, reasons, quarantine = reconcile(ok)
    row = quality.set_index("source").loc["crimes"]
    assert (row["rows_read"], row["accepted"], row["quarantined"], row["time_missing"]) == (5, 3, 2, 1)
    assert reasons.set_index("reason")["n_rows"].to_dict() == {"bad date": 1, "duplicate": 1}
    assert len(quarantine) == 2
    lost = {"crimes": IngestResult(pd.DataFrame({"x": [1]}), q, {"rows_read": 5})}
    with pytest.raises(DataError, match="5 rows read but 1 accepted \\+ 2 quarantined"):
        reconcile(lost)
