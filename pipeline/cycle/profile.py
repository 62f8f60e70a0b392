"""The deep-dive profile behind each prioritised problembild: the data half of the orsaksanalys.

For one area × problem family it gathers, mostly from layers the pipeline already wrote:

- when: hour × weekday (layer ``hour_weekday_by_area``) and month (``month_profile_by_area``);
- where: the cells with most incidents and their Gi* class (``grid_hotspots``), the nearest
  named place, and *repeat places*: cells with incidents in each of the last three years, with
  their share of the report year's incidents;
- what: the crime labels (sub-categories), this year against last;
- who reports it: reported crime, EST reports by organisation, staff notes by verksamhet and
  the survey item's share;
- development: yearly counts and rate (``area_year_counts``).

:func:`profile_facts` turns it into short Swedish sentences for the cause-tree template and the
report. Plain counting with pandas; nothing here is a statistical test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from pipeline.geo.grid import cell_ids
from pipeline.text.format_sv import fmt_int, fmt_pct

WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")


@dataclass(frozen=True)
class Profile:
    area_id: str
    problem: str
    year: int
    hour_weekday: pd.DataFrame      # weekday, hour, n_incidents (report year)
    months: pd.DataFrame            # month, n_incidents, mean_per_year
    top_cells: pd.DataFrame         # cell_id, n_incidents, hotspot_class, place_name
    repeat: dict                    # n_cells, n_incidents, share_pct, years
    labels: pd.DataFrame            # crime_label, n_year, n_prev
    sources: pd.DataFrame           # source, who, n
    development: pd.DataFrame       # year, n_incidents, rate_per_1000


def _nearest_places(points: np.ndarray, places: pd.DataFrame, within_m: float = 300.0) -> list[str | None]:
    p = places.dropna(subset=["x", "y"])
    if p.empty or not len(points):
        return [None] * len(points)
    d = np.hypot(points[:, None, 0] - p["x"].to_numpy()[None, :], points[:, None, 1] - p["y"].to_numpy()[None, :])
    best = d.argmin(axis=1)
    names = p["place_name"].to_numpy()
    return [names[b] if d[i, b] <= within_m else None for i, b in enumerate(best)]


def problem_profile(area_id: str, problem: str, year: int, incidents: pd.DataFrame, layers: dict[str, pd.DataFrame],
                    est: pd.DataFrame, notes: pd.DataFrame, places: pd.DataFrame, survey_item: str | None,
                    cell_m: float, top: int = 5) -> Profile:
    """Gather the profile of ``problem`` in ``area_id`` (see the module doc).

    ``layers`` holds the frames hour_weekday_by_area, month_profile_by_area, grid_hotspots,
    area_year_counts and survey_indicators as the layers stage wrote them.
    """
    def pick(name: str) -> pd.DataFrame:
        f = layers.get(name)
        if f is None or f.empty:
            return pd.DataFrame()
        f = f[(f["area_id"].astype(str) == area_id)]
        return f[f["problem"] == problem] if "problem" in f.columns else f

    hw = pick("hour_weekday_by_area")
    hw = hw[["weekday", "hour", "n_incidents"]] if not hw.empty else pd.DataFrame()
    mp = pick("month_profile_by_area")
    mp = mp[["month", "n_incidents", "mean_per_year"]] if not mp.empty else pd.DataFrame()
    gh = pick("grid_hotspots")
    top_cells = pd.DataFrame(columns=["cell_id", "n_incidents", "hotspot_class", "place_name"])
    if not gh.empty:
        gh = gh[gh["n_incidents"] > 0].sort_values(["n_incidents", "cell_id"], ascending=[False, True]).head(top)
        mid = shapely.centroid(gh.geometry.to_numpy())
        centres = np.column_stack([shapely.get_x(mid), shapely.get_y(mid)])
        top_cells = pd.DataFrame({"cell_id": gh["cell_id"].to_numpy(), "n_incidents": gh["n_incidents"].to_numpy(),
                                  "hotspot_class": gh["hotspot_class"].to_numpy(),
                                  "place_name": _nearest_places(centres, places)})
    inc = incidents[(incidents["area_id"].astype(str) == area_id) & (incidents["problem"] == problem)]
    repeat = {"n_cells": 0, "n_incidents": 0, "share_pct": np.nan, "years": [year - 2, year - 1, year]}
    if len(inc) and hasattr(inc, "geometry"):
        x, y = shapely.get_x(inc.geometry.to_numpy()), shapely.get_y(inc.geometry.to_numpy())
        ok = np.isfinite(x) & np.isfinite(y)
        cells = pd.Series(cell_ids(np.floor(x[ok] / cell_m), np.floor(y[ok] / cell_m), cell_m))
        yrs = inc["year"].to_numpy()[ok]
        by = pd.DataFrame({"cell": cells, "year": yrs})
        present = by[by["year"].isin(repeat["years"])].groupby("cell")["year"].nunique()
        rep = set(present[present == 3].index)
        this = by[by["year"] == year]
        n_rep = int(this["cell"].isin(rep).sum())
        repeat.update(n_cells=len(rep), n_incidents=n_rep, share_pct=100 * n_rep / len(this) if len(this) else np.nan)
    lab = inc.groupby(["crime_label", "year"]).size().unstack(fill_value=0) if len(inc) else pd.DataFrame()
    labels = pd.DataFrame({"crime_label": lab.index,
                           "n_year": lab.get(year, pd.Series(0, index=lab.index)).to_numpy(),
                           "n_prev": lab.get(year - 1, pd.Series(0, index=lab.index)).to_numpy()}
                          ) if len(lab) else pd.DataFrame(columns=["crime_label", "n_year", "n_prev"])
    labels = labels.sort_values(["n_year", "crime_label"], ascending=[False, True]).reset_index(drop=True)
    src = [{"source": "Anmälda brott", "who": "Polisen", "n": int((inc["year"] == year).sum()) if len(inc) else 0}]
    e = est[(est["area_id"].astype(str) == area_id) & (est["problem"] == problem)] if len(est) else est
    for org, n in (e["organisation"].value_counts().items() if len(e) else []):
        src.append({"source": "EST-rapporter", "who": org, "n": int(n)})
    nt = notes[(notes["area_id"].astype(str) == area_id)
               & notes["problems"].fillna("").str.split(";").map(lambda ps: problem in ps)] if len(notes) else notes
    for v, n in (nt["verksamhet"].fillna("okänd verksamhet").value_counts().items() if len(nt) else []):
        src.append({"source": "Medarbetardialog", "who": v, "n": int(n)})
    si = layers.get("survey_indicators")
    if survey_item and si is not None and len(si):
        s = si[(si["area_id"].astype(str) == area_id) & (si["indicator"] == f"big_problem_{survey_item}")]
        if len(s):
            s = s.sort_values("survey_year").iloc[-1]
            src.append({"source": "Trygghetsmätning", "who": f"andel som ser stort problem {int(s['survey_year'])}",
                        "n": s["share_pct"]})
    dev = pick("area_year_counts")
    dev = dev[["year", "n_incidents", "rate_per_1000"]].sort_values("year") if not dev.empty else pd.DataFrame()
    return Profile(area_id, problem, year, hw.reset_index(drop=True) if len(hw) else hw, mp.reset_index(drop=True),
                   top_cells, repeat, labels, pd.DataFrame(src), dev.reset_index(drop=True))


def _peak_hours(hw: pd.DataFrame) -> str | None:
    """The weekday(s) and 4-hour window with most incidents, e.g. "fredag–lördag kl. 22–02"."""
    if hw.empty or hw["n_incidents"].sum() == 0:
        return None
    grid = hw.pivot_table(index="weekday", columns="hour", values="n_incidents", aggfunc="sum").reindex(
        index=range(7), columns=range(24), fill_value=0).to_numpy(float)
    hours = grid.sum(0)
    window = np.array([hours[[(h + k) % 24 for k in range(4)]].sum() for h in range(24)])
    h0 = int(window.argmax())
    days = grid.sum(1)
    d = np.argsort(-days, kind="stable")[:2]
    share = 100 * window[h0] / hours.sum()
    dtxt = "–".join(WEEKDAYS[i] for i in sorted(d)) if days[d[1]] >= 0.8 * days[d[0]] else WEEKDAYS[d[0]]
    return f"oftast {dtxt}, och {fmt_pct(share, 0)} mellan kl. {h0:02d} och {(h0 + 4) % 24:02d}"


def profile_facts(p: Profile) -> list[str]:
    """Short Swedish sentences summarising the profile (for the template and the report)."""
    out = []
    peak = _peak_hours(p.hour_weekday)
    if peak:
        out.append(f"När: {peak}.")
    if not p.months.empty and p.months["mean_per_year"].sum() > 0:
        m = p.months.sort_values(["mean_per_year", "month"], ascending=[False, True]).head(2)["month"].tolist()
        out.append(f"Flest under {MONTHS[m[0] - 1]} och {MONTHS[m[1] - 1]} (genomsnitt över åren).")
    named = p.top_cells.dropna(subset=["place_name"])
    if len(p.top_cells):
        total = p.sources.iloc[0]["n"] if len(p.sources) else 0
        where = f" vid {named['place_name'].iloc[0]}" if len(named) else ""
        out.append(f"Var: mest i rutan {p.top_cells['cell_id'].iloc[0]}{where} "
                   f"({fmt_int(p.top_cells['n_incidents'].iloc[0])} av {fmt_int(total)} brott {p.year}).")
    if p.repeat["n_cells"]:
        n = p.repeat["n_cells"]
        out.append(f"Återkommande platser: {n} {'ruta' if n == 1 else 'rutor'} har haft brott varje år "
                   f"{p.repeat['years'][0]}–{p.repeat['years'][-1]}; där skedde {fmt_pct(p.repeat['share_pct'], 0)} "
                   f"av brotten {p.year}.")
    if len(p.labels):
        top = p.labels.head(2)
        out.append("Vad: " + " och ".join(f"{r.crime_label.lower()} ({fmt_int(r.n_year)})" for r in top.itertuples())
                   + ".")
    other = p.sources[~p.sources["source"].isin(["Anmälda brott", "Trygghetsmätning"])] if len(p.sources) else p.sources
    if len(other):
        parts = []
        for source, g in other.groupby("source", sort=False):
            who = ", ".join(f"{r.who} {fmt_int(r.n)}" for r in g.head(3).itertuples())
            parts.append(f"{source} ({who}{', …' if len(g) > 3 else ''})")
        out.append("Rapporteras också i " + " och ".join(parts) + ".")
    survey = p.sources[p.sources["source"] == "Trygghetsmätning"] if len(p.sources) else p.sources
    if len(survey):
        r = survey.iloc[0]
        out.append(f"Trygghetsmätningen: {fmt_pct(r['n'], 0)} ser det som ett stort problem ({r['who'].split()[-1]}).")
    if len(p.development) >= 2:
        d = p.development
        out.append(f"Utveckling: {fmt_int(d['n_incidents'].iloc[0])} brott {int(d['year'].iloc[0])}, "
                   f"{fmt_int(d['n_incidents'].iloc[-1])} brott {int(d['year'].iloc[-1])}.")
    return out
