"""NMF topics and note/EST summaries (pipeline.text.topics, pipeline.text.themes)."""

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from pipeline.problems import load_families
from pipeline.text.themes import est_summary, note_themes
from pipeline.text.topics import topics

DOCS = pd.Series([
    "mopeder buskörning kväll mopeder parkering",
    "buskörning mopeder parkering ljud",
    "sprutor langning trappuppgång sprutor",
    "langning sprutor trappuppgång källare",
    "mopeder parkering buskörning",
    None,
])


def test_topics_separate_two_themes():
    terms, W = topics(DOCS, n_topics=2, seed=1)
    assert list(terms.columns) == ["topic", "top_terms", "term_docs"] and len(terms) == 2
    # documents per listed word, counted by hand from DOCS: "sprutor" is in two documents, "mopeder" in three
    docs = {w: int(n) for t, d in zip(terms["top_terms"], terms["term_docs"]) for w, n in zip(t.split(", "), d.split(", "))}
    assert docs["sprutor"] == 2 and docs["mopeder"] == 3 and docs["langning"] == 2
    assert W.shape == (6, 2) and (W >= 0).all()
    first = {t: set(row.split(", ")[:2]) for t, row in zip(terms["topic"], terms["top_terms"])}
    moped_topic = next(t for t, s in first.items() if "mopeder" in s or "buskörning" in s)
    drug_topic = 1 - moped_topic
    assert first[drug_topic] & {"sprutor", "langning", "trappuppgång"}
    # each document loads on its own theme; the empty document on none
    assert (W[[0, 1, 4], moped_topic] > W[[0, 1, 4], drug_topic]).all()
    assert (W[[2, 3], drug_topic] > W[[2, 3], moped_topic]).all()
    assert np.allclose(W[5], 0)
    t2, W2 = topics(DOCS, n_topics=2, seed=1)
    assert t2.equals(terms) and np.array_equal(W, W2)  # deterministic


def test_topics_caps_and_empty():
    terms, W = topics(pd.Series(["sprutor langning", "sprutor"]), n_topics=10, seed=0)
    assert len(terms) == 2 and W.shape == (2, 2)
    terms, W = topics(pd.Series(["och det", None]), n_topics=3, seed=0)
    assert terms.empty and W.shape == (2, 0)


def test_note_themes():
    notes = pd.DataFrame({
        "note_id": ["n1", "n2", "n3", "n4", "n5"],
        "noted_on": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-03-01", "2025-03-02"]),
        "verksamhet": ["Skola", "Skola", "Polisen", None, "Skola"],
        "text": ["Langning vid torget. Lugnt annars.", "Det var lugnt. Sprutor i trapphuset.",
                 "Klotter och langning vid Råby torg.", "Langning igen.", "Inget."],
        "area_id": ["A", "A", "A", "A", None],
        "place_name": ["Torget", None, "Råby torg", "Råby torg", None],
        "problems": ["drugs", "drugs", "vandalism;drugs", "drugs", "drugs"],
    })
    out = note_themes(notes, load_families())
    assert list(out.columns) == ["area_id", "problem", "n_notes", "n_verksamheter", "top_place", "quotes"]
    d = out.set_index("problem").loc["drugs"]
    assert d["n_notes"] == 4 and d["n_verksamheter"] == 2 and d["top_place"] == "Råby torg"
    # newest first (n3 and n4 same day: by note_id), the sentence that mentions the problem, max three
    assert d["quotes"].split("\n") == ["Klotter och langning vid Råby torg.", "Langning igen.",
                                        "Sprutor i trapphuset."]
    v = out.set_index("problem").loc["vandalism"]
    assert v["n_notes"] == 1 and v["quotes"] == "Klotter och langning vid Råby torg."


def test_est_summary():
    est = gpd.GeoDataFrame({
        "est_id": ["e1", "e2", "e3", "e4"],
        "occurred_at": pd.to_datetime(["2025-01-06 21:00", "2025-01-08 00:00", "2025-01-13 00:00", "2025-01-14 00:00"]),
        "problem": ["traffic", "traffic", "traffic", None],
        "place_name": ["Bäckby", "Råby torg", "Råby torg", None],
        "area_id": ["A", "A", "A", "A"],
    }, geometry=[Point(0, 0), None, None, None], crs="EPSG:3006")
    out = est_summary(est)
    assert out.to_dict("records") == [{"area_id": "A", "problem": "traffic", "n_est_reports": 3,
                                       "n_weeks": 2, "top_place": "Råby torg"}]  # ISO weeks 2 and 3


def test_est_summary_top_place_ties_alphabetical_and_missing():
    est = pd.DataFrame({
        "est_id": ["e1", "e2", "e3", "e4", "e5"],
        "occurred_at": pd.to_datetime(["2025-01-06", "2025-01-06", "2025-01-07", "2025-01-08", "2024-12-30"]),
        "problem": ["traffic; drugs", "traffic", "traffic", "traffic", "drugs"],
        "place_name": ["Östra torget", "Bäckby", "Bäckby", "Östra torget", None],
        "area_id": ["A", "A", "A", "A", "B"],
    })
    out = est_summary(est).set_index(["area_id", "problem"])
    assert out.loc[("A", "traffic"), "top_place"] == "Bäckby"       # 2 against 2: alphabetical
    assert out.loc[("A", "drugs"), "top_place"] == "Östra torget"
    assert out.loc[("A", "traffic"), "n_weeks"] == 1                # all in ISO week 2025-02
    assert pd.isna(out.loc[("B", "drugs"), "top_place"]) and out.loc[("B", "drugs"), "n_weeks"] == 1


def test_survey_text_themes_tag_the_latest_survey_per_area():
    from pipeline.problems import load_families
    from pipeline.text.themes import survey_text_themes

    resp = pd.DataFrame({
        "response_id": ["1", "2", "3", "4"], "survey_year": [2025, 2025, 2025, 2023],
        "area_id": ["A", "A", "B", "A"],
        "free_text": ["Mycket klotter på skolan.", "Det är lugnt här.", "Klottret vid torget.", "Klotter överallt."],
    })
    out = survey_text_themes(resp, load_families())
    row = out[(out["area_id"] == "A") & (out["problem"] == "vandalism")].iloc[0]
    assert row["n_answers"] == 1 and row["n_answers_area"] == 2  # the 2023 answer is not counted
    assert row["quotes"] == "Mycket klotter på skolan."
    assert set(out["area_id"]) == {"A", "B"}


def test_text_topics_count_documents_and_untagged_share():
    from pipeline.text.themes import text_topics

    notes = pd.DataFrame({"text": ["klotter klotter vägg tunnel"] * 3 + ["hund bajs park gräsmatta"] * 3,
                          "area_id": ["A"] * 3 + ["B"] * 3, "problems": ["vandalism"] * 3 + [None] * 3})
    est = pd.DataFrame({"text": pd.Series(dtype="str"), "area_id": pd.Series(dtype="str"),
                        "problem": pd.Series(dtype="str")})
    out = text_topics(notes, est, pd.DataFrame(), n_topics=2, seed=1)
    assert out["n_docs"].sum() == 6 and set(out["n_docs"]) == {3}
    dog = out[out["top_terms"].str.contains("hund")].iloc[0]
    assert dog["share_untagged_pct"] == 100 and dog["top_area"] == "B"
