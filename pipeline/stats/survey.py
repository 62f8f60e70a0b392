"""Survey indicators (medborgardialog / trygghetsmätning) per area and for the kommun.

Indicators (DOMAIN.md §2; formulas and choices in docs/methods-survey.md):

- ``unsafe_evening`` — NTU's *otrygghet vid utevistelse sen kväll*: a respondent counts as
  unsafe when ``safety_evening`` is ``fairly_unsafe``/``very_unsafe``, or ``never_out`` with
  ``never_out_unsafe`` True. Excluded from the denominator: ``dont_know``, blank, and
  ``never_out`` whose follow-up is blank (we cannot tell whether unsafety is the reason; the
  alternative ``never_out_unknown="not_unsafe"`` keeps them as not unsafe).
  ``never_out`` with follow-up False is in the denominator as not unsafe.
- ``big_problem_<item>`` — share answering ``very_big`` or ``fairly_big`` (mycket/ganska stort
  problem); ``dont_know`` and blank excluded from the denominator.

Estimates: share = Σ w·y / Σ w over valid answers; Wilson 95 % interval (Wilson 1927) on the
Kish effective sample size n_eff = (Σ w)² / Σ w² (Kish 1965) with k_eff = share·n_eff, which is
the plain Wilson interval on (n_yes, n) when unweighted. Post-stratification weights
(sex × age band, to the area's population) and the comparisons are hand-written because no
maintained Python library combines cell weights, Kish n_eff and Wilson intervals this way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from pipeline.errors import DataError
from pipeline.schemas import SURVEY_ITEMS

UNSAFE = "unsafe_evening"
KOMMUN = "kommun"
OUT_COLUMNS = [
    "area_id", "survey_year", "indicator", "n", "n_yes", "share_pct", "ci_low_pct", "ci_high_pct",
    "n_eff", "is_weighted", "is_suppressed", "rest_share_pct", "diff_vs_rest_pp", "p_vs_rest",
    "prev_share_pct", "diff_vs_prev_pp", "p_vs_prev", "prev_survey_year", "prev_n", "prev_n_yes",
]
INDICATORS = [UNSAFE] + [f"big_problem_{i}" for i in SURVEY_ITEMS]
# Equal-step points for the optional 0–6 index (not Polisen's index, which is not public).
DEFAULT_INDEX_POINTS = {"very_big": 6.0, "fairly_big": 4.0, "fairly_small": 2.0, "no_problem": 0.0}


def wilson_interval(k, n, z: float = 1.959964):
    """Wilson score interval for a binomial proportion, vectorised.

    ``p = k/n``; ``centre = (p + z²/2n) / (1 + z²/n)``;
    ``half = z/(1 + z²/n) · sqrt(p(1−p)/n + z²/4n²)``. Returns ``(low, high)`` as arrays
    (NaN where n = 0). Works with non-integer k, n (effective sizes). Reference: Wilson (1927),
    JASA 22:209–212; Brown, Cai & DasGupta (2001), Statistical Science 16:101–133.
    """
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = z * z
        denom = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def two_proportion_test(k1, n1, k2, n2):
    """Two-sided two-proportion z-test with pooled variance, vectorised.

    ``diff = p1 − p2``; ``z = diff / sqrt(p̄(1−p̄)(1/n1 + 1/n2))`` with ``p̄ = (k1+k2)/(n1+n2)``;
    ``p = 2(1 − Φ(|z|))``. Same as statsmodels ``proportions_ztest`` (default, pooled). With
    weights, pass k = share·n_eff and n = n_eff (design-effect adjustment). Returns
    ``(diff, p)`` (diff as a proportion; NaN where a side has n = 0; p = 1 where both
    proportions are 0 or 1).
    """
    k1, n1, k2, n2 = (np.asarray(a, dtype="float64") for a in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = k1 / n1, k2 / n2
        pool = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
        diff = p1 - p2
        zval = diff / se
        p = np.where(se > 0, 2 * norm.sf(np.abs(zval)), 1.0)
        ok = (n1 > 0) & (n2 > 0)
    return np.where(ok, diff, np.nan), np.where(ok, p, np.nan)


def _flags(responses: pd.DataFrame, never_out_unknown: str) -> pd.DataFrame:
    """Wide 0/1/NaN flags per respondent and indicator (NaN = not in the denominator)."""
    out = pd.DataFrame(index=responses.index)
    s = responses["safety_evening"].astype("object")
    follow = responses["never_out_unsafe"].astype("boolean")
    unsafe = pd.Series(np.nan, index=responses.index)
    unsafe[s.isin(["very_safe", "fairly_safe"])] = 0.0
    unsafe[s.isin(["fairly_unsafe", "very_unsafe"])] = 1.0
    never = s.eq("never_out").fillna(False).astype(bool)
    unsafe[never & follow.eq(True).fillna(False).astype(bool)] = 1.0
    unsafe[never & follow.eq(False).fillna(False).astype(bool)] = 0.0
    if never_out_unknown == "not_unsafe":
        unsafe[never & follow.isna()] = 0.0
    elif never_out_unknown != "exclude":
        raise ValueError("never_out_unknown must be 'exclude' or 'not_unsafe'")
    out[UNSAFE] = unsafe
    for item in SURVEY_ITEMS:
        a = responses[f"item_{item}"].astype("object")
        f = pd.Series(np.nan, index=responses.index)
        f[a.isin(["very_big", "fairly_big"])] = 1.0
        f[a.isin(["fairly_small", "no_problem"])] = 0.0
        out[f"big_problem_{item}"] = f
    return out


def _population_year(population: pd.DataFrame, year: int) -> int:
    years = sorted(population["year"].unique())
    before = [y for y in years if y <= year]
    return int(before[-1] if before else years[0])


def poststrat_weights(responses: pd.DataFrame, population: pd.DataFrame) -> pd.Series:
    """Kommun-level post-stratification weight per respondent (sex × age band within area).

    For respondent i in area a, cell c = (sex, age_band), survey year t (population of the
    latest year ≤ t, else the earliest):
    ``w_rel = (N_ac / N_a,known) / (n_ac / n_a,known)`` where "known" are the area's cells that
    appear in both the sample and the population table; respondents whose cell is unknown
    (blank sex/age, or a cell absent from the population) get ``w_rel = 1``. So the relative
    weights sum to n_a within the area. Kommun weight ``w = w_rel · N_a / n_a`` (N_a = area
    population) so areas count by population in kommun totals; an area missing from the
    population table gets the average factor ΣN/Σn of the others. Area shares are unchanged by
    the factor N_a/n_a.
    """
    r = responses[["survey_year", "area_id", "sex", "age_band"]].copy()
    r["sex"] = r["sex"].astype("object")
    r["age_band"] = r["age_band"].astype("object")
    w = pd.Series(1.0, index=r.index)
    for year, ry in r.groupby("survey_year"):
        py = int(_population_year(population, int(year)))
        pop = population[population["year"] == py]
        cells = pop[(pop["sex"] != "alla") & (pop["age_band"] != "alla")]
        cellpop = cells.groupby(["area_id", "sex", "age_band"])["population"].sum()
        tot = pop[(pop["sex"] == "alla") & (pop["age_band"] == "alla")].groupby("area_id")["population"].sum()
        area_tot = cells.groupby("area_id")["population"].sum().combine_first(tot)
        for area, ra in ry.groupby("area_id"):
            key = pd.MultiIndex.from_arrays([ra["area_id"], ra["sex"], ra["age_band"]])
            n_pop = pd.Series(cellpop.reindex(key).to_numpy(dtype="float64"), index=ra.index)
            known = n_pop.notna() & (n_pop > 0)
            rel = pd.Series(1.0, index=ra.index)
            if known.any():
                kc = ra.loc[known, ["sex", "age_band"]].astype(str).agg("|".join, axis=1)
                n_c = kc.map(kc.value_counts())
                # population of known cells only: sum each distinct cell once
                N_known = n_pop[known].groupby(kc).first().sum()
                rel[known] = (n_pop[known] / N_known) / (n_c / known.sum())
            w[ra.index] = rel
        # expansion to the area population; areas missing from the population table get the
        # average expansion factor of the others (so they are neither dropped nor dominant)
        n_a = ry.groupby("area_id").size()
        N_a = area_tot.reindex(n_a.index)
        known = N_a.notna() & (N_a > 0)
        avg = N_a[known].sum() / n_a[known].sum() if known.any() else 1.0
        scale = (N_a / n_a).where(known, avg)
        w[ry.index] = w[ry.index] * ry["area_id"].map(scale).fillna(avg).to_numpy(dtype="float64")
    return w


def respondent_flags(responses: pd.DataFrame, population: pd.DataFrame | None = None, weighted: bool = False,
                     never_out_unknown: str = "exclude") -> pd.DataFrame:
    """Long frame of valid answers: response_id, survey_year, area_id, indicator, y (0/1), weight.

    The resampling unit for the ranking bootstrap (pipeline.scoring.rank); weight is the
    kommun-level post-stratification weight (1 when unweighted).
    """
    if weighted and population is None:
        raise DataError("survey weighting needs the population table (sex × age band per area)")
    flags = _flags(responses, never_out_unknown)
    w = poststrat_weights(responses, population) if weighted else pd.Series(1.0, index=responses.index)
    wide = pd.concat([responses[["response_id", "survey_year", "area_id"]].astype({"area_id": "object"}),
                      w.rename("weight"), flags], axis=1)
    long = wide.melt(id_vars=["response_id", "survey_year", "area_id", "weight"], value_vars=INDICATORS,
                     var_name="indicator", value_name="y").dropna(subset=["y"])
    return long[["response_id", "survey_year", "area_id", "indicator", "y", "weight"]].reset_index(drop=True)


def _stats(sums: pd.DataFrame) -> pd.DataFrame:
    """share, n_eff, Wilson interval from sums n, n_yes, sw, swy, sw2."""
    out = sums.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(out["sw"] > 0, out["swy"] / out["sw"], np.nan)
        neff = np.where(out["sw2"] > 0, out["sw"] ** 2 / out["sw2"], 0.0)
    lo, hi = wilson_interval(share * neff, neff)
    out["share"], out["n_eff"], out["lo"], out["hi"] = share, neff, lo, hi
    return out


def _sums(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = long.assign(wy=long["weight"] * long["y"], w2=long["weight"] ** 2).groupby(keys, dropna=False)
    return pd.DataFrame({"n": g.size(), "n_yes": g["y"].sum(), "sw": g["weight"].sum(),
                         "swy": g["wy"].sum(), "sw2": g["w2"].sum()})


def survey_indicators(responses: pd.DataFrame, population: pd.DataFrame | None, min_n: int,
                      weighted: bool = False, areas: pd.DataFrame | None = None, *,
                      never_out_unknown: str = "exclude") -> pd.DataFrame:
    """Survey indicators per area (and ``area_id == "kommun"``) for the latest survey year.

    Columns: area_id, survey_year, indicator, n (valid answers), n_yes, share_pct, ci_low_pct,
    ci_high_pct (Wilson 95 % on n_eff), n_eff (Kish; = n unweighted), is_weighted,
    is_suppressed (n < min_n), rest_share_pct / diff_vs_rest_pp / p_vs_rest (the area against
    all other respondents of the same year), prev_share_pct / diff_vs_prev_pp / p_vs_prev (the
    same group in the latest earlier survey year, NaN when there is none), prev_survey_year /
    prev_n / prev_n_yes (that survey year and the group's answers then, so that the group size
    can be checked for every period a table shows). Tests: pooled
    two-proportion z-test on (share·n_eff, n_eff); see :func:`two_proportion_test`.
    Suppression is a flag here; :func:`suppress_public` blanks the figures for public output.
    """
    if responses.empty:
        return pd.DataFrame(columns=OUT_COLUMNS)
    long = respondent_flags(responses, population, weighted, never_out_unknown)
    years = sorted(int(y) for y in responses["survey_year"].unique())
    cur, prev = years[-1], (years[-2] if len(years) > 1 else None)
    area_ids = (list(areas["area_id"].astype(str)) if areas is not None
                else sorted(responses["area_id"].dropna().astype(str).unique()))
    grid = pd.MultiIndex.from_product([years, area_ids + [KOMMUN], INDICATORS],
                                      names=["survey_year", "area_id", "indicator"])
    by_area = _sums(long, ["survey_year", "area_id", "indicator"])
    by_area = by_area[by_area.index.get_level_values("area_id").notna()]
    kom = _sums(long, ["survey_year", "indicator"])
    kom_rows = kom.copy()
    kom_rows.index = pd.MultiIndex.from_arrays(
        [kom.index.get_level_values(0), [KOMMUN] * len(kom), kom.index.get_level_values(1)],
        names=["survey_year", "area_id", "indicator"])
    allsums = pd.concat([by_area, kom_rows]).reindex(grid, fill_value=0.0)
    st = _stats(allsums)
    # rest of the kommun: kommun sums minus the area's
    kk = kom.reindex(pd.MultiIndex.from_arrays([grid.get_level_values(0), grid.get_level_values(2)])).fillna(0.0)
    rest = _stats(pd.DataFrame(kk.to_numpy() - allsums[["n", "n_yes", "sw", "swy", "sw2"]].to_numpy(),
                               columns=["n", "n_yes", "sw", "swy", "sw2"], index=grid).clip(lower=0))
    is_kom = grid.get_level_values("area_id") == KOMMUN
    d_rest, p_rest = two_proportion_test(st["share"] * st["n_eff"], st["n_eff"], rest["share"] * rest["n_eff"], rest["n_eff"])
    res = st.reset_index()
    res["rest_share"] = np.where(is_kom, np.nan, rest["share"])
    res["diff_rest"] = np.where(is_kom, np.nan, d_rest)
    res["p_rest"] = np.where(is_kom, np.nan, p_rest)
    cur_rows = res[res["survey_year"] == cur].reset_index(drop=True)
    if prev is not None:
        pr = res[res["survey_year"] == prev].set_index(["area_id", "indicator"])
        pr = pr.reindex(pd.MultiIndex.from_frame(cur_rows[["area_id", "indicator"]]))
        d_prev, p_prev = two_proportion_test(cur_rows["share"] * cur_rows["n_eff"], cur_rows["n_eff"],
                                             pr["share"].to_numpy() * pr["n_eff"].to_numpy(), pr["n_eff"].to_numpy())
        prev_share = pr["share"].to_numpy()
        prev_n, prev_yes = pr["n"].to_numpy(dtype="float64"), pr["n_yes"].to_numpy(dtype="float64")
    else:
        d_prev = p_prev = prev_share = prev_n = prev_yes = np.full(len(cur_rows), np.nan)
    out = pd.DataFrame({
        "area_id": cur_rows["area_id"].astype(str),
        "survey_year": cur_rows["survey_year"].astype("int64"),
        "indicator": cur_rows["indicator"].astype(str),
        "n": cur_rows["n"].astype("int64"),
        "n_yes": cur_rows["n_yes"].astype("int64"),
        "share_pct": 100 * cur_rows["share"],
        "ci_low_pct": 100 * cur_rows["lo"],
        "ci_high_pct": 100 * cur_rows["hi"],
        "n_eff": cur_rows["n_eff"].astype("float64"),
        "is_weighted": bool(weighted),
        "is_suppressed": cur_rows["n"] < min_n,
        "rest_share_pct": 100 * cur_rows["rest_share"],
        "diff_vs_rest_pp": 100 * cur_rows["diff_rest"],
        "p_vs_rest": cur_rows["p_rest"],
        "prev_share_pct": 100 * np.asarray(prev_share, dtype="float64"),
        "diff_vs_prev_pp": 100 * np.asarray(d_prev, dtype="float64"),
        "p_vs_prev": np.asarray(p_prev, dtype="float64"),
        "prev_survey_year": pd.array([prev] * len(cur_rows), dtype="Int64"),
        "prev_n": pd.array(np.asarray(prev_n, dtype="float64"), dtype="Int64"),
        "prev_n_yes": pd.array(np.asarray(prev_yes, dtype="float64"), dtype="Int64"),
    })
    return out[OUT_COLUMNS]


def suppress_public(indicators: pd.DataFrame) -> pd.DataFrame:
    """Copy with every figure of a suppressed group blanked (n kept as "under min_n" is
    itself not disclosive; n_yes and all shares/tests set to NA)."""
    out = indicators.copy()
    cols = [c for c in OUT_COLUMNS if c not in ("area_id", "survey_year", "indicator", "n", "is_weighted", "is_suppressed")]
    out[cols] = out[cols].astype("float64")
    out.loc[out["is_suppressed"], cols] = np.nan
    return out


def problem_index(responses: pd.DataFrame, min_n: int, points: dict[str, float] | None = None) -> pd.DataFrame:
    """Optional 0–6 problem index per area (and kommun), latest survey year, unweighted.

    ``index = mean(points[answer])`` over valid answers (Vet ej and blanks excluded); default
    points very_big 6, fairly_big 4, fairly_small 2, no_problem 0. This is a documented,
    configurable transformation, *not* Polisen's index (not reproducible from public material);
    always publish the plain percentages beside it. Columns: area_id, survey_year, item, n,
    index_0_6, is_suppressed.
    """
    pts = DEFAULT_INDEX_POINTS if points is None else points
    cur = responses[responses["survey_year"] == responses["survey_year"].max()]
    rows = []
    for item in SURVEY_ITEMS:
        score = cur[f"item_{item}"].astype("object").map(pts).astype("float64")
        df = pd.DataFrame({"area_id": cur["area_id"].astype("object"), "s": score}).dropna(subset=["s"])
        for area, g in list(df.groupby("area_id")) + [(KOMMUN, df)]:
            rows.append({"area_id": str(area), "survey_year": int(cur["survey_year"].max()), "item": item,
                         "n": len(g), "index_0_6": float(g["s"].mean()) if len(g) else np.nan,
                         "is_suppressed": len(g) < min_n})
    return pd.DataFrame(rows)
