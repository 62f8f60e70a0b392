"""This year against the year before: the exact conditional test of two counts and its interval.

For two Poisson counts k₁ (exposure t₁, e.g. this year) and k₂ (exposure t₂), conditional on
the total N = k₁ + k₂ the first count is Binomial(N, t₁ρ/(t₁ρ + t₂)), where ρ is the rate
ratio; under H₀: ρ = 1 it is Binomial(N, t₁/(t₁ + t₂)) whatever the common rate. This gives
an exact p-value and, by inverting the test, an exact confidence interval for ρ (Clopper–
Pearson on the binomial proportion; Przyborowski & Wilenski 1940, Biometrika 31:313–323;
Lehmann & Romano 2005, §4.5).

Year-to-year over-dispersion. Yearly counts vary more than Poisson (κ > 0 in
:mod:`pipeline.stats.yearly_nb`), and then the binomial test flags changes on data where
nothing changed. If k_i | G_i ~ Poisson(μ_i G_i) with independent year effects
G_i ~ Gamma(shape 1/κ) of mean 1 (the NB2 model), then under H₀ (equal expected counts)
k₁ | N ~ BetaBinomial(N, 1/κ, 1/κ) exactly: the Poisson–gamma mixture conditioned on its total.
With exposures the shapes are t_i/(t̄κ) (exact when t₁ = t₂). The interval inverts the same
family with shapes (ρ·a₁, a₂), which is exact at ρ = 1, so the interval excludes 1 exactly
when p < 1 − level. κ = 0 gives the binomial test above. Hand-written: scipy has the
binomial and beta-binomial laws (used here) but no rate-ratio test with over-dispersion.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

_KAPPA_MIN = 1e-9   # below this the beta-binomial is the binomial to machine precision


def _bb_pmf(j: np.ndarray, n: int, a: float, b: float, log_choose: np.ndarray) -> np.ndarray:
    """BetaBinomial(n, a, b) pmf at the points ``j``: C(n, j)·B(j + a, n − j + b)/B(a, b)
    (``log_choose`` = log C(n, j) at the same points)."""
    return np.exp(log_choose + special.betaln(j + a, n - j + b) - special.betaln(a, b))


def _bb_tails(k: int, n: int, a: float, b: float, log_choose: np.ndarray | None = None) -> tuple[float, float]:
    """P(K ≥ k), P(K ≤ k) for K ~ BetaBinomial(n, a, b), summed from the exact pmf
    C(n, j)·B(j + a, n − j + b)/B(a, b) over the whole support (scipy's ``betabinom.sf`` is
    the same sum, built far more slowly). ``log_choose`` = log C(n, j), j = 0..n, if known."""
    j = np.arange(n + 1)
    if log_choose is None:
        log_choose = special.gammaln(n + 1) - special.gammaln(j + 1) - special.gammaln(n - j + 1)
    pmf = _bb_pmf(j, n, a, b, log_choose)
    return min(1.0, float(pmf[k:].sum())), min(1.0, float(pmf[:k + 1].sum()))


def _bb_tail(k: int, n: int, a: float, b: float, log_choose: np.ndarray, upper: bool) -> float:
    """One tail of :func:`_bb_tails` — P(K ≥ k) if ``upper`` else P(K ≤ k) — from the pmf on that
    side only: the same terms summed in the same order, so the same float at about half the cost
    (the interval's root search needs one tail per step)."""
    j = np.arange(k, n + 1) if upper else np.arange(k + 1)
    return min(1.0, float(_bb_pmf(j, n, a, b, log_choose[j[0]:j[-1] + 1]).sum()))


def _poisson_rows(k1, k2, a1, a2, half):
    """Binomial p-value and Clopper–Pearson interval for ρ (closed form through beta quantiles)."""
    n = k1 + k2
    prob0 = a1 / (a1 + a2)
    up = np.where(k1 > 0, stats.binom.sf(k1 - 1, n, prob0), 1.0)
    low = np.where(k1 < n, stats.binom.cdf(k1, n, prob0), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_lo = np.where(k1 > 0, stats.beta.ppf(half, k1, k2 + 1), 0.0)
        p_hi = np.where(k2 > 0, stats.beta.ppf(1 - half, k1 + 1, k2), 1.0)
        to_rho = lambda q: q / (1 - q) * a2 / a1  # noqa: E731
        return up, low, to_rho(p_lo), np.where(k2 > 0, to_rho(p_hi), np.inf)


def _overdispersed_row(k1: int, k2: int, a1: float, a2: float, kappa: float, half: float):
    """Beta-binomial p-value tails and the test-inverted interval for one pair (κ > 0)."""
    n = k1 + k2
    j = np.arange(n + 1)
    log_choose = special.gammaln(n + 1) - special.gammaln(j + 1) - special.gammaln(n - j + 1)
    up, low = _bb_tails(k1, n, a1 / kappa, a2 / kappa, log_choose)

    def solve(fun) -> float:  # root in log ρ of a function that falls as ρ grows
        lo, hi = -1.0, 1.0
        while fun(lo) < 0 and lo > -700:
            lo *= 2
        while fun(hi) > 0 and hi < 700:
            hi *= 2
        return float(np.exp(optimize.brentq(fun, lo, hi, xtol=1e-9, rtol=1e-10)))

    tail = lambda lr, upper: _bb_tail(k1, n, np.exp(lr) * a1 / kappa, a2 / kappa, log_choose, upper)  # noqa: E731
    rr_low = 0.0 if k1 == 0 else solve(lambda lr: half - tail(lr, True))
    rr_high = np.inf if k2 == 0 else solve(lambda lr: tail(lr, False) - half)
    return up, low, rr_low, rr_high


def rate_ratio_tests(k1, k2, t1=1.0, t2=1.0, kappa=0.0, level: float = 0.95) -> dict[str, np.ndarray]:
    """Exact conditional test of ρ = (k₁/t₁)/(k₂/t₂) = 1 with a test-inverted interval,
    element-wise over arrays (see the module doc).

    Returns dict of arrays: ``rr`` = (k₁/t₁)/(k₂/t₂) (inf when k₂ = 0 < k₁, NaN when both are
    0), ``rr_low``, ``rr_high`` (interval at ``level``; 0 and inf at the boundaries), and ``p``
    — two-sided, min(1, 2·min(P(K ≥ k₁), P(K ≤ k₁))) under H₀ (1 when N = 0).
    """
    k1, k2, t1, t2, kappa = (np.atleast_1d(np.asarray(v, dtype="float64"))
                             for v in np.broadcast_arrays(k1, k2, t1, t2, kappa))
    if (k1 < 0).any() or (k2 < 0).any() or not ((t1 > 0).all() and (t2 > 0).all()):
        raise ValueError("counts must be >= 0 and exposures > 0")
    if not (np.allclose(k1, np.round(k1)) and np.allclose(k2, np.round(k2))):
        raise ValueError("counts must be whole numbers")
    k1, k2 = np.round(k1), np.round(k2)
    n = k1 + k2
    tbar = 0.5 * (t1 + t2)
    a1, a2 = t1 / tbar, t2 / tbar
    half = (1.0 - level) / 2.0
    up, low, rr_low, rr_high = _poisson_rows(k1, k2, a1, a2, half)
    for i in np.flatnonzero((kappa > _KAPPA_MIN) & (n > 0)):
        up[i], low[i], rr_low[i], rr_high[i] = _overdispersed_row(int(k1[i]), int(k2[i]), a1[i], a2[i], kappa[i], half)
    p = np.where(n > 0, np.minimum(1.0, 2.0 * np.minimum(up, low)), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = np.where(k2 == 0, np.where(k1 > 0, np.inf, np.nan), (k1 / t1) / (k2 / t2))
    empty = n == 0
    return {"rr": rr, "rr_low": np.where(empty, 0.0, rr_low), "rr_high": np.where(empty, np.inf, rr_high), "p": p}


def rate_ratio_test(k1: int, k2: int, t1: float = 1.0, t2: float = 1.0, kappa: float = 0.0,
                    level: float = 0.95) -> dict[str, float]:
    """:func:`rate_ratio_tests` for one pair of counts; returns floats."""
    return {k: float(v[0]) for k, v in rate_ratio_tests(k1, k2, t1, t2, kappa, level).items()}
