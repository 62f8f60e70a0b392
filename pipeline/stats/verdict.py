"""One verdict per (area, problem, period): this year's change and the multi-year trend, side by side.

Two questions an analyst asks, answered by two tests (docs/methods-trends.md §2):

- *Did it change this year?* — the exact conditional rate-ratio test of the report year
  against the year before (:mod:`pipeline.stats.rate_ratio`) → ``year_change``:
  ``increase`` / ``decrease`` (significant after Benjamini–Hochberg), ``no_change``, or
  ``no_data`` (no incidents in either year).
- *Is there a trend over the period?* — the NB2 slope of the yearly counts
  (:mod:`pipeline.stats.yearly_nb`) → ``trend``: ``rising`` / ``falling`` (significant after BH,
  and Mann–Kendall agrees in sign), ``stable`` (no significant trend), and whether it could be
  fitted at all (``has_trend_fit``).

``verdict_code`` joins them as ``"<year_change>/<trend>"`` (``"few"`` instead of the trend when
there were too few incidents to fit one), e.g. ``increase/stable``. Codes are stable across
versions; ``verdict_sv`` is the Swedish phrase, a predicate that reads after "<problem> i
<område>" and alone in a table cell, e.g. "ökade kraftigt i år (+108 %, säker ökning) men
visar ingen säker långsiktig trend". Every number in the phrase is a column of the same
row (``change_pct``, ``trend_pct_per_year``, ``n_year``, ``n_prev``) formatted with
:mod:`pipeline.text.format_sv`. Explanations, tables, scoring and notebooks read only these
columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.text.format_sv import fmt_int, fmt_pct

YEAR_CHANGES = ("increase", "decrease", "no_change", "no_data")
TRENDS = ("rising", "falling", "stable")
STRONG_UP, STRONG_DOWN = 1.5, 2 / 3   # "kraftigt": at least +50 % / at most −33 %


def year_change(n_year: np.ndarray, n_prev: np.ndarray, rr: np.ndarray, q: np.ndarray, alpha: float) -> np.ndarray:
    """``increase``/``decrease`` where the this-year test is significant (q < alpha), else
    ``no_change``; ``no_data`` when both years are empty."""
    n_year, n_prev = np.asarray(n_year, float), np.nan_to_num(np.asarray(n_prev, float))
    sig = np.nan_to_num(np.asarray(q, float), nan=1.0) < alpha
    up = n_year > n_prev
    out = np.where(sig & up, "increase", np.where(sig & ~up, "decrease", "no_change"))
    return np.where((n_year == 0) & (n_prev == 0), "no_data", out).astype(object)


def verdict_codes(change: np.ndarray, trend: np.ndarray, has_fit: np.ndarray) -> np.ndarray:
    """``"<year_change>/<trend>"``, with ``few`` for the trend where none could be fitted."""
    t = np.where(np.asarray(has_fit, bool), np.asarray(trend, object), "few")
    return np.array([f"{c}/{x}" for c, x in zip(change, t)], dtype=object)


def _year_phrase(r) -> str:
    change, n_year, n_prev, pct = r["year_change"], r["n_year"], r["n_prev"], r["change_pct"]
    if change == "no_data":
        return "hade inga anmälda brott i år eller året innan"
    if change in ("increase", "decrease"):
        up = change == "increase"
        rr = (n_year / n_prev) if n_prev else np.inf
        strong = rr >= STRONG_UP if up else rr <= STRONG_DOWN
        verb = ("ökade" if up else "minskade") + (" kraftigt" if strong else "")
        what = "säker ökning" if up else "säker minskning"
        size = fmt_pct(pct, 0, signed=True) if pd.notna(pct) else f"{fmt_int(n_year)} mot {fmt_int(n_prev)} brott"
        return f"{verb} i år ({size}, {what})"
    size = fmt_pct(pct, 0, signed=True) if pd.notna(pct) else f"{fmt_int(n_year)} mot {fmt_int(n_prev or 0)} brott"
    return f"förändrades inte säkert i år ({size})"


def _trend_phrase(r) -> str:
    if not r["has_trend_fit"]:
        return "har för få brott för att visa en långsiktig trend"
    if r["trend"] == "rising":
        return f"visar en ökande långsiktig trend ({fmt_pct(r['trend_pct_per_year'], 0, signed=True)} per år)"
    if r["trend"] == "falling":
        return f"visar en minskande långsiktig trend ({fmt_pct(r['trend_pct_per_year'], 0, signed=True)} per år)"
    return "visar ingen säker långsiktig trend"


def _direction(r) -> tuple[int, int]:
    y = {"increase": 1, "decrease": -1}.get(r["year_change"], 0)
    t = {"rising": 1, "falling": -1}.get(r["trend"], 0) if r["has_trend_fit"] else 0
    return y, t


def verdict_phrase(row) -> str:
    """The Swedish verdict for one row (a mapping with year_change, trend, has_trend_fit,
    n_year, n_prev, change_pct, trend_pct_per_year). "och" joins parts that agree (both
    significant the same way, or both not), "men" parts that differ."""
    y, t = _direction(row)
    joiner = "och" if y == t else "men"
    return f"{_year_phrase(row)} {joiner} {_trend_phrase(row)}"


def verdict_phrases(frame: pd.DataFrame) -> np.ndarray:
    """:func:`verdict_phrase` for every row of ``frame``."""
    cols = ["year_change", "trend", "has_trend_fit", "n_year", "n_prev", "change_pct", "trend_pct_per_year"]
    return np.array([verdict_phrase(dict(zip(cols, vals))) for vals in zip(*(frame[c].tolist() for c in cols))],
                    dtype=object)
