"""Survey indicators on a 20 + 10 respondent fixture, checked by hand and against statsmodels."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from pipeline.schemas import SURVEY_ITEMS
from pipeline.stats.survey import (
    problem_index, respondent_flags, suppress_public, survey_indicators, two_proportion_test, wilson_interval,
)

# cells: K1 = kvinna 16-34, K2 = kvinna 35-84, M1 = man 16-34, M2 = man 35-84
CELL = {"K1": ("kvinna", "16-34"), "K2": ("kvinna", "35-84"), "M1": ("man", "16-34"), "M2": ("man", "35-84")}
NA = None
# area A, 2025: (cell, safety, never_out_unsafe, littering)
A_2025 = [
    ("K1", "very_safe", NA, "very_big"),
    ("K1", "fairly_safe", NA, "fairly_big"),
    ("K1", "fairly_unsafe", NA, "fairly_small"),
    ("K2", "very_unsafe", NA, "no_problem"),
    ("K2", "never_out", True, "dont_know"),      # NTU: avoids going out because unsafe -> unsafe
    ("K2", "never_out", False, NA),              # never out for other reasons -> not unsafe
    ("M1", "never_out", NA, "very_big"),         # reason unknown -> excluded (default)
    ("M1", "dont_know", NA, "very_big"),         # Vet ej -> excluded
    ("M2", NA, NA, "no_problem"),                # blank -> excluded
    ("M2", "fairly_safe", NA, "fairly_small"),
    ("M2", "very_safe", NA, "dont_know"),
    ("M2", "fairly_unsafe", NA, "fairly_big"),
]
B_2025 = [("K1", "very_safe", NA, NA)] * 4 + [("M2", "fairly_unsafe", NA, NA)] * 2 + \
         [("M2", "dont_know", NA, NA), ("M2", "very_unsafe", NA, NA)]
A_2023 = [("K1", "fairly_unsafe", NA, NA)] * 2 + [("K2", "fairly_safe", NA, NA)] * 8


def _rows(spec, area, year, start):
    rows = []
    for i, (cell, safety, follow, litter) in enumerate(spec):
        sex, age = CELL[cell]
        r = {"response_id": f"r{start + i}", "survey_year": year, "area_id": area, "sex": sex, "age_band": age,
             "safety_evening": safety, "never_out_unsafe": follow, "free_text": NA, "source_file": "s.xlsx",
             "source_row": start + i}
        for item in SURVEY_ITEMS:
            r[f"item_{item}"] = litter if item == "littering" else NA
        rows.append(r)
    return rows


@pytest.fixture
def responses():
    df = pd.DataFrame(_rows(A_2025, "A", 2025, 1) + _rows(B_2025, "B", 2025, 100) + _rows(A_2023, "A", 2023, 200))
    df["never_out_unsafe"] = df["never_out_unsafe"].astype("boolean")
    df["survey_year"] = df["survey_year"].astype("int64")
    return df


@pytest.fixture
def population():
    rows = []
    for area, cells in {"A": {"K1": 300, "K2": 200, "M1": 100, "M2": 400},
                        "B": {"K1": 500, "K2": 100, "M1": 100, "M2": 500}}.items():
        for cell, n in cells.items():
            rows.append({"area_id": area, "year": 2024, "sex": CELL[cell][0], "age_band": CELL[cell][1], "population": n})
        rows.append({"area_id": area, "year": 2024, "sex": "alla", "age_band": "alla", "population": sum(cells.values())})
    return pd.DataFrame(rows)


def _get(ind, area, indicator):
    return ind[(ind.area_id == area) & (ind.indicator == indicator)].iloc[0]


def test_wilson_matches_statsmodels():
    k = np.array([0, 1, 4, 17, 50, 30])
    n = np.array([10, 9, 9, 40, 50, 31])
    lo, hi = wilson_interval(k, n)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, atol=1e-7)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-7)
    assert np.isnan(wilson_interval(0, 0)[0])


def test_two_proportion_test_matches_statsmodels():
    for k1, n1, k2, n2 in [(4, 9, 3, 7), (30, 100, 45, 120), (4, 9, 2, 10)]:
        diff, p = two_proportion_test(k1, n1, k2, n2)
        _, ref_p = proportions_ztest([k1, k2], [n1, n2])
        assert diff == pytest.approx(k1 / n1 - k2 / n2)
        assert p == pytest.approx(ref_p, rel=1e-9)


def test_ntu_counting_and_denominators(responses):
    ind = survey_indicators(responses, None, min_n=8)
    a = _get(ind, "A", "unsafe_evening")
    # valid: very_safe, fairly_safe, fairly_unsafe, very_unsafe, never_out+True, never_out+False,
    # fairly_safe, very_safe, fairly_unsafe = 9; unsafe: fairly_unsafe x2, very_unsafe, never_out+True = 4
    assert (a.n, a.n_yes) == (9, 4)
    assert a.share_pct == pytest.approx(400 / 9)
    lo, hi = proportion_confint(4, 9, method="wilson")
    assert (a.ci_low_pct, a.ci_high_pct) == pytest.approx((100 * lo, 100 * hi))
    assert a.survey_year == 2025 and not a.is_weighted
    # alternative: never_out with blank follow-up counted as not unsafe -> n = 10
    alt = _get(survey_indicators(responses, None, 8, never_out_unknown="not_unsafe"), "A", "unsafe_evening")
    assert (alt.n, alt.n_yes) == (10, 4)


def test_big_problem_share_excludes_dont_know(responses):
    ind = survey_indicators(responses, None, min_n=8)
    lit = _get(ind, "A", "big_problem_littering")
    # valid (no dont_know/blank): rows 1,2,3,4,7,8,9,10,12 = 9; big: rows 1,2,7,8,12 = 5
    assert (lit.n, lit.n_yes) == (9, 5)
    assert lit.share_pct == pytest.approx(500 / 9)
    empty = _get(ind, "A", "big_problem_drug_dealing")
    assert empty.n == 0 and np.isnan(empty.share_pct) and empty.is_suppressed


def test_rest_kommun_prev_and_suppression(responses):
    ind = survey_indicators(responses, None, min_n=8)
    a, b, k = (_get(ind, x, "unsafe_evening") for x in ("A", "B", "kommun"))
    assert (b.n, b.n_yes) == (7, 3) and b.is_suppressed and not a.is_suppressed
    assert (k.n, k.n_yes) == (16, 7) and np.isnan(k.rest_share_pct)
    assert a.rest_share_pct == pytest.approx(300 / 7)
    assert a.diff_vs_rest_pp == pytest.approx(100 * (4 / 9 - 3 / 7))
    assert a.p_vs_rest == pytest.approx(proportions_ztest([4, 3], [9, 7])[1])
    assert a.prev_share_pct == pytest.approx(20.0)
    assert a.diff_vs_prev_pp == pytest.approx(100 * (4 / 9 - 2 / 10))
    assert a.p_vs_prev == pytest.approx(proportions_ztest([4, 2], [9, 10])[1])
    assert (a.prev_n, a.prev_n_yes) == (10, 2) and a.prev_survey_year < a.survey_year  # the group then
    assert np.isnan(b.prev_share_pct)
    pub = suppress_public(ind)
    pb = _get(pub, "B", "unsafe_evening")
    assert np.isnan(pb.share_pct) and np.isnan(pb.n_yes) and np.isnan(pb.ci_low_pct)
    assert _get(pub, "A", "unsafe_evening").share_pct == pytest.approx(400 / 9)


def test_weighted_estimates_by_hand(responses, population):
    ind = survey_indicators(responses, population, min_n=8, weighted=True)
    # area A cells among its 12 respondents: K1 3, K2 3, M1 2, M2 4; population 300/200/100/400 of 1000
    # w = (N_c/N) / (n_c/n): K1 0.3/0.25 = 1.2, K2 0.2/0.25 = 0.8, M1 0.1/(2/12) = 0.6, M2 0.4/(4/12) = 1.2
    w = np.array([1.2, 1.2, 1.2, 0.8, 0.8, 0.8, 1.2, 1.2, 1.2])   # the 9 valid answers, in order
    y = np.array([0, 0, 1, 1, 1, 0, 0, 0, 1])
    share = (w * y).sum() / w.sum()                                 # 4.0 / 9.6
    n_eff = w.sum() ** 2 / (w ** 2).sum()                           # 92.16 / 10.56
    a = _get(ind, "A", "unsafe_evening")
    assert a.is_weighted and (a.n, a.n_yes) == (9, 4)
    assert a.share_pct == pytest.approx(100 * 4.0 / 9.6)
    assert a.share_pct == pytest.approx(100 * share)
    assert a.n_eff == pytest.approx(92.16 / 10.56)
    lo, hi = proportion_confint(share * n_eff, n_eff, method="wilson")
    assert (a.ci_low_pct, a.ci_high_pct) == pytest.approx((100 * lo, 100 * hi))
    # B: only cells K1 (4) and M2 (4) sampled, population 500/500 -> relative weights 1
    # kommun: area weights scaled by N_a/n_a: A 1000/12, B 1200/8 = 150
    num = 4.0 * 1000 / 12 + 3 * 150
    den = 9.6 * 1000 / 12 + 7 * 150
    k = _get(ind, "kommun", "unsafe_evening")
    assert k.share_pct == pytest.approx(100 * num / den)
    # rest of the kommun for A is B (equal weights -> 3/7, n_eff 7); test on effective sizes
    assert a.rest_share_pct == pytest.approx(300 / 7)
    _, p_ref = proportions_ztest([share * n_eff, 3.0], [n_eff, 7.0])
    assert a.p_vs_rest == pytest.approx(p_ref)


def test_area_missing_from_population_gets_average_expansion(responses, population):
    ind = survey_indicators(responses, population[population.area_id == "A"], min_n=8, weighted=True)
    # B keeps relative weights 1 and A's expansion factor 1000/12, so the kommun share is the
    # plain pooled weighted share (4.0 + 3) / (9.6 + 7)
    assert _get(ind, "kommun", "unsafe_evening").share_pct == pytest.approx(100 * 7.0 / 16.6)
    assert _get(ind, "B", "unsafe_evening").share_pct == pytest.approx(300 / 7)


def test_respondent_flags_and_index(responses):
    fl = respondent_flags(responses)
    a = fl[(fl.area_id == "A") & (fl.survey_year == 2025) & (fl.indicator == "unsafe_evening")]
    assert len(a) == 9 and a.y.sum() == 4 and (a.weight == 1).all()
    idx = problem_index(responses, min_n=8)
    lit = idx[(idx.area_id == "A") & (idx.item == "littering")].iloc[0]
    # points 6,4,2,0,6,6,0,2,4 over the 9 valid answers
    assert lit.n == 9 and lit.index_0_6 == pytest.approx(30 / 9)


def test_inputs_not_mutated(responses, population):
    before = responses.copy()
    survey_indicators(responses, population, min_n=8, weighted=True)
    pd.testing.assert_frame_equal(responses, before)
