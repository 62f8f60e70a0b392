"""The weekly EST picture and the tertial roll-up (DOMAIN.md §3).

For a week W (ISO, Monday–Sunday): EST reports and reported crime of W against the mean of the
four weeks before and against the same ISO week a year earlier, per type and per place; the
places with most reports; *new* places (reported in W, not in the four weeks before); and a
short list of points to raise. The points are descriptive rules, not significance tests:

- a type or crime family with at least 3 reports and at least twice the four-week mean;
- a new place with at least 2 reports;
- a place reported in W and in every one of the four weeks before (persistent);
- any report of the type "Incident mot personal".

The tertial roll-up (January–April, May–August, September–December) counts per week and type,
the places reported in most weeks, and the change against the previous tertial and the same
tertial a year earlier. Plain counting with pandas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.text.format_sv import fmt_int, fmt_num

STAFF_INCIDENT = "Incident mot personal"
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class WeeklyPicture:
    week: str
    monday: dt.date
    by_type: pd.DataFrame        # est_type, n_week, mean_prev4, n_last_year
    by_place: pd.DataFrame       # place_name, area_id, n_week, mean_prev4, n_last_year, weeks_prev4, is_new
    by_family: pd.DataFrame      # problem, n_week, mean_prev4, n_last_year (reported crime)
    points: list[str]
    est_week: pd.DataFrame       # the week's EST reports (for the map and the list)
    crimes_week: pd.DataFrame    # the week's reported crimes (for the map)
    has_last_year_est: bool
    has_crimes: bool


def _in(frame: pd.DataFrame, start: dt.date, end_excl: dt.date) -> pd.DataFrame:
    t = frame["occurred_at"]
    return frame[(t >= pd.Timestamp(start)) & (t < pd.Timestamp(end_excl))]


def _compare(frame: pd.DataFrame, key: str, monday: dt.date) -> pd.DataFrame:
    """n_week, mean_prev4, n_last_year, weeks_prev4 per value of ``key``."""
    this = _in(frame, monday, monday + WEEK)
    prev = _in(frame, monday - 4 * WEEK, monday)
    ly_monday = dt.date.fromisocalendar(monday.isocalendar()[0] - 1, min(monday.isocalendar()[1], 52), 1)
    last = _in(frame, ly_monday, ly_monday + WEEK)
    keys = sorted(set(this[key].dropna()) | set(prev[key].dropna()))
    week_no = ((prev["occurred_at"] - pd.Timestamp(monday - 4 * WEEK)).dt.days // 7)
    out = pd.DataFrame({key: keys})
    out["n_week"] = out[key].map(this[key].value_counts()).fillna(0).astype(int)
    out["mean_prev4"] = out[key].map(prev[key].value_counts()).fillna(0) / 4
    out["n_last_year"] = out[key].map(last[key].value_counts()).fillna(0).astype(int)
    out["weeks_prev4"] = out[key].map(prev.assign(w=week_no).groupby(key)["w"].nunique()).fillna(0).astype(int)
    return out.sort_values(["n_week", "mean_prev4", key], ascending=[False, False, True]).reset_index(drop=True)


def weekly_picture(est: pd.DataFrame, incidents: pd.DataFrame | None, monday: dt.date, families=None) -> WeeklyPicture:
    """The week starting ``monday`` (see the module doc)."""
    est = est.copy()
    est["place_name"] = est["place_name"].fillna("(utan plats)")
    by_type = _compare(est, "est_type", monday)
    by_place = _compare(est, "place_name", monday)
    area_of = est.dropna(subset=["area_id"]).groupby("place_name")["area_id"].agg(lambda s: s.mode().iloc[0])
    by_place.insert(1, "area_id", by_place["place_name"].map(area_of))
    by_place["is_new"] = (by_place["n_week"] > 0) & (by_place["weeks_prev4"] == 0)
    ly_monday = monday - 52 * WEEK
    has_ly = len(est) > 0 and est["occurred_at"].min() <= pd.Timestamp(ly_monday)
    has_crimes = incidents is not None and len(incidents) > 0 and \
        incidents["occurred_at"].max() >= pd.Timestamp(monday + WEEK - dt.timedelta(days=1))
    if incidents is not None and len(incidents):
        by_family = _compare(incidents, "problem", monday).drop(columns="weeks_prev4")
        crimes_week = _in(incidents, monday, monday + WEEK)
    else:
        by_family, crimes_week = pd.DataFrame(columns=["problem", "n_week", "mean_prev4", "n_last_year"]), None
    points = points_to_raise(by_type, by_place, by_family if has_crimes else None, families)
    est_week = _in(est, monday, monday + WEEK)
    if est_week.empty:
        points = [no_reports_line(est, monday, monday + WEEK, "under veckan")] + points
    return WeeklyPicture(
        week=f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}", monday=monday, by_type=by_type,
        by_place=by_place, by_family=by_family, points=points, est_week=est_week,
        crimes_week=crimes_week if crimes_week is not None else pd.DataFrame(), has_last_year_est=bool(has_ly),
        has_crimes=bool(has_crimes))


def no_reports_line(est: pd.DataFrame, start: dt.date, end_excl: dt.date, during: str) -> str:
    """The Swedish line for a period without EST reports; when the period lies outside the days
    the reports cover, it says which days they do (the period is not quiet, it is not in the data)."""
    line = f"Inga EST-rapporter lämnades {during}."
    if len(est):
        first, last = est["occurred_at"].min().date(), est["occurred_at"].max().date()
        if end_excl <= first or start > last:
            line = f"{line[:-1]} (underlaget har EST-rapporter från {first.isoformat()} till {last.isoformat()})."
    return line


def _reports(n) -> str:
    return f"{fmt_int(n)} {'rapport' if int(n) == 1 else 'rapporter'}"


def _rising(row) -> bool:
    return row.n_week >= 3 and row.n_week >= 2 * row.mean_prev4


def points_to_raise(by_type: pd.DataFrame, by_place: pd.DataFrame, by_family: pd.DataFrame | None,
                    families=None) -> list[str]:
    """The rules of the module doc as Swedish lines, most pressing first."""
    out = []
    staff = by_type[by_type["est_type"] == STAFF_INCIDENT]
    if len(staff) and staff["n_week"].iloc[0] > 0:
        out.append(f"{STAFF_INCIDENT}: {_reports(staff['n_week'].iloc[0])} denna vecka.")
    for r in by_type.itertuples():
        if _rising(r):
            out.append(f"{r.est_type}: {_reports(r.n_week)} mot i snitt {fmt_num(r.mean_prev4, 1)} per vecka "
                       "de fyra veckorna före.")
    for r in by_place[by_place["is_new"] & (by_place["n_week"] >= 2)].itertuples():
        out.append(f"Ny plats: {r.place_name} med {_reports(r.n_week)}, ingen de fyra veckorna före.")
    for r in by_place[(by_place["n_week"] > 0) & (by_place["weeks_prev4"] == 4)].itertuples():
        out.append(f"Återkommande plats: {r.place_name} ({_reports(r.n_week)}; rapporterad alla fyra "
                   "veckorna före).")
    if by_family is not None:
        for r in by_family.itertuples():
            if _rising(r):
                label = families.label_sv(r.problem) if families is not None else r.problem
                out.append(f"Anmälda brott, {label.lower()}: {fmt_int(r.n_week)} mot i snitt {fmt_num(r.mean_prev4, 1)} "
                           "per vecka de fyra veckorna före.")
    return out


@dataclass(frozen=True)
class TertialPicture:
    label: str
    start: dt.date
    end: dt.date
    weekly_by_type: pd.DataFrame    # week, est_type, n
    by_type: pd.DataFrame           # est_type, n, n_prev_tertial, n_last_year
    persistent_places: pd.DataFrame  # place_name, area_id, n, n_weeks, share_weeks_pct
    n_weeks: int
    note: str = ""                  # the line to show when the tertial has no EST reports


def tertial_picture(est: pd.DataFrame, start: dt.date, end: dt.date, label: str) -> TertialPicture:
    """The roll-up of ``start``–``end`` (inclusive; see the module doc)."""
    est = est.assign(place_name=est["place_name"].fillna("(utan plats)"))
    end_x = end + dt.timedelta(days=1)
    part = _in(est, start, end_x)
    iso = part["occurred_at"].dt.isocalendar()
    # text operations only: ``.map(format)`` of an empty int column stays int, and "…-W" + int fails
    part = part.assign(week=iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2))
    weekly = part.groupby(["week", "est_type"]).size().rename("n").reset_index()
    prev_start = (pd.Timestamp(start) - pd.DateOffset(months=4)).date()
    ly = (pd.Timestamp(start) - pd.DateOffset(years=1)).date(), (pd.Timestamp(end_x) - pd.DateOffset(years=1)).date()
    by_type = pd.DataFrame({"n": part["est_type"].value_counts()})
    by_type["n_prev_tertial"] = _in(est, prev_start, start)["est_type"].value_counts() if \
        est["occurred_at"].min() <= pd.Timestamp(prev_start) else np.nan
    by_type["n_last_year"] = _in(est, *ly)["est_type"].value_counts() if \
        est["occurred_at"].min() <= pd.Timestamp(ly[0]) else np.nan
    by_type = by_type.rename_axis("est_type").reset_index().sort_values(["n", "est_type"], ascending=[False, True])
    days = pd.date_range(start, end)
    n_weeks = len(set(zip(days.isocalendar()["year"], days.isocalendar()["week"])))
    places = part.groupby("place_name").agg(n=("est_id", "size"), n_weeks=("week", "nunique"),
                                            area_id=("area_id", lambda s: s.mode().iloc[0] if s.notna().any() else None))
    places["share_weeks_pct"] = 100 * places["n_weeks"] / max(n_weeks, 1)
    places = places.reset_index().sort_values(["n_weeks", "n", "place_name"], ascending=[False, False, True])
    note = no_reports_line(est, start, end_x, "under tertialen") if part.empty else ""
    return TertialPicture(label, start, end, weekly, by_type.reset_index(drop=True), places.head(10).reset_index(drop=True),
                          n_weeks, note)
