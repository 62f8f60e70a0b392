"""Swedish formatting and explanation texts: every number traceable to a column of the row."""

import math
import re

import numpy as np
import pandas as pd
import pytest

from pipeline.problems import load_families
from pipeline.scoring.evidence import build_evidence
from pipeline.scoring.explain import add_explanations, explain
from pipeline.scoring.rank import rank_problems
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct, fmt_year
from tests.unit.scoring.test_evidence import YEAR, make_inputs

FAM = load_families()
W = {"harm_volume": 0.2, "rate_ratio": 0.1, "trend": 0.1, "concentration": 0.1, "signal": 0.05,
     "survey_unsafe": 0.1, "survey_problem": 0.1, "notes": 0.1, "est": 0.05, "triangulation": 0.1}
NB = "\u00a0"
NUMBER = re.compile(r"\d+(?:\u00a0\d{3})*(?:,\d+)?")


def test_format_sv():
    assert fmt_num(1234.54, 1) == f"1{NB}234,5"
    assert fmt_num(2.25, 1) == "2,3" and fmt_num(0.125, 2) == "0,13"       # half away from zero
    assert fmt_int(15000) == f"15{NB}000" and fmt_int(999) == "999" and fmt_int(1234567) == f"1{NB}234{NB}567"
    assert fmt_pct(12.34, 1) == f"12,3{NB}%" and fmt_pct(38.4, 0) == f"38{NB}%"
    assert fmt_num(-4.26, 1) == "\u22124,3" and fmt_num(-0.01, 1) == "0,0"
    assert fmt_num(np.nan) == "–" and fmt_pct(None) == "–" and fmt_int(pd.NA) == "–"
    assert fmt_year(2025) == "2025"


@pytest.fixture(scope="module")
def problembilder():
    pb, _ = rank_problems(build_evidence(**make_inputs()), W, FAM, None, 0, 7)
    return add_explanations(pb, FAM, YEAR, top_n=6)


def _traceable(token: str, row: pd.Series) -> bool:
    decimals = len(token.split(",")[1]) if "," in token else 0
    for v in row.to_numpy():
        if isinstance(v, (bool, np.bool_, str)) or v is None:
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if math.isnan(x):
            continue
        if fmt_num(x, decimals) == token or (decimals == 0 and x == int(x) and str(int(x)) == token):
            return True
    return False


def test_every_number_in_the_text_is_a_column(problembilder):
    top = problembilder[problembilder["rank"] <= 6]
    checked = 0
    for _, row in top.iterrows():
        text = row.explanation.replace("95 % KI", "")
        for name in (row.area, row.place, row.problem_label):
            if isinstance(name, str):
                text = text.replace(name, "")
        tokens = NUMBER.findall(text)
        assert tokens, row.explanation
        for tok in tokens:
            assert _traceable(tok, row), f"{tok!r} in {row.explanation!r} matches no column"
            checked += 1
    assert checked > 30


def test_untraceable_number_is_caught(problembilder):
    row = problembilder.iloc[0].copy()
    assert not _traceable("987,6", row)


def test_text_of_the_planted_problem(problembilder):
    row = problembilder.iloc[0]
    assert (row.area_id, row.problem) == ("A", "robbery")
    t = row.explanation
    assert t.startswith(f"Rån i Centrum ökade kraftigt i år (+200{NB}%, säker ökning) och visar en ökande "
                        f"långsiktig trend (+194{NB}% per år): 45 anmälda brott {YEAR} mot 15 året innan")
    assert "Koncentrerat till Torget, en ny hotspot" in t
    assert "6 anteckningar från 4 verksamheter" in t and "9 EST-rapporter under 7 veckor" in t
    assert not re.search(r"\d\.\d", t)                      # decimal comma, never a point
    assert row.report_year == YEAR


def test_only_top_n_explained_and_singulars(problembilder):
    assert problembilder.loc[problembilder["rank"] <= 6, "explanation"].notna().all()
    assert problembilder.loc[problembilder["rank"] > 6, "explanation"].isna().all()
    row = problembilder[(problembilder.area_id == "A") & (problembilder.problem == "violence")].iloc[0]
    assert "1 anteckning från 1 verksamhet." in explain(row, FAM, YEAR)


def test_suppressed_survey_not_quoted(problembilder):
    row = problembilder.iloc[1].copy()
    row["survey_problem_is_suppressed"] = True
    row["survey_unsafe_is_suppressed"] = True
    t = explain(row, FAM, YEAR)
    assert "stort problem" not in t and "otrygga" not in t


def test_the_text_says_what_the_verdict_says_and_nothing_else(problembilder):
    """One verdict everywhere: every explanation carries its row's verdict_sv verbatim, and the
    raw test columns do not change the wording (a trend significant only before the FDR
    correction, as Bäckby narkotika once was, is whatever the verdict says it is)."""
    top = problembilder[problembilder["rank"] <= 6]
    for _, row in top.iterrows():
        assert row.crime_verdict_sv in row.explanation
    row = problembilder.iloc[0].copy()
    row["crime_irr_p"], row["crime_irr_q"], row["crime_irr"] = 0.006, 0.2, 0.5
    assert explain(row, FAM, YEAR) == row.explanation
    row["crime_verdict_sv"] = "förändrades inte säkert i år (+200 %) och visar ingen säker långsiktig trend"
    assert "Rån i Centrum förändrades inte säkert i år" in explain(row, FAM, YEAR)
