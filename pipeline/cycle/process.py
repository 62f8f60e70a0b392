"""Process evaluation (processutvärdering): were the actions done, and on time?

Per action, at a follow-up date ``as_of``:

- *due*: the planned end is on or before ``as_of`` and the action is not cancelled;
- *done on time*: status klar with a done date on or before the planned end;
- *done late*: klar after the planned end;
- *overdue*: due, not klar (planerad or pågår) — the list the meeting acts on;
- the period of an action is its löfte's period, else the löfte period its end falls in.

Share done on time = done on time / due, per organisation, per period and overall (DOMAIN.md
§7). Cancelled actions are counted apart, never as failures or successes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.cycle.periods import period_of

STATUS_COLUMNS = ("action_id", "problem_id", "promise_id", "what", "organisation", "role", "start_date", "end_date",
                  "status_code", "done_date", "period_id", "is_due", "is_done", "is_on_time", "is_late", "is_overdue",
                  "is_cancelled", "days_overdue", "notes")


def _date(v) -> dt.date | None:
    """A date cell as a date; None for NA/NaT (pandas stores a missing date as NaN or NaT)."""
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return v.date() if isinstance(v, pd.Timestamp) else v


def action_status(actions: pd.DataFrame, promises: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """One row per action with the flags above (columns :data:`STATUS_COLUMNS`)."""
    a = actions.copy()
    period_by_promise = dict(zip(promises["promise_id"], promises["period_id"])) if len(promises) else {}
    end = [_date(e) for e in a["end_date"]]
    done_on = [_date(d) for d in a["done_date"]]
    a["period_id"] = [period_by_promise.get(p) or (period_of(e).id if e else None) for p, e in zip(a["promise_id"], end)]
    done = a["status_code"].eq("done").to_numpy(bool)
    cancelled = a["status_code"].eq("cancelled").to_numpy(bool)
    due = np.array([e is not None and e <= as_of for e in end]) & ~cancelled
    on_time = done & np.array([d is not None and e is not None and d <= e for d, e in zip(done_on, end)])
    a["is_due"], a["is_done"], a["is_cancelled"], a["is_on_time"] = due, done, cancelled, on_time
    a["is_late"] = done & ~on_time
    a["is_overdue"] = due & ~done
    a["days_overdue"] = [(as_of - e).days if o else 0 for o, e in zip(a["is_overdue"], end)]
    a["end_date"], a["done_date"] = end, done_on
    return a[list(STATUS_COLUMNS)].reset_index(drop=True)


def process_summary(status: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Counts and the share done on time per group (``by`` e.g. ["organisation"] or
    ["period_id"]; [] for the total): n_actions, n_due, n_on_time, n_late, n_overdue,
    n_cancelled, on_time_pct (NaN where nothing is due yet)."""
    s = status.assign(_all="Alla")
    keys = by or ["_all"]
    g = s.groupby(keys, dropna=False)
    out = pd.DataFrame({
        "n_actions": g.size(), "n_due": g["is_due"].sum(), "n_on_time": g["is_on_time"].sum(),
        "n_late": g["is_late"].sum(), "n_overdue": g["is_overdue"].sum(), "n_cancelled": g["is_cancelled"].sum(),
    }).reset_index()
    due_done_on_time = s[s["is_due"]].groupby(keys, dropna=False)["is_on_time"].sum()
    out = out.merge(due_done_on_time.rename("n_due_on_time").reset_index(), on=keys, how="left")
    out["n_due_on_time"] = out["n_due_on_time"].fillna(0).astype(int)
    out["on_time_pct"] = (100 * out["n_due_on_time"] / out["n_due"]).where(out["n_due"] > 0)
    for c in ("n_actions", "n_due", "n_on_time", "n_late", "n_overdue", "n_cancelled"):
        out[c] = out[c].astype(int)
    return out.drop(columns=["_all"], errors="ignore").rename(columns={"_all": "group"})


def overdue_list(status: pd.DataFrame) -> pd.DataFrame:
    """The overdue actions, longest overdue first."""
    cols = ["action_id", "problem_id", "promise_id", "what", "organisation", "role", "end_date", "days_overdue",
            "status_code", "notes"]
    return status[status["is_overdue"]].sort_values(["days_overdue", "action_id"], ascending=[False, True])[cols]
