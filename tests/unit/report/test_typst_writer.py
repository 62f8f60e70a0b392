"""The Typst writer's blocks compile, also when they are empty; a failed compile keeps its source."""

import datetime as dt
import re
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline.errors import DataError
from pipeline.report.render import compile_source
from pipeline.report.typst import TypstWriter

DAY = dt.date(2025, 12, 31)


def _text(path) -> str:
    doc = pdfium.PdfDocument(path)
    return " ".join(" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc)))


def test_a_table_without_rows_compiles_to_its_header(tmp_path):
    w = TypstWriter()
    w.table("Tom tabell", ["Typ", "Antal"], [], "lr")
    w.table("Full tabell", ["Typ", "Antal"], [["Hot", "3"]], "lr")
    w.bullets([])
    w.numbered([])
    compile_source('#set document(title: "T")\n#let keep(body) = body\n' + w.source(), {}, tmp_path,
                   tmp_path / "o.pdf", DAY)
    text = _text(tmp_path / "o.pdf")
    assert "Tom tabell" in text and "Full tabell" in text and "Hot 3" in text


def test_a_failed_compile_names_a_source_that_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the kept copy goes
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(DataError, match="typst could not build the PDF") as err:
        compile_source("#table(columns: 2, ,)\n", {"fig.svg": b"<svg/>"}, work, work / "o.pdf", DAY)
    named = re.search(r"the generated source is kept in (\S+)", str(err.value)).group(1)
    for f in work.iterdir():  # what the callers' temporary directory does when the error leaves it
        f.unlink()
    kept = Path(named)
    assert kept.read_text("utf-8") == "#table(columns: 2, ,)\n" and (kept.parent / "fig.svg").exists()
