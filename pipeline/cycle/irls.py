"""One NB2 GLM fit for the dispersion search of :func:`pipeline.cycle.effect.fit_nb2`, without
statsmodels' model and results objects.

The search over log α evaluates ℓ(β̂_α, α) (and the Cox–Reid term) about twenty times per
effect; each evaluation is a GLM fit. ``sm.GLM(...).fit()`` spends most of its time building the
model, checking data and making a results object, none of which the search needs. :func:`nb2_fit`
runs the same iteratively reweighted least squares as statsmodels' ``GLM._fit_irls`` (0.15, the
pinned version), step for step and with statsmodels' own family, link, deviance and log-likelihood
functions, so its β̂, μ̂ and ℓ are the same floats as
``sm.GLM(y, x, family=NegativeBinomial(alpha), offset=offset).fit(start_params=start)``
(tests/unit/cycle/test_irls.py checks equality). Hand-written glue: statsmodels exposes no
cheaper entry point.

The iteration, with z the working response and W the working weights at the current μ:

    W = 1 / (g'(μ)² V(μ)),   z = η + g'(μ)(y − μ) − offset,   β ← argmin ‖W^½ (z − Xβ)‖²

(``numpy.linalg.lstsq``), until the deviance changes by at most 1e-8 (at most 100 steps).
Like statsmodels, the returned β̂ is the last step's weighted least squares solved once more
through the pseudo-inverse (``statsmodels.tools.tools.pinv_extended``).
"""

from __future__ import annotations

import numpy as np
from statsmodels.genmod import families
from statsmodels.tools.tools import pinv_extended

_MAXITER, _ATOL = 100, 1e-8  # statsmodels' GLM.fit defaults (maxiter, tol on the deviance)


def nb2_fit(y: np.ndarray, x: np.ndarray, offset: np.ndarray, alpha: float,
            start: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(β̂, μ̂ = exp(Xβ̂ + offset), log-likelihood ℓ) of the NB2 GLM with dispersion ``alpha`` > 0,
    iterated from ``start``; None where a working weight or response is not finite (statsmodels
    then raises, and the caller lets it).

    Parameters
    ----------
    y : counts, shape (n,). x : design, shape (n, k). offset : log exposure, shape (n,).
    alpha : NB2 dispersion (Var = μ + αμ²). start : β to start from, shape (k,).
    """
    family = families.NegativeBinomial(alpha=alpha)
    ones = np.ones(len(y))  # GLM's var_weights, freq_weights, iweights and n_trials
    lin_pred = np.dot(x, start) + offset
    mu = family.fitted(lin_pred)
    deviance = family.deviance(y, mu, ones, ones, 1.0)  # scale is 1 for NB2
    for _ in range(_MAXITER):
        weights = ones * ones * family.weights(mu)
        z = lin_pred + family.link.deriv(mu) * (y - mu) - offset
        w_half = np.sqrt(weights)
        if not (np.all(np.isfinite(w_half)) and np.all(np.isfinite(z))):
            return None
        params = np.linalg.lstsq(w_half[:, None] * x, w_half * z, rcond=-1)[0]
        lin_pred = np.dot(x, params)
        lin_pred += offset
        mu = family.fitted(lin_pred)
        previous, deviance = deviance, family.deviance(y, mu, ones, ones, 1.0)
        if np.allclose(previous, deviance, atol=_ATOL, rtol=0.0):
            break
    pinv, _ = pinv_extended(np.sqrt(weights)[:, None] * x)
    params = np.dot(pinv, z * np.sqrt(weights))
    mu = family.fitted(np.dot(x, params) + offset + 0.0)
    llf = family.loglike(y, mu, var_weights=ones, freq_weights=ones, scale=1.0)
    return params, mu, float(llf)
