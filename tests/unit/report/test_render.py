"""Render both PDFs on a small fixture and inspect them: pages, text layer, tags, alt text."""

import re

import pandas as pd
import pypdf
import pypdfium2 as pdfium
import pytest

from pipeline.report.chapters.problembilder import matrix_long
from pipeline.report.doc import Doc
from pipeline.report.document import build_document, chapter_titles
from pipeline.report.inputs import ReportInputs
from pipeline.report.render import read_analyst_texts, render_pdf
from pipeline.report.svg import FigureCache
from pipeline.text.format_sv import fmt_num

from . import make_frames, public_version

FIGURES = FigureCache(max_items=1024)  # for the module: a figure a test did not change is drawn once


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep")
    inp = ReportInputs(**make_frames(cell_m=500))
    return (inp, render_pdf(inp, out / "lagesbild-2025.pdf", FIGURES),
            render_pdf(public_version(inp), out / "lagesbild-2025-publik.pdf", FIGURES))


def _text(path):
    """The PDF's text layer (pdfium's extraction: the same words as pypdf's, 40 times faster)."""
    doc = pdfium.PdfDocument(path)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def _alts(path):
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for k in node:
                walk(k)

    walk(pypdf.PdfReader(path).trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.parametrize("which", [1, 2])
def test_pages_render_and_text_layer_has_every_chapter(pdfs, which):
    path = pdfs[which]
    doc = pdfium.PdfDocument(path)
    assert 15 <= len(doc) <= 60
    for i in (0, len(doc) // 2, len(doc) - 1):
        img = doc[i].render(scale=0.4).to_pil().convert("L")
        assert img.getextrema()[0] < 128  # something dark is drawn on the page
        assert abs(img.width / img.height - 210 / 297) < 0.01  # A4
    text = re.sub(r"\s+", " ", _text(path))
    for chapter in chapter_titles():
        assert chapter in text, chapter
    assert "Innehåll" in text and "Sida 3 av" in text


def test_tagged_swedish_pdf_ua_with_alt_text_for_every_figure(pdfs):
    inp, internal, public = pdfs
    for path, is_public in ((internal, False), (public, True)):
        root = pypdf.PdfReader(path).trailer["/Root"]
        assert str(root["/Lang"]).lower().startswith("sv")
        assert root["/MarkInfo"]["/Marked"]
        alts = _alts(path)
        _, files = build_document(public_version(inp) if is_public else inp, FIGURES)
        assert len(alts) == len(files) and all(len(a) > 30 for a in alts)
    assert b"pdfuaid" in open(internal, "rb").read()


def _roles(path, under: str) -> list[str]:
    """The structure roles (/S) inside every ``under`` element of the PDF's tag tree."""
    found = []

    def walk(node, inside):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            role = str(node.get("/S", ""))
            if inside:
                found.append(role)
            kids = node.get("/K")
            if kids is not None:
                walk(kids, inside or role == under)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for k in node:
                walk(k, inside)

    walk(pypdf.PdfReader(path).trailer["/Root"]["/StructTreeRoot"], False)
    return found


@pytest.mark.parametrize("which", [1, 2])
def test_the_priority_matrix_is_a_table_read_row_by_row(pdfs, which):
    """Brå's matrix is a tagged table, not a picture: after its caption the text layer holds each
    problembild's label and then its values in column order (criteria with one decimal, the
    score with two; a value the public version does not show is "..")."""
    inp = pdfs[0] if which == 1 else public_version(pdfs[0])
    mat = matrix_long(Doc(inp))
    wide = mat.pivot_table(index="row_label", columns="criterion_label", values="value", aggfunc="first",
                           dropna=False).reindex(index=list(dict.fromkeys(mat["row_label"])),
                                                 columns=list(dict.fromkeys(mat["criterion_label"])))
    assert len(wide) >= 3 and wide.columns[-1] == "Poäng"
    text = re.sub(r"\s+", " ", _text(pdfs[which]))
    start = text.index("Prioriteringsmatris 2025")
    for label, values in wide.iterrows():
        cells = [".." if pd.isna(v) else fmt_num(v, 2 if c == "Poäng" else 1) for c, v in values.items()]
        row = " ".join([label, *cells])
        assert row in text[start:], row
    assert {"/TH", "/TD"} <= set(_roles(pdfs[which], "/Table"))  # tables are tagged with header cells
    _, files = build_document(inp, FIGURES)
    assert not [f for f in files if "matris" in f]  # and the matrix is no picture


def test_public_pdf_tables_show_no_small_counts(pdfs):
    text = _text(pdfs[2])
    # three staff notes about violence in Råby: a number internally; in public "<5", and the
    # number of units that wrote them ("..") is hidden with it
    assert re.search(r"Råby\s+Våld i offentlig miljö\s+<5\s+\.\.", text)
    assert re.search(r"Råby\s+Våld i offentlig miljö\s+3\s+1\b", _text(pdfs[1]))
    assert "stökigt" not in text and "Röster från medarbetardialogerna" not in text
    # Polisen's events are published by Polisen: the same numbers in both versions
    assert re.search(r"2025\s+Stöld\s+3\b", text) and re.search(r"2025\s+Stöld\s+3\b", _text(pdfs[1]))


def test_read_analyst_texts(tmp_path):
    assert read_analyst_texts(tmp_path / "saknas") == {}
    (tmp_path / "orsaksanalys.md").write_text("# Orsaker\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert read_analyst_texts(tmp_path) == {"orsaksanalys": "# Orsaker\n"}


# Codes and English words that must never reach a reader: snake_case column/category codes,
# missing-value spellings, Python booleans and the English problem-family ids.
ENGLISH = re.compile(r"\b(?:[A-Za-z]+_[A-Za-z0-9_]+|nan|NaN|None|True|False|harm|incidents|events|rising|falling|"
                     r"stable|unknown|missing|weapons|violence|burglary|robbery|threats|vandalism|drugs|disorder|"
                     r"traffic|littering|theft)\b")


def test_english_token_pattern_catches_codes():
    found = ENGLISH.findall("Tabell n_2025 nan hot_99 persistent_hot True harm; Crime Harm Index, all brottslighet")
    assert found == ["n_2025", "nan", "hot_99", "persistent_hot", "True", "harm"]


def test_no_english_or_codes_in_the_text_layer(pdfs, tmp_path):
    import dataclasses

    import pandas as pd

    from pipeline.ingest.police_events import event_type_summary

    inp, internal, public = pdfs
    # Polisen's table as ingest really builds it: an event type without a problem family and
    # one n_<year> column per year (both once leaked as "nan" and "n_2025")
    events = pd.DataFrame({"event_type": ["Trafikolycka"] * 7 + ["Misshandel"] * 6, "year": 2025,
                           "problem": [None] * 7 + ["violence"] * 6})
    wide = dataclasses.replace(inp, police_events_summary=event_type_summary(events))
    paths = [internal, public, render_pdf(wide, tmp_path / "a.pdf", FIGURES)]
    for path in paths:
        text = _text(path)
        assert not ENGLISH.findall(text), (path.name, sorted(set(ENGLISH.findall(text))))
    text = re.sub(r"\s+", " ", _text(paths[2]))
    assert re.search(r"Händelsetyp Problemområde 2025 Trafikolycka – 7 Misshandel Våld i offentlig miljö 6", text)


def test_an_unfinished_lagesbild_says_so_and_has_a_place_for_the_decision(pdfs):
    internal, public = re.sub(r"\s+", " ", _text(pdfs[1])), re.sub(r"\s+", " ", _text(pdfs[2]))
    assert "Utkast – saknar sammanfattningen" in internal and "Version 1.0" not in internal
    assert "Att skriva: Handlingsplanen" in internal and "reports/text" not in internal
    assert "Kommunstyrelsens ordförande" in internal and "Lokalpolisområdeschef" in internal
    assert "Beslut" in public and "Att skriva" not in public and "reports/text" not in public
    assert "Kommunstyrelsens ordförande" not in public  # the signed original stays with the kommun


def test_the_matrix_table_of_nothing_is_nothing_and_a_long_one_may_break():
    from pipeline.report.matrix_table import KEEP_ROWS, matrix_table

    assert matrix_table(pd.DataFrame(columns=["row_label", "criterion_label", "value"]), "Tom") == ""
    rows = [(f"{i}. Stöld, Område {i}", c, 0.5) for i in range(1, KEEP_ROWS + 2) for c in ("Trend (10 %)", "Poäng")]
    long = matrix_table(pd.DataFrame(rows, columns=["row_label", "criterion_label", "value"]), "Lång")
    short = matrix_table(pd.DataFrame(rows[:4], columns=["row_label", "criterion_label", "value"]), "Kort")
    assert short.startswith("#keep[") and not long.startswith("#keep[") and long.startswith("#figure(")
