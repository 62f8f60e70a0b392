"""The report stage draws its figures in two batches: the internal document's while the public
version is made (its requests stay pending), then what only the public version asks for."""

from __future__ import annotations

import pytest

from pipeline.parallel import can_fork
from pipeline.report.chapters import CHAPTERS
from pipeline.report.document import build_document
from pipeline.report import svg
from pipeline.report.svg import FigureCache

from .test_document import _inputs
from . import public_version


# two chapters with figures that suppression changes and figures it leaves alone (cheap to draw)
SOME = tuple(c for c in CHAPTERS if c.title in ("Tid", "Trygghet"))


@pytest.mark.skipif(not can_fork(), reason="no fork on this system")
def test_requests_made_meanwhile_are_drawn_by_the_next_batch_once():
    inp = _inputs()
    serial = FigureCache()
    _, internal_files = build_document(inp, serial, SOME)
    _, public_files = build_document(public_version(inp), serial, SOME)

    batches, processes = FigureCache(deferred=True), 2
    _, internal_refs = build_document(inp, batches, SOME)
    first = len(batches._pending)
    public_refs = batches.draw_pending(processes, meanwhile=lambda: build_document(public_version(inp), batches,
                                                                                    SOME)[1])
    assert batches.drawn == first and 0 < len(batches._pending) < len(public_refs)  # only the public-only ones wait
    batches.draw_pending(processes)
    assert not batches._pending and batches.drawn == serial.drawn  # each distinct figure drawn once
    assert batches.resolve(internal_refs) == internal_files and batches.resolve(public_refs) == public_files


def test_a_deferred_cache_hashes_a_frame_once_per_batch_and_again_after_drawing(monkeypatch):
    import pandas as pd

    hashed = []
    real = svg._frame_digest
    monkeypatch.setattr(svg, "_frame_digest", lambda part: hashed.append(id(part)) or real(part))
    frame = pd.DataFrame({"n": [1, 2, 3]})
    cache = FigureCache(deferred=True)
    first = cache.request("a", _draw_nothing, frame)
    assert cache.request("b", _draw_nothing, frame).split(":")[-1] == first.split(":")[-1]
    assert len(hashed) == 1  # the second figure of the same frame object reused its digest
    cache.draw_pending(processes=1)
    frame.loc[0, "n"] = 99  # changed in place after its batch was drawn: a new key, a new figure
    again = cache.request("a", _draw_nothing, frame)
    assert len(hashed) == 2 and again != first and isinstance(again, svg.FigureRef)
    cache.request("b", _draw_nothing, frame)
    assert len(hashed) == 3  # after the first batch no digest is reused
    # a cache that draws at once never reuses a digest (a frame may change between two calls)
    eager = FigureCache()
    eager.get("a", _draw_nothing, frame)
    frame.loc[1, "n"] = 98
    eager.get("a", _draw_nothing, frame)
    assert eager.drawn == 2 and len(hashed) == 5


def test_a_public_frame_changed_in_place_never_takes_an_internal_figure():
    """Found in review: a public copy requested once, then suppressed in place and requested
    again while the internal figures were being drawn, must get its own figure."""
    import numpy as np
    import pandas as pd

    cache = FigureCache(deferred=True)
    internal = pd.DataFrame({"n": [3.0, 40.0]})
    internal_ref = cache.request("bars", _draw_bars, internal)

    def public_version():
        public = internal.copy()
        cache.request("map", _draw_bars, public)
        public.loc[public["n"] < 5, "n"] = np.nan  # suppressed in place after a request
        return cache.request("bars", _draw_bars, public)

    public_ref = cache.draw_pending(1, meanwhile=public_version)
    cache.draw_pending(1)
    assert public_ref != internal_ref
    assert cache.resolve({"p": public_ref})["p"] != cache.resolve({"i": internal_ref})["i"]


def test_one_drawing_under_two_names_is_drawn_once():
    import pandas as pd

    cache = FigureCache(deferred=True)
    frame = pd.DataFrame({"n": [3.0, 40.0]})
    page = cache.request("publik_karta_all", _draw_bars, frame)
    pdf = cache.request("karta_hotspots", _draw_bars, frame.copy())  # another object, the same content
    other = cache.request("karta_hotspots", _draw_bars, frame.assign(n=[3.0, 41.0]))
    cache.draw_pending(1)
    assert cache.drawn == 2
    files = cache.resolve({"page": page, "pdf": pdf, "other": other})
    assert files["page"] == files["pdf"] != files["other"]


@pytest.mark.parametrize("processes", [1, 2])
def test_other_jobs_go_with_the_figures_and_come_back_in_order(processes):
    import pandas as pd

    cache = FigureCache(deferred=True)
    ref = cache.request("bars", _draw_bars, pd.DataFrame({"n": [3.0, 40.0]}))
    results, here = cache.draw_pending_with([lambda: "tables", lambda: 2], processes, meanwhile=lambda: "pdf")
    assert results == ["tables", 2] and here == "pdf" and cache.drawn == 1 and not cache._pending
    assert cache.resolve({"f": ref})["f"] == FigureCache().get("bars", _draw_bars, pd.DataFrame({"n": [3.0, 40.0]}))


def _draw_bars(frame):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    fig.add_subplot().bar(range(len(frame)), frame["n"].fillna(0).to_numpy())
    return fig


def _draw_nothing(_frame):
    from matplotlib.figure import Figure

    return Figure(figsize=(1, 1))


def test_a_frames_digest_follows_its_content_and_nothing_else():
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from shapely.geometry import box

    base = gpd.GeoDataFrame({"cell_id": ["a", "b", "c"], "n_incidents": [3, 0, 7], "share": [0.1, np.nan, 0.5]},
                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs=3006)
    digest = svg.content_digest(base)
    suppressed = base.assign(n_incidents=[3.0, 0.0, 7.0], n_incidents_suppressed=[False, True, False])
    assert svg.content_digest(suppressed) == digest  # int → float and the companion flag change nothing
    assert svg.content_digest(base.copy()) == digest
    changed = [base.assign(n_incidents=[3, 1, 7]), base.assign(share=[0.1, 0.2, 0.5]),
               base.assign(cell_id=["a", "b", "d"]), base.rename(columns={"share": "andel"}),
               base.set_geometry([box(0, 0, 1, 1), box(1, 0, 2, 2), box(2, 0, 3, 1)]),
               base.set_axis([0, 1, 5]), base.iloc[:2], base[["cell_id", "share", "n_incidents", "geometry"]]]
    digests = [svg.content_digest(f) for f in changed]
    assert digest not in digests and len(set(digests)) == len(changed)
    assert svg.content_digest(base, "x") != svg.content_digest(base, "y")


def test_warm_up_loads_the_fonts_once_in_this_process_and_changes_no_setting():
    """The children forked for each batch inherit what the parent loaded (run in a new
    interpreter: the test process may have drawn figures already)."""
    import subprocess
    import sys

    code = ("import matplotlib as mpl, matplotlib.font_manager as fm\n"
            "from pipeline.report import svg\n"
            "before = dict(mpl.rcParams)\n"
            "svg.warm_up(); loaded = fm._get_font.cache_info().misses\n"
            "svg.warm_up(); again = fm._get_font.cache_info()\n"
            "print(loaded, again.misses, again.hits, dict(mpl.rcParams) == before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    # DejaVu Sans and DejaVu Sans Bold loaded; the second call draws nothing (no font asked for)
    loaded, misses_after, hits_after, settings_kept = out
    assert loaded == misses_after == "2" and settings_kept == "True"
