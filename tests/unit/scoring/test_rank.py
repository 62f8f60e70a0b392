"""Ranking: planted problems first, removing a source lowers the problembild that used it,
bootstrap determinism, tie rule and the sensitivity table."""

import pandas as pd
import pytest

from pipeline.problems import load_families
from pipeline.scoring.components import COMPONENTS
from pipeline.scoring.evidence import build_evidence
from pipeline.scoring.rank import BootstrapInputs, note_problems, rank_problems
from tests.unit.scoring.test_evidence import (
    make_bootstrap, make_inputs, make_note_themes, make_survey_flags,
)

FAM = load_families()
W = {"harm_volume": 0.2, "rate_ratio": 0.1, "trend": 0.1, "concentration": 0.1, "signal": 0.05,
     "survey_unsafe": 0.1, "survey_problem": 0.1, "notes": 0.1, "est": 0.05, "triangulation": 0.1}
DRAWS = 40


def _rank(inputs=None, boot=None, draws=0, seed=7, weights=W):
    ev = build_evidence(**(inputs or make_inputs()))
    return rank_problems(ev, weights, FAM, boot, draws, seed)


def _row(pb, a, p):
    return pb[(pb.area_id == a) & (pb.problem == p)].iloc[0]


@pytest.fixture(scope="module")
def ranked():
    return _rank(boot=make_bootstrap(), draws=DRAWS)


def test_planted_problems_rank_first(ranked):
    pb, _ = ranked
    assert set(map(tuple, pb.head(2)[["area_id", "problem"]].to_numpy())) == {("A", "robbery"), ("C", "drugs")}
    assert list(pb["rank"]) == list(range(1, len(pb) + 1))
    head = ["rank", "rank_low", "rank_high", "area_id", "area", "place", "problem", "problem_label", "score",
            *[f"comp_{k}" for k in COMPONENTS], "has_crime", "has_survey", "has_notes", "has_est", "n_sources"]
    assert list(pb.columns[:len(head)]) == head and "explanation" in pb
    assert ((pb.rank_low <= pb["rank"]) & (pb["rank"] <= pb.rank_high)).all()
    # the planted problems are clearly ahead: their interval stays within the top two
    assert pb.head(2).rank_high.max() <= 2
    assert (pb.rank_high - pb.rank_low).max() > 0          # the bootstrap does move something


def test_removing_notes_lowers_the_problembild_that_used_them():
    base, _ = _rank()
    themes = make_note_themes()
    themes = themes[~((themes.area_id == "C") & (themes.problem == "drugs"))]
    pb, _ = _rank(make_inputs() | {"note_themes": themes})
    before, after = _row(base, "C", "drugs"), _row(pb, "C", "drugs")
    assert after.comp_notes == 0 and before.comp_notes > 0
    assert after.comp_triangulation < before.comp_triangulation
    assert after.score < before.score
    assert after["rank"] >= before["rank"]
    assert not after.has_notes and after.n_sources == before.n_sources - 1


def test_removing_the_survey_lowers_drugs_in_soder():
    base, _ = _rank()
    pb, _ = _rank(make_inputs(survey_indicators=1))
    before, after = _row(base, "C", "drugs"), _row(pb, "C", "drugs")
    assert after.score < before.score and after["rank"] >= before["rank"]
    assert after.comp_survey_problem == 0 and after.comp_survey_unsafe == 0
    # a problembild that had no survey item (robbery) loses only its area-level unsafety
    r0, r1 = _row(base, "A", "robbery"), _row(pb, "A", "robbery")
    assert r1.score == pytest.approx(r0.score - W["survey_unsafe"] * r0.comp_survey_unsafe / sum(W.values()))


def test_bootstrap_is_deterministic_with_the_seed(ranked):
    again, sens_again = _rank(boot=make_bootstrap(), draws=DRAWS)
    pd.testing.assert_frame_equal(ranked[0], again)
    pd.testing.assert_frame_equal(ranked[1], sens_again)
    other, _ = _rank(boot=make_bootstrap(), draws=DRAWS, seed=8)
    assert not (other.rank_low.equals(again.rank_low) and other.rank_high.equals(again.rank_high))


def test_partial_bootstrap_inputs_work():
    boot = BootstrapInputs(year=2025, survey_flags=make_survey_flags())
    pb, _ = _rank(boot=boot, draws=10)
    assert ((pb.rank_low <= pb["rank"]) & (pb["rank"] <= pb.rank_high)).all()


def test_tie_rule():
    ev = build_evidence(**make_inputs())
    twin = ev[(ev.area_id == "D") & (ev.problem == "theft")].copy()
    # identical evidence in areas "B" and "D": theft in B must come first (area_id ascending)
    clone = ev.copy()
    cols = [c for c in ev.columns if c.startswith(("crime_", "survey_", "notes_", "est_"))]
    i = clone.index[(clone.area_id == "B") & (clone.problem == "theft")][0]
    clone.loc[i, cols] = twin[cols].iloc[0].to_numpy()
    pb, _ = rank_problems(clone, W, FAM, None, 0, 7)
    b, d = _row(pb, "B", "theft"), _row(pb, "D", "theft")
    assert b.score == pytest.approx(d.score) and b["rank"] == d["rank"] - 1
    assert (pb.rank_low == pb["rank"]).all()              # no bootstrap -> point intervals


def test_sensitivity_table(ranked):
    pb, sens = ranked
    assert list(sens.weight_set.unique()) == ["base", "equal", "harm_only", "perception_only"]
    assert (sens.groupby("weight_set").size() == 10).all()
    base = sens[sens.weight_set == "base"]
    assert (base["rank"].to_numpy() == base.base_rank.to_numpy()).all() and base.is_in_base_top.all()
    harm = sens[sens.weight_set == "harm_only"].iloc[0]
    top_harm = pb.loc[pb.crime_harm_days_year.idxmax()]
    assert (harm.area_id, harm.problem) == (top_harm.area_id, top_harm.problem)
    perc = sens[sens.weight_set == "perception_only"].iloc[0]
    assert (perc.area_id, perc.problem) == ("C", "drugs")     # highest survey shares


def test_note_problems_explodes_tags():
    notes = pd.DataFrame({"note_id": ["n1", "n2", "n3"], "area_id": ["A", None, "B"],
                          "problems": ["robbery; violence", "drugs", None], "verksamhet": ["skola", "polis", "skola"]})
    out = note_problems(notes)
    assert out[["note_id", "problem"]].to_numpy().tolist() == [["n1", "robbery"], ["n1", "violence"]]
