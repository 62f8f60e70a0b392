"""Scoring components: scales by hand, monotonicity, the weighted score."""

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.problems import load_families
from pipeline.scoring.components import COMPONENTS, components, score_problems, source_flags
from pipeline.scoring.evidence import build_evidence
from tests.unit.scoring.test_evidence import make_inputs

FAM = load_families()
W = {"harm_volume": 0.2, "rate_ratio": 0.1, "trend": 0.1, "concentration": 0.1, "signal": 0.05,
     "survey_unsafe": 0.1, "survey_problem": 0.1, "notes": 0.1, "est": 0.05, "triangulation": 0.1}


@pytest.fixture(scope="module")
def evidence():
    return build_evidence(**make_inputs())


def hand_frame():
    """Three rows with round numbers."""
    return pd.DataFrame({
        "area_id": ["A", "B", "C"], "problem": ["robbery", "vandalism", "theft"],
        "crime_n_year": [10, 10, 0], "crime_harm_days_year": [1000.0, 100.0, 0.0],
        "crime_rate_ratio": [2.0, 4.0, 0.5], "crime_rate_ratio_q": [0.001, 0.2, 0.001],
        "crime_irr": [3.0, 3.0, 0.5], "crime_irr_q": [0.01, 0.2, 0.01],
        "crime_trend": ["rising", "stable", "falling"], "crime_year_rr": [1.2, 1.5, 0.8],
        "crime_year_change": ["no_change", "increase", "no_change"], "crime_hot_share_pct": [50.0, 0.0, 0.0],
        "crime_n_hot_cells": [1, 0, 0], "crime_ehs_category": ["new_hot", "historical_hot", None],
        "survey_unsafe_pct": [25.0, 60.0, 40.0], "survey_unsafe_is_suppressed": [False, False, True],
        "survey_problem_pct": [np.nan, 25.0, np.nan], "survey_problem_is_suppressed": [np.nan, False, np.nan],
        "survey_problem_relevance": [np.nan, 1.0, np.nan], "survey_problem_diff_vs_rest_pp": [np.nan, 10.0, np.nan],
        "survey_problem_p_vs_rest": [np.nan, 0.01, np.nan],
        "notes_n": [3, 0, 1], "notes_n_verksamheter": [2, 0, 1], "est_n": [0, 4, 0], "est_n_weeks": [0, 2, 0],
    })


def test_scales_by_hand():
    c = components(hand_frame(), FAM)
    # harm: max -> 1, a tenth -> 1 + log10(0.1)/2 = 0.5, zero -> 0
    np.testing.assert_allclose(c.comp_harm_volume, [1.0, 0.5, 0.0])
    # rate ratio: log2(RR)/2 clipped where significantly above the rest: 2 -> 0.5; 4 but q 0.2 -> 0; 0.5 -> 0
    np.testing.assert_allclose(c.comp_rate_ratio, [0.5, 0.0, 0.0])
    # trend: significant rising trend, IRR 3 -> 1; no trend but a significant rise this year,
    # RR 1.5 -> ln 1.5 / ln 3; falling -> 0
    np.testing.assert_allclose(c.comp_trend, [1.0, np.log(1.5) / np.log(3), 0.0])
    # concentration: 0.6*hot share + 0.4*EHS score (new_hot 1, historical_hot 0.25)
    np.testing.assert_allclose(c.comp_concentration, [0.6 * 0.5 + 0.4, 0.4 * 0.25, 0.0])
    np.testing.assert_allclose(c.comp_signal, [0.0, 1.0, 0.0])
    # unsafe: 25/50 * (0.5 + 0.5*0.5) (no item -> relevance 0.5); 60 % capped at 1 * (0.5+0.5*1); suppressed -> 0
    np.testing.assert_allclose(c.comp_survey_unsafe, [0.5 * 0.75, 1.0, 0.0])
    np.testing.assert_allclose(c.comp_survey_problem, [0.0, 0.5, 0.0])
    # notes: 0.5*log1p(n)/log1p(3) + 0.5*verks/2
    np.testing.assert_allclose(c.comp_notes, [1.0, 0.0, 0.5 * np.log1p(1) / np.log1p(3) + 0.25])
    np.testing.assert_allclose(c.comp_est, [0.0, 1.0, 0.0])
    f = source_flags(hand_frame())
    # A: crime agrees (significant rate excess and rise), notes agree (3 >= 2);
    # B: crime (increase this year), survey (p < .05), est agree
    assert f.n_sources_agree.tolist() == [2, 3, 0]
    assert f.n_sources.tolist() == [2, 3, 1]
    np.testing.assert_allclose(c.comp_triangulation, [0.5, 0.75, 0.0])


def test_all_components_in_unit_interval(evidence):
    c = components(evidence, FAM)
    assert list(c.columns) == [f"comp_{k}" for k in COMPONENTS]
    assert ((c >= 0) & (c <= 1)).all().all()


@pytest.mark.parametrize("col,comp,factor,row", [
    ("crime_harm_days_year", "comp_harm_volume", 3.0, ("B", "vandalism")),
    ("crime_rate_ratio", "comp_rate_ratio", 1.3, ("C", "drugs")),       # a significant excess
    ("survey_problem_pct", "comp_survey_problem", 1.5, ("B", "vandalism")),
    ("notes_n", "comp_notes", 3, ("B", "vandalism")),
])
def test_monotone_in_evidence(evidence, col, comp, factor, row):
    i = evidence.index[(evidence.area_id == row[0]) & (evidence.problem == row[1])][0]
    more = evidence.copy()
    more.loc[i, col] = evidence.loc[i, col] * factor
    assert components(more, FAM).loc[i, comp] > components(evidence, FAM).loc[i, comp]


def test_score_is_weighted_mean(evidence):
    s = score_problems(evidence, W, FAM)
    comp = s[[f"comp_{k}" for k in COMPONENTS]].to_numpy()
    w = np.array([W.get(k, 0.0) for k in COMPONENTS])  # a missing weight counts as 0
    np.testing.assert_allclose(s.score, comp @ w / w.sum())
    only = score_problems(evidence, {"harm_volume": 2.0}, FAM)
    np.testing.assert_allclose(only.score, only.comp_harm_volume)
    with pytest.raises(DataError, match="unknown component"):
        score_problems(evidence, {"harm": 1.0}, FAM)


def test_crime_evidence_counts_only_when_significant():
    """The same magnitudes without significance (q ≥ 0.05 after BH, no significant hot cell or
    change this year) give nothing and do not make crime 'agree'."""
    frame = hand_frame().assign(crime_rate_ratio_q=0.3, crime_irr_q=0.3, crime_trend="stable",
                                crime_year_change="no_change", crime_hot_share_pct=0.0, crime_n_hot_cells=0,
                                crime_ehs_category=None)
    c = components(frame, FAM)
    assert (c.comp_rate_ratio == 0).all() and (c.comp_trend == 0).all() and (c.comp_concentration == 0).all()
    assert not source_flags(frame).agree_crime.any()


def test_a_rare_family_cannot_top_the_ranking_on_noise():
    """Weapons in a small area: 3 incidents against 1 last year, a rate four times the kommun's
    — none of it significant — against theft with a significant rise and hot cells. Before the
    calibration the noise gave weapons the larger crime components."""
    frame = pd.DataFrame({
        "area_id": ["S", "T"], "problem": ["weapons", "theft"], "crime_n_year": [3, 400],
        "crime_harm_days_year": [1800.0, 5600.0], "crime_rate_ratio": [4.0, 1.3], "crime_rate_ratio_q": [0.4, 0.01],
        "crime_irr": [2.5, 1.15], "crime_irr_q": [0.3, 0.01], "crime_trend": ["stable", "rising"],
        "crime_year_rr": [3.0, 1.1], "crime_year_change": ["no_change", "no_change"],
        "crime_hot_share_pct": [0.0, 40.0], "crime_n_hot_cells": [0, 3], "crime_ehs_category": [None, "persistent_hot"],
    })
    s = score_problems(frame, W, FAM).set_index("problem")
    for comp in ("comp_rate_ratio", "comp_trend", "comp_concentration"):
        assert s.loc["weapons", comp] == 0 < s.loc["theft", comp]
    assert s.loc["weapons", "score"] < s.loc["theft", "score"]


def test_events_component_by_hand_and_absent_without_events():
    f = hand_frame().assign(events_irr=[3.0, 3.0, 0.5], events_irr_q=[0.01, 0.2, 0.01],
                            events_rate_ratio=[4.0, np.nan, 2.0])
    # 0.5 · trend part (as crime trend) + 0.5 · clip(log2(rate ratio)/2, 0, 1)
    np.testing.assert_allclose(components(f, FAM).comp_events, [0.5 * 1 + 0.5 * 1, 0.5 * 0.5, 0.5 * 0.5])
    assert (components(hand_frame(), FAM).comp_events == 0).all()
    # a weight missing from the dict counts as 0: the score is unchanged by the events columns
    np.testing.assert_allclose(score_problems(f, W, FAM)["score"], score_problems(hand_frame(), W, FAM)["score"])


def test_the_bootstraps_read_columns_score_as_the_frame_does(evidence):
    """score_columns converts once what score_arrays would convert at every draw; the scores,
    harm components and agreement counts must be the same, also with missing suppression flags."""
    from pipeline.scoring.components import check_weights, score_arrays, score_columns

    fam = load_families()
    ev = evidence.reset_index(drop=True)
    for col in ("survey_problem_is_suppressed", "survey_unsafe_is_suppressed"):
        ev[col] = pd.array([True, None, False] * (len(ev) // 3) + [None] * (len(ev) % 3), dtype="boolean")
    w = check_weights({k: 1.0 for k in COMPONENTS})
    cols = score_columns(ev)
    assert cols["survey_problem_is_suppressed"].dtype == bool and cols["crime_n_year"].dtype == np.float64
    plain = {c: ev[c].to_numpy() for c in ev.columns}
    for got, want in zip(score_arrays(cols, w, fam), score_arrays(plain, w, fam)):
        np.testing.assert_array_equal(got, want)
    assert (score_arrays(cols, w, fam)[0] != score_arrays(score_columns(evidence.reset_index(drop=True)), w, fam)[0]).any()


def test_clipped_values_are_numpys_nan_to_num_then_clip():
    """_z (missing and negative values count 0) gives what nan_to_num and clip give, infinities too."""
    import numpy as np

    from pipeline.scoring.components import _z

    for x in (np.array([np.nan, -np.inf, np.inf, -2.0, 0.0, 3.5]), np.array([], dtype=float), np.array([3, -1, 0]),
              np.array([1e308, -1e-300])):
        expected = np.clip(np.nan_to_num(x, nan=0.0), 0, None)
        got = _z(x)
        assert got.dtype == expected.dtype and np.array_equal(got, expected), x
        assert (np.signbit(got) == np.signbit(expected)).all(), x  # no -0.0 where it gave 0.0
    assert not np.signbit(_z(np.array([-0.0, -1e-320])))[0]
