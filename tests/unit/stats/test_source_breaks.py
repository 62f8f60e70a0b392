"""Breaks in a source: the packaged file, malformed files, detection of the location change."""

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.stats.source_breaks import (SourceBreak, detect_location_shape_break, load_declared_breaks,
                                          merge_breaks)


def test_packaged_file_declares_polisens_late_2025_change():
    (b,) = load_declared_breaks()
    assert b.start == pd.Timestamp("2025-10-01") and b.origin == "declared" and "länet" in b.label_sv


@pytest.mark.parametrize("text, match", [
    ("police_events:\n  - {id: x, start: 2025-13, label_sv: y}\n", "start '2025-13' is not a month"),
    ("police_events:\n  - {id: x, label_sv: y}\n", "entry 1 needs id, start"),
    ("police_events: [\n", "not valid YAML"),
])
def test_malformed_breaks_file_names_the_file_and_entry(tmp_path, text, match):
    f = tmp_path / "breaks.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=match) as err:
        load_declared_breaks(f)
    assert str(f) in str(err.value)


def _events(shares, n=20, start="2025-01-01"):
    rows = []
    for i, share in enumerate(shares):
        month = pd.Timestamp(start) + pd.DateOffset(months=i)
        k = round(share * n)
        rows += [(month + pd.Timedelta(days=j % 28), "Västmanlands län" if j < k else "Västerås") for j in range(n)]
    return pd.DataFrame(rows, columns=["occurred_at", "location_name"])


def test_detects_the_month_the_location_became_the_lan():
    b = detect_location_shape_break(_events([0, 0.05, 0, 0, 0, 0.05, 0, 0, 0, 0.9, 0.85, 0.95]))
    assert b.start == pd.Timestamp("2025-10-01") and b.origin == "detected"
    assert "1\u00a0% i 9 månader före, 90\u00a0% i 3 månader" in b.evidence  # mean of 0, 5, 0, … 0 % is 1 %


def test_no_break_without_a_lasting_shift():
    assert detect_location_shape_break(_events([0] * 12)) is None
    assert detect_location_shape_break(_events([0, 0, 0, 0.9, 0.1, 0.9])) is None  # not every later month
    assert detect_location_shape_break(_events([0.3, 0.4, 0.3, 0.9, 0.9])) is None  # high before too
    assert detect_location_shape_break(_events([0, 0, 0, 1.0], n=3)) is None  # too few events a month


def test_merge_confirms_a_declared_break_and_keeps_only_breaks_inside_the_series():
    declared = [SourceBreak("d", "police_events", pd.Timestamp("2025-10-01"), "x")]
    found = SourceBreak("f", "police_events", pd.Timestamp("2025-11-01"), "y", "detected", "ev")
    (b,) = merge_breaks(declared, found, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-01"))
    assert (b.id, b.start, b.origin, b.evidence) == ("d", pd.Timestamp("2025-10-01"), "declared+detected", "ev")
    far = SourceBreak("f", "police_events", pd.Timestamp("2025-03-01"), "y", "detected", "ev")
    assert [x.id for x in merge_breaks(declared, far, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-01"))] == ["f", "d"]
    assert merge_breaks(declared, None, pd.Timestamp("2023-03-01"), pd.Timestamp("2025-09-01")) == []
