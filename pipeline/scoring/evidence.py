"""The evidence table: one row per (area, problem family) with a column group per source.

Groups: ``crime_*`` (area_trends, grid_hotspots, emerging_hotspots), ``survey_*``
(survey_indicators), ``notes_*`` (note_themes), ``est_*`` (est_summary), and the place columns
``place_name``, ``place_share_pct``, ``place_source``, ``place``.

Candidates: every (area, family) with any evidence (see
:func:`pipeline.scoring.components.source_flags`). Kommun totals and the pseudo-problems "all"
and "harm" are not candidates.

Place-level problembilder: rather than a second, overlapping candidate (which would count the
same incidents twice), an (area, family) problembild is *narrowed to a place* — ``place`` is
filled — when a named place carries most of its evidence: the area's significant hot cells
(hot_95/hot_99 on the FDR-adjusted q) hold ≥ 50 % of its incidents and notes or EST name a top
place, or notes and EST name the same top place, or notes/EST give ``top_place_n`` (optional
column) with ≥ 50 % of their records at the top place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.problems import Families
from pipeline.scoring.components import source_flags

HOT = ("hot_95", "hot_99")
EHS_ORDER = ("new_hot", "intensifying_hot", "persistent_hot", "consecutive_hot", "sporadic_hot",
             "oscillating_hot", "diminishing_hot", "historical_hot")
PLACE_SHARE = 50.0
KEY = ["area_id", "problem"]
TREND_COLS = ["n_year", "n_prev", "change_pct", "mean_3y", "harm_days_year", "population", "rate_per_1000",
              "kommun_rate_per_1000", "rate_ratio", "rate_ratio_q", "irr", "irr_low", "irr_high", "irr_p", "irr_q",
              "trend_pct_per_year", "trend", "has_trend_fit", "year_rr", "year_rr_low", "year_rr_high", "year_q",
              "year_change", "verdict_code", "verdict_sv"]
SURVEY_COLS = ["share_pct", "n", "ci_low_pct", "ci_high_pct", "rest_share_pct", "diff_vs_rest_pp", "p_vs_rest",
               "prev_share_pct", "is_suppressed"]


def _empty(df) -> bool:
    return df is None or len(df) == 0


def _crime(area_trends, grid_hotspots, emerging_hotspots, fams) -> pd.DataFrame:
    parts = []
    if not _empty(area_trends):
        t = area_trends[area_trends["problem"].isin(fams)][KEY + [c for c in TREND_COLS if c in area_trends]]
        parts.append(t.rename(columns={c: f"crime_{c}" for c in TREND_COLS}).set_index(KEY))
    if not _empty(grid_hotspots):
        g = pd.DataFrame(grid_hotspots.drop(columns="geometry", errors="ignore"))
        g = g[g["problem"].isin(fams) & g["area_id"].notna()]
        g = g.assign(is_hot=g["hotspot_class"].isin(HOT), n_hot=lambda d: d["n_incidents"].where(d["is_hot"], 0))
        agg = g.groupby(KEY).agg(crime_n_hot_cells=("is_hot", "sum"), hot=("n_hot", "sum"), tot=("n_incidents", "sum"))
        agg["crime_hot_share_pct"] = np.where(agg["tot"] > 0, 100 * agg["hot"] / agg["tot"].where(agg["tot"] > 0), 0.0)
        parts.append(agg[["crime_n_hot_cells", "crime_hot_share_pct"]])
    if not _empty(emerging_hotspots):
        e = pd.DataFrame(emerging_hotspots.drop(columns="geometry", errors="ignore"))
        e = e[e["problem"].isin(fams) & e["area_id"].notna() & e["ehs_category"].isin(EHS_ORDER)]
        e = e.assign(order=e["ehs_category"].map({c: i for i, c in enumerate(EHS_ORDER)}))
        first = e.sort_values(KEY + ["order"]).groupby(KEY).first()
        agg = pd.DataFrame({"crime_ehs_category": first["ehs_category"],
                            "crime_n_emerging_cells": e[e["order"] < 4].groupby(KEY).size()})
        parts.append(agg)
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=KEY))


def _survey(si: pd.DataFrame, fams: Families) -> pd.DataFrame:
    """survey_* columns for every (area, family) of the survey's areas: the area's unsafe-evening
    indicator (survey_unsafe_*) and, for a family with a survey item, that item's big-problem
    indicator (survey_problem_*) with its relevance, the share over the area's largest
    unsuppressed item share."""
    if _empty(si):
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=KEY))
    si = si[si["area_id"] != "kommun"]
    areas, families = sorted(si["area_id"].unique()), fams.families
    out = pd.DataFrame({"area_id": np.repeat(areas, len(families)),
                        "problem": [f.id for f in families] * len(areas),
                        "survey_year": int(si["survey_year"].iloc[0])})
    unsafe = si[si["indicator"] == "unsafe_evening"].drop_duplicates("area_id")
    out = out.merge(unsafe[["area_id", *SURVEY_COLS]].rename(columns={c: f"survey_unsafe_{c}" for c in SURVEY_COLS}),
                    on="area_id", how="left")
    out["survey_item"] = out["problem"].map({f.id: f.survey_item for f in families if f.survey_item})
    items = si[si["indicator"].str.startswith("big_problem_")]
    first = items.drop_duplicates(["area_id", "indicator"])  # an (area, item) stated twice: the first
    first = first.assign(survey_item=first["indicator"].str.removeprefix("big_problem_"))
    out = out.merge(first[["area_id", "survey_item", *SURVEY_COLS]].rename(
        columns={c: f"survey_problem_{c}" for c in SURVEY_COLS}), on=["area_id", "survey_item"], how="left")
    top = out["area_id"].map(items[~items["is_suppressed"].astype(bool)].groupby("area_id")["share_pct"].max())
    shown = out["survey_problem_is_suppressed"].notna() & ~out["survey_problem_is_suppressed"].astype("boolean").fillna(True)
    out["survey_problem_relevance"] = (out["survey_problem_share_pct"] / top).where(shown & (top > 0))
    return out.set_index(KEY).rename(columns={"survey_unsafe_share_pct": "survey_unsafe_pct",
                                              "survey_problem_share_pct": "survey_problem_pct"})


def _source(df, prefix: str, cols: dict[str, str], fams) -> pd.DataFrame:
    if _empty(df):
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=KEY))
    d = df[df["problem"].isin(fams) & df["area_id"].notna()]
    keep = {k: f"{prefix}_{v}" for k, v in cols.items() if k in d.columns}
    return d.set_index(KEY)[list(keep)].rename(columns=keep)


EVENT_COLS = {"n_events": "n_year", "rate_per_10000": "rate_per_10000", "is_partial_year": "is_partial_year"}
EVENT_TREND_COLS = ("irr", "irr_low", "irr_high", "irr_q", "trend")


def _events(event_trends, event_year_counts, year, area_ids, fams, comparison=None) -> pd.DataFrame:
    """Polisen's events per family in the whole kommun, repeated for every area: events_n_year,
    events_rate_per_10000 and events_is_partial_year of the report year (the latest covered
    year up to it), and the series' events_irr, _irr_low, _irr_high, _irr_q, _trend."""
    if _empty(event_year_counts):
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=KEY))
    yc = event_year_counts[event_year_counts["problem"].isin(fams) & (event_year_counts["year"] <= year)]
    if not len(yc):
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=KEY))
    cur = yc[yc["year"] == yc["year"].max()].set_index("problem")[list(EVENT_COLS)]
    cur = cur.rename(columns={k: f"events_{v}" for k, v in EVENT_COLS.items()})
    if not _empty(event_trends):
        t = event_trends.set_index("problem")[list(EVENT_TREND_COLS)]
        cur = cur.join(t.rename(columns={c: f"events_{c}" for c in EVENT_TREND_COLS}), how="left")
    if not _empty(comparison):  # the level beside similar kommuner (same type, the kommun left out)
        rr = comparison[comparison["unit"] == "typ"].set_index("problem")[["rate_ratio", "rr_low", "rr_high"]]
        cur = cur.join(rr.rename(columns={"rate_ratio": "events_rate_ratio", "rr_low": "events_rr_low",
                                          "rr_high": "events_rr_high"}), how="left")
    rows = cur.reset_index().merge(pd.DataFrame({"area_id": area_ids}), how="cross")
    return rows.set_index(KEY)


def _place(ev: pd.DataFrame) -> pd.DataFrame:
    notes_top = ev.get("notes_top_place", pd.Series(pd.NA, index=ev.index)).astype("object")
    est_top = ev.get("est_top_place", pd.Series(pd.NA, index=ev.index)).astype("object")
    name = notes_top.where(notes_top.notna(), est_top)
    hot = pd.to_numeric(ev.get("crime_hot_share_pct", pd.Series(np.nan, index=ev.index)), errors="coerce")

    def share(prefix):
        n = pd.to_numeric(ev.get(f"{prefix}_top_place_n", pd.Series(np.nan, index=ev.index)), errors="coerce")
        return 100 * n / pd.to_numeric(ev.get(f"{prefix}_n", pd.Series(np.nan, index=ev.index)), errors="coerce")

    same = notes_top.notna() & est_top.notna() & (notes_top.astype(str).str.lower() == est_top.astype(str).str.lower())
    by_hot = (hot >= PLACE_SHARE) & name.notna()
    by_notes = (share("notes") >= PLACE_SHARE) & notes_top.notna()
    by_est = (share("est") >= PLACE_SHARE) & est_top.notna()
    src = pd.Series(pd.NA, index=ev.index, dtype="object")
    src[by_est] = "est"
    src[by_notes] = "notes"
    src[same] = "notes+est"
    src[by_hot] = "hotspot"
    pshare = hot.where(by_hot, share("notes").where(by_notes & ~by_hot, share("est").where(by_est & ~by_hot & ~by_notes)))
    return pd.DataFrame({"place_name": name, "place_share_pct": pshare, "place_source": src,
                         "place": name.where(src.notna())}, index=ev.index)


def build_evidence(area_trends, grid_hotspots, emerging_hotspots, survey_indicators, note_themes,
                   est_summary, areas, families: Families, *, event_trends=None, event_year_counts=None,
                   year: int | None = None, event_comparison=None) -> pd.DataFrame:
    """One row per candidate (area_id, problem); any source frame may be None or empty.

    Columns: area_id, area, problem, problem_label, is_signal; crime_<c> for every c in
    :data:`TREND_COLS` (counts, rates, the rate test's q, the trend, the this-year test and the
    verdict: crime_verdict_code, crime_verdict_sv), crime_n_hot_cells, crime_hot_share_pct, crime_ehs_category,
    crime_n_emerging_cells; survey_year, survey_item, survey_unsafe_{pct, n, ci_low_pct,
    ci_high_pct, rest_share_pct, diff_vs_rest_pp, p_vs_rest, prev_share_pct, is_suppressed},
    survey_problem_{same}, survey_problem_relevance; notes_n, notes_n_verksamheter,
    notes_top_place, notes_quotes; est_n, est_n_weeks, est_top_place; place_name,
    place_share_pct, place_source, place; events_n_year, events_rate_per_10000,
    events_is_partial_year, events_irr, events_irr_low, events_irr_high, events_irr_q,
    events_trend, events_rate_ratio, events_rr_low, events_rr_high (the rate beside kommuner of the
    same type) (Polisen's events of the whole kommun, the same on every area). Sorted by area
    (areas order) then family order.

    Candidates are the (area, family) pairs with evidence from crime, survey, notes or EST; in a
    kommun-level run (a single area: the lägesbild from public events only) a family with
    Polisen events in the report year is a candidate too.
    """
    fams = families.ids
    notes = _source(note_themes, "notes", {"n_notes": "n", "n_verksamheter": "n_verksamheter",
                                           "top_place": "top_place", "top_place_n": "top_place_n",
                                           "quotes": "quotes"}, fams)
    est = _source(est_summary, "est", {"n_est_reports": "n", "n_weeks": "n_weeks", "top_place": "top_place",
                                       "top_place_n": "top_place_n"}, fams)
    area_ids = list(areas["area_id"].astype(str))
    events = _events(event_trends, event_year_counts, year if year is not None else 9999, area_ids, fams,
                     event_comparison)
    ev = pd.concat([_crime(area_trends, grid_hotspots, emerging_hotspots, fams), _survey(survey_indicators, families),
                    notes, est, events], axis=1).reset_index()
    ev = ev[ev["area_id"].astype(str).isin(area_ids)]
    for col in ("crime_n_year", "crime_n_prev", "crime_n_hot_cells", "crime_n_emerging_cells", "notes_n",
                "notes_n_verksamheter", "est_n", "est_n_weeks"):
        ev[col] = pd.to_numeric(ev[col], errors="coerce").fillna(0).astype("int64") if col in ev else 0
    candidate = source_flags(ev)[["has_crime", "has_survey", "has_notes", "has_est"]].any(axis=1)
    if len(area_ids) == 1 and "events_n_year" in ev:  # kommun-level run: events make candidates
        candidate |= pd.to_numeric(ev["events_n_year"], errors="coerce").fillna(0) > 0
    ev = ev[candidate].copy()
    names = dict(zip(areas["area_id"].astype(str), areas["area_name"].astype(str)))
    ev.insert(1, "area", ev["area_id"].map(names))
    ev.insert(3, "problem_label", ev["problem"].map(families.label_sv))
    ev.insert(4, "is_signal", ev["problem"].map(lambda p: families.get(p).signal))
    ev = pd.concat([ev, _place(ev)], axis=1)
    order_a = {a: i for i, a in enumerate(area_ids)}
    order_p = {p: i for i, p in enumerate(fams)}
    ev = ev.assign(_a=ev["area_id"].map(order_a), _p=ev["problem"].map(order_p)).sort_values(["_a", "_p"])
    return ev.drop(columns=["_a", "_p"]).reset_index(drop=True)
