"""Write the layers as one GeoPackage that QGIS opens styled.

QGIS reads a layer's default style from the GeoPackage table ``layer_styles`` (columns as QGIS
itself creates them when a style is saved "in the database"). No library writes that table, so
the QML is generated here by hand: a categorized renderer for class columns (Gi* classes,
emerging-hotspot categories) and a graduated one for densities. Colours are ColorBrewer RdBu
(diverging) and YlOrRd (sequential), whose lightness runs monotone so they survive greyscale.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np

from pipeline.io import atomic_path

HOTSPOT_CLASSES = {
    "hot_99": ("Hot spot, 99 %", "178,24,43"), "hot_95": ("Hot spot, 95 %", "239,138,98"),
    "hot_90": ("Hot spot, 90 %", "253,219,199"), "not_significant": ("Ej signifikant", "247,247,247"),
    "cold_90": ("Cold spot, 90 %", "209,229,240"), "cold_95": ("Cold spot, 95 %", "103,169,207"),
    "cold_99": ("Cold spot, 99 %", "33,102,172"),
}
EMERGING_CLASSES = {
    "new_hot": ("Ny hot spot", "252,146,114"), "consecutive_hot": ("Sammanhängande hot spot", "251,106,74"),
    "intensifying_hot": ("Intensifierande hot spot", "203,24,29"), "persistent_hot": ("Ihållande hot spot", "239,59,44"),
    "diminishing_hot": ("Avtagande hot spot", "252,187,161"), "sporadic_hot": ("Sporadisk hot spot", "254,224,210"),
    "oscillating_hot": ("Oscillerande hot spot", "165,15,21"), "historical_hot": ("Historisk hot spot", "255,245,240"),
    "new_cold": ("Ny cold spot", "158,202,225"), "consecutive_cold": ("Sammanhängande cold spot", "107,174,214"),
    "intensifying_cold": ("Intensifierande cold spot", "8,81,156"), "persistent_cold": ("Ihållande cold spot", "33,113,181"),
    "diminishing_cold": ("Avtagande cold spot", "198,219,239"), "sporadic_cold": ("Sporadisk cold spot", "222,235,247"),
    "oscillating_cold": ("Oscillerande cold spot", "8,48,107"), "historical_cold": ("Historisk cold spot", "247,251,255"),
    "no_pattern": ("Inget mönster", "240,240,240"),
}
YLORRD = ["255,255,178", "254,204,92", "253,141,60", "240,59,32", "189,0,38"]


def _fill_symbol(name: str, rgb: str, outline: bool) -> str:
    edge = "solid" if outline else "no"
    return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map">'
            f'<Option name="color" type="QString" value="{rgb},255"/>'
            f'<Option name="outline_color" type="QString" value="80,80,80,255"/>'
            f'<Option name="outline_style" type="QString" value="{edge}"/>'
            f'<Option name="outline_width" type="QString" value="0.2"/>'
            f'<Option name="style" type="QString" value="solid"/></Option></layer></symbol>')


def _wrap(renderer: str, label_field: str | None = None) -> str:
    labels = ""
    if label_field:
        labels = (f'<labeling type="simple"><settings calloutType="simple"><text-style fieldName={quoteattr(label_field)}'
                  ' fontSize="8" textColor="0,0,0,255"><text-buffer bufferDraw="1" bufferSize="1"'
                  ' bufferColor="255,255,255,255"/></text-style></settings></labeling>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            f'<qgis version="3.28.0" styleCategories="Symbology|Labeling">{renderer}{labels}</qgis>')


def categorized_qml(field: str, classes: dict[str, tuple[str, str]]) -> str:
    """QML of a categorized fill renderer: value → (label, 'r,g,b')."""
    cats = "".join(f'<category value={quoteattr(v)} symbol="{i}" label={quoteattr(lab)} render="true"/>'
                   for i, (v, (lab, _)) in enumerate(classes.items()))
    syms = "".join(_fill_symbol(str(i), rgb, False) for i, (_, rgb) in enumerate(classes.values()))
    return _wrap(f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" '
                 f'enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{syms}</symbols>'
                 '</renderer-v2>')


def graduated_qml(field: str, values: np.ndarray) -> str:
    """QML of a graduated fill renderer with five quantile classes of ``values`` (YlOrRd)."""
    finite = values[np.isfinite(values) & (values > 0)]
    edges = np.quantile(finite, np.linspace(0, 1, 6)) if len(finite) else np.linspace(0, 1, 6)
    ranges = "".join(f'<range lower="{edges[i]:.6g}" upper="{edges[i + 1]:.6g}" symbol="{i}" '
                     f'label="{edges[i]:.3g} – {edges[i + 1]:.3g}" render="true"/>' for i in range(5))
    syms = "".join(_fill_symbol(str(i), rgb, False) for i, rgb in enumerate(YLORRD))
    return _wrap(f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(field)} graduatedMethod="GraduatedColor" '
                 f'symbollevels="0" enableorderby="0" forceraster="0"><ranges>{ranges}</ranges>'
                 f'<symbols>{syms}</symbols></renderer-v2>')


def outline_qml(label_field: str) -> str:
    return _wrap('<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
                 f'<symbols>{_fill_symbol("0", "255,255,255", True).replace("255,255,255,255", "255,255,255,0")}'
                 '</symbols></renderer-v2>', label_field)


def style_for(layer: str, frame: gpd.GeoDataFrame) -> str:
    if "hotspot_class" in frame:
        return categorized_qml("hotspot_class", HOTSPOT_CLASSES)
    if "ehs_category" in frame:
        return categorized_qml("ehs_category", EMERGING_CLASSES)
    if "density_per_km2_year" in frame:
        return graduated_qml("density_per_km2_year", frame["density_per_km2_year"].to_numpy(float))
    return outline_qml("area_name" if "area_name" in frame else frame.columns[0])


def write_layers_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path) -> Path:
    """Write each GeoDataFrame as a layer and store its default QGIS style in ``layer_styles``."""
    with atomic_path(Path(path)) as tmp:
        tmp.unlink()  # pyogrio creates the file itself
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG")
        with sqlite3.connect(tmp) as con:
            con.execute(
                "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
                "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), "
                "styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, "
                "owner TEXT(30), ui TEXT(30), update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))")
            for name, frame in layers.items():
                con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description) "
                            "VALUES ('', '', ?, 'geom', ?, ?, '', 1, 'lagesbild default style')",
                            (name, name, style_for(name, frame)))
            # register the table as an attribute table so GeoPackage validators accept it
            con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                        "VALUES ('layer_styles', 'attributes', 'layer_styles')")
    return Path(path)
