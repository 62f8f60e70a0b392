"""The attacker: what can someone with a spreadsheet work out about the hidden cells of the
public tables?

Given the public frames, the attacker writes down everything they state about the cube cells
(:mod:`pipeline.report.sdc.publish`) as a linear system:

* a shown count, mean or share: the cells it stands for sum to it (the same cell in two tables is
  one unknown, so a figure hidden in one table and shown in another is found);
* a derived number (rate, change, share, harm, model statistic) shown in a row whose count is
  hidden: the count counts as known (the formula can be inverted); a companion count (weeks
  with a report, units that wrote) gives a lower bound;
* the structural relations of the cubes: totals = Σ parts (kommun = Σ areas, all crime = Σ
  families), with the constants the kommun holds beyond its areas;
* the labels: a cell shown "<5" lies in 1…k − 1, a cell hidden to protect another ("..") is at
  least k, every count is ≥ 0, a survey group's agreeing answers lie in 0…n.

For each primary cell, two linear programs (HiGHS, through its own Python interface ``highspy``:
one model per block, only the objective changes from cell to cell) give the smallest and
largest value consistent with all of it: the cell's feasible interval. The cell is
protected when that interval still covers what :meth:`Cube.required` asks. The system is split
into independent blocks (cells linked by some relation) so each program stays small.

Hand-written: R's sdcTable and GaussSuppression audit tables like this, but nothing maintained
does it in Python; the linear-programming audit follows Fischetti & Salazar (2001).
"""

from __future__ import annotations

from dataclasses import dataclass

import os
import sys

import highspy
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.arrays import run_starts
from pipeline.report.sdc.cubes import PRIMARY, Cube
from pipeline.report.sdc.publish import DERIVED, FRAME_CUBES, cell_positions, cell_sum, key_columns, kind, records
from pipeline.schemas import COLUMNS

TOL = 1e-6


@dataclass(frozen=True)
class Finding:
    """A primary cell the published tables pin down to [low, high] although [need_low, need_high]
    must stay open."""

    cube: str
    key: tuple
    value: float
    low: float
    high: float
    need_low: float
    need_high: float

    def __str__(self) -> str:
        return (f"{self.cube} {self.key}: value {self.value:g} can be narrowed to [{self.low:g}, {self.high:g}] "
                f"(must stay open over [{self.need_low:g}, {self.need_high:g}])")


class _System:
    """Equalities Σ a·x = b and inequalities Σ a·x ≤ b over the cells of one cube, plus bounds."""

    def __init__(self, cube: Cube):
        self.cube = cube
        n = len(cube.keys)
        self.lb = np.zeros(n)
        self.ub = np.where(np.isfinite(cube.upper), cube.upper, np.inf).astype(float)
        self.eq: list[tuple[list[int], list[float], float]] = []
        self.ub_rows: list[tuple[list[int], list[float], float]] = []
        self.shown = np.zeros(n, bool)  # pinned by some published number or derived figure
        self.primary_shown_as = np.zeros(n, bool)  # carries a "<5"-type label somewhere
        self.secondary_shown_as = np.zeros(n, bool)

    def equal(self, pos: list[int], total: float) -> None:
        if len(pos) == 1:
            self.lb[pos[0]] = self.ub[pos[0]] = total
            self.shown[pos[0]] = True
        else:
            self.eq.append((pos, [1.0] * len(pos), total))

    def at_least(self, pos: list[int], value: float) -> None:
        self.ub_rows.append((pos, [-1.0] * len(pos), -value))


def observe(frames: dict[str, pd.DataFrame], cubes: dict[str, Cube], year: int, k: int) -> dict[str, _System]:
    """The linear system the public frames give, per cube."""
    systems = {name: _System(c) for name, c in cubes.items()}
    for name, frame in frames.items():
        refs = FRAME_CUBES.get(name, {})
        if frame is None or len(frame) == 0 or not refs:
            continue
        derived_cols = [c for c in frame.columns if kind(c) in DERIVED]
        rows = records(frame, [c for col, ref in refs.items() if ref.cube in cubes
                               for c in (*key_columns(cubes[ref.cube]), col)] + derived_cols)
        for col, ref in refs.items():
            if col not in frame.columns or ref.cube not in cubes:
                continue
            cube, system = cubes[ref.cube], systems[ref.cube]
            flags = frame[f"{col}_suppressed"].to_numpy() if f"{col}_suppressed" in frame.columns else None
            derived = [c for c in frame.columns if kind(c) in DERIVED and col in COLUMNS[c].of]
            for i, row in enumerate(rows):
                pos = cell_positions(cube, row, ref, year)
                if pos is None:
                    continue
                value = row[col]
                if value is not None and not pd.isna(value):
                    asserted, true = cell_sum(cube, pos, float(value), ref), cube.value[pos].sum()
                    # a number that is not what the cube holds (e.g. crimes outside the grid in
                    # the concentration table) is no exact relation: it gives the attacker nothing
                    if np.isnan(true) or abs(asserted - true) <= 1e-6 * max(1.0, abs(true)):
                        system.equal(pos, asserted)
                    continue
                flag = str(flags[i]) if flags is not None else ""
                if len(pos) == 1:
                    system.primary_shown_as[pos[0]] |= flag == "primary"
                    system.secondary_shown_as[pos[0]] |= flag == "secondary"
                for d in derived:  # a derived figure shown beside a hidden count
                    dv = row.get(d)
                    if dv is None or pd.isna(dv):
                        continue
                    if kind(d) == "companion":
                        system.at_least(pos, float(dv))
                    else:  # invertible: the attacker gets the count back
                        system.equal(pos, float(cube.value[pos].sum()))
    for name, system in systems.items():
        cube = system.cube
        for line, const in zip(cube.lines, cube.line_const):
            # total − Σ parts = const
            system.eq.append((list(map(int, line)), [1.0] + [-1.0] * (len(line) - 1), float(const)))
        if cube.labelled:
            p = system.primary_shown_as & ~system.shown
            system.lb[p] = np.maximum(system.lb[p], 1.0)
            system.ub[p] = np.minimum(system.ub[p], k - 1)
            s = system.secondary_shown_as & ~system.shown
            system.lb[s] = np.maximum(system.lb[s], k)
    return systems


def _blocks(system: _System, n: int) -> tuple[np.ndarray, dict[int, list[tuple[str, tuple]]]]:
    """Connected blocks of the cells that no published number pins, and per block the relations
    ("eq" or "ub", (positions, coefficients, right-hand side)) that hold a cell of it, in the
    system's order (a relation's unpinned cells all lie in one block)."""
    free = ~np.isclose(system.lb, system.ub)
    rows, cols, first = [], [], []
    relations = [("eq", r) for r in system.eq] + [("ub", r) for r in system.ub_rows]
    for _, (pos, _, _) in relations:
        live = [p for p in pos if free[p]]
        first.append(live[0] if live else -1)
        if live:
            rows += [live[0]] * len(live)
            cols += live
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    block = connected_components(graph, directed=False)[1]
    of_block: dict[int, list[tuple[str, tuple]]] = {}
    for f, relation in zip(first, relations):
        if f >= 0:
            of_block.setdefault(int(block[f]), []).append(relation)
    return block, of_block


def _new_highs():
    """A silent HiGHS instance (its first construction in a process prints a banner to the C-level
    stdout, which would land between the CLI's summary lines: send it to /dev/null)."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    h.silent()
    return h


def _colwise(rows: list[int], cols: list[int], vals: list[float], n_cols: int) -> tuple[np.ndarray, ...]:
    """The column-wise (CSC) start, index and value arrays of a sparse matrix's entries, as
    ``scipy.sparse.csc_matrix((vals, (rows, cols))).{indptr, indices, data}`` are for a small
    matrix (int32 indices, a column's entries by row, a repeated entry summed), without its
    checks: a block's model is built hundreds of times per audit."""
    r, c, v = np.asarray(rows, np.int32), np.asarray(cols, np.int32), np.asarray(vals, float)
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    new = run_starts(r, c)
    if not new.all():
        v, r, c = np.add.reduceat(v, np.flatnonzero(new)), r[new], c[new]
    start = np.r_[0, np.cumsum(np.bincount(c, minlength=n_cols))].astype(np.int32)
    return start, r, v


class _Block:
    """One block of linked hidden cells as a HiGHS model; the objective is changed per cell."""

    def __init__(self, system: _System, members: np.ndarray, relations: list[tuple[str, tuple]]):
        """``relations``: those of the system that hold a member, in order (:func:`_blocks`)."""
        self.local = {int(m): j for j, m in enumerate(members)}
        inside = np.zeros(len(system.lb), bool)
        inside[members] = True
        rows, cols, vals, lo, hi = [], [], [], [], []
        for kind_, (pos, coef, rhs) in relations:
            r = len(lo)
            for p, c in zip(pos, coef):
                if inside[p]:
                    rows.append(r)
                    cols.append(self.local[p])
                    vals.append(c)
                else:  # pinned outside the block (lb == ub)
                    rhs -= c * system.lb[p]
            lo.append(rhs if kind_ == "eq" else -highspy.kHighsInf)
            hi.append(rhs)
        n = len(members)
        start, index, value = _colwise(rows, cols, vals, n)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, len(lo)
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = system.lb[members].astype(float)
        lp.col_upper_ = np.where(np.isfinite(system.ub[members]), system.ub[members], highspy.kHighsInf).astype(float)
        lp.row_lower_, lp.row_upper_ = np.array(lo, float), np.array(hi, float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = start, index, value
        self.highs = _new_highs()
        self.highs.passModel(lp)

    def interval(self, target: int) -> tuple[float, float]:
        """Min and max of cell ``target`` over the block."""
        j = self.local[target]
        h = self.highs
        h.changeColCost(j, 1.0)
        out = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            h.changeObjectiveSense(sense)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                out.append(-np.inf if sense == highspy.ObjSense.kMinimize else np.inf)
            elif status != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError(f"disclosure audit: linear program failed ({h.modelStatusToString(status)})")
            else:
                out.append(h.getObjectiveValue())  # info.objective_function_value, without copying the whole info
        h.changeColCost(j, 0.0)
        return out[0], out[1]


def attack(frames: dict[str, pd.DataFrame], cubes: dict[str, Cube], status: dict[str, np.ndarray], year: int,
           k: int) -> list[Finding]:
    """Every primary cell (``status`` marks them; see :mod:`pipeline.report.sdc.cubes`) that the
    public ``frames`` let an attacker narrow beyond its protection."""
    findings = []
    for name, system in observe(frames, cubes, year, k).items():
        cube = system.cube
        n = len(cube.keys)
        block, relations = _blocks(system, n)
        models: dict[int, _Block] = {}
        pinned = np.isclose(system.lb, system.ub)  # elementwise, once rather than per cell
        for i in np.flatnonzero(status[name] == PRIMARY):
            need = cube.required(int(i), k)
            if system.shown[i] or pinned[i]:
                lo = hi = system.lb[i] if not system.shown[i] else cube.value[i]
            else:
                b = int(block[i])
                if b not in models:
                    models[b] = _Block(system, np.flatnonzero(block == b), relations.get(b, []))
                lo, hi = models[b].interval(int(i))
            if lo > need[0] + TOL or hi < need[1] - TOL:
                findings.append(Finding(name, cube.keys[i], float(cube.value[i]), float(lo), float(hi), *need))
    return findings
