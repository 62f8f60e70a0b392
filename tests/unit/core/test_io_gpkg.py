"""Raw readers (encoding, separator), atomic writes and the styled GeoPackage."""

import sqlite3

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline import io
from pipeline.errors import DataError
from pipeline.geo.gpkg import write_layers_gpkg


def test_cp1252_semicolon_export_is_read_as_text(tmp_path):
    f = tmp_path / "brott.csv"
    f.write_bytes("Stadsdel;Brottskod;X-koordinat\nBäckby;0375;587123,5\nRåby;;\n".encode("cp1252"))
    df = io.read_raw_table(f)
    assert list(df.columns) == ["Stadsdel", "Brottskod", "X-koordinat"]
    assert df.loc[0, "Stadsdel"] == "Bäckby" and df.loc[0, "Brottskod"] == "0375"  # leading zero kept
    assert df.loc[0, "X-koordinat"] == "587123,5" and pd.isna(df.loc[1, "Brottskod"])


def test_utf8_bom_comma_export(tmp_path):
    f = tmp_path / "est.csv"
    f.write_bytes('\ufeffDatum,Plats\n2025-01-02,"Råby torg, vid kiosken"\n'.encode("utf-8"))
    df = io.read_raw_table(f)
    assert df.columns[0] == "Datum" and df.loc[0, "Plats"] == "Råby torg, vid kiosken"


def test_unreadable_file_is_one_line_error(tmp_path):
    f = tmp_path / "x.xlsx"
    f.write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"x\.xlsx: could not be read"):
        io.read_raw_table(f)


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_gpkg_layers_carry_default_qgis_styles(tmp_path):
    cells = gpd.GeoDataFrame({"cell_id": ["a", "b"], "hotspot_class": ["hot_99", "not_significant"]},
                             geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=3006)
    kde = gpd.GeoDataFrame({"cell_id": ["a", "b"], "density_per_km2_year": [0.5, 4.0]},
                           geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=3006)
    path = write_layers_gpkg({"hotspots_gi": cells, "kde": kde}, tmp_path / "layers.gpkg")
    back = gpd.read_file(path, layer="hotspots_gi")
    assert back.crs.to_epsg() == 3006 and back["hotspot_class"].tolist() == ["hot_99", "not_significant"]
    rows = dict(sqlite3.connect(path).execute("select f_table_name, styleQML from layer_styles").fetchall())
    assert 'type="categorizedSymbol" attr="hotspot_class"' in rows["hotspots_gi"]
    assert 'value="hot_99"' in rows["hotspots_gi"]
    assert 'type="graduatedSymbol" attr="density_per_km2_year"' in rows["kde"]


def test_short_cp1252_file_is_not_mistaken_for_another_codepage(tmp_path):
    # a header-heavy file with few non-ASCII bytes once made the statistical detector pick a
    # codepage where 0xE4 is 'ð' instead of 'ä'
    f = tmp_path / "b.csv"
    f.write_bytes("Diarienummer;Brottsbenämning;Stadsdel\n5000-K1-25;Stöld;Råby\n".encode("cp1252"))
    assert io.detect_encoding(f.read_bytes()) == "cp1252"
    assert "Brottsbenämning" in io.read_raw_table(f).columns
