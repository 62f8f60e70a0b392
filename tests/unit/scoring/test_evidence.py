"""Evidence table on a four-area fixture kommun that follows contracts.md.

The fixture (``make_inputs``) is shared by the other scoring tests. Planted problems:
robbery in Centrum (sharp rise, hotspot, notes, EST) and drugs in Söder (survey, notes,
hot cells, EST). Background: stable violence, theft, vandalism, burglary everywhere.
"""

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.problems import load_families
from pipeline.scoring.evidence import build_evidence
from pipeline.scoring.rank import BootstrapInputs, note_problems

YEAR = 2025
AREAS = {"A": "Centrum", "B": "Norr", "C": "Söder", "D": "Väster"}
POP = {"A": 8000, "B": 12000, "C": 9000, "D": 11000}
HARM = {"violence": 60.0, "robbery": 250.0, "theft": 14.0, "vandalism": 10.0, "burglary": 120.0, "drugs": 20.0}
BACKGROUND = {"violence": 30, "theft": 80, "vandalism": 40, "burglary": 12}


def _counts():
    """(area, problem) -> (n_year, n_prev)."""
    c = {}
    for a in AREAS:
        for p, n in BACKGROUND.items():
            c[(a, p)] = (n + (3 if a == "B" else 0), n + (2 if a == "D" else 0))
        c[(a, "robbery")] = (4, 5)
        c[(a, "drugs")] = (6, 6)
    c[("A", "robbery")] = (45, 15)     # planted: sharp rise
    c[("C", "drugs")] = (30, 18)       # planted: drugs
    return c


def make_area_trends():
    """area_trends rows as the layer stage writes them. The planted rows have a significant
    rising trend; the this-year test, the rate test against the rest of the kommun and the
    verdict columns come from the counts through the pipeline's own tests (inputs, not expected
    values)."""
    from pipeline.stats.fdr import benjamini_hochberg
    from pipeline.stats.rate_ratio import rate_ratio_tests
    from pipeline.stats.verdict import verdict_codes, verdict_phrases, year_change

    rows = []
    counts = _counts()
    kom = {}
    for (a, p), (y, pr) in counts.items():
        kom[p] = (kom.get(p, (0, 0))[0] + y, kom.get(p, (0, 0))[1] + pr)
    ktot = sum(POP.values())
    for (a, p), (y, pr) in list(counts.items()) + [(("kommun", p), v) for p, v in kom.items()]:
        pop = POP.get(a, ktot)
        irr = (y + 0.5) / (pr + 0.5)
        sig = (a, p) in {("A", "robbery"), ("C", "drugs")}
        rows.append({"area_id": a, "problem": p, "n_year": y, "n_prev": pr, "change_pct": 100 * (y - pr) / pr,
                     "mean_3y": pr, "change_vs_3y_pct": 100 * (y - pr) / pr, "harm_days_year": y * HARM[p],
                     "population": pop, "rate_per_1000": 1000 * y / pop, "kommun_rate_per_1000": 1000 * kom[p][0] / ktot,
                     "rate_ratio": (y / pop) / (kom[p][0] / ktot), "irr": irr, "irr_low": irr / 1.4, "irr_high": irr * 1.4,
                     "irr_p": 0.001 if sig else 0.6, "irr_q": 0.004 if sig else 0.9, "trend_pct_per_year": 100 * (irr - 1),
                     "year_dispersion": 0.0, "mk_tau": 0.5 if sig else 0.0, "mk_p": 0.01 if sig else 0.7,
                     "trend": "rising" if sig else "stable", "has_trend_fit": True})
    t = pd.DataFrame(rows)
    ty = rate_ratio_tests(t["n_year"], t["n_prev"])
    t["year_rr"], t["year_rr_low"], t["year_rr_high"], t["year_p"] = ty["rr"], ty["rr_low"], ty["rr_high"], ty["p"]
    t["year_q"] = benjamini_hochberg(t["year_p"].to_numpy(), 0.05)[0]
    area = t["area_id"] != "kommun"
    rest_n = t["problem"].map(lambda p: kom[p][0]) - t["n_year"]
    rr = rate_ratio_tests(t.loc[area, "n_year"], rest_n[area], t1=t.loc[area, "population"],
                          t2=ktot - t.loc[area, "population"])
    t["rate_ratio_p"] = np.nan
    t.loc[area, "rate_ratio_p"] = rr["p"]
    t["rate_ratio_q"] = np.nan
    t.loc[area, "rate_ratio_q"] = benjamini_hochberg(rr["p"], 0.05)[0]
    t["year_change"] = year_change(t["n_year"], t["n_prev"], t["year_rr"], t["year_q"], 0.05)
    t["verdict_code"] = verdict_codes(t["year_change"], t["trend"], t["has_trend_fit"])
    t["verdict_sv"] = verdict_phrases(t)
    return pd.concat([t, t.iloc[[0]].assign(problem="all")], ignore_index=True)


def make_area_year_counts():
    rows = []
    for (a, p), (y, pr) in _counts().items():
        for yr, n in ((YEAR - 1, pr), (YEAR, y)):
            rows.append({"area_id": a, "problem": p, "year": yr, "n_incidents": n, "harm_days": n * HARM[p],
                         "population": POP[a], "rate_per_1000": 1000 * n / POP[a]})
    return pd.DataFrame(rows)


def make_grid_hotspots():
    rows = []
    for i, (a, p, cls, n) in enumerate([
        ("A", "robbery", "hot_99", 20), ("A", "robbery", "hot_95", 10), ("A", "robbery", "not_significant", 15),
        ("C", "drugs", "hot_95", 12), ("C", "drugs", "not_significant", 18),
        ("B", "theft", "not_significant", 83), ("A", "theft", "cold_95", 80),
    ]):
        rows.append({"cell_id": f"c{i}", "problem": p, "n_incidents": n, "harm_days": n * HARM[p], "gi_z": 3.0,
                     "gi_p": 0.001, "gi_q": 0.01, "hotspot_class": cls, "area_id": a, "geometry": box(i, 0, i + 1, 1)})
    return pd.DataFrame(rows)


def make_emerging():
    return pd.DataFrame([
        {"cell_id": "c0", "problem": "robbery", "ehs_category": "new_hot", "area_id": "A"},
        {"cell_id": "c1", "problem": "robbery", "ehs_category": "sporadic_hot", "area_id": "A"},
        {"cell_id": "c3", "problem": "drugs", "ehs_category": "persistent_hot", "area_id": "C"},
        {"cell_id": "c5", "problem": "theft", "ehs_category": "no_pattern", "area_id": "B"},
    ]).assign(mk_tau=0.3, mk_z=2.0, mk_p=0.04, n_hot_steps=3, n_cold_steps=0)


SURVEY_SHARES = {  # area -> (unsafe %, {item: big %}); n = 60 each
    "A": (35.0, {"public_violence": 30.0, "graffiti_vandalism": 20.0, "drug_dealing": 15.0, "residential_burglary": 10.0}),
    "B": (15.0, {"public_violence": 10.0, "graffiti_vandalism": 20.0, "drug_dealing": 5.0, "residential_burglary": 10.0}),
    "C": (40.0, {"public_violence": 15.0, "graffiti_vandalism": 20.0, "drug_dealing": 45.0, "residential_burglary": 10.0}),
    "D": (15.0, {"public_violence": 10.0, "graffiti_vandalism": 20.0, "drug_dealing": 5.0, "residential_burglary": 10.0}),
}
N_RESP = 60


def make_survey_flags():
    rows = []
    for a, (unsafe, items) in SURVEY_SHARES.items():
        for ind, share in [("unsafe_evening", unsafe)] + [(f"big_problem_{k}", v) for k, v in items.items()]:
            k = round(N_RESP * share / 100)
            for i in range(N_RESP):
                rows.append({"response_id": f"{a}{i}", "survey_year": YEAR, "area_id": a, "indicator": ind,
                             "y": float(i < k), "weight": 1.0})
    return pd.DataFrame(rows)


def make_survey_indicators(flags=None):
    from pipeline.stats.survey import _stats, _sums, two_proportion_test  # the module's own arithmetic
    flags = make_survey_flags() if flags is None else flags
    s = _stats(_sums(flags, ["area_id", "indicator"])).reset_index()
    tot = flags.groupby("indicator").agg(k=("y", "sum"), n=("y", "size"))
    rows = []
    for r in s.itertuples():
        k_rest, n_rest = tot.loc[r.indicator, "k"] - r.n_yes, tot.loc[r.indicator, "n"] - r.n
        d, p = two_proportion_test(r.n_yes, r.n, k_rest, n_rest)
        rows.append({"area_id": r.area_id, "survey_year": YEAR, "indicator": r.indicator, "n": int(r.n),
                     "n_yes": int(r.n_yes), "share_pct": 100 * r.share, "ci_low_pct": 100 * r.lo,
                     "ci_high_pct": 100 * r.hi, "is_weighted": False, "is_suppressed": r.n < 30,
                     "rest_share_pct": 100 * k_rest / n_rest, "diff_vs_rest_pp": 100 * float(d), "p_vs_rest": float(p),
                     "prev_share_pct": np.nan, "diff_vs_prev_pp": np.nan, "p_vs_prev": np.nan})
    return pd.DataFrame(rows)


def make_notes():
    spec = [("A", "robbery", "fritidsgård", "Torget")] * 3 + [("A", "robbery", "skola", "Torget"),
                                                           ("A", "robbery;violence", "polis", "Torget"),
                                                           ("A", "robbery", "socialtjänst", NAV)] + \
        [("C", "drugs", "fältgrupp", "Parken")] * 3 + [("C", "drugs", "skola", "Parken"), ("C", "drugs", "bostadsbolag", NAV),
                                                      ("B", "vandalism", "skola", NAV)]
    return pd.DataFrame([{"note_id": f"n{i}", "noted_on": pd.Timestamp("2025-05-01"), "verksamhet": v, "text": "…",
                          "area_id": a, "place_name": pl, "problems": p, "source_file": "x.txt", "source_row": i + 1}
                         for i, (a, p, v, pl) in enumerate(spec)])


NAV = None


def make_note_themes(notes=None):
    nprob = note_problems(make_notes() if notes is None else notes)
    rows = []
    for (a, p), g in nprob.groupby(["area_id", "problem"]):
        top = {"robbery": "Torget", "drugs": "Parken"}.get(p) if a in ("A", "C") else None
        rows.append({"area_id": a, "problem": p, "n_notes": g["note_id"].nunique(),
                     "n_verksamheter": g["verksamhet"].nunique(), "top_place": top, "quotes": "citat"})
    return pd.DataFrame(rows)


def make_est_summary():
    return pd.DataFrame([
        {"area_id": "A", "problem": "robbery", "n_est_reports": 9, "n_weeks": 7, "top_place": "Torget"},
        {"area_id": "C", "problem": "drugs", "n_est_reports": 5, "n_weeks": 4, "top_place": "Parken"},
        {"area_id": "D", "problem": "littering", "n_est_reports": 3, "n_weeks": 3, "top_place": "Skogen"},
    ])


def make_areas():
    return pd.DataFrame({"area_id": list(AREAS), "area_name": list(AREAS.values()), "kommun_code": "1980",
                         "geometry": [box(i, 0, i + 1, 1) for i in range(len(AREAS))]})


def make_inputs(**drop):
    d = dict(area_trends=make_area_trends(), grid_hotspots=make_grid_hotspots(), emerging_hotspots=make_emerging(),
             survey_indicators=make_survey_indicators(), note_themes=make_note_themes(),
             est_summary=make_est_summary(), areas=make_areas(), families=load_families())
    for k in drop:
        d[k] = None
    return d


def make_bootstrap():
    return BootstrapInputs(year=YEAR, crime_counts=make_area_year_counts(), survey_flags=make_survey_flags(),
                           note_problems=note_problems(make_notes()))


@pytest.fixture
def evidence():
    return build_evidence(**make_inputs())


def _row(ev, a, p):
    return ev[(ev.area_id == a) & (ev.problem == p)].iloc[0]


def test_keys_and_candidates(evidence):
    assert not evidence.duplicated(["area_id", "problem"]).any()
    assert set(evidence.problem) <= set(load_families().ids)
    assert "kommun" not in set(evidence.area_id)
    # littering in Väster has only EST evidence and is still a candidate; weapons has none
    assert ((evidence.area_id == "D") & (evidence.problem == "littering")).any()
    assert not (evidence.problem == "weapons").any()
    assert list(evidence.columns[:5]) == ["area_id", "area", "problem", "problem_label", "is_signal"]


def test_crime_columns(evidence):
    r = _row(evidence, "A", "robbery")
    assert (r.crime_n_year, r.crime_n_prev) == (45, 15)
    assert r.crime_harm_days_year == 45 * 250.0
    assert r.crime_n_hot_cells == 2
    assert r.crime_hot_share_pct == pytest.approx(100 * 30 / 45)      # 30 of 45 incidents in hot cells
    assert r.crime_ehs_category == "new_hot"                            # most salient class wins
    assert r.crime_n_emerging_cells == 1
    assert _row(evidence, "A", "theft").crime_n_hot_cells == 0          # cold cells are not hot


def test_survey_columns(evidence):
    r = _row(evidence, "C", "drugs")
    assert r.survey_item == "drug_dealing"
    assert r.survey_problem_pct == pytest.approx(45.0) and r.survey_problem_n == N_RESP
    assert r.survey_unsafe_pct == pytest.approx(40.0)
    # drugs is C's biggest item -> relevance 1; violence 15 % of 45 % -> 1/3
    assert r.survey_problem_relevance == pytest.approx(1.0)
    assert _row(evidence, "C", "violence").survey_problem_relevance == pytest.approx(15 / 45)
    assert np.isnan(_row(evidence, "A", "robbery").survey_problem_pct)     # no survey item for robbery


def test_notes_est_and_place(evidence):
    r = _row(evidence, "A", "robbery")
    assert (r.notes_n, r.notes_n_verksamheter) == (6, 4)
    assert (r.est_n, r.est_n_weeks) == (9, 7)
    assert r.place == "Torget" and r.place_source == "hotspot"
    assert r.place_share_pct == pytest.approx(100 * 30 / 45)
    c = _row(evidence, "C", "drugs")            # 12 of 30 in hot cells: not most, but notes and EST agree
    assert c.place == "Parken" and c.place_source == "notes+est"
    assert pd.isna(_row(evidence, "B", "theft").place)


def test_missing_sources_and_no_mutation():
    inp = make_inputs()
    before = inp["area_trends"].copy()
    build_evidence(**inp)
    pd.testing.assert_frame_equal(inp["area_trends"], before)
    ev = build_evidence(**make_inputs(survey_indicators=1, note_themes=1, est_summary=1,
                                      grid_hotspots=1, emerging_hotspots=1))
    assert len(ev) and (ev.notes_n == 0).all() and "survey_problem_pct" not in ev


def _event_layers(year=YEAR):
    yc = pd.DataFrame({"kommun_code": "1980", "problem": ["all", "theft", "drugs", "theft"],
                       "year": [year, year, year, year - 1], "n_events": [30, 12, 4, 9],
                       "rate_per_10000": [3.0, 1.2, 0.4, 0.9], "is_partial_year": [True, True, True, False]})
    tr = pd.DataFrame({"kommun_code": "1980", "problem": ["all", "theft", "drugs"], "irr": [1.2, 1.5, 0.9],
                       "irr_low": [1.0, 1.1, 0.5], "irr_high": [1.4, 2.0, 1.6], "irr_q": [0.04, 0.01, 0.7],
                       "trend": ["rising", "rising", "stable"]})
    return tr, yc


def test_events_are_kommun_wide_columns_and_make_candidates_only_in_a_kommun_level_run():
    tr, yc = _event_layers()
    ev = build_evidence(**make_inputs(), event_trends=tr, event_year_counts=yc, year=YEAR)
    theft = ev[ev.problem == "theft"]
    assert len(theft) and (theft.events_n_year == 12).all() and (theft.events_irr == 1.5).all()
    assert (theft.events_trend == "rising").all() and theft.events_is_partial_year.all()
    assert not (ev.problem == "weapons").any()
    # one area (the whole kommun) and no other source: the families with events are the candidates
    kommun = make_areas().iloc[:1]
    only = build_evidence(None, None, None, None, None, None, kommun, load_families(), event_trends=tr,
                          event_year_counts=yc, year=YEAR)
    assert sorted(only.problem) == ["drugs", "theft"] and (only.area_id == kommun.area_id.iloc[0]).all()
    # several areas and no crime: events alone do not make an area a candidate
    assert build_evidence(None, None, None, None, None, None, make_areas(), load_families(), event_trends=tr,
                          event_year_counts=yc, year=YEAR).empty


def test_survey_columns_without_an_areas_unsafe_row_with_a_suppressed_and_a_repeated_item():
    from pipeline.scoring.evidence import _survey

    fam = load_families()
    si = pd.DataFrame({"area_id": ["A", "A", "A", "B", "B", "B"], "survey_year": YEAR,
                       "indicator": ["unsafe_evening", "big_problem_drug_dealing", "big_problem_drug_dealing",
                                     "big_problem_drug_dealing", "big_problem_littering", "big_problem_vandalism"],
                       "share_pct": [30.0, 20.0, 99.0, 10.0, 40.0, 80.0], "n": 50,
                       "is_suppressed": [False, False, False, True, False, True]})
    for col in ("ci_low_pct", "ci_high_pct", "rest_share_pct", "diff_vs_rest_pp", "p_vs_rest", "prev_share_pct"):
        si[col] = np.nan
    out = _survey(si, fam)
    drugs = out.xs("drugs", level="problem")
    assert drugs.loc["A", "survey_unsafe_pct"] == 30.0 and np.isnan(drugs.loc["B", "survey_unsafe_pct"])
    assert drugs.loc["A", "survey_problem_pct"] == 20.0  # the first of a repeated item
    assert drugs.loc["A", "survey_problem_relevance"] == pytest.approx(20 / 99)  # largest shown share: 99
    assert drugs.loc["B", "survey_problem_pct"] == 10.0 and np.isnan(drugs.loc["B", "survey_problem_relevance"])
    assert out.loc[("B", "littering"), "survey_problem_relevance"] == 1.0  # B's largest shown share (80 hidden)
    assert len(out) == 2 * len(fam.families) and set(out.index.get_level_values("area_id")) == {"A", "B"}
