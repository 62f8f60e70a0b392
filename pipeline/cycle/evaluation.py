"""Effect evaluation (måluppfyllelse) of each medborgarlöfte and each prioritised problembild.

For a count indicator (a crime family in an area, or an EST type at a place or in an area):

- windows: *during* is the löfte period up to the last day with data; *before* is the same
  calendar days a year earlier, so seasons cancel ("against last year"). When the data do not
  reach a year back (EST reports often cover one year) *before* is the equally long window just
  before the start and the season effects are dropped, with a caveat;
- comparison units chosen by :func:`effect.choose_comparison` (similar rate before, not
  neighbours, not under another löfte on the same indicator);
- the DiD rate ratio with its interval and verdict (:func:`effect.fit_did`);
- caveats: few events, the before window was the highest of the years on record (regression
  to the mean), the treated and comparison units already moved apart the year before (a
  placebo DiD one year earlier), no season control;
- displacement: the same DiD for each neighbour of the treated unit against the same
  comparison units.

Survey indicators are handled by :mod:`pipeline.cycle.survey_effect`. Formulas, the
comparison rule and the calibration are in docs/methods-evaluation.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.cycle.effect import NOT_ASSESSABLE, NO_CHANGE, choose_comparison, fit_did, verdict
from pipeline.cycle.periods import month_range
from pipeline.text.format_sv import fmt_num


MIN_NEIGHBOUR_EVENTS = 10  # before + during; fewer: the neighbour's counts are shown without a test


@dataclass(frozen=True)
class EvalSettings:
    """The knobs of the evaluation (params.yaml ``cycle:``)."""

    comparison_units: int = 5
    min_events: int = 20
    dispersion: str = "cox-reid"
    level: float = 0.95
    min_days: int = 28


@dataclass(frozen=True)
class Windows:
    before: tuple[dt.date, dt.date]
    during: tuple[dt.date, dt.date]
    seasonal: bool
    note: str = ""


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def windows_for(start: dt.date, end: dt.date, data_start: dt.date, data_end: dt.date,
                min_days: int = 28) -> Windows | str:
    """The before and during windows of a measure running ``start``–``end`` (inclusive), given
    the data cover ``data_start``–``data_end``; a Swedish reason string when not assessable."""
    d_end = min(end, data_end)
    if start > data_end or (d_end - start).days + 1 < min_days:
        return f"för tidigt att bedöma: uppgifterna räcker till {data_end.isoformat()}"
    b0, b1 = _shift_year(start, -1), _shift_year(d_end, -1)
    if b0 >= data_start:
        return Windows((b0, b1), (start, d_end), True)
    length = (d_end - start).days + 1
    b0, b1 = start - dt.timedelta(days=length), start - dt.timedelta(days=1)
    if b0 >= data_start:
        return Windows((b0, b1), (start, d_end), False,
                       "Uppgifterna räcker inte ett år bakåt: jämförelsen görs med perioden närmast före, "
                       "utan kontroll för säsong.")
    return f"uppgifter saknas för tiden före {start.isoformat()}"


def month_bins(start: dt.date, end: dt.date) -> pd.DataFrame:
    """year, month and days covered for each calendar month touched by ``start``–``end``."""
    rows = []
    for y, m in month_range(start, end):
        first = dt.date(y, m, 1)
        last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        rows.append((y, m, (min(last, end) - max(first, start)).days + 1))
    return pd.DataFrame(rows, columns=["year", "month", "days"])


def window_counts(events: pd.DataFrame, units: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Counts per unit and calendar month in ``start``–``end``, every unit × month (zeros kept).

    ``events`` has columns unit and date (datetime64). Returns unit, year, month, days, n.
    """
    d = events["date"]
    inside = events[(d >= pd.Timestamp(start)) & (d < pd.Timestamp(end) + pd.Timedelta(days=1))]
    got = inside.groupby([inside["unit"].astype(str), inside["date"].dt.year.rename("year"),
                          inside["date"].dt.month.rename("month")]).size().rename("n")
    bins = month_bins(start, end)
    full = pd.MultiIndex.from_tuples([(u, y, m) for u in units for y, m in zip(bins["year"], bins["month"])],
                                     names=["unit", "year", "month"])
    out = got.reindex(full, fill_value=0).reset_index()
    return out.merge(bins, on=["year", "month"], how="left")


def population_lookup(population_totals: pd.DataFrame | None):
    """``f(units, years) → inhabitants`` with the nearest year for years missing per unit; None
    (exposure in days only) when no population is given."""
    if population_totals is None or population_totals.empty:
        return None
    wide = population_totals.pivot_table(index="area_id", columns="year", values="population", aggfunc="sum")

    def lookup(units: pd.Series, years: pd.Series) -> np.ndarray:
        all_years = sorted(set(wide.columns) | set(years.unique()))
        w = wide.reindex(columns=all_years).ffill(axis=1).bfill(axis=1)
        stacked = w.stack()
        keys = pd.MultiIndex.from_arrays([units.astype(str), years.astype(int)])
        return stacked.reindex(keys).to_numpy(dtype=float)

    return lookup


def _exposure(counts: pd.DataFrame, pop) -> np.ndarray:
    """Inhabitants/1000 × years of the bin (crime), or days/365.25 without population."""
    years = counts["days"].to_numpy(float) / 365.25
    if pop is None:
        return years
    return pop(counts["unit"], counts["year"]) / 1000 * years


def _sums(c: pd.DataFrame) -> pd.DataFrame:
    return c.groupby("unit", as_index=False).agg(n=("n", "sum"), exposure=("exposure", "sum"))


def count_effect(events: pd.DataFrame, units: list[str], treated: str, neighbours: list[str], exclude: set[str],
                 win: Windows, data_start: dt.date, pop, s: EvalSettings) -> tuple[dict, list[dict]]:
    """Evaluate one count indicator: (result row, displacement rows). See the module doc."""
    before = window_counts(events, units, *win.before).assign(is_during=False)
    during = window_counts(events, units, *win.during).assign(is_during=True)
    both = pd.concat([before, during], ignore_index=True)
    both["exposure"] = _exposure(both, pop)
    both["season"] = both["month"]
    comp = choose_comparison(_sums(before.assign(exposure=_exposure(before, pop))), treated,
                             set(neighbours) | exclude, s.comparison_units)
    tb = int(before.loc[before["unit"] == treated, "n"].sum())
    td = int(during.loc[during["unit"] == treated, "n"].sum())
    row = {"n_before": tb, "n_during": td, "comparison_units": ";".join(comp),
           "n_comparison_before": int(before.loc[before["unit"].isin(comp), "n"].sum()),
           "n_comparison_during": int(during.loc[during["unit"].isin(comp), "n"].sum()),
           "before_start": win.before[0], "before_end": win.before[1], "during_start": win.during[0],
           "during_end": win.during[1], "is_seasonal": win.seasonal}
    caveats = [win.note] if win.note else []

    def did(unit: str):
        f = both[both["unit"].isin([unit, *comp])].assign(is_treated=lambda d: d["unit"] == unit)
        return fit_did(f, seasonal=win.seasonal, dispersion=s.dispersion, level=s.level)

    res = did(treated) if comp else None
    if res is None or res.model == "none":
        row.update(rate_ratio=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan, nb_alpha=np.nan, model="none",
                   verdict=NOT_ASSESSABLE)
        caveats.append("Modellen kunde inte skattas: " + (res.reason if res is not None else
                                                           "inga jämförbara områden eller platser med händelser före perioden finns") + ".")
    else:
        row.update(rate_ratio=res.rate_ratio, ci_low=res.ci_low, ci_high=res.ci_high, p_value=res.p_value,
                   nb_alpha=res.alpha, model=res.model, verdict=res.verdict)
    if min(tb, td) < s.min_events:
        caveats.append(f"Få händelser ({tb} före, {td} under): skillnaden är osäker och en enstaka händelse "
                       "väger tungt.")
    caveats += _history_caveats(events, units, treated, comp, win, data_start, pop, s)
    row["caveats"] = "\n".join(caveats)
    disp = []
    for nb in neighbours:
        if not comp:
            break
        nb_before = int(before.loc[before["unit"] == nb, "n"].sum())
        nb_during = int(during.loc[during["unit"] == nb, "n"].sum())
        # a neighbour with a handful of events gives no usable interval: counts only
        r = did(nb) if nb_before + nb_during >= MIN_NEIGHBOUR_EVENTS else None
        disp.append({"neighbour": nb, "n_before": nb_before, "n_during": nb_during,
                     "rate_ratio": r.rate_ratio if r else np.nan, "ci_low": r.ci_low if r else np.nan,
                     "ci_high": r.ci_high if r else np.nan, "verdict": r.verdict if r else NOT_ASSESSABLE})
    return row, disp


def _history_caveats(events, units, treated, comp, win: Windows, data_start, pop, s: EvalSettings) -> list[str]:
    """Regression to the mean (the before window was clearly the peak of the years on record) and a
    placebo DiD one year earlier (did the units already move apart before the measure?)."""
    out = []
    if not win.seasonal:
        return out
    dates = events.loc[events["unit"].astype(str) == treated, "date"]  # the treated unit's events

    def count(a: dt.date, b: dt.date) -> int:
        return int(((dates >= pd.Timestamp(a)) & (dates < pd.Timestamp(b) + pd.Timedelta(days=1))).sum())

    history = []
    k = 1
    while _shift_year(win.before[0], -k) >= data_start:
        history.append(count(_shift_year(win.before[0], -k), _shift_year(win.before[1], -k)))
        k += 1
    tb = count(*win.before)
    # flagged when the before window is the highest on record *and* above the earlier mean by
    # more than two Poisson standard deviations (a peak chance alone rarely gives)
    if len(history) >= 2 and tb > max(history) and tb > np.mean(history) + 2 * np.sqrt(np.mean(history)):
        out.append(f"Perioden före var den högsta på {len(history) + 1} år ({tb} mot högst {max(history)} tidigare): "
                   "en del av en minskning kan vara en återgång mot det normala (regression mot medelvärdet).")
    if history and comp:
        pre = Windows((_shift_year(win.before[0], -1), _shift_year(win.before[1], -1)), win.before, True)
        b = window_counts(events, [treated, *comp], *pre.before).assign(is_during=False)
        d = window_counts(events, [treated, *comp], *pre.during).assign(is_during=True)
        f = pd.concat([b, d], ignore_index=True)
        f = f.assign(exposure=_exposure(f, pop), season=f["month"], is_treated=f["unit"] == treated)
        r = fit_did(f, seasonal=True, dispersion=s.dispersion, level=s.level)
        if r.model != "none" and r.verdict != NO_CHANGE:
            out.append(f"Redan året före {r.verdict} antalet här jämfört med jämförelseområdena (kvot "
                       f"{fmt_num(r.rate_ratio, 2)}): de följde inte samma utveckling, så jämförelsen är osäker.")
    return out


def neighbours_of_area(areas, area_id: str) -> list[str]:
    """Areas sharing a border with ``area_id`` (polygons within 1 m), sorted by id."""
    geo = areas.set_index(areas["area_id"].astype(str))
    if area_id not in geo.index:
        return []
    shape = geo.geometry.loc[area_id].buffer(1.0)
    touching = geo[geo.geometry.intersects(shape)].index
    return sorted(str(a) for a in touching if a != area_id)


def neighbours_of_place(places: pd.DataFrame, place: str, within_m: float) -> list[str]:
    """Places (place_name, x, y) within ``within_m`` metres of ``place``, nearest first."""
    p = places.dropna(subset=["x", "y"])
    me = p[p["place_name"] == place]
    if me.empty:
        return []
    d = np.hypot(p["x"] - me["x"].iloc[0], p["y"] - me["y"].iloc[0])
    near = p.assign(d=d)[(d <= within_m) & (p["place_name"] != place)].sort_values(["d", "place_name"])
    return near["place_name"].drop_duplicates().tolist()
