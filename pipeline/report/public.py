"""The public version's inputs: every table under a suppression pattern an attacker could not
break, grid layers coarsened, no quotes, places or free-text explanations.

Rules (DESIGN.md, Privacy; docs/report.md "Public version rules"):

* Disclosure control (:mod:`pipeline.report.sdc`): small counts (1 to k − 1, k =
  ``privacy.min_count``) and survey groups under ``survey.min_n`` (or with fewer than k answers
  on either side) are hidden, for every period shown; complementary cells are hidden until the
  attacker (:func:`pipeline.report.sdc.attack.attack`), who knows every table, total, mean and
  companion column, can narrow no hidden cell. Zero stays 0. Which numbers are counts, shares,
  places or text comes from the column registry (:data:`pipeline.schemas.COLUMNS`).
* Grid layers are aggregated to square cells of ``privacy.public_grid_m`` aligned to the origin
  of EPSG:3006 (a fine cell belongs to the coarse cell holding its centroid). A coarse cell gets
  the strongest hot spot class of its fine cells (hot before cold, higher confidence first), the
  most common emerging hot spot pattern other than "no pattern", and the mean KDE density.
* Columns of kind place or text are dropped; theme words are kept only when k or more texts use
  them and they name no place finer than an area; quarantine reasons lose what the raw row wrote.
* Polisen's published events are already public and are shown as they are.
"""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.arrays import run_starts
from pipeline.config import PrivacyParams
from pipeline.report.inputs import ReportInputs
from pipeline.report.labels_sv import reason_kind
from pipeline.report.sdc.cubes import build_cubes
from pipeline.report.sdc.protect import protect
from pipeline.report.sdc.publish import FRAME_CUBES, primary_only, public_frame

_HOT_ORDER = ["hot_99", "hot_95", "hot_90", "cold_99", "cold_95", "cold_90", "not_significant"]


def _coarse_keys(cells: gpd.GeoDataFrame, size: float) -> tuple[np.ndarray, np.ndarray]:
    b = shapely.bounds(cells.geometry.to_numpy())  # centre of the bounding box = centroid of a square cell
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    return np.floor(cx / size).astype(np.int64), np.floor(cy / size).astype(np.int64)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` that sort as the values do (-1: missing), and the values
    (object array) the codes stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # its codes would follow the categories' order
        values = values.astype(object)
    codes, uniques = pd.factorize(values, sort=True)
    return codes, np.asarray(uniques, dtype=object)


def _coarse_cells(cells: gpd.GeoDataFrame, size: float) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """The coarse cell (problem, gx, gy) of each fine cell as one group number per row, so that
    the aggregations group integers rather than a string key.

    Returns
    -------
    group : numpy.ndarray
        Per row, its group; groups are numbered in (problem, gx, gy) order, as a groupby on
        those keys sorts them, and a missing problem sorts last (as in ``sort_values``).
    keys : pandas.DataFrame
        Per group: problem, gx and gy.
    first : numpy.ndarray
        Per group, the position of its first row.
    """
    gx, gy = _coarse_keys(cells, size)
    pcode, problems = _codes(cells["problem"])
    pcode = np.where(pcode < 0, len(problems), pcode)
    order = np.lexsort((gy, gx, pcode))  # stable: a group's rows stay in frame order
    p, x, y = pcode[order], gx[order], gy[order]
    start = np.flatnonzero(run_starts(p, x, y))
    group = np.empty(len(order), np.int64)
    group[order] = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(order)]))
    first = order[start]
    problem = np.append(problems, np.nan)[pcode[first]]
    return group, pd.DataFrame({"problem": problem, "gx": gx[first], "gy": gy[first]}), first


def _mode(group: np.ndarray, values: pd.Series, n_groups: int) -> np.ndarray:
    """Per group (0 … ``n_groups`` − 1), the most frequent non-missing value of ``values``
    (ties: the smallest); NaN where the group has none."""
    codes, uniques = _codes(values)
    ok, m = codes >= 0, max(len(uniques), 1)
    pairs, counts = np.unique(group[ok] * m + codes[ok], return_counts=True)  # sorted by group, then value
    g, v = pairs // m, pairs % m
    best = np.lexsort((v, -counts, g))  # per group: the most frequent first, then the smallest value
    top = best[run_starts(g[best])]
    out = np.full(n_groups, np.nan, dtype=object)
    out[g[top]] = uniques[v[top]]
    return out


def _coarse_frame(keys: pd.DataFrame, size: float, crs) -> gpd.GeoDataFrame:
    gx, gy = keys["gx"].to_numpy(), keys["gy"].to_numpy()  # arrays: shapely's ufunc over a Series costs 4x
    geom = shapely.box(gx * size, gy * size, (gx + 1) * size, (gy + 1) * size)
    out = keys.assign(cell_id=(f"p{int(size)}_" + keys["gx"].astype(str) + "_" + keys["gy"].astype(str)).to_numpy())
    return gpd.GeoDataFrame(out.drop(columns=["gx", "gy"]), geometry=geom, crs=crs)


def _with_problem(agg: pd.DataFrame) -> pd.DataFrame:
    """``agg`` without the coarse cells of rows that have no problem (a groupby drops them)."""
    keep = agg["problem"].notna().to_numpy()
    return agg if keep.all() else agg[keep].reset_index(drop=True)


def _first_valid(group: np.ndarray, valid: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group (0 … ``n_groups`` − 1, ``group`` sorted), the position of its first row where
    ``valid`` holds; -1 where none does (what ``groupby(...).first()`` picks)."""
    pos = np.flatnonzero(valid)
    g = group[pos]
    top = run_starts(g)
    out = np.full(n_groups, -1, np.int64)
    out[g[top]] = pos[top]
    return out


def coarsen_hotspots(gh: gpd.GeoDataFrame, size: float, min_count: int) -> gpd.GeoDataFrame:
    """Gi* cells aggregated to ``size`` m: summed counts (then suppressed), the strongest class
    (hot before cold, higher confidence first; ties: the first fine cell) and gi_z, gi_p, gi_q
    (each the first non-missing one in that order), the most common area_id (ties: the
    smallest). Rows are in (problem, gx, gy) order."""
    if gh is None or len(gh) == 0:
        return gh
    group, keys, _ = _coarse_cells(gh, size)
    n = len(keys)
    cls = gh["hotspot_class"].astype(str)
    codes, classes = pd.factorize(cls)  # rank the few distinct classes rather than every row
    rank = np.array([_HOT_ORDER.index(c) if c in _HOT_ORDER else len(_HOT_ORDER) for c in classes] + [len(_HOT_ORDER)])
    order = np.lexsort((rank[codes], group))  # per group: the strongest class first, then frame order
    agg = keys.join(pd.DataFrame({"n_incidents": gh["n_incidents"].to_numpy(), "harm_days": gh["harm_days"].to_numpy()})
                    .groupby(group).sum())  # pandas' compensated float sum, rows in frame order as before
    ordered = group[order]
    for c in ("gi_z", "gi_p", "gi_q"):
        v = gh[c].to_numpy()[order]
        first = _first_valid(ordered, ~pd.isna(v), n)
        agg[c] = np.where(first >= 0, v[first], np.nan)
    first = _first_valid(ordered, codes[order] >= 0, n)
    agg["hotspot_class"] = cls.array.take(np.where(first >= 0, order[first], -1), allow_fill=True)
    agg["area_id"] = _mode(group, gh["area_id"], n)
    out = _coarse_frame(_with_problem(agg), size, gh.crs)
    out = out[["cell_id", "problem", "n_incidents", "harm_days", "gi_z", "gi_p", "gi_q", "hotspot_class", "area_id", "geometry"]]
    return primary_only(out, min_count)


def coarsen_emerging(eh: gpd.GeoDataFrame, size: float) -> gpd.GeoDataFrame:
    """Emerging hot spot cells aggregated to ``size`` m: the most common pattern other than
    no_pattern (ties: alphabetical), else no_pattern; the most common area_id (ties: the
    smallest). Rows are in (problem, gx, gy) order; the index numbers the coarse cells in the
    order their first fine cell appears."""
    if eh is None or len(eh) == 0:
        return eh
    group, keys, first = _coarse_cells(eh, size)
    cat = eh["ehs_category"].astype(str)
    pattern = _mode(group, cat.where(cat != "no_pattern"), len(keys))
    area = _mode(group, eh["area_id"], len(keys))
    none = keys["problem"].isna().to_numpy()  # rows without a problem: no pattern, no area (a groupby dropped them)
    pattern[none] = area[none] = np.nan
    agg = keys.assign(ehs_category=np.where(pd.isna(pattern), "no_pattern", pattern), area_id=area,
                      mk_tau=np.nan, mk_z=np.nan, mk_p=np.nan)
    # the index numbers the cells in the order their first row appears (a RangeIndex where that is key order)
    agg.index = pd.RangeIndex(len(agg)).take(np.argsort(np.argsort(first)))
    out = _coarse_frame(agg, size, eh.crs)
    return out[["cell_id", "problem", "ehs_category", "mk_tau", "mk_z", "mk_p", "area_id", "geometry"]]


def coarsen_kde(kde: gpd.GeoDataFrame, size: float, counts: gpd.GeoDataFrame | None = None,
                min_count: int = 0) -> gpd.GeoDataFrame:
    """KDE cells aggregated to ``size`` m by the mean density of the fine cells (equal areas).

    With ``counts`` (the grid_hotspots layer: n_incidents per fine cell and problem) a coarse
    cell holding fewer than ``min_count`` incidents of its problem gets no density (NaN), so the
    public map shows no surface over places with a handful of crimes.
    """
    if kde is None or len(kde) == 0:
        return kde
    group, keys, _ = _coarse_cells(kde, size)
    density = pd.Series(kde["density_per_km2_year"].astype(float).to_numpy()).groupby(group).mean()
    agg = _with_problem(keys.assign(density_per_km2_year=density.to_numpy()))
    if counts is not None and len(counts) and min_count > 0:
        cgroup, n, _ = _coarse_cells(counts, size)
        incidents = pd.Series(pd.to_numeric(counts["n_incidents"], errors="coerce").to_numpy())
        n["n"] = incidents.groupby(cgroup).sum().to_numpy()
        agg = agg.merge(_with_problem(n), on=["problem", "gx", "gy"], how="left")
        agg["density_per_km2_year"] = agg["density_per_km2_year"].where(agg["n"].fillna(0) >= min_count)
    return _coarse_frame(agg, size, kde.crs)[["cell_id", "problem", "density_per_km2_year", "geometry"]]


# The public problembilder table: the ranking, its uncertainty, the components and which sources
# say something; no counts (they are in the tables above), no quotes, places or explanations.
PUBLIC_PROBLEMBILD_COLUMNS = ("rank", "rank_low", "rank_high", "area_id", "area", "problem", "problem_label", "score",
                              "has_crime", "has_survey", "has_notes", "has_est", "n_sources", "n_sources_agree",
                              "is_signal", "report_year")
# The source whose counts each score component is computed from (pipeline.scoring.components).
# A component is an invertible function of them: the rate-ratio component gives an area's count
# back to the unit (rate ratio × the kommun's rate × the area's population). So a component is
# shown only where the public tables show those counts; the triangulation component (and the
# number of sources that agree: ≥ 2 notes, ≥ 2 reports, rate ratio ≥ 1,25) rests on all four.
COMPONENT_SOURCE = {"harm_volume": "crime", "rate_ratio": "crime", "trend": "crime", "concentration": "crime",
                    "survey_unsafe": "survey", "survey_problem": "survey", "notes": "notes", "est": "est",
                    "triangulation": "any"}


def _hidden_rows(frame: pd.DataFrame | None, cols: tuple[str, ...], keys: list[str]) -> set[tuple]:
    """Keys of the rows of a public frame where any of ``cols`` is hidden (its ``_suppressed`` flag set)."""
    if frame is None or len(frame) == 0 or not set(keys) <= set(frame.columns):
        return set()
    flags = [frame[f"{c}_suppressed"].fillna("").astype(str).ne("").to_numpy() for c in cols
             if f"{c}_suppressed" in frame.columns]
    if not flags:
        return set()
    hidden = np.logical_or.reduce(flags)
    return set(map(tuple, frame.loc[hidden, keys].astype(str).to_numpy()))


def hidden_sources(tables: dict[str, pd.DataFrame | None]) -> dict[str, set]:
    """Per source, what the public ``tables`` hide: (area_id, problem) keys for crime (any year),
    notes and EST; area_ids for the survey (any share of the latest survey)."""
    crime = _hidden_rows(tables.get("area_year_counts"), ("n_incidents",), ["area_id", "problem"])
    crime |= _hidden_rows(tables.get("area_trends"), ("n_year", "n_prev", "mean_3y"), ["area_id", "problem"])
    sv = tables.get("survey_indicators")
    survey = set()
    if sv is not None and len(sv) and "survey_year" in sv.columns:
        latest = sv[sv["survey_year"] == sv["survey_year"].max()]
        survey = {a for a, in _hidden_rows(latest, ("share_pct",), ["area_id"])}
    return {"crime": crime, "survey": survey,
            "notes": _hidden_rows(tables.get("note_themes"), ("n_notes",), ["area_id", "problem"]),
            "est": _hidden_rows(tables.get("est_summary"), ("n_est_reports",), ["area_id", "problem"])}


def public_problembilder(pb: pd.DataFrame | None, tables: dict[str, pd.DataFrame | None] | None = None,
                         top_n: int | None = None) -> pd.DataFrame | None:
    """The ``top_n`` problembilder the report prioritises, without counts, places or explanations.
    With the public ``tables``: a component computed from counts they hide is blanked (NaN, its
    ``comp_<c>_suppressed`` flag "secondary"), and then the score, the triangulation component
    and the number of agreeing sources too (the score minus the shown components would give it
    back). The rank stays."""
    if pb is None or len(pb) == 0:
        return pb
    # Polisen's published events (events_*) are public on polisen.se: kept as they are
    keep = [c for c in pb.columns if c in PUBLIC_PROBLEMBILD_COLUMNS or str(c).startswith(("comp_", "events_"))]
    out = pb.sort_values("rank", kind="stable")
    out = (out.head(top_n) if top_n else out)[keep].copy()
    if tables is None:
        return out
    hidden = hidden_sources(tables)
    cols = [f"comp_{c}" for c in COMPONENT_SOURCE if f"comp_{c}" in out.columns]
    cols += [c for c in ("score", "n_sources_agree") if c in out.columns]
    for c in cols:
        out[c] = out[c].astype(float)
        out[f"{c}_suppressed"] = ""
    for i, r in out.iterrows():
        key = (str(r["area_id"]), str(r["problem"]))
        gone = {s for s in ("crime", "notes", "est") if key in hidden[s]} | ({"survey"} if key[0] in hidden["survey"] else set())
        if not gone:
            continue
        blank = [f"comp_{c}" for c, s in COMPONENT_SOURCE.items() if s in gone or s == "any"] + ["score", "n_sources_agree"]
        for c in (c for c in blank if c in out.columns):
            out.at[i, c] = np.nan
            out.at[i, f"{c}_suppressed"] = "secondary"
    return out


def public_reasons(reasons: pd.DataFrame | None) -> pd.DataFrame | None:
    """Quarantine reasons without what a raw row wrote (an unknown area or category name): one
    row per source and kind of reason."""
    if reasons is None or len(reasons) == 0:
        return reasons
    out = reasons.assign(reason=reasons["reason"].astype(str).map(reason_kind))
    return out.groupby(["source", "reason"], as_index=False, sort=False)["n_rows"].sum()


def public_terms(terms: str, docs: str | None, k: int, place_words: set[str]) -> str:
    """The theme words that ``k`` or more documents use and that do not name a place finer than an
    area (``docs``: the documents per word, aligned with ``terms``; without it no word is shown)."""
    words = [w.strip() for w in str(terms or "").split(",") if w.strip()]
    counts = [int(x) for x in str(docs).split(",") if x.strip()] if docs is not None and not pd.isna(docs) else []
    if len(counts) != len(words):
        return ""
    return ", ".join(w for w, c in zip(words, counts) if c >= k and w.lower() not in place_words)


def place_words(places: pd.DataFrame | None, areas: pd.DataFrame | None) -> set[str]:
    """Words of place names finer than an area (the gazetteer's names, less the area names' words)."""
    if places is None or len(places) == 0:
        return set()
    split = lambda s: {w for w in re.split(r"[^\w]+", str(s).lower()) if w}  # noqa: E731
    area_words = set().union(*(split(a) for a in areas["area_name"])) if areas is not None and len(areas) else set()
    return set().union(*(split(p) for p in places["place_name"])) - area_words


def public_tables(inputs: ReportInputs, pattern: dict[str, np.ndarray], cubes: dict) -> dict[str, pd.DataFrame]:
    """The frames the public version shows (the disclosure-controlled ones) under ``pattern``."""
    y = inputs.kommun.year
    out = {name: public_frame(name, getattr(inputs, name), cubes, pattern, y) for name in FRAME_CUBES}
    tt = out.get("text_topics")
    if tt is not None and len(tt):
        words = place_words(inputs.places, inputs.areas)
        docs = inputs.text_topics.get("term_docs", pd.Series([None] * len(tt), index=inputs.text_topics.index))
        tt["top_terms"] = [public_terms(t, d, inputs.privacy.min_count, words)
                           for t, d in zip(inputs.text_topics["top_terms"], docs)]
        out["text_topics"] = tt.drop(columns=["term_docs"], errors="ignore")
    return out


def make_public_inputs(inputs: ReportInputs, privacy: PrivacyParams | None = None) -> ReportInputs:
    """A copy of ``inputs`` fit for publication (module docstring): every table under the
    suppression pattern that the attacker could not break, grid layers coarsened, no quotes,
    places or free-text explanations. Raises DataError when a leak cannot be closed."""
    from pipeline.cycle.report_data import public_cycle

    privacy = privacy or inputs.privacy
    m, g = privacy.min_count, privacy.public_grid_m
    cubes = build_cubes(inputs, m, inputs.survey_min_n)
    pattern, tables = protect(cubes, lambda p: public_tables(inputs, p, cubes), inputs.kommun.year, m)
    # the public problembilder: only the prioritised ones, without components resting on hidden counts
    return dataclasses.replace(
        inputs, privacy=privacy, privacy_applied=True, **tables,
        grid_hotspots=coarsen_hotspots(inputs.grid_hotspots, g, m),
        emerging_hotspots=coarsen_emerging(inputs.emerging_hotspots, g),
        kde=coarsen_kde(inputs.kde, g, inputs.grid_hotspots, m),
        hour_weekday=primary_only(inputs.hour_weekday, m),
        month_profile=primary_only(inputs.month_profile, m),
        problembilder=public_problembilder(inputs.problembilder, tables, inputs.report.top_n),
        quarantine_reasons=public_reasons(inputs.quarantine_reasons),
        quality=inputs.quality[[c for c in ("source", "rows_read", "accepted", "quarantined") if c in inputs.quality]]
        if inputs.quality is not None and len(inputs.quality) else inputs.quality,
        places=None,
        cycle=public_cycle(inputs.cycle),  # registry and follow-up: pipeline/cycle/report_data.py
    )
