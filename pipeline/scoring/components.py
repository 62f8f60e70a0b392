"""Scoring components of a problembild, each on [0, 1], and the weighted score.

Every component is computed from the evidence table alone (pipeline.scoring.evidence), so the
ranking bootstrap can perturb evidence columns and score again. Crime evidence counts only
where it is calibrated: a rate, trend, hot cell or emerging hot spot that could be chance
(its test not significant after Benjamini–Hochberg) contributes nothing, so a rare family
cannot reach the top on noise. Scales (docs/methods-scoring.md):

=================  ===========================================================================
harm_volume        clip(1 + log10(harm days / max harm days over candidates) / 2, 0, 1): the
                   largest → 1, a tenth of it → 0.5, a hundredth or less → 0
rate_ratio         clip(log2(rate ratio to the kommun) / 2, 0, 1) where the area's rate is
                   significantly above the rest of the kommun (rate_ratio_q < 0.05), else 0:
                   RR 2 → 0.5, ≥ 4 → 1
trend              the verdict (area_trends): a significant rising trend gives
                   clip(ln IRR / ln 3, 0, 1), a significant increase this year
                   clip(ln RR_year / ln 3, 0, 1) (1 when last year had none); the larger of the
                   two; 0 without a significant rise
concentration      0.6 · share of the area's incidents in significant hot cells (hot_95/hot_99,
                   exact random-placement test, FDR) + 0.4 · emerging-hotspot class score
                   (new/intensifying 1, persistent/consecutive 0.75, sporadic/oscillating 0.5,
                   diminishing/historical 0.25)
signal             1 if the family is a signal crime (Brå), else 0
survey_unsafe      clip(unsafe % / 50, 0, 1) × (0.5 + 0.5 · relevance); relevance = the family's
                   big-problem share / the area's largest big-problem share (0.5 for families
                   without a survey item); 0 when suppressed
survey_problem     clip(big-problem % / 50, 0, 1); 0 without item or when suppressed
notes              0.5 · log1p(notes)/log1p(max) + 0.5 · verksamheter / max verksamheter
est                0.5 · log1p(reports)/log1p(max) + 0.5 · weeks / max weeks
triangulation      sources that agree (crime, survey, notes, est) / 4
events             Polisen's published events for the family in the whole kommun (the same for
                   every area): 0.5 · trend part + 0.5 · level part; trend part on the event
                   series' IRR > 1: clip(ln IRR / ln 3, 0, 1) × (1 if irr_q < 0.05 else 0.5);
                   level part clip(log2(events rate / the
                   comparison rate) / 2, 0, 1) where a comparison rate is given, else 0
=================  ===========================================================================

``score = Σ w_c · comp_c / Σ w_c``. The scales and thresholds are judgement calls made
explicit (hand-written: no library scores problembilder); they follow Brå's prioritisation
criteria (frequency, trend, deviation, exposed places, signal crimes, perceived unsafety)
rather than any published formula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import DataError
from pipeline.problems import Families

COMPONENTS = ("harm_volume", "rate_ratio", "trend", "concentration", "signal", "survey_unsafe",
              "survey_problem", "notes", "est", "triangulation", "events")
EHS_SCORE = {"new_hot": 1.0, "intensifying_hot": 1.0, "persistent_hot": 0.75, "consecutive_hot": 0.75,
             "sporadic_hot": 0.5, "oscillating_hot": 0.5, "diminishing_hot": 0.25, "historical_hot": 0.25}
ALPHA = 0.05
SURVEY_FULL_PCT = 50.0       # a share of 50 % or more scores 1
NOTES_AGREE = 2              # notes agree from 2 notes, EST from 2 reports
EST_AGREE = 2
SOURCES = ("crime", "survey", "notes", "est")


def _num(ev, col: str, fill: float = np.nan) -> np.ndarray:
    """Column as float array (``fill`` where absent); ``ev`` is a DataFrame or a dict of arrays."""
    n = len(ev["problem"])
    if col not in ev:
        return np.full(n, fill, dtype="float64")
    try:
        return np.asarray(ev[col], dtype="float64")
    except (TypeError, ValueError):
        pass
    return pd.to_numeric(pd.Series(np.asarray(ev[col], dtype="object")), errors="coerce").to_numpy(dtype="float64")


def _flag(ev, col: str) -> np.ndarray:
    """Column as bool array (NA and absent: False)."""
    if col not in ev:
        return np.zeros(len(ev["problem"]), dtype=bool)
    values = ev[col]
    if isinstance(values, np.ndarray) and values.dtype == bool:  # already read (score_columns)
        return values
    return pd.Series(np.asarray(values, dtype="object")).astype("boolean").fillna(False).to_numpy(dtype=bool)


def score_columns(ev: pd.DataFrame) -> dict[str, np.ndarray]:
    """The evidence's columns as the arrays :func:`score_arrays` reads without converting them
    again: ``*_is_suppressed`` flags as bool, numbers as float64, the rest as they are. For the
    bootstrap, which scores the same frame hundreds of times with a few columns changed."""
    out = {}
    for c in ev.columns:
        if str(c).endswith("_is_suppressed"):
            out[c] = _flag(ev, c)
        elif pd.api.types.is_numeric_dtype(ev[c]) and not pd.api.types.is_bool_dtype(ev[c]):
            out[c] = _num(ev, c)
        else:
            out[c] = ev[c].to_numpy()
    return out


def _cat(ev, col: str) -> np.ndarray:
    if col not in ev:
        return np.full(len(ev["problem"]), None, dtype="object")
    return np.asarray(ev[col], dtype="object")


_LARGEST = np.finfo("float64").max


def _z(x: np.ndarray) -> np.ndarray:
    """x with NaN as 0 and negatives as 0 (+inf as the largest float), as
    ``np.clip(np.nan_to_num(x, nan=0.0), 0, None)``; for a float array without nan_to_num's
    per-call overhead (a third of the time: the ranking's redraws call this thousands of times)."""
    x = np.asarray(x)
    if x.dtype != np.float64:
        return np.clip(np.nan_to_num(x, nan=0.0), 0, None)
    out = np.where(np.isnan(x), 0.0, x)
    np.clip(out, 0.0, _LARGEST, out=out)
    out += 0.0  # -0.0 becomes 0.0, as nan_to_num and clip gave
    return out


def _log_rel(x: np.ndarray) -> np.ndarray:
    x = _z(x)
    top = np.log1p(x.max()) if len(x) else 0.0
    return np.log1p(x) / top if top > 0 else x * 0.0


def _log_span(x: np.ndarray, decades: float = 2.0) -> np.ndarray:
    x = _z(x)
    top = x.max() if len(x) else 0.0
    if not top > 0:
        return x * 0.0
    with np.errstate(divide="ignore"):
        return np.nan_to_num(np.clip(1 + np.log10(x / top) / decades, 0, 1), nan=0.0)


def _rel(x: np.ndarray) -> np.ndarray:
    x = _z(x)
    top = x.max() if len(x) else 0.0
    return x / top if top > 0 else x * 0.0


def _rate_excess(ev) -> np.ndarray:
    """The area's rate is significantly above the rest of the kommun (rate_ratio_q < ALPHA)."""
    with np.errstate(invalid="ignore"):
        return (np.nan_to_num(_num(ev, "crime_rate_ratio_q"), nan=1.0) < ALPHA) & (_num(ev, "crime_rate_ratio") > 1)


def _rise(ev) -> tuple[np.ndarray, np.ndarray]:
    """(significant rising trend, significant increase this year) from the verdict columns."""
    return _cat(ev, "crime_trend") == "rising", _cat(ev, "crime_year_change") == "increase"


def _flags(ev) -> dict[str, np.ndarray]:
    f = {}
    n_year = _z(_num(ev, "crime_n_year", 0))
    sp = _num(ev, "survey_problem_pct")
    f["has_crime"] = n_year > 0
    f["has_survey"] = ~np.isnan(sp) & (np.nan_to_num(sp) > 0) & ~_flag(ev, "survey_problem_is_suppressed")
    f["has_notes"] = _z(_num(ev, "notes_n", 0)) > 0
    f["has_est"] = _z(_num(ev, "est_n", 0)) > 0
    rising, increase = _rise(ev)
    with np.errstate(invalid="ignore"):
        f["agree_crime"] = f["has_crime"] & (_rate_excess(ev) | rising | increase
                                             | (_z(_num(ev, "crime_n_hot_cells", 0)) > 0))
        diff, ps = _num(ev, "survey_problem_diff_vs_rest_pp"), _num(ev, "survey_problem_p_vs_rest")
        f["agree_survey"] = f["has_survey"] & (diff > 0) & (ps < ALPHA)
    f["agree_notes"] = _z(_num(ev, "notes_n", 0)) >= NOTES_AGREE
    f["agree_est"] = _z(_num(ev, "est_n", 0)) >= EST_AGREE
    f["n_sources"] = sum(f[f"has_{s}"].astype("int64") for s in SOURCES)
    f["n_sources_agree"] = sum(f[f"agree_{s}"].astype("int64") for s in SOURCES)
    return f


def _components(ev, families: Families, flags: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    c = {}
    c["harm_volume"] = _log_span(_num(ev, "crime_harm_days_year", 0))
    rr = _num(ev, "crime_rate_ratio")
    irr, year_rr = _num(ev, "crime_irr"), _num(ev, "crime_year_rr")
    rising, increase = _rise(ev)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr_comp = np.nan_to_num(np.clip(np.log2(np.where(rr > 0, rr, np.nan)) / 2, 0, 1), nan=0.0)
        c["rate_ratio"] = np.where(_rate_excess(ev), rr_comp, 0.0)
        long_term = np.nan_to_num(np.clip(np.log(irr) / np.log(3), 0, 1), nan=0.0)
        this_year = np.nan_to_num(np.clip(np.log(year_rr) / np.log(3), 0, 1), nan=1.0)  # NaN: none last year
    c["trend"] = np.maximum(np.where(rising, long_term, 0.0), np.where(increase, this_year, 0.0))
    hot = np.clip(_z(_num(ev, "crime_hot_share_pct", 0)) / 100, 0, 1)
    ehs = np.array([EHS_SCORE.get(x, 0.0) if isinstance(x, str) else 0.0 for x in _cat(ev, "crime_ehs_category")])
    c["concentration"] = 0.6 * hot + 0.4 * ehs
    sig = {f.id: 1.0 if f.signal else 0.0 for f in families.families}
    c["signal"] = np.array([sig.get(x, 0.0) for x in _cat(ev, "problem")], dtype="float64")
    unsafe = np.clip(_num(ev, "survey_unsafe_pct") / SURVEY_FULL_PCT, 0, 1)
    unsafe = np.nan_to_num(np.where(_flag(ev, "survey_unsafe_is_suppressed"), 0.0, unsafe))
    rel = np.nan_to_num(np.clip(_num(ev, "survey_problem_relevance"), 0, 1), nan=0.5)
    c["survey_unsafe"] = unsafe * (0.5 + 0.5 * rel)
    sp = np.clip(_num(ev, "survey_problem_pct") / SURVEY_FULL_PCT, 0, 1)
    c["survey_problem"] = np.nan_to_num(np.where(_flag(ev, "survey_problem_is_suppressed"), 0.0, sp))
    c["notes"] = 0.5 * _log_rel(_num(ev, "notes_n", 0)) + 0.5 * _rel(_num(ev, "notes_n_verksamheter", 0))
    c["est"] = 0.5 * _log_rel(_num(ev, "est_n", 0)) + 0.5 * _rel(_num(ev, "est_n_weeks", 0))
    c["triangulation"] = flags["n_sources_agree"] / len(SOURCES)
    c["events"] = _events_component(ev)
    return {k: np.asarray(v, dtype="float64") for k, v in c.items()}


def _events_component(ev) -> np.ndarray:
    """Polisen's events (kommun level, owned by the events source; see the module table)."""
    irr, q = _num(ev, "events_irr"), _num(ev, "events_irr_q")
    rr = _num(ev, "events_rate_ratio")
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.clip(np.log(np.where(irr > 0, irr, np.nan)) / np.log(3), 0, 1)
        trend = np.nan_to_num(np.where(irr > 1, mag * np.where(q < ALPHA, 1.0, 0.5), 0.0))
        level = np.nan_to_num(np.clip(np.log2(np.where(rr > 0, rr, np.nan)) / 2, 0, 1))
    return 0.5 * trend + 0.5 * level


def source_flags(ev: pd.DataFrame) -> pd.DataFrame:
    """has_<source> (any evidence) and agree_<source> (evidence pointing to a problem), plus
    n_sources and n_sources_agree.

    has_crime: crimes in the report year > 0. has_survey: a non-suppressed big-problem estimate
    for the family's item with a share > 0. has_notes / has_est: at least one note / report.
    agree_crime: a significantly higher rate than the rest of the kommun, or a significant rise
    in the verdict (rising trend or an increase this year), or a significant hot cell — every
    one after Benjamini–Hochberg. agree_survey: the item share is significantly above the rest of the kommun
    (p < 0.05). agree_notes: ≥ 2 notes; agree_est: ≥ 2 reports.
    """
    return pd.DataFrame(_flags(ev), index=ev.index)


def components(ev: pd.DataFrame, families: Families) -> pd.DataFrame:
    """comp_<name> for every name in :data:`COMPONENTS`, each in [0, 1] (scales in the module doc)."""
    comp = _components(ev, families, _flags(ev))
    return pd.DataFrame({f"comp_{k}": comp[k] for k in COMPONENTS}, index=ev.index)


def score_arrays(ev, w: dict[str, float], families: Families) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, comp_harm_volume, n_sources_agree) as arrays: the fast path of the bootstrap.
    ``w`` must come from :func:`check_weights`."""
    flags = _flags(ev)
    comp = _components(ev, families, flags)
    score = sum(w[k] * comp[k] for k in COMPONENTS) / sum(w.values())
    return score, comp["harm_volume"], flags["n_sources_agree"]


def check_weights(weights: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(weights) - set(COMPONENTS))
    if unknown:
        raise DataError(f"scoring.weights: unknown component(s) {unknown}; allowed: {list(COMPONENTS)}")
    if any(v < 0 for v in weights.values()) or sum(weights.values()) <= 0:
        raise DataError("scoring.weights: weights must be >= 0 with a positive sum")
    return {k: float(weights.get(k, 0.0)) for k in COMPONENTS}


def score_problems(evidence: pd.DataFrame, weights: dict[str, float], families: Families) -> pd.DataFrame:
    """Evidence plus has_*/agree_*/n_sources/n_sources_agree, comp_<name> and
    ``score = Σ w·comp / Σ w`` (weights missing from the dict count as 0)."""
    w = check_weights(weights)
    flags = pd.DataFrame(_flags(evidence), index=evidence.index)
    comp = components(evidence, families)
    out = pd.concat([evidence.drop(columns=[c for c in [*flags.columns, *comp.columns, "score"]
                                            if c in evidence.columns]), flags, comp], axis=1)
    out["score"] = sum(w[k] * comp[f"comp_{k}"] for k in COMPONENTS) / sum(w.values())
    return out
