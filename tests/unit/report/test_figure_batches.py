"""The report stage draws its figures in two batches: the internal document's while the public
version is made (its requests stay pending), then what only the public version asks for."""

from __future__ import annotations

import pytest

from pipeline.parallel import can_fork
from pipeline.report.chapters import CHAPTERS
from pipeline.report.document import build_document
from pipeline.report.svg import FigureCache

from .test_document import _inputs
from . import public_version


# two chapters with figures that suppression changes and figures it leaves alone (cheap to draw)
SOME = tuple(c for c in CHAPTERS if c.title in ("Tid", "Trygghet"))


@pytest.mark.skipif(not can_fork(), reason="no fork on this system")
def test_requests_made_meanwhile_are_drawn_by_the_next_batch_once():
    inp = _inputs()
    serial = FigureCache()
    _, internal_files = build_document(inp, serial, SOME)
    _, public_files = build_document(public_version(inp), serial, SOME)

    batches, processes = FigureCache(deferred=True), 2
    _, internal_refs = build_document(inp, batches, SOME)
    first = len(batches._pending)
    public_refs = batches.draw_pending(processes, meanwhile=lambda: build_document(public_version(inp), batches,
                                                                                    SOME)[1])
    assert batches.drawn == first and 0 < len(batches._pending) < len(public_refs)  # only the public-only ones wait
    batches.draw_pending(processes)
    assert not batches._pending and batches.drawn == serial.drawn  # each distinct figure drawn once
    assert batches.resolve(internal_refs) == internal_files and batches.resolve(public_refs) == public_files
