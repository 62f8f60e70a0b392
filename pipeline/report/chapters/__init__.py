"""The chapters of the lägesbild, in reading order.

A chapter is a title and a function ``build(d)`` that writes the chapter's body through a
:class:`pipeline.report.doc.Doc` (the document builder writes the level-1 heading). To add one:
write a module here with ``TITLE`` and ``build(d: Doc) -> None`` and put it into
:data:`CHAPTERS` where it belongs. A chapter that reads a cell-level layer
(:data:`pipeline.loader.CELL_LAYERS`) names it in ``CELL_LAYERS``: a report without such a
chapter (a national run's) does not read them. ``d.inp`` holds the frames (already made public in the public
version: ``d.public``); write counts with ``d.cnt``/``d.count``, figures with ``d.figure`` (alt
text required), tables with ``d.table``, and say ``d.missing(...)`` when a source is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.report.chapters import (
    anmalda_brott, bilagor, dialoger, est, geografi, handlingsplan, jamforelse, metod, om_kommunen, orsaksanalys,
    problembilder, rangordning, sammanfattning, skadeviktad, syfte, tid, trygghet, uppfoljning,
)
from pipeline.report.doc import Doc


@dataclass(frozen=True)
class Chapter:
    title: str
    build: Callable[[Doc], None]
    cell_layers: tuple[str, ...] = ()  # the cell-level layers it reads (one row per cell and problem)

    @classmethod
    def of(cls, module) -> Chapter:
        """The chapter a module defines with ``TITLE``, ``build`` and optionally ``CELL_LAYERS``."""
        return cls(module.TITLE, module.build, getattr(module, "CELL_LAYERS", ()))


CHAPTERS: tuple[Chapter, ...] = (
    Chapter.of(sammanfattning),
    Chapter.of(syfte),
    Chapter.of(om_kommunen),
    Chapter.of(anmalda_brott),
    Chapter.of(jamforelse),
    Chapter.of(geografi),
    Chapter.of(tid),
    Chapter.of(trygghet),
    Chapter.of(dialoger),
    Chapter.of(est),
    Chapter.of(skadeviktad),
    Chapter.of(problembilder),
    Chapter.of(rangordning),
    Chapter.of(orsaksanalys),    # these three are filled from the registry (pipeline/cycle) when
    Chapter.of(handlingsplan),   # there is one, else from the analysts' texts
    Chapter.of(uppfoljning),
    Chapter.of(metod),
    Chapter.of(bilagor),
)
