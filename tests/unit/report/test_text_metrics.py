"""svg_bytes has matplotlib's SVG renderer remember text sizes across renderers and figures:
the sizes and the figures' bytes must be those of matplotlib's own measuring."""

from __future__ import annotations

import warnings

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from pipeline.report import svg
from pipeline.report.figures import STYLE


def _chart(title: str) -> Figure:
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(4, 3), layout="constrained")
        axes = fig.subplots(2, 2, sharex=True)
        for i, ax in enumerate(axes.ravel()):
            ax.plot(np.arange(12), np.arange(12) ** (1 + i / 4))
            ax.set_title(f"{title} {i}: Åäö")
            ax.set_ylabel("Per 10 000 inv.")
        fig.supylabel("Antal", fontweight="bold")
        return fig


def test_figures_are_the_bytes_matplotlib_draws_without_the_memory(monkeypatch):
    ours = [svg.svg_bytes(_chart(t)) for t in ("Stöld", "Rån", "Stöld")]  # the third is all remembered
    measure = RendererSVG.get_text_width_height_descent.__wrapped__
    monkeypatch.setattr(RendererSVG, "get_text_width_height_descent", measure)
    monkeypatch.delattr(RendererSVG, "_get_font_height_metrics")  # matplotlib reads the font's tables itself
    theirs = [svg.svg_bytes(_chart(t)) for t in ("Stöld", "Rån", "Stöld")]
    assert ours == theirs and ours[0] == ours[2] and ours[0] != ours[1]


def test_a_size_is_kept_under_the_text_its_font_and_the_font_settings():
    svg.svg_bytes(_chart("x"))  # installs the memory
    remembered = RendererSVG.get_text_width_height_descent
    measure = remembered.__wrapped__
    renderer = RendererSVG(100, 100, __import__("io").StringIO())
    small, big = FontProperties(family="DejaVu Sans", size=8), FontProperties(family="DejaVu Sans", size=12)
    for text, prop in (("Malmö 2025", small), ("Malmö 2025", big), ("Malmö 2024", small)):
        assert remembered(renderer, text, prop, False) == measure(renderer, text, prop, False)
    assert remembered(renderer, "Malmö", small, False) != remembered(renderer, "Malmö", big, False)
    generic = FontProperties(family="monospace", size=10)  # resolved through font.monospace
    with mpl.rc_context({"font.monospace": ["DejaVu Sans Mono"]}):
        mono = remembered(renderer, "iiii WWWW", generic, False)
        assert mono == measure(renderer, "iiii WWWW", generic, False)
    with mpl.rc_context({"font.monospace": ["DejaVu Serif"]}):  # another file for the same name
        serif = remembered(renderer, "iiii WWWW", generic, False)
        assert serif == measure(renderer, "iiii WWWW", generic, False) and serif != mono
    missing = FontProperties(family="Nonexistent Sans", size=10)  # falls back to the last resort font or not
    for last_resort in (True, False):
        with mpl.rc_context({"font.enable_last_resort": last_resort, "font.family": ["Nonexistent Sans"]}), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "findfont: Font family ... not found" and missing glyphs
            assert remembered(renderer, "ᚠᛇ Åsele", missing, False) == measure(renderer, "ᚠᛇ Åsele", missing, False)


def test_font_heights_are_those_matplotlib_reads_from_the_font_file(monkeypatch):
    """Line gap, ascent and descent from the hook lay out every text as matplotlib's own
    reading of the OS/2 table does: multi-line texts (where the line gap counts), sizes,
    weights and families. A hook in the wrong unit (pixels at 100 dpi, say) moves the lines."""
    svg.svg_bytes(_chart("x"))  # installs the hook
    renderer = RendererSVG(100, 100, __import__("io").StringIO())
    fig = Figure(dpi=72)  # the SVG writer draws at 72 dpi
    texts = [fig.text(0.1, 0.1, text, fontproperties=prop) for text, prop in (
        ("Malmö\n2025", FontProperties(family="DejaVu Sans", size=6.5)),
        ("Ökande\nbrott per\n10 000 inv.", FontProperties(family="DejaVu Sans", size=12, weight="bold")),
        ("a\nb", FontProperties(family="DejaVu Serif", size=9)),
        ("x", FontProperties(family="DejaVu Sans Mono", size=30)))]

    def layouts():  # (the text's box, each line's size and place, the frame)
        return [(box.bounds, lines, frame) for box, lines, frame in (t._get_layout(renderer) for t in texts)]

    assert renderer._get_font_height_metrics(FontProperties(size=8)) == (None, None, None)  # not while drawing
    monkeypatch.setattr(svg._drawing, "fonts", svg._font_settings(), raising=False)  # as while svg_bytes draws
    ours = layouts()
    assert ours[0][1][0][2] != ours[1][1][0][2]  # the lines' places differ
    generic = fig.text(0.1, 0.1, "iiii\nWWWW", fontproperties=FontProperties(family="monospace", size=10))
    spaced = {}
    for font in ("DejaVu Sans Mono", "STIXGeneral"):  # the same properties, another file
        with mpl.rc_context({"font.monospace": [font]}):
            svg._drawing.fonts = svg._font_settings()  # as svg_bytes reads them for its drawing
            spaced[font] = generic._get_layout(renderer)[1]
    monkeypatch.setattr(svg._drawing, "fonts", None)
    assert layouts() == ours  # matplotlib's own reading: the hook answers None outside svg_bytes
    monkeypatch.delattr(RendererSVG, "_get_font_height_metrics")
    assert layouts() == ours
    for font, lines in spaced.items():
        with mpl.rc_context({"font.monospace": [font]}):
            assert generic._get_layout(renderer)[1] == lines
