"""The pieces of the layers stage that can run side by side (shell: they read core tables).

:func:`pipeline.stages.layers` computes the crime layers in two forked processes
(:func:`pipeline.parallel.fork_map`) while its own process computes the survey, text and event
layers. A child's layers come back pickled; the grid layers (one row per cell and problem, up to
~140 000 polygons each on the demo) come back without their geometry, which is the grid cell's
(:func:`without_cell_geometry`), and get it back by ``cell_id`` (:func:`with_cell_geometry`):
pickling 400 000 polygons both ways cost more (2 s) than the child saved.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from pipeline import stage_events
from pipeline.config import Params
from pipeline.context import RunContext
from pipeline.stages import families_for, harm_table, read_core

GRID_LAYERS = ("grid_hotspots", "kde", "emerging_hotspots")  # one row per (cell, problem), the cell's polygon


def crime_layer_jobs(run: RunContext, params: Params, areas, incidents, population) -> list:
    """The crime layers in two jobs of about equal cost: the grid (Gi*, KDE, concentration and
    the emerging cube, which shares the grid's weights), and the areas (hot spots, trends and
    time patterns)."""
    from pipeline.geo.emerging import build_emerging_layer
    from pipeline.geo.layers import GRID_TERMS, area_hotspots, build_hotspot_layers
    from pipeline.scoring.harm import harm_days
    from pipeline.stats.time_patterns import time_patterns
    from pipeline.stats.trends import area_trends

    k, lp = params.kommun, params.layers
    harm = harm_days(incidents["problem"], incidents["crime_label"], harm_table(run, params))

    def grid() -> dict:
        out = build_hotspot_layers(incidents, areas, harm, lp, k.year)
        terms = out.pop(GRID_TERMS)  # computed once for Gi* and the cube
        out["emerging_hotspots"] = build_emerging_layer(incidents, out["grid"], terms["weights"], lp, k.first_year,
                                                        k.year, exposure=terms["land_m2"])
        return out

    def by_area() -> dict:
        out = {"area_hotspots": area_hotspots(incidents, areas, harm, lp, k.year)}
        out["area_trends"], out["area_year_counts"] = area_trends(incidents, population, year=k.year,
                                                                  first_year=k.first_year, alpha=lp.significance,
                                                                  harm=harm)
        out.update(time_patterns(incidents, k.year))
        out.update({f"{name}_by_area": frame for name, frame in time_patterns(incidents, k.year, by_area=True).items()})
        return out

    return [lambda: without_cell_geometry(grid()), by_area]


def other_layers(run: RunContext, params: Params, areas, population) -> dict:
    """Survey indicators, text themes and topics, the EST summary and the Polisen event layers."""
    from pipeline.stats.survey import problem_index, survey_indicators
    from pipeline.text.themes import est_summary, note_themes, survey_text_themes, text_topics

    responses, notes, est = (read_core(run, t) for t in ("survey_responses", "notes", "est_reports"))
    fams = families_for(run, params)
    out = {"survey_indicators": survey_indicators(responses, population, params.survey.min_n,
                                                  weighted=params.survey.weighted, areas=areas),
           "survey_text_themes": survey_text_themes(responses, fams)}
    if params.survey.problem_index and len(responses):
        out["survey_problem_index"] = problem_index(responses, params.survey.min_n, params.survey.index_points)
    out["note_themes"] = note_themes(notes, fams)
    out["est_summary"] = est_summary(est)
    out["text_topics"] = text_topics(notes, est, responses, params.text.n_topics, params.text.seed)
    out.update(stage_events.event_layers(run, params, population, read_core(run, "police_events")))
    return out


@dataclass
class WithoutCellGeometry:
    """Layers whose grid layers (:data:`GRID_LAYERS`) lack their geometry column: each row's
    polygon is ``layers["grid"]``'s polygon of its ``cell_id``."""

    layers: dict


def without_cell_geometry(layers: dict) -> WithoutCellGeometry:
    """``layers`` with the grid layers' geometry column dropped, as :func:`with_cell_geometry`
    takes them."""
    return WithoutCellGeometry({name: pd.DataFrame(frame).drop(columns=frame.geometry.name)
                                if name in GRID_LAYERS else frame for name, frame in layers.items()})


def with_cell_geometry(part) -> dict:
    """The layers of ``part``: a :class:`WithoutCellGeometry` gets each grid layer's polygons
    back by ``cell_id`` from its ``grid``, as the last column and in the grid's CRS; a dict of
    layers is returned as it is."""
    if not isinstance(part, WithoutCellGeometry):
        return part
    grid = part.layers["grid"]
    return {name: gpd.GeoDataFrame(frame, geometry=_cell_polygons(grid, frame["cell_id"]), crs=grid.crs)
            if name in GRID_LAYERS else frame for name, frame in part.layers.items()}


def _cell_polygons(grid: gpd.GeoDataFrame, cell_ids: pd.Series):
    """The grid's polygon of each cell id (missing where the id is not in the grid), looked up
    in Arrow: a quarter of the time of a pandas reindex by 240 000 string ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not grid["cell_id"].is_unique:  # as pandas' reindex refused
        raise ValueError("the grid's cell_id values are not unique")
    ids = pa.array(cell_ids, type=pa.large_string())
    at = pc.index_in(ids, value_set=pa.array(grid["cell_id"], type=pa.large_string()))
    return grid.geometry.array.take(at.fill_null(-1).to_numpy(), allow_fill=True)
