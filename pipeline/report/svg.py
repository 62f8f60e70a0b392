"""Figures as deterministic SVG bytes, drawn once per content.

A :class:`FigureCache` belongs to one report run (the report stage makes one and hands it to
both versions), not to the module: the internal and the public version share every figure whose
inputs the public transformation left unchanged, and nothing outlives the run. A *deferred*
cache only notes what each document asks for (:meth:`FigureCache.request`); the report stage
then draws every distinct figure of both versions at once, on all cores
(:meth:`FigureCache.draw_pending`), and fills them in (:meth:`FigureCache.resolve`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import threading
from collections.abc import Iterator

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.text import Text

from pipeline.report.figures import RASTER_DPI, STYLE, Halo


def svg_bytes(fig) -> bytes:
    """A Figure as deterministic SVG (fixed hash salt, no date; rasters at RASTER_DPI), one-line
    texts with a :class:`~pipeline.report.figures.Halo` written as SVG text (:func:`_halo_texts`)."""
    _remember_text_metrics()
    buf = io.BytesIO()
    with mpl.rc_context(STYLE), _halo_texts(fig) as halos:
        _drawing.fonts = _font_settings()  # read once here, not for each text measured
        try:
            fig.savefig(buf, format="svg", dpi=RASTER_DPI, metadata={"Date": None})
        finally:
            _drawing.fonts = None
    svg = buf.getvalue()
    for gid, style in halos.items():
        # the group matplotlib opens for the text, then the text element in it (a clip path may
        # wrap it in a group without an id); none where matplotlib drew nothing (a text at NaN)
        start = svg.find(b'<g id="%s">' % gid.encode())
        at, after = svg.find(b'<text style="', start + 1), svg.find(b'<g id="', start + 1)
        if start >= 0 and at >= 0 and not 0 <= after < at:
            at += len(b'<text style="')
            svg = svg[:at] + style + svg[at:]
    return svg


# the settings that decide which font file a text is measured with (TextToPath resolves a family name
# such as "sans-serif" through them) and how its glyphs are measured
_FONT_SETTINGS = ("font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive", "font.fantasy",
                  "font.enable_last_resort", "mathtext.fontset", "mathtext.default", "mathtext.fallback",
                  "text.hinting_factor", "text.kerning_factor", "text.usetex")
_MAX_METRICS = 50_000
_drawing = threading.local()  # .fonts: the font settings while svg_bytes draws in this thread


def _font_settings() -> tuple[str, ...]:
    return tuple(str(mpl.rcParams[k]) for k in _FONT_SETTINGS)


@functools.cache
def _remember_text_metrics() -> None:
    """Make matplotlib's SVG renderer remember each text's size for the process.

    matplotlib keeps text sizes per renderer, and the SVG writer makes two for one figure (one
    that constrained layout measures with, one that draws), so every label was measured twice
    per figure, and again in the next figure: a tenth of a figure's CPU. The SVG renderer's size
    is its :class:`~matplotlib.textpath.TextToPath`'s, which depends on the text, its font
    properties and the font settings alone (not on the renderer, its size or its dpi), so it is
    kept here under those, once per process (at most ``_MAX_METRICS``; then it starts afresh).
    The bytes of every figure are unchanged (tested). Not kept: TeX texts (their size depends on
    the LaTeX preamble too). A font file added to matplotlib's font manager after a text was
    measured with another is not seen for that text (the report adds none). Hand-written:
    matplotlib has no setting for it.
    """
    from matplotlib.backends.backend_svg import RendererSVG

    measure = RendererSVG.get_text_width_height_descent
    known: dict = {}

    def remembered(self, s, prop, ismath):
        if ismath == "TeX":
            return measure(self, s, prop, ismath)
        fonts = getattr(_drawing, "fonts", None) or _font_settings()
        return _kept(known, (s, prop, ismath, fonts), lambda: measure(self, s, prop, ismath))

    RendererSVG.get_text_width_height_descent = functools.wraps(measure)(remembered)
    RendererSVG._get_font_height_metrics = _font_height_metrics


# (table, line gap, ascender, descender) in the order matplotlib's Text._get_layout reads them
_HEIGHT_TABLES = (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent"))


_heights: dict = {}  # (font properties, font settings) -> ascent, descent, line gap


def _font_heights(prop) -> tuple:
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    size_pt = prop.get_size_in_points()
    for table_name, gap_key, ascent_key, descent_key in _HEIGHT_TABLES:
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * size_pt * 72 / 72  # matplotlib's order of operations
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None  # matplotlib then measures "lp"


def _font_height_metrics(self, prop) -> tuple:
    """A font's ascent, descent and line gap in points, for the SVG renderer: the hook that
    matplotlib's ``Text._get_layout`` asks a renderer for before it reads them from the font
    file's OS/2 or hhea table itself, for every text it lays out (a tenth of a figure's CPU:
    the tables are built as dicts at each call). Here they are read the same way, once per
    font and size. In points because the SVG writer draws at 72 dpi, as the PDF and PS
    writers that define the hook do; so only while :func:`svg_bytes` draws (matplotlib's SVG
    writer sets the figure to 72 dpi then): a RendererSVG used otherwise gets None and
    matplotlib reads the tables itself. Kept under the font properties and the font settings
    that resolve them to a file, as the text sizes (:func:`_remember_text_metrics`).
    Hand-written: matplotlib keeps no such values."""
    fonts = getattr(_drawing, "fonts", None)
    if fonts is None:
        return None, None, None
    return _kept(_heights, (prop, fonts), lambda: _font_heights(prop))


def _kept(store: dict, key: tuple, compute):
    """``store[key]``, computed once: stored under a copy of the key's font properties (the
    caller's may change later), at most ``_MAX_METRICS`` entries (then the store starts afresh)."""
    value = store.get(key)
    if value is None:
        if len(store) >= _MAX_METRICS:
            store.clear()
        from matplotlib.font_manager import FontProperties

        value = store[tuple(k.copy() if isinstance(k, FontProperties) else k for k in key)] = compute()
    return value


@functools.cache
def warm_up() -> None:
    """Draw one small figure with the report's fonts (regular and bold, a haloed label) to SVG
    and on a raster canvas, once per process, before figures are drawn in forked children.

    matplotlib loads a font file and looks up its properties the first time a text needs them
    and keeps them for the process. Every child forked to draw figures (two per batch, three
    batches) loaded them again: about 0.1 s of CPU per child, against 0.08 s here once, where
    the children inherit them.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from pipeline.report.figures import HALO

    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(2, 1), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_title("Åäö 2025")
        ax.plot([0, 1], [0, 1])
        label = ax.text(0.5, 0.5, "Område 1", fontweight="bold", path_effects=HALO)
        label.get_window_extent(fig.canvas.get_renderer())
        svg_bytes(fig)


@contextlib.contextmanager
def _halo_texts(fig) -> Iterator[dict[str, bytes]]:
    """Within the block, each one-line text of ``fig`` whose only path effect is a
    :class:`~pipeline.report.figures.Halo` has no path effect and a group id of its own; yields
    group id → the SVG style that draws the halo (a stroke painted under the fill). Restores the
    texts after the block.

    A path effect makes matplotlib's SVG writer draw a text as glyph outlines: 80 % of a map's
    bytes, all parsed again by Typst, and text a reader cannot search. SVG draws the same halo
    with ``paint-order: stroke``, which matplotlib does not write: hand-written here.
    """
    texts = [t for t in _texts(fig) if _one_halo(t)]
    saved = [(t, t.get_path_effects(), t.get_gid()) for t in texts]
    halos = {}
    try:
        for i, t in enumerate(texts):
            halo = t.get_path_effects()[0]
            gid = f"lagesbild-halo-{i}"
            t.set_path_effects([])
            t.set_gid(gid)
            halos[gid] = (f"stroke: {mpl.colors.to_hex(halo.foreground)}; stroke-width: {halo.linewidth:g}px; "
                          "stroke-linejoin: round; paint-order: stroke; ").encode()
        yield halos
    finally:
        for t, effects, gid in saved:
            t.set_path_effects(effects)
            t.set_gid(gid)


def _texts(fig) -> list[Text]:
    """The texts placed on ``fig`` and on its axes and their inset axes (``Axes.text`` and
    ``annotate``). Not ``fig.findobj``: that would make every axis create its ticks."""
    out, axes = list(fig.texts), list(fig.axes)
    for ax in axes:  # grows as it goes: each axes' insets are visited after it
        out += ax.texts
        axes += ax.child_axes
    return out


def _one_halo(text: Text) -> bool:
    effects = text.get_path_effects()
    return len(effects) == 1 and isinstance(effects[0], Halo) and "\n" not in text.get_text() and text.get_visible()


def content_digest(*parts, memo: dict | None = None) -> str:
    """A content hash of frames and plain values: a frame's non-geometry columns through
    :func:`pandas.util.hash_pandas_object` (numbers compared as float64), its geometry through
    the cells' bounds. Companion ``<col>_suppressed`` flags are left out: they repeat what the
    NaN values say.

    ``memo`` (id → (frame, digest)) lets a caller that passes the same frame object many times
    hash it once; it holds the frame so that its id is not reused while the memo lives. The
    caller must not change a memoised frame in place while it uses the memo.
    """
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame | pd.Series):
            seen = memo.get(id(part)) if memo is not None else None
            digest = seen[1] if seen is not None and seen[0] is part else _frame_digest(part)
            if memo is not None:
                memo[id(part)] = (part, digest)
            h.update(digest)
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()


def _frame_digest(part: pd.DataFrame | pd.Series) -> bytes:
    """The digest of one frame or series (see :func:`content_digest`): its kept column names
    and length, its index, then each kept column's hashes in order (one column at a time, so
    the frame is never copied)."""
    h = hashlib.sha256()
    frame = part.to_frame() if isinstance(part, pd.Series) else part
    names = [str(c) for c in frame.columns]
    geo = [i for i, dtype in enumerate(frame.dtypes) if isinstance(dtype, gpd.array.GeometryDtype)]
    companions = {i for i, n in enumerate(names) if n.endswith("_suppressed") and n[:-11] in names}
    plain = [i for i in range(frame.shape[1]) if i not in geo and i not in companions]
    h.update(repr(([names[i] for i in plain], len(frame))).encode())
    h.update(pd.util.hash_pandas_object(frame.index).to_numpy().tobytes())
    for i in plain:
        column = frame.iloc[:, i]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            # numbers as float64: suppression turns int counts into floats without changing a value
            hashes = pd.util.hash_array(column.to_numpy(dtype="float64", na_value=np.nan))
        else:
            hashes = pd.util.hash_pandas_object(column, index=False).to_numpy()
        h.update(hashes.tobytes())
    for i in geo:
        h.update(np.ascontiguousarray(shapely.bounds(frame.iloc[:, i].to_numpy())).tobytes())
    return h.digest()


class FigureRef(str):
    """The cache key of a figure that a deferred :class:`FigureCache` has not drawn yet."""


class FigureCache:
    """SVG bytes by (drawing function, content of its arguments).

    ``get(name, draw, *args)`` returns ``svg_bytes(draw(*args))``, drawing only when that
    content has not been drawn in this cache before. ``name`` (the document's file name for the
    figure) is not part of the key: the same drawing under two names (the public page's map of
    all crimes and the public PDF's) is drawn once. Holds at most ``max_items`` figures (the
    oldest go first). ``request`` is ``get`` for a cache made with ``deferred=True``: it returns
    a :class:`FigureRef` and draws nothing until :meth:`draw_pending`.
    """

    def __init__(self, max_items: int = 64, deferred: bool = False):
        self.max_items = max_items
        self.deferred = deferred
        self._svg: dict[str, bytes] = {}
        self._pending: dict[str, tuple] = {}  # key -> (draw, args), in the order first asked for
        self.drawn = 0  # figures actually drawn (for tests and benchmarks)
        self._digests: dict[int, tuple[object, bytes]] = {}  # id(frame) -> (frame, digest)
        self._drawing_started = False  # set by the first draw_pending: no digest is reused after it

    def _key(self, draw, args) -> str:
        # A deferred cache hashes a frame passed to many figures (the grid to every map) once,
        # but only until the first draw_pending: the internal document's requests. From then on
        # (the public version, made meanwhile) every request hashes its frames again, so a
        # public frame changed in place after an earlier request can never take the key of an
        # internal figure drawn from the unchanged frame.
        memo = self._digests if self.deferred and not self._drawing_started else None
        return f"{draw.__module__}.{draw.__qualname__}:{content_digest(*args, memo=memo)}"

    def get(self, name: str, draw, *args) -> bytes:
        key = self._key(draw, args)
        if key not in self._svg:
            self._pending.pop(key, None)
            self._keep(key, svg_bytes(draw(*args)))
        return self._svg[key]

    def request(self, name: str, draw, *args) -> bytes | FigureRef:
        """The figure's bytes if drawn already (or the cache is not deferred), else a reference
        that :meth:`resolve` turns into its bytes after :meth:`draw_pending`."""
        if not self.deferred:
            return self.get(name, draw, *args)
        key = self._key(draw, args)
        if key in self._svg:
            return self._svg[key]
        self._pending.setdefault(key, (draw, args))
        return FigureRef(key)

    def draw_pending(self, processes: int | None = None, meanwhile=None):
        """Draw every requested figure, on ``processes`` forked children (default: every core;
        :func:`pipeline.parallel.fork_map`) while ``meanwhile()`` runs here; returns what it
        returned. The bytes are those :meth:`get` would have drawn."""
        return self.draw_pending_with((), processes, meanwhile)[1]

    def draw_pending_with(self, jobs, processes: int | None = None, meanwhile=None) -> tuple[list, object]:
        """:meth:`draw_pending` with other ``jobs`` (functions without arguments) in the same
        children, before the figures; returns (their results, what ``meanwhile()`` returned)."""
        from pipeline.parallel import fork_map

        self._digests.clear()
        self._drawing_started = True
        pending = list(self._pending.items())
        figures = [lambda draw=draw, args=args: svg_bytes(draw(*args)) for _, (draw, args) in pending]
        results, other = fork_map([*jobs, *figures], processes, meanwhile)
        for (key, _), svg in zip(pending, results[len(jobs):]):
            self._svg[key] = svg
            self.drawn += 1
            self._pending.pop(key)  # what meanwhile() requested stays pending for the next call
        return results[:len(jobs)], other

    def resolve(self, files: dict[str, bytes | FigureRef]) -> dict[str, bytes]:
        """``files`` with every :class:`FigureRef` replaced by its drawn bytes."""
        missing = [name for name, v in files.items() if isinstance(v, FigureRef) and v not in self._svg]
        if missing:
            raise RuntimeError(f"figures not drawn yet: {', '.join(missing)} (call draw_pending first)")
        return {name: self._svg[v] if isinstance(v, FigureRef) else v for name, v in files.items()}

    def _keep(self, key: str, svg: bytes) -> None:
        self._svg[key] = svg
        self.drawn += 1
        while len(self._svg) > self.max_items and not self.deferred:
            self._svg.pop(next(iter(self._svg)))

    def clear(self) -> None:
        self._svg.clear()
        self._pending.clear()
        self._digests.clear()
