"""The report stage: the lägesbild PDFs (internal and public), their Excel tables and the public
web page, from the processed tables (read by :func:`pipeline.loader.load_inputs`, the loader the
notebooks share). Shell code like :mod:`pipeline.stages`, which it was split from to keep both
readable in one sitting; ``stages.report`` and ``stages.report_inputs`` are these functions.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pipeline import io
from pipeline.config import Params
from pipeline.context import RunContext


# What the report stage imports (matplotlib and the chapters, the public version's disclosure
# control, Excel, Typst): about 1 s of CPU in a process that has not drawn a figure yet.
REPORT_MODULES = ("pipeline.loader", "pipeline.report.document", "pipeline.report.render", "pipeline.report.svg",
                  "pipeline.report.public", "pipeline.report.excel", "pipeline.cycle.public_page",
                  "pipeline.cycle.commands")


def import_report_modules() -> None:
    """Import :data:`REPORT_MODULES` and load matplotlib's fonts
    (:func:`pipeline.report.svg.warm_up`). ``lagesbild run`` has this done while its process would
    wait for the layers' children (:func:`pipeline.parallel.idle_work`) rather than at the start
    of the report, when no figure can be drawn yet and a core stands idle."""
    import importlib

    for name in REPORT_MODULES:
        importlib.import_module(name)
    importlib.import_module("pipeline.report.svg").warm_up()


# The core tables the report reads besides its processed tables (the Polisen events, the
# problem profiles, the registry's places); the evaluation's tables are not among them: they
# may still be written.
CORE_TABLES_READ = ("police_events", "incidents", "est_reports", "notes")


def read_report_tables(run: RunContext) -> None:
    """Read the files :func:`report_inputs` reads, except the evaluation's tables, and drop
    them: for a caller inside :func:`pipeline.io.reading_once` whose report then finds them read
    (``lagesbild run``, while the evaluation may still run in its second process)."""
    from pipeline.loader import REPORT_TABLES, read_tables

    read_tables(run, REPORT_TABLES)
    for table in CORE_TABLES_READ:
        if run.core(table).exists():
            io.read_frame(run.core(table))


def report_inputs(run: RunContext, params: Params, generated_on: dt.date | None = None, profiles: bool = True,
                  cell_layers: tuple[str, ...] | None = None):
    """The report's inputs (:func:`pipeline.loader.load_inputs`, the loader the notebooks share);
    ``cell_layers``: only these cell-level layers (default: all)."""
    from pipeline.loader import CELL_LAYERS, load_inputs

    return load_inputs(run, params, generated_on, profiles=profiles,
                       cell_layers=CELL_LAYERS if cell_layers is None else cell_layers)


def report(run: RunContext, params: Params, versions: tuple[str, ...] = ("intern", "publik"),
           excel: bool = True, chapters: tuple[str, ...] | None = None, processes: int | None = None) -> str:
    """The report PDFs and their Excel tables, internal and public. A national run asks for a
    short internal PDF only (``versions=("intern",), excel=False, chapters=<titles>``), made in
    its own process (``processes=1``: a Dask worker's cores are the other workers').

    The internal document is built first with its figures only requested; they are drawn on all
    cores (:meth:`pipeline.report.svg.FigureCache.draw_pending`) while this process makes the
    public version (disclosure control, audited before anything is written), builds its
    document and writes the internal Excel tables to a staging folder. The figures that only the
    public PDF asks for are drawn next, while the internal PDF is compiled (a figure that
    suppression left unchanged has the same key and is drawn once). Last, children draw the
    public web page's maps and write the public tables while the public PDF is compiled here;
    then the page is written, and the tables are moved into place. Typst compiles in this
    process only: a child forked from a process that has compiled once would wait for ever for
    Typst's worker threads (:func:`pipeline.report.render.compile_source` raises there
    instead). With ``processes=1`` the same steps run in order, with the same bytes.
    """
    import tempfile

    from pipeline.report.chapters.orsaksanalys import TITLE as ORSAKSANALYS
    from pipeline.report.document import build_document
    from pipeline.report.public import make_public_inputs
    from pipeline.report.render import write_pdf
    from pipeline.report.svg import FigureCache, warm_up

    # the problem profiles (the costliest part of loading) are shown only by the orsaksanalys;
    # the cell-level layers only by the maps and the public version (which coarsens them)
    profiles = chapters is None or ORSAKSANALYS in chapters
    chapters = _report_chapters(chapters)
    cells = None if chapters is None or "publik" in versions or profiles else \
        tuple(dict.fromkeys(layer for c in chapters for layer in c.cell_layers))
    inputs = report_inputs(run, params, profiles=profiles, cell_layers=cells)
    year, sources, documents = params.kommun.year, {"intern": inputs}, {}
    figures = FigureCache(deferred=True)

    def build(version: str) -> None:
        documents[version] = build_document(sources[version], figures, *(() if chapters is None else (chapters,)),
                                            excel=excel)

    tables_dir = run.report_tables(year, versions[0]).parent
    tables_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tables_dir, prefix=".report-") as staging:
        def tables(version: str) -> dict:
            return _stage_tables(sources, (version,) if excel and version in versions else (), Path(staging))

        def public_version() -> dict:
            if "publik" in versions:
                sources["publik"] = make_public_inputs(sources["intern"], params.privacy)
                build("publik")
            return tables("intern")

        def pdf(version: str) -> Path:
            src, files = documents[version]
            return write_pdf(src, figures.resolve(files), run.report_pdf(year, public=version == "publik"),
                             inputs.generated_on)

        def internal_pdf() -> list[Path]:
            pdfs = [pdf("intern")] if "intern" in documents else []
            _request_page_maps(sources, figures)  # drawn with the public tables while the public PDF compiles
            return pdfs

        if "intern" in versions:
            build("intern")
        if processes != 1:
            warm_up()  # once per process: the children forked for each batch inherit the loaded fonts
        staged = figures.draw_pending(processes, meanwhile=public_version)
        # the internal PDF's figures are all drawn by now; the public PDF's are drawn meanwhile
        pdfs = figures.draw_pending(processes, meanwhile=internal_pdf)
        public_tables = [lambda: tables("publik")] if excel and "publik" in versions else []
        written, public_pdfs = figures.draw_pending_with(
            public_tables, processes, meanwhile=lambda: [pdf("publik")] if "publik" in documents else [])
        _public_page(run, sources, figures)
        for tables_written in written:
            staged |= tables_written
        pdfs += public_pdfs
        for version, (path, _) in staged.items():
            os.replace(path, run.report_tables(year, version))
    n_sheets = max((n for _, n in staged.values()), default=0)
    made = " and ".join(run.display(p) for p in pdfs)
    return f"report: {made}" + (f" and {n_sheets} Excel sheets each" if n_sheets else "") + \
        f" ({', '.join(versions)})"


def _report_chapters(titles: tuple[str, ...] | None) -> tuple | None:
    """The chapters with these titles, in the report's order (None: all)."""
    if titles is None:
        return None
    from pipeline.report.chapters import CHAPTERS

    unknown = set(titles) - {c.title for c in CHAPTERS}
    if unknown:
        raise ValueError(f"report: no chapter titled {', '.join(sorted(unknown))}")
    return tuple(c for c in CHAPTERS if c.title in titles)


def _request_page_maps(sources: dict, figures) -> None:
    """The public web page's maps requested from ``figures``, when there is a public version."""
    from pipeline.cycle.public_page import map_figures

    if "publik" in sources:
        for name, draw, *args in map_figures(sources["publik"]):
            figures.request(name, draw, *args)


def _public_page(run: RunContext, sources: dict, figures) -> None:
    """reports/publik/index.html (pipeline/cycle/public_page.py), when there is a public version."""
    from pipeline.cycle.commands import write_public_page

    if "publik" in sources:
        write_public_page(run, sources["publik"], figures)


def _stage_tables(sources: dict, versions: tuple[str, ...], staging: Path) -> dict[str, tuple[Path, int]]:
    """Each version's Excel workbook written into ``staging``: version → (path, number of sheets).
    The internal tables hold quotes, named places and small counts; the public ones do not."""
    from pipeline.report.excel import workbook_sheets

    out = {}
    for version in versions:
        sheets = workbook_sheets(sources[version])
        out[version] = (io.write_workbook(sheets, staging / f"{version}.xlsx"), len(sheets))
    return out
