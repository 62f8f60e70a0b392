"""The demo's registry of the work is a valid registry for the demo kommun, and the planted
effect of löfte L1 removes only Råby's background vandalism after the löfte's start."""

import numpy as np
import pandas as pd

from pipeline.cycle.registry import Vocabulary, validate_registry
from pipeline.demo.geography import build_geography
from pipeline.demo.registry import DROP, demo_registry, plant_promise_effect
from pipeline.demo.texts import EST_TYPES
from pipeline.problems import load_families
from pipeline.report.figures import INDICATOR_SV


def test_demo_registry_is_valid_for_the_demo_kommun():
    geo = build_geography("1980")
    vocab = Vocabulary(areas=dict(zip(geo.areas["area_id"], geo.areas["area_name"])),
                       families={f.id: f.label_sv for f in load_families().families},
                       est_types=tuple(EST_TYPES) + ("Misstänkt narkotikaförsäljning",),
                       places=tuple(geo.places["place"]), survey_indicators=INDICATOR_SV)
    reg = validate_registry(demo_registry(2025), vocab, "handlingsplan.xlsx")
    assert reg.errors == [] and reg.warnings == []
    q = reg.promises.set_index("promise_id")
    assert list(q["period_id"]) == ["2025H1", "2025H1", "2024H2", "2025H2"]
    assert list(q["kind"]) == ["crime", "crime", "survey", "est"]
    a = reg.actions.set_index("action_id")
    assert a.loc["A7", "status_code"] == "ongoing" and str(a.loc["A7", "end_date"]) == "2025-10-31"
    assert set(reg.causes["problem_id"]) == {"P1", "P2", "P3", "P4"}  # every prioritised problembild


def test_planted_effect_touches_only_background_vandalism_in_the_area_after_the_start():
    rng = np.random.default_rng(0)
    n = 4000
    inc = pd.DataFrame({"family": rng.choice(["vandalism", "theft"], n), "area_idx": rng.integers(0, 3, n),
                        "planted": np.where(rng.random(n) < 0.1, "persistent_hotspot", ""),
                        "occurred_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, n), "D"),
                        "row": np.arange(n)})
    out, truth = plant_promise_effect(np.random.default_rng(1), inc, 1, 2025)
    target = (inc["family"] == "vandalism") & (inc["area_idx"] == 1) & (inc["planted"] == "") & \
        (inc["occurred_at"] >= "2025-04-01")
    assert len(inc) - len(out) == truth["n_removed"] and truth["n_removed"] + truth["n_kept"] == target.sum()
    assert abs(truth["n_removed"] / target.sum() - DROP) < 0.1
    assert set(inc.loc[~target, "row"]) <= set(out["row"])  # every row outside the target is kept
