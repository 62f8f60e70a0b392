"""The ingest stage on the demo kommun gives the same tables whether its crime exports are read
whole or streamed in small chunks (the path a large export takes), and a failing ingest leaves
no spooled rows behind."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline import io, stages
from pipeline.config import load_params
from pipeline.context import RunContext
from pipeline.errors import DataError
from pipeline.ingest import stream
from tests.integration.conftest import make_run_dir

pytestmark = pytest.mark.slow


def test_streamed_and_whole_ingest_write_the_same_tables(demo_run, tmp_path, monkeypatch):
    run_dir = make_run_dir(tmp_path)
    shutil.copytree(demo_run / "data/raw", run_dir / "data/raw")  # the session's demo-data, same params
    run = RunContext.from_root(run_dir)
    params = load_params(run.params_file)
    stages.ingest(run, params)
    whole = {p: io.read_frame(p) for p in (run.core("incidents"), run.quarantine_file, run.ingest_quality)}
    monkeypatch.setattr(stream, "STREAM_BYTES", 0)
    monkeypatch.setattr(stream, "CHUNK_ROWS", 1_000)  # the demo's 6 000 incidents a year in several chunks
    stages.ingest(run, params)
    for path, frame in whole.items():
        got = io.read_frame(path)
        if path == run.quarantine_file:  # the same rows, grouped by chunk rather than by check
            key = ["source", "source_file", "source_row", "reason"]
            got, frame = (f.sort_values(key, kind="stable").reset_index(drop=True) for f in (got, frame))
        pd.testing.assert_frame_equal(got, frame)
    assert len(whole[run.core("incidents")]) > 10_000
    # a source after the crimes fails: the streamed rows are not left in the processed folder
    before = sorted(p.name for p in run.core("incidents").parent.iterdir())

    def broken(*args, **kwargs):
        raise DataError("a source read after the crimes is broken")

    monkeypatch.setattr(stages.stage_events, "national_tables", broken)
    with pytest.raises(DataError, match="after the crimes"):
        stages.ingest(run, params)
    assert sorted(p.name for p in run.core("incidents").parent.iterdir()) == before
