"""An area against the rest of its kommun: did it change more than the kommun did?

A kommun-wide swing (every area up 15 % in a year of intense police work) is year-to-year
noise for each area's own series but cancels when an area is compared with the rest of the
kommun, conditional on both. These tests are Poisson-exact for such multiplicative shared
shocks and are one of the two ways :mod:`pipeline.stats.trends` rules a kommun-wide swing out
before calling an area's change certain.

- :func:`relative_change`: this year against last, area against the rest: Fisher's exact
  conditional test of the 2 × 2 table; under shared year shocks and Poisson counts the area's
  count this year is hypergeometric given the margins.
- :func:`relative_trend`: the area's share of the family's yearly counts, logit-linear in the
  year (binomial GLM, n_ay out of n_ay + rest_y), Wald test of the slope (McCullagh & Nelder
  1989, ch. 4). Hand-written and batched like :func:`pipeline.stats.yearly_nb.fit_slopes`;
  tested against statsmodels' Binomial GLM.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

_MAX_ITER = 100
_TOL = 1e-12


def relative_change(area_year, area_prev, rest_year, rest_prev) -> tuple[np.ndarray, np.ndarray]:
    """(p, log odds ratio) per row: Fisher's exact conditional test of [[area_year, area_prev],
    [rest_year, rest_prev]] — given the margins, area_year is hypergeometric — two-sided by
    doubling the smaller tail (``scipy.stats.hypergeom``), and
    log((area_year+½)(rest_prev+½)/((area_prev+½)(rest_year+½))) (> 0: the area rose more than
    the rest). p = 1 where a row or column of the table is empty."""
    a, b, c, d = (np.asarray(v, dtype="float64") for v in np.broadcast_arrays(area_year, area_prev, rest_year, rest_prev))
    total, area, year = a + b + c + d, a + b, a + c
    up = stats.hypergeom.sf(a - 1, total, area, year)      # P(X ≥ a)
    low = stats.hypergeom.cdf(a, total, area, year)        # P(X ≤ a)
    ok = (area > 0) & (c + d > 0) & (year > 0) & (b + d > 0)
    p = np.where(ok, np.minimum(1.0, 2 * np.minimum(up, low)), 1.0)
    return p, np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))


def relative_trend(area: np.ndarray, rest: np.ndarray) -> dict[str, np.ndarray]:
    """Logit-linear trend of the area's share area/(area + rest) per row of (S, Y) arrays; t as
    in :func:`pipeline.stats.yearly_nb.fit_slopes` (last year 0). Returns arrays ``b`` (change in
    log odds per year), ``se``, ``p`` (two-sided Wald) and ``ok`` (False where a share is 0 or 1
    in every year, or the slope diverges)."""
    x = np.asarray(area, dtype="float64")
    n = x + np.asarray(rest, dtype="float64")
    n_s, n_y = x.shape
    t = np.arange(n_y, dtype="float64") - (n_y - 1)
    share = np.clip(x.sum(1) / np.maximum(n.sum(1), 1), 1e-6, 1 - 1e-6)
    a, b = np.log(share / (1 - share)), np.zeros(n_s)
    for _ in range(_MAX_ITER):
        eta = np.clip(a[:, None] + b[:, None] * t, -30, 30)
        pr = 1 / (1 + np.exp(-eta))
        w = n * pr * (1 - pr)
        z = eta + np.where(w > 0, (x - n * pr) / np.where(w > 0, w, 1), 0)
        s0, s1, s2 = w.sum(1), (w * t).sum(1), (w * t * t).sum(1)
        r0, r1 = (w * z).sum(1), (w * z * t).sum(1)
        det = s0 * s2 - s1 * s1
        with np.errstate(divide="ignore", invalid="ignore"):
            a_new = np.where(det > 0, (s2 * r0 - s1 * r1) / det, a)
            b_new = np.clip(np.where(det > 0, (s0 * r1 - s1 * r0) / det, b), -20, 20)
        done = n_s == 0 or (np.nanmax(np.abs(b_new - b)) < _TOL and np.nanmax(np.abs(a_new - a)) < _TOL)
        a, b = a_new, b_new
        if done:
            break
    pr = 1 / (1 + np.exp(-np.clip(a[:, None] + b[:, None] * t, -30, 30)))
    w = n * pr * (1 - pr)
    s0, s1, s2 = w.sum(1), (w * t).sum(1), (w * t * t).sum(1)
    det = s0 * s2 - s1 * s1
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(np.where(det > 0, s0 / det, np.nan))
    ok = (x.sum(1) > 0) & ((n - x).sum(1) > 0) & np.isfinite(se) & (np.abs(b) < 8)
    p = np.where(ok, 2 * stats.norm.sf(np.abs(b / np.where(ok, se, 1))), np.nan)
    return {"b": b, "se": se, "p": p, "ok": ok}
