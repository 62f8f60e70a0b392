"""The synthetic country's generator: volumes split by population and kind, areas that tile the
kommun, population that adds up, exports in the demo's format, and the same bytes for the same
seed. On a made-up kommun (a square with a lake cut out), so no reference data is needed."""

import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.demo.crime_export import CRIME_COLUMNS
from pipeline.demo.national import KommunPlan, allocate, build_kommun, kind_factor, kommun_geography, plan_country

# 30 × 20 km with a 4 × 4 km lake, town centre in the west
BOUNDARY = shapely.Polygon([(500_000, 6_500_000), (530_000, 6_500_000), (530_000, 6_520_000), (500_000, 6_520_000)],
                           holes=[[(515_000, 6_505_000), (519_000, 6_505_000), (519_000, 6_509_000),
                                   (515_000, 6_509_000)]])
PLAN = KommunPlan("9999", "Provstad", 42_000, "mellan", "tat", 4_000, 1.1, 506_000.0, 6_510_000.0)


def test_allocate_is_exact_and_proportional():
    got = allocate(1_000, np.array([1.0, 2.0, 3.0, 0.5]))
    assert got.sum() == 1_000 and got.tolist() == [154, 308, 461, 77]


def test_plan_splits_the_country_by_population_and_kind():
    reg = pd.DataFrame({"kommun_code": ["0001", "0002", "0003"], "kommun_name": ["A", "B", "C"],
                        "population": [300_000, 100_000, 10_000], "pop_band": ["storstad", "stor", "liten"],
                        "type_code": ["storstad", "stor_tat", "liten_gles"]})
    plans = plan_country(reg, {c: (0.0, 0.0) for c in reg["kommun_code"]}, total=100_000, seed=1)
    assert sum(p.per_year for p in plans) == 100_000
    per_capita = [p.per_year / p.population for p in plans]
    f = kind_factor(reg["pop_band"], reg["type_code"]).tolist()
    assert f == pytest.approx([1.5, 1.15 * 1.05, 0.8 * 0.92])
    assert per_capita[0] / per_capita[2] == pytest.approx(f[0] / f[2], rel=1e-3)
    assert plans == plan_country(reg, {c: (0.0, 0.0) for c in reg["kommun_code"]}, total=100_000, seed=1)


def test_areas_tile_the_kommun_and_hold_its_population():
    geo = kommun_geography(PLAN, BOUNDARY, np.random.default_rng(3))
    a = geo.areas
    assert len(a) == round(PLAN.population / 4000) and a["area_id"].is_unique
    union = shapely.union_all(a.geometry.to_numpy())
    assert union.symmetric_difference(BOUNDARY).area < 1e-6 * BOUNDARY.area
    assert sum(g.area for g in a.geometry) == pytest.approx(BOUNDARY.area, rel=1e-6)  # no overlaps
    assert a["population"].sum() == PLAN.population
    centre = a[a["area_name"] == "Centrum"]
    assert len(centre) == 1 and centre.geometry.iloc[0].contains(shapely.Point(PLAN.centre_x, PLAN.centre_y))
    # urban areas hold the town's share (0.72 for mellanstora) and are near the centre
    assert a.loc[a["is_urban"], "population"].sum() / PLAN.population == pytest.approx(0.72, abs=0.01)
    assert (~a["is_urban"]).any() and a["area_name"].is_unique
    assert set(geo.places["area_id"]) <= set(a["area_id"])


def test_kommun_exports_are_the_demo_format_and_deterministic():
    one = build_kommun(PLAN, BOUNDARY, [2024, 2025], seed=5)
    two = build_kommun(PLAN, BOUNDARY, [2024, 2025], seed=5)
    pd.testing.assert_frame_equal(one["crimes"], two["crimes"])
    assert list(one["crimes"].columns) == CRIME_COLUMNS
    assert one["truth"] == two["truth"]
    n = one["truth"]["incidents"]
    # report year ~ Poisson(4 000); the year before 4 000 / 1.1 (the planted change)
    assert abs(n["2025"] - 4_000) < 5 * np.sqrt(4_000) and abs(n["2024"] - 4_000 / 1.1) < 5 * np.sqrt(3_700)
    # the demo's faults come along (exact duplicates, empty coordinates) and rows > incidents
    assert one["truth"]["rows"] > sum(n.values()) and one["truth"]["faults"]["2025"]["empty_coords"] > 0
    pop = one["population"]
    assert pop.loc[pop["År"] == "2025", "Antal"].astype(int).sum() == pytest.approx(PLAN.population, rel=0.01)
    other = build_kommun(PLAN, BOUNDARY, [2024, 2025], seed=6)
    assert not one["crimes"]["Brottsdatum"].equals(other["crimes"]["Brottsdatum"])
