"""Markdown subset → Typst, checked on the markup and on the text typst actually renders."""

import io

import pypdf
import typst

from pipeline.report.markdown import escape, inline, markdown_to_typst


def _rendered_text(markup: str) -> str:
    pdf = typst.compile(('#set text(lang: "sv")\n' + markup).encode(), ignore_system_fonts=True)
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_escape_renders_every_special_character_literally():
    nasty = "50 % #tomma *lokaler* _x_ $5 <b> @ref [1] `kod` // inte kommentar = - + \\ slut"
    assert _rendered_text(escape(nasty)).split() == nasty.split()


def test_number_and_dot_at_start_is_not_a_list():
    assert escape("2024. Året") == "2024\\. Året"
    assert _rendered_text(escape("2024. Året")).strip() == "2024. Året"


def test_every_line_break_typst_knows_becomes_a_space():
    """A label with a carriage return or a Unicode line separator before "3." would otherwise
    start a numbered list inside a table cell."""
    for brk in ("\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"):
        label = f"1. Stöld{brk}3. Rån"
        assert escape(label) == "1\\. Stöld 3. Rån", repr(brk)
        assert _rendered_text(escape(label)).split() == ["1.", "Stöld", "3.", "Rån"], repr(brk)


def test_inline_bold_italic():
    assert inline("a **fet** och *kursiv* och ***båda***") == \
        "a #strong[fet] och #emph[kursiv] och #strong[#emph[båda]]"
    assert inline("snake_case_name stays") == "snake\\_case\\_name stays"


def test_blocks_headings_lists_and_paragraphs():
    md = "# Orsaker\n\nFörsta raden\nfortsätter.\n\n- ett\n- två *viktigt*\n\n1. först\n2. sedan\n\n## Under"
    out = markdown_to_typst(md, base_level=2)
    assert out.split("\n\n") == [
        "== Orsaker", "Första raden fortsätter\\.".replace("\\.", "."), "- ett\n- två #emph[viktigt]",
        "+ först\n+ sedan", "=== Under",
    ]


def test_converted_markdown_compiles_and_keeps_the_words():
    md = "# Rubrik\n\nText med **fet** stil och 5 #hashtag.\n\n- punkt [a]\n- punkt <b>"
    text = _rendered_text(markdown_to_typst(md))
    for word in ("Rubrik", "fet", "#hashtag.", "[a]", "<b>"):
        assert word in text
