"""The shell around :mod:`pipeline.report.document`: writes the figures and ``main.typ`` into a temporary directory,
compiles with typst and moves the PDF atomically into place.

Fonts: typst is run with ``ignore_system_fonts=True`` so the output does not depend on the
machine. Available then are the fonts embedded in typst (Libertinus Serif, New Computer Modern,
DejaVu Sans Mono) plus matplotlib's bundled DejaVu fonts, passed through ``font_paths``: the body
is set in Libertinus Serif, headings, tables and captions in DejaVu Sans, the same face as the
figures. All fonts used are embedded (subset) in the PDF.

Standard: PDF/UA-1 (``pdf_standards=["ua-1"]``, tagged PDF); typst then refuses to build a
document with an image that lacks alt text, so a missing alt text fails the build rather than
shipping an inaccessible report. Values typst 0.15 accepts: "1.4"–"2.0", "a-1a"/"a-1b",
"a-2a"/"a-2b"/"a-2u", "a-3a"/"a-3b"/"a-3u", "a-4"/"a-4e"/"a-4f", "ua-1".
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import matplotlib
import typst

from pipeline.errors import DataError
from pipeline.io import atomic_path
from pipeline.report.document import build_document
from pipeline.report.inputs import ReportInputs
from pipeline.report.svg import FigureCache

PDF_STANDARDS = ["ua-1"]


def font_dirs() -> list[str]:
    """Matplotlib's bundled TrueType fonts (DejaVu Sans/Serif), the only fonts added to typst's own."""
    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def template_text() -> str:
    """The Typst template shipped with the package (pipeline/report/templates/lagesbild.typ)."""
    return resources.files("pipeline.report").joinpath("templates/lagesbild.typ").read_text("utf-8")


def read_analyst_texts(text_dir: Path) -> dict[str, str]:
    """Markdown files under ``text_dir`` by name without suffix (``orsaksanalys.md`` →
    ``"orsaksanalys"``); a missing directory gives an empty dict (the report shows placeholders)."""
    text_dir = Path(text_dir)
    if not text_dir.is_dir():
        return {}
    out = {}
    for p in sorted(text_dir.glob("*.md")):
        try:
            out[p.stem] = p.read_text("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DataError(f"{p}: is not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    return out


def compile_source(source: str, files: dict[str, bytes], workdir: Path, out_pdf: Path, when: dt.date) -> None:
    """Write ``main.typ``, the template and the figures into ``workdir`` and compile to ``out_pdf``.
    Never in a child of :func:`pipeline.parallel.fork_map`: Typst keeps worker threads in the
    process that compiled first, a forked child does not inherit them, and its compile would
    wait for them for ever; it raises instead."""
    from pipeline.parallel import in_forked_child

    if in_forked_child():
        raise RuntimeError("typst cannot compile in a forked child (it would wait for the parent's worker threads); "
                           "compile in the parent process")
    (workdir / "lagesbild.typ").write_text(template_text(), encoding="utf-8")
    for name, data in files.items():
        (workdir / name).write_bytes(data)
    (workdir / "main.typ").write_text(source, encoding="utf-8")
    stamp = dt.datetime(when.year, when.month, when.day, 12, 0, tzinfo=dt.timezone.utc)
    try:
        typst.compile(str(workdir / "main.typ"), output=str(out_pdf), root=str(workdir), font_paths=font_dirs(),
                      ignore_system_fonts=True, pdf_standards=PDF_STANDARDS, timestamp=stamp)
    except typst.TypstError as exc:
        hints = "; ".join(getattr(exc, "hints", []) or [])
        kept = _keep_for_inspection(workdir)
        raise DataError(f"report: typst could not build the PDF ({exc.message}{'; ' + hints if hints else ''}); "
                        f"the generated source is kept in {kept / 'main.typ'} (with its template and figures)") from exc


def _keep_for_inspection(workdir: Path) -> Path:
    """A copy of a failed compile's files that outlives ``workdir`` (the callers' is temporary)."""
    kept = Path(tempfile.mkdtemp(prefix="lagesbild-typst-failed-"))
    shutil.copytree(workdir, kept, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.pdf"))
    return kept


def render_pdf(inputs: ReportInputs, out_path: Path, figures: FigureCache | None = None,
               chapters: tuple | None = None) -> Path:
    """Build the lägesbild PDF of ``inputs`` (the public version when they went through
    :func:`pipeline.report.public.make_public_inputs`) and move it atomically to ``out_path``;
    returns ``out_path``. ``figures`` lets several versions share their common figures;
    ``chapters`` (default: all) a shorter document (:func:`build_document`)."""
    source, files = build_document(inputs, figures) if chapters is None else \
        build_document(inputs, figures, chapters)
    if figures is not None and figures.deferred:
        figures.draw_pending()
        files = figures.resolve(files)
    return write_pdf(source, files, out_path, inputs.generated_on)


def write_pdf(source: str, files: dict[str, bytes], out_path: Path, when: dt.date) -> Path:
    """Compile ``source`` with its ``files`` in a temporary directory and move the PDF
    atomically to ``out_path``; returns ``out_path``."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lagesbild-typst-") as tmp:
        work = Path(tmp)
        pdf = work / "out.pdf"
        compile_source(source, files, work, pdf, when)
        with atomic_path(out_path) as staged:
            staged.write_bytes(pdf.read_bytes())
    return out_path
