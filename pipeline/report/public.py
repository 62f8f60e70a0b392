"""The public version's inputs: small counts suppressed, grid layers coarsened, notes' quotes
and place names removed.

Rules (DESIGN.md, Privacy):

* A count under ``privacy.min_count`` is set to NaN and flagged in a companion boolean column
  ``<col>_suppressed``; the document prints it as ``<5``. Figures derived from such a count in the
  same row (rates, changes, harm days, shares) are set to NaN too, so they cannot be
  back-calculated.
* Grid layers are aggregated to square cells of ``privacy.public_grid_m`` aligned to the origin
  of EPSG:3006 (a fine cell belongs to the coarse cell holding its centroid). A coarse cell gets
  the strongest hot spot class of its fine cells (hot before cold, higher confidence first), the
  most common emerging hot spot pattern other than "no pattern", and the mean KDE density.
* Quotes from staff notes, top places and the free-text explanations of problembilder are
  dropped; a problembild's place becomes its area's name.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.config import PrivacyParams
from pipeline.report.inputs import ReportInputs

# count column -> columns derived from it in the same row (masked with it)
_DERIVED = {
    "n_year": ("rate_per_1000", "rate_ratio", "change_pct", "change_vs_3y_pct", "harm_days_year", "irr", "irr_low",
               "irr_high", "mean_3y"),
    "n_prev": ("change_pct",),
    "n_incidents": ("rate_per_1000", "harm_days", "mean_per_year", "top1_pct", "top5_pct", "top10_pct", "gini",
                    "gini_generalised"),
    "n_yes": ("share_pct", "ci_low_pct", "ci_high_pct", "diff_vs_rest_pp", "diff_vs_prev_pp", "rest_share_pct"),
}
def _derived_of(col: str) -> tuple[str, ...]:
    """Columns computed from count column ``col``, also under a prefix (``crime_n_year`` →
    ``crime_rate_per_1000``, …) as the evidence and problembilder tables name them."""
    for base, deps in _DERIVED.items():
        if col == base or col.endswith("_" + base):
            prefix = col[: len(col) - len(base)]
            return tuple(prefix + d for d in deps)
    return ()


_HOT_ORDER = ["hot_99", "hot_95", "hot_90", "cold_99", "cold_95", "cold_90", "not_significant"]
_NOT_COUNTS = {"rank", "rank_low", "rank_high", "n_sources", "n_cells", "n_weeks", "n_hot_steps", "n_cold_steps",
               "year", "survey_year", "month", "weekday", "hour"}


def _is_count(col: str) -> bool:
    return col not in _NOT_COUNTS and (col == "n" or col.startswith("n_") or col.endswith("_n") or "_n_" in col)


def suppress_counts(df: pd.DataFrame | None, min_count: int, extra: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """Mask every count column (``n``, ``n_*``, ``*_n``, ``*_n_*`` and ``extra``) below ``min_count``.

    Returns a copy with the count set to NaN, ``<col>_suppressed`` = True, and the columns
    derived from it (:data:`_DERIVED`) set to NaN in the same rows. Zero counts are suppressed
    too: "none" is also a small number.
    """
    if df is None or len(df) == 0:
        return df
    out = df.copy()
    for col in [c for c in df.columns if (_is_count(c) or c in extra) and not c.endswith("_suppressed")]:
        v = pd.to_numeric(out[col], errors="coerce")
        small = (v < min_count).fillna(False).to_numpy(bool)
        out[f"{col}_suppressed"] = small
        if small.any():
            out[col] = v.astype(float).where(~small)
            for dep in _derived_of(col):
                if dep in out.columns:
                    out[dep] = pd.to_numeric(out[dep], errors="coerce").astype(float).where(~small)
    return out


def _coarse_keys(cells: gpd.GeoDataFrame, size: float) -> tuple[np.ndarray, np.ndarray]:
    b = shapely.bounds(cells.geometry.to_numpy())  # centre of the bounding box = centroid of a square cell
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    return np.floor(cx / size).astype(np.int64), np.floor(cy / size).astype(np.int64)


def _mode_area(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The most frequent area_id per coarse cell (ties: smallest id); NA when none."""
    cnt = df.dropna(subset=["area_id"]).groupby(keys + ["area_id"]).size().rename("k").reset_index()
    cnt = cnt.sort_values(keys + ["k", "area_id"], ascending=[True] * len(keys) + [False, True], kind="stable")
    best = cnt.groupby(keys, as_index=False).first()[keys + ["area_id"]]
    return df[keys].drop_duplicates().merge(best, on=keys, how="left")


def _coarse_frame(keys: pd.DataFrame, size: float, crs) -> gpd.GeoDataFrame:
    geom = shapely.box(keys["gx"] * size, keys["gy"] * size, (keys["gx"] + 1) * size, (keys["gy"] + 1) * size)
    out = keys.assign(cell_id=[f"p{int(size)}_{x}_{y}" for x, y in zip(keys["gx"], keys["gy"])])
    return gpd.GeoDataFrame(out.drop(columns=["gx", "gy"]), geometry=geom, crs=crs)


def coarsen_hotspots(gh: gpd.GeoDataFrame, size: float, min_count: int) -> gpd.GeoDataFrame:
    """Gi* cells aggregated to ``size`` m: summed counts (then suppressed), strongest class."""
    if gh is None or len(gh) == 0:
        return gh
    gx, gy = _coarse_keys(gh, size)
    rank = gh["hotspot_class"].astype(str).map({c: i for i, c in enumerate(_HOT_ORDER)}).fillna(len(_HOT_ORDER))
    df = pd.DataFrame({"gx": gx, "gy": gy, "problem": gh["problem"].to_numpy(), "n_incidents": gh["n_incidents"].to_numpy(),
                       "harm_days": gh["harm_days"].to_numpy(), "_rank": rank.to_numpy(), "gi_z": gh["gi_z"].to_numpy(),
                       "gi_p": gh["gi_p"].to_numpy(), "gi_q": gh["gi_q"].to_numpy(),
                       "hotspot_class": gh["hotspot_class"].astype(str).to_numpy(), "area_id": gh["area_id"].to_numpy()})
    keys = ["problem", "gx", "gy"]
    best = df.sort_values(keys + ["_rank"], kind="stable").groupby(keys, as_index=False).first()
    sums = df.groupby(keys, as_index=False)[["n_incidents", "harm_days"]].sum()
    agg = sums.merge(best[keys + ["gi_z", "gi_p", "gi_q", "hotspot_class"]], on=keys).merge(_mode_area(df, keys), on=keys)
    out = _coarse_frame(agg, size, gh.crs)
    out = out[["cell_id", "problem", "n_incidents", "harm_days", "gi_z", "gi_p", "gi_q", "hotspot_class", "area_id", "geometry"]]
    return suppress_counts(out, min_count)


def coarsen_emerging(eh: gpd.GeoDataFrame, size: float) -> gpd.GeoDataFrame:
    """Emerging hot spot cells aggregated to ``size`` m: the most common pattern other than
    no_pattern (ties: alphabetical), else no_pattern."""
    if eh is None or len(eh) == 0:
        return eh
    gx, gy = _coarse_keys(eh, size)
    df = pd.DataFrame({"gx": gx, "gy": gy, "problem": eh["problem"].to_numpy(),
                       "ehs_category": eh["ehs_category"].astype(str).to_numpy(), "area_id": eh["area_id"].to_numpy()})
    keys = ["problem", "gx", "gy"]
    cells = df[keys].drop_duplicates()
    pat = df[df["ehs_category"] != "no_pattern"].groupby(keys + ["ehs_category"]).size().rename("k").reset_index()
    pat = pat.sort_values(keys + ["k", "ehs_category"], ascending=[True, True, True, False, True],
                          kind="stable").groupby(keys).first()
    agg = cells.merge(pat["ehs_category"].reset_index(), on=keys, how="left").fillna({"ehs_category": "no_pattern"})
    agg = agg.merge(_mode_area(df, keys), on=keys)
    for c in ("mk_tau", "mk_z", "mk_p"):
        agg[c] = np.nan
    out = _coarse_frame(agg.sort_values(keys), size, eh.crs)
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
    gx, gy = _coarse_keys(kde, size)
    keys = ["problem", "gx", "gy"]
    df = pd.DataFrame({"gx": gx, "gy": gy, "problem": kde["problem"].to_numpy(),
                       "density_per_km2_year": kde["density_per_km2_year"].astype(float).to_numpy()})
    agg = df.groupby(keys, as_index=False)["density_per_km2_year"].mean()
    if counts is not None and len(counts) and min_count > 0:
        cx, cy = _coarse_keys(counts, size)
        n = pd.DataFrame({"gx": cx, "gy": cy, "problem": counts["problem"].to_numpy(),
                          "n": pd.to_numeric(counts["n_incidents"], errors="coerce").to_numpy()})
        n = n.groupby(keys, as_index=False)["n"].sum()
        agg = agg.merge(n, on=keys, how="left")
        agg["density_per_km2_year"] = agg["density_per_km2_year"].where(agg["n"].fillna(0) >= min_count)
    return _coarse_frame(agg, size, kde.crs)[["cell_id", "problem", "density_per_km2_year", "geometry"]]


def make_public_inputs(inputs: ReportInputs, privacy: PrivacyParams) -> ReportInputs:
    """A copy of ``inputs`` fit for publication (see the module docstring for the rules)."""
    m, g = privacy.min_count, privacy.public_grid_m
    nt = suppress_counts(inputs.note_themes, m)
    if nt is not None and len(nt):
        nt = nt.assign(quotes="", top_place=pd.NA)
    stt = suppress_counts(inputs.survey_text_themes, m)
    if stt is not None and len(stt):
        stt = stt.assign(quotes="")  # residents' own words stay out of the public version
    es = suppress_counts(inputs.est_summary, m)
    if es is not None and len(es):
        es = es.assign(top_place=pd.NA)
    pb = inputs.problembilder
    if pb is not None and len(pb):
        # no quotes, no named places finer than the area: drop every text column that holds them
        finer = [c for c in pb.columns if c.endswith(("_quotes", "_top_place")) or c in ("place_name", "place_source")]
        pb = suppress_counts(pb, m).assign(place=pb["area"], explanation=pd.NA).drop(columns=finer)
        # Polisen's published events are public on polisen.se: their counts stay as they are
        public_events = [c for c in pb.columns if c.startswith("events_") and not c.endswith("_suppressed")]
        pb = pb.drop(columns=[f"{c}_suppressed" for c in public_events if f"{c}_suppressed" in pb.columns])
        pb[public_events] = inputs.problembilder[public_events]
    sv = inputs.survey_indicators
    if sv is not None and len(sv):
        sv = suppress_counts(sv, m)
        no = pd.to_numeric(sv["n"], errors="coerce") - pd.to_numeric(sv["n_yes"], errors="coerce")
        hide = (no < m).fillna(False) | sv["is_suppressed"].fillna(False).astype(bool) | sv["n_yes_suppressed"]
        for c in _DERIVED["n_yes"]:
            if c in sv.columns:
                sv[c] = sv[c].astype(float).where(~hide)
        sv["is_suppressed"] = hide.to_numpy(bool)
    return dataclasses.replace(
        inputs, privacy=privacy, privacy_applied=True,
        area_trends=suppress_counts(inputs.area_trends, m),
        area_year_counts=suppress_counts(inputs.area_year_counts, m),
        grid_hotspots=coarsen_hotspots(inputs.grid_hotspots, g, m),
        emerging_hotspots=coarsen_emerging(inputs.emerging_hotspots, g),
        kde=coarsen_kde(inputs.kde, g, inputs.grid_hotspots, m),
        concentration=suppress_counts(inputs.concentration, m),
        hour_weekday=suppress_counts(inputs.hour_weekday, m),
        month_profile=suppress_counts(inputs.month_profile, m),
        survey_indicators=sv, note_themes=nt, est_summary=es, problembilder=pb, survey_text_themes=stt,
        text_topics=suppress_counts(inputs.text_topics, m),
        survey_problem_index=suppress_counts(inputs.survey_problem_index, m),
        quality=suppress_counts(inputs.quality, m, extra=("rows_read", "accepted", "quarantined")),
        quarantine_reasons=suppress_counts(inputs.quarantine_reasons, m),
        # Polisen publishes every event with date, type and kommun on polisen.se: counts of them
        # reveal nothing that is not public, so they are shown as they are (and agree across tables)
        police_events_summary=inputs.police_events_summary,
    )
