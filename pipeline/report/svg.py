"""Figures as deterministic SVG bytes, drawn once per content.

A :class:`FigureCache` belongs to one report run (the report stage makes one and hands it to
both versions), not to the module: the internal and the public version share every figure whose
inputs the public transformation left unchanged, and nothing outlives the run.
"""

from __future__ import annotations

import hashlib
import io

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely

from pipeline.report.figures import STYLE


def svg_bytes(fig) -> bytes:
    """A Figure as deterministic SVG (fixed hash salt, no date; rasters at 200 dpi)."""
    buf = io.BytesIO()
    with mpl.rc_context(STYLE):
        fig.savefig(buf, format="svg", dpi=200, metadata={"Date": None})
    return buf.getvalue()


def content_digest(*parts) -> str:
    """A content hash of frames and plain values: a frame's non-geometry columns through
    :func:`pandas.util.hash_pandas_object` (numbers compared as float64), its geometry through
    the cells' bounds. Companion ``<col>_suppressed`` flags are left out: they repeat what the
    NaN values say."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame | pd.Series):
            frame = part.to_frame() if isinstance(part, pd.Series) else part
            geo = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
            companions = [c for c in frame.columns if str(c).endswith("_suppressed") and str(c)[:-11] in frame.columns]
            plain = frame.drop(columns=geo + companions)
            # numbers as float64: suppression turns int counts into floats without changing a value
            plain = plain.apply(lambda c: c.astype("float64") if pd.api.types.is_numeric_dtype(c)
                                and not pd.api.types.is_bool_dtype(c) else c)
            h.update(repr((list(map(str, plain.columns)), len(frame))).encode())
            h.update(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
            for c in geo:
                h.update(np.ascontiguousarray(shapely.bounds(frame[c].to_numpy())).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()


class FigureCache:
    """SVG bytes by (figure name, drawing function, content of its arguments).

    ``get(name, draw, *args)`` returns ``svg_bytes(draw(*args))``, drawing only when that
    content has not been drawn in this cache before. Holds at most ``max_items`` figures (the
    oldest go first).
    """

    def __init__(self, max_items: int = 64):
        self.max_items = max_items
        self._svg: dict[str, bytes] = {}
        self.drawn = 0  # figures actually drawn (for tests and benchmarks)

    def get(self, name: str, draw, *args) -> bytes:
        key = f"{name}:{draw.__module__}.{draw.__qualname__}:{content_digest(*args)}"
        if key not in self._svg:
            self._svg[key] = svg_bytes(draw(*args))
            self.drawn += 1
            while len(self._svg) > self.max_items:
                self._svg.pop(next(iter(self._svg)))
        return self._svg[key]

    def clear(self) -> None:
        self._svg.clear()
