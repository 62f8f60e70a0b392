"""The DiD estimator: pinned to closed forms and to statsmodels, the verdict, the comparison
rule, and a small calibration on simulated areas (the full one is benchmarks/bench_did_calibration.py)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import t as t_dist
from statsmodels.discrete.discrete_model import NegativeBinomial

from pipeline.cycle.effect import (DECREASED, INCREASED, NO_CHANGE, NOT_ASSESSABLE, choose_comparison, did_design,
                                   fit_did, fit_nb2, verdict)


def _panel(counts: dict[str, tuple[list[int], list[int]]], treated: str, exposure=None) -> pd.DataFrame:
    """unit → (before months, during months) counts; season = month index."""
    rows = []
    for unit, (before, during) in counts.items():
        for flag, series in ((False, before), (True, during)):
            for m, n in enumerate(series, start=1):
                rows.append({"unit": unit, "is_treated": unit == treated, "is_during": flag, "season": m, "n": n,
                             "exposure": 1.0 if exposure is None else exposure[unit]})
    return pd.DataFrame(rows)


def simulate(rng, rr=1.0, alpha=0.15, k=5, months=6):
    """One treated and k comparison areas, NB2 counts with area levels and a shared season."""
    base = rng.uniform(3, 30, k + 1)
    season = rng.normal(0, 0.2, months)
    unit = np.repeat(np.arange(k + 1), 2 * months)
    during = np.tile(np.repeat([False, True], months), k + 1)
    month = np.tile(np.arange(months), 2 * (k + 1))
    mu = base[unit] * np.exp(season[month]) * np.where((unit == 0) & during, rr, 1.0) * np.where(during, 1.05, 1.0)
    n = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu)) if alpha > 0 else rng.poisson(mu)
    return pd.DataFrame({"unit": [f"a{u}" for u in unit], "is_treated": unit == 0, "is_during": during,
                         "season": month + 1, "n": n, "exposure": 1.0})


def test_poisson_without_seasons_is_the_ratio_of_ratios_with_woolf_interval():
    # equal exposure in every month: the Poisson MLE collapses to the 2×2 table of sums
    f = _panel({"t": ([9, 11, 10], [5, 4, 6]), "c1": ([20, 18, 22], [21, 19, 20]), "c2": ([7, 9, 8], [8, 9, 10])}, "t")
    r = fit_did(f, seasonal=False, dispersion="poisson")
    t0, t1, c0, c1 = 30, 15, 84, 87
    assert r.rate_ratio == pytest.approx((t1 / t0) / (c1 / c0), rel=1e-7)
    se = np.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1)
    from scipy.stats import t as t_dist
    q = t_dist.ppf(0.975, r.df_resid)
    assert r.ci_low == pytest.approx(r.rate_ratio * np.exp(-q * se), rel=1e-5)  # IRLS tolerance
    assert r.ci_high == pytest.approx(r.rate_ratio * np.exp(q * se), rel=1e-5)
    assert r.model == "poisson" and r.alpha == 0 and r.df_resid == 18 - 5


def test_exposure_offset_turns_counts_into_rates():
    # the treated area doubles its population: the same count is half the rate
    f = _panel({"t": ([10] * 4, [10] * 4), "c": ([10] * 4, [10] * 4)}, "t")
    f.loc[f["is_treated"] & f["is_during"], "exposure"] = 2.0
    r = fit_did(f, seasonal=False, dispersion="poisson")
    assert r.rate_ratio == pytest.approx(0.5, rel=1e-7)


def test_ml_dispersion_reproduces_statsmodels_negative_binomial():
    rng = np.random.default_rng(5)
    f = simulate(rng, rr=0.7, alpha=0.3, k=3)
    f["exposure"] = np.where(f["unit"] == "a1", 1.3, 1.0)
    ours = fit_did(f, dispersion="ml")
    x = did_design(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = NegativeBinomial(f["n"], x, loglike_method="nb2", offset=np.log(f["exposure"])).fit(
            method="bfgs", maxiter=2000, disp=0)
        ref = NegativeBinomial(f["n"], x, loglike_method="nb2", offset=np.log(f["exposure"])).fit(
            start_params=start.params, method="newton", disp=0)
    assert ours.model == "nb2"
    assert np.log(ours.rate_ratio) == pytest.approx(ref.params["treated_during"], abs=1e-5)
    assert ours.alpha == pytest.approx(ref.params["alpha"], rel=1e-4)
    # β's variance at α̂: the GLM's expected information, as R's MASS::glm.nb reports it
    glm = sm.GLM(f["n"], x, family=sm.families.NegativeBinomial(alpha=ours.alpha), offset=np.log(f["exposure"])).fit()
    half_width = np.log(ours.ci_high / ours.rate_ratio)
    assert half_width == pytest.approx(t_dist.ppf(0.975, ours.df_resid) * glm.bse["treated_during"], rel=1e-6)


def test_cox_reid_alpha_maximises_the_adjusted_profile_likelihood():
    rng = np.random.default_rng(8)
    f = simulate(rng, alpha=0.2)
    x = did_design(f).to_numpy(float)
    y, off = f["n"].to_numpy(float), np.zeros(len(f))
    _, alpha = fit_nb2(y, x, off, "cox-reid")

    def adjusted(a):  # ℓ − ½ log det XᵀWX on a grid, straight from statsmodels fits
        fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=a)).fit()
        mu = fit.fittedvalues
        return fit.llf - 0.5 * np.linalg.slogdet(x.T @ (x * (mu / (1 + a * mu))[:, None]))[1]

    grid = np.exp(np.linspace(np.log(alpha) - 1, np.log(alpha) + 1, 41))
    best = grid[np.argmax([adjusted(a) for a in grid])]
    assert alpha == pytest.approx(best, rel=0.06)  # grid step is 5 %
    _, alpha_ml = fit_nb2(y, x, off, "ml")
    assert alpha > alpha_ml  # the adjustment removes the downward bias of the ML estimate


def test_no_overdispersion_gives_the_poisson_fit():
    rng = np.random.default_rng(3)
    f = simulate(rng, alpha=0.0)
    r = fit_did(f)
    p = fit_did(f, dispersion="poisson")
    if r.alpha == 0:
        assert r.model == "poisson" and r.rate_ratio == pytest.approx(p.rate_ratio)
    else:  # a small α from chance: the estimate barely moves
        assert r.alpha < 0.05 and r.rate_ratio == pytest.approx(p.rate_ratio, rel=0.05)


def test_empty_window_is_not_assessable():
    f = _panel({"t": ([3, 2], [0, 0]), "c": ([5, 6], [4, 5])}, "t")
    r = fit_did(f, seasonal=False)
    assert r.model == "none" and "treated during" in r.reason and r.verdict == NOT_ASSESSABLE


def test_verdict_wording():
    assert verdict(0.4, 0.9) == DECREASED
    assert verdict(0.8, 1.2) == NO_CHANGE
    assert verdict(1.1, 2.0) == INCREASED
    assert verdict(np.nan, 1.0) == NOT_ASSESSABLE


def test_comparison_rule_takes_the_closest_rates_and_skips_neighbours():
    before = pd.DataFrame({"unit": ["t", "n1", "a", "b", "c", "d"], "n": [40, 41, 10, 39, 80, 45],
                           "exposure": [2.0, 2.0, 2.0, 2.0, 2.0, 2.5]})
    # log rate of t = log(40.5/2); b: |log(39.5/2) − ·| = 0.025, d: |log(45.5/2.5) − ·| = 0.107, c, a far
    assert choose_comparison(before, "t", {"n1"}, 2) == ["b", "d"]
    assert choose_comparison(before, "t", set(), 1) == ["n1"]
    assert choose_comparison(before, "x", set(), 2) == []
    before.loc[before["unit"] == "b", "n"] = 0  # no events before: no information on the change
    assert choose_comparison(before, "t", {"n1"}, 2) == ["d", "c"]


def test_calibration_on_simulated_areas():
    """No effect: verdict "minskade" in at most α of the areas; effect 0.6: inside the CI at about the
    stated 95 %. 50 draws each here; 2 000 in benchmarks/bench_did_calibration.py (docs/methods-evaluation.md)."""
    rng = np.random.default_rng(20251)
    null = [fit_did(simulate(rng, rr=1.0, alpha=0.2)) for _ in range(50)]
    assert sum(r.verdict == DECREASED for r in null) <= 3  # 5 % of 50 = 2.5
    effect = [fit_did(simulate(rng, rr=0.6, alpha=0.2)) for _ in range(50)]
    assert sum(r.ci_low <= 0.6 <= r.ci_high for r in effect) >= 44  # 95 % of 50 = 47.5
    # the naive Poisson interval on the same over-dispersed data is far too narrow
    rng = np.random.default_rng(20251)
    naive = [fit_did(simulate(rng, rr=1.0, alpha=0.2), dispersion="poisson") for _ in range(50)]
    assert sum(r.verdict != NO_CHANGE for r in naive) > sum(r.verdict != NO_CHANGE for r in null)
