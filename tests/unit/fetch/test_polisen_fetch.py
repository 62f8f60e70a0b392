"""`lagesbild fetch polisen` against recorded API answers (the `responses` library): Polisen's
rules (User-Agent, ≥ 10 s between calls, hourly and daily limits, back-off, 404 permanent),
de-duplication by id, both location shapes and the gap warning. No network, no real sleeping:
the clock and the sleep are a fake that only advances time."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
import responses

from pipeline import __version__
from pipeline.config import KommunParams
from pipeline.errors import DataError
from pipeline.fetch.polisen import (API_URL, calls_allowed, fetch_polisen, merge_events, read_archive,
                                    state_path)
from pipeline.ingest.police_events import ingest_police_events, read_police_event_files
from pipeline.problems import load_families

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "polisen_api"
T0 = 1_762_200_000.0  # 2025-11-03 20:00 UTC


class FakeClock:
    """time.time and time.sleep that never wait: sleeping advances the clock."""

    def __init__(self, now: float = T0):
        self.now, self.sleeps = now, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def replay(name: str) -> responses.RequestsMock:
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock._add_from_file(FIXTURES / name)
    return mock


def fetch(archive, clock, *locations):
    return fetch_polisen(archive, list(locations) or None, clock=clock, sleep=clock.sleep)


def test_first_fetch_archives_every_event_with_a_user_agent_naming_the_tool(tmp_path):
    clock, archive = FakeClock(), tmp_path / "polisen_handelser_arkiv.jsonl"
    with replay("events_first.yaml") as mock:
        summary, warnings = fetch(archive, clock)
        (call,) = mock.calls
    assert call.request.url == API_URL and call.request.url.startswith("https://")
    assert call.request.headers["User-Agent"].startswith(f"lagesbild/{__version__} ")
    assert warnings == []
    assert [e["id"] for e in read_archive(archive)] == [610005, 610006, 610007, 610008, 610009, 610010]
    assert "6 new (2 located by kommun, 4 by län)" in summary
    state = json.loads(state_path(archive).read_text("utf-8"))
    assert state["call_times"] == [T0]


def test_second_fetch_waits_ten_seconds_and_adds_only_new_ids(tmp_path):
    clock, archive = FakeClock(), tmp_path / "arkiv.jsonl"
    with replay("events_first.yaml"):
        fetch(archive, clock)
    clock.now += 3  # three seconds later
    with replay("events_second.yaml"):
        summary, warnings = fetch(archive, clock)
    assert clock.sleeps == [pytest.approx(7.0)]  # Polisen asks for ≥ 10 s between calls
    ids = [e["id"] for e in read_archive(archive)]
    assert ids == sorted(set(ids)) and len(ids) == 9  # 610005..610013, overlapping ids once
    assert "6 events fetched, 3 new" in summary and warnings == []


def test_a_gap_is_warned_when_the_answer_does_not_reach_back_to_the_archive(tmp_path):
    clock, archive = FakeClock(), tmp_path / "arkiv.jsonl"
    with replay("events_first.yaml"):
        fetch(archive, clock)
    clock.now += 6 * 86_400
    with replay("events_gap.yaml"):
        _, warnings = fetch(archive, clock)
    (w,) = warnings
    assert "possible gap" in w and "2025-11-08 02:15" in w and "2025-11-03 14:05" in w and "~500" in w
    assert len(read_archive(archive)) == 10  # the new events are archived all the same


def test_404_is_permanent_and_never_retried(tmp_path):
    clock = FakeClock()
    with replay("events_404.yaml") as mock:
        with pytest.raises(DataError, match="404 Not Found; Polisen's rules say a 404 is permanent"):
            fetch(tmp_path / "a.jsonl", clock, "Narnia")
        assert len(mock.calls) == 1
    assert clock.sleeps == [] and not (tmp_path / "a.jsonl").exists()
    # the failed call still counts against the limits
    assert json.loads(state_path(tmp_path / "a.jsonl").read_text("utf-8"))["call_times"] == [T0]


def test_other_client_errors_are_not_retried(tmp_path):
    clock = FakeClock()
    with replay("events_403.yaml") as mock:
        with pytest.raises(DataError, match="answered 403 Forbidden; this is not a temporary error"):
            fetch(tmp_path / "a.jsonl", clock)
        assert len(mock.calls) == 1


def test_transient_errors_back_off_and_honour_retry_after(tmp_path):
    clock = FakeClock()
    with replay("events_503_then_200.yaml") as mock:
        summary, _ = fetch(tmp_path / "a.jsonl", clock)
        assert [c.response.status_code for c in mock.calls] == [503, 429, 200]
    # 503 with Retry-After 30 → 30 s; 429 with Retry-After 5 → the back-off's 20 s; then the call
    assert clock.sleeps == [30.0, 20.0]
    assert "6 new" in summary
    clock2 = FakeClock()
    with replay("events_503_always.yaml") as mock:
        with pytest.raises(DataError, match="failed 4 times \\(503 Service Unavailable\\)"):
            fetch(tmp_path / "b.jsonl", clock2)
        assert len(mock.calls) == 4
    assert clock2.sleeps == [10.0, 20.0, 40.0]


def test_hourly_and_daily_limits_refuse_before_calling(tmp_path):
    archive = tmp_path / "a.jsonl"
    state_path(archive).write_text(json.dumps({"call_times": [T0 - 3_000 + i for i in range(60)]}), "utf-8")
    with replay("events_first.yaml") as mock:
        with pytest.raises(DataError, match="60 calls in the last hour \\(Polisen allows 60\\)"):
            fetch(archive, FakeClock())
        assert len(mock.calls) == 0
    wait, refused = calls_allowed([T0 - 86_000 + 50 * i for i in range(1440)], T0)
    assert refused and "1440 calls in the last 24 hours" in refused
    assert calls_allowed([T0 - 4], T0) == (6.0, None)
    assert calls_allowed([T0 - 86_401] * 1500, T0) == (0.0, None)  # older than a day: forgotten


def test_only_https():
    with pytest.raises(DataError, match="must be called over HTTPS"):
        fetch_polisen(Path("x.jsonl"), url="http://polisen.se/api/events")


def test_merge_keeps_first_of_duplicate_ids_and_skips_records_without_id():
    recs = [{"id": 1, "datetime": "2025-11-01 10:00:00 +01:00"}, {"id": 1, "datetime": "2025-11-01 10:00:00 +01:00"},
            {"datetime": "2025-11-01 11:00:00 +01:00"}, "not an event"]
    r = merge_events(set(), None, recs)
    assert [e["id"] for e in r.new] == [1] and len(r.invalid) == 2 and r.gap_warning is None


def test_the_archive_reads_back_through_ingest_in_both_location_shapes(tmp_path):
    clock, archive = FakeClock(), tmp_path / "polisen_handelser_arkiv.jsonl.gz"
    with replay("events_first.yaml"):
        fetch(archive, clock)
    clock.now += 60
    with replay("events_second.yaml"):
        fetch(archive, clock)
    with gzip.open(archive, "rt", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 9
    res = ingest_police_events(read_police_event_files([archive]), KommunParams(
        code="1980", name="Västerås", lpo="x", year=2025), load_families())
    t = res.table.set_index("event_id")
    assert sorted(t.index) == ["610010", "610013"]  # both located by the län, kommun from the name
    assert set(t["location_name"]) == {"Västmanlands län"} and set(t["event_kommun"]) == {"Västerås"}


def test_replaying_the_real_archives_latest_500_events(shared_data, tmp_path):
    """The API's answer as it really was: the archive's latest 500 events (served newest first),
    then the 500 before them: a gap-free second fetch adds exactly the new ids."""
    lines = gzip.open(shared_data / "polisen_handelser_2023-03_2025-09.jsonl.gz", "rt", encoding="utf-8").read()
    events = [json.loads(x) for x in lines.splitlines() if x.strip()]
    events.sort(key=lambda e: pd.Timestamp(e["datetime"]))
    older, newer = events[-800:-300][::-1], events[-500:][::-1]
    clock, archive = FakeClock(), tmp_path / "arkiv.jsonl"
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, API_URL, json=older)
        mock.add(responses.GET, API_URL, json=newer)
        fetch(archive, clock)
        clock.now += 3_600
        summary, warnings = fetch(archive, clock)
    assert warnings == [] and "500 events fetched, 300 new" in summary
    assert len(read_archive(archive)) == 800


def test_cli_fetch_needs_no_params_and_fails_with_one_line(tmp_path, capsys, monkeypatch):
    from pipeline.cli import main

    monkeypatch.chdir(tmp_path)  # no params.yaml here
    with replay("events_first.yaml"):
        assert main(["fetch", "polisen", "--archive", "arkiv.jsonl", "--contact", "trygg@example.se"]) == 0
    assert "6 new" in capsys.readouterr().err
    with replay("events_404.yaml"):
        monkeypatch.setattr("time.sleep", lambda s: None)  # the 10 s since the first call
        assert main(["fetch", "polisen", "--archive", "arkiv.jsonl", "--location", "Narnia"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "404" in err and "Traceback" not in err
