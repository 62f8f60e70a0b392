"""Polisen events: file reading, datetime and kommun rules, reconciliation on the real archive."""

import gzip
import json

import pandas as pd
import pytest

from pipeline.config import KommunParams
from pipeline.errors import DataError
from pipeline.ingest.police_events import (coverage_span, event_coverage, event_kommun, ingest_police_events,
                                           other_kommuner_text, parse_event_datetime, read_police_event_files)
from pipeline.problems import load_families
from pipeline.schemas import validate

KOMMUN = KommunParams(code="1980", name="Västerås", lpo="LPO Västerås", year=2025)


def ev(i, dt, name, etype, loc):
    return {"id": i, "datetime": dt, "name": name, "summary": "", "url": "/x", "type": etype,
            "location": {"name": loc, "gps": "59.6,16.5"}}


EVENTS = [
    ev(1, "2025-09-30 9:54:32 +02:00", "30 september 09.50, Misshandel, Västerås", "Misshandel", "Västerås"),
    ev(2, "2025-01-05 23:10:00 +01:00", "05 januari 23.05, Brand, Västerås", "Brand", "Västerås"),
    ev(3, "2025-11-02 1:00:00 +01:00", "02 november 00.55, Stöld/inbrott, Västerås",
       "Stöld/inbrott", "Västmanlands län"),
    ev(4, "2025-11-02 2:00:00 +01:00", "02 november 01.55, Rån, Köping", "Rån", "Västmanlands län"),
    ev(5, "2025-03-03 12:00:00 +01:00", "03 mars, Trafikolycka, personskada, Västerås",
       "Trafikolycka, personskada", "VÄSTERÅS"),
    ev(6, "2025-03-03 12:00:00 +01:00", "03 mars, Bedrägeri, Västerås", "Bedrägeri", "Västerås"),
    ev(1, "2025-09-30 9:54:32 +02:00", "30 september 09.50, Misshandel, Västerås", "Misshandel", "Västerås"),
    ev(7, "igår", "x, Rån, Västerås", "Rån", "Västerås"),
    ev(8, "2025-03-03 12:00:00 +01:00", "03 mars, Rån, Eskilstuna", "Rån", "Eskilstuna"),
]


def test_datetime_unpadded_hour_and_offset():
    got = parse_event_datetime(pd.Series(["2025-09-30 9:54:32 +02:00", "2025-01-05 23:10:00 +01:00",
                                          "2025-01-05 22:10:00 +00:00", "2025-02-30 10:00:00 +01:00", None]))
    assert got[:3].tolist() == [pd.Timestamp("2025-09-30 09:54:32"), pd.Timestamp("2025-01-05 23:10:00"),
                                pd.Timestamp("2025-01-05 23:10:00")]  # UTC 22:10 = 23:10 in Stockholm (CET)
    assert got[3:].isna().all()


def test_event_kommun_from_name_when_location_is_a_lan():
    got = event_kommun(pd.Series(["1 maj, Rån, Köping", "1 maj, Rån, Västerås"]),
                       pd.Series(["Västmanlands län", "Västerås"]))
    assert got.tolist() == ["Köping", "Västerås"]


def test_ingest_rules_and_reconciliation():
    res = ingest_police_events([("h.json", EVENTS)], KOMMUN, load_families())
    validate("police_events", res.table)
    t = res.table.set_index("event_id")
    assert sorted(t.index) == ["1", "2", "3", "5", "6"]
    assert t["problem"].to_dict() == {"1": "violence", "2": None, "3": "burglary", "5": None, "6": None}
    assert t["is_crime"].to_dict() == {"1": True, "2": False, "3": True, "5": False, "6": False}
    assert t.loc["3", "event_kommun"] == "Västerås" and t.loc["3", "location_name"] == "Västmanlands län"
    assert t.loc["1", "occurred_at"] == pd.Timestamp("2025-09-30 09:54:32")
    # Köping (row 4, named after the län) and Eskilstuna (row 9) are out of scope: counted, not quarantined
    assert dict(zip(res.quarantine["source_row"], res.quarantine["reason"])) == {7: "duplicate", 8: "bad date"}
    assert res.out_of_scope == {"Köping": 1, "Eskilstuna": 1}
    s = res.summary
    assert (s["rows_read"], s["accepted"], s["quarantined"], s["other_kommun_events"]) == (7, 5, 2, 2)
    assert s["non_crime_events"] == 2 and s["excluded event type 'Bedrägeri'"] == 1


def test_an_event_naming_no_kommun_is_quarantined_and_a_misspelt_kommun_is_named():
    recs = [*EVENTS[:2], ev(9, "2025-03-03 12:00:00 +01:00", "03 mars, Rån, ", "Rån", "Västmanlands län")]
    res = ingest_police_events([("h.json", recs)], KOMMUN, load_families())
    assert dict(zip(res.quarantine["source_row"], res.quarantine["reason"])) == {3: "missing kommun"}
    assert (res.summary["rows_read"], res.summary["other_kommun_events"]) == (3, 0) and res.out_of_scope == {}
    wrong = KommunParams(code="1980", name="Vasteras", lpo="x", year=2025)  # å/ä/ö are letters of their own
    with pytest.raises(DataError, match=r"h.json: none of the 9 events names kommun 'Vasteras' \(most named: "
                                        r"Västerås 7, Köping 1, Eskilstuna 1\)"):
        ingest_police_events([("h.json", EVENTS)], wrong, load_families())


def test_read_json_list_and_gz_lines(tmp_path):
    a = tmp_path / "a.json"
    a.write_text(json.dumps(EVENTS[:2]), encoding="utf-8")
    b = tmp_path / "b.jsonl.gz"
    with gzip.open(b, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(e) for e in EVENTS[:3]) + "\n")
    got = read_police_event_files([a, b])
    assert [(f.endswith(n), len(r)) for (f, r), n in zip(got, ["a.json", "b.jsonl.gz"])] == [(True, 2), (True, 3)]
    bad = tmp_path / "c.jsonl"
    bad.write_text(json.dumps(EVENTS[0]) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"c.jsonl: line 2 is not a JSON object"):
        read_police_event_files([bad])


def test_real_archive_vasteras(shared_data):
    path = shared_data / "polisen_handelser_2023-03_2025-09.jsonl.gz"
    res = ingest_police_events(read_police_event_files([path]), KOMMUN, load_families())
    validate("police_events", res.table)
    s = res.summary
    assert 800 <= s["accepted"] <= 1300  # README: about 1,100; 951 carry Västerås as location or kommun
    assert s["rows_read"] == s["accepted"] + s["quarantined"] == len(res.table) + len(res.quarantine)
    # counted apart from ours, independently of the ingest: the kommun is location.name, or for a
    # län the text after the name's last comma (one event names none: it is quarantined)
    raw = pd.read_json(path, lines=True, dtype=False)
    loc = raw["location"].str["name"].str.strip()
    named = loc.where(~loc.str.endswith(" län"), raw["name"].str.split(",").str[-1].str.strip())
    other = named[(named != "") & (named.str.casefold() != "västerås")]
    assert s["other_kommun_events"] == len(other) == sum(res.out_of_scope.values()) == 62_646
    by_kommun = other.groupby(other.str.casefold()).size()
    assert {k.casefold(): n for k, n in res.out_of_scope.items()} == by_kommun.to_dict()
    assert s["rows_read"] + s["other_kommun_events"] == 63_598 == len(raw)
    assert res.quarantine["reason"].tolist() == ["missing kommun"]
    assert other_kommuner_text(res.out_of_scope).startswith("Stockholm 2 969, Malmö 2 133, ")  # place names as written
    assert 0.3 < res.table["is_crime"].mean() < 0.7
    assert res.table["occurred_at"].between("2023-03-20", "2025-10-01").all()
    assert (res.table["event_kommun"] == "Västerås").all()


def test_event_type_summary_counts_by_type_and_year():
    from pipeline.ingest.police_events import event_type_summary

    ev = pd.DataFrame({"event_type": ["Rån", "Rån", "Brand", "Rån", "Stöld"], "year": [2024, 2025, 2025, 2025, 2025],
                       "problem": ["robbery", "robbery", None, "robbery", "theft"]})
    out = event_type_summary(ev, top=2)
    assert out["event_type"].tolist() == ["Rån", "Brand", "Övriga typer"]
    assert out.loc[0, ["n_events", "n_2024", "n_2025"]].tolist() == [3, 1, 2]
    assert out.loc[2, "n_events"] == 1 and out.loc[0, "problem"] == "robbery"


def test_habo_and_habo_with_ring_are_different_kommuner_but_case_does_not_matter():
    recs = [ev(1, "2025-01-01 10:00:00 +01:00", "1 jan, Rån, Habo", "Rån", "Habo"),
            ev(2, "2025-01-01 11:00:00 +01:00", "1 jan, Rån, Håbo", "Rån", "Håbo"),
            ev(3, "2025-11-01 11:00:00 +01:00", "1 nov, Rån, Upplands-bro", "Rån", "Stockholms län")]
    fams = load_families()
    habo = ingest_police_events([("h.json", recs)], KommunParams(code="0643", name="Habo", lpo="x", year=2025), fams)
    assert habo.table["event_id"].tolist() == ["1"]
    bro = ingest_police_events([("h.json", recs)], KommunParams(code="0139", name="Upplands-Bro", lpo="x", year=2025),
                               fams)
    assert bro.table["event_id"].tolist() == ["3"]


def test_coverage_spans_every_record_of_each_file_not_only_the_kommuns():
    cov = event_coverage([("a.json", EVENTS), ("b.json", [])])
    a = cov.set_index("source_file").loc["a.json"]
    assert (a["n_records"], a["first_event_at"], a["last_event_at"]) == (
        9, pd.Timestamp("2025-01-05 23:10:00"), pd.Timestamp("2025-11-02 02:00:00"))
    assert coverage_span(cov) == (pd.Timestamp("2025-01-05 23:10:00"), pd.Timestamp("2025-11-02 02:00:00"))
    assert coverage_span(event_coverage([])) is None
