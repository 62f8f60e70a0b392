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
    keys = ["area_id", "problem"]
    ex = _explode(pd.DataFrame(est.drop(columns="geometry", errors="ignore")), "problem")
    # whole-column operations, then one groupby: a loop over (area, problem) groups cost ~30 ms
    # a group (isocalendar and value_counts per group) on the demo's 100 groups
    iso = pd.to_datetime(ex["occurred_at"]).dt.isocalendar()
    ex = ex.assign(_week=iso["year"].astype("Int64") * 100 + iso["week"].astype("Int64"))
    by = ex.groupby(keys, sort=True)
    out = pd.DataFrame({"n_est_reports": by["est_id"].nunique(), "n_weeks": by["_week"].nunique()})
    out["top_place"] = _group_mode(ex, keys, "place_name").reindex(out.index)
    out = out.reset_index()[cols]
    return out.astype({"area_id": "str", "problem": "str", "n_est_reports": "int64", "n_weeks": "int64",
                       "top_place": "str"})


def _group_mode(df: pd.DataFrame, keys: list[str], col: str) -> pd.Series:
    """Per group of ``keys``: the most frequent non-missing ``col`` (ties: alphabetical), as
    :func:`_mode` gives it; groups without a value are absent."""
    counts = (df.dropna(subset=[col]).assign(**{col: lambda d: d[col].astype(str)})
              .groupby(keys + [col], sort=False).size().rename("n").reset_index())
    counts = counts.sort_values(keys + ["n", col], ascending=[True] * len(keys) + [False, True], kind="mergesort")
    return counts.drop_duplicates(keys).set_index(keys)[col]


def survey_text_themes(responses: pd.DataFrame, families: Families) -> pd.DataFrame:
    """What residents write in the survey's free-text answer, per (area, problem family), for the
    latest survey year: the same lexicon tagging as staff notes (:func:`tag_text`).

    Returns
    -------
    DataFrame
        ``area_id``, ``problem``, ``n_answers`` (free-text answers mentioning the family),
        ``n_answers_area`` (all free-text answers from the area), ``quotes`` (up to three
        excerpts, scrubbed at ingest). Sorted by area, problem.
    """
    cols = ["area_id", "problem", "n_answers", "n_answers_area", "quotes"]
    if not len(responses):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.startswith("n_") else "str") for c in cols})
    latest = responses[responses["survey_year"] == responses["survey_year"].max()]
    texts = latest[latest["free_text"].notna() & (latest["free_text"].astype(str).str.strip() != "")]
    per_area = texts.groupby("area_id").size()
    tagged = texts.assign(problems=[";".join(tag_text(t, families)) or None for t in texts["free_text"]])
    ex = _explode(tagged, "problems")
    rows = []
    for (area, prob), g in ex.groupby(["area_id", "problem"], sort=True):
        quotes = list(dict.fromkeys(_quote(t, prob, families) for t in g.sort_values("response_id")["free_text"]))
        rows.append({"area_id": area, "problem": prob, "n_answers": len(g), "n_answers_area": int(per_area[area]),
                     "quotes": "\n".join(q for q in quotes[:MAX_QUOTES] if q)})
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"area_id": "str", "problem": "str", "n_answers": "int64", "n_answers_area": "int64",
                       "quotes": "str"})


def text_topics(notes: pd.DataFrame, est: pd.DataFrame, responses: pd.DataFrame, n_topics: int,
                seed: int) -> pd.DataFrame:
    """Unsupervised themes (NMF over TF-IDF, :func:`pipeline.text.topics.topics`) across staff
    notes, EST descriptions and survey free text, to surface what the problem lexicon misses.

    Returns
    -------
    DataFrame
        ``topic``, ``top_terms``, ``term_docs`` (documents using each term), ``n_docs`` (documents
        whose heaviest topic it is), ``share_untagged_pct``
        (of those, the share the lexicon tagged with no family: high means a theme the lexicon
        misses), ``top_area`` (area with most such documents).
    """
    from pipeline.text.topics import topics

    parts = [notes[["text", "area_id", "problems"]].rename(columns={"text": "doc"}),
             est[["text", "area_id", "problem"]].rename(columns={"text": "doc", "problem": "problems"})]
    if len(responses):
        parts.append(responses.loc[responses["free_text"].notna(), ["free_text", "area_id"]]
                     .rename(columns={"free_text": "doc"}).assign(problems=pd.NA))
    docs = pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True)
    docs = docs[docs["doc"].notna() & (docs["doc"].astype(str).str.strip() != "")].reset_index(drop=True)
    cols = ["topic", "top_terms", "term_docs", "n_docs", "share_untagged_pct", "top_area"]
    terms, weights = topics(docs["doc"], n_topics, seed)
    if weights.shape[1] == 0:
        return pd.DataFrame(columns=cols)
    best = weights.argmax(axis=1)
    docs["topic"] = best
    docs["untagged"] = docs["problems"].isna()
    g = docs[weights.max(axis=1) > 0].groupby("topic")
    stats = pd.DataFrame({"n_docs": g.size(), "share_untagged_pct": 100 * g["untagged"].mean(),
                          "top_area": g["area_id"].agg(_mode)})
    out = terms.merge(stats, left_on="topic", right_index=True, how="left")
    out["n_docs"] = out["n_docs"].fillna(0).astype("int64")
    return out[cols].sort_values("n_docs", ascending=False, kind="stable").reset_index(drop=True)
