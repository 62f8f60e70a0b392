"""When crime happens: hour × weekday matrix and month profile (the årshjul) per problem family.

Plain counting with pandas; formulas in ``docs/methods-trends.md``.
"""

from __future__ import annotations

import pandas as pd

ALL = "all"
KOMMUN = "kommun"


def _problems(incidents: pd.DataFrame) -> list[str]:
    return sorted(set(incidents["problem"].dropna().astype(str)) - {ALL}) + [ALL]


def _count_grid(df: pd.DataFrame, keys: list[str], levels: dict[str, list], value: str = "n_incidents") -> pd.DataFrame:
    """Counts of ``df`` by ``keys`` on the full product of ``levels`` (zeros included)."""
    full = pd.MultiIndex.from_product([levels[k] for k in keys], names=keys)
    counts = df.groupby(keys, sort=False).size().reindex(full, fill_value=0)
    return counts.rename(value).reset_index()


def _with_all(df: pd.DataFrame, by_area: bool) -> pd.DataFrame:
    """Stack the rows once per family, once as problem "all", and (by_area) once as area "kommun"."""
    parts = [df, df.assign(problem=ALL)]
    if by_area:
        parts += [p.assign(area_id=KOMMUN) for p in parts]
    return pd.concat(parts, ignore_index=True)


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
    the totals); the contract frames are the default, ``by_area=False``.
    """
    problems = _problems(incidents)
    if first_year is None:
        first_year = int(incidents["year"].min()) if len(incidents) else year
    span = incidents[(incidents["year"] >= first_year) & (incidents["year"] <= year)]
    cols = ["problem", "occurred_at", "year"] + (["area_id"] if by_area else []) + \
        (["has_time"] if "has_time" in span else [])
    base = _with_all(span[cols].assign(problem=span["problem"].astype(str)), by_area)
    base = base.assign(weekday=base["occurred_at"].dt.day_of_week, hour=base["occurred_at"].dt.hour,
                       month=base["occurred_at"].dt.month)
    keys = (["area_id"] if by_area else []) + ["problem"]
    levels = {"problem": problems, "weekday": list(range(7)), "hour": list(range(24)),
              "month": list(range(1, 13))}
    if by_area:
        levels["area_id"] = sorted(set(span["area_id"].dropna().astype(str)) - {KOMMUN}) + [KOMMUN]
    this_year = base[base["year"] == year]
    timed = this_year[this_year["has_time"].to_numpy(bool)] if "has_time" in this_year else this_year
    hw = _count_grid(timed, keys + ["weekday", "hour"], levels)
    mp = _count_grid(this_year, keys + ["month"], levels)
    total = _count_grid(base, keys + ["month"], levels, "n_total")
    mp["mean_per_year"] = total["n_total"].to_numpy() / (year - first_year + 1)
    for df in (hw, mp):
        for c in df.columns:
            if c in ("problem", "area_id"):
                df[c] = df[c].astype("str")
            elif c != "mean_per_year":
                df[c] = df[c].astype("int64")
    return {"hour_weekday": hw, "month_profile": mp}
