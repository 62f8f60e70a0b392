"""A kommun with only Polisen's public events: Västerås on the real archive (../shared/data), no
police export, no survey, no dialogues: `lagesbild run` gives a kommun-level lägesbild labelled
as built from public events only, with the monthly series 2023-03..2025-09 and its trend."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pypdfium2 as pdfium
import pytest

from pipeline import io
from pipeline.text.format_sv import fmt_int
from tests.integration.conftest import cli, make_run_dir, read_params, write_params

pytestmark = pytest.mark.slow
ARCHIVE = "polisen_handelser_2023-03_2025-09.jsonl.gz"


def _text(path) -> str:
    doc = pdfium.PdfDocument(str(path))
    return re.sub(r"\s+", " ", " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))))


@pytest.fixture(scope="module")
def vasteras_events_only(shared_data, tmp_path_factory):
    run_dir = make_run_dir(tmp_path_factory.mktemp("events_only"))
    raw = run_dir / "data/raw"
    raw.mkdir(parents=True)
    kommuner = gpd.read_file(shared_data / "kommuner.geojson")
    one = kommuner[kommuner["id"] == "1980"]
    gpd.GeoDataFrame({"area_id": ["1980"], "area_name": ["Västerås"]}, geometry=one.geometry.to_numpy(),
                     crs=one.crs).to_file(raw / "kommun.gpkg")
    pop = pd.read_csv(shared_data / "befolkning_kommuner_2024.csv", dtype=str)
    pop[pop["kommun_kod"] == "1980"].rename(columns={"kommun_kod": "area_id", "kommun_namn": "area_name",
                                                     "population": "Antal"}).to_csv(raw / "befolkning_2024.csv",
                                                                                    index=False)
    params = read_params(run_dir)
    params["kommun"]["years_back"] = 3
    params["sources"] = {"areas": {"path": "data/raw/kommun.gpkg"}, "population": {"path": "data/raw/befolkning_2024.csv"},
                         "police_events": {"path": str(shared_data / ARCHIVE)}}
    params["comparison"] = {"kommuner": str(shared_data / "kommuner.geojson"),
                            "population": str(shared_data / "befolkning_kommuner_2024.csv")}
    write_params(run_dir, params)
    proc = cli(run_dir, "run")
    return run_dir, proc


def test_the_real_archive_is_read_and_attributed(vasteras_events_only, shared_data):
    run_dir, proc = vasteras_events_only
    q = pd.read_csv(run_dir / "data/processed/ingest_quality.csv").set_index("source")
    # ../shared/data/README.md: 63,598 events, 951 of them Västerås's; the others are counted, not
    # quarantined: every event whose kommun (location.name, or for a län the text after the name's
    # last comma) is named and is not Västerås (one event names none: it is quarantined)
    raw = pd.read_json(shared_data / ARCHIVE, lines=True, dtype=False)
    loc = raw["location"].str["name"].str.strip()
    named = loc.where(~loc.str.endswith(" län"), raw["name"].str.split(",").str[-1].str.strip())
    other = int(((named != "") & (named.str.casefold() != "västerås")).sum())
    ev = q.loc["police_events"]
    assert (ev["rows_read"], ev["accepted"], ev["quarantined"], ev["other_kommun_events"]) == (
        len(raw) - other, 951, 1, other)
    assert len(raw) == 63598
    assert f"{other:,} Polisen events of other kommuner left out" in proc.stderr + proc.stdout


def test_monthly_series_2023_03_to_2025_09_with_rates_and_its_trend(vasteras_events_only):
    run_dir, _ = vasteras_events_only
    m = io.read_frame(run_dir / "data/processed/layers/event_month_counts.parquet")
    alla = m[m["problem"] == "all"].sort_values("month")
    assert (alla["month"].min(), alla["month"].max(), len(alla)) == (pd.Timestamp("2023-03-01"),
                                                                    pd.Timestamp("2025-09-01"), 31)
    assert alla["is_partial_month"].tolist() == [True] + [False] * 30  # the archive starts on 20 March
    ev = io.read_frame(run_dir / "data/processed/police_events.parquet")
    assert alla["n_events"].sum() == int(ev["is_crime"].sum())
    sept = alla.iloc[-1]
    assert sept["rate_per_10000"] == pytest.approx(10_000 * sept["n_events"] / 160_693)
    t = io.read_frame(run_dir / "data/processed/layers/event_trends.parquet").set_index("problem").loc["all"]
    assert t["model"] == "nb2_moment" and t["n_months"] == 31 and t["irr_low"] < t["irr"] < t["irr_high"]
    assert t["break_ids"] == ""  # the archive ends before Polisen's October 2025 change
    y = io.read_frame(run_dir / "data/processed/layers/event_year_counts.parquet")
    assert y.loc[y["problem"] == "all"].set_index("year")["is_partial_year"].to_dict() == {
        2023: True, 2024: False, 2025: True}


def test_report_is_labelled_and_shows_the_series_with_its_trend(vasteras_events_only):
    run_dir, proc = vasteras_events_only
    text = _text(run_dir / "reports/lagesbild-2025.pdf")
    assert text.count("Byggd enbart på Polisens publicerade händelser") > 3  # title page and running header
    assert "bygger enbart på Polisens publicerade händelser" in text
    t = io.read_frame(run_dir / "data/processed/layers/event_trends.parquet").set_index("problem").loc["all"]
    assert re.search(r"per 10 000 invånare och månad, mars 2023–september 2025", text)
    verdict = {"rising": "ökande", "falling": "minskande", "stable": "ingen säker trend"}[t["trend"]]
    assert f"Trend för alla brottshändelser: {verdict}" in text
    assert "Delår: 2023, 2025" in text
    # the events of other kommuner are stated in the method chapter (counted at ingest, see above)
    other = int(pd.read_csv(run_dir / "data/processed/ingest_quality.csv").set_index("source")
                .loc["police_events", "other_kommun_events"])
    flat = re.sub(r"\s+", " ", text)
    assert re.sub(r"\s+", " ", f"sammanfattningar på länsnivå, {fmt_int(other)} stycken, hör inte") in flat
    pb = pd.read_csv(run_dir / "data/processed/problembilder.csv", dtype={"area_id": str})
    assert len(pb) and (pb["area_id"] == "1980").all() and (pb["comp_events"] > 0).any()
    assert "notebook: skipped" in proc.stderr
    sheets = pd.read_excel(run_dir / "reports/lagesbild-2025-tabeller-publik.xlsx", sheet_name=None, engine="calamine")
    months = sheets["Händelser per månad"]  # Swedish headers and labels (pipeline/report/excel.py)
    assert len(months[months["Problemområde"] == "Alla brott"]) == 31


def test_compared_with_its_lan_similar_kommuner_and_the_country(vasteras_events_only):
    run_dir, _ = vasteras_events_only
    c = io.read_frame(run_dir / "data/processed/layers/event_comparison.parquet")
    alla = c[c["problem"] == "all"].set_index("unit")
    # Västmanland has 10 kommuner, Sweden 290; Västerås (160 693) is in the 50 000–199 999 band
    assert alla["n_kommuner"].to_dict() == {"kommun": 1, "lan": 9, "typ": 46, "riket": 289}
    reg = io.read_frame(run_dir / "data/processed/kommuner.parquet")
    assert len(reg) == 290 and reg.loc[reg["kommun_code"] == "1980", "population"].item() == 160_693
    nat = io.read_frame(run_dir / "data/processed/national_event_month_counts.parquet")
    mine = nat[(nat["kommun_code"] == "1980") & (nat["problem"] == "all") & (nat["month"].dt.year == 2025)]
    assert alla.loc["kommun", "n_events"] == mine["n_events"].sum()
    others = nat[(nat["kommun_code"] != "1980") & (nat["problem"] == "all") & (nat["month"].dt.year == 2025)]
    assert alla.loc["riket", "n_events"] == others["n_events"].sum()
    # 1 January–30 September 2025: 273 days of 365
    exposure = (reg["population"].sum() - 160_693) * 273 / 365 / 10_000
    assert alla.loc["riket", "rate_per_10000"] == pytest.approx(alla.loc["riket", "n_events"] / exposure)
    assert alla.loc["riket", "rate_low"] < alla.loc["riket", "rate_per_10000"] < alla.loc["riket", "rate_high"]
    text = _text(run_dir / "reports/lagesbild-2025.pdf")
    assert "Jämförelse" in text and "Övriga Västmanlands län (9 kommuner)" in text
    assert "Alla tal finns i Excelbilagan lagesbild" in text and "bladet Jämförelse" in text
    pb = pd.read_csv(run_dir / "data/processed/problembilder.csv", dtype={"area_id": str})
    assert pb["events_rate_ratio"].notna().any()
