"""``lagesbild run`` reads the crime export beside the other sources, computes the crime layers
in two forked processes and evaluates the cycle beside layers, evidence and score. Done in one
process, in order (``processes=1``, as in a Dask worker), every table is the same."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pandas as pd

from pipeline import stages
from pipeline.config import load_params
from pipeline.context import RunContext


def _read(path):
    try:
        return pd.DataFrame(gpd.read_parquet(path))
    except ValueError:  # no geometry column
        return pd.read_parquet(path)


def test_ingest_and_layers_in_one_process_give_the_same_tables(demo_run, tmp_path):
    serial = tmp_path / "serial"
    shutil.copytree(demo_run, serial, ignore=shutil.ignore_patterns("reports"))
    run, params = RunContext.from_params_file(serial / "params.yaml"), load_params(serial / "params.yaml")
    stages.ingest(run, params, processes=1)
    stages.layers(run, params, gpkg=False, processes=1)
    compared = 0
    for folder in ("data/processed", "data/processed/layers"):
        for path in sorted((demo_run / folder).glob("*.parquet")):
            pd.testing.assert_frame_equal(_read(serial / folder / path.name), _read(path), check_exact=True,
                                          obj=f"{folder}/{path.name}")
            compared += 1
    assert compared >= 30  # the core tables and every layer
    quality = [pd.read_csv(d / "data/processed/ingest_quality.csv") for d in (serial, demo_run)]
    pd.testing.assert_frame_equal(*quality)


def test_run_prints_the_evaluation_in_pipeline_order_with_where_it_ran(demo_run):
    lines = (demo_run / "run-output.txt").read_text("utf-8").splitlines()
    done = [ln.split(":")[0].removeprefix("✓ ") for ln in lines if ln.startswith("✓ ")]
    assert done == ["ingest", "layers", "evidence", "score", "evaluate", "report", "notebook"]
    evaluate = next(ln for ln in lines if ln.startswith("✓ evaluate:"))
    assert evaluate.endswith("s, in a second process beside layers, evidence, score)"), evaluate
    assert "4 löften" in evaluate
