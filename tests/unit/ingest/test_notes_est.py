"""Staff notes, EST reports and gazetteer ingest on tiny fixtures (pipeline.ingest.notes / est)."""

import json

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import box

from pipeline.config import SourceParams
from pipeline.errors import DataError
from pipeline.ingest.est import ingest_est, ingest_gazetteer
from pipeline.ingest.notes import ingest_notes, read_note_files
from pipeline.problems import load_families
from pipeline.schemas import validate

FAM = load_families()
CFG = SourceParams(path="unused")
# Västerås-like SWEREF 99 TM boxes: Bäckby west, Råby middle, Centrum east
AREAS = gpd.GeoDataFrame(
    {"area_id": ["198001", "198002", "198003"], "area_name": ["Bäckby", "Råby", "Centrum"],
     "kommun_code": ["1980"] * 3},
    geometry=[box(580000, 6605000, 584000, 6615000), box(584000, 6605000, 588000, 6615000),
              box(588000, 6605000, 592000, 6615000)], crs="EPSG:3006")
GAZ = pd.DataFrame({"place_name": ["Råby torg", "Vasaparken", "Bäckby centrum"],
                    "area_id": ["198002", "198003", "198001"],
                    "x": [585000.0, 589000.0, 581000.0], "y": [6610000.0] * 3})
PNR = "850612-1238"  # Luhn-valid (check digit computed by hand in test_scrub)


def write_docx(path, rows):
    import docx
    doc = docx.Document()
    t = doc.add_table(rows=1, cols=3)
    for c, h in zip(t.rows[0].cells, ["Datum", "Verksamhet", "Anteckning"]):
        c.text = h
    for r in rows:
        for c, v in zip(t.add_row().cells, r):
            c.text = v
    doc.save(path)


@pytest.fixture
def note_frames(tmp_path):
    (tmp_path / "fritidsgard_2025-03-07.txt").write_text(
        "Datum: 2025-03-07\nVerksamhet: Fritidsgård\nAnna Svensson (070-123 45 67) berättar att det "
        "langas vid Råby torg på kvällarna.\nFlera är oroliga.\n", encoding="utf-8")
    write_docx(tmp_path / "socialtjanst.docx", [
        ("2025-04-01", "Socialtjänst",
         f"Pojke med personnummer {PNR} sågs vid Bäckbys centrum. Klottret har ökat."),
        ("2025-04-31", "Socialtjänst", "Bråk i Centrum."),            # impossible date
    ])
    pd.DataFrame({"Datum": ["2025-05-02", "2025-05-03", "2025-05-04"],
                  "Verksamhet": ["Fältgruppen", "Polisen", "Skola"],
                  "Anteckning": ["Buskörning med mopeder vid Vasaparken, ring 021-12 34 56.", "   ",
                                 "Allt lugnt, mejla rektor@skola.se."]}).to_csv(
        tmp_path / "anteckningar.csv", sep=";", index=False, encoding="cp1252")
    paths = sorted(tmp_path.iterdir())
    return read_note_files(paths)


def test_read_note_files(note_frames):
    by_name = {f.rsplit("/", 1)[-1]: df for f, df in note_frames}
    txt = by_name["fritidsgard_2025-03-07.txt"]
    assert txt.shape == (1, 3) and txt.loc[0, "Datum"] == "2025-03-07"
    assert txt.loc[0, "Anteckning"].endswith("Flera är oroliga.")
    assert len(by_name["socialtjanst.docx"]) == 2 and len(by_name["anteckningar.csv"]) == 3


def test_ingest_notes(note_frames):
    res = ingest_notes(note_frames, AREAS, GAZ, CFG, FAM)
    s = res.summary
    assert s["rows_read"] == 6 == s["accepted"] + s["quarantined"]
    assert s["accepted"] == 4 and s["quarantine: bad date"] == 1 and s["quarantine: missing text"] == 1
    assert (s["scrubbed personnummer"], s["scrubbed phone"], s["scrubbed email"], s["scrubbed name"]) == (1, 2, 1, 1)
    t = validate("notes", res.table)
    got = {r.verksamhet: (r.area_id, r.place_name, r.problems) for r in t.itertuples()}
    assert got["Fritidsgård"] == ("198002", "Råby torg", "drugs")
    assert got["Socialtjänst"] == ("198001", "Bäckby centrum", "vandalism")
    assert got["Fältgruppen"] == ("198003", "Vasaparken", "traffic")
    assert got["Skola"][0] is None and got["Skola"][2] is None
    every = " ".join(t["text"]) + " ".join(res.quarantine["raw"])
    for leak in ("Anna", "Svensson", "070-123", PNR, "021-12", "rektor@"):
        assert leak not in every
    assert "[namn] ([telefon]) berättar" in every
    assert t["noted_on"].dtype == "datetime64[ns]"


def test_txt_with_several_notes(tmp_path):
    p = tmp_path / "falt.txt"
    p.write_text("Datum: 2025-06-01\nVerksamhet: Fältgruppen\nKlotter i Råby.\n\n"
                 "Datum: 2025-06-08\nVerksamhet: Fältgruppen\nLugnt.\nDatum nämns i texten: ingen ny rad.\n",
                 encoding="utf-8")
    (_, df), = read_note_files([p])
    assert df["Datum"].tolist() == ["2025-06-01", "2025-06-08"]
    assert df["Anteckning"].tolist() == ["Klotter i Råby.", "Lugnt.\nDatum nämns i texten: ingen ny rad."]


def test_notes_quarantine_raw_is_scrubbed():
    frames = [("a.xlsx", pd.DataFrame({"Datum": ["inte ett datum"], "Verksamhet": ["Skola"],
                                       "Anteckning": ["Erik Karlsson 0701234567 stökar"]})),
              ("b.xlsx", pd.DataFrame({"Datum": ["2025-01-01"], "Verksamhet": ["Skola"],
                                       "Anteckning": ["Stök vid Råby torg"]}))]
    res = ingest_notes(frames, AREAS, None, CFG, FAM)
    raw = json.loads(res.quarantine.loc[0, "raw"])
    assert raw["Anteckning"] == "[namn] [telefon] stökar" and res.quarantine.loc[0, "reason"] == "bad date"
    assert res.table.loc[0, "area_id"] == "198002" and res.table.loc[0, "place_name"] == "Råby"


def test_same_stem_in_xlsx_and_docx_are_distinct_notes():
    rows = pd.DataFrame({"Datum": ["2025-01-01"], "Verksamhet": ["Skola"], "Anteckning": ["Klotter i Råby."]})
    other = rows.assign(Anteckning="Nedskräpning i Råby.")
    res = ingest_notes([("d/anteckningar.xlsx", rows), ("d/anteckningar.docx", other)], AREAS, None, CFG, FAM)
    assert len(res.table) == 2 and res.table["note_id"].is_unique


def test_notes_missing_column_is_one_line_error():
    with pytest.raises(DataError, match="missing required column 'text'"):
        ingest_notes([("x.csv", pd.DataFrame({"Datum": ["2025-01-01"]}))], AREAS, None, CFG, FAM)


def est_frame():
    lat, lon = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True).transform(586000, 6610000)[::-1]
    comma = lambda v: f"{v:.6f}".replace(".", ",")  # noqa: E731
    return pd.DataFrame({
        "Datum": ["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09", "2025-13-01", "2025-01-10"],
        "Tid": ["21:30", "", None, "08:15", "10:00", "22:00"],
        "Händelsetyp": ["Klotter", "Otrygg plats", "Buskörning moped", "Evenemang", "Brand", "Brand"],
        "Plats": [None, None, "Bäckby", "Vasaparken", "Centrum", "Råbytorget"],
        "Rapporterande organisation": ["Mimer", "Securitas", None, "Kommunen", "X", "Räddningstjänsten"],
        "Beskrivning": ["Nya taggar på fasaden", "Misstänkt langning vid Vasaparken, kontakt anna@x.se",
                        "", "Marknad", None, "Containerbrand, vittne Per Olsson 070-765 43 21"],
        "Latitud": [comma(lat), None, None, None, None, None],
        "Longitud": [comma(lon), None, None, None, None, None],
    })


def test_ingest_est():
    res = ingest_est([("est_rapporter_2025.csv", est_frame())], AREAS, GAZ, CFG, FAM)
    s = res.summary
    assert s["rows_read"] == 6 == s["accepted"] + s["quarantined"] and s["quarantine: bad date"] == 1
    t = validate("est_reports", res.table).set_index("source_row")
    assert t.crs.to_epsg() == 3006
    # row 1: WGS84 with decimal comma → point (586000, 6610000) ± 1 m → Råby by point-in-polygon
    p = t.loc[1, "geometry"]
    assert abs(p.x - 586000) < 1 and abs(p.y - 6610000) < 1
    assert (t.loc[1, "area_id"], t.loc[1, "problem"]) == ("198002", "vandalism")
    assert t.loc[1, "occurred_at"] == pd.Timestamp("2025-01-06 21:30")
    # row 2: no family for the type → tagged from the text; area from the text's place
    assert (t.loc[2, "problem"], t.loc[2, "area_id"], t.loc[2, "place_name"]) == ("drugs", "198003", "Vasaparken")
    assert "[e-post]" in t.loc[2, "text"] and t.loc[2, "geometry"] is None
    assert (t.loc[3, "problem"], t.loc[3, "area_id"], t.loc[3, "organisation"]) == ("traffic", "198001", "okänd")
    assert pd.isna(t.loc[4, "problem"]) and t.loc[4, "area_id"] == "198003"  # Evenemang, no family
    assert (t.loc[6, "problem"], t.loc[6, "area_id"]) == ("fire", "198002")  # Råbytorget → Råby torg
    assert t.loc[6, "text"] == "Containerbrand, vittne [namn] [telefon]"
    assert s["scrubbed email"] == 1 and s["scrubbed name"] == 1 and s["with_point"] == 1


def test_est_type_override_and_sweref_xy():
    cfg = SourceParams(path="x", labels={"est_types": {"Evenemang": "disorder", "Klotter": ""}})
    df = pd.DataFrame({"Datum": ["2025-02-01", "2025-02-02"], "Händelsetyp": ["Evenemang", "Klotter"],
                       "X-koordinat": ["589000,5", "6610000"], "Y-koordinat": ["6610000", "581000"]})
    res = ingest_est([("e.csv", df)], AREAS, None, cfg, FAM)
    t = res.table.set_index("source_row")
    assert t.loc[1, "problem"] == "disorder" and t.loc[1, "area_id"] == "198003"
    assert pd.isna(t.loc[2, "problem"]) and t.loc[2, "area_id"] == "198001"  # swapped X/Y fixed
    assert res.summary["coordinates_swapped_back"] == 1
    bad = SourceParams(path="x", labels={"est_types": {"Evenemang": "parties"}})
    with pytest.raises(DataError, match="est_types"):
        ingest_est([("e.csv", df)], AREAS, None, bad, FAM)


def test_ingest_gazetteer():
    df = pd.DataFrame({"Plats": ["Råby torg", "Vasaparken", "Okänd plats", "Råby torg", None],
                       "Stadsdel": ["RÅBY", "Västerås Centrum", "Tellus", "Råby", "Råby"],
                       "X": ["585000", "589000,5", "", "585000", "1"], "Y": ["6610000", "6610000", "", "6610000", "2"]})
    res = ingest_gazetteer([("ortnamn.csv", df)], AREAS, CFG)
    assert res.summary["rows_read"] == 5 == res.summary["accepted"] + res.summary["quarantined"]
    assert list(res.table.columns) == ["place_name", "area_id", "x", "y"]
    assert res.table.to_dict("records") == [
        {"place_name": "Råby torg", "area_id": "198002", "x": 585000.0, "y": 6610000.0},
        {"place_name": "Vasaparken", "area_id": "198003", "x": 589000.5, "y": 6610000.0}]
    assert set(res.quarantine["reason"]) == {"unknown area", "duplicate place", "missing place"}


def test_scrub_allow_and_deny_lists_from_config():
    # "Sofia" is a first name and, here, a place; "Lillen" is a nickname no name list has
    frames = [("a.xlsx", pd.DataFrame({"Datum": ["2025-01-01"], "Verksamhet": ["Skola"],
                                       "Anteckning": ["Klotter vid Sofia skola. Det nämndes av Lillen."]}))]
    default = ingest_notes(frames, AREAS, None, SourceParams(path="x"), FAM).table.loc[0, "text"]
    assert "Sofia" not in default and "Lillen" in default
    cfg = SourceParams(path="x", scrub_allow=["Sofia"], scrub_deny=["Lillen"])
    text = ingest_notes(frames, AREAS, None, cfg, FAM).table.loc[0, "text"]
    assert "Sofia" in text and "Lillen" not in text


def test_area_name_aliases_link_notes_without_a_gazetteer():
    from pipeline.config import SourceParams
    from pipeline.ingest.notes import ingest_notes

    areas = pd.DataFrame({"area_id": ["A1", "A2"], "area_name": ["Bäckby", "Centrum"]})
    raw = pd.DataFrame({"Datum": ["2025-03-01", "2025-03-02"],
                        "Anteckning": ["Klotter vid Gamla torget igen.", "Lugnt i Bäckby."]})
    cfg = SourceParams(path="x", labels={"area_names": {"Gamla torget": "Centrum"}})
    res = ingest_notes([("n.csv", raw)], areas, None, cfg, FAM)
    assert res.table.set_index("text")["area_id"].to_dict() == {"Klotter vid Gamla torget igen.": "A2",
                                                                 "Lugnt i Bäckby.": "A1"}


def test_notes_remove_surnames_in_the_genitive_but_keep_places():
    # staff notes scrub with genitive_surnames (Polisen's events do not): a surname in the
    # genitive goes, one with a place noun after it stays, in the table and the quarantine alike
    frames = [("n.xlsx", pd.DataFrame({
        "Datum": ["2025-02-01", "2025-02-02", "inte ett datum"],
        "Verksamhet": ["Fältgruppen", "Polisen", "Skola"],
        "Anteckning": ["Vi ringde Lindbergs mamma om klottret vid Råby torg.",
                       "Stök vid Strombergs väg och Bäckbys centrum.", "Enligt Karlssons granne stökar de."]}))]
    res = ingest_notes(frames, AREAS, GAZ, CFG, FAM)
    t = res.table.set_index("verksamhet")
    assert t.loc["Fältgruppen", "text"] == "Vi ringde [namn] mamma om klottret vid Råby torg."
    assert t.loc["Polisen", "text"] == "Stök vid Strombergs väg och Bäckbys centrum."
    assert json.loads(res.quarantine.loc[0, "raw"])["Anteckning"] == "Enligt [namn] granne stökar de."
    assert res.summary["scrubbed name"] == 2
    assert t.loc["Fältgruppen", "area_id"] == "198002"


def test_est_reports_remove_surnames_in_the_genitive_like_notes():
    # EST reports are written by staff, as notes are: a surname in the genitive goes
    df = est_frame()
    df.loc[0, "Beskrivning"] = "Karlssons son taggade fasaden vid Strombergs väg"
    res = ingest_est([("e.csv", df)], AREAS, GAZ, CFG, FAM)
    t = res.table.set_index("source_row")
    assert t.loc[1, "text"] == "[namn] son taggade fasaden vid Strombergs väg"
    assert res.summary["scrubbed name"] == 2  # and Per Olsson in row 6
