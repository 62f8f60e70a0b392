"""The follow-up tables: effect per löfte, effect per prioritised problembild, displacement.

Pure functions over the registry (:mod:`pipeline.cycle.registry`) and the run's core tables
(:class:`CycleData`); the shell (pipeline/cycle/commands.py) loads and saves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.cycle.effect import NOT_ASSESSABLE
from pipeline.cycle.evaluation import (EvalSettings, count_effect, neighbours_of_area, neighbours_of_place,
                                       population_lookup, window_counts, windows_for)
from pipeline.cycle.periods import Period
from pipeline.cycle.process import action_status, overdue_list, process_summary
from pipeline.cycle.registry import Registry
from pipeline.cycle.survey_effect import survey_effect

EFFECT_COLUMNS = ("key", "problem_id", "kind", "measure_id", "unit_id", "period_id", "before_start", "before_end",
                  "during_start", "during_end", "is_seasonal", "n_before", "n_during", "n_comparison_before",
                  "n_comparison_during", "comparison_units", "rate_ratio", "ci_low", "ci_high", "p_value", "nb_alpha",
                  "model", "survey_before", "survey_after", "share_before_pct", "share_after_pct", "diff_pp",
                  "ci_low_pp", "ci_high_pp", "verdict", "caveats")


@dataclass(frozen=True)
class CycleData:
    """What the evaluation reads from a run.

    incidents: area_id, problem, occurred_at; population: area_id, year, population (totals);
    est: est_type, place_name, area_id, occurred_at; flags: long survey flags
    (stats.survey.respondent_flags); places: place_name, x, y (gazetteer and EST places);
    areas: area_id, area_name, geometry.
    """

    areas: pd.DataFrame
    population: pd.DataFrame
    incidents: pd.DataFrame
    est: pd.DataFrame
    flags: pd.DataFrame
    places: pd.DataFrame

    def span(self, frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
        if frame is None or frame.empty:
            return None
        t = frame["occurred_at"]
        return t.min().date(), t.max().date()


def _crime_events(data: CycleData, family: str) -> pd.DataFrame:
    inc = data.incidents
    sel = inc[inc["problem"] == family]
    return pd.DataFrame({"unit": sel["area_id"].astype(str).to_numpy(), "date": sel["occurred_at"].dt.normalize()})


def _est_events(data: CycleData, est_type: str, by_area: bool) -> pd.DataFrame:
    e = data.est
    sel = e[e["est_type"].astype(str).str.casefold() == est_type.casefold()]
    unit = sel["area_id"] if by_area else sel["place_name"]
    keep = unit.notna()
    return pd.DataFrame({"unit": unit[keep].astype(str).to_numpy(), "date": sel.loc[keep, "occurred_at"].dt.normalize()})


def _count_indicator(data: CycleData, kind: str, measure: str, unit: str):
    """(events, units, treated unit, neighbours, exposure lookup, data span) of a count indicator."""
    areas = data.areas["area_id"].astype(str).tolist()
    if kind == "crime":
        return (_crime_events(data, measure), areas, unit, neighbours_of_area(data.areas, unit),
                population_lookup(data.population), data.span(data.incidents))
    by_area = unit.startswith("area:")
    treated = unit.removeprefix("area:")
    events = _est_events(data, measure, by_area)
    if by_area:
        return events, areas, treated, neighbours_of_area(data.areas, treated), None, data.span(data.est)
    units = sorted(set(data.est["place_name"].dropna().astype(str)))
    return events, units, treated, neighbours_of_place(data.places, treated, 500.0), None, data.span(data.est)


def evaluate_indicator(data: CycleData, kind: str, measure: str, unit: str, start: dt.date, end: dt.date,
                       exclude: set[str], s: EvalSettings, survey_min_n: int = 30, survey_month: int = 10,
                       ) -> tuple[dict, list[dict]]:
    """One indicator over one measure period: (effect row, displacement rows)."""
    if kind == "survey":
        nb = neighbours_of_area(data.areas, unit)
        r = survey_effect(data.flags, measure, unit, nb, start, end, k=s.comparison_units, min_n=survey_min_n,
                          survey_month=survey_month, level=s.level)
        if "n_after" in r:  # the answers after the löfte are kept as n_during (the public version needs both)
            r["n_during"] = r.pop("n_after")
        return r, []
    events, units, treated, nbs, pop, span = _count_indicator(data, kind, measure, unit)
    if span is None:
        return {"verdict": NOT_ASSESSABLE, "caveats": "Underlaget för indikatorn saknas i körningen."}, []
    win = windows_for(start, end, span[0], span[1], s.min_days)
    if isinstance(win, str):
        return {"verdict": NOT_ASSESSABLE, "caveats": win[0].upper() + win[1:] + "."}, []
    if treated not in units:
        units = [*units, treated]
    return count_effect(events, units, treated, nbs, exclude - {treated}, win, span[0], pop, s)


def _frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    for c in EFFECT_COLUMNS:
        if c not in out.columns:
            out[c] = pd.NA
    return out[list(EFFECT_COLUMNS)]


def evaluate_promises(reg: Registry, data: CycleData, s: EvalSettings, survey_min_n: int = 30,
                      survey_month: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Effect of every löfte with a computable indicator and a valid period.

    Comparison units exclude units under another löfte on the same indicator (kind, measure)
    whose period overlaps this one's windows.
    """
    q = reg.promises.dropna(subset=["measure_id", "unit_id", "period_id"])
    rows, disp = [], []
    for _, r in q.iterrows():
        start, end = r["period_start"], r["period_end"]
        same = q[(q["kind"] == r["kind"]) & (q["measure_id"] == r["measure_id"]) & (q["promise_id"] != r["promise_id"])]
        lo = dt.date(start.year - 1, start.month, 1)
        overlap = same[(same["period_end"] >= lo) & (same["period_start"] <= end)]
        exclude = {u.removeprefix("area:") for u in overlap["unit_id"]}
        res, d = evaluate_indicator(data, r["kind"], r["measure_id"], r["unit_id"], start, end, exclude, s,
                                    survey_min_n, survey_month)
        rows.append({"key": r["promise_id"], "problem_id": r["problem_id"], "kind": r["kind"],
                     "measure_id": r["measure_id"], "unit_id": r["unit_id"], "period_id": r["period_id"], **res})
        disp += [{"key": r["promise_id"], **x} for x in d]
    return _frame(rows), pd.DataFrame(disp, columns=["key", "neighbour", "n_before", "n_during", "rate_ratio",
                                                     "ci_low", "ci_high", "verdict"])


def evaluate_problems(reg: Registry, data: CycleData, year: int, s: EvalSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each prioritised problembild of the registry (crime family × area): the report year
    against the year before, with comparison areas, as for a löfte."""
    p = reg.problems[reg.problems["is_prioritised"]].dropna(subset=["area_id", "family"])
    rows, disp = [], []
    for _, r in p.iterrows():
        res, d = evaluate_indicator(data, "crime", r["family"], r["area_id"], dt.date(year, 1, 1),
                                    dt.date(year, 12, 31), set(), s)
        rows.append({"key": r["problem_id"], "problem_id": r["problem_id"], "kind": "crime", "measure_id": r["family"],
                     "unit_id": r["area_id"], "period_id": str(year), **res})
        disp += [{"key": r["problem_id"], **x} for x in d]
    return _frame(rows), pd.DataFrame(disp, columns=["key", "neighbour", "n_before", "n_during", "rate_ratio",
                                                     "ci_low", "ci_high", "verdict"])


def indicator_series(data: CycleData, effect: pd.Series, months_before: int = 6) -> pd.DataFrame:
    """Monthly counts of a count indicator's treated unit and comparison units for the chart:
    date (first of month), n_treated, n_comparison, n_comparison_scaled (comparison × treated
    before / comparison before, so both start at the same level). Empty for survey indicators
    or when the effect was not estimated."""
    if effect["kind"] == "survey" or pd.isna(effect.get("before_start")) or not effect.get("comparison_units"):
        return pd.DataFrame(columns=["date", "n_treated", "n_comparison", "n_comparison_scaled"])
    events, _, treated, _, _, _ = _count_indicator(data, effect["kind"], effect["measure_id"], effect["unit_id"])
    comp = str(effect["comparison_units"]).split(";")
    start = (pd.Timestamp(effect["before_start"]) - pd.DateOffset(months=months_before)).date()
    end = effect["during_end"]
    c = window_counts(events, [treated, *comp], start, end)
    c["date"] = pd.to_datetime(dict(year=c["year"], month=c["month"], day=1))
    wide = c.assign(group=np.where(c["unit"] == treated, "n_treated", "n_comparison")).pivot_table(
        index="date", columns="group", values="n", aggfunc="sum").reset_index()
    tb, cb = effect["n_before"], effect["n_comparison_before"]
    wide["n_comparison_scaled"] = wide["n_comparison"] * (tb / cb if cb else np.nan)
    return wide[["date", "n_treated", "n_comparison", "n_comparison_scaled"]]


@dataclass(frozen=True)
class FollowUp:
    """Everything the follow-up of one period shows (see :func:`follow_up`)."""

    period: Period
    as_of: dt.date
    promises: pd.DataFrame        # the registry's löften of the period
    effects: pd.DataFrame         # effect rows of those löften (EFFECT_COLUMNS)
    displacement: pd.DataFrame
    series: dict                  # promise_id → indicator_series frame
    all_effects: pd.DataFrame     # every löfte of this period or earlier
    status: pd.DataFrame          # every action (process.action_status)
    period_status: pd.DataFrame   # the actions of this period
    by_organisation: pd.DataFrame
    by_period: pd.DataFrame
    overdue: pd.DataFrame


def follow_up(reg: Registry, data: CycleData, period: Period, as_of: dt.date, s: EvalSettings,
              survey_min_n: int = 30, survey_month: int = 10) -> FollowUp:
    """The process and effect evaluation of ``period`` at ``as_of``: effects of its löften (and
    of all earlier ones, for the overview), actions of the period by organisation, the
    overdue list (over all periods), and the monthly series behind each effect."""
    effects, disp = evaluate_promises(reg, data, s, survey_min_n, survey_month)
    q = reg.promises
    mine = q[q["period_id"] == period.id]
    earlier = set(q.loc[q["period_start"].map(lambda d: not pd.isna(d) and d <= period.start), "promise_id"])
    status = action_status(reg.actions, q, as_of)
    pstat = status[status["period_id"] == period.id]
    e_mine = effects[effects["key"].isin(mine["promise_id"])].reset_index(drop=True)
    series = {r["key"]: indicator_series(data, r) for _, r in e_mine.iterrows()}
    return FollowUp(period, as_of, mine.reset_index(drop=True), e_mine, disp[disp["key"].isin(mine["promise_id"])],
                    series, effects[effects["key"].isin(earlier)].reset_index(drop=True), status,
                    pstat.reset_index(drop=True), process_summary(pstat, ["organisation"]),
                    process_summary(status, ["period_id"]), overdue_list(status))
