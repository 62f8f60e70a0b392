"""Areas and population ingest on a 2×2-km two-area kommun."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from pipeline.config import KommunParams, SourceParams
from pipeline.errors import DataError
from pipeline.ingest.areas import ingest_areas
from pipeline.ingest.population import ingest_population, normalise_age_band
from pipeline.io import read_raw_table
from pipeline.schemas import validate

X0, Y0 = 580_000, 6_610_000
KOMMUN = KommunParams(code="1980", name="Västerås", lpo="LPO Västerås", year=2025)


def reconciles(res):
    s = res.summary
    return s["rows_read"] == s["accepted"] + s["quarantined"] == len(res.table) + len(res.quarantine)


@pytest.fixture
def layer():
    """Bäckby (west km) and Centrum (east km), plus a bow-tie, another kommun's area and a duplicate."""
    bowtie = Polygon([(X0, Y0), (X0 + 500, Y0 + 500), (X0 + 500, Y0), (X0, Y0 + 500)])
    return gpd.GeoDataFrame({
        "NYCKELKOD": ["198001", "198002", "198003", "188001", "198001"],
        "STADSDEL": ["Bäckby", "Centrum", "Fjärilen", "Köping C", "Bäckby igen"],
        "KOMMUNKOD": ["1980", "1980", "1980", "1880", "1980"],
    }, geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000), bowtie,
                 box(0, 0, 1, 1), box(X0, Y0, X0 + 10, Y0 + 10)], crs="EPSG:3006")


def test_areas_default_headers_quarantine_and_repair(layer):
    res = ingest_areas([("stadsdelar.gpkg", layer)], SourceParams(path="x"), KOMMUN)
    validate("areas", res.table)
    assert res.table["area_id"].tolist() == ["198001", "198002", "198003"]
    assert res.table.crs.to_epsg() == 3006
    assert res.table.geometry.is_valid.all()
    assert res.table.geometry.iloc[2].area == pytest.approx(2 * 0.5 * 500 * 250)  # bow-tie → two triangles
    assert res.summary["geometries_repaired"] == 1
    assert dict(zip(res.quarantine["source_row"], res.quarantine["reason"])) == {4: "other kommun",
                                                                                 5: "duplicate area id"}
    assert reconciles(res)


def test_areas_reprojected_from_wgs84_and_no_crs_is_fatal(layer):
    res = ingest_areas([("a.geojson", layer.iloc[:2].to_crs(4326))], None, KOMMUN)
    assert res.table.total_bounds == pytest.approx([X0, Y0, X0 + 2000, Y0 + 2000], abs=0.01)
    with pytest.raises(DataError, match=r"^a.shp: the layer has no coordinate system; add `sources.areas.crs"):
        ingest_areas([("a.shp", layer.set_crs(None, allow_override=True))], SourceParams(path="x"), KOMMUN)
    fixed = ingest_areas([("a.shp", layer.iloc[:2].set_crs(None, allow_override=True))],
                         SourceParams(path="x", crs="EPSG:3006"), KOMMUN)
    assert len(fixed.table) == 2


def test_areas_other_headers_via_config_and_missing_name(layer):
    other = layer.iloc[:2].rename(columns={"STADSDEL": "Distrikt", "NYCKELKOD": "Nr"}).drop(columns="KOMMUNKOD")
    with pytest.raises(DataError, match=r"^o.gpkg: missing required column 'area_name'"):
        ingest_areas([("o.gpkg", other)], None, KOMMUN)
    res = ingest_areas([("o.gpkg", other)], SourceParams(path="x", columns={"area_name": "Distrikt",
                                                                            "area_id": "Nr"}), KOMMUN)
    assert res.table["area_name"].tolist() == ["Bäckby", "Centrum"]
    assert (res.table["kommun_code"] == "1980").all()


@pytest.fixture
def areas(layer):
    return ingest_areas([("stadsdelar.gpkg", layer.iloc[:2])], None, KOMMUN).table


def test_population_cp1252_semicolon_with_other_spellings(tmp_path, areas):
    text = ("Stadsdel;Kön;Ålder;År;Antal\n"
            "Bäckby;kvinnor;0-15;2024;120\n"
            "BÄCKBY;män;0-15;2024;130\n"
            "Västerås Centrum;kvinnor;85+;2024;7\n"
            "Backby;män;85+;2024;..\n"
            "Okänt;män;16-24;2024;5\n"
            "Bäckby;kvinnor;0-15;2024;120\n"
            "Centrum;annat;16-24;2024;3\n")
    path = tmp_path / "befolkning_stadsdelar.csv"
    path.write_bytes(text.encode("cp1252"))
    res = ingest_population([(str(path), read_raw_table(path))], areas, SourceParams(path="x"))
    validate("population", res.table)
    assert res.table.to_dict("records") == [
        {"area_id": "198001", "year": 2024, "sex": "kvinna", "age_band": "0-15", "population": 120},
        {"area_id": "198001", "year": 2024, "sex": "man", "age_band": "0-15", "population": 130},
        {"area_id": "198002", "year": 2024, "sex": "kvinna", "age_band": "85+", "population": 7},
    ]
    assert dict(zip(res.quarantine["source_row"], res.quarantine["reason"])) == {
        4: "bad population number", 5: "unknown area", 6: "duplicate", 7: "unknown sex"}
    assert res.summary["unknown area 'Okänt'"] == 1
    assert reconciles(res)


def test_population_totals_only_year_from_filename_and_thousands(areas):
    df = pd.DataFrame({"Område": ["Bäckby", "Centrum"], "Folkmängd": ["1 234", "2\u00a0000"]})
    res = ingest_population([("befolkning_2024.xlsx", df)], areas, None)
    assert res.table[["sex", "age_band", "year"]].drop_duplicates().values.tolist() == [["alla", "alla", 2024]]
    assert res.table["population"].tolist() == [1234, 2000]


def test_population_without_a_year_takes_the_configured_year(areas):
    df = pd.DataFrame({"Område": ["Bäckby", "Centrum"], "Antal": ["1.200", "900"]})
    res = ingest_population([("befolkning.csv", df)], areas, SourceParams(path="x", year=2023))
    assert res.table["year"].tolist() == [2023, 2023] and res.table["population"].tolist() == [1200, 900]


def test_population_fatal_errors(areas):
    df = pd.DataFrame({"Område": ["Bäckby"], "Antal": ["1"]})
    with pytest.raises(DataError, match=r"^bef.csv: no year column and no year in the file name; add `sources.population.year"):
        ingest_population([("bef.csv", df)], areas, None)
    with pytest.raises(DataError, match=r"^bef_2024.csv: missing required column 'population'"):
        ingest_population([("bef_2024.csv", df.rename(columns={"Antal": "Siffra"}))], areas, None)
    with pytest.raises(DataError, match=r"none of the 1 population rows could be used .*'unknown area'"):
        ingest_population([("bef_2024.csv", df.assign(Område="Mars"))], areas, None)


def test_normalise_age_band():
    got = normalise_age_band(pd.Series(["0–15 år", "85 år och äldre", "85-w", "16-24", "totalt", None]))
    assert got.tolist() == ["0-15", "85+", "85+", "16-24", "alla", "alla"]


def test_deso_layer_without_names_keeps_this_kommuns_codes(layer):
    deso = layer.iloc[:3][["geometry"]].assign(deso=["1980C1010", "1980C1020", "0484A0010"])
    res = ingest_areas([("deso.gpkg", deso)], None, KOMMUN)
    assert res.table[["area_id", "area_name"]].values.tolist() == [["1980C1010", "1980C1010"],
                                                                     ["1980C1020", "1980C1020"]]
    assert res.quarantine["reason"].tolist() == ["other kommun"]
