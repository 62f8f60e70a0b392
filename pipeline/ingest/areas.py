"""Ingest the kommun's areas (stadsdelar, delområden, DeSO/RegSO) from GIS layers.

Accepted: any layer geopandas reads (GeoPackage, GeoJSON, Shapefile) with Polygon/MultiPolygon
geometries and a CRS. Output: the ``areas`` core table in EPSG:3006.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from pipeline.errors import DataError
from pipeline.ingest.common import IngestResult, map_columns, name_key
from pipeline.ingest.quarantine import concat_quarantine, make_result, screen, with_provenance
from pipeline.schemas import CRS

SOURCE = "areas"


def _polygonal(geom):
    """The polygon parts of a geometry (after make_valid), or None when nothing areal is left."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def _kommun_matches(values: pd.Series, kommun) -> pd.Series:
    """True where a kommun column holds this kommun, by 4-digit code or by name."""
    txt = values.astype("string").str.strip()
    is_code = txt.str.fullmatch(r"\d{1,4}").fillna(False)
    code_ok = txt.where(is_code).str.zfill(4) == kommun.code
    name_ok = txt.map(lambda v: name_key(v) == name_key(kommun.name) if pd.notna(v) else False)
    return (code_ok.fillna(False) | name_ok.astype(bool)).astype(bool)


def ingest_areas(layers: list[tuple[str, gpd.GeoDataFrame]], cfg, kommun) -> IngestResult:
    """Areas of the kommun in EPSG:3006, one row per area.

    Steps per layer: map headers (``area_name`` and/or ``area_id``, ``kommun_code`` optional;
    without an id the name is the id, without a name the id is the name);
    a layer without a CRS takes ``cfg.crs`` or stops; reproject to EPSG:3006; repair invalid
    geometries with :func:`shapely.make_valid` keeping their polygon parts. Quarantined:
    "other kommun" (kommun column names another kommun, or a DeSO/RegSO code of another
    kommun), "missing area name", "empty or non-polygon geometry", "duplicate area id".

    Returns
    -------
    IngestResult
        table: GeoDataFrame [area_id, area_name, kommun_code, geometry] (EPSG:3006).
    """
    if not layers:
        raise DataError("sources.areas: no area layer found; set sources.areas.path in params.yaml")
    parts, quarantine, rows_read, repaired = [], [], 0, 0
    for file, gdf in layers:
        rows_read += len(gdf)
        if gdf.crs is None:
            if not getattr(cfg, "crs", None):
                raise DataError(f"{file}: the layer has no coordinate system; add `sources.areas.crs: EPSG:3006` "
                                "(or the layer's EPSG code) to params.yaml")
            gdf = gdf.set_crs(cfg.crs)
        gdf = gdf.reset_index(drop=True).to_crs(CRS)
        attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        canon = map_columns(attrs, SOURCE, cfg, [], ["area_name", "area_id", "kommun_code"], file)
        if "area_name" not in canon and "area_id" not in canon:
            map_columns(attrs, SOURCE, cfg, ["area_name"], [], file)  # raises the one-line error
        df = with_provenance(canon, attrs, file)
        if "area_id" not in df:
            df["area_id"] = df["area_name"]
        if "area_name" not in df:  # DeSO/RegSO layers: the code is the name
            df["area_name"] = df["area_id"]
        df["area_name"] = df["area_name"].astype("string").str.strip()
        df["area_id"] = df["area_id"].astype("string").str.strip()
        geom = gdf.geometry
        present = ~shapely.is_missing(geom.to_numpy())  # not GeoSeries.notna: it warns when a geometry is empty
        invalid = ~geom.is_valid.fillna(False) & present
        fixed = geom.where(~invalid, shapely.make_valid(geom.to_numpy()))
        repaired += int(invalid.sum())
        df["geometry"] = [_polygonal(g) for g in fixed]

        todo = pd.Series(True, index=df.index)
        if "kommun_code" in df:
            other = todo & df["kommun_code"].notna() & ~_kommun_matches(df["kommun_code"], kommun)
        else:
            deso = df["area_id"].str.fullmatch(r"\d{4}[A-C]\d{4}|\d{4}R\d{3}").fillna(False)
            other = todo & deso & (df["area_id"].str[:4] != kommun.code)
        q, todo = screen(df, [(other, "other kommun"),
                              (df["area_name"].isna() | (df["area_name"] == ""), "missing area name"),
                              (df["geometry"].isna(), "empty or non-polygon geometry")], SOURCE, file=file)
        quarantine.append(q)
        df = df[todo]
        df["kommun_code"] = kommun.code
        parts.append(df)

    all_ = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    q, unique = screen(all_, [(all_["area_id"].duplicated(keep="first"), "duplicate area id")], SOURCE)
    quarantine.append(q)
    all_ = all_[unique]
    table = gpd.GeoDataFrame(
        {"area_id": all_["area_id"].astype(str).to_numpy(), "area_name": all_["area_name"].astype(str).to_numpy(),
         "kommun_code": all_["kommun_code"].astype(str).to_numpy()},
        geometry=gpd.GeoSeries(list(all_["geometry"]), crs=CRS), crs=CRS,
    ).sort_values("area_id", kind="stable").reset_index(drop=True)
    return make_result(table, concat_quarantine(quarantine), rows_read, SOURCE, geometries_repaired=repaired)

