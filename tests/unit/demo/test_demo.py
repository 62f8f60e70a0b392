"""Tests of the synthetic demo kommun (pipeline.demo): determinism, counts, classification,
planted patterns, faults, personal data and the raw file formats of raw_formats.md."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from docx import Document

from pipeline.config import DemoParams, KommunParams
from pipeline.demo import DemoData, build_demo, write_demo
from pipeline.demo.geography import build_geography
from pipeline.demo.crime_export import CRIME_COLUMNS
from pipeline.demo.incidents import LABELS
from pipeline.demo.survey import SAFETY_Q, UNSAFE
from pipeline.demo.texts import luhn_digit
from pipeline.problems import classify_crimes, load_families

KOMMUN = KommunParams(code="1980", name="Västerås", lpo="Lokalpolisområde Västerås", year=2025)
SMALL = DemoParams(seed=11, incidents_per_year=2000, survey_respondents=600, n_notes=40)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return build_demo(KOMMUN, SMALL)


@pytest.fixture(scope="module")
def crimes(demo) -> pd.DataFrame:
    """All crime rows with parsed coordinates, dates and the default family."""
    df = pd.concat([f.assign(file_year=y) for y, f in demo.crimes.items()], ignore_index=True)
    num = lambda s: pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")  # noqa: E731
    df["x"], df["y"] = num(df["X-koordinat"]), num(df["Y-koordinat"])
    df["date"] = pd.to_datetime(df["Brottsdatum"], format="%Y-%m-%d", errors="coerce")
    df["family"] = classify_crimes(df["Brottsbenämning"], df["Brottskod"], load_families())
    return df


@pytest.fixture(scope="module")
def written(demo, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    (raw / "brott").mkdir()
    (raw / "brott" / "anmalda_brott_1999.csv").write_text("stale", encoding="utf-8")
    (raw / "egen_fil.csv").write_text("keep", encoding="utf-8")
    return raw, write_demo(demo, raw)


def _pattern(demo, pid):
    return next(p for p in demo.truth["patterns"] if p["id"] == pid)


def _near(df, p):
    return np.hypot(df["x"] - p["x"], df["y"] - p["y"]) <= p["radius_m"]


# ---------------------------------------------------------------- determinism and counts
def _assert_same(a: DemoData, b: DemoData):
    for name in ("population", "notes", "notes_docx", "est", "gazetteer"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    for y in a.crimes:
        pd.testing.assert_frame_equal(a.crimes[y], b.crimes[y])
    for y in a.surveys:
        pd.testing.assert_frame_equal(a.surveys[y], b.surveys[y])
    assert a.areas.geometry.equals(b.areas.geometry)
    assert a.notes_txt == b.notes_txt and a.police_events == b.police_events
    assert json.dumps(a.truth, sort_keys=True) == json.dumps(b.truth, sort_keys=True)


def test_same_seed_gives_identical_frames(demo):
    _assert_same(demo, build_demo(KOMMUN, SMALL))


def test_different_seed_gives_different_frames(demo):
    other = build_demo(KOMMUN, SMALL.model_copy(update={"seed": 12}))
    assert not demo.crimes[2025].equals(other.crimes[2025])
    assert not demo.surveys[2025].equals(other.surveys[2025])
    assert not demo.notes.equals(other.notes)


def test_row_counts(demo):
    faults = demo.truth["faults"]["crimes"]
    assert sorted(demo.crimes) == list(range(2021, 2026))
    for y, df in demo.crimes.items():
        assert list(df.columns) == CRIME_COLUMNS
        f = faults[str(y)]
        assert len(df) == f["incidents"] + f["exact_duplicates"] == f["rows"]
        assert abs(f["incidents"] - SMALL.incidents_per_year) <= 0.05 * SMALL.incidents_per_year
    assert len(demo.surveys[2025]) == 600 and len(demo.surveys[2023]) == 570
    n_notes = len(demo.notes) + len(demo.notes_docx) + len(demo.notes_txt)
    assert n_notes == SMALL.n_notes and 3 <= len(demo.notes_txt) <= 5 and len(demo.notes_docx) >= 1
    assert len(demo.areas) == 25 and len(demo.police_events) == 300
    assert len(demo.population) == 25 * 2 * 6 * 5
    day = pd.to_datetime(demo.est["Datum"])
    per_week = demo.est.groupby(day - pd.to_timedelta(day.dt.day_of_week, unit="D")).size()
    assert len(per_week) == 53 and per_week.iloc[1:-1].between(5, 15).all()  # 2025: 53 Mon-Sun weeks
    assert 35 <= len(demo.gazetteer) <= 50


# ---------------------------------------------------------------- crime labels and patterns
def test_every_crime_label_classifies_to_its_family(crimes):
    fams = load_families()
    labels = pd.Series([lab for fam in LABELS for lab, _, _ in LABELS[fam]])
    expected = [fam for fam in LABELS for _ in LABELS[fam]]
    assert classify_crimes(labels, None, fams).tolist() == expected
    assert crimes["family"].notna().all()


def test_crime_mix_resembles_reported_crime(crimes):
    share = crimes["family"].value_counts(normalize=True)
    assert share.index[0] == "theft" and share["theft"] > 0.3
    assert share["vandalism"] > share["violence"] > share["robbery"] > share["weapons"]


def test_new_hotspot_has_no_excess_before_its_start(demo, crimes):
    p = _pattern(demo, "new_hotspot")
    assert min(p["planted_per_month"]) == p["start_month"] == "2025-09"
    m = _near(crimes, p) & (crimes["family"] == "drugs")
    by_month = crimes[m].groupby(crimes.loc[m, "date"].dt.strftime("%Y-%m")).size()
    before = by_month[by_month.index < p["start_month"]]
    assert (before <= 2).all()  # background only, no planted rows
    for month, n_planted in p["planted_per_month"].items():
        assert by_month.get(month, 0) >= n_planted >= 8


def test_persistent_hotspot_is_elevated_every_month(demo, crimes):
    p = _pattern(demo, "persistent_hotspot")
    assert len(p["months"]) == 60
    m = _near(crimes, p) & crimes["family"].isin(["violence", "robbery"])
    by_month = crimes[m].groupby(crimes.loc[m, "date"].dt.strftime("%Y-%m")).size()
    for month, n_planted in p["planted_per_month"].items():
        assert by_month.get(month, 0) >= n_planted >= 7


def test_falling_trend_in_skalby(demo, crimes):
    p = _pattern(demo, "falling_trend")
    geo = build_geography()
    poly = geo.areas.loc[geo.areas["area_id"] == p["area_id"], "geometry"].iloc[0]
    ok = crimes["x"].notna() & crimes["date"].notna()
    inside = ok & shapely.contains_xy(poly, crimes["x"].fillna(0).to_numpy(), crimes["y"].fillna(0).to_numpy())
    got = crimes[inside & (crimes["family"] == "burglary")].groupby(crimes["date"].dt.year).size()
    want = {int(k): v for k, v in p["planted_per_year"].items()}
    assert got.to_dict() == want
    ratios = np.array(list(want.values()))[1:] / np.array(list(want.values()))[:-1]
    assert np.allclose(ratios, 0.7, atol=0.06)


def test_violence_peaks_on_friday_and_saturday_nights(crimes):
    v = crimes[(crimes["family"] == "violence") & crimes["Klockslag"].notna() & crimes["date"].notna()]
    hour = v["Klockslag"].str[:2].astype(int)
    night = hour.isin([22, 23, 0, 1, 2, 3])
    weekend_night = night & ((v["date"].dt.day_of_week.isin([4]) & hour.ge(22))
                             | (v["date"].dt.day_of_week.isin([5]) & hour.le(3))
                             | (v["date"].dt.day_of_week.isin([5]) & hour.ge(22))
                             | (v["date"].dt.day_of_week.isin([6]) & hour.le(3)))
    # 2 of 7 nights hold well over 2/7 of night violence
    assert weekend_night.sum() / night.sum() > 0.45


# ---------------------------------------------------------------- faults
def test_fault_counts_in_truth_equal_the_frames(demo):
    geo = build_geography()
    names = set(geo.areas["area_name"])
    for y, df in demo.crimes.items():
        f = demo.truth["faults"]["crimes"][str(y)]
        assert int(df.duplicated().sum()) == f["exact_duplicates"]
        u = df.drop_duplicates()
        assert int(u["X-koordinat"].isna().sum()) == int(u["Y-koordinat"].isna().sum()) == f["empty_coords"]
        x = pd.to_numeric(u["X-koordinat"].str.replace(",", "."), errors="coerce")
        yv = pd.to_numeric(u["Y-koordinat"].str.replace(",", "."), errors="coerce")
        swapped = x > 6_000_000
        assert int(swapped.sum()) == f["swapped_coords"]
        ok = x.notna() & ~swapped
        inside = shapely.contains_xy(geo.boundary, x[ok].to_numpy(), yv[ok].to_numpy())
        assert int((~inside).sum()) == f["outside_kommun"] == 3
        d = pd.to_datetime(u["Brottsdatum"], format="%Y-%m-%d", errors="coerce")
        bad = d.isna() | (d.dt.year != y)
        assert int(bad.sum()) == f["impossible_dates"] == 2
        assert set(u.loc[bad, "Brottsdatum"]) == set(f["impossible_date_values"])
        assert int(u["Klockslag"].isna().sum()) == f["empty_time"]
        assert int(u["Brottskod"].isna().sum()) == f["empty_code"]
        assert int((~u["Stadsdel"].isin(names)).sum()) == f["area_name_variants"]
        assert 0.007 <= f["empty_coords"] / f["incidents"] <= 0.013
    pop = demo.truth["faults"]["population"]
    assert int((~demo.population["Stadsdel"].isin(names)).sum()) == pop["rows_with_name_variant"] > 0
    assert {"BÄCKBY", "Backby", "Västerås Centrum"} <= set(demo.population["Stadsdel"])


# ---------------------------------------------------------------- personal data, notes, survey
def test_luhn_check_digit_matches_skatteverket_example():
    assert luhn_digit("811218987") == 6  # 811218-9876, the textbook valid personnummer


def test_planted_personal_data_appears_in_the_raw_texts(demo):
    recs = demo.truth["planted_personal_data"]
    assert {"personnummer", "samordningsnummer", "phone", "email", "name"} <= {r["kind"] for r in recs}
    texts = {"xlsx": demo.notes["Anteckning"], "docx": demo.notes_docx["Anteckning"]}
    comment = demo.surveys[2025].columns[-1]
    for r in recs:
        src, row = r["source"], r["row"]
        if src.endswith("anteckningar_2025.xlsx"):
            text = texts["xlsx"].iloc[row - 1]
        elif src.endswith(".docx"):
            text = texts["docx"].iloc[row - 1]
        elif src.endswith(".txt"):
            text = demo.notes_txt[src]
        else:
            text = demo.surveys[int(src[-9:-5])][comment].iloc[row - 1]
        assert r["value"] in text, (r, text)
        if r["kind"] in ("personnummer", "samordningsnummer"):
            digits = re.sub(r"\D", "", r["value"])[-10:]
            assert luhn_digit(digits[:9]) == int(digits[9])
            assert (int(digits[4:6]) > 60) == (r["kind"] == "samordningsnummer")


def test_note_links_point_at_text_and_backby_starts_in_september(demo):
    notes = {("xlsx", i + 1): t for i, t in enumerate(demo.notes["Anteckning"])}
    notes.update({("docx", i + 1): t for i, t in enumerate(demo.notes_docx["Anteckning"])})
    for lk in demo.truth["note_links"]:
        text = demo.notes_txt[lk["source"]] if lk["source"].endswith(".txt") else notes[(lk["source"][-4:], lk["row"])]
        assert lk["place_text"].lower() in text.lower()
        if lk["place_name"] == "Bäckby centrum":
            assert lk["date"] >= "2025-09-01"
    top = demo.truth["note_places"][0]
    assert top["place_name"] == "Råby torg" and top["area_id"] == "198008"


def test_survey_plants_an_unsafe_raby(demo):
    truth = demo.truth["survey"]["2025"]
    raby = truth["198008"]
    big_n = {a: v for a, v in truth.items() if v["n_valid_safety"] >= 30}
    assert max(big_n, key=lambda a: big_n[a]["unsafe_share_pct"]) == "198008"
    assert raby["unsafe_share_pct"] > 35
    assert demo.truth["survey"]["2023"]["198008"]["unsafe_share_pct"] < raby["unsafe_share_pct"]
    assert sum(v["n_respondents"] < 30 for v in truth.values()) >= 3
    s = demo.surveys[2025][SAFETY_Q]
    assert 0.04 <= (s == "Vet ej").mean() <= 0.11 and 0.01 <= (s == "").mean() <= 0.06
    # the truth's share is what the frame says
    sv = demo.surveys[2025]
    m = sv["Område"].isin(["Råby", "RÅBY", "Raby"]) & ~s.isin(["Vet ej", ""])
    assert round(100 * s[m].isin(UNSAFE).mean(), 1) == raby["unsafe_share_pct"]


def test_police_events_have_the_api_shape(demo):
    for ev in demo.police_events:
        assert set(ev) == {"id", "datetime", "name", "summary", "url", "type", "location"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2} \+0[12]:00", ev["datetime"])
        assert re.fullmatch(r"\d{1,2} [a-zåäö]+ \d{2}\.\d{2}, .+, Västerås", ev["name"])
        assert ev["location"]["name"] in ("Västerås", "Västmanlands län")
        assert re.fullmatch(r"\d+\.\d+,\d+\.\d+", ev["location"]["gps"])
    assert any(re.match(r"\d{4}-\d{2}-\d{2} \d:", ev["datetime"]) for ev in demo.police_events)


def test_geography_is_plausible(demo):
    geo = build_geography()
    a = geo.areas
    assert a.is_valid.all() and a.crs.to_epsg() == 3006
    assert abs(a.union_all().area - geo.boundary.area) < 1e4
    assert a.geometry.apply(lambda g: a.geometry.intersection(g).area.sum() - g.area).abs().max() < 1e3
    assert a.loc[a["is_urban"], "population"].between(5000, 20000).all()
    assert 150_000 <= a["population"].sum() <= 170_000
    assert a.loc[~a["is_urban"]].area.min() > a.loc[a["is_urban"]].area.max()
    idx = geo.locate(geo.places["x"].to_numpy(), geo.places["y"].to_numpy())
    assert (a["area_name"].to_numpy()[idx] == geo.places["area_name"].to_numpy()).all()


# ---------------------------------------------------------------- files on disk
def test_files_are_written_with_documented_formats(demo, written):
    raw, paths = written
    assert not (raw / "brott" / "anmalda_brott_1999.csv").exists()  # stale demo file removed
    assert (raw / "egen_fil.csv").read_text(encoding="utf-8") == "keep"  # other files left alone
    rel = {p.relative_to(raw).as_posix() for p in paths}
    assert rel == set(demo.files())
    for name, header in (("brott/anmalda_brott_2021.csv", CRIME_COLUMNS),
                         ("befolkning_stadsdelar.csv", ["Stadsdel", "Kön", "Ålder", "År", "Antal"])):
        b = (raw / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            b.decode("utf-8")  # å/ä/ö are single cp1252 bytes
        text = b.decode("cp1252")
        assert text.split("\r\n")[0].split(";") == header
    assert re.search(r";\d{6},\d;", (raw / "brott/anmalda_brott_2021.csv").read_bytes().decode("cp1252"))
    est = (raw / "est_rapporter_2025.csv").read_bytes()
    assert est.startswith(b"\xef\xbb\xbf\"Datum\",\"Tid\",\"H\xc3\xa4ndelsetyp\"")
    assert re.search(r'"59,\d{6}","16,\d{6}"', est.decode("utf-8-sig"))
    wb = openpyxl.load_workbook(raw / "brott/anmalda_brott_2025.xlsx", read_only=True)
    assert wb.sheetnames == ["Anmälda brott"]
    assert [c.value for c in next(wb["Anmälda brott"].iter_rows(max_row=1))] == CRIME_COLUMNS
    assert openpyxl.load_workbook(raw / "trygghetsmatning_2023.xlsx", read_only=True).sheetnames == ["Svar"]
    wb = openpyxl.load_workbook(raw / "medarbetardialog/anteckningar_2025.xlsx", read_only=True)
    assert wb.sheetnames == ["Anteckningar"]
    doc = Document(raw / "medarbetardialog/anteckningar_2025.docx")
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["Datum", "Verksamhet", "Anteckning"]
    assert len(doc.tables[0].rows) == len(demo.notes_docx) + 1
    gdf = gpd.read_file(raw / "stadsdelar.gpkg", layer="stadsdelar")
    assert gdf.crs.to_epsg() == 3006 and list(gdf.columns) == ["NYCKELKOD", "STADSDEL", "KOMMUNKOD", "geometry"]
    assert gdf["NYCKELKOD"].str.fullmatch(r"1980\d{2}").all()
    for p in sorted((raw / "medarbetardialog").glob("*.txt")):
        text = p.read_bytes()
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            text = text.decode("cp1252")
        lines = text.splitlines()
        assert lines[0].startswith("Datum: 2025-") and lines[1].startswith("Verksamhet: ")
    lines = (raw / "polisen_handelser_vasteras.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 300 and json.loads(lines[0])["location"]["gps"]
    truth = json.loads((raw / "demo_truth.json").read_text(encoding="utf-8"))
    assert truth["patterns"][0]["id"] == "persistent_hotspot"
    gaz = (raw / "ortnamn.csv").read_text(encoding="utf-8").splitlines()
    assert gaz[0] == "Plats;Stadsdel;X;Y" and "Råby torg;Råby;" in "\n".join(gaz)


def test_patterns_off_gives_a_null_kommun():
    """demo.patterns: false — no planted crime pattern, incidents spread evenly over the kommun's
    land (share per area ∝ its area, not its population) and the same expected number every
    year; the run's other sources are unchanged."""
    null = build_demo(KOMMUN, SMALL.model_copy(update={"patterns": False}))
    assert not [p for p in null.truth["patterns"] if p["kind"].startswith("crime")]
    geo = build_geography("1980")
    rows = pd.concat(null.crimes.values(), ignore_index=True)
    xy = rows[["X-koordinat", "Y-koordinat"]].apply(lambda s: pd.to_numeric(s.str.replace(",", "."), errors="coerce"))
    xy = xy[(xy["X-koordinat"] < 1e6) & xy.notna().all(axis=1)]      # drop the swapped/empty faults
    area = geo.locate(xy["X-koordinat"].to_numpy(), xy["Y-koordinat"].to_numpy())
    area = area[area >= 0]
    share = np.bincount(area, minlength=len(geo.areas)) / len(area)
    land = geo.areas.area.to_numpy() / geo.areas.area.sum()
    assert np.abs(share - land).max() < 0.02
    assert "Stora torget" not in set(rows["Brottsplats"])               # no named-place clusters
    per_year = [null.truth["crime_counts"][str(y)] for y in range(2021, 2026)]
    totals = [sum(c.values()) for c in per_year]
    assert totals == [2000] * 5
