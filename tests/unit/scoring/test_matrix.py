"""Brå's prioritisation matrix: columns, 0–3 levels, labels."""

import numpy as np
import pytest

from pipeline.problems import load_families
from pipeline.scoring.evidence import build_evidence
from pipeline.scoring.matrix import CRITERIA, level, prioritisation_matrix
from pipeline.scoring.rank import rank_problems
from tests.unit.scoring.test_evidence import make_inputs

W = {"harm_volume": 0.2, "rate_ratio": 0.1, "trend": 0.1, "concentration": 0.1, "signal": 0.05,
     "survey_unsafe": 0.1, "survey_problem": 0.1, "notes": 0.1, "est": 0.05, "triangulation": 0.1}


@pytest.fixture(scope="module")
def matrix():
    fam = load_families()
    pb, _ = rank_problems(build_evidence(**make_inputs()), W, fam, None, 0, 7)
    return prioritisation_matrix(pb, top_n=5)


def test_levels():
    assert level([0.0, 0.04, 0.05, 0.33, 1 / 3, 0.66, 2 / 3, 1.0, np.nan]).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 0]


def test_matrix_shape_and_values(matrix):
    assert list(matrix.columns) == ["area_id", "problem", "Rang", "Problembild", *CRITERIA]
    assert CRITERIA == ("Frekvens", "Trend", "Avvikelse", "Utsatta platser", "Signalbrott", "Indirekt påverkan",
                        "Upplevd otrygghet", "Källor som stämmer överens")
    assert len(matrix) == 5 and matrix["Rang"].tolist() == [1, 2, 3, 4, 5]
    vals = matrix[list(CRITERIA)].to_numpy()
    assert ((vals >= 0) & (vals <= 3)).all()
    top = matrix.iloc[0]
    assert top.Problembild == "Rån – Torget (Centrum)"
    # robbery in Centrum: sharp significant rise, rate 3.9 x kommun, not a signal crime
    assert (top.Trend, top.Avvikelse, top.Signalbrott) == (3, 3, 0)
    assert matrix.iloc[1]["Signalbrott"] == 3                      # drugs is a signal crime
