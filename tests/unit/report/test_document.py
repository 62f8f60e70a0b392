"""The Typst source: chapters, alt texts, placeholders, missing sources, public suppression."""

import re

import pandas as pd
import pytest

from pipeline.report.document import build_document, chapter_titles
from pipeline.report.inputs import ANALYST_TEXTS, ReportInputs
from pipeline.report.svg import FigureCache

from . import make_frames, public_version

FIG = re.compile(r'#fig\("([^"]+)", "((?:[^"\\]|\\.)*)", \[')
CNT = re.compile(r'#cnt\("([^"]*)"\)')


def _inputs(**over):
    fr = make_frames(cell_m=1000)
    fr.update(over)
    return ReportInputs(**fr)


# one figure cache for the module: a figure whose content a test did not change is drawn once
# (test_build_is_deterministic and the cache test below draw on their own)
FIGURES = FigureCache(max_items=1024)


def _build(inputs, *chapters):
    return build_document(inputs, FIGURES, *chapters)


def test_every_chapter_heading_and_figure_with_alt_text():
    src, files = _build(_inputs())
    headings = re.findall(r"^= (.+)$", src, flags=re.M)
    assert [h.replace("\\-", "-") for h in headings] == chapter_titles()
    figs = FIG.findall(src)
    assert len(figs) >= 12 and {f for f, _ in figs} == set(files)
    assert all(len(alt) > 30 for _, alt in figs)
    assert all(data.startswith(b"<?xml") for data in files.values())


def test_missing_analyst_texts_get_guidance_and_make_the_report_a_draft():
    inp = _inputs()
    src, _ = _build(inp)
    assert src.count("#placeholder[") == len(ANALYST_TEXTS) - 1  # orsaksanalys is written
    assert "reports/text" not in src and ".md" not in src  # guidance in Swedish, never a file path
    assert "#placeholder[Handlingsplanen: åtgärderna för varje prioriterad problembild, vem som ansvarar" in src
    assert 'draft: "saknar sammanfattningen, handlingsplanen, medborgarlöftena, uppföljningen"' in src
    assert "#strong[mötesplatser]" in src and "50 % \\#tomma lokaler" in src
    public, _ = _build(public_version(inp))
    assert "#placeholder[" not in public  # the public version never shows what is still to be written
    assert "Handlingsplanen skrivs av kommunen och polisen tillsammans" in public
    assert 'draft: "ännu inte fastställd"' in public
    done = dict.fromkeys(ANALYST_TEXTS, "Text.")
    final, _ = _build(_inputs(analyst_texts=done))
    assert 'draft: ""' in final and 'version: "1.0"' in final and "#placeholder[" not in final


def test_empty_sources_say_so_instead_of_empty_charts():
    empty = pd.DataFrame()
    src, files = _build(_inputs(survey_indicators=empty, note_themes=empty, est_summary=empty,
                                police_events_summary=None))
    assert src.count("har inte lämnats in") >= 4
    assert not any(name.startswith("trygghet") for name in files)


def test_public_source_has_no_count_under_threshold_and_no_quotes():
    inp = _inputs()
    src, _ = _build(public_version(inp))
    counts = CNT.findall(src)
    assert counts
    small = [c for c in counts if c not in ("<5", "..") and 0 < float(c.replace("\u00a0", "").replace(",", ".")) < 5]
    assert small == []
    assert "<5" in counts
    assert "quote-note" not in src.split("#let", 1)[0] and "#quote-note[" not in src
    assert "stökigt" not in src  # scoring's explanations quote notes: not used in the report
    internal, _ = _build(inp)
    assert "#quote-note[" in internal


def test_build_is_deterministic():
    inp = _inputs()
    assert build_document(inp) == build_document(inp)


def test_residents_free_text_and_topics_tables_with_public_suppression():
    themes = pd.DataFrame({"area_id": ["199901", "199902"], "problem": ["drugs", "vandalism"],
                           "n_answers": [12, 3], "n_answers_area": [40, 9],
                           "quotes": ["Langning vid torget varje kväll.", "Klotter på skolan."]})
    topics = pd.DataFrame({"topic": [0], "top_terms": ["belysning, mörkt, gångväg"], "n_docs": [25],
                           "share_untagged_pct": [80.0], "top_area": ["199901"]})
    inp = _inputs(survey_text_themes=themes, text_topics=topics)
    internal, _ = _build(inp)
    assert "Vad de boende skriver" in internal and "belysning, mörkt, gångväg" in internal
    public, _ = _build(public_version(inp))
    cells = CNT.findall(public.split("Vad de boende skriver", 1)[1].split("= ", 1)[0])
    assert "12" in cells and "<5" in cells and "3" not in cells  # 3 answers is under the threshold
    assert "Langning vid torget" not in public and "Langning vid torget" not in internal  # no quotes in tables


def test_optional_problem_index_is_shown_beside_the_percentages():
    index = pd.DataFrame({"area_id": ["kommun", "kommun"], "survey_year": [2025, 2025],
                          "item": ["drug_dealing", "littering"], "n": [400, 12], "index_0_6": [2.25, 3.0],
                          "is_suppressed": [False, True]})
    src, _ = _build(_inputs(survey_problem_index=index))
    part = src.split("Problemindex 0–6, hela kommunen", 1)[1][:600]
    assert "2,2" in part or "2,3" in part  # Swedish decimal comma
    assert "3,0" not in part  # suppressed: too few answers
    assert "Problemindex 0–6" not in _build(_inputs())[0]  # optional


def test_versions_share_the_figures_suppression_left_unchanged():
    from pipeline.report.svg import FigureRef

    inp = _inputs()
    shared = FigureCache()
    _, internal_files = build_document(inp, shared)
    after_internal = shared.drawn
    _, public_files = build_document(public_version(inp), shared)
    redrawn = shared.drawn - after_internal
    assert 0 < redrawn < len(public_files)  # suppressed figures are drawn again, the rest reused
    alone = FigureCache()
    assert build_document(public_version(inp), alone)[1] == public_files and alone.drawn == len(public_files)
    # deferred: both versions only request; each distinct figure is drawn once, in forked
    # children, into exactly the bytes drawn above (the PDFs do not depend on how they were drawn)
    deferred = FigureCache(deferred=True)
    _, internal_refs = build_document(inp, deferred)
    _, public_refs = build_document(public_version(inp), deferred)
    assert deferred.drawn == 0 and all(isinstance(v, FigureRef) for v in internal_refs.values())
    with pytest.raises(RuntimeError, match="not drawn yet"):
        deferred.resolve(internal_refs)
    deferred.draw_pending(processes=2)
    assert deferred.drawn == shared.drawn
    assert deferred.resolve(internal_refs) == internal_files and deferred.resolve(public_refs) == public_files


def test_public_transformation_does_not_depend_on_the_document():
    import subprocess
    import sys

    code = "import sys, pipeline.report.public; print('pipeline.report.document' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_each_chapter_reads_only_the_cell_layers_it_declares():
    """A chapter built from inputs whose undeclared cell-level layers were not read (as in a
    national run) writes the same source and figures; a chapter that reads one it did not
    declare raises instead of reporting it as empty."""
    import dataclasses

    from pipeline.loader import CELL_LAYERS
    from pipeline.report.chapters import CHAPTERS
    from pipeline.report.inputs import NotRead

    full = _inputs()
    assert all(len(getattr(full, t)) for t in CELL_LAYERS)  # the test inputs have cells to show
    for chapter in CHAPTERS:
        unread = {t: NotRead(t) for t in CELL_LAYERS if t not in chapter.cell_layers}
        assert _build(dataclasses.replace(full, **unread), (chapter,)) == _build(full, (chapter,)), chapter.title
    maps = next(c for c in CHAPTERS if c.title == "Geografisk fördelning")
    assert set(maps.cell_layers) == set(CELL_LAYERS)
    undeclared = dataclasses.replace(maps, cell_layers=())
    with pytest.raises(RuntimeError, match="'grid_hotspots' was not read"):
        _build(dataclasses.replace(full, grid_hotspots=NotRead("grid_hotspots")), (undeclared,))
