"""What the follow-up notebook (notebooks/follow_up.ipynb) calls: each cell is one call here.

Thin views over :mod:`pipeline.cycle.follow_up` for a run directory; tables come back as
styled frames with Swedish headers (pipeline.explore.show_table), figures as matplotlib Figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pipeline.cycle.follow_up import FollowUp
from pipeline.errors import DataError


@dataclass(frozen=True)
class FollowUpView:
    fu: FollowUp
    issues: pd.DataFrame
    families: object
    area_names: dict


def load_follow_up(root: str = ".", year: int | None = None, period: str = "", as_of: str = "") -> FollowUpView:
    """Load the run at ``root`` and follow up ``period`` (default: the period before the one
    running at the end of the report year) at ``as_of`` (default: the report year's last day)."""
    from pipeline.config import load_params
    from pipeline.context import RunContext
    from pipeline.cycle.commands import cycle_data, load_registry, settings
    from pipeline.cycle.follow_up import follow_up
    from pipeline.cycle.periods import PeriodError, parse_period, period_of
    from pipeline.stages import families_for

    run = RunContext.from_root(root)
    params = load_params(run.params_file)
    if year is not None and int(year) != params.kommun.year:
        raise DataError(f"year={year} does not match kommun.year={params.kommun.year} in {run.display(run.params_file)}")
    end = dt.date(params.kommun.year, 12, 31)
    try:
        day = dt.date.fromisoformat(as_of) if as_of else end
        p = parse_period(period) if period else period_of(end).previous()
    except (ValueError, PeriodError) as exc:
        raise DataError(f"notebook parameter: {exc}") from exc
    fams = families_for(run, params)
    reg = load_registry(run, params, fams, required=True)
    data = cycle_data(run)
    fu = follow_up(reg, data, p, day, settings(params), params.survey.min_n, params.cycle.survey_month)
    issues = pd.DataFrame([{"Allvar": "fel" if i.severity == "error" else "varning", "Var": i.where,
                            "Vad": i.message} for i in reg.issues], columns=["Allvar", "Var", "Vad"])
    return FollowUpView(fu, issues, fams, dict(zip(data.areas["area_id"].astype(str), data.areas["area_name"])))


def describe(v: FollowUpView) -> pd.DataFrame:
    fu = v.fu
    rows = [("Löftesperiod", fu.period.label_sv), ("Uppföljningsdag", fu.as_of.isoformat()),
            ("Löften i perioden", len(fu.promises)), ("Åtgärder i perioden", len(fu.period_status)),
            ("Försenade åtgärder (alla perioder)", len(fu.overdue))]
    return pd.DataFrame(rows, columns=["", "Värde"])


def issues_table(v: FollowUpView):
    from pipeline.explore import show_table

    return show_table(v.issues if len(v.issues) else pd.DataFrame({"Vad": ["Registret har inga problem."]}))


def process_table(v: FollowUpView):
    from pipeline.explore import show_table

    s = v.fu.by_organisation.rename(columns={
        "organisation": "Organisation", "n_actions": "Åtgärder", "n_due": "Skulle vara klara",
        "n_due_on_time": "Klara i tid", "n_late": "Klara sent", "n_overdue": "Försenade", "on_time_pct": "Andel i tid, %"})
    return show_table(s[["Organisation", "Åtgärder", "Skulle vara klara", "Klara i tid", "Klara sent", "Försenade",
                         "Andel i tid, %"]], decimals=0)


def overdue_table(v: FollowUpView):
    from pipeline.explore import show_table

    o = v.fu.overdue.rename(columns={"action_id": "Id", "what": "Åtgärd", "organisation": "Ansvarig",
                                     "end_date": "Skulle vara klar", "days_overdue": "Dagar sen"})
    return show_table(o[["Id", "Åtgärd", "Ansvarig", "Skulle vara klar", "Dagar sen"]])


def effects_table(v: FollowUpView):
    from pipeline.cycle.labels import caveat_tags, indicator_label, short_change
    from pipeline.explore import show_table

    rows = [{"Löfte": r["key"], "Indikator": indicator_label(r["kind"], r["measure_id"], r["unit_id"], v.families,
                                                              v.area_names),
             "Bedömning": r["verdict"], "Förändring (95 % KI)": short_change(r), "Att tänka på": caveat_tags(r["caveats"])}
            for _, r in v.fu.effects.iterrows()]
    return show_table(pd.DataFrame(rows, columns=["Löfte", "Indikator", "Bedömning", "Förändring (95 % KI)",
                                                  "Att tänka på"]))


def effects_figure(v: FollowUpView):
    from pipeline.cycle.figures import effect_forest
    from pipeline.cycle.labels import indicator_label

    e = v.fu.all_effects
    e = e[(e["kind"] != "survey") & e["rate_ratio"].notna()]
    labels = [f"{r.key} {indicator_label(r.kind, r.measure_id, r.unit_id, v.families, v.area_names).split(': ')[-1]}"
              for r in e.itertuples()]
    return effect_forest(e, labels)


def series_figures(v: FollowUpView) -> list:
    from pipeline.cycle.figures import indicator_series
    from pipeline.cycle.labels import indicator_label

    out = []
    for _, r in v.fu.effects.iterrows():
        s = v.fu.series.get(r["key"])
        if s is not None and len(s):
            label = indicator_label(r["kind"], r["measure_id"], r["unit_id"], v.families, v.area_names)
            out.append(indicator_series(s, f"{r['key']}: {label}", ((r["before_start"], r["before_end"]),
                                                                     (r["during_start"], r["during_end"]))))
    return out
