"""Harm weights: each crime gets the harm, in days of imprisonment, of its kind.

Approach of the Swedish Crime Harm Index (Kärrholm, Neyroud & Smaaland 2020, Cambridge Journal
of Evidence-Based Policing): a crime type weighs the *average sentence actually imposed*, in
days. Polisen's internal brottsskadeindex (1 point = 1 month) supplies the figures it
publishes. The default table ``defaults/harm_weights.csv`` names the source and the year of
every figure and marks estimates as such; users replace it through config. Harm-weighted
figures are always shown beside plain counts (Sarnecki 2021: harm indices mislead on long
trends and ignore offences that rarely lead to prison).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from pipeline.errors import DataError

HARM_COLUMNS = ("problem", "crime_label_prefix", "harm_days", "source", "figures_year")


def default_harm_table() -> pd.DataFrame:
    with resources.files("pipeline.defaults").joinpath("harm_weights.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"crime_label_prefix": str}, keep_default_na=False)


def check_harm_table(table: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    """Every problem family needs a default row (empty prefix) with a non-negative weight."""
    missing_cols = [c for c in HARM_COLUMNS if c not in table.columns]
    if missing_cols:
        raise DataError(f"harm table: missing column(s) {missing_cols}; expected {list(HARM_COLUMNS)}")
    defaults = set(table.loc[table["crime_label_prefix"].fillna("") == "", "problem"])
    lacking = [p for p in problems if p not in defaults]
    if lacking:
        raise DataError(f"harm table: no default row (empty crime_label_prefix) for {lacking}; add one per family")
    if (pd.to_numeric(table["harm_days"], errors="coerce").fillna(-1) < 0).any():
        raise DataError("harm table: harm_days must be a number >= 0 in every row")
    return table


def harm_days(problem: pd.Series, crime_label: pd.Series, table: pd.DataFrame) -> pd.Series:
    """Harm in days for each crime: the longest matching label prefix within its family wins,
    else the family default.

    ``harm = table.harm_days[(problem, longest prefix of lower(crime_label))]``
    """
    label = crime_label.fillna("").str.lower()
    out = pd.Series(float("nan"), index=problem.index, dtype="float64")
    matched_len = pd.Series(-1, index=problem.index)
    for row in table.itertuples(index=False):
        prefix = (row.crime_label_prefix or "").lower()
        hit = (problem == row.problem) & label.str.startswith(prefix) & (len(prefix) > matched_len)
        out[hit] = float(row.harm_days)
        matched_len[hit] = len(prefix)
    return out
