"""Views derived from the report's frames that more than one chapter (or a notebook) needs.

Pure functions over frames; no Typst, no wording. Chapters reach them through
:class:`pipeline.report.doc.Doc`, notebooks through :mod:`pipeline.explore`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from pipeline.report.inputs import is_empty


def area_names(areas: pd.DataFrame | None) -> dict[str, str]:
    """area_id → area_name, plus "kommun" → "Hela kommunen"."""
    names = {} if is_empty(areas) else dict(zip(areas["area_id"], areas["area_name"]))
    return names | {"kommun": "Hela kommunen"}


def kommun_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The kommun-wide rows (area_id "kommun") without the public version's suppression flags:
    what the kommun-level charts draw, so that they hash alike in both versions."""
    k = df[df["area_id"] == "kommun"]
    return k.drop(columns=[c for c in k.columns if str(c).endswith("_suppressed") and str(c)[:-11] in k.columns])


def top_problems(problembilder: pd.DataFrame | None, area_trends: pd.DataFrame | None, k: int = 3) -> list[str]:
    """The first ``k`` distinct problem families of the ranked problembilder, topped up with the
    kommun's most frequent families when there are fewer."""
    out = [] if is_empty(problembilder) else list(dict.fromkeys(problembilder.sort_values("rank")["problem"]))
    if len(out) < k and not is_empty(area_trends):
        t = area_trends
        t = t[(t["area_id"] == "kommun") & (t["problem"] != "all")].sort_values("n_year", ascending=False)
        out += [p for p in t["problem"] if p not in out]
    return out[:k]


def cell_size(cells: gpd.GeoDataFrame) -> float:
    """Side of the (square) grid cells of a layer, in metres."""
    b = cells.geometry.iloc[0].bounds
    return round(b[2] - b[0])


def contributions(problembilder: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """What each component added to each problembild's score: w_c · comp_c / Σ w (one column
    per component present, in the order of the weights); the columns sum to the score when the
    weights are the ones it was scored with."""
    total = sum(float(w) for w in weights.values()) or 1.0
    cols = {c: problembilder[f"comp_{c}"].astype(float) * float(w) / total
            for c, w in weights.items() if f"comp_{c}" in problembilder.columns}
    return pd.DataFrame(cols, index=problembilder.index)


def rank_groups(ranked: pd.DataFrame) -> list[tuple[int, int]]:
    """Runs of places that are in practice equal. A run starts at a place and takes in the next
    places as long as each of their rank intervals reaches back to the run's first place
    (``rank_low`` ≤ first). ``ranked`` has rank and rank_low in rank order. Returns (first
    place, last place) for each run of two or more."""
    ranks = ranked["rank"].astype(int).tolist()
    lows = ranked["rank_low"].astype(int).tolist()
    out, i = [], 0
    while i < len(ranks):
        j = i
        while j + 1 < len(ranks) and lows[j + 1] <= ranks[i]:
            j += 1
        if j > i:
            out.append((ranks[i], ranks[j]))
        i = j + 1
    return out


def pattern_counts(emerging: pd.DataFrame, problem: str = "all", area_id: str | None = None) -> pd.Series:
    """Grid cells per pattern over time (ehs_category, "no_pattern" left out), most first, for
    one problem family and optionally one area."""
    e = emerging[emerging["problem"] == problem]
    if area_id is not None:
        e = e[e["area_id"].astype(str) == str(area_id)]
    n = e["ehs_category"].astype(str).value_counts()
    return n[n.index != "no_pattern"]


def quarantine_share(quality: pd.DataFrame) -> pd.Series:
    """Per source: quarantined rows as a percentage of the rows read (NaN for an empty source)."""
    return 100 * quality["quarantined"].astype(float) / quality["rows_read"].replace(0, float("nan")).astype(float)
