"""A small writer of Typst markup: headings, paragraphs, lists, notices, tables and figures.

It knows nothing about the lägesbild: chapters write through :class:`pipeline.report.doc.Doc`,
which adds the report's look-ups on top. Plain text is always escaped
(:func:`pipeline.report.markdown.escape`); table cells and raw markup are written as given, so
a caller escapes plain text in cells first. The template (templates/lagesbild.typ) defines the
functions used here: ``#notice``, ``#fig``, ``#cnt`` and ``#placeholder``.
"""

from __future__ import annotations

import re

from pipeline.report.markdown import escape as esc
from pipeline.report.svg import FigureCache

ALIGN = {"l": "left", "r": "right", "c": "center"}
KEEP_ROWS = 30  # tables up to this many rows (a page of them) are not split across pages


def typst_str(s) -> str:
    """A Typst string literal."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


class TypstWriter:
    """Collects blocks of Typst markup (``parts``) and the files they refer to (``files``: bytes,
    or a :class:`~pipeline.report.svg.FigureRef` when the figure cache is deferred)."""

    def __init__(self, figures: FigureCache | None = None):
        self.parts: list[str] = []
        self.files: dict[str, bytes] = {}
        self.figures = figures if figures is not None else FigureCache()

    def source(self, head: str = "") -> str:
        """The document: ``head`` then the blocks, separated by blank lines."""
        return head + "\n\n".join(self.parts) + "\n"

    # ---- blocks
    def add(self, markup: str) -> None:
        """Raw Typst markup (already escaped)."""
        self.parts.append(markup)

    def h(self, level: int, title: str) -> None:
        self.add(f"{'=' * level} {esc(title)}")

    def para(self, text: str) -> None:
        self.add(esc(text))

    def bullets(self, items: list[str]) -> None:
        if items:
            self.add("\n".join(f"- {esc(i)}" for i in items))

    def numbered(self, items: list[str]) -> None:
        if items:
            self.add("\n".join(f"+ {esc(i)}" for i in items))

    def notice(self, text: str) -> None:
        self.add(f"#notice[{esc(text)}]")

    def figure(self, name: str, call: tuple, caption: str, alt: str) -> None:
        """Figure ``name`` drawn by ``call`` = (function, *args) through the figure cache, with
        its caption and alt text (PDF/UA requires one). A caption may refer to a labelled table
        as ``{ref:label}`` (it becomes "Tabell N")."""
        self.files[f"{name}.svg"] = self.figures.request(name, call[0], *call[1:])
        self.add(f"#fig({typst_str(name + '.svg')}, {typst_str(alt)}, [{refs(esc(caption))}])")

    def table(self, caption: str, header: list[str], rows: list[list[str]], align: str, widths: str | None = None,
              label: str | None = None, numbered: bool = True) -> None:
        """A table whose header repeats on every page; ``align`` is one letter per column (l/r/c);
        cells are Typst markup (escape plain text first); ``label`` (letters and digits) lets a
        caption refer to it; ``numbered=False`` for a table with its own name in the caption
        (appendix C's "C.1")."""
        cols = widths or "(" + ", ".join("auto" if a != "l" else "1fr" for a in align) + ",)"
        head = ", ".join(f"[{esc(h)}]" for h in header)
        # one argument per line, each with its comma: no rows is the header alone, not a stray ","
        body = "".join(f"  {', '.join(f'[{c}]' for c in r)},\n" for r in rows)
        fig = (f"#figure(kind: table, {'' if numbered else 'numbering: none, '}caption: [{refs(esc(caption))}], "
               f"table(columns: {cols}, "
               f"align: ({', '.join(ALIGN[a] for a in align)},),\n  table.header({head}),\n{body}))"
               + (f" <{label}>" if label else ""))
        # a short table stays on one page with its header; a long one breaks with the header repeated
        self.add(f"#keep[{fig}]" if len(rows) <= KEEP_ROWS else fig)


def refs(markup: str) -> str:
    """``{ref:label}`` → a Typst reference to the labelled figure or table."""
    return re.sub(r"\{ref:([A-Za-z0-9]+)\}", r"@\1", markup)
