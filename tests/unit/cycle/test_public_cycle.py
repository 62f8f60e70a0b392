"""The public version of the follow-up (pipeline/cycle/report_data.public_cycle): a verdict may be
published, but no figure finer than an area and no figure resting on a suppressed count."""

import math

import pandas as pd

from pipeline.cycle.follow_up import EFFECT_COLUMNS
from pipeline.cycle.labels import caveat_tags, short_change
from pipeline.cycle.report_data import CycleReport, public_cycle

PLACES = {"Råby torg": "Råby", "Stora torget": "Centrum"}


def _row(**kw) -> dict:
    return {c: pd.NA for c in EFFECT_COLUMNS} | {"period_id": "2025H1", "verdict": "minskade", "caveats": ""} | kw


def _public(rows: list[dict], min_count: int = 5, survey_min_n: int = 30) -> pd.DataFrame:
    eff = pd.DataFrame(rows)
    cycle = CycleReport(registry=None, promise_effects=eff, problem_effects=eff.iloc[0:0], displacement=pd.DataFrame(),
                        action_status=pd.DataFrame(), process_summary=pd.DataFrame(), place_areas=PLACES,
                        min_count=min_count, survey_min_n=survey_min_n)
    return public_cycle(cycle).promise_effects.set_index("key")


def test_an_area_indicator_with_enough_events_keeps_its_change():
    out = _public([_row(key="L1", kind="crime", measure_id="vandalism", unit_id="3", n_before=63, n_during=30,
                        rate_ratio=0.53, ci_low=0.32, ci_high=0.86)])
    assert out.loc["L1", "rate_ratio"] == 0.53 and out.loc["L1", "ci_high"] == 0.86
    assert short_change(out.loc["L1"].to_dict()).replace("\xa0", " ") == "−47 % (KI −68 till −14 %)"
    assert "n_before" not in out.columns and "n_during" not in out.columns


def test_a_place_finer_than_an_area_shows_the_verdict_but_no_figure():
    out = _public([_row(key="L4", kind="est", measure_id="Klotter", unit_id="Råby torg", n_before=80, n_during=40,
                        rate_ratio=0.5, ci_low=0.3, ci_high=0.8)])
    r = out.loc["L4"]
    assert r["verdict"] == "minskade" and r["unit_id"] == "place-in:Råby"
    assert all(math.isnan(r[c]) for c in ("rate_ratio", "ci_low", "ci_high"))
    assert short_change(r.to_dict()) == "–"
    assert "siffror visas inte" in caveat_tags(r["caveats"])


def test_a_window_under_the_threshold_hides_the_change():
    # 4 events during the löfte: the count is suppressed in public, so its change is too
    out = _public([_row(key="L1", kind="crime", measure_id="vandalism", unit_id="3", n_before=40, n_during=4,
                        rate_ratio=0.1, ci_low=0.04, ci_high=0.3),
                   _row(key="L2", kind="crime", measure_id="vandalism", unit_id="4", n_before=40, n_during=5,
                        rate_ratio=0.2, ci_low=0.1, ci_high=0.5)])
    assert math.isnan(out.loc["L1", "rate_ratio"]) and out.loc["L1", "verdict"] == "minskade"
    assert out.loc["L2", "rate_ratio"] == 0.2  # 5 is not under the threshold of 5
    out = _public([_row(key="L1", kind="crime", measure_id="vandalism", unit_id="3", n_before=40, n_during=5,
                        rate_ratio=0.2, ci_low=0.1, ci_high=0.5)], min_count=10)
    assert math.isnan(out.loc["L1", "ci_low"])


def test_a_survey_indicator_with_few_answers_hides_its_percentage_points():
    rows = [_row(key="L3", kind="survey", measure_id="unsafe_evening", unit_id="3", n_before=25, n_during=80,
                 diff_pp=12.0, ci_low_pp=3.0, ci_high_pp=21.0, verdict="ökade"),
            _row(key="L5", kind="survey", measure_id="unsafe_evening", unit_id="4", n_before=60, n_during=80,
                 diff_pp=12.0, ci_low_pp=3.0, ci_high_pp=21.0, verdict="ökade")]
    out = _public(rows)
    assert math.isnan(out.loc["L3", "diff_pp"]) and out.loc["L3", "verdict"] == "ökade"
    assert out.loc["L5", "diff_pp"] == 12.0


def test_counts_quoted_in_caveats_do_not_reach_the_public_version():
    caveats = "\n".join(["Få händelser (12 före, 3 under): skillnaden är osäker.",
                         "Perioden före var den högsta på 4 år (31 mot högst 24 tidigare): möjlig återgång.",
                         "Få svar i området (14 och 22): andelarna är osäkra.",
                         "Redan året före minskade antalet här (kvot 0,85): jämförelsen är osäker."])
    out = _public([_row(key="L1", kind="crime", measure_id="vandalism", unit_id="3", n_before=12, n_during=3,
                        caveats=caveats)])
    text = out.loc["L1", "caveats"]
    for number in ("12", "31", "24", "14", "22", "0,85"):
        assert number not in text, number
    assert "Få händelser: skillnaden är osäker." in text and "högsta på 4 år: möjlig" in text


def test_the_page_writes_a_hidden_count_as_what_it_is():
    from pipeline.cycle.public_page import count_text

    assert count_text(float("nan"), "primary", 5) == "färre än 5" and count_text(float("nan"), True, 5) == "färre än 5"
    # hidden to protect another cell: saying "färre än 5" would be false and tell an attacker a range
    assert count_text(float("nan"), "secondary", 5) == "visas inte"
    assert count_text(float("nan"), "", 5) == "–" and count_text(1234.0, "", 5) == "1\u00a0234"
    assert count_text(12.0, False, 5) == "12"
