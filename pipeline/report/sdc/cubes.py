"""The statistics the public version protects, as cubes of cells with their linear relations.

A :class:`Cube` holds every cell of one statistic (its key, its true value) whether or not a
table publishes it, the cells that are sensitive on their own (*primary*), what an attacker
knows about a hidden cell without any table (``lower``/``upper``), how wide the interval an
attacker can narrow a primary cell to must stay (``protection``), and the structural relations
between cells (``lines``: total = Σ parts + constant). Cubes are built from the internal frames.

=============  ===========================  ===============================  ====================
cube           cell                         primary when                     lines
=============  ===========================  ===============================  ====================
crimes         area × family × year count   1 ≤ n < k                        kommun = Σ areas,
                                                                             all = Σ families
survey         area × year × item: yes      n < survey.min_n, yes < k or     kommun = Σ areas + u
               answers (share · n / 100)    no < k
index          area × year × item: points   n < survey.min_n                 kommun = Σ areas + u
               (index · n)
notes, est,    area × family count          1 ≤ n < k                        –
answers
answers_area   area count                   1 ≤ n < k                        –
topics         theme: documents             1 ≤ n < k                        –
=============  ===========================  ===============================  ====================

Zero is not sensitive (it is shown as 0). ``u`` is what the kommun figure holds beyond its
areas (respondents without an area): an unknown cell bounded by the respondents without an
area, which the published n give away. Protection: a primary
cell with value v must stay consistent with every value in [max(lo, v − p), min(hi, v + p)],
where [lo, hi] is what its label already says ("<5": 1…k − 1; a hidden share: 0…n) and p is
k − 1 answers or crimes (2·(k − 1) index points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

VISIBLE, PRIMARY, SECONDARY = 0, 1, 2
REST = "_rest"  # the kommun's part beyond its areas (respondents without an area)


@dataclass
class Cube:
    name: str
    dims: tuple[str, ...]
    keys: list[tuple]
    value: np.ndarray
    primary: np.ndarray
    lower: np.ndarray  # what anyone knows about a hidden cell: lower and upper bound
    upper: np.ndarray
    protection: float
    labelled: bool = True  # primary cells carry their own label ("<5"): lower/upper for them are [1, k-1]
    lines: list[np.ndarray] = field(default_factory=list)  # positions, total first
    line_const: list[float] = field(default_factory=list)  # total = Σ parts + const
    is_total: np.ndarray | None = None

    def __post_init__(self):
        self.index = {k: i for i, k in enumerate(self.keys)}
        if self.is_total is None:
            self.is_total = np.zeros(len(self.keys), bool)

    @cached_property
    def periods(self) -> list:
        """The distinct second key components in order (a survey or index cube's survey years)."""
        return sorted({k[1] for k in self.keys})

    def pos(self, key: tuple) -> int | None:
        return self.index.get(key)

    def required(self, i: int, k: int) -> tuple[float, float]:
        """The interval a primary cell must stay consistent with (its whole label range when its
        value is withheld even internally)."""
        v = self.value[i]
        lo, hi = (1.0, k - 1.0) if self.labelled else (self.lower[i], self.upper[i])
        if np.isnan(v):
            return lo, hi
        return max(lo, v - self.protection), min(hi, v + self.protection)

    def lines_of(self) -> dict[int, list[int]]:
        """Position → the indices of the lines it is in."""
        out: dict[int, list[int]] = {}
        for j, ln in enumerate(self.lines):
            for i in ln:
                out.setdefault(int(i), []).append(j)
        return out


def _count_primary(v: np.ndarray, k: int) -> np.ndarray:
    return (v >= 1) & (v < k)


INT_DIMS = ("year", "survey_year", "topic")


def key_part(dim: str, value):
    """A key component as cubes store it: years and theme numbers as int, the rest as str."""
    return int(value) if dim in INT_DIMS else str(value)


def simple_cube(name: str, frame: pd.DataFrame | None, dims: tuple[str, ...], col: str, k: int) -> Cube | None:
    """A cube of counts without structural relations (notes, EST reports, answers, themes)."""
    if frame is None or len(frame) == 0 or col not in frame.columns:
        return None
    f = frame.drop_duplicates(list(dims))
    keys = [tuple(key_part(d, x) for d, x in zip(dims, row)) for row in f[list(dims)].itertuples(index=False)]
    v = pd.to_numeric(f[col], errors="coerce").fillna(0).to_numpy(float)
    return Cube(name, dims, keys, v, _count_primary(v, k), np.zeros(len(v)), np.full(len(v), np.inf), k - 1.0)


def crimes_cube(area_year_counts: pd.DataFrame | None, k: int) -> Cube | None:
    """Reported crimes per area (and "kommun"), problem family (and "all") and year; every
    combination of the areas, families and years present (a missing part is 0, a missing total
    the sum of its parts). A relation whose total is not the sum of its parts is left out."""
    ayc = area_year_counts
    if ayc is None or len(ayc) == 0:
        return None
    areas = sorted(a for a in ayc["area_id"].astype(str).unique() if a != "kommun")
    fams = sorted(p for p in ayc["problem"].astype(str).unique() if p not in ("all", "harm"))
    years = sorted(int(y) for y in ayc["year"].unique())
    s = (ayc.assign(area_id=ayc["area_id"].astype(str), problem=ayc["problem"].astype(str), year=ayc["year"].astype(int))
         .set_index(["area_id", "problem", "year"])["n_incidents"])
    s = pd.to_numeric(s[~s.index.duplicated()], errors="coerce")
    s = dict(zip(s.index, s.to_numpy()))  # looked up once per cell: a dict rather than the MultiIndex
    value = {}
    for y in years:
        for a in areas:
            for p in fams:
                value[(a, p, y)] = float(np.nan_to_num(s.get((a, p, y), 0.0)))
            value[(a, "all", y)] = float(s.get((a, "all", y), sum(value[(a, p, y)] for p in fams)))
        for p in fams + ["all"]:
            value[("kommun", p, y)] = float(s.get(("kommun", p, y), sum(value[(a, p, y)] for a in areas)))
    keys = list(value)
    v = np.array([value[key] for key in keys])
    cube = Cube("crimes", ("area_id", "problem", "year"), keys, v, _count_primary(v, k), np.zeros(len(v)),
                np.full(len(v), np.inf), k - 1.0,
                is_total=np.array([a == "kommun" or p == "all" for a, p, _ in keys]))
    ix = cube.index
    for y in years:
        lines = [[ix[("kommun", p, y)]] + [ix[(a, p, y)] for a in areas] for p in fams + ["all"]]
        lines += [[ix[(a, "all", y)]] + [ix[(a, p, y)] for p in fams] for a in areas + ["kommun"]]
        for line in lines:
            if abs(v[line[0]] - v[line[1:]].sum()) < 1e-6:
                cube.lines.append(np.array(line))
                cube.line_const.append(0.0)
    return cube


def _area_cube(name: str, frame: pd.DataFrame, item: str, value: np.ndarray, n: np.ndarray, primary: np.ndarray,
               unit: float, protection: float) -> Cube:
    """Cells per area, survey year and item, and per (year, item) a never-published "rest" cell
    for what the kommun holds beyond its areas (at most ``unit`` × the respondents without an
    area, which anyone can work out from the published n): kommun = Σ areas + rest."""
    keys = list(zip(frame["area_id"].astype(str), frame["survey_year"].astype(int), frame[item].astype(str)))
    groups: dict[tuple, list[int]] = {}
    for i, (a, y, it) in enumerate(keys):
        if a != "kommun":
            groups.setdefault((y, it), []).append(i)
    upper = list(unit * n)
    values, prim = list(value), list(primary)
    lines = []
    ix = {key: i for i, key in enumerate(keys)}
    for (y, it), parts in groups.items():
        tot = ix.get(("kommun", y, it))
        if tot is None:
            continue
        room = unit * (n[tot] - n[parts].sum())
        known = value[parts]
        residual = value[tot] - known.sum()
        if room < -1e-6 or (not np.isnan(known).any() and not -1e-6 <= residual <= room + 1e-6):
            continue  # the kommun figure is not the sum of its areas (weighted shares): no relation
        rest = len(keys)
        keys.append((REST, y, it))
        upper.append(max(room, 0.0))
        values.append(np.nan)
        prim.append(False)
        lines.append(np.array([tot] + parts + [rest]))
    cube = Cube(name, ("area_id", "survey_year", item), keys, np.array(values, float), np.array(prim, bool),
                np.zeros(len(keys)), np.array(upper, float), protection, labelled=False,
                is_total=np.array([a == "kommun" for a, _, _ in keys]))
    cube.lines, cube.line_const = lines, [0.0] * len(lines)
    return cube


def survey_cube(survey_indicators: pd.DataFrame | None, k: int, min_n: int) -> Cube | None:
    """Answers agreeing (share · n / 100) per area, survey year and indicator: the latest survey
    and, from the prev_* columns, the survey before it (its shares are shown as "förra mätningen")."""
    s = survey_indicators
    if s is None or len(s) == 0:
        return None
    cells = s[["area_id", "survey_year", "indicator", "n", "share_pct"]]
    if {"prev_survey_year", "prev_n"} <= set(s.columns) and s["prev_survey_year"].notna().any():
        prev = s[s["prev_survey_year"].notna()]
        prev = pd.DataFrame({"area_id": prev["area_id"], "survey_year": prev["prev_survey_year"].astype(int),
                             "indicator": prev["indicator"], "n": pd.to_numeric(prev["prev_n"], errors="coerce"),
                             "share_pct": prev["prev_share_pct"]})
        cells = pd.concat([prev, cells], ignore_index=True)
    cells = cells.drop_duplicates(["area_id", "survey_year", "indicator"]).reset_index(drop=True)
    n = pd.to_numeric(cells["n"], errors="coerce").fillna(0).to_numpy(float)
    share = pd.to_numeric(cells["share_pct"], errors="coerce").to_numpy(float)
    yes = share * n / 100  # NaN where the group has no share
    few = (np.nan_to_num(yes) < k - 1e-9) | (n - np.nan_to_num(yes) < k - 1e-9)
    primary = (n < min_n) | np.isnan(share) | few
    return _area_cube("survey", cells, "indicator", yes, n, primary, 1.0, k - 1.0)


def index_cube(index: pd.DataFrame | None, k: int, min_n: int) -> Cube | None:
    """The optional 0–6 problem index as points (index · n) per area, survey year and item."""
    if index is None or len(index) == 0:
        return None
    n = pd.to_numeric(index["n"], errors="coerce").fillna(0).to_numpy(float)
    pts = pd.to_numeric(index["index_0_6"], errors="coerce").to_numpy(float) * n
    flagged = index["is_suppressed"].fillna(False).astype(bool).to_numpy() if "is_suppressed" in index else False
    return _area_cube("index", index, "item", pts, n, (n < min_n) | flagged | np.isnan(pts), 6.0, 2 * (k - 1.0))


def build_cubes(inputs, k: int, min_n: int) -> dict[str, Cube]:
    """Every cube of a :class:`~pipeline.report.inputs.ReportInputs` (internal frames)."""
    cubes = {
        "crimes": crimes_cube(inputs.area_year_counts, k),
        "survey": survey_cube(inputs.survey_indicators, k, min_n),
        "index": index_cube(inputs.survey_problem_index, k, min_n),
        "notes": simple_cube("notes", inputs.note_themes, ("area_id", "problem"), "n_notes", k),
        "est": simple_cube("est", inputs.est_summary, ("area_id", "problem"), "n_est_reports", k),
        "answers": simple_cube("answers", inputs.survey_text_themes, ("area_id", "problem"), "n_answers", k),
        "answers_area": simple_cube("answers_area", inputs.survey_text_themes, ("area_id",), "n_answers_area", k),
        "topics": simple_cube("topics", inputs.text_topics, ("topic",), "n_docs", k),
    }
    return {name: c for name, c in cubes.items() if c is not None}
