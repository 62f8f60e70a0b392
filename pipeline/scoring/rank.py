"""Ranking of problembilder with bootstrap rank intervals and a weight-sensitivity table.

Bootstrap (hand-written; docs/methods-scoring.md §Uncertainty). Each draw perturbs the evidence
and scores it again with :func:`pipeline.scoring.components.score_problems`:

- incidents: the counts of the report year Y and the year before P of each (area, problem)
  are redrawn Poisson(Y), Poisson(P) (the parametric form of resampling incidents); harm days and
  the rate ratio scale by Y*/Y, the IRR and this year's rate ratio by
  ((Y*+½)/(P*+½)) / ((Y+½)/(P+½)). Hotspot classes, significance flags (the verdict, the rate
  test) and the kommun rate stay fixed (re-running every test per draw is too costly).
- survey respondents: the valid answers of each (area, indicator) are resampled with
  replacement and the weighted share recomputed (weights travel with the respondent).
- notes: the notes of each area are resampled with replacement; per family the number of
  drawn notes tagged with it and the number of distinct verksamheter among them are recounted.
- EST reports stay fixed.

rank_low / rank_high are the 2.5 % and 97.5 % percentiles of the draw ranks ("lower"/"higher"
interpolation), widened to include the point rank. Same seed, same inputs → same result.

Tie rule (point ranking and every draw): score descending, then comp_harm_volume descending,
then n_sources_agree descending, then area_id and problem ascending.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.problems import Families
from pipeline.scoring.components import COMPONENTS, check_weights, score_arrays, score_columns, score_problems

WEIGHT_SETS = {
    "equal": ("Lika vikter", {k: 1.0 for k in COMPONENTS}),
    "harm_only": ("Endast skadevikt", {"harm_volume": 1.0}),
    "perception_only": ("Endast upplevelse (enkät)", {"survey_unsafe": 1.0, "survey_problem": 1.0}),
}


@dataclass(frozen=True)
class BootstrapInputs:
    """What the ranking bootstrap resamples; any part may be None (that source stays fixed).

    year: the report year.
    crime_counts: area_year_counts (area_id, problem, year, n_incidents, ...).
    survey_flags: :func:`pipeline.stats.survey.respondent_flags` (response_id, survey_year,
        area_id, indicator, y, weight); only the latest survey year is used.
    note_problems: :func:`note_problems` (note_id, area_id, problem, verksamhet).
    """

    year: int
    crime_counts: pd.DataFrame | None = None
    survey_flags: pd.DataFrame | None = None
    note_problems: pd.DataFrame | None = None


def note_problems(notes: pd.DataFrame) -> pd.DataFrame:
    """One row per (note, tagged family): note_id, area_id, problem, verksamhet. Notes without
    area or tags are dropped (they cannot count towards an area's problembild)."""
    d = notes[notes["area_id"].notna() & notes["problems"].notna()][["note_id", "area_id", "problems", "verksamhet"]]
    d = d.assign(problem=d["problems"].astype(str).str.split(";")).explode("problem")
    d["problem"] = d["problem"].str.strip()
    d = d[d["problem"] != ""].drop(columns="problems")
    return d[["note_id", "area_id", "problem", "verksamhet"]].drop_duplicates().reset_index(drop=True)


def order_frame(scored) -> np.ndarray:
    """Positions (0-based) of rows in ranking order under the tie rule in the module doc
    (``scored``: a DataFrame or dict with problem, area_id, n_sources_agree, comp_harm_volume,
    score)."""
    keys = (np.asarray(scored["problem"]).astype(str), np.asarray(scored["area_id"]).astype(str),
            -np.asarray(scored["n_sources_agree"], dtype="float64"),
            -np.round(np.asarray(scored["comp_harm_volume"], dtype="float64"), 12),
            -np.round(np.asarray(scored["score"], dtype="float64"), 12))
    return np.lexsort(keys)


def _ranks(scored) -> np.ndarray:
    r = np.empty(len(scored["problem"]), dtype="int64")
    r[order_frame(scored)] = np.arange(1, len(r) + 1)
    return r


def _crime_draws(ev, counts, year, draws, rng):
    if counts is None or len(counts) == 0:
        return None
    c = counts.groupby(["area_id", "problem", "year"])["n_incidents"].sum()
    idx_y = pd.MultiIndex.from_arrays([ev["area_id"], ev["problem"], np.full(len(ev), year)])
    idx_p = pd.MultiIndex.from_arrays([ev["area_id"], ev["problem"], np.full(len(ev), year - 1)])
    y = c.reindex(idx_y).fillna(0).to_numpy(dtype="float64")
    p = c.reindex(idx_p).fillna(0).to_numpy(dtype="float64")
    return y, p, rng.poisson(y, size=(draws, len(ev))).astype("float64"), rng.poisson(p, size=(draws, len(ev))).astype("float64")


def _survey_draws(flags, draws, rng) -> dict:
    if flags is None or len(flags) == 0:
        return {}
    cur = flags[flags["survey_year"] == flags["survey_year"].max()]
    out = {}
    for (area, ind), g in sorted(cur.groupby(["area_id", "indicator"]), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        y, w = g["y"].to_numpy(dtype="float64"), g["weight"].to_numpy(dtype="float64")
        i = rng.integers(0, len(g), size=(draws, len(g)))
        out[(str(area), ind)] = 100 * (w[i] * y[i]).sum(axis=1) / w[i].sum(axis=1)
    return out


def _note_draws(nprob, fams, draws, rng) -> dict:
    if nprob is None or len(nprob) == 0:
        return {}
    out = {}
    for area, g in sorted(nprob.groupby("area_id"), key=lambda kv: str(kv[0])):
        ids = sorted(g["note_id"].astype(str).unique())
        pos = {n: i for i, n in enumerate(ids)}
        verks = sorted(g["verksamhet"].fillna("").astype(str).unique())
        M = np.zeros((len(ids), len(fams)))
        V = np.zeros((len(ids), len(verks)))
        for r in g.itertuples(index=False):
            if r.problem in fams:
                M[pos[str(r.note_id)], fams.index(r.problem)] = 1
            V[pos[str(r.note_id)], verks.index("" if pd.isna(r.verksamhet) else str(r.verksamhet))] = 1
        i = rng.integers(0, len(ids), size=(draws, len(ids)))
        n = M[i].sum(axis=1)                                             # draws × families
        nv = (np.einsum("dmp,dmk->dpk", M[i], V[i]) > 0).sum(axis=2)     # distinct verksamheter
        for j, f in enumerate(fams):
            out[(str(area), f)] = (n[:, j], nv[:, j])
    return out


def _aligned(ev: pd.DataFrame, draws_by_key: dict, keys: list, draws: int, which: int | None = None) -> np.ndarray:
    """draws × rows matrix from per-key draw vectors (NaN where a row has no draws)."""
    out = np.full((draws, len(ev)), np.nan)
    for j, k in enumerate(keys):
        if k in draws_by_key:
            v = draws_by_key[k]
            out[:, j] = v if which is None else v[which]
    return out


def _perturbations(ev, bi: BootstrapInputs, families: Families, draws: int, rng) -> list[tuple[str, np.ndarray]]:
    """(column, draws × rows matrix of replacement values; NaN = keep the observed value)."""
    out = []
    crime = _crime_draws(ev, bi.crime_counts, bi.year, draws, rng)
    if crime is not None:
        y, p, Y, P = crime
        has = (y > 0) | (p > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(y > 0, Y / y, 1.0)
            g = ((Y + 0.5) / (P + 0.5)) / ((y + 0.5) / (p + 0.5))
        out.append(("crime_n_year", np.where(has, Y, np.nan)))
        for col in ("crime_harm_days_year", "crime_rate_ratio"):
            if col in ev:
                out.append((col, np.where(has, ev[col].to_numpy(dtype="float64") * f, np.nan)))
        for col in ("crime_irr", "crime_year_rr"):
            if col in ev:
                out.append((col, np.where(has, ev[col].to_numpy(dtype="float64") * g, np.nan)))
    survey = _survey_draws(bi.survey_flags, draws, rng)
    if survey:
        a = ev["area_id"].astype(str).tolist()
        if "survey_unsafe_pct" in ev:
            out.append(("survey_unsafe_pct", _aligned(ev, survey, [(x, "unsafe_evening") for x in a], draws)))
        if "survey_problem_pct" in ev and "survey_item" in ev:
            items = ev["survey_item"].tolist()
            keys = [(x, f"big_problem_{it}") if isinstance(it, str) else None for x, it in zip(a, items)]
            out.append(("survey_problem_pct", _aligned(ev, survey, keys, draws)))
    notes = _note_draws(bi.note_problems, families.ids, draws, rng)
    if notes:
        keys = list(zip(ev["area_id"].astype(str), ev["problem"].astype(str)))
        out.append(("notes_n", _aligned(ev, notes, keys, draws, 0)))
        out.append(("notes_n_verksamheter", _aligned(ev, notes, keys, draws, 1)))
    return out


def _ranked(scored: pd.DataFrame) -> pd.DataFrame:
    out = scored.iloc[order_frame(scored)].copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def rank_problems(evidence: pd.DataFrame, weights: dict[str, float], families: Families,
                  bootstrap_inputs: BootstrapInputs | None, draws: int, seed: int, *,
                  top_n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score, rank and bootstrap the problembilder; return (problembilder, sensitivity).

    problembilder: rank, rank_low, rank_high, area_id, area, place, problem, problem_label,
    score, comp_<name> ×10, has_crime, has_survey, has_notes, has_est, n_sources,
    n_sources_agree, explanation (NA; :func:`pipeline.scoring.explain.add_explanations` fills
    it), then every evidence column. Sorted by rank.

    sensitivity (long): weight_set (base, equal, harm_only, perception_only), weight_set_label,
    rank, area_id, area, place, problem, problem_label, score, base_rank, is_in_base_top — the
    top ``top_n`` under each weight set.
    """
    ev = evidence.reset_index(drop=True)
    scored = score_problems(ev, weights, families)
    point = _ranks(scored)
    low, high = point.copy(), point.copy()
    if bootstrap_inputs is not None and draws > 0 and len(ev):
        rng = np.random.default_rng(seed)
        pert = _perturbations(ev, bootstrap_inputs, families, draws, rng)
        w = check_weights(weights)
        base = score_columns(ev)
        observed = {col: pd.to_numeric(pd.Series(base[col]), errors="coerce").to_numpy(dtype="float64")
                    for col, _ in pert}
        R = np.empty((draws, len(ev)), dtype="int64")
        for d in range(draws):
            cols = dict(base)
            for col, m in pert:
                cols[col] = np.where(np.isnan(m[d]), observed[col], m[d])
            score, harm, agree = score_arrays(cols, w, families)
            R[d] = _ranks({"problem": base["problem"], "area_id": base["area_id"], "score": score,
                           "comp_harm_volume": harm, "n_sources_agree": agree})
        low = np.minimum(np.percentile(R, 2.5, axis=0, method="lower"), point).astype("int64")
        high = np.maximum(np.percentile(R, 97.5, axis=0, method="higher"), point).astype("int64")
    scored = scored.assign(rank_low=low, rank_high=high, explanation=pd.Series(pd.NA, index=scored.index, dtype="object"))
    ranked = _ranked(scored)
    if "place" not in ranked:
        ranked["place"] = pd.NA
    head = ["rank", "rank_low", "rank_high", "area_id", "area", "place", "problem", "problem_label", "score",
            *[f"comp_{k}" for k in COMPONENTS], "has_crime", "has_survey", "has_notes", "has_est", "n_sources",
            "n_sources_agree", "explanation"]
    problembilder = ranked[head + [c for c in ranked.columns if c not in head]].reset_index(drop=True)
    return problembilder, sensitivity(ev, weights, families, problembilder, top_n)


def sensitivity(evidence, weights, families, problembilder, top_n: int = 10) -> pd.DataFrame:
    """Top ``top_n`` under the base weights and each alternative set in :data:`WEIGHT_SETS`."""
    base = problembilder.set_index(["area_id", "problem"])["rank"]
    frames = []
    for key, (label, w) in [("base", ("Valda vikter", weights)), *WEIGHT_SETS.items()]:
        r = _ranked(score_problems(evidence, w, families)).head(top_n)
        b = base.reindex(pd.MultiIndex.from_frame(r[["area_id", "problem"]])).to_numpy()
        frames.append(pd.DataFrame({
            "weight_set": key, "weight_set_label": label, "rank": r["rank"].to_numpy(),
            "area_id": r["area_id"].to_numpy(), "area": r["area"].to_numpy(),
            "place": r["place"].to_numpy() if "place" in r else pd.NA, "problem": r["problem"].to_numpy(),
            "problem_label": r["problem_label"].to_numpy(), "score": r["score"].to_numpy(),
            "base_rank": b, "is_in_base_top": b <= top_n}))
    return pd.concat(frames, ignore_index=True)
