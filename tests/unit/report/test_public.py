"""Suppression and coarsening for the public version, checked on hand-sized frames."""

import geopandas as gpd
import numpy as np
import shapely

from pipeline.config import PrivacyParams
from pipeline.report.inputs import ReportInputs
from pipeline.report.public import coarsen_emerging, coarsen_hotspots, coarsen_kde, make_public_inputs, public_terms

from . import make_frames


def _four_cells(**cols):
    # four 500 m cells filling the 1 km square (1000..2000, 3000..4000) plus one in the next square
    boxes = [shapely.box(1000, 3000, 1500, 3500), shapely.box(1500, 3000, 2000, 3500),
             shapely.box(1000, 3500, 1500, 4000), shapely.box(1500, 3500, 2000, 4000), shapely.box(2000, 3000, 2500, 3500)]
    return gpd.GeoDataFrame({"cell_id": list("abcde"), "problem": "all", **cols}, geometry=boxes, crs="EPSG:3006")


def test_coarsen_hotspots_sums_counts_and_keeps_strongest_hot_class():
    gh = _four_cells(n_incidents=[1, 2, 3, 4, 2], harm_days=[10.0, 20, 30, 40, 5], gi_z=[0.1, 2.0, 3.0, -2.0, 0.0],
                     gi_p=0.5, gi_q=0.5, hotspot_class=["not_significant", "hot_95", "hot_99", "cold_95", "not_significant"],
                     area_id=["x", "x", "y", "x", "z"])
    out = coarsen_hotspots(gh, 1000, min_count=5).sort_values("cell_id").reset_index(drop=True)
    assert len(out) == 2
    first = out.iloc[0]
    assert first["n_incidents"] == 10 and first["harm_days"] == 100
    assert first["hotspot_class"] == "hot_99" and first["gi_z"] == 3.0
    assert first["area_id"] == "x"  # most frequent among the fine cells
    assert first.geometry.equals(shapely.box(1000, 3000, 2000, 4000))
    assert out.iloc[1]["n_incidents_suppressed"] and np.isnan(out.iloc[1]["n_incidents"])


def test_coarsen_emerging_takes_most_common_pattern_and_kde_the_mean():
    eh = _four_cells(ehs_category=["new_hot", "no_pattern", "persistent_hot", "persistent_hot", "no_pattern"],
                     mk_tau=0.0, mk_z=0.0, mk_p=1.0, n_hot_steps=1, n_cold_steps=0, area_id="x")
    out = coarsen_emerging(eh, 1000).sort_values("cell_id")
    assert out["ehs_category"].tolist() == ["persistent_hot", "no_pattern"]
    kde = _four_cells(density_per_km2_year=[1.0, 2.0, 3.0, 6.0, 8.0])
    out = coarsen_kde(kde, 1000).sort_values("cell_id")
    assert out["density_per_km2_year"].tolist() == [3.0, 8.0]


def test_make_public_inputs_removes_quotes_places_and_small_counts():
    inp = ReportInputs(**make_frames(cell_m=500))
    pub = make_public_inputs(inp, PrivacyParams(min_count=5, public_grid_m=1000))
    assert pub.privacy_applied
    for frame in (pub.note_themes, pub.est_summary, pub.problembilder):
        assert not {"quotes", "top_place", "place", "explanation"} & set(frame.columns)
    assert not any(c.startswith(("crime_", "notes_", "est_", "survey_")) for c in pub.problembilder.columns)
    for df, col in ((pub.area_trends, "n_year"), (pub.area_year_counts, "n_incidents"), (pub.hour_weekday, "n_incidents"),
                    (pub.note_themes, "n_notes")):
        shown = df[col].dropna()
        assert not ((shown > 0) & (shown < 5)).any()  # zero may show, 1–4 never
        assert (df.loc[df[col].isna(), f"{col}_suppressed"] != "").all()
    assert (pub.area_year_counts["n_incidents"] == 0).any()  # a zero stays 0
    assert (pub.area_trends["n_year_suppressed"] == "primary").any()
    assert (pub.area_trends["n_year_suppressed"] == "secondary").any()  # complementary cells protect them
    assert (pub.police_events_summary["n_events"] == inp.police_events_summary["n_events"]).all()  # already public
    # Polisen publishes each event on polisen.se: their counts are public and shown as they are
    assert pub.police_events_summary.equals(inp.police_events_summary)
    assert (pub.police_events_summary["n_events"] < 5).any()
    b = shapely.bounds(pub.grid_hotspots.geometry.to_numpy())
    assert np.allclose(b[:, 2] - b[:, 0], 1000) and np.allclose(b[:, 0] % 1000, 0)
    sv = pub.survey_indicators
    assert sv.loc[sv["is_suppressed"], "share_pct"].isna().all()
    # Slottsholmen (12 answers) is under survey.min_n in both years: its previous share is hidden too
    small = sv[(sv["area_id"] == "199914") & (sv["survey_year"] == 2025)]
    assert small["prev_share_pct"].isna().all() and small["diff_vs_prev_pp"].isna().all()


def test_public_kde_has_no_surface_where_the_coarse_cell_holds_few_incidents():
    kde = _four_cells(density_per_km2_year=[1.0, 2.0, 3.0, 6.0, 8.0])
    counts = _four_cells(n_incidents=[1, 2, 3, 4, 2])  # 10 in the first 1 km cell, 2 in the second
    out = coarsen_kde(kde, 1000, counts, min_count=5).sort_values("cell_id")
    assert out["density_per_km2_year"].iloc[0] == 3.0 and np.isnan(out["density_per_km2_year"].iloc[1])


def test_theme_words_need_k_texts_and_name_no_place_finer_than_an_area():
    words = {"vasaparken", "torg"}
    assert public_terms("mörkt, vasaparken, spottloskor, torg, belysning", "12, 9, 1, 6, 5", 5, words) == "mörkt, belysning"
    assert public_terms("mörkt, belysning", None, 5, words) == ""  # without counts no word is shown


def test_public_problembilder_blank_what_rests_on_hidden_counts():
    """The rate-ratio component gives an area's crime count back (rate ratio × the kommun's rate ×
    the population), the notes component the number of notes: where the public tables hide the
    count, the component goes, and with it the score and the agreeing sources; the rank stays."""
    import pandas as pd

    from pipeline.report.public import public_problembilder

    pb = pd.DataFrame({"rank": [1, 2, 3], "rank_low": [1, 1, 2], "rank_high": [2, 3, 3], "area_id": ["a", "b", "c"],
                       "problem": "theft", "score": [0.6, 0.5, 0.4], "n_sources_agree": [3, 2, 1],
                       "comp_rate_ratio": [0.5, 0.4, 0.3], "comp_notes": [0.2, 0.3, 0.1], "comp_signal": 0.0,
                       "comp_triangulation": [0.75, 0.5, 0.25], "crime_n_year": [50, 3, 40], "notes_n": [2, 9, 12]})
    tables = {"area_trends": pd.DataFrame({"area_id": ["a", "b", "c"], "problem": "theft", "n_year": [50, np.nan, 40],
                                           "n_year_suppressed": ["", "primary", ""]}),
              "note_themes": pd.DataFrame({"area_id": ["a", "b"], "problem": "theft", "n_notes": [np.nan, 9.0],
                                           "n_notes_suppressed": ["primary", ""]})}
    out = public_problembilder(pb, tables, top_n=2).set_index("area_id")
    assert list(out.index) == ["a", "b"]  # only the prioritised ones
    assert not {"crime_n_year", "notes_n"} & set(out.columns)
    a, b = out.loc["a"], out.loc["b"]
    assert a["comp_rate_ratio"] == 0.5 and np.isnan(a["comp_notes"]) and a["comp_notes_suppressed"] == "secondary"
    assert np.isnan(b["comp_rate_ratio"]) and b["comp_notes"] == 0.3 and b["comp_signal"] == 0.0
    for r in (a, b):
        assert np.isnan(r["score"]) and np.isnan(r["comp_triangulation"]) and np.isnan(r["n_sources_agree"])
        assert r["score_suppressed"] == "secondary"
    assert (out["rank"] == [1, 2]).all()
    whole = public_problembilder(pb, {}, top_n=None)  # nothing hidden: everything stays
    assert len(whole) == 3 and whole["score"].tolist() == [0.6, 0.5, 0.4]


def test_coarsening_breaks_ties_as_before():
    """Pinned when the coarsening moved from a groupby on (problem, gx, gy) to integer groups: an
    area tie goes to the smallest id, a class tie to the first fine cell, a missing gi_z to the
    next cell of the class order, a pattern tie to the alphabetically first pattern."""
    gh = _four_cells(n_incidents=[1, 2, 3, 4, 2], harm_days=1.0, gi_z=[np.nan, 2.0, 3.0, 4.0, 0.0], gi_p=0.5, gi_q=0.5,
                     hotspot_class=["hot_99", "hot_95", "hot_99", "cold_95", "hot_90"], area_id=["y", "x", "y", "x", None])
    out = coarsen_hotspots(gh, 1000, min_count=5)
    assert out["area_id"].iloc[0] == "x" and out["hotspot_class"].iloc[0] == "hot_99" and out["gi_z"].iloc[0] == 3.0
    assert out["area_id"].isna().iloc[1]  # no fine cell with an area
    eh = _four_cells(ehs_category=["sporadic_hot", "new_hot", "no_pattern", "no_pattern", "no_pattern"],
                     mk_tau=0.0, mk_z=0.0, mk_p=1.0, n_hot_steps=1, n_cold_steps=0, area_id="x")
    assert coarsen_emerging(eh, 1000)["ehs_category"].tolist() == ["new_hot", "no_pattern"]
