"""Which cell of which cube each number of a report table is, and the public tables that follow
from a suppression pattern.

:data:`FRAME_CUBES` says, per report frame and column, which cube cell(s) a number stands for
and how (a count, a mean of several years, a share of the group's n, an index). Every other
number follows from the column registry (:data:`pipeline.schemas.COLUMNS`): a column of a
derived kind (share, rate, mean, change, stat, companion) is hidden in a row where any of the
columns it is computed from (``of``) is hidden, and columns of kind place or text never reach a
public table. A hidden number becomes NaN and its ``<col>_suppressed`` companion says why:
``"primary"`` (a small count, shown "<5"), ``"secondary"`` (hidden to protect another cell, or
computed from a hidden one: shown "..") or ``""`` (shown, or missing in the internal table too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.report.sdc.cubes import PRIMARY, VISIBLE, Cube, key_part
from pipeline.schemas import COLUMNS

DERIVED = ("companion", "share", "rate", "mean", "change", "stat")


@dataclass(frozen=True)
class CellRef:
    """How a column's number relates to its cube cells: ``offsets`` are periods relative to the
    row (or the report year), ``scale`` is how the number is turned into the cells' sum:
    "count" (as is), "mean" (× number of cells), "share" (× n / 100), "index" (× n)."""

    cube: str
    offsets: tuple[int, ...] = (0,)
    scale: str = "count"


FRAME_CUBES: dict[str, dict[str, CellRef]] = {
    "area_year_counts": {"n_incidents": CellRef("crimes")},
    "area_trends": {"n_year": CellRef("crimes"), "n_prev": CellRef("crimes", (-1,)),
                    "mean_3y": CellRef("crimes", (-3, -2, -1), "mean")},
    "concentration": {"n_incidents": CellRef("crimes")},
    "survey_indicators": {"n_yes": CellRef("survey"), "share_pct": CellRef("survey", (0,), "share"),
                          "prev_share_pct": CellRef("survey", (-1,), "share")},
    "survey_problem_index": {"index_0_6": CellRef("index", (0,), "index")},
    "note_themes": {"n_notes": CellRef("notes")},
    "est_summary": {"n_est_reports": CellRef("est")},
    "survey_text_themes": {"n_answers": CellRef("answers"), "n_answers_area": CellRef("answers_area")},
    "text_topics": {"n_docs": CellRef("topics")},
}


def cell_positions(cube: Cube, row: dict, ref: CellRef, year: int) -> list[int] | None:
    """Positions in ``cube`` of the cells a number in ``row`` stands for (None: not in the cube)."""
    out = []
    for off in ref.offsets:
        key = _key(cube, row, off, year)
        pos = cube.pos(key) if key is not None else None
        if pos is None:
            return None
        out.append(pos)
    return out


def _key(cube: Cube, row: dict, off: int, year: int) -> tuple | None:
    if cube.name == "crimes":
        problem = str(row.get("problem"))
        y = int(row["year"]) if row.get("year") is not None and not pd.isna(row.get("year")) else year
        return (str(row.get("area_id", "kommun")), "all" if problem == "harm" else problem, y + off)
    if cube.name in ("survey", "index"):
        years = cube.periods
        y = int(row["survey_year"])
        if y not in years or not 0 <= years.index(y) + off < len(years):
            return None
        item = "indicator" if cube.name == "survey" else "item"
        return (str(row["area_id"]), years[years.index(y) + off], str(row[item]))
    return tuple(key_part(d, row[d]) for d in cube.dims)


def key_columns(cube: Cube) -> tuple[str, ...]:
    """The columns of a row that :func:`cell_positions` reads for ``cube`` (what :func:`_key` uses)."""
    if cube.name == "crimes":
        return ("area_id", "problem", "year")
    if cube.name in ("survey", "index"):
        return ("area_id", "survey_year", "indicator" if cube.name == "survey" else "item")
    return cube.dims


def records(frame: pd.DataFrame, columns) -> list[dict]:
    """``frame.to_dict("records")`` restricted to those of ``columns`` it has, with the same
    values (pandas boxes each column on its own), built column by column: boxing every column
    of a wide frame row by row cost most of the audit's table reading."""
    cols = [c for c in dict.fromkeys(columns) if c in frame.columns]
    return [dict(zip(cols, row)) for row in zip(*(_boxed(frame[c]) for c in cols))]


def _boxed(column: pd.Series) -> list:
    """The values ``to_dict("records")`` gives for ``column``: Python numbers for a NumPy number
    column, str (or the dtype's missing value) for a "str" column (missing: NaN), else pandas' own boxing."""
    if (isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf") or column.dtype == "str":
        return column.to_numpy().tolist()
    return [r[column.name] for r in column.to_frame().to_dict("records")]


def cell_sum(cube: Cube, positions: list[int], value: float, ref: CellRef) -> float:
    """The sum of the cells that a published number ``value`` asserts."""
    if ref.scale == "mean":
        return value * len(positions)
    if ref.scale == "share":
        return value * cube.upper[positions[0]] / 100
    if ref.scale == "index":
        return value * cube.upper[positions[0]] / 6
    return value


def _of(col: str) -> tuple[str, ...]:
    spec = COLUMNS.get(col)
    return spec.of if spec is not None and spec.kind in DERIVED else ()


def kind(col: str) -> str:
    spec = COLUMNS.get(col)
    return spec.kind if spec is not None else ""


def public_frame(name: str, frame: pd.DataFrame | None, cubes: dict[str, Cube], pattern: dict[str, np.ndarray],
                 year: int) -> pd.DataFrame | None:
    """``frame`` as the public version shows it under ``pattern`` (cube name → status per cell)."""
    if frame is None or len(frame) == 0:
        return frame
    out = frame.drop(columns=[c for c in frame.columns if kind(c) in ("place", "text")]).copy()
    out = out.drop(columns=[c for c in out.columns if str(c).endswith("_suppressed") and str(c)[:-11] in out.columns])
    hidden: dict[str, np.ndarray] = {}
    why: dict[str, np.ndarray] = {}
    refs = FRAME_CUBES.get(name, {})
    rows = records(out, [c for ref in refs.values() if ref.cube in cubes for c in key_columns(cubes[ref.cube])])
    for col, ref in refs.items():
        if col not in out.columns or ref.cube not in cubes:
            continue
        cube, status = cubes[ref.cube], pattern[ref.cube]
        h, w = np.zeros(len(out), bool), np.full(len(out), "", dtype=object)
        # the column's numbers (NaN where not one), converted once rather than row by row
        numbers = pd.to_numeric(out[col], errors="coerce").astype(float).to_numpy()
        for i, row in enumerate(rows):
            pos = cell_positions(cube, row, ref, year)
            if pos is None:
                continue
            st = status[pos]
            own = numbers[i]
            small = ref.scale == "count" and 1 <= own < cube.protection + 1 if cube.labelled else False
            if (st != VISIBLE).any() or small:  # a small number is hidden even if the cube holds another
                h[i] = True
                w[i] = "primary" if small or (len(pos) == 1 and st[0] == PRIMARY) else "secondary"
        hidden[col], why[col] = h, w
    changed = True
    while changed:  # derived columns follow the columns they are computed from
        changed = False
        for col in out.columns:
            deps = [d for d in _of(col) if d in hidden]
            if not deps:
                continue
            h = np.logical_or.reduce([hidden[d] for d in deps]) | hidden.get(col, False)
            if col not in hidden or (h != hidden[col]).any():
                hidden[col] = h
                changed = True
    for col, h in hidden.items():
        numeric = pd.api.types.is_numeric_dtype(out[col]) or col in why
        was = pd.to_numeric(out[col], errors="coerce") if numeric else out[col]
        if col not in why:  # derived: hidden with what it is computed from, where it had a value
            why[col] = np.where(h & was.notna().to_numpy(), "secondary", "")
        if h.any():  # a number becomes NaN, a phrase that quotes the numbers (a verdict) None
            out[col] = was.astype(float).where(~h) if numeric else was.astype(object).where(~h, None)
        out[f"{col}_suppressed"] = why[col]
    main = [c for c in ("share_pct", "index_0_6") if c in hidden]
    if "is_suppressed" in out.columns and main:  # the survey's own flag: every hidden share
        out["is_suppressed"] = out["is_suppressed"].fillna(False).astype(bool).to_numpy() | hidden[main[0]]
    return out


def primary_only(frame: pd.DataFrame | None, k: int) -> pd.DataFrame | None:
    """Counts (registry kind count) from 1 to k − 1 hidden as primary, and what derives from them:
    for frames that only figures draw (hour × weekday, months), where no total is printed."""
    if frame is None or len(frame) == 0:
        return frame
    out = frame.copy()
    for col in [c for c in out.columns if kind(c) == "count"]:
        v = pd.to_numeric(out[col], errors="coerce")
        small = ((v >= 1) & (v < k)).fillna(False).to_numpy(bool)
        out[col] = v.astype(float).where(~small)
        out[f"{col}_suppressed"] = np.where(small, "primary", "")
        for dep in [c for c in out.columns if col in _of(c)]:
            out[dep] = pd.to_numeric(out[dep], errors="coerce").astype(float).where(~small)
    return out
