"""Structural breaks in a source: declared in a data file, or detected in the data.

A break is the first month from which a source records or publishes differently (Polisen's
late-2025 change: ``location.name`` is mostly the län and fewer events are published,
DOMAIN.md §7). Series that span a break are marked, and the event trend model gets a
level-shift term from the break's month (:mod:`pipeline.stats.event_series`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from pipeline.errors import DataError
from pipeline.text.format_sv import fmt_pct

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class SourceBreak:
    """One break: ``start`` is the first day of the first month recorded the new way.

    ``origin`` is "declared" (from the breaks file) or "detected" (found in the data, with the
    figures in ``evidence``); a detected break that matches a declared one within a month is
    reported as "declared+detected".
    """

    id: str
    source: str
    start: pd.Timestamp
    label_sv: str
    origin: str = "declared"
    evidence: str = ""


def load_declared_breaks(path: str | Path | None = None, source: str = "police_events") -> list[SourceBreak]:
    """Breaks of ``source`` from a YAML file (the packaged ``defaults/source_breaks.yaml`` when
    ``path`` is None). Raises DataError naming the file and entry when one is malformed."""
    if path is None:
        text = resources.files("pipeline.defaults").joinpath("source_breaks.yaml").read_text("utf-8")
        where = "defaults/source_breaks.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise DataError(f"{path}: cannot read the breaks file ({exc.strerror}); fix sources.police_events.breaks "
                            "in params.yaml") from exc
        where = str(path)
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"{where}: not valid YAML ({exc})") from exc
    out = []
    for i, entry in enumerate(doc.get(source) or [], start=1):
        if not isinstance(entry, dict) or not {"id", "start", "label_sv"} <= set(entry):
            raise DataError(f"{where}: {source} entry {i} needs id, start (YYYY-MM) and label_sv")
        m = _MONTH.match(str(entry["start"]).strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise DataError(f"{where}: {source} entry {i} ({entry['id']}): start '{entry['start']}' is not a month "
                            "like 2025-10")
        out.append(SourceBreak(id=str(entry["id"]), source=source,
                               start=pd.Timestamp(int(m.group(1)), int(m.group(2)), 1),
                               label_sv=" ".join(str(entry["label_sv"]).split())))
    return sorted(out, key=lambda b: b.start)


LAN_SHARE_AFTER = 0.5    # share of a month's kommun events located by the län that marks the new shape
LAN_SHARE_BEFORE = 0.2   # mean share before the break must stay under this
MIN_EVENTS_MONTH = 5     # months with fewer events say nothing about the shape


def detect_location_shape_break(events: pd.DataFrame) -> SourceBreak | None:
    """The month from which Polisen names the län instead of the kommun as the location.

    For each month m with at least :data:`MIN_EVENTS_MONTH` kommun-attributed events, let
    s_m be the share whose ``location_name`` ends in " län" (the kommun then comes from the
    event's name). A break is reported at the first such month b with s_m ≥ 0.5 for b and
    every later such month, after at least two earlier months whose mean share is < 0.2.
    ``events`` is the kommun's police_events table (occurred_at, location_name). Returns None
    when there is no such month. Hand-written: a two-regime rule on one share needs no library.
    """
    if events is None or not len(events):
        return None
    month = events["occurred_at"].dt.to_period("M")
    lan = events["location_name"].astype(str).str.lower().str.endswith(" län")
    by = pd.DataFrame({"n": lan.groupby(month).size(), "share": lan.groupby(month).mean()})
    by = by[by["n"] >= MIN_EVENTS_MONTH]
    if len(by) < 3:
        return None
    high = (by["share"] >= LAN_SHARE_AFTER).to_numpy()
    # first position from which every later month is high
    tail_high = pd.Series(high[::-1]).cummin().to_numpy()[::-1].astype(bool)
    if not tail_high.any():
        return None
    b = int(tail_high.argmax())
    before = by["share"].iloc[:b]
    if len(before) < 2 or before.mean() >= LAN_SHARE_BEFORE:
        return None
    start = by.index[b].to_timestamp()
    after = by["share"].iloc[b:]
    evidence = (f"andel händelser med länet som plats: {fmt_pct(100 * before.mean(), 0)} i {len(before)} månader före, "
                f"{fmt_pct(100 * after.mean(), 0)} i {len(after)} månader från {start:%Y-%m}")
    return SourceBreak(id=f"detected_{start:%Y_%m}", source="police_events", start=start,
                       label_sv="Polisen anger från denna månad oftast länet i stället för kommunen som plats.",
                       origin="detected", evidence=evidence)


def merge_breaks(declared: list[SourceBreak], detected: SourceBreak | None, first: pd.Timestamp,
                 last: pd.Timestamp) -> list[SourceBreak]:
    """Breaks that fall inside the months ``first``..``last`` (first days of months).

    A detected break within one month of a declared one confirms it (origin
    "declared+detected", the declared month kept); otherwise it is added as its own break.
    A break at ``first`` or earlier touches no comparison inside the series and is left out.
    """
    out = []
    used = False
    for b in declared:
        if detected is not None and abs((detected.start.to_period("M") - b.start.to_period("M")).n) <= 1:
            b = SourceBreak(b.id, b.source, b.start, b.label_sv, "declared+detected", detected.evidence)
            used = True
        out.append(b)
    if detected is not None and not used:
        out.append(detected)
    return sorted((b for b in out if first < b.start <= last), key=lambda b: b.start)
