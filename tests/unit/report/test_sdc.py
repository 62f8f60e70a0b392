"""Disclosure control on hand-sized tables: the attacker finds each way back to a hidden value,
and complementary suppression closes it (pipeline.report.sdc)."""

import numpy as np
import pandas as pd

from pipeline.report.sdc.attack import attack
from pipeline.report.sdc.cubes import PRIMARY, SECONDARY, VISIBLE, crimes_cube, simple_cube, survey_cube
from pipeline.report.sdc.protect import protect
from pipeline.report.sdc.publish import public_frame

K, YEAR = 5, 2025
# two areas and the kommun, two families and "all"; a = robbery in area A 2025 = 3
COUNTS = {("A", "robbery"): [6, 9, 7, 4, 3], ("A", "theft"): [40, 42, 38, 41, 44],
          ("B", "robbery"): [12, 10, 11, 13, 9], ("B", "theft"): [60, 58, 61, 66, 63]}


def _ayc():
    rows = []
    for (a, p), ns in COUNTS.items():
        rows += [(a, p, 2021 + i, n) for i, n in enumerate(ns)]
    df = pd.DataFrame(rows, columns=["area_id", "problem", "year", "n_incidents"])
    tot_p = df.groupby(["area_id", "year"], as_index=False)["n_incidents"].sum().assign(problem="all")
    df = pd.concat([df, tot_p], ignore_index=True)
    tot_a = df.groupby(["problem", "year"], as_index=False)["n_incidents"].sum().assign(area_id="kommun")
    return pd.concat([df, tot_a], ignore_index=True)


def _trends(ayc):
    s = ayc.set_index(["area_id", "problem", "year"])["n_incidents"]
    keys = sorted({(a, p) for a, p, _ in s.index})
    return pd.DataFrame({"area_id": [a for a, _ in keys], "problem": [p for _, p in keys],
                         "n_year": [s[(a, p, YEAR)] for a, p in keys], "n_prev": [s[(a, p, YEAR - 1)] for a, p in keys],
                         "mean_3y": [np.mean([s[(a, p, y)] for y in (2022, 2023, 2024)]) for a, p in keys],
                         "rate_per_1000": [1000 * s[(a, p, YEAR)] / 5000 for a, p in keys]})


def _crimes():
    ayc = _ayc()
    return ayc, crimes_cube(ayc, K)


def _status(cube, hidden=()):
    st = np.where(cube.primary, PRIMARY, VISIBLE)
    for key in hidden:
        st[cube.pos(key)] = SECONDARY
    return st


def test_totals_minus_parts_give_a_lone_small_count_back():
    ayc, cube = _crimes()
    st = {"crimes": _status(cube)}
    frames = {"area_year_counts": public_frame("area_year_counts", ayc, {"crimes": cube}, st, YEAR)}
    hit = {f.key: f for f in attack(frames, {"crimes": cube}, st, YEAR, K)}
    # 2025: A robbery = A all (47) − A theft (44) = 3; and kommun robbery − B robbery = 3
    f = hit[("A", "robbery", 2025)]
    assert (f.low, f.high) == (3, 3) and (f.need_low, f.need_high) == (1, 4)
    assert set(hit) == {("A", "robbery", 2024), ("A", "robbery", 2025)}  # the two cells under 5


def test_complementary_suppression_closes_every_relation():
    ayc, cube = _crimes()
    cubes = {"crimes": cube}
    st, frames = protect(cubes, lambda s: {"area_year_counts": public_frame("area_year_counts", ayc, cubes, s, YEAR)},
                         YEAR, K)
    s = st["crimes"]
    assert attack(frames, cubes, st, YEAR, K) == []
    hidden = {cube.keys[i] for i in np.flatnonzero(s != VISIBLE)}
    # every row and column through A robbery 2025 holds another hidden cell
    assert ("A", "robbery", 2025) in hidden
    assert hidden & {("A", "theft", 2025), ("A", "all", 2025)} and hidden & {("B", "robbery", 2025), ("kommun", "robbery", 2025)}
    shown = frames["area_year_counts"]
    row = shown[(shown["area_id"] == "A") & (shown["problem"] == "robbery") & (shown["year"] == 2025)].iloc[0]
    assert np.isnan(row["n_incidents"]) and row["n_incidents_suppressed"] == "primary"
    assert set(shown["n_incidents_suppressed"]) == {"", "primary", "secondary"}


def test_multi_year_mean_and_previous_year_are_the_same_cells():
    ayc, cube = _crimes()
    cubes = {"crimes": cube}
    trends = _trends(ayc)
    # 2024's A robbery (4) is hidden everywhere, but a careless trends table shows the 3-year mean
    st = {"crimes": _status(cube, hidden=[("A", "theft", 2024), ("B", "robbery", 2024), ("kommun", "theft", 2024)])}
    st["crimes"][cube.pos(("A", "robbery", 2025))] = VISIBLE  # look at 2024 only
    frames = {"area_year_counts": public_frame("area_year_counts", ayc, cubes, st, YEAR),
              "area_trends": trends}  # not passed through public_frame: mean_3y and n_prev shown
    keys = {f.key for f in attack(frames, cubes, st, YEAR, K)}
    assert ("A", "robbery", 2024) in keys  # n_prev shows it, and 3 × mean − 2022 − 2023 gives it too
    careless = trends.drop(columns="n_prev")
    assert ("A", "robbery", 2024) in {f.key for f in attack({**frames, "area_trends": careless}, cubes, st, YEAR, K)}
    # the public trends table hides n_prev, the mean and the rate of that row
    pub = public_frame("area_trends", trends, cubes, st, YEAR)
    a = pub[(pub["area_id"] == "A") & (pub["problem"] == "robbery")].iloc[0]
    assert np.isnan(a["n_prev"]) and np.isnan(a["mean_3y"]) and a["n_prev_suppressed"] == "primary"
    assert a["mean_3y_suppressed"] == "secondary"
    assert a["n_year_suppressed"] == "primary"  # a number under k is never shown, whatever the pattern says


def test_a_derived_rate_beside_a_hidden_count_gives_it_back():
    ayc, cube = _crimes()
    cubes = {"crimes": cube}
    st = {"crimes": _status(cube)}
    trends = _trends(ayc).assign(n_year=lambda d: d["n_year"].where(d["n_year"] >= K),
                                 n_year_suppressed=lambda d: np.where(d["n_year"].isna(), "primary", ""))
    assert ("A", "robbery", 2025) in {f.key for f in attack({"area_trends": trends}, cubes, st, YEAR, K)}
    pub = public_frame("area_trends", _trends(ayc), cubes, st, YEAR)
    row = pub[(pub["area_id"] == "A") & (pub["problem"] == "robbery")].iloc[0]
    assert np.isnan(row["n_year"]) and np.isnan(row["rate_per_1000"])


def test_weeks_beside_hidden_est_reports_bound_them():
    est = pd.DataFrame({"area_id": ["A", "B"], "problem": ["litter", "litter"], "n_est_reports": [4, 20],
                        "n_weeks": [4, 11]})
    cube = simple_cube("est", est, ("area_id", "problem"), "n_est_reports", K)
    cubes, st = {"est": cube}, {"est": np.where(cube.primary, PRIMARY, VISIBLE)}
    careless = est.assign(n_est_reports=[np.nan, 20], n_est_reports_suppressed=["primary", ""])
    f = attack({"est_summary": careless}, cubes, st, YEAR, K)
    assert [(x.key, x.low, x.high) for x in f] == [(("A", "litter"), 4, 4)]  # 4 weeks: at least 4 reports
    pub = public_frame("est_summary", est, cubes, st, YEAR)
    assert np.isnan(pub.loc[0, "n_weeks"]) and pub.loc[1, "n_weeks"] == 11
    assert attack({"est_summary": pub}, cubes, st, YEAR, K) == []


def _survey():
    """Two survey years; area C has 6 answers in 2023 (under min_n = 30): its 2023 share must
    not reach the public, not even as 2025's "previous share"."""
    rows = []
    for y, groups in ((2023, {"A": (80, 20), "B": (70, 14), "C": (6, 1)}), (2025, {"A": (90, 27), "B": (64, 16), "C": (40, 10)})):
        for a, (n, yes) in groups.items():
            rows.append((a, y, "unsafe_evening", n, yes))
        n_k, yes_k = sum(v[0] for v in groups.values()), sum(v[1] for v in groups.values())
        rows.append(("kommun", y, "unsafe_evening", n_k, yes_k))
    s = pd.DataFrame(rows, columns=["area_id", "survey_year", "indicator", "n", "n_yes"])
    s["share_pct"] = 100 * s["n_yes"] / s["n"]
    s["is_suppressed"] = s["n"] < 30
    prev = s[s["survey_year"] == 2023].set_index("area_id")["share_pct"]
    s["prev_share_pct"] = np.where(s["survey_year"] == 2025, s["area_id"].map(prev), np.nan)
    return s


def test_previous_share_of_a_small_group_is_found_and_hidden():
    s = _survey()
    cube = survey_cube(s, K, 30)
    cubes, st = {"survey": cube}, {"survey": np.where(cube.primary, PRIMARY, VISIBLE)}
    assert {cube.keys[i] for i in np.flatnonzero(cube.primary)} == {("C", 2023, "unsafe_evening")}
    careless = s.assign(share_pct=s["share_pct"].where(~s["is_suppressed"]), n_yes=s["n_yes"].where(~s["is_suppressed"]))
    keys = {f.key for f in attack({"survey_indicators": careless}, cubes, st, YEAR, K)}
    assert keys == {("C", 2023, "unsafe_evening")}  # 16,7 % of 6 in 2025's row, and kommun − A − B
    st, frames = protect(cubes, lambda p: {"survey_indicators": public_frame("survey_indicators", s, cubes, p, YEAR)},
                         YEAR, K)
    pub = frames["survey_indicators"]
    c25 = pub[(pub["area_id"] == "C") & (pub["survey_year"] == 2025)].iloc[0]
    assert np.isnan(c25["prev_share_pct"]) and c25["share_pct"] == 25.0  # 2025's own group is large enough
    hidden23 = pub[(pub["survey_year"] == 2023) & pub["share_pct"].isna()]["area_id"].tolist()
    assert "C" in hidden23 and len(hidden23) >= 2  # a partner hides the kommun − A − B route


def test_zero_is_shown_and_never_a_partner():
    counts = dict(COUNTS)
    counts[("A", "robbery")] = [0, 9, 7, 4, 3]
    ayc = pd.DataFrame([(a, p, 2021 + i, n) for (a, p), ns in counts.items() for i, n in enumerate(ns)],
                       columns=["area_id", "problem", "year", "n_incidents"])
    cube = crimes_cube(ayc, K)
    assert not cube.primary[cube.pos(("A", "robbery", 2021))]
    pub = public_frame("area_year_counts", ayc, {"crimes": cube}, {"crimes": _status(cube)}, YEAR)
    z = pub[(pub["area_id"] == "A") & (pub["problem"] == "robbery") & (pub["year"] == 2021)].iloc[0]
    assert z["n_incidents"] == 0 and z["n_incidents_suppressed"] == ""
