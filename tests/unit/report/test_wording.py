"""The ranking in words and numbers: contributions, rank runs, reasons, intervals, the matrix."""

import pandas as pd

from pipeline.report import views, wording
from pipeline.report.chapters.problembilder import matrix_long
from pipeline.report.doc import Doc
from pipeline.report.inputs import ReportInputs

from . import WEIGHTS, make_frames


def test_contributions_add_up_to_the_score():
    pb = pd.DataFrame({"comp_harm_volume": [1.0, 0.5], "comp_notes": [0.0, 1.0], "comp_signal": [1.0, 0.0]})
    c = views.contributions(pb, {"harm_volume": 0.5, "notes": 0.25, "signal": 0.25})
    assert c.loc[0].tolist() == [0.5, 0.0, 0.25] and c.sum(axis=1).tolist() == [0.75, 0.5]


def test_rank_runs_take_in_the_places_that_can_reach_the_first():
    ranked = pd.DataFrame({"rank": range(1, 9), "rank_low": [1, 1, 2, 3, 4, 4, 4, 7]})
    groups = views.rank_groups(ranked)
    assert groups == [(1, 2), (3, 4), (5, 7)]  # 3 cannot reach 1, 5 cannot reach 3, 8 cannot reach 5
    assert wording.rank_groups_sentence(groups).startswith("Plats 1–2 är i praktiken lika, likaså 3–4 och 5–7")
    assert "håller" in wording.rank_groups_sentence([])


def test_intervals_never_collapse_and_changes_read_as_percent_per_year():
    assert wording.fmt_interval(1.0, 1.04) == "1,00–1,04"  # one decimal would read "1,0–1,0"
    assert wording.fmt_interval(0.98, 1.02) == "0,98–1,02"
    assert wording.change_per_year(1.03, 0.99, 1.07) == \
        "+3\u00a0% per år (95 % konfidensintervall \u22121\u00a0% till +7\u00a0%)"


def test_trend_phrase_speaks_the_verdict_when_the_layer_gives_one():
    row = {"crime_verdict_sv": "ökade kraftigt i år (+108 %, säker ökning) men visar ingen säker långsiktig trend",
           "crime_trend": "stable", "crime_change_pct": 108.0}
    assert wording.trend_phrase(row, "crime_").startswith("ökade kraftigt i år")
    assert wording.trend_phrase({"change_pct": 12.0, "trend": "stable"}) == \
        "ökade med 12\u00a0% mot året innan och visar ingen säker långsiktig trend"
    assert wording.trend_cell({"trend": "rising"}) == "ökande"


def test_reason_names_the_two_largest_contributions_and_never_the_heading():
    row = pd.Series({"problem": "drugs", "area": "Bäckby", "crime_n_year": 77, "crime_rate_ratio": 2.1,
                     "notes_n": 11, "n_sources_agree": 4})
    contrib = pd.Series({"rate_ratio": 0.05, "harm_volume": 0.09, "notes": 0.085, "triangulation": 0.1})
    text = wording.reason(row, contrib, public=False)
    assert text == ("77 anmälda brott som tillsammans väger tungt i skadevärde och personal har skrivit om det i 11 anteckningar; "
                    "fyra av fyra källor pekar åt samma håll.")
    public = wording.reason(row, contrib, public=True)
    assert "77" not in public and "11" not in public and public.startswith("Många brott som tillsammans väger tungt i skadevärde")


def test_the_matrix_is_the_score_criteria_so_no_row_dominates_one_ranked_above_it():
    fr = make_frames(cell_m=1000)
    pb, w = fr["problembilder"].copy(), fr["weights"]
    pb["score"] = sum(pb[f"comp_{c}"] * v for c, v in w.items()) / sum(w.values())  # as scoring computes it
    pb = pb.sort_values("score", ascending=False).assign(rank=range(1, len(pb) + 1))
    inp = ReportInputs(**(fr | {"problembilder": pb}))
    mat = matrix_long(Doc(inp))
    wide = mat.pivot_table(index="row_label", columns="criterion_label", values="value", aggfunc="first")
    crit = [c for c in wide.columns if c != "Poäng"]
    assert len(crit) == len(WEIGHTS) and all("%" in c for c in crit)  # every weighted criterion, its weight shown
    order = sorted(wide.index, key=lambda s: int(s.split(".")[0]))
    weights = {c: float(c.rsplit("(", 1)[1].split()[0].replace(",", ".")) for c in crit}
    for lab in order:  # the score column is the weighted mean of the criteria columns
        expected = sum(wide.loc[lab, c] * w for c, w in weights.items()) / sum(weights.values())
        assert abs(wide.loc[lab, "Poäng"] - expected) < 0.02
    for i, hi in enumerate(order):
        for lo in order[i + 1:]:
            dominated = all(wide.loc[lo, c] >= wide.loc[hi, c] for c in crit) and \
                any(wide.loc[lo, c] > wide.loc[hi, c] for c in crit)
            assert not dominated, (lo, "beats", hi, "on every criterion")


def test_sensitivity_comment_counts_who_stays_and_who_moves():
    piv = pd.DataFrame({"Valda vikter": [1, 2, 3], "Lika vikter": [2, 1, 9]}, index=["a", "b", "c"])
    lines = wording.sensitivity_comment(piv, "Valda vikter", 3, {"a": "A", "b": "B", "c": "C"})
    assert lines == ["Lika vikter: 2 av 3 ligger kvar bland de 3 första; ut faller C; störst flytt: B (plats 2 → 1)."]
