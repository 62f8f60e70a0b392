"""Geography of the demo kommun: Västerås stadsdelar, their polygons, population and named places.

Area centres are approximate real positions (WGS84) of Västerås districts, converted to
SWEREF 99 TM (EPSG:3006) with pyproj. Polygons are a Voronoi tessellation
(``shapely.voronoi_polygons``) of the centres plus filler points in the countryside, clipped to
a smoothed synthetic kommun boundary; filler cells are dissolved into the nearest rural area so
urban areas stay small and rural ones large. Nothing here is random: the geography is the same
for every seed (only population noise and everything built on it depend on the seed).
Hand-written because no library generates plausible synthetic administrative areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

CRS = "EPSG:3006"
AGE_BANDS = ("0-15", "16-24", "25-44", "45-64", "65-84", "85+")
SEXES = ("kvinnor", "män")

# name, lat, lon, population (report year), urban
AREAS: tuple[tuple[str, float, float, int, bool], ...] = (
    ("Centrum", 59.6109, 16.5450, 9500, True),
    ("Öster Mälarstrand", 59.6019, 16.5681, 5200, True),
    ("Kungsängen", 59.6118, 16.5752, 6500, True),
    ("Västermalm", 59.6109, 16.5219, 10500, True),
    ("Kristiansborg", 59.6208, 16.5414, 7000, True),
    ("Skiljebo", 59.6244, 16.5645, 8500, True),
    ("Malmaberg", 59.6298, 16.5255, 6000, True),
    ("Råby", 59.6298, 16.5024, 9500, True),
    ("Stallhagen", 59.6145, 16.5006, 5500, True),
    ("Viksäng", 59.6019, 16.4970, 8000, True),
    ("Vallby", 59.6208, 16.4811, 9000, True),
    ("Bäckby", 59.6298, 16.4651, 11000, True),
    ("Skälby", 59.6208, 16.4420, 6500, True),
    ("Erikslund", 59.6064, 16.4331, 5000, True),
    ("Pettersberg", 59.6226, 16.5930, 6000, True),
    ("Gideonsberg", 59.6235, 16.6143, 5500, True),
    ("Bjurhovda", 59.6118, 16.6125, 7000, True),
    ("Rönnby", 59.6370, 16.6018, 5000, True),
    ("Önsta-Gryta", 59.6451, 16.5379, 8000, True),
    ("Hälla", 59.6379, 16.6338, 5000, True),
    ("Tillberga", 59.6864, 16.6249, 3200, False),
    ("Skultuna", 59.7161, 16.4295, 4000, False),
    ("Irsta", 59.5920, 16.6960, 2800, False),
    ("Dingtuna", 59.5785, 16.3763, 2600, False),
    ("Barkarö", 59.5632, 16.4597, 3200, False),
)

# Gazetteer: place name, area name, offset east/north in metres from the area centre.
PLACES: tuple[tuple[str, str, float, float], ...] = (
    ("Stora torget", "Centrum", -60, -90),
    ("Vasaparken", "Centrum", -260, 60),
    ("Västerås resecentrum", "Centrum", 350, -520),
    ("Stadshuset", "Centrum", -200, -330),
    ("Domkyrkan", "Centrum", -330, 300),
    ("Bondtorget", "Centrum", 150, 200),
    ("Kopparlunden", "Västermalm", 150, 250),
    ("Kristiansborgsbadet", "Kristiansborg", -200, -150),
    ("Kristiansborgsskolan", "Kristiansborg", 250, 200),
    ("Skiljebo centrum", "Skiljebo", 0, 0),
    ("Skiljeboskolan", "Skiljebo", 300, 250),
    ("Malmabergsskolan", "Malmaberg", 100, 100),
    ("Råby torg", "Råby", 80, -60),
    ("Råbyskolan", "Råby", -300, 250),
    ("Råby fritidsgård", "Råby", 250, 150),
    ("Stallhagens idrottsplats", "Stallhagen", 0, 150),
    ("Viksängs centrum", "Viksäng", 0, 0),
    ("Viksängsskolan", "Viksäng", -250, 200),
    ("Vallby centrum", "Vallby", 0, 0),
    ("Vallby friluftsmuseum", "Vallby", 300, -250),
    ("Bäckby centrum", "Bäckby", 120, -100),
    ("Bäckbyskolan", "Bäckby", -300, 250),
    ("Bäckbyparken", "Bäckby", 350, 300),
    ("Skälby gård", "Skälby", -200, 250),
    ("Skälbyskolan", "Skälby", 200, -150),
    ("Erikslund köpcentrum", "Erikslund", 100, 50),
    ("Pettersbergsskolan", "Pettersberg", 0, 100),
    ("Gideonsbergs centrum", "Gideonsberg", 0, 0),
    ("Bjurhovda centrum", "Bjurhovda", 0, 0),
    ("Bjurhovdaskolan", "Bjurhovda", 250, 250),
    ("Rönnbyskolan", "Rönnby", 0, 0),
    ("Önsta-Gryta centrum", "Önsta-Gryta", 0, 0),
    ("Grytaskolan", "Önsta-Gryta", 300, -200),
    ("Hälla köpcentrum", "Hälla", 0, 0),
    ("Lögarängsbadet", "Öster Mälarstrand", -150, -100),
    ("Mälarhamnen", "Öster Mälarstrand", 300, 50),
    ("Kungsängsparken", "Kungsängen", 0, 0),
    ("Skultuna torg", "Skultuna", 0, 0),
    ("Skultuna bruk", "Skultuna", 400, -300),
    ("Tillberga centrum", "Tillberga", 0, 0),
    ("Irsta kyrka", "Irsta", 0, 0),
    ("Dingtuna kyrka", "Dingtuna", 0, 0),
    ("Barkarö skola", "Barkarö", 0, 0),
)

# Share of the population per age band (0-15, 16-24, 25-44, 45-64, 65-84, 85+).
_AGE_SHARE_DEFAULT = np.array([0.19, 0.11, 0.27, 0.24, 0.16, 0.03])
_AGE_SHARE_YOUNG = np.array([0.26, 0.14, 0.29, 0.19, 0.10, 0.02])   # Råby, Bäckby, Vallby
_AGE_SHARE_CENTRE = np.array([0.11, 0.16, 0.36, 0.20, 0.14, 0.03])  # Centrum, Öster Mälarstrand
_YOUNG = {"Råby", "Bäckby", "Vallby", "Skiljebo"}
_CENTRE = {"Centrum", "Öster Mälarstrand", "Västermalm"}

KOMMUN_CENTRE_LATLON = (59.609901, 16.544809)  # Polisen's gps for "Västerås"


@dataclass(frozen=True)
class Geography:
    """The demo kommun's areas (GeoDataFrame: area_id, area_name, is_urban, x, y, population,
    geometry), its boundary polygon and the gazetteer (place, area_id, area_name, x, y)."""

    areas: gpd.GeoDataFrame
    boundary: shapely.Polygon
    places: pd.DataFrame

    @cached_property
    def _place_index(self) -> dict[str, tuple[float, float, str, str]]:
        return {r.place: (float(r.x), float(r.y), str(r.area_id), str(r.area_name))
                for r in self.places.itertuples()}

    def place_xy(self, name: str) -> tuple[float, float]:
        x, y, _, _ = self._place_index[name]
        return x, y

    def places_xy(self, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = self._place_index
        return (np.array([idx[n][0] for n in names], dtype=float), np.array([idx[n][1] for n in names], dtype=float))

    def area_of_place(self, name: str) -> tuple[str, str]:
        _, _, aid, aname = self._place_index[name]
        return aid, aname

    def area_id(self, name: str) -> str:
        return str(self.areas.loc[self.areas["area_name"] == name, "area_id"].iloc[0])

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index (row position in ``areas``) of the area containing each point; -1 outside."""
        out = np.full(len(x), -1, dtype=np.int64)
        for i, geom in enumerate(self.areas.geometry):
            inside = shapely.contains_xy(geom, x, y) & (out < 0)
            out[inside] = i
        return out


@lru_cache(maxsize=4)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_sweref(lat: np.ndarray | float, lon: np.ndarray | float):
    """WGS84 latitude/longitude to SWEREF 99 TM easting/northing (pyproj, always_xy)."""
    return _transformer("EPSG:4326", CRS).transform(lon, lat)


def to_wgs84(x: np.ndarray | float, y: np.ndarray | float):
    """SWEREF 99 TM easting/northing to WGS84 (lat, lon)."""
    lon, lat = _transformer(CRS, "EPSG:4326").transform(x, y)
    return lat, lon


def kommun_boundary(cx: float, cy: float) -> shapely.Polygon:
    """A smoothed irregular polygon around the centre: radius r(θ) interpolated periodically
    between fixed control radii (km) and smoothed with a circular moving average; short to the
    south where Mälaren is."""
    # control radii at 0°, 30°, ..., 330° (0° = east, counter-clockwise)
    ctrl = np.array([15.5, 16.5, 18.0, 21.0, 19.5, 16.0, 14.5, 12.0, 8.5, 7.5, 8.0, 11.5]) * 1000
    theta = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    r = np.interp(theta, np.linspace(0, 2 * np.pi, 13), np.append(ctrl, ctrl[0]))
    k = 25
    r = np.convolve(np.concatenate([r[-k:], r, r[:k]]), np.ones(2 * k + 1) / (2 * k + 1), "valid")
    r = r * (1 + 0.03 * np.sin(7 * theta) + 0.02 * np.cos(11 * theta))
    return shapely.Polygon(np.column_stack([cx + r * np.cos(theta), cy + 2000 + r * np.sin(theta)]))


def build_geography(code: str = "1980") -> Geography:
    """Areas with Voronoi polygons clipped to the kommun boundary, and the gazetteer."""
    names = [a[0] for a in AREAS]
    x, y = to_sweref(np.array([a[1] for a in AREAS]), np.array([a[2] for a in AREAS]))
    urban = np.array([a[4] for a in AREAS])
    cx, cy = to_sweref(59.61, 16.545)
    boundary = kommun_boundary(cx, cy)
    # Urban cells: Voronoi of the urban centres plus filler points on a (deterministically
    # jittered) 1.2 km lattice in the countryside, so an urban cell ends about halfway to the
    # open land. Rural cells: Voronoi of the rural centres, minus the urban cells.
    gx, gy = np.meshgrid(np.arange(cx - 25000, cx + 25000, 1200), np.arange(cy - 12000, cy + 26000, 1200))
    gx = gx.ravel() + 350 * np.sin(gy.ravel() * 0.0031 + gx.ravel() * 0.0017)
    gy = gy.ravel() + 350 * np.cos(gx * 0.0023 - gy.ravel() * 0.0011)
    d_urban = np.hypot(gx[:, None] - x[urban][None, :], gy[:, None] - y[urban][None, :]).min(axis=1)
    keep = d_urban > 1700
    seeds_u = np.column_stack([np.concatenate([x[urban], gx[keep]]), np.concatenate([y[urban], gy[keep]])])
    extent = boundary.buffer(10000)
    cells_u = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds_u), extend_to=extent))
    cells_r = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(np.column_stack([x[~urban], y[~urban]])), extend_to=extent))
    geoms: list = [None] * len(names)
    for idx, cells in ((np.flatnonzero(urban), cells_u), (np.flatnonzero(~urban), cells_r)):
        for i in idx:
            j = np.flatnonzero(shapely.contains_xy(cells, x[i], y[i]))[0]
            geoms[i] = cells[j].intersection(boundary)
    urban_union = shapely.union_all([geoms[i] for i in np.flatnonzero(urban)])
    for i in np.flatnonzero(~urban):
        geoms[i] = geoms[i].difference(urban_union)
    # a rural cell may leave stray pieces between urban cells: give each to the neighbour
    # sharing the longest border
    for i in np.flatnonzero(~urban):
        parts = shapely.get_parts(geoms[i])
        if len(parts) < 2:
            continue
        main = shapely.contains_xy(parts, x[i], y[i])
        geoms[i] = parts[main][0]
        for stray in parts[~main]:
            shared = [shapely.length(shapely.intersection(stray.boundary, g.boundary)) if k != i else -1
                      for k, g in enumerate(geoms)]
            k = int(np.argmax(shared))
            geoms[k] = shapely.union(geoms[k], stray)
    geoms = [shapely.set_precision(g, 0.1) for g in geoms]
    ids = [f"{code}{i + 1:02d}" for i in range(len(names))]
    areas = gpd.GeoDataFrame({
        "area_id": ids, "area_name": names, "is_urban": urban, "x": x, "y": y,
        "population": [a[3] for a in AREAS],
    }, geometry=geoms, crs=CRS)
    by_name = areas.set_index("area_name")
    places = pd.DataFrame([{
        "place": p, "area_id": by_name.loc[a, "area_id"], "area_name": a,
        "x": float(round(float(by_name.loc[a, "x"]) + dx)), "y": float(round(float(by_name.loc[a, "y"]) + dy)),
    } for p, a, dx, dy in PLACES])
    return Geography(areas=areas, boundary=boundary, places=places)


def population_table(geo: Geography, years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """Population per area × sex × age band × year (long, canonical names; written later).

    Totals grow about 1 % a year towards the report-year figure in :data:`AREAS`; the split by
    age uses one of three profiles (young suburb, inner city, default) with ±10 % noise, and
    women are 49-51 % of each band (more in 85+).
    """
    rows = []
    n_years = len(years)
    for a in geo.areas.itertuples():
        share = (_AGE_SHARE_YOUNG if a.area_name in _YOUNG
                 else _AGE_SHARE_CENTRE if a.area_name in _CENTRE else _AGE_SHARE_DEFAULT)
        share = share * rng.uniform(0.9, 1.1, len(share))
        share = share / share.sum()
        for k, year in enumerate(years):
            total = a.population * (1.01 ** (k - (n_years - 1))) * rng.uniform(0.995, 1.005)
            for b, band in enumerate(AGE_BANDS):
                female = 0.62 if band == "85+" else rng.uniform(0.485, 0.515)
                n_band = total * share[b]
                for sex, s in zip(SEXES, (female, 1 - female)):
                    rows.append((a.area_name, sex, band, year, int(round(n_band * s))))
    return pd.DataFrame(rows, columns=["Stadsdel", "Kön", "Ålder", "År", "Antal"])
