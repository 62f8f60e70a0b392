"""Per area and problem family: what staff notes and EST reports say.

Counts are plain counts of records; a record tagged with several families counts once for
each. Records without an area or a family are left out (they cannot be keyed to an
(area, problem) pair).
"""

from __future__ import annotations

import pandas as pd

from pipeline.problems import Families
from pipeline.text.normalise import sentences
from pipeline.text.tagging import tag_text

MAX_QUOTES = 3
QUOTE_CHARS = 160


def _mode(values: pd.Series):
    v = values.dropna()
    if v.empty:
        return pd.NA
    counts = v.value_counts()
    top = counts[counts == counts.max()].index
    return sorted(str(x) for x in top)[0]  # ties: alphabetical


def _shorten(s: str) -> str:
    s = " ".join(s.split())
    if len(s) <= QUOTE_CHARS:
        return s
    cut = s[:QUOTE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _quote(text: str, problem: str, families: Families | None) -> str:
    sents = sentences(text) if isinstance(text, str) else []
    if not sents:
        return ""
    if families is not None:
        for s in sents:
            if problem in tag_text(s, families):
                return _shorten(s)
    return _shorten(sents[0])


def _explode(df: pd.DataFrame, col: str) -> pd.DataFrame:
    out = df[df["area_id"].notna() & df[col].notna()].copy()
    out["problem"] = out[col].astype(str).str.split(";")
    out = out.explode("problem")
    out["problem"] = out["problem"].str.strip()
    return out[out["problem"] != ""]


def note_themes(notes: pd.DataFrame, families: Families | None = None) -> pd.DataFrame:
    """Summarise staff notes per (area, problem family).

    Parameters
    ----------
    notes : DataFrame
        The ``notes`` core table (``note_id``, ``noted_on``, ``verksamhet``, ``text`` (scrubbed),
        ``area_id``, ``place_name``, ``problems``).
    families : Families, optional
        When given, a quote is the first sentence of a note that itself mentions the problem;
        otherwise the note's first sentence.

    Returns
    -------
    DataFrame
        ``area_id``, ``problem``, ``n_notes`` (distinct notes), ``n_verksamheter`` (distinct
        organisations), ``top_place`` (most frequent linked place, ties alphabetical; NA if
        none), ``quotes`` (up to three distinct excerpts of at most 160 characters from the most
        recent notes, ties by ``note_id``, joined with a line break). Sorted by area, problem.
    """
    cols = ["area_id", "problem", "n_notes", "n_verksamheter", "top_place", "quotes"]
    ex = _explode(notes, "problems")
    rows = []
    for (area, prob), g in ex.groupby(["area_id", "problem"], sort=True):
        g = g.sort_values(["noted_on", "note_id"], ascending=[False, True], kind="mergesort")
        quotes: list[str] = []
        for t in g["text"]:
            q = _quote(t, prob, families)
            if q and q not in quotes:
                quotes.append(q)
            if len(quotes) == MAX_QUOTES:
                break
        rows.append({"area_id": area, "problem": prob, "n_notes": g["note_id"].nunique(),
                     "n_verksamheter": g["verksamhet"].dropna().nunique(),
                     "top_place": _mode(g["place_name"]), "quotes": "\n".join(quotes)})
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"area_id": "str", "problem": "str", "n_notes": "int64", "n_verksamheter": "int64",
                       "top_place": "str", "quotes": "str"})


def est_summary(est: pd.DataFrame) -> pd.DataFrame:
    """Summarise EST reports per (area, problem family).

    Returns
    -------
    DataFrame
        ``area_id``, ``problem``, ``n_est_reports``, ``n_weeks`` (distinct ISO year-weeks of
        ``occurred_at`` with a report: a measure of persistence), ``top_place`` (most frequent
        place, ties alphabetical). Sorted by area, problem.
    """
    cols = ["area_id", "problem", "n_est_reports", "n_weeks", "top_place"]
    ex = _explode(pd.DataFrame(est.drop(columns="geometry", errors="ignore")), "problem")
    rows = []
    for (area, prob), g in ex.groupby(["area_id", "problem"], sort=True):
        iso = pd.to_datetime(g["occurred_at"]).dropna().dt.isocalendar()
        weeks = (iso["year"].astype("int64") * 100 + iso["week"].astype("int64")).nunique()
        rows.append({"area_id": area, "problem": prob, "n_est_reports": g["est_id"].nunique(),
                     "n_weeks": int(weeks), "top_place": _mode(g["place_name"])})
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"area_id": "str", "problem": "str", "n_est_reports": "int64", "n_weeks": "int64",
                       "top_place": "str"})
