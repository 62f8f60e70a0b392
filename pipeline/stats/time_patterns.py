"""When crime happens: hour × weekday matrix and month profile (the årshjul) per problem family.

Plain counting; formulas in ``docs/methods-trends.md``. The counts are taken with one
``numpy.bincount`` per table over integer codes of the needed columns, so the incident table is
never copied (it used to be stacked two or four times, once per total).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALL = "all"
KOMMUN = "kommun"


def _labels(values: pd.Series, total: str) -> list[str]:
    """Sorted distinct labels, then the ``total`` level. ``unique()`` first: iterating a pyarrow
    string column element by element costs ~3 µs a row."""
    return sorted(set(values.dropna().astype(str).unique()) - {total}) + [total]


def _codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Position of each value (as str) in ``levels``; -1 for missing values and other labels."""
    return pd.Index(levels).get_indexer(values.astype(str)).astype("int64")


def _counts(group: np.ndarray, n_groups: int, bins: np.ndarray, n_bins: int, keep: np.ndarray) -> np.ndarray:
    """(n_groups, n_bins) counts of the rows in ``keep`` whose group code is valid (≥ 0)."""
    ok = keep & (group >= 0)
    return np.bincount(group[ok] * n_bins + bins[ok], minlength=n_groups * n_bins).reshape(n_groups, n_bins)


def _with_totals(problem: np.ndarray, area: np.ndarray | None, bins: np.ndarray, n_bins: int,
                 keep: np.ndarray, n_problems: int, n_areas: int) -> np.ndarray:
    """Counts per (area,) problem and bin, with the "all" problem (last level) and, with areas,
    the "kommun" area (last level) as totals over every kept row.

    A row counts under its own family and under "all" — also a row whose family is missing —
    and, with areas, under its own area and under "kommun". Without areas the result has shape
    (n_problems, n_bins), with areas (n_areas, n_problems, n_bins).
    """
    every = np.bincount(bins[keep], minlength=n_bins)
    if area is None:
        out = _counts(problem, n_problems, bins, n_bins, keep)
        out[-1] += every
        return out
    pair = np.where((area >= 0) & (problem >= 0), area * n_problems + problem, -1)
    out = _counts(pair, n_areas * n_problems, bins, n_bins, keep).reshape(n_areas, n_problems, n_bins)
    out[:, -1] += _counts(area, n_areas, bins, n_bins, keep)
    out[-1] += _counts(problem, n_problems, bins, n_bins, keep)
    out[-1, -1] += every
    return out


def _frame(counts: np.ndarray, levels: list[tuple[str, list]], value: str) -> pd.DataFrame:
    """Long frame of ``counts`` on the full product of the levels, in product order."""
    full = pd.MultiIndex.from_product([lv for _, lv in levels], names=[name for name, _ in levels])
    out = full.to_frame(index=False)
    for name, _ in levels:
        out[name] = out[name].astype("str") if name in ("problem", "area_id") else out[name].astype("int64")
    out[value] = counts.ravel().astype("int64")
    return out


def time_patterns(incidents: pd.DataFrame, year: int, first_year: int | None = None,
                  by_area: bool = False) -> dict[str, pd.DataFrame]:
    """Hour × weekday counts for the report year and the month profile (årshjul).

    - ``hour_weekday``: problem, weekday (0 = Monday … 6), hour (0..23), n_incidents — incidents
      of ``year``, all 168 cells per problem, zeros included. Incidents with ``has_time`` False
      (the export gave a date only; occurred_at is midnight) are left out here, or they would
      pile up at hour 0; they still count in the month profile.
    - ``month_profile``: problem, month (1..12), n_incidents (in ``year``), mean_per_year =
      (incidents in that month over ``first_year``..``year``) / number of years in that span.
      ``first_year`` defaults to the earliest year in ``incidents``.

    Problems are the families present in ``incidents`` plus "all". With ``by_area=True`` both
    frames get an ``area_id`` column first (areas present in ``incidents`` plus "kommun" for
    the totals); the contract frames are the default, ``by_area=False``. Incidents without a
    time stamp (NaT) are not counted.
    """
    problems = _labels(incidents["problem"], ALL)
    if first_year is None:
        first_year = int(incidents["year"].min()) if len(incidents) else year
    years = incidents["year"].to_numpy()
    occurred = incidents["occurred_at"]
    in_years = (years >= first_year) & (years <= year)
    in_span = in_years & occurred.notna().to_numpy()
    this_year = in_span & (years == year)
    timed = this_year & incidents["has_time"].to_numpy(bool) if "has_time" in incidents else this_year
    when = occurred.dt
    # NaT rows are out of every count; 0 stands in for their missing fields
    weekday = when.day_of_week.fillna(0).to_numpy("int64")
    hour = when.hour.fillna(0).to_numpy("int64")
    month = when.month.fillna(1).to_numpy("int64") - 1

    problem = _codes(incidents["problem"], problems)
    levels: list[tuple[str, list]] = [("problem", problems)]
    area, n_areas = None, 0
    if by_area:
        areas = _labels(incidents.loc[in_years, "area_id"], KOMMUN)
        area, n_areas = _codes(incidents["area_id"], areas), len(areas)
        levels.insert(0, ("area_id", areas))

    def count(bins: np.ndarray, n_bins: int, keep: np.ndarray) -> np.ndarray:
        return _with_totals(problem, area, bins, n_bins, keep, len(problems), n_areas)

    hw = _frame(count(weekday * 24 + hour, 168, timed),
                levels + [("weekday", list(range(7))), ("hour", list(range(24)))], "n_incidents")
    month_levels = levels + [("month", list(range(1, 13)))]
    mp = _frame(count(month, 12, this_year), month_levels, "n_incidents")
    mp["mean_per_year"] = count(month, 12, in_span).ravel() / (year - first_year + 1)
    return {"hour_weekday": hw, "month_profile": mp}
