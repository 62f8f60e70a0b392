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
