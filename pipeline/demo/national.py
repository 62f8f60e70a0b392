"""The synthetic country: the demo generator scaled to every one of Sweden's 290 kommuner.

Each kommun gets synthetic areas inside its real boundary, a population per area that sums to
its real population (SCB), and police crime exports in the demo's format with the demo's
faults, with a volume scaled by its population and its kind of kommun. Pure: frames in memory;
:mod:`pipeline.national.synthetic` writes them as Parquet partitioned by kommun.

Volume. Kommun *k* gets ``n_k = N · p_k f_k / Σ_j p_j f_j`` incidents in the report year, where
``N`` is the national total (default 1.5 million, about Sweden's reported crime a year without
fraud), ``p_k`` its population and ``f_k`` a factor of its kind (population band × density, as
:func:`pipeline.stats.comparison.kommun_types` defines them): storstad 1.5, större 1.15,
mellanstor 0.9, mindre 0.8, times 1.05 for the denser and 0.92 for the sparser half — crime per
inhabitant is higher in large towns (Brå's regional statistics show about twice the rate in
Stockholm as in sparse Norrland kommuner). Each kommun has its own planted yearly change
``g_k = exp(ε)``, ε ~ N(0, 0.06²), and year *t* (0 = the first) has ``n_k g_k^(t−T)`` (T = the
report year's index), so the ranking by change has a known truth.

Geography. The town centre is the point Polisen's events give for the kommun (``location.gps``
is the kommun's centre), or a point inside the boundary when that is outside it. The town is
the disc around it holding ``u_k p_k`` people at a density by kind (urban share ``u`` storstad
0.95, större 0.85, mellanstor 0.72, mindre 0.6); areas of about 4 000 people (at least 4, at most 60) are Voronoi cells
of points in the disc (urban areas) and in the rest of the kommun (rural areas), clipped to the
boundary. Named places (torget, resecentrum, köpcentrum, suburb centres) take the demo's share
of each family's incidents. Hand-written: no library generates plausible synthetic kommuner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.demo.geography import CRS, Geography, population_table
from pipeline.demo.crime_export import export_year
from pipeline.demo.incidents import FAMILY_SHARE, _canonical_frame, _concat, _days

NATIONAL_PER_YEAR = 1_500_000
BAND_FACTOR = {"storstad": 1.5, "stor": 1.15, "mellan": 0.9, "liten": 0.8}
DENSITY_FACTOR = {"tat": 1.05, "gles": 0.92, "": 1.0}
URBAN_SHARE = {"storstad": 0.95, "stor": 0.85, "mellan": 0.72, "liten": 0.6}
TOWN_DENSITY = {"storstad": 4000.0, "stor": 2500.0, "mellan": 1800.0, "liten": 1200.0}  # inhabitants per km²
PEOPLE_PER_AREA = 4000
MAX_AREAS = 60
TREND_SD = 0.06

# family → weight of each kind of named place among the family's incidents at places
PLACE_ROLES = {
    "theft": {"Köpcentrum": 0.45, "Torget": 0.2, "Resecentrum": 0.2, "forort": 0.15},
    "violence": {"Torget": 0.5, "Resecentrum": 0.25, "forort": 0.25},
    "robbery": {"Torget": 0.4, "Resecentrum": 0.3, "forort": 0.3},
    "threats": {"Torget": 0.4, "Resecentrum": 0.3, "forort": 0.3},
    "vandalism": {"forort": 0.55, "Resecentrum": 0.2, "Torget": 0.25},
    "drugs": {"Resecentrum": 0.35, "Torget": 0.3, "forort": 0.35},
    "disorder": {"Torget": 0.5, "Resecentrum": 0.2, "forort": 0.3},
    "traffic": {"Köpcentrum": 1.0},
    "fire": {"forort": 1.0},
    "weapons": {"forort": 0.6, "Torget": 0.4},
}
# place name suffix, offset from the centre as a share of the town radius (east, north)
CENTRE_PLACES = (("Torget", 0.0, 0.0), ("Resecentrum", 0.2, -0.15), ("Köpcentrum", 0.55, 0.3))
COMPASS = ("Öster", "Nordost", "Norr", "Nordväst", "Väster", "Sydväst", "Söder", "Sydost")


@dataclass(frozen=True)
class KommunPlan:
    """What the generator makes for one kommun: incidents in the report year, yearly change,
    town centre (SWEREF 99 TM) and kind."""

    code: str
    name: str
    population: int
    pop_band: str
    density: str
    per_year: int
    change: float
    centre_x: float
    centre_y: float


def kind_factor(pop_band: pd.Series, type_code: pd.Series) -> pd.Series:
    """f_k of the module doc from the band and the type code (``<band>_tat``/``<band>_gles``)."""
    density = type_code.str.extract(r"_(tat|gles)$")[0].fillna("")
    return pop_band.map(BAND_FACTOR) * density.map(DENSITY_FACTOR)


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights`` as integers that sum to it exactly
    (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(out - raw, kind="stable")[: total - int(out.sum())]] += 1
    return out


def plan_country(register: pd.DataFrame, centres: dict[str, tuple[float, float]], total: int = NATIONAL_PER_YEAR,
                 seed: int = 2025) -> list[KommunPlan]:
    """One :class:`KommunPlan` per kommun of ``register`` (kommun_types' columns), incidents
    split as the module doc says; ``centres`` maps a code to its town centre (x, y)."""
    f = kind_factor(register["pop_band"], register["type_code"]).to_numpy()
    per_year = allocate(total, register["population"].to_numpy() * f)
    change = np.exp(np.random.default_rng(seed).normal(0, TREND_SD, len(register)))
    density = register["type_code"].str.extract(r"_(tat|gles)$")[0].fillna("")
    return [KommunPlan(r.kommun_code, r.kommun_name, int(r.population), r.pop_band, d, int(n), float(g),
                       *centres[r.kommun_code])
            for r, d, n, g in zip(register.itertuples(), density, per_year, change)]


def _points_inside(rng: np.random.Generator, shape, n: int, cx: float, cy: float, r: float) -> np.ndarray:
    """``n`` points spread over ``shape`` (Halton-like jittered rejection sampling within the
    disc of radius ``r`` around the centre when ``r`` > 0, else over its bounds)."""
    minx, miny, maxx, maxy = (cx - r, cy - r, cx + r, cy + r) if r > 0 else shape.bounds
    shapely.prepare(shape)
    got = np.empty((0, 2))
    for _ in range(200):
        if len(got) >= n:
            break
        x, y = rng.uniform(minx, maxx, 4 * n + 16), rng.uniform(miny, maxy, 4 * n + 16)
        ok = shapely.contains_xy(shape, x, y)
        got = np.vstack([got, np.column_stack([x[ok], y[ok]])])
    if len(got) < n:  # a sliver of a shape: points on it, a metre apart
        extra = np.repeat(shapely.get_coordinates(shapely.point_on_surface(shape)), n - len(got), axis=0)
        got = np.vstack([got, extra + np.arange(len(extra))[:, None]])
    return got[:n]


def _voronoi(seeds: np.ndarray, clip) -> list:
    """The Voronoi cell of each seed, clipped to ``clip`` (in seed order)."""
    if len(seeds) == 1:
        return [clip]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=clip.envelope.buffer(1)))
    order = [int(np.flatnonzero(shapely.contains_xy(cells, x, y))[0]) for x, y in seeds]
    return [shapely.intersection(cells[i], clip) for i in order]


def _compass(dx: float, dy: float) -> str:
    return COMPASS[int(round(math.atan2(dy, dx) / (math.pi / 4))) % 8]


def kommun_geography(plan: KommunPlan, boundary, rng: np.random.Generator) -> Geography:
    """Urban and rural areas inside the real ``boundary`` (EPSG:3006), their population and the
    named places (module doc)."""
    boundary = shapely.make_valid(boundary)
    cx, cy = plan.centre_x, plan.centre_y
    if not shapely.contains_xy(boundary, cx, cy):
        cx, cy = shapely.get_coordinates(shapely.point_on_surface(boundary))[0]
    urban_pop = plan.population * URBAN_SHARE[plan.pop_band]
    radius = max(math.sqrt(urban_pop / TOWN_DENSITY[plan.pop_band] / math.pi) * 1000, 800.0)
    town = shapely.intersection(shapely.Point(cx, cy).buffer(radius, 32), boundary)
    if town.area >= 0.9 * boundary.area:  # a kommun that is all town
        town, urban_pop = boundary, float(plan.population)
    countryside = shapely.difference(boundary, town)
    n_areas = int(np.clip(round(plan.population / PEOPLE_PER_AREA), 4, MAX_AREAS))
    n_rural = 0 if countryside.is_empty or countryside.area < 1e6 else max(1, round(n_areas * (1 - urban_pop / plan.population)))
    n_urban = max(1, n_areas - n_rural)
    useeds = np.vstack([[cx, cy], _points_inside(rng, town, n_urban - 1, cx, cy, radius)])
    rows = []
    for i, (cell, (x, y)) in enumerate(zip(_voronoi(useeds, town), useeds)):
        rows.append((cell, x, y, True, "Centrum" if i == 0 else f"{_compass(x - cx, y - cy)}"))
    if n_rural:
        rseeds = _points_inside(rng, countryside, n_rural, cx, cy, 0)
        for cell, (x, y) in zip(_voronoi(rseeds, countryside), rseeds):
            rows.append((cell, x, y, False, f"Landsbygd {_compass(x - cx, y - cy).lower()}"))
    rows = [r for r in rows if not shapely.is_empty(r[0]) and r[0].area > 0]
    names = pd.Series([r[4] for r in rows])
    dup = names.groupby(names).cumcount() + 1
    names = names.where(names.map(names.value_counts()) == 1, names + " " + dup.astype(str))
    urban = np.array([r[3] for r in rows])
    # population: the town's share over urban areas and the rest over rural ones, by area with noise
    size = np.array([r[0].area for r in rows]) ** 0.5 * rng.uniform(0.6, 1.4, len(rows))
    rural_pop = plan.population - urban_pop if (~urban).any() else 0.0
    weights = np.where(urban, urban_pop * size / size[urban].sum(),
                       rural_pop * size / size[~urban].sum() if (~urban).any() else 0)
    pop = allocate(plan.population, weights)
    areas = gpd.GeoDataFrame({
        "area_id": [f"{plan.code}{i + 1:02d}" for i in range(len(rows))], "area_name": names.to_numpy(),
        "is_urban": urban, "x": [r[1] for r in rows], "y": [r[2] for r in rows], "population": pop,
    }, geometry=[shapely.set_precision(r[0], 0.1) for r in rows], crs=CRS)
    places = [(f"{plan.name} {suffix.lower()}" if suffix != "Torget" else f"Torget i {plan.name}",
               cx + dx * radius, cy + dy * radius) for suffix, dx, dy in CENTRE_PLACES]
    suburbs = areas[areas["is_urban"] & (areas["area_name"] != "Centrum")].nlargest(2, "population")
    places += [(f"{a.area_name} centrum", a.x, a.y) for a in suburbs.itertuples()]
    px, py = np.array([p[1] for p in places]), np.array([p[2] for p in places])
    idx = Geography(areas, boundary, pd.DataFrame()).locate(px, py)
    keep = idx >= 0
    gaz = pd.DataFrame({"place": [p[0] for p, k in zip(places, keep) if k], "x": np.round(px[keep]),
                        "y": np.round(py[keep]), "area_id": areas["area_id"].to_numpy()[idx[keep]],
                        "area_name": areas["area_name"].to_numpy()[idx[keep]]})
    return Geography(areas=areas, boundary=boundary, places=gaz)


def _place_weights(geo: Geography, family: str) -> dict[str, float] | None:
    """The family's named places with their weights (suburb centres share the "forort" weight)."""
    roles = PLACE_ROLES.get(family)
    if not roles:
        return None
    names = geo.places["place"].tolist()
    out: dict[str, float] = {}
    for role, w in roles.items():
        found = [n for n in names if (n.endswith(" centrum") and role == "forort")
                 or (role != "forort" and role.lower() in n.lower() and not n.endswith(" centrum"))]
        for n in found:
            out[n] = out.get(n, 0.0) + w / len(found)
    return out or None


def _area_weights(geo: Geography, family: str) -> np.ndarray:
    """Population × (3 in the town centre, 1.2 in other urban areas, 0.7 in the countryside);
    burglary 0.6 / 1.0 / 1.6 instead (more in villas and the countryside)."""
    a = geo.areas
    centre = (a["area_name"] == "Centrum").to_numpy()
    urban = a["is_urban"].to_numpy()
    f = np.where(centre, 0.6, np.where(urban, 1.0, 1.6)) if family == "burglary" else \
        np.where(centre, 3.0, np.where(urban, 1.2, 0.7))
    return np.maximum(a["population"].to_numpy() * f, 1e-9).astype(float)


def kommun_incidents(plan: KommunPlan, geo: Geography, years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """Canonical incidents of every year (the demo's families, labels, times and places)."""
    share = np.array(list(FAMILY_SHARE.values()))
    blocks = []
    for t, year in enumerate(years):
        n = int(rng.poisson(plan.per_year * plan.change ** (t - (len(years) - 1))))
        for fam, k in zip(FAMILY_SHARE, rng.multinomial(n, share / share.sum())):
            if k:
                pw = _place_weights(geo, fam)
                blocks.append(_canonical_frame(rng, geo, fam, int(k), _days(year), place_weights=pw,
                                               at_place=None if pw else np.zeros(int(k), bool),
                                               area_weights=_area_weights(geo, fam), place_sd=60.0))
    df = _concat(blocks)
    df["occurred_at"] = df["occurred_at"].astype("datetime64[ns]")
    df["area_idx"] = geo.locate(df["x"].to_numpy(), df["y"].to_numpy())
    return df.sort_values(["occurred_at", "family", "x"], kind="stable").reset_index(drop=True)


def build_kommun(plan: KommunPlan, boundary, years: list[int], seed: int) -> dict:
    """Every frame of one synthetic kommun: ``areas`` (the demo's stadsdelar layer), ``population``
    (per area × sex × age band × year), ``crimes`` (the export rows of all years, text cells) and
    ``truth`` (counts per year and family, faults, planted change)."""
    r_geo, r_pop, r_inc, r_exp = (np.random.default_rng(s) for s in
                                  np.random.SeedSequence([seed, int(plan.code)]).spawn(4))
    geo = kommun_geography(plan, boundary, r_geo)
    inc = kommun_incidents(plan, geo, years, r_inc)
    year_of = inc["occurred_at"].dt.year
    exports, faults = [], {}
    for year in years:
        part = inc[year_of == year].reset_index(drop=True)
        if len(part):
            frame, faults[str(year)] = export_year(r_exp, geo, part, year, years[-1])
            exports.append(frame)
    areas = geo.areas[["area_id", "area_name", "geometry"]].rename(columns={"area_id": "NYCKELKOD",
                                                                          "area_name": "STADSDEL"})
    areas.insert(2, "KOMMUNKOD", plan.code)
    population = population_table(geo, years, r_pop).astype({"År": str, "Antal": str})
    counts = inc.groupby([year_of.rename("year"), "family"]).size()
    truth = {"kommun_code": plan.code, "kommun_name": plan.name, "population": plan.population,
             "incidents_report_year_expected": plan.per_year, "planted_change_per_year": round(plan.change, 4),
             "areas": int(len(geo.areas)), "urban_areas": int(geo.areas["is_urban"].sum()),
             "incidents": {str(y): int(counts.loc[y].sum()) if y in counts.index.get_level_values(0) else 0
                           for y in years},
             "rows": int(sum(len(e) for e in exports)),
             "faults": {y: {k: v for k, v in f.items() if isinstance(v, int)} for y, f in faults.items()}}
    return {"areas": areas, "population": population,
            "crimes": pd.concat(exports, ignore_index=True) if exports else pd.DataFrame(), "truth": truth}
