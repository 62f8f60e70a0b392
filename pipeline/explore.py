"""What the analyst notebooks call: load the processed tables once, then select and show.

Notebooks only call functions from here and from :mod:`pipeline.report`; anything they compute
that the report also needs lives in the package, not in a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from pipeline import io
from pipeline.errors import DataError
from pipeline.problems import Families, load_families
from pipeline.text.normalise import fold


@dataclass(frozen=True)
class Bundle:
    """The processed tables of one run."""

    areas: pd.DataFrame
    incidents: pd.DataFrame
    area_trends: pd.DataFrame
    area_year_counts: pd.DataFrame
    grid_hotspots: pd.DataFrame
    emerging_hotspots: pd.DataFrame
    survey_indicators: pd.DataFrame
    note_themes: pd.DataFrame
    est_summary: pd.DataFrame
    problembilder: pd.DataFrame
    families: Families


def load_bundle(root: str | Path = ".", categories: str | None = None) -> Bundle:
    """Read the processed tables under ``root`` (the run directory)."""
    p = Path(root) / "data" / "processed"
    layer = lambda name: io.read_frame(p / "layers" / f"{name}.parquet")  # noqa: E731
    return Bundle(
        areas=io.read_frame(p / "areas.parquet"), incidents=io.read_frame(p / "incidents.parquet"),
        area_trends=layer("area_trends"), area_year_counts=layer("area_year_counts"),
        grid_hotspots=layer("grid_hotspots"), emerging_hotspots=layer("emerging_hotspots"),
        survey_indicators=layer("survey_indicators"), note_themes=layer("note_themes"),
        est_summary=layer("est_summary"), problembilder=io.read_frame(p / "problembilder.csv"),
        families=load_families(categories),
    )


def pick_problembild(b: Bundle, area: str = "", problem: str = "") -> pd.Series:
    """The problembild for ``area`` (name, any case/accents) and ``problem`` (family id); empty
    arguments fall back to the top-ranked problembild (of that area, if one is given)."""
    pb = b.problembilder
    if area:
        hit = pb[pb["area"].map(fold) == fold(area)]
        if hit.empty:
            names = ", ".join(sorted(b.areas["area_name"]))
            raise DataError(f"notebook parameter area='{area}' matches no area; choose one of: {names}")
        pb = hit
    if problem:
        if problem not in b.families.ids:
            raise DataError(f"notebook parameter problem='{problem}' is not a problem family; "
                            f"choose one of: {', '.join(b.families.ids)}")
        pb = pb[pb["problem"] == problem]
        if pb.empty:
            raise DataError(f"no problembild for area '{area}' and problem '{problem}' (no evidence in any source)")
    return pb.sort_values("rank").iloc[0]


def yearly_counts(b: Bundle, area_id: str, problem: str) -> pd.DataFrame:
    """Incidents, harm and rate per 1,000 inhabitants by year for one area and problem family,
    beside the kommun."""
    c = b.area_year_counts
    sel = c[(c["problem"] == problem) & c["area_id"].isin([area_id, "kommun"])]
    wide = sel.pivot_table(index="year", columns="area_id", values=["n_incidents", "rate_per_1000"])
    wide.columns = [f"{v}_{'kommun' if a == 'kommun' else 'area'}" for v, a in wide.columns]
    return wide.reset_index()


def area_survey(b: Bundle, area_id: str) -> pd.DataFrame:
    s = b.survey_indicators
    latest = s["survey_year"].max() if len(s) else None
    return s[(s["area_id"] == area_id) & (s["survey_year"] == latest)]


def area_notes(b: Bundle, area_id: str) -> pd.DataFrame:
    return b.note_themes[b.note_themes["area_id"] == area_id]


def trend_figure(b: Bundle, area_id: str, problem: str) -> plt.Figure:
    """Rate per 1,000 inhabitants by year: the area against the kommun (Swedish labels)."""
    from pipeline.text.format_sv import fmt_num

    t = yearly_counts(b, area_id, problem)
    name = b.areas.set_index("area_id")["area_name"].get(area_id, area_id)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(t["year"], t.get("rate_per_1000_area"), marker="o", color="black", label=name)
    ax.plot(t["year"], t.get("rate_per_1000_kommun"), marker="s", ls="--", color="grey", label="Hela kommunen")
    ax.set_xticks(t["year"])
    ax.set_ylabel("Anmälda brott per 1 000 invånare")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt_num(v, 1)))
    ax.set_title(f"{b.families.label_sv(problem)}: {name} jämfört med kommunen")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def hotspot_figure(b: Bundle, area_id: str, problem: str) -> plt.Figure:
    """Gi* classes of the grid cells in and around one area, with the area outlined."""
    from pipeline.geo.gpkg import HOTSPOT_CLASSES

    area = b.areas[b.areas["area_id"] == area_id]
    cells = b.grid_hotspots[b.grid_hotspots["problem"] == problem]
    if not len(area):
        raise DataError(f"area_id '{area_id}' not found in areas")
    box = area.buffer(1000).total_bounds
    cells = cells.cx[box[0]:box[2], box[1]:box[3]]
    fig, ax = plt.subplots(figsize=(6, 6))
    for cls, (label, rgb) in HOTSPOT_CLASSES.items():
        sel = cells[cells["hotspot_class"] == cls]
        if len(sel):
            sel.plot(ax=ax, color=tuple(int(v) / 255 for v in rgb.split(",")), label=label, linewidth=0)
    area.boundary.plot(ax=ax, color="black", linewidth=1.2)
    ax.set_axis_off()
    ax.set_title(f"Hot spots (Gi*, FDR): {b.families.label_sv(problem)}")
    handles = [plt.Rectangle((0, 0), 1, 1, color=tuple(int(v) / 255 for v in rgb.split(",")), ec="grey")
               for cls, (label, rgb) in HOTSPOT_CLASSES.items()]
    ax.legend(handles, [lab for lab, _ in HOTSPOT_CLASSES.values()], loc="lower left", fontsize=7, frameon=True)
    fig.tight_layout()
    return fig
