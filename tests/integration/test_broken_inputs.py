"""Broken inputs, table-driven: each case breaks one file of a tiny kommun (or its params) and
asserts either the one-line error with exit 2 and nothing written, or the exact quarantine.

The CLI runs in-process (``pipeline.cli.main``) on a two-area kommun of a dozen crimes, so
every case takes well under a second.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from shapely.geometry import box

from pipeline.cli import main
from tests.conftest import ROOT

X0, Y0 = 580_000, 6_610_000
CRIME_HEADER = "Diarienummer;Brottsdatum;Klockslag;Brottsbenämning;X-koordinat;Y-koordinat"
CRIMES = [
    "K1;2025-03-01;22:15;Misshandel, utomhus;580500;6611000",
    "K2;2025-03-02;;Bostadsinbrott;581500;6611000",
    "K3;2025-03-03;10:00;Skadegörelse genom klotter;581500;6611500",
    "K4;2025-03-04;11:00;Olaga hot;580500;6611200",
    "K5;2025-03-05;12:00;Stöld i butik;581200;6611100",
    "K6;2025-03-06;13:00;Rån mot person;580400;6611300",
]
EVENTS = [{"id": i, "datetime": f"2025-0{i}-01 9:0{i}:00 +01:00", "name": f"{i} mars, Misshandel, Västerås",
           "type": "Misshandel", "location": {"name": "Västerås", "gps": "59.6,16.5"}} for i in range(1, 4)]


def _tiny_kommun(root: Path) -> Path:
    raw = root / "data" / "raw"
    (raw / "brott").mkdir(parents=True)
    gpd.GeoDataFrame({"Stadsdel": ["Bäckby", "Centrum"]},
                     geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
                     crs="EPSG:3006").to_file(raw / "stadsdelar.gpkg", driver="GPKG")
    (raw / "befolkning_2024.csv").write_text("Stadsdel;Antal\nBäckby;1200\nCentrum;900\n", "utf-8")
    (raw / "brott" / "brott_2025.csv").write_text("\n".join([CRIME_HEADER, *CRIMES]) + "\n", "cp1252")
    (raw / "polisen.jsonl").write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in EVENTS), "utf-8")
    params = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    params["sources"] = {
        "areas": {"path": "data/raw/stadsdelar.gpkg"},
        "population": {"path": "data/raw/befolkning_*.csv"},
        "crimes": {"path": "data/raw/brott/*.csv"},
        "police_events": {"path": "data/raw/polisen*", "required": False},
    }
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")
    return root


def _params_text(root: Path) -> str:
    return (root / "params.yaml").read_text("utf-8")


def _edit_params(root: Path, old: str, new: str, count: int = 1) -> None:
    text = _params_text(root)
    assert old in text, old
    (root / "params.yaml").write_text(text.replace(old, new, count), "utf-8")


def _crime_file(root: Path) -> Path:
    return root / "data/raw/brott/brott_2025.csv"


def _crime_text(*lines: str) -> str:
    return "\n".join([CRIME_HEADER, *lines]) + "\n"


def _ingest(root: Path, capsys) -> tuple[int, list[str]]:
    code = main(["--params", str(root / "params.yaml"), "ingest"])
    err = capsys.readouterr().err
    return code, [ln for ln in err.splitlines() if ln.strip()]


# ---------------------------------------------------------------- fatal: one line, exit 2, nothing written
def _gz_cut(root: Path) -> None:
    path = root / "data/raw/polisen.jsonl"
    blob = gzip.compress(path.read_bytes())
    path.unlink()
    (root / "data/raw/polisen.jsonl.gz").write_bytes(blob[: len(blob) // 2])


FATAL = {  # case: (break the kommun, text the one line must contain)
    "empty crime file": (lambda r: _crime_file(r).write_bytes(b""), "brott_2025.csv: the file is empty"),
    "cp1252 JSON": (lambda r: (r / "data/raw/polisen.jsonl").write_bytes(
        json.dumps(EVENTS[0] | {"name": "1 mars, Misshandel, Västerås"}, ensure_ascii=False).encode("cp1252")),
        "polisen.jsonl: not UTF-8 text"),
    "truncated gz": (_gz_cut, "polisen.jsonl.gz: could not be read"),
    "truncated JSON list": (lambda r: (r / "data/raw/polisen.jsonl").write_text(json.dumps(EVENTS)[:150], "utf-8"),
                            "polisen.jsonl: not valid JSON"),
    "crime file in a wrong given encoding": (lambda r: _edit_params(r, "path: data/raw/brott/*.csv",
                                                                    "path: data/raw/brott/*.csv\n    encoding: utf-8"),
                                             "brott_2025.csv: line 1 is not valid utf-8 text; set sources.crimes.encoding"),
    "unknown sheet": (lambda r: (pd.DataFrame({"Stadsdel": ["Bäckby"], "Antal": ["5"]}).to_excel(
        r / "data/raw/befolkning_2024.xlsx", sheet_name="Data", index=False),
        (r / "data/raw/befolkning_2024.csv").unlink(),
        _edit_params(r, "path: data/raw/befolkning_*.csv", "path: data/raw/befolkning_*.xlsx\n    sheet: Blad1")),
        "no sheet 'Blad1'; the workbook has 'Data'"),
    # params, caught when they load
    "YAML tab": (lambda r: _edit_params(r, "  name: Västerås", "\tname: Västerås"), "a tab character"),
    "misspelt top-level key": (lambda r: _edit_params(r, "privacy:", "privacyy:"), "did you mean 'privacy'?"),
    "misspelt kommun key": (lambda r: _edit_params(r, "  years_back:", "  year_back:"),
                            "unknown key 'kommun.year_back'"),
    "misspelt source": (lambda r: _edit_params(r, "  crimes:", "  crime:"), "unknown key 'sources.crime'"),
    "misspelt source key": (lambda r: _edit_params(r, "path: data/raw/stadsdelar.gpkg",
                                                   "path: data/raw/stadsdelar.gpkg\n    requird: false"),
                            "unknown key 'sources.areas.requird'"),
    "misspelt column field": (lambda r: _edit_params(r, "path: data/raw/brott/*.csv",
                                                     "path: data/raw/brott/*.csv\n    columns: {datum: Brottsdatum}"),
                              "unknown key 'datum' in sources.crimes.columns; did you mean 'date'?"),
    "misspelt labels key": (lambda r: _edit_params(r, "path: data/raw/brott/*.csv",
                                                   "path: data/raw/brott/*.csv\n    labels: {crime_category: {}}"),
                            "unknown key 'crime_category' in sources.crimes.labels"),
    "misspelt layers key": (lambda r: _edit_params(r, "grid_cell_m:", "grid_cel_m:"), "did you mean 'grid_cell_m'?"),
    "misspelt survey key": (lambda r: _edit_params(r, "  min_n:", "  minn:"), "unknown key 'survey.minn'"),
    "misspelt text key": (lambda r: _edit_params(r, "n_topics:", "ntopics:"), "unknown key 'text.ntopics'"),
    "misspelt privacy key": (lambda r: _edit_params(r, "min_count:", "mincount:"), "unknown key 'privacy.mincount'"),
    "misspelt harm key": (lambda r: _edit_params(r, "harm:\n  table:", "harm:\n  tabel:"), "unknown key 'harm.tabel'"),
    "misspelt report key": (lambda r: _edit_params(r, "top_n:", "topn:"), "unknown key 'report.topn'"),
    "misspelt notebook key": (lambda r: _edit_params(r, "notebook:\n  area:", "notebook:\n  araa:"),
                              "unknown key 'notebook.araa'"),
    "misspelt demo key": (lambda r: _edit_params(r, "n_notes:", "notes:"), "unknown key 'demo.notes'"),
    "misspelt scoring weight": (lambda r: _edit_params(r, "harm_volume:", "harm_volym:"),
                                "unknown key 'harm_volym' in scoring.weights; did you mean 'harm_volume'?"),
    "misspelt index point": (lambda r: _edit_params(r, "index_points: null", "index_points: {very_big: 6, "
                                                    "fairly_bg: 4, fairly_small: 2, no_problem: 0}"),
                             "unknown key 'fairly_bg' in survey.index_points; did you mean 'fairly_big'?"),
    "unknown CRS": (lambda r: _edit_params(r, "path: data/raw/brott/*.csv", "path: data/raw/brott/*.csv\n"
                                           "    crs: EPSG:99999"), "unknown coordinate system 'EPSG:99999'"),
    "unknown encoding": (lambda r: _edit_params(r, "path: data/raw/brott/*.csv", "path: data/raw/brott/*.csv\n"
                                                "    encoding: utf-9"), "unknown text encoding 'utf-9'"),
    "non-UTF-8 harm table": (lambda r: ((r / "harm.csv").write_bytes(
        "problem,crime_label_prefix,harm_days,source,figures_year\nviolence,,60,uppskattning från Brå,2020\n"
        .encode("cp1252")), _edit_params(r, "  table: null", "  table: harm.csv")),
        "harm.csv: harm table is not UTF-8 text"),
    "key given twice": (lambda r: (r / "params.yaml").write_text(_params_text(r) + "\nprivacy:\n  min_count: 3\n",
                                                                "utf-8"), "the key 'privacy' is given twice"),
    "kommun code with a leading zero": (lambda r: _edit_params(r, "code: '1980'", "code: 01980"),
                                        "kommun.code: String should match pattern"),
}


@pytest.mark.parametrize("case", sorted(FATAL))
def test_fatal_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, case):
    root = _tiny_kommun(tmp_path)
    breaker, expected = FATAL[case]
    breaker(root)
    code, lines = _ingest(root, capsys)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert expected in lines[0], lines[0]
    assert not any((root / "data/processed").rglob("*.*"))


# ---------------------------------------------------------------- row faults: exact quarantine
def _quarantine(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "data/processed/quarantine/quarantine.csv", dtype={"raw": str})


def test_the_tiny_kommun_ingests_clean(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    quality = pd.read_csv(root / "data/processed/ingest_quality.csv").set_index("source")
    assert quality.loc["crimes", ["rows_read", "accepted", "quarantined"]].tolist() == [6, 6, 0]


def test_other_kommuners_events_are_counted_in_check_ingest_and_quality_not_quarantined(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    others = [{"id": 10 + i, "datetime": "2025-03-01 10:00:00 +01:00", "name": f"1 mars, Rån, {name}", "type": "Rån",
               "location": {"name": loc, "gps": "59.6,16.5"}}
              for i, (name, loc) in enumerate([("Köping", "Västmanlands län"), ("Eskilstuna", "Eskilstuna"),
                                               ("Eskilstuna", "Eskilstuna")])]
    (root / "data/raw/polisen.jsonl").write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in EVENTS + others),
                                                 "utf-8")
    code, lines = _check(root, capsys)
    assert code == 0, lines
    assert any("police_events: events of other kommuner (or län-level summaries) left out: Eskilstuna 2, Köping 1 "
               "(3 rows)" in ln for ln in lines), lines
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    assert any("; 3 Polisen events of other kommuner left out" in ln for ln in lines), lines
    quality = pd.read_csv(root / "data/processed/ingest_quality.csv").set_index("source")
    assert quality.loc["police_events", ["rows_read", "accepted", "quarantined", "other_kommun_events"]].tolist() == [
        len(EVENTS), len(EVENTS), 0, len(others)]
    assert "police_events" not in set(_quarantine(root)["source"])


@pytest.mark.parametrize("processes", [None, 1])
def test_check_names_an_unknown_column_of_the_crime_export_read_beside_or_here(tmp_path, capsys, monkeypatch,
                                                                               processes):
    """The crime export is read in a forked child (only its headers come back) or here: the
    check names the column it does not use either way."""
    from pipeline import check

    root = _tiny_kommun(tmp_path)
    _crime_file(root).write_text("\n".join([CRIME_HEADER + ";Handläggare", *(c + ";x" for c in CRIMES)]) + "\n",
                                 "cp1252")
    read = check.ingest_sources
    seen = []
    monkeypatch.setattr(check, "ingest_sources", lambda *a, **k: seen.append(processes) or read(*a[:3], processes))
    code, lines = _check(root, capsys)
    assert code == 0 and seen == [processes], lines
    assert any("crimes: data/raw/brott/brott_2025.csv: columns not used: 'Handläggare'" in ln for ln in lines), lines


@pytest.mark.parametrize(("encoding", "bom"), [("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b""),
                                               ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b"")])
def test_utf16_and_boms_read_every_row(tmp_path, capsys, encoding, bom):
    root = _tiny_kommun(tmp_path)
    _crime_file(root).write_bytes(bom + _crime_text(*CRIMES).encode(encoding))
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    incidents = pd.read_parquet(root / "data/processed/incidents.parquet")
    assert len(incidents) == 6 and "Skadegörelse genom klotter" in set(incidents["crime_label"])


@pytest.mark.parametrize("excel", [False, True])
def test_a_decomposed_export_as_macos_writes_it_maps_its_labels_and_area_names(tmp_path, capsys, excel):
    """"Stöld i butik", "Skadegörelse genom klotter" and "Bäckby" written decomposed (o plus a
    combining diaeresis, NFD) read as the same labels and names written composed."""
    import unicodedata

    root = _tiny_kommun(tmp_path)
    text = unicodedata.normalize("NFD", _crime_text(*CRIMES))
    assert "Stöld" not in text and unicodedata.normalize("NFC", text) != text
    if excel:
        _crime_file(root).unlink()
        rows = [line.split(";") for line in text.strip().splitlines()]
        pd.DataFrame(rows[1:], columns=rows[0]).to_excel(root / "data/raw/brott/brott_2025.xlsx", index=False)
        _edit_params(root, "path: data/raw/brott/*.csv", "path: data/raw/brott/*.xlsx")
    else:
        _crime_file(root).write_text(text, "utf-8")
    (root / "data/raw/befolkning_2024.csv").write_text(unicodedata.normalize("NFD", "Stadsdel;Antal\nBäckby;1200\n"
                                                                             "Centrum;900\n"), "utf-8")
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    incidents = pd.read_parquet(root / "data/processed/incidents.parquet")
    assert len(incidents) == 6 and "Stöld i butik" in set(incidents["crime_label"])
    assert pd.read_parquet(root / "data/processed/population.parquet")["population"].sum() == 2100


def test_an_area_missing_from_the_population_is_named_by_check_and_counted_by_ingest(tmp_path, capsys):
    """The kommun's population is the sum of its areas': an area left out of the population file
    would have its crimes in the kommun's rates without its people."""
    root = _tiny_kommun(tmp_path)
    (root / "data/raw/befolkning_2024.csv").write_text("Stadsdel;År;Antal\nBäckby;2024;1200\nCentrum;2023;900\n",
                                                      "utf-8")
    code, listed = _check(root, capsys)
    assert code == 0
    assert [ln for ln in listed if "inhabitants" in ln] == [
        "! population: area 'Centrum' has no inhabitants in 2024 (only in earlier years): its crimes count in "
        "the kommun's rates but its people do not, and its own rate is not computed → add the area's rows to the "
        "population file (0 if nobody lives there), or check its name"]
    (root / "data/raw/befolkning_2024.csv").write_text("Stadsdel;Antal\nBäckby;1200\n", "utf-8")
    code, listed = _check(root, capsys)
    assert any("area 'Centrum' has no inhabitants in 2024 (in no year)" in ln for ln in listed), listed
    code, lines = _ingest(root, capsys)
    assert code == 0 and "1 warnings: run lagesbild check to list them" in lines[-1], lines
    (root / "data/raw/befolkning_2024.csv").write_text("Stadsdel;Antal\nBäckby;1200\nCentrum;0\n", "utf-8")
    code, listed = _check(root, capsys)
    assert code == 0 and not any("inhabitants" in ln for ln in listed)


def test_a_survey_item_reworded_in_one_years_file_is_named_by_check(tmp_path, capsys):
    """One year's export words a question differently: its column maps to no item, so that
    year's indicator would be empty; check names the file, the item and the mapping."""
    root = _tiny_kommun(tmp_path)
    safety = "Hur trygg eller otrygg känner du dig om du går ut ensam sent en kväll i ditt bostadsområde?"
    for year, drugs in ((2024, "Narkotikaförsäljning"), (2025, "Försäljning av narkotika")):
        pd.DataFrame({"Område": ["Bäckby", "Centrum"], safety: ["Mycket trygg", "Ganska otrygg"],
                      "Hur stort problem är följande i ditt område? [Nedskräpning]": ["Inget problem"] * 2,
                      f"Hur stort problem är följande i ditt område? [{drugs}]": ["Mycket stort problem"] * 2,
                      }).to_excel(root / f"data/raw/trygghet_{year}.xlsx", index=False)
    _edit_params(root, "    required: false\n", "    required: false\n  survey:\n    path: data/raw/trygghet_*.xlsx\n")
    code, listed = _check(root, capsys)
    assert code == 0, listed
    assert [ln for ln in listed if "has no column" in ln] == [
        "! survey: data/raw/trygghet_2025.xlsx has no column for the item 'Narkotikaförsäljning', which "
        "data/raw/trygghet_2024.xlsx has: its indicator would be empty for that file's year → map the file's column "
        "for it under sources.survey.columns.item_drug_dealing"]
    assert any("survey: 2 of 8 problem items found (1 not in every file)" in ln for ln in listed), listed


def test_messages_show_labels_as_written_never_as_markup(tmp_path, capsys):
    """A label is quoted with its personal data replaced by tokens such as [namn]; the terminal
    shows the tokens and any brackets of the label as they are (the console's markup dropped
    "[namn]" and stopped at a "[/b]")."""
    root = _tiny_kommun(tmp_path)
    odd = [CRIMES[0].replace("Misshandel, utomhus", "Andrahandsuthyrning [/b] av Lisa Nilsson"),
           CRIMES[1].replace("Bostadsinbrott", "Andrahandsuthyrning [/b] av Lisa Nilsson"), *CRIMES[2:]]
    _crime_file(root).write_text(_crime_text(*odd), "cp1252")
    code, listed = _check(root, capsys)
    assert code == 2
    shown = "crime category 'Andrahandsuthyrning [/b] av [namn]' maps to no problem family (2 rows)"
    assert any(shown in ln for ln in listed), listed
    assert not any("Lisa" in ln or "internal error" in ln for ln in listed)
    # the mapping the message suggests, written as the label is shown, works
    _edit_params(root, "path: data/raw/brott/*.csv", "path: data/raw/brott/*.csv\n    labels:\n      crime_categories:"
                 "\n        'Andrahandsuthyrning [/b] av [namn]': exclude")
    code, listed = _check(root, capsys)
    assert code == 0 and any("excluded on purpose: crime category 'Andrahandsuthyrning [/b] av [namn]' (2 rows)" in ln
                             for ln in listed), listed


def test_an_area_with_an_empty_geometry_stops_check_and_ingest_naming_it(tmp_path, capsys):
    """An area the areas file cannot give a polygon is no row to drop: the crimes, people and
    answers in it would be moved to another area by the mapping the next message suggests."""
    from shapely.geometry import Polygon

    root = _tiny_kommun(tmp_path)
    gpd.GeoDataFrame({"Stadsdel": ["Bäckby", "Centrum"]},
                     geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), Polygon()],
                     crs="EPSG:3006").to_file(root / "data/raw/stadsdelar.gpkg", driver="GPKG")
    code, listed = _check(root, capsys)
    assert code == 2
    assert listed[0] == ("✗ areas: data/raw/stadsdelar.gpkg: 1 area(s) left out as 'empty or non-polygon geometry' "
                         "(data row 2) → give it a polygon in the areas' coordinate system in "
                         "data/raw/stadsdelar.gpkg, or remove the row; other sources' rows in the area would "
                         "otherwise be moved to another area or lost"), listed
    code, lines = _ingest(root, capsys)
    assert code == 2 and any("left out as 'empty or non-polygon geometry'" in ln for ln in lines)
    # a layer of several kommuner: the other kommun's areas are not the kommun's, nothing is lost
    gpd.GeoDataFrame({"Stadsdel": ["Bäckby", "Centrum", "Eskilstuna C"], "Kommunkod": ["1980", "1980", "0484"]},
                     geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000),
                               box(X0 + 5000, Y0, X0 + 6000, Y0 + 2000)],
                     crs="EPSG:3006").to_file(root / "data/raw/stadsdelar.gpkg", driver="GPKG")
    code, listed = _check(root, capsys)
    assert code == 0 and not any("left out as" in ln for ln in listed), listed


def test_a_stray_quote_is_found_and_only_the_lines_it_merged_are_quarantined(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    broken = CRIMES[1].replace(";Bostadsinbrott", ';"Bostadsinbrott')  # opens a quote no one closes
    quoted = 'K7;2025-03-07;14:00;"Stöld, övrig";581300;6611300'  # a real quoted cell with a comma: kept
    _crime_file(root).write_text(_crime_text(CRIMES[0], quoted, broken, *CRIMES[2:]), "cp1252")
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    q = _quarantine(root)
    merged = q[q["reason"].str.startswith("stray quote: lines 4–8")]
    assert merged["source_row"].tolist() == [3, 4, 5, 6, 7]  # the broken row and the four it swallowed
    incidents = pd.read_parquet(root / "data/processed/incidents.parquet")
    assert sorted(incidents["incident_id"]) == ["K1", "K7"]
    quality = pd.read_csv(root / "data/processed/ingest_quality.csv").set_index("source")
    assert quality.loc["crimes", ["rows_read", "accepted", "quarantined"]].tolist() == [7, 2, 5]


def test_a_row_with_too_many_fields_is_quarantined_not_fatal(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    extra = CRIMES[3].replace("Olaga hot", "Olaga hot;mot granne")
    trailing = CRIMES[4] + ";"  # an empty extra cell is only a trailing separator
    _crime_file(root).write_text(_crime_text(*CRIMES[:3], extra, trailing, CRIMES[5]), "cp1252")
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    q = _quarantine(root)
    assert q[["source_row", "reason"]].values.tolist() == [
        [4, "too many fields: 7 cells for 6 headers on line 5 (a ';' inside an unquoted cell?)"]]
    assert len(pd.read_parquet(root / "data/processed/incidents.parquet")) == 5


def test_a_header_only_file_gives_zero_rows_and_a_note(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    (root / "data/raw/brott/brott_2024.csv").write_text(CRIME_HEADER + "\n", "utf-8")
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    quality = pd.read_csv(root / "data/processed/ingest_quality.csv").set_index("source")
    assert quality.loc["crimes", "rows_read"] == 6
    assert quality.loc["crimes", "file without data rows 'data/raw/brott/brott_2024.csv'"] == 1


def test_thousands_separators_in_counts_are_thousands(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    (root / "data/raw/befolkning_2024.csv").write_text('Stadsdel;Antal\nBäckby;1.200\nCentrum;"12 345"\n', "utf-8")
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    pop = pd.read_parquet(root / "data/processed/population.parquet")
    assert sorted(pop["population"]) == [1200, 12345]


# ---------------------------------------------------------------- configuration losses
def _check(root: Path, capsys) -> tuple[int, list[str]]:
    code = main(["--params", str(root / "params.yaml"), "check"])
    return code, [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]


def test_config_losses_over_the_threshold_stop_ingest_and_check_lists_every_one(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    unknown = [CRIMES[0].replace("Misshandel, utomhus", "Otillåten andrahandsuthyrning"),
               CRIMES[1].replace("Bostadsinbrott", "Otillåten andrahandsuthyrning"),
               CRIMES[2].replace("Skadegörelse genom klotter", "Trakasserier i trapphus")]
    _crime_file(root).write_text(_crime_text(*unknown, *CRIMES[3:]), "cp1252")
    (root / "data/raw/befolkning_2024.csv").write_text("Stadsdel;År;Antal\nBäckby;2024;1200\nCentrum;2024;900\n"
                                                      "Gamla stan;2023;880\nGamla stan;2022;870\n", "utf-8")
    code, lines = _ingest(root, capsys)
    assert code == 2 and not any((root / "data/processed").rglob("*.*"))
    assert lines == [
        "error: population: area name 'Gamla stan' matches no area (2 rows) → "
        "sources.population.labels.area_names: {\"Gamla stan\": <area name>}",
        "error: population: 2 of 4 rows (50.0 %) would be lost to the configuration, more than "
        "ingest.max_config_loss_pct = 0.5 % → map or exclude the labels above (or raise ingest.max_config_loss_pct)",
        "error: crimes: crime category 'Otillåten andrahandsuthyrning' maps to no problem family (2 rows) → "
        "sources.crimes.labels.crime_categories: {\"Otillåten andrahandsuthyrning\": <family id or exclude>}",
        "error: crimes: crime category 'Trakasserier i trapphus' maps to no problem family (1 rows) → "
        "sources.crimes.labels.crime_categories: {\"Trakasserier i trapphus\": <family id or exclude>}",
        "error: crimes: 3 of 6 rows (50.0 %) would be lost to the configuration, more than "
        "ingest.max_config_loss_pct = 0.5 % → map or exclude the labels above (or raise ingest.max_config_loss_pct)"]
    code, listed = _check(root, capsys)
    assert code == 2 and [ln.split(" ", 1)[1] for ln in listed[:5]] == [ln.split(" ", 1)[1] for ln in lines]

    _edit_params(root, "path: data/raw/brott/*.csv", "path: data/raw/brott/*.csv\n    labels:\n      crime_categories:"
                 "\n        Otillåten andrahandsuthyrning: exclude\n        Trakasserier i trapphus: threats")
    _edit_params(root, "path: data/raw/befolkning_*.csv", "path: data/raw/befolkning_*.csv\n    labels:\n"
                 "      area_names: {Gamla stan: Centrum}")
    code, listed = _check(root, capsys)
    assert code == 0, listed
    assert "· crimes: excluded on purpose: crime category 'Otillåten andrahandsuthyrning' (2 rows)" in listed
    assert "✓ crimes: 4 of 6 rows mapped to a problem family and placed (66.7 %)" in listed
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    pop = pd.read_parquet(root / "data/processed/population.parquet")
    assert pop.groupby("year")["population"].sum().to_dict() == {2022: 870, 2023: 880, 2024: 2100}


def _dozen_crimes(date) -> list[str]:
    """Twelve valid crimes (two per line of CRIMES) with their dates written by ``date(day)``."""
    return [f"K{i}{k};{date(i + 6 * k)};10:00;{line.split(';')[3]};{line.split(';')[4]};{line.split(';')[5]}"
            for k in (0, 1) for i, line in enumerate(CRIMES, start=1)]


def test_a_file_whose_dates_cannot_be_read_stops_check_and_ingest_until_the_user_lets_its_rows_go(tmp_path,
                                                                                               capsys):
    """Every row of one file in a date format the reader does not know is no handful of bad
    rows: check and ingest stop, naming the file, the reason and the fix; raising
    ingest.max_row_loss_pct lets the rows go on purpose."""
    root = _tiny_kommun(tmp_path)
    (root / "data/raw/brott/brott_2024.csv").write_text(_crime_text(*_dozen_crimes(lambda d: f"25-03-{d:02d}")),
                                                        "cp1252")
    code, lines = _ingest(root, capsys)
    assert code == 2 and not any((root / "data/processed").rglob("*.*"))
    assert lines == ["error: crimes: 12 of 18 rows (66.7 %) quarantined as 'bad date' (data/raw/brott/brott_2024.csv: "
                     "12), more than ingest.max_row_loss_pct = 5 % → write the dates as YYYY-MM-DD (also read: "
                     "YYYYMMDD, DD/MM/YYYY, DD.MM.YYYY, Excel dates) and export the file again; or, to leave these "
                     "rows out, raise ingest.max_row_loss_pct"]
    code, listed = _check(root, capsys)
    assert code == 2 and any("quarantined as 'bad date'" in ln for ln in listed)
    _edit_params(root, "max_row_loss_pct: 5", "max_row_loss_pct: 70")
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    quarantine = pd.read_csv(root / "data/processed/quarantine/quarantine.csv")
    assert (quarantine["reason"] == "bad date").sum() == 12


def test_a_month_first_export_is_read_month_first_and_no_date_swaps(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    # 5–16 March: the days after the 12th show the order; read day first, 5–12 March became May–December
    _crime_file(root).write_text(_crime_text(*_dozen_crimes(lambda d: f"03/{d + 4:02d}/2025")), "cp1252")
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    incidents = pd.read_parquet(root / "data/processed/incidents.parquet")
    assert len(incidents) == 12 and set(incidents["occurred_at"].dt.month) == {3}
    assert sorted(incidents["occurred_at"].dt.day) == list(range(5, 17))


# ---------------------------------------------------------------- personal data (deliverable 8)
PLANTED = ["Anna Svensson", "070-123 45 67", "kalle persson", "Storgatan 12", "ABC 123", "kalle(at)skolan.se",
           "85 03 12-1231", "070/123 45 67", "anna.svensson@example.se", "0701234567", "Storgatan 14",
           "Lisa Nilsson", "LISA NILSSON", "019-12 34 56"]


def _with_personal_data(root: Path) -> None:
    notes = root / "data/raw/anteckningar"
    notes.mkdir()
    (notes / "fritidsgard.txt").write_text(
        "Datum: 2025-03-01\nVerksamhet: Fritidsgården, kontakt Anna Svensson 070-123 45 67\n"
        "rektor kalle persson ringde om klotter vid Storgatan 12 i Bäckby. Bil ABC 123 stod där. Mejla "
        "kalle(at)skolan.se, pnr 85 03 12-1231, tel 070/123 45 67.\n", "utf-8")
    pd.DataFrame({"Område": ["Bäckby", "Centrum", "Ring 0701234567"],
                  "Hur trygg eller otrygg känner du dig om du går ut ensam sent en kväll i ditt bostadsområde?":
                      ["Mycket trygg", "Ganska otrygg", "Ganska trygg"],
                  "E-post för utlottning": ["anna.svensson@example.se", None, "019-12 34 56"],
                  "Övriga synpunkter": ["Grannen LISA NILSSON stör", None, None]}).to_excel(
        root / "data/raw/trygghet_2025.xlsx", index=False)
    crimes = [CRIMES[0].replace("Misshandel, utomhus", "Ofredande av Lisa Nilsson"),
              "K9;2025-03-09;12:00;Olaga hot;;", *CRIMES[1:]]
    _crime_file(root).write_text(_crime_text(*crimes).replace("Y-koordinat\n", "Y-koordinat;Brottsplats\n")
                                 .replace("K9;2025-03-09;12:00;Olaga hot;;", "K9;2025-03-09;12:00;Olaga hot;;;Storgatan 14"),
                                 "utf-8")
    text = _params_text(root).replace('    required: false\n', '    required: false\n'
                                      '  notes:\n    path: data/raw/anteckningar/*.txt\n'
                                      '  survey:\n    path: data/raw/trygghet_*.xlsx\n', 1)
    (root / "params.yaml").write_text(text, "utf-8")


def test_no_planted_personal_datum_reaches_a_table_the_quarantine_or_a_message(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    _with_personal_data(root)
    code, listed = _check(root, capsys)
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    q = _quarantine(root)
    assert {"missing coordinates", "unknown area"} <= set(q["reason"])  # the rows that quote them were read
    shown = "\n".join(listed + lines)
    found = [(p.name, s) for p in (root / "data/processed").rglob("*.*") for s in PLANTED
             if s.lower().encode("utf-8") in p.read_bytes().lower()]
    found += [("messages", s) for s in PLANTED if s.lower() in shown.lower()]
    assert found == []
    notes = pd.read_parquet(root / "data/processed/notes.parquet")
    assert "Storgatan [nr]" in notes["text"].iloc[0] and notes["area_id"].iloc[0] == "Bäckby"


# ---------------------------------------------------------------- init → check → ingest
def test_init_writes_params_that_check_and_ingest_accept_or_mark_todo(tmp_path, capsys):
    root = _tiny_kommun(tmp_path)
    (root / "params.yaml").unlink()
    _crime_file(root).write_text(_crime_text(*CRIMES, "K7;2025-03-07;14:00;Egendomsbrott, övrigt;581300;6611300"),
                                 "cp1252")
    with pd.ExcelWriter(root / "data/raw/enkat_2025.xlsx") as xl:  # another sheet first, questions in full
        pd.DataFrame({"Om enkäten": ["Trygghetsenkät 2025"]}).to_excel(xl, sheet_name="Info", index=False)
        pd.DataFrame({
            "Var bor du?": ["Bäckby", "Centrum", "Bäckby"],
            "Hur trygg känner du dig när du går ut ensam sent på kvällen i ditt område?":
                ["Mycket trygg", "Mkt otrygg", "Ganska trygg"],
            "Hur stort problem är nedskräpning i ditt bostadsområde?": ["Inget problem alls", "Ganska stort", None],
            "Hur stort problem är narkotikaförsäljning i ditt bostadsområde?": ["Vet ej", "Mkt stort", "Ganska litet"],
            "Har du något mer att berätta om tryggheten där du bor?": ["Mörkt vid skolan", None, None],
        }).to_excel(xl, sheet_name="Svar", index=False)
    assert main(["--params", str(root / "params.yaml"), "init", "--kommun", "1980", "--year", "2025"]) == 0
    params = yaml.safe_load(_params_text(root))
    survey = params["sources"]["survey"]
    assert survey["sheet"] == "Svar" and survey["columns"] == {
        "area_name": "Var bor du?",
        "safety_evening": "Hur trygg känner du dig när du går ut ensam sent på kvällen i ditt område?",
        "item_littering": "Hur stort problem är nedskräpning i ditt bostadsområde?",
        "item_drug_dealing": "Hur stort problem är narkotikaförsäljning i ditt bostadsområde?",
        "free_text": "Har du något mer att berätta om tryggheten där du bor?"}
    assert params["sources"]["crimes"]["labels"] == {"crime_categories": {"Egendomsbrott, övrigt": "TODO"}}
    assert "notes" not in params["sources"] and params["kommun"]["name"] == "Västerås"
    capsys.readouterr()
    code, listed = _check(root, capsys)
    assert code == 2 and "'Egendomsbrott, övrigt' is still TODO" in listed[0]
    _edit_params(root, "Egendomsbrott, övrigt: TODO", "Egendomsbrott, övrigt: theft")
    code, listed = _check(root, capsys)
    assert code == 0, listed
    assert "✓ survey: 2 of 8 problem items found, free text found, 1 free-text answers" in listed
    code, lines = _ingest(root, capsys)
    assert code == 0, lines
    assert len(pd.read_parquet(root / "data/processed/survey_responses.parquet")) == 3
