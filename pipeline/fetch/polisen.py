"""``lagesbild fetch polisen``: an incremental local archive of Polisen's open events API.

Polisen's rules for https://polisen.se/api/events (DOMAIN.md §4): a User-Agent that names the
tool, HTTPS, at least 10 s between calls, at most 60 calls an hour and 1,440 a day, and 404 is
permanent. The API serves only its latest ~500 events, so an archive that is not refreshed
often enough loses events: every fetch checks that the answer overlaps the archive and warns
when it does not.

The archive is a JSON-lines file of the events exactly as the API served them, one per event id
(the ingest reads it like any other event file: both location shapes, the kommun after the last
comma when ``location.name`` is a län). A small state file beside it keeps the time of every
call of the last 24 hours, so the limits hold across runs.

HTTP goes through ``requests``; the clock and the sleep are injected so tests run offline
against recorded responses (``responses``) without waiting.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import requests

from pipeline import __version__
from pipeline.errors import DataError
from pipeline.io import atomic_path

API_URL = "https://polisen.se/api/events"
MIN_INTERVAL_S = 10.0
MAX_PER_HOUR = 60
MAX_PER_DAY = 1440
MAX_RETRIES = 3          # after the first try, for transient failures only
API_WINDOW = 500         # the API serves about this many of its latest events
TRANSIENT = {429, 500, 502, 503, 504}


def user_agent(contact: str | None = None) -> str:
    """"lagesbild/<version> (kommunal lägesbild; <contact>)": the tool, as Polisen asks."""
    return f"lagesbild/{__version__} (kommunal lägesbild{'; ' + contact if contact else ''})"


# ---------------------------------------------------------------- pure core
@dataclass
class MergeResult:
    """What a fetch added to the archive."""

    new: list[dict]
    n_fetched: int
    n_known: int
    n_by_kommun: int       # new events whose location.name is a kommun
    n_by_lan: int          # new events whose location.name is a län (kommun from the name)
    gap_warning: str | None = None
    invalid: list[str] = field(default_factory=list)


def _is_lan(event: dict) -> bool:
    loc = event.get("location") or {}
    return isinstance(loc, dict) and str(loc.get("name", "")).strip().lower().endswith(" län")


def merge_events(known_ids: set[str], newest_known: pd.Timestamp | None, fetched: list) -> MergeResult:
    """New events of one API answer, de-duplicated by event id, and a warning when the answer
    does not reach back to the archive.

    A gap may have been missed when the archive is not empty and no fetched id is already in it
    while the answer's oldest event is newer than the archive's newest (``newest_known``):
    events published in between were pushed out of the API's window of its latest ~500.
    Records without an id or datetime are not added and are listed in ``invalid``.
    """
    from pipeline.ingest.police_events import parse_event_datetime

    good, invalid = [], []
    for i, e in enumerate(fetched):
        if not isinstance(e, dict) or e.get("id") in (None, "") or not e.get("datetime"):
            invalid.append(f"record {i + 1}: no id or datetime")
            continue
        good.append(e)
    seen: set[str] = set()
    new = []
    for e in good:
        key = str(e["id"])
        if key in known_ids or key in seen:
            continue
        seen.add(key)
        new.append(e)
    n_known = sum(str(e["id"]) in known_ids for e in good)
    warning = None
    if known_ids and good and n_known == 0:
        times = parse_event_datetime(pd.Series([e["datetime"] for e in good], dtype=object))
        oldest = times.min()
        if newest_known is None or pd.isna(oldest) or oldest > newest_known:
            warning = (f"possible gap: the API answered with {len(good)} events from {oldest:%Y-%m-%d %H:%M} on, "
                       f"none of them already in the archive, whose newest event is "
                       f"{newest_known:%Y-%m-%d %H:%M}" if newest_known is not None else "possible gap")
            warning += ("; events published in between may be missing (the API serves only its latest "
                        f"~{API_WINDOW}). Fetch more often, e.g. every few hours.")
    return MergeResult(new=new, n_fetched=len(fetched), n_known=n_known,
                       n_by_kommun=sum(not _is_lan(e) for e in new), n_by_lan=sum(_is_lan(e) for e in new),
                       gap_warning=warning, invalid=invalid)


def calls_allowed(call_times: list[float], now: float) -> tuple[float, str | None]:
    """(seconds to wait before the next call, reason it may not be made at all).

    At least 10 s after the last call; refused while 60 calls fell in the last hour or 1,440 in
    the last day (the reason then says when the next call is allowed)."""
    recent = sorted(t for t in call_times if now - t < 86_400)
    hour = [t for t in recent if now - t < 3_600]
    if len(recent) >= MAX_PER_DAY:
        return 0.0, (f"{len(recent)} calls in the last 24 hours (Polisen allows {MAX_PER_DAY}); the next is allowed at "
                     f"{pd.Timestamp(recent[-MAX_PER_DAY] + 86_400, unit='s'):%Y-%m-%d %H:%M} UTC")
    if len(hour) >= MAX_PER_HOUR:
        return 0.0, (f"{len(hour)} calls in the last hour (Polisen allows {MAX_PER_HOUR}); the next is allowed at "
                     f"{pd.Timestamp(hour[-MAX_PER_HOUR] + 3_600, unit='s'):%Y-%m-%d %H:%M} UTC")
    wait = MIN_INTERVAL_S - (now - recent[-1]) if recent else 0.0
    return max(wait, 0.0), None


# ---------------------------------------------------------------- the shell: HTTP, archive, state
class PolisenClient:
    """GET the events API under Polisen's rules. ``clock`` and ``sleep`` are injectable (seconds);
    ``call_times`` (epoch seconds of earlier calls) is updated in place."""

    def __init__(self, call_times: list[float], *, contact: str | None = None, url: str = API_URL,
                 session: requests.Session | None = None, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, timeout: float = 30.0):
        if not url.startswith("https://"):
            raise DataError(f"{url}: Polisen's API must be called over HTTPS")
        self.url, self.call_times, self.timeout = url, call_times, timeout
        self.clock, self.sleep = clock or time.time, sleep or time.sleep
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": user_agent(contact), "Accept": "application/json"})

    def _call(self, params: dict) -> requests.Response:
        wait, refused = calls_allowed(self.call_times, self.clock())
        if refused:
            raise DataError(f"fetch polisen: not calling {self.url}: {refused}")
        if wait > 0:
            self.sleep(wait)
        self.call_times.append(self.clock())
        return self.session.get(self.url, params=params or None, timeout=self.timeout)

    def events(self, location: str | None = None) -> list:
        """The API's latest events (optionally for one ``locationname``). Transient failures
        (429, 5xx, connection errors) are retried up to 3 times with back-off (10, 20, 40 s, or
        Retry-After when longer); 404 and other 4xx are permanent and never retried."""
        params = {"locationname": location} if location else {}
        where = f"{self.url}" + (f"?locationname={location}" if location else "")
        for attempt in range(MAX_RETRIES + 1):
            try:
                resp = self._call(params)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"no answer ({type(exc).__name__})"
            else:
                if resp.status_code == 200:
                    try:
                        data = resp.json()
                    except ValueError as exc:
                        raise DataError(f"fetch polisen: {where} did not answer with JSON ({exc}); try again later")
                    if not isinstance(data, list):
                        raise DataError(f"fetch polisen: {where} answered with {type(data).__name__}, expected a "
                                        "JSON list of events")
                    return data
                if resp.status_code == 404:
                    raise DataError(f"fetch polisen: {where} answered 404 Not Found; Polisen's rules say a 404 is "
                                    "permanent, so it is not retried: check the location name or the API address")
                if resp.status_code not in TRANSIENT:
                    raise DataError(f"fetch polisen: {where} answered {resp.status_code} {resp.reason}; this is not a "
                                    "temporary error and is not retried")
                problem = f"{resp.status_code} {resp.reason}"
                retry_after = _retry_after(resp)
            if attempt == MAX_RETRIES:
                raise DataError(f"fetch polisen: {where} failed {MAX_RETRIES + 1} times ({problem}); try again later")
            backoff = MIN_INTERVAL_S * 2 ** attempt
            if problem.startswith(("429", "5")):
                backoff = max(backoff, retry_after or 0.0)
            self.sleep(backoff)
        raise AssertionError("unreachable")


def _retry_after(resp: requests.Response) -> float | None:
    try:
        return float(resp.headers.get("Retry-After", ""))
    except ValueError:
        return None


def state_path(archive: Path) -> Path:
    return archive.with_name(archive.name.split(".")[0] + ".state.json")


def read_archive(archive: Path) -> list[dict]:
    """Events in a JSON-lines archive (gzipped when the name ends in .gz); [] when it is absent."""
    if not archive.exists():
        return []
    from pipeline.ingest.police_events import read_police_event_files

    return read_police_event_files([archive])[0][1]


def write_archive(archive: Path, events: list[dict]) -> None:
    """Write the whole archive atomically (a crash leaves the old file), oldest event first."""
    from pipeline.ingest.police_events import parse_event_datetime

    opener = gzip.open if archive.suffix == ".gz" else open
    when = parse_event_datetime(pd.Series([e.get("datetime") for e in events], dtype=object))
    order = sorted(range(len(events)), key=lambda i: (when.iloc[i], str(events[i].get("id"))))
    with atomic_path(archive) as tmp:
        with opener(tmp, "wt", encoding="utf-8", newline="\n") as fh:
            for i in order:
                fh.write(json.dumps(events[i], ensure_ascii=False) + "\n")


def _read_state(path: Path) -> dict:
    if not path.exists():
        return {"call_times": []}
    try:
        state = json.loads(path.read_text("utf-8"))
        assert isinstance(state.get("call_times"), list)
        return state
    except (ValueError, AssertionError) as exc:
        raise DataError(f"{path}: the fetch state is damaged ({exc}); delete it (the next fetch then waits as if no "
                        "call had been made)") from exc


def fetch_polisen(archive: Path, locations: list[str] | None = None, *, contact: str | None = None,
                  url: str = API_URL, clock: Callable[[], float] | None = None,
                  sleep: Callable[[float], None] | None = None) -> tuple[str, list[str]]:
    """Fetch the API's latest events (once, or once per location), add the new ones to the
    archive, and return (summary line, warnings)."""
    archive = Path(archive)
    events = read_archive(archive)
    known = {str(e.get("id")) for e in events}
    from pipeline.ingest.police_events import parse_event_datetime

    times = parse_event_datetime(pd.Series([e.get("datetime") for e in events], dtype=object))
    newest = times.max() if len(events) and times.notna().any() else None
    spath = state_path(archive)
    state = _read_state(spath)
    client = PolisenClient(state["call_times"], contact=contact, url=url, clock=clock, sleep=sleep)
    clock = clock or time.time
    warnings, added, by_lan, fetched = [], [], 0, 0
    try:
        for loc in locations or [None]:
            result = merge_events(known, newest, client.events(loc))
            fetched += result.n_fetched
            if result.gap_warning:
                warnings.append(result.gap_warning + (f" (locationname={loc})" if loc else ""))
            if result.invalid:
                warnings.append(f"{len(result.invalid)} records without id or datetime were not archived "
                                f"({result.invalid[0]}{', …' if len(result.invalid) > 1 else ''})")
            added += result.new
            by_lan += result.n_by_lan
            known |= {str(e["id"]) for e in result.new}
    finally:
        now = clock()
        state["call_times"] = [t for t in state["call_times"] if now - t < 86_400]
        with atomic_path(spath) as tmp:
            tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    if added:
        write_archive(archive, events + added)
    summary = (f"fetch polisen: {fetched} events fetched, {len(added)} new ({len(added) - by_lan} located by kommun, "
               f"{by_lan} by län) → {archive} now holds {len(events) + len(added):,} events")
    return summary, warnings
