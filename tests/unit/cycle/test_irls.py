"""The dispersion search's GLM fit (pipeline/cycle/irls.py) gives statsmodels' floats exactly."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from pipeline.cycle.effect import did_design
from pipeline.cycle.irls import nb2_fit
from tests.unit.cycle.test_effect import simulate


def _statsmodels(y, x, off, alpha, start):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha), offset=off).fit(start_params=start)
    return fit.params, fit.fittedvalues, fit.llf


@pytest.mark.parametrize("seed, true_alpha", [(1, 0.2), (2, 0.0), (5, 1.0)])
@pytest.mark.parametrize("alpha", [1e-5, 0.05, 0.4, 7.0])
def test_same_floats_as_statsmodels_glm(seed, true_alpha, alpha):
    rng = np.random.default_rng(seed)
    f = simulate(rng, alpha=true_alpha, k=4, months=12)
    y, x = f["n"].to_numpy(float), did_design(f).to_numpy(float)
    off = np.log(rng.uniform(0.5, 3.0, len(y)))  # an exposure that varies
    start = sm.GLM(y, x, family=sm.families.Poisson(), offset=off).fit().params
    for s in (start, start + rng.normal(0, 0.3, len(start))):  # warm and cold
        params, mu, llf = nb2_fit(y, x, off, alpha, s)
        ref = _statsmodels(y, x, off, alpha, s)
        np.testing.assert_array_equal(params, ref[0])
        np.testing.assert_array_equal(mu, ref[1])
        assert llf == ref[2]


def test_non_finite_working_values_are_left_to_statsmodels():
    y, x, off = np.array([1.0, 2.0, 3.0]), np.ones((3, 1)), np.zeros(3)
    assert nb2_fit(y, x, off, 0.1, np.array([np.nan])) is None
