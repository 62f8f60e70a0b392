"""Another kommun's exports — other headers, encoding, separator and labels — run by config only."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline import io
from tests.integration.conftest import cli, make_run_dir, read_params, write_params

pytestmark = pytest.mark.slow

HEADERS = {"Diarienummer": "Ärende", "Brottsdatum": "Datum för brottet", "Klockslag": "Tid",
           "Brottskod": "Kod", "Brottsbenämning": "Brottstyp i klartext", "Stadsdel": "Delområde",
           "X-koordinat": "Östkoordinat", "Y-koordinat": "Nordkoordinat"}


def test_foreign_crime_export_needs_only_config(demo_run, tmp_path):
    run_dir = make_run_dir(tmp_path)
    shutil.copytree(demo_run / "data/raw", run_dir / "data/raw")
    # rewrite every crime file as another system would: UTF-8, comma-separated, own headers and
    # its own word for theft
    crime_dir = run_dir / "data/raw/brott"
    for path in sorted(crime_dir.iterdir()):
        df = io.read_raw_table(path)
        df = df.rename(columns=HEADERS)
        df["Brottstyp i klartext"] = df["Brottstyp i klartext"].replace({"Stöld": "Egendomstillgrepp"})
        path.unlink()
        df.to_csv(crime_dir / f"{path.stem}.csv", index=False, encoding="utf-8")
    params = read_params(run_dir)
    params["sources"]["crimes"]["columns"] = {
        "incident_id": "Ärende", "date": "Datum för brottet", "time": "Tid", "crime_code": "Kod",
        "crime_label": "Brottstyp i klartext", "area_name": "Delområde", "x": "Östkoordinat", "y": "Nordkoordinat"}
    params["sources"]["crimes"]["labels"] = {"crime_categories": {"Egendomstillgrepp": "theft"}}
    write_params(run_dir, params)

    first = cli(run_dir, "ingest", check=False, cwd=tmp_path.parent)  # paths come from --params, not the cwd
    assert first.returncode == 0, first.stderr
    mine = pd.read_csv(run_dir / "data/processed/ingest_quality.csv").set_index("source")
    demo = pd.read_csv(demo_run / "data/processed/ingest_quality.csv").set_index("source")
    assert mine.loc["crimes", "accepted"] == demo.loc["crimes", "accepted"]
    theirs = io.read_frame(demo_run / "data/processed/incidents.parquet")
    ours = io.read_frame(run_dir / "data/processed/incidents.parquet")
    assert (ours["problem"].value_counts().sort_index() == theirs["problem"].value_counts().sort_index()).all()
    assert ours["source_file"].str.startswith("data/raw/brott/").all()  # relative to the run, wherever it is
