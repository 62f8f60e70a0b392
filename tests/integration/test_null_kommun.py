"""The pipeline on a kommun with nothing in it: the demo generator with its patterns switched off
(demo.patterns: false — incidents uniform over the kommun's land, the same number every year).

Only the stages that make claims run (ingest → layers → evidence → score). Under the nominal
FDR of 5 % each layer has at most a 5 % chance of any false hot cell, emerging hot spot or
trend flag, so over the 13 layers (all, harm, 11 families) about 0.65 layers are expected to
show one; the bounds below (at most two layers, at most two trend flags) hold with about 97 %
probability at the nominal level, and fail by orders of magnitude for the normal-approximation
inference this replaced (193 hot cells and 31 emerging hot spots on a null kommun).
The per-layer error rates themselves come from benchmarks/calibration.py.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from tests.integration.conftest import make_run_dir, read_params, run_stages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def null_run(tmp_path_factory):
    run_dir = make_run_dir(tmp_path_factory.mktemp("null"), patterns=False)
    run_stages(run_dir, "demo-data", "ingest", "layers", "evidence", "score")
    return run_dir


def _layer(run_dir, name):
    return gpd.read_parquet(run_dir / f"data/processed/layers/{name}.parquet")


def test_hardly_any_significant_hot_cell_in_any_layer(null_run):
    alpha = read_params(null_run)["layers"]["fdr_alpha"]
    hot = _layer(null_run, "grid_hotspots")
    sig = hot[hot["hotspot_class"].str.startswith("hot") & (hot["gi_q"] <= alpha)]
    assert hot["problem"].nunique() == 13
    assert sig["problem"].nunique() <= 2, sig.groupby("problem").size().to_dict()
    assert len(sig) <= 15                     # a false discovery is a few neighbouring cells, not a map


def test_no_emerging_hot_spots_beyond_the_fdr_level(null_run):
    ehs = _layer(null_run, "emerging_hotspots")
    hot = ehs[ehs["ehs_category"].str.endswith("_hot")]
    assert ehs["problem"].nunique() == 12     # all + 11 families, none skipped for being rare
    assert hot["problem"].nunique() <= 2, hot.groupby(["problem", "ehs_category"]).size().to_dict()
    assert hot["ehs_category"].isin(["new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot"]).sum() <= 15


def test_no_trend_flags_beyond_the_fdr_level(null_run):
    t = pd.read_parquet(null_run / "data/processed/layers/area_trends.parquet")
    flagged = t[(t["trend"] != "stable") | t["year_change"].isin(["increase", "decrease"])]
    assert len(t) > 300 and len(flagged) <= 2, flagged[["area_id", "problem", "verdict_code"]]
    assert set(t["verdict_code"]) <= {"no_change/stable", "no_change/few", "no_data/few"} | set(flagged["verdict_code"])


def test_crime_noise_does_not_drive_the_ranking(null_run):
    """No problembild gets trend or concentration points from chance, and crime 'agrees'
    only through a rate that really differs (uniform places make large rural areas' rates per
    inhabitant high: a true difference in this synthetic kommun, not noise)."""
    pb = pd.read_csv(null_run / "data/processed/problembilder.csv")
    assert (pb["comp_trend"] == 0).sum() >= len(pb) - 2
    assert (pb["comp_concentration"] == 0).sum() >= len(pb) - 2
    agree_by_noise = pb["agree_crime"] & (pb["comp_rate_ratio"] == 0)
    assert agree_by_noise.sum() <= 2
