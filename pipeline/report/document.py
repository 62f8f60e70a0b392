"""Builds the Typst source of the lägesbild and its figure files from one version's inputs.

Pure: :func:`build_document` takes a :class:`~pipeline.report.inputs.ReportInputs` and returns
the source text of ``main.typ`` plus the figures as SVG bytes by file name; nothing is read or
written (render.py does that). The public version is built from inputs that have been through
:func:`pipeline.report.public.make_public_inputs` (``inputs.public``): the transformation
happens before, never inside, the document. The chapters and their order are the registry
:data:`pipeline.report.chapters.CHAPTERS`.
"""

from __future__ import annotations

from pipeline.report.chapters import CHAPTERS, Chapter
from pipeline.report.doc import Doc
from pipeline.report.events import EVENTS_ONLY_TITLE_SV
from pipeline.report.inputs import ReportInputs
from pipeline.report.svg import FigureCache
from pipeline.report.typst import typst_str


def draft_status(inputs: ReportInputs) -> str:
    """"" when every analyst text is written (the report then carries its version from params),
    else what is missing: the lägesbild is a draft ("Utkast", with a watermark). A chapter the
    analysts' registry fills (orsaksanalys, handlingsplan, medborgarlöften, uppföljning:
    :func:`pipeline.cycle.report_data.filled_from_registry`) needs no text; a template nobody
    has filled in fills none."""
    from pipeline.cycle.report_data import draft_reasons

    missing = draft_reasons(inputs.analyst_texts, inputs.cycle)
    if not missing:
        return ""
    if inputs.public:
        return "ännu inte fastställd"
    return "saknar " + ", ".join(missing)


def chapter_titles(chapters: tuple[Chapter, ...] = CHAPTERS) -> list[str]:
    return [c.title for c in chapters]


def build_document(inputs: ReportInputs, figures: FigureCache | None = None,
                   chapters: tuple[Chapter, ...] = CHAPTERS, excel: bool = True) -> tuple[str, dict[str, bytes]]:
    """The Typst source of ``main.typ`` and the figure files (SVG bytes by file name).

    The source imports ``lagesbild.typ`` (the template, copied beside it by render.py). Pass
    the same ``figures`` cache to both versions to draw their common figures once. With fewer
    ``chapters`` than :data:`CHAPTERS` (a national run's short version) the document opens with
    a notice naming the chapters left out, so a reader knows the report is not the whole lägesbild.
    ``excel=False``: the report goes without its Excel tables, and says which command writes them.
    """
    d = Doc(inputs, figures, excel)
    k = inputs.kommun
    head = (f'#import "lagesbild.typ": *\n#show: lagesbild.with(kommun: {typst_str(k.name)}, lpo: {typst_str(k.lpo)}, '
            f'year: {typst_str(k.year)}, date: {typst_str(inputs.generated_on.isoformat())}, '
            f'version: {typst_str(inputs.report.version)}, public: {"true" if d.public else "false"}, '
            f'basis: {typst_str(EVENTS_ONLY_TITLE_SV if inputs.events_only else "")}, '
            f'draft: {typst_str(draft_status(inputs))})\n')
    left_out = [c.title for c in CHAPTERS if c not in chapters]
    if left_out:
        d.notice("Kortversion från den nationella körningen: kapitlen " + ", ".join(left_out)
                 + " ingår inte. Kommandot lagesbild run i kommunens katalog ger hela lägesbilden.")
    for chapter in chapters:
        d.h(1, chapter.title)
        chapter.build(d)
    return d.source(head), d.files
