"""Before/after for survey indicators (share feeling unsafe, share seeing a big problem).

A survey indicator can only be evaluated where one survey was fielded before the löfte started
and one after it ended. Surveys carry a year only; ``survey_month`` (params, default October,
when Polisen's trygghetsmätning is usually in the field) dates them.

The effect is a difference in differences of shares, in percentage points: the treated area's
change minus the comparison areas' change, estimated as a linear probability model on the
respondents, y = b0 + b1·treated + b2·after + b3·treated·after, by statsmodels OLS with
heteroscedasticity-robust (HC1) standard errors; b3 is the effect, with a normal 95 %
interval. Comparison areas: the ``k`` areas whose share in the before survey is closest to the
treated area's, not neighbours, each with at least ``min_n`` answers in both surveys. The
treated area's own shares carry Wilson intervals (pipeline.stats.survey.wilson_interval).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.regression.linear_model import OLS  # not statsmodels.api: it imports all of statsmodels

from pipeline.cycle.effect import DECREASED, INCREASED, NO_CHANGE, NOT_ASSESSABLE
from pipeline.stats.survey import wilson_interval


def survey_years_around(years, start: dt.date, end: dt.date, survey_month: int = 10) -> tuple[int | None, int | None]:
    """The latest survey fielded before ``start`` and the first fielded after ``end``."""
    dated = {int(y): dt.date(int(y), survey_month, 1) for y in years}
    before = [y for y, d in dated.items() if d < start]
    after = [y for y, d in dated.items() if d > end]
    return (max(before) if before else None), (min(after) if after else None)


def _pp_verdict(low: float, high: float) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return NOT_ASSESSABLE
    return DECREASED if high < 0 else INCREASED if low > 0 else NO_CHANGE


def survey_effect(flags: pd.DataFrame, indicator: str, treated: str, neighbours: list[str], start: dt.date,
                  end: dt.date, *, k: int = 5, min_n: int = 30, survey_month: int = 10, level: float = 0.95) -> dict:
    """Evaluate a survey indicator for one area and period.

    Parameters
    ----------
    flags : long respondent flags (pipeline.stats.survey.respondent_flags): response_id,
        survey_year, area_id, indicator, y (0/1).

    Returns
    -------
    dict with survey_before, survey_after, share_before_pct / share_after_pct (and their
    Wilson bounds), n_before, n_after, diff_pp, ci_low_pp, ci_high_pp (the DiD), p_value,
    comparison_units, verdict and caveats (Swedish).
    """
    f = flags[flags["indicator"] == indicator].astype({"area_id": str})
    y0, y1 = survey_years_around(f["survey_year"].unique(), start, end, survey_month)
    out = {"survey_before": y0, "survey_after": y1, "verdict": NOT_ASSESSABLE, "caveats": ""}
    if y0 is None or y1 is None:
        out["caveats"] = ("Det behövs en trygghetsmätning före och en efter löftesperioden; "
                          + ("ingen gjordes före." if y0 is None else "ingen har gjorts efter ännu."))
        return out
    f = f[f["survey_year"].isin([y0, y1])].assign(after=lambda d: (d["survey_year"] == y1).astype(float))
    n = f.groupby(["area_id", "survey_year"])["y"].agg(["size", "mean"]).unstack("survey_year")
    t = f[f["area_id"] == treated]
    tb, ta = t[t["after"] == 0]["y"], t[t["after"] == 1]["y"]
    lo, hi = wilson_interval([tb.sum(), ta.sum()], [len(tb), len(ta)])
    out.update(n_before=len(tb), n_after=len(ta),
               share_before_pct=100 * tb.mean() if len(tb) else np.nan,
               share_after_pct=100 * ta.mean() if len(ta) else np.nan,
               share_before_low_pct=100 * lo[0], share_before_high_pct=100 * hi[0],
               share_after_low_pct=100 * lo[1], share_after_high_pct=100 * hi[1])
    caveats = []
    if min(len(tb), len(ta)) < min_n:
        caveats.append(f"Få svar i området ({len(tb)} och {len(ta)}): andelarna är osäkra.")
    ok = n[(n[("size", y0)] >= min_n) & (n[("size", y1)] >= min_n)]
    cand = ok.drop(index=[a for a in [treated, *neighbours] if a in ok.index])
    if len(tb) == 0 or len(ta) == 0 or cand.empty:
        out["caveats"] = "\n".join(caveats + ["Jämförelse saknas: för få svar i området eller i andra områden."])
        return out
    dist = (cand[("mean", y0)] - tb.mean()).abs()
    comp = sorted(dist.sort_values(kind="stable").index[:k].tolist())
    d = f[f["area_id"].isin([treated, *comp])]
    tr = (d["area_id"] == treated).astype(float)
    x = np.column_stack([np.ones(len(d)), tr, d["after"], tr * d["after"]])
    fit = OLS(d["y"].to_numpy(float), x).fit(cov_type="HC1")
    b, se = float(fit.params[3]), float(fit.bse[3])
    z = norm.ppf(0.5 + level / 2)
    low, high = 100 * (b - z * se), 100 * (b + z * se)
    out.update(diff_pp=100 * b, ci_low_pp=low, ci_high_pp=high, p_value=float(2 * norm.sf(abs(b / se))),
               comparison_units=";".join(comp), verdict=_pp_verdict(low, high),
               caveats="\n".join(caveats))
    return out
