"""The document being written: a :class:`~pipeline.report.typst.TypstWriter` bound to one
version's :class:`~pipeline.report.inputs.ReportInputs`.

Chapters (pipeline/report/chapters/) receive a :class:`Doc` and write through it. It adds what
every chapter needs: whether this is the public version, counts that respect the suppression
threshold (``#cnt("…")`` so tests can find every one), analyst texts with placeholders, area and
problem-family names, and the name of the Excel appendix of this version.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report import views
from pipeline.report.figures import problem_label
from pipeline.report.inputs import ANALYST_GUIDANCE, ANALYST_SV, ReportInputs
from pipeline.report.markdown import escape as esc
from pipeline.report.markdown import markdown_to_typst
from pipeline.report.svg import FigureCache
from pipeline.report.typst import TypstWriter, typst_str
from pipeline.schemas import COLUMNS
from pipeline.text.format_sv import fmt_int


class Doc(TypstWriter):
    def __init__(self, inp: ReportInputs, figures: FigureCache | None = None, excel: bool = True):
        super().__init__(figures)
        self.inp = inp
        self.excel = excel  # False: the report goes without its Excel tables (a national run)
        self.public = inp.public
        self.min = inp.privacy.min_count
        self.names = views.area_names(inp.areas)

    # ---- counts
    def count(self, value, flag="") -> str:
        """A count cell: "<k" for a small count the public version hides (``flag`` "primary" or
        True), ".." for one hidden to protect another or with the count it goes with
        ("secondary"), else the number (0 stays 0; a missing one "–")."""
        if flag == "secondary":
            return '#cnt("..")'
        if flag:
            return f'#cnt("<{self.min}")'
        return f"#cnt({typst_str(fmt_int(value))})"

    def num(self, value) -> str:
        """A number that is no protected count (rows read, respondents, inhabitants, grid cells,
        Polisen's published events): written as it is in both versions."""
        return fmt_int(value)

    def cnt(self, row, col: str) -> str:
        """The count ``row[col]`` with the public version's flag ``<col>_suppressed``; a column
        the registry calls meta or public (not about people or crimes) is written as it is, a
        companion (weeks with a report, units that wrote) too unless it is hidden."""
        spec = COLUMNS.get(col)
        kind = spec.kind if spec is not None else "count"
        if kind in ("meta", "public"):
            return self.num(row.get(col))
        if kind == "companion":  # weeks, units: not about people; hidden with the count they go with
            return ".." if row.get(f"{col}_suppressed", "") else self.num(row.get(col))
        flag = row.get(f"{col}_suppressed", "")
        return self.count(row.get(col), flag if isinstance(flag, str) or flag is True else "")

    # ---- texts written by people
    def analyst(self, name: str) -> None:
        """The analyst text ``name`` (its ``_publik`` variant in the public version), or a placeholder."""
        texts = self.inp.analyst_texts or {}
        md = texts.get(f"{name}_publik") if self.public else None
        md = md or texts.get(name)
        if md and md.strip():
            self.add(markdown_to_typst(md, base_level=2))
        elif self.public:  # the public version never shows what is still to be written
            self.para(f"{ANALYST_SV.get(name, name).capitalize()} skrivs av kommunen och polisen tillsammans och "
                      "publiceras när lägesbilden är fastställd.")
        else:
            self.add(f"#placeholder[{esc(ANALYST_GUIDANCE.get(name, name))}]")

    def missing(self, what: str) -> None:
        self.notice(f"Underlaget {what} har inte lämnats in för denna lägesbild; avsnittet bygger därför inte på det.")

    # ---- look-ups
    @property
    def excel_name(self) -> str:
        """The Excel appendix that goes with this version of the report."""
        return f"lagesbild-{self.inp.kommun.year}-tabeller-{'publik' if self.public else 'intern'}.xlsx"

    def appendix(self, sheet: str | None = None) -> str:
        """Where a reader finds every number of a table: "i Excelbilagan <file>[, bladet <sheet>]";
        for a report written without its Excel tables (a national run), the command that writes them."""
        if not self.excel:
            return "i Excelbilagan som kommandot lagesbild run i kommunens katalog skriver"
        return f"i Excelbilagan {self.excel_name}" + (f", bladet {sheet}" if sheet else "")

    def label(self, problem) -> str:
        """Swedish label of a problem family; a missing one (e.g. an event type without a family) is "–"."""
        if problem is None or (isinstance(problem, float) and np.isnan(problem)) or pd.isna(problem):
            return "–"
        return problem_label(problem, self.inp.families)

    def area(self, area_id) -> str:
        return self.names.get(area_id, str(area_id))

    def top_problems(self, k: int = 3) -> list[str]:
        return views.top_problems(self.inp.problembilder, self.inp.area_trends, k)
