"""Brå's prioritisation matrix as a Typst table: problembilder as rows, the score's criteria as
columns, each cell the criterion's value 0–1 printed on a grey that darkens with it, and the
score ("Poäng") as a last, bold column set apart by a gap.

A table, not a picture of one: a screen reader reads its cells (the public version is PDF/UA),
the values can be selected and searched, and it is set in the report's own fonts. (Drawn by
matplotlib it was also the costliest chart of a report, a quarter of a second per kommun.)
"""

from __future__ import annotations

import functools
import math
import textwrap

import matplotlib as mpl
import pandas as pd

from pipeline.report.markdown import escape as esc
from pipeline.report.typst import refs
from pipeline.text.format_sv import fmt_num

SHADE_MAX = 1.4          # the value the grey scale would draw black: 1.0 stays dark grey, under white text
WHITE_TEXT_ABOVE = 0.75  # darker cells get white text
SCORE = "Poäng"          # the score column's label (matrix_long)
HEADER_HEIGHT_CM = 3.4   # room for the column labels, set at an angle
CELL_WIDTH_CM = 0.95
LABEL_WIDTH_CM = 4.4
KEEP_ROWS = 18           # rows (with two-line labels) that fit on a page under the column labels


@functools.cache
def _greys():
    return mpl.colormaps["Greys"]  # the registry hands out a copy at every look-up


def shade(value: float) -> str:
    """The cell's fill, #rrggbb: matplotlib's "Greys" colour map at value / SHADE_MAX (clipped to 0–1)."""
    r, g, b, _ = _greys()(min(max(value / SHADE_MAX, 0.0), 1.0))
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in (r, g, b)))


def _cell(value: float, score: bool) -> str:
    if value is None or math.isnan(value):
        return "[..]"  # a value the public version does not show
    text = esc(fmt_num(value, 2 if score else 1))
    ink = "white" if value > WHITE_TEXT_ABOVE else "black"
    weight = ', weight: "bold"' if score else ""
    return f'table.cell(fill: rgb("{shade(value)}"))[#text(fill: {ink}{weight})[{text}]]'


def _column_label(label: str) -> str:
    """A column label written upwards to the right from the column's middle, as in Brå's matrix
    (the label's box keeps the column narrow; the text runs over the neighbours' free space)."""
    lines = " \\ ".join(esc(line) for line in textwrap.wrap(label, 22))
    return (f"box(height: {HEADER_HEIGHT_CM}cm, width: 100%, place(bottom + left, dx: 50%, "
            f"rotate(-55deg, origin: bottom + left)[#box(width: 4cm)[#set par(leading: 0.3em); "
            f"#set text(weight: \"regular\"); {lines}]]))")


def matrix_table(matrix: pd.DataFrame, caption: str) -> str:
    """Typst markup of the matrix (``matrix``: :func:`pipeline.report.chapters.problembilder.
    matrix_long`, rows row_label, criterion_label, value) as a numbered table with ``caption``;
    "" for a matrix without rows or columns."""
    rows = list(dict.fromkeys(matrix["row_label"]))
    cols = list(dict.fromkeys(matrix["criterion_label"]))
    if not rows or not cols:
        return ""
    grid = (matrix.pivot_table(index="row_label", columns="criterion_label", values="value", aggfunc="first",
                               dropna=False).reindex(index=rows, columns=cols))
    gap = ["0pt"] * len(cols)
    if cols[-1] == SCORE:
        gap[-1] = "5pt"  # the score set apart from the criteria it weighs
    header = ", ".join(["[]"] + [f"table.cell(align: left)[#{_column_label(c)}]" for c in cols])
    body = ",\n  ".join(
        ", ".join([f"table.cell(align: right)[{esc(label)}]"]
                  + [_cell(float(grid.at[label, c]), c == SCORE) for c in cols])
        for label in rows)
    columns = f"({LABEL_WIDTH_CM}cm, " + ", ".join([f"{CELL_WIDTH_CM}cm"] * len(cols)) + ",)"
    table = (f"table(columns: {columns}, column-gutter: ({', '.join(gap)},), align: center + horizon, "
             f"inset: (x: 2pt, y: 5pt), fill: none, stroke: (x, y) => if y > 0 {{ (bottom: 0.6pt + white) }},\n"
             f"  table.header({header}),\n  {body},\n)")
    # labels break between words only ("Skadegörelse och / klotter", not "klot-ter")
    fig = f"#figure(kind: table, caption: [{refs(esc(caption))}], {{set text(hyphenate: false); {table}}})"
    # on one page with its caption; a longer one breaks, its column labels repeated
    return f"#keep[{fig}]" if len(rows) <= KEEP_ROWS else fig
