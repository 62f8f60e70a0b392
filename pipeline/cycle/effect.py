"""Difference-in-differences on counts: the effect estimator of the follow-up (måluppfyllelse).

Model (DOMAIN.md §7), one row per unit u (area or EST place) and month m of the two windows:

    log E[y_um] = a_u + s_month(m) + g·during_m + b·(treated_u · during_m) + log(exposure_um)

with a unit effect a_u, a calendar-month effect s (when the before window is the same months a
year earlier, so seasonality cancels), a common change g between the windows, and the effect b:
the rate ratio exp(b) says how much the treated unit changed beyond the change in the
comparison units. Exposure is inhabitants × days (crime) or days (EST).

Counts are over-dispersed, so the model is negative binomial (NB2, Var = μ + αμ²) with α
*estimated*: statsmodels' GLM NegativeBinomial family would silently fix α = 1. α maximises the
Cox–Reid adjusted profile likelihood

    ℓ_CR(α) = ℓ(β̂_α, α) − ½ log det(Xᵀ W_α X),   W_α = diag(μ / (1 + αμ))

(Cox & Reid 1987; the estimator edgeR uses, McCarthy, Chen & Smyth 2012), because the plain
maximum likelihood α is biased low with a dozen months and a dozen parameters and its Wald
intervals then cover 87–91 % instead of 95 % (benchmarks/bench_did_calibration.py). β̂ and its
covariance at that α come from statsmodels' GLM (IRLS); the search over log α is a bounded
one-dimensional scipy minimisation (hand-written glue: statsmodels has no Cox–Reid option),
whose GLM fits go through :func:`pipeline.cycle.irls.nb2_fit` (statsmodels' IRLS, same floats,
without its model and results objects).
``dispersion="ml"`` maximises ℓ itself instead and reproduces
``statsmodels.discrete.discrete_model.NegativeBinomial`` (NB2 MLE); ``"poisson"`` fixes α = 0.
When ℓ_CR is highest at α → 0 the fit is the Poisson fit. The interval is Wald with a t
quantile on the residual degrees of freedom (n − parameters − 1 for α).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.stats import t as t_dist
# the GLM module and its families only: statsmodels.api imports all of statsmodels (~0.4 s more)
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from pipeline.cycle.irls import nb2_fit

DECREASED, NO_CHANGE, INCREASED = "minskade", "ingen säker förändring", "ökade"
NOT_ASSESSABLE = "kan inte bedömas"
VERDICTS = (DECREASED, NO_CHANGE, INCREASED)
_LOG_ALPHA = (np.log(1e-6), np.log(50.0))
_XATOL = 2e-3  # on log α: α to 0.2 %, far below its standard error


@dataclass(frozen=True)
class DidResult:
    """exp(b) with its interval, the dispersion used and the fit's size."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    alpha: float          # NB2 dispersion (0 = Poisson)
    model: str            # "nb2", "poisson" or "none"
    n_obs: int
    df_resid: int
    reason: str = ""      # why model is "none"

    @property
    def verdict(self) -> str:
        return verdict(self.ci_low, self.ci_high)


def verdict(ci_low: float, ci_high: float) -> str:
    """Plain-language verdict from the interval of a ratio: "minskade" when the whole interval
    is below 1, "ökade" when it is above 1, else "ingen säker förändring"; "kan inte bedömas"
    when there is no interval."""
    if not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return NOT_ASSESSABLE
    if ci_high < 1:
        return DECREASED
    if ci_low > 1:
        return INCREASED
    return NO_CHANGE


def did_design(frame: pd.DataFrame, seasonal: bool = True) -> pd.DataFrame:
    """The design matrix of the model above from columns unit, is_treated, is_during, season.

    Columns: const, one dummy per unit but the first (sorted), one per season but the first
    (only with ``seasonal`` and more than one season), during, treated_during.
    """
    units = sorted(frame["unit"].astype(str).unique())
    cols = {"const": np.ones(len(frame))}
    u = frame["unit"].astype(str).to_numpy()
    for name in units[1:]:
        cols[f"unit[{name}]"] = (u == name).astype(float)
    if seasonal and frame["season"].nunique() > 1:
        seasons = sorted(frame["season"].unique())
        s = frame["season"].to_numpy()
        for v in seasons[1:]:
            cols[f"season[{v}]"] = (s == v).astype(float)
    during = frame["is_during"].to_numpy(bool)
    cols["during"] = during.astype(float)
    cols["treated_during"] = (during & frame["is_treated"].to_numpy(bool)).astype(float)
    return pd.DataFrame(cols, index=frame.index)


def _glm(y, x, offset, alpha: float, start=None):
    family = families.Poisson() if alpha <= 0 else families.NegativeBinomial(alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GLM(y, x, family=family, offset=offset).fit(start_params=start)


def _logdet_information(x: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """log det(Xᵀ W_α X) with W_α = diag(μ / (1 + αμ)): the Cox–Reid adjustment's term."""
    w = mu / (1 + alpha * mu)
    _, logdet = np.linalg.slogdet(x.T @ (x * w[:, None]))
    return logdet


def _cox_reid(y, x, offset, fit, alpha: float) -> float:
    """ℓ_CR(α) of a fitted GLM: log-likelihood minus ½ log det of the weighted information."""
    return float(fit.llf) - 0.5 * _logdet_information(x, np.asarray(fit.fittedvalues, dtype=float), alpha)


def fit_nb2(y: np.ndarray, x: np.ndarray, offset: np.ndarray, dispersion: str = "cox-reid"):
    """(statsmodels GLM results, α) for NB2 with α chosen by ``dispersion`` (see module doc)."""
    pois = _glm(y, x, offset, 0.0)
    if dispersion == "poisson":
        return pois, 0.0
    if dispersion not in ("cox-reid", "ml"):
        raise ValueError(f"dispersion must be cox-reid, ml or poisson, not {dispersion!r}")

    last = {"params": pois.params}

    def objective(log_alpha: float) -> float:
        a = float(np.exp(log_alpha))
        # warm start: neighbouring α, neighbouring β; nb2_fit gives the floats of _glm, cheaper
        fit = nb2_fit(y, x, offset, a, last["params"])
        if fit is None:
            glm = _glm(y, x, offset, a, start=last["params"])
            fit = (glm.params, np.asarray(glm.fittedvalues, dtype=float), float(glm.llf))
        last["params"], mu, llf = fit
        return -(llf - 0.5 * _logdet_information(x, mu, a) if dispersion == "cox-reid" else llf)

    res = minimize_scalar(objective, bounds=_LOG_ALPHA, method="bounded", options={"xatol": _XATOL})
    at_zero = -(_cox_reid(y, x, offset, pois, 0.0) if dispersion == "cox-reid" else float(pois.llf))
    alpha = float(np.exp(res.x))
    if res.fun >= at_zero - 1e-9 or alpha < 1e-6:  # no over-dispersion: the Poisson fit
        return pois, 0.0
    return _glm(y, x, offset, alpha, start=pois.params), alpha


def fit_did(frame: pd.DataFrame, *, seasonal: bool = True, dispersion: str = "cox-reid",
            level: float = 0.95) -> DidResult:
    """Fit the DiD count model to ``frame`` and return the treated × during rate ratio.

    Parameters
    ----------
    frame : DataFrame with unit, is_treated (bool), is_during (bool), season (e.g. calendar
        month 1..12), n (count) and exposure (> 0; inhabitants × years, or days). Exactly one
        unit is treated; at least one other is the comparison.
    seasonal : include the season effects (only meaningful when both windows cover the same
        seasons).
    dispersion : "cox-reid" (default), "ml" or "poisson".

    Returns
    -------
    DidResult; model "none" with a reason when a window of the treated unit or of the
    comparison has no events (the ratio is then 0 or infinite and has no Wald interval).
    """
    f = frame[frame["exposure"] > 0]
    treated = f["is_treated"].to_numpy(bool)
    during = f["is_during"].to_numpy(bool)
    y = f["n"].to_numpy(float)
    sums = {"treated before": y[treated & ~during].sum(), "treated during": y[treated & during].sum(),
            "comparison before": y[~treated & ~during].sum(), "comparison during": y[~treated & during].sum()}
    empty = [k for k, v in sums.items() if v == 0]
    if not treated.any() or treated.all() or empty:
        why = f"no events in: {', '.join(empty)}" if empty else "needs one treated unit and comparison units"
        return DidResult(np.nan, np.nan, np.nan, np.nan, np.nan, "none", len(f), 0, why)
    x_df = did_design(f, seasonal)
    x = x_df.to_numpy(float)
    offset = np.log(f["exposure"].to_numpy(float))
    fit, alpha = fit_nb2(y, x, offset, dispersion)
    j = list(x_df.columns).index("treated_during")
    b, se = float(fit.params[j]), float(fit.bse[j])
    df_resid = int(len(y) - x.shape[1] - (alpha > 0))
    if df_resid < 1 or not np.isfinite(se) or se <= 0:
        return DidResult(np.nan, np.nan, np.nan, np.nan, alpha, "none", len(y), df_resid,
                         "too few months or units for the model's parameters")
    q = t_dist.ppf(0.5 + level / 2, df_resid)
    p = 2 * t_dist.sf(abs(b / se), df_resid)
    return DidResult(float(np.exp(b)), float(np.exp(b - q * se)), float(np.exp(b + q * se)), float(p), alpha,
                     "nb2" if alpha > 0 else "poisson", len(y), df_resid)


def choose_comparison(before: pd.DataFrame, treated: str, exclude: set[str], k: int) -> list[str]:
    """The ``k`` comparison units most similar to the treated one before the measure.

    Rule (docs/methods-evaluation.md): candidates are all units except the treated one and
    ``exclude`` (its neighbours, where displacement or diffusion would contaminate them, and
    units under another measure on the same indicator) and units without any event in the
    before window (they carry no information on the change); similarity is the distance between
    log rates in the before window, |log((n_c + ½)/E_c) − log((n_t + ½)/E_t)|; ties go to the
    unit id. Units without exposure are skipped.

    Parameters
    ----------
    before : DataFrame with unit, n, exposure summed over the before window.
    """
    b = before[before["exposure"] > 0].copy()
    b["unit"] = b["unit"].astype(str)
    t = b[b["unit"] == treated]
    if t.empty:
        return []
    target = np.log((t["n"].iloc[0] + 0.5) / t["exposure"].iloc[0])
    cand = b[(b["unit"] != treated) & ~b["unit"].isin(exclude) & (b["n"] > 0)].copy()
    cand["distance"] = (np.log((cand["n"] + 0.5) / cand["exposure"]) - target).abs()
    return cand.sort_values(["distance", "unit"]).head(k)["unit"].tolist()
