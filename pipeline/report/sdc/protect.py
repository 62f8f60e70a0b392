"""Complementary (secondary) suppression, checked by the attacker until nothing leaks.

1. Primary cells are hidden (:mod:`pipeline.report.sdc.cubes`).
2. In every relation (total = Σ parts) the other hidden cells must be able to move, within
   what their labels say ("<5": 1…k − 1; "..": k or more; a survey group: 0…n), as far as each
   hidden cell's protected range asks (a primary cell's range; k − 1 for a complementary cell).
   Where they cannot, a partner is hidden: among the cells of that relation that are shown, the
   smallest part with enough room, a larger part when none has, the total only as the last
   resort; zeros are never used.
3. The public tables are built and attacked (:func:`pipeline.report.sdc.attack.attack`). For
   every primary cell the attacker can still narrow, one more partner is hidden in each relation
   the cell is in, and steps 2–3 repeat.

This is the iterative heuristic statistics offices use before an optimal solver (τ-ARGUS'
hypercube and modular methods follow the same idea); it hides more than an optimal pattern
would, never less than the audit demands. Deterministic: ties go to the first cell in key order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.errors import DataError
from pipeline.report.sdc.attack import Finding, attack
from pipeline.report.sdc.cubes import PRIMARY, SECONDARY, VISIBLE, Cube

MAX_ROUNDS = 40


def _slack(cube: Cube, status: np.ndarray, i: int, k: int) -> tuple[float, float]:
    """How far hidden cell ``i`` can move down and up within what its label tells an attacker
    (a cell whose value is withheld even internally counts as unable to move)."""
    v = cube.value[i]
    if np.isnan(v):
        return 0.0, 0.0
    if cube.labelled:
        return (v - 1, k - 1 - v) if status[i] == PRIMARY else (v - k, np.inf)
    return v - cube.lower[i], cube.upper[i] - v


def _need(cube: Cube, status: np.ndarray, i: int, k: int) -> tuple[float, float]:
    """How far the other hidden cells of a relation must be able to move down and up so that
    hidden cell ``i`` can take its whole protected range (a secondary cell: up to k − 1 either way)."""
    if status[i] == PRIMARY:
        lo, hi = cube.required(i, k)
        v = cube.value[i]
        if np.isnan(v):
            return hi - lo, hi - lo
        return hi - v, v - lo  # i up by (hi − v) needs the others down by as much, and vice versa
    return k - 1.0, k - 1.0


def _partner(cube: Cube, status: np.ndarray, line: np.ndarray, down: float) -> int | None:
    """The shown cell of ``line`` to hide next: a part before the total, the smallest one that
    gives ``down`` of room downwards, else the largest; zeros are never used (None: no candidate)."""
    k = cube.protection + 1
    cand = [int(i) for i in line if status[i] == VISIBLE and cube.value[i] > 0
            and (not cube.labelled or cube.value[i] >= k)]
    if not cand:
        return None

    def room(i):
        return cube.value[i] - k if cube.labelled else min(cube.value[i], cube.upper[i] - cube.value[i])

    def order(i):
        ok = room(i) >= down
        return (bool(cube.is_total[i]), not ok, cube.value[i] if ok else -cube.value[i], i)

    return min(cand, key=order)


def close_lines(cube: Cube, status: np.ndarray, k: int) -> None:
    """Hide partners (in place) until, in every relation, the other hidden cells can move far enough
    for each hidden cell to take its whole protected range: a necessary condition per relation,
    which the attacker then checks across relations."""
    changed = True
    while changed:
        changed = False
        for line in cube.lines:
            hidden = [int(i) for i in line if status[i] != VISIBLE]
            # once per line: the statuses hold until a partner is hidden (and the line is left)
            slack = {o: _slack(cube, status, o, k) for o in hidden}
            for h in hidden:
                need_down, need_up = _need(cube, status, h, k)
                room = [slack[o] for o in hidden if o != h]
                short = need_down - sum(r[0] for r in room), need_up - sum(r[1] for r in room)
                if short[0] > 1e-9 or short[1] > 1e-9:
                    p = _partner(cube, status, line, max(short[0], 0.0))
                    if p is not None:
                        status[p] = SECONDARY
                        changed = True
                        break


def widen(cube: Cube, status: np.ndarray, finding: Finding, k: int) -> bool:
    """Hide one more partner in every relation the cell of ``finding`` is in; False when none is left."""
    i = cube.pos(finding.key)
    grew = False
    for j in cube.lines_of().get(i, []):
        p = _partner(cube, status, cube.lines[j], k - 1.0)
        if p is not None:
            status[p] = SECONDARY
            grew = True
    return grew


def protect(cubes: dict[str, Cube], publish: Callable[[dict[str, np.ndarray]], dict[str, pd.DataFrame]], year: int,
            k: int) -> tuple[dict[str, np.ndarray], dict[str, pd.DataFrame]]:
    """The suppression pattern (cube → VISIBLE/PRIMARY/SECONDARY per cell) and the public frames
    ``publish(pattern)`` makes from it, once the attacker finds nothing. Raises DataError when a
    leak cannot be closed (the public files are then not written)."""
    status = {name: np.where(c.primary, PRIMARY, VISIBLE) for name, c in cubes.items()}
    for _ in range(MAX_ROUNDS):
        for name, cube in cubes.items():
            close_lines(cube, status[name], k)
        frames = publish(status)
        findings = attack(frames, cubes, status, year, k)
        if not findings:
            return status, frames
        grew = [widen(cubes[f.cube], status[f.cube], f, k) for f in findings]
        if not any(grew):
            break
    raise DataError("public version: the disclosure audit still finds a hidden value that the public tables give "
                    f"away ({findings[0]}; {len(findings)} in all); the public files were not written")
