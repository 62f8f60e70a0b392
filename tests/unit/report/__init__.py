"""Hand-made synthetic inputs for the report tests, following /work/briefs/contracts.md.

``make_frames(cell_m=...)`` builds every frame a ReportInputs holds for a small fictional
kommun ("Exempelstad") of 13 areas plus one tiny one; ``cell_m`` sets the grid resolution so the
same factory gives tiny fixtures (500 m) and demo-sized ones (125 m, ~20 000 cells per problem).
Counts under 5 are planted on purpose so the public-version suppression has work to do.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Polygon, box

from pipeline.config import KommunParams, PrivacyParams, ReportParams
from pipeline.problems import load_families

X0, Y0, W, H = 580_000.0, 6_600_000.0, 20_000.0, 16_000.0
NAMES = ["Centrum", "Bäckby", "Råby", "Skälby", "Vallby", "Hammarby", "Viksäng", "Önsta-Gryta",
         "Pettersberg", "Malmaberg", "Skultuna", "Tillberga", "Irsta"]
YEAR = 2025
WEIGHTS = ("harm_volume", "rate_ratio", "trend", "concentration", "signal", "survey_unsafe",
           "survey_problem", "notes", "est", "triangulation")


def make_areas(seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    outline = Polygon([(X0, Y0 + 2000), (X0 + 4000, Y0), (X0 + W, Y0 + 1000), (X0 + W - 1500, Y0 + H),
                       (X0 + 3000, Y0 + H - 500), (X0, Y0 + H - 4000)])
    pts = MultiPoint([(X0 + rng.uniform(1500, W - 1500), Y0 + rng.uniform(1500, H - 1500)) for _ in NAMES])
    cells = shapely.voronoi_polygons(pts, extend_to=outline.buffer(5000))
    polys = sorted((c.intersection(outline) for c in cells.geoms), key=lambda g: (g.centroid.x, g.centroid.y))
    # a tiny area (the castle island) cut out of its neighbour: its label must be skipped
    tiny = box(X0 + 9800, Y0 + 7800, X0 + 10100, Y0 + 8100)
    polys = [p.difference(tiny) for p in polys] + [tiny]
    names = NAMES + ["Slottsholmen"]
    return gpd.GeoDataFrame({"area_id": [f"1999{i + 1:02d}" for i in range(len(names))], "area_name": names,
                             "kommun_code": "1999"}, geometry=polys, crs="EPSG:3006")


def _grid(areas: gpd.GeoDataFrame, cell_m: float) -> gpd.GeoDataFrame:
    xmin, ymin, xmax, ymax = areas.total_bounds
    xs = np.arange(xmin, xmax, cell_m)
    ys = np.arange(ymin, ymax, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell_m, gy.ravel() + cell_m)
    g = gpd.GeoDataFrame({"cell_id": [f"c{i}" for i in range(len(cells))]}, geometry=cells, crs="EPSG:3006")
    union = areas.union_all()
    g = g[shapely.intersects(g.geometry.values, union)].reset_index(drop=True)
    cent = gpd.GeoDataFrame(geometry=g.geometry.centroid, crs="EPSG:3006")
    j = gpd.sjoin(cent, areas[["area_id", "geometry"]], how="left", predicate="within")
    g["area_id"] = j.groupby(level=0)["area_id"].first().reindex(g.index).to_numpy()
    return g


def make_frames(cell_m: float = 500.0, seed: int = 1, map_problems=None) -> dict:
    rng = np.random.default_rng(seed)
    fam = load_families()
    probs = fam.ids
    areas = make_areas()
    ids = list(areas["area_id"])
    years = list(range(YEAR - 4, YEAR + 1))
    pop = {a: int(rng.integers(2000, 15000)) for a in ids}
    pop[ids[-1]] = 40  # Slottsholmen
    base = {p: float(rng.uniform(5, 120)) for p in probs}
    # ---- area_year_counts
    rows = []
    for a in ids:
        scale = pop[a] / 8000 * (3.0 if a == ids[0] else 1.0)
        for p in probs:
            for k, y in enumerate(years):
                n = int(rng.poisson(base[p] * scale * (1 + 0.05 * k)))
                if a == ids[-1]:
                    n = int(rng.integers(0, 4))  # small counts for suppression
                rows.append((a, p, y, n, n * (30.0 + 10 * probs.index(p)), pop[a]))
    ayc = pd.DataFrame(rows, columns=["area_id", "problem", "year", "n_incidents", "harm_days", "population"])
    tot = ayc.groupby(["area_id", "year"], as_index=False).agg(
        n_incidents=("n_incidents", "sum"), harm_days=("harm_days", "sum"), population=("population", "first"))
    ayc = pd.concat([ayc, tot.assign(problem="all")], ignore_index=True)
    kom = ayc.groupby(["problem", "year"], as_index=False).agg(
        n_incidents=("n_incidents", "sum"), harm_days=("harm_days", "sum"), population=("population", "sum"))
    ayc = pd.concat([ayc, kom.assign(area_id="kommun")], ignore_index=True)
    ayc["rate_per_1000"] = 1000 * ayc["n_incidents"] / ayc["population"]
    ayc = ayc[["area_id", "problem", "year", "n_incidents", "harm_days", "population", "rate_per_1000"]]
    # ---- area_trends
    cur = ayc[ayc["year"] == YEAR].set_index(["area_id", "problem"])
    prev = ayc[ayc["year"] == YEAR - 1].set_index(["area_id", "problem"])
    m3 = ayc[ayc["year"].between(YEAR - 3, YEAR - 1)].groupby(["area_id", "problem"])["n_incidents"].mean()
    at = cur[["n_incidents", "harm_days", "population", "rate_per_1000"]].rename(
        columns={"n_incidents": "n_year", "harm_days": "harm_days_year"})
    at["n_prev"] = prev["n_incidents"]
    at["mean_3y"] = m3
    at = at.reset_index()
    at["change_pct"] = 100 * (at["n_year"] - at["n_prev"]) / at["n_prev"].replace(0, np.nan)
    at["change_vs_3y_pct"] = 100 * (at["n_year"] - at["mean_3y"]) / at["mean_3y"].replace(0, np.nan)
    krate = at[at["area_id"] == "kommun"].set_index("problem")["rate_per_1000"]
    at["kommun_rate_per_1000"] = at["problem"].map(krate)
    at["rate_ratio"] = at["rate_per_1000"] / at["kommun_rate_per_1000"]
    at["irr"] = rng.uniform(0.85, 1.2, len(at))
    at["irr_low"], at["irr_high"] = at["irr"] * 0.9, at["irr"] * 1.1
    at["irr_p"] = rng.uniform(0, 1, len(at))
    at["nb_alpha"] = 0.1
    at["mk_tau"] = rng.uniform(-1, 1, len(at))
    at["mk_p"] = rng.uniform(0, 0.3, len(at))
    at["trend"] = np.where(at["mk_p"] > 0.05, "stable", np.where(at["mk_tau"] > 0, "rising", "falling"))
    at["n_year"] = at["n_year"].astype("int64")
    at["n_prev"] = at["n_prev"].astype("int64")
    # ---- grid layers
    grid = _grid(areas, cell_m)
    cx = grid.geometry.centroid.x.to_numpy()
    cy = grid.geometry.centroid.y.to_numpy()
    c0 = areas.geometry.iloc[0].representative_point()
    d = np.hypot(cx - c0.x, cy - c0.y)
    mp = map_problems or ["all"] + probs
    gh, eh, kd = [], [], []
    classes = np.array(["hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99"])
    ehs_cats = ["new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot", "diminishing_hot",
                "sporadic_hot", "oscillating_hot", "historical_hot", "persistent_cold", "sporadic_cold", "no_pattern"]
    for k, p in enumerate(mp):
        z = 4.0 * np.exp(-((d / (1500 + 300 * k)) ** 2)) + rng.normal(0, 0.7, len(grid)) - 0.5 * (d > 7000)
        n = rng.poisson(np.clip(z, 0, None) * 3 + 0.3)
        q = 2 * (1 - 0.5 * (1 + np.tanh(np.abs(z) / 1.4)))
        cls = np.where(z > 2.58, 0, np.where(z > 1.96, 1, np.where(z > 1.65, 2, 3)))
        cls = np.where(z < -1.65, 4, cls)
        gh.append(pd.DataFrame({"cell_id": grid["cell_id"], "problem": p, "n_incidents": n,
                                "harm_days": n * 40.0, "gi_z": z, "gi_p": q, "gi_q": q,
                                "hotspot_class": classes[cls], "area_id": grid["area_id"], "geometry": grid.geometry}))
        e = np.where(z > 2.0, rng.integers(0, 8, len(grid)), np.where(z < -1.5, rng.integers(8, 10, len(grid)), 10))
        eh.append(pd.DataFrame({"cell_id": grid["cell_id"], "problem": p, "ehs_category": np.array(ehs_cats)[e],
                                "mk_tau": 0.1, "mk_z": 0.5, "mk_p": 0.4, "n_hot_steps": 3, "n_cold_steps": 0,
                                "area_id": grid["area_id"], "geometry": grid.geometry}))
        kd.append(pd.DataFrame({"cell_id": grid["cell_id"], "problem": p,
                                "density_per_km2_year": 80 * np.exp(-((d / (2000 + 500 * k)) ** 2)) + rng.uniform(0, 2, len(grid)),
                                "geometry": grid.geometry}))
    grid_hotspots = gpd.GeoDataFrame(pd.concat(gh, ignore_index=True), geometry="geometry", crs="EPSG:3006")
    emerging = gpd.GeoDataFrame(pd.concat(eh, ignore_index=True), geometry="geometry", crs="EPSG:3006")
    kde = gpd.GeoDataFrame(pd.concat(kd, ignore_index=True), geometry="geometry", crs="EPSG:3006")
    conc = pd.DataFrame({"problem": ["all"] + probs[:4], "n_incidents": [5000, 800, 300, 200, 3],
                         "n_cells": len(grid), "top1_pct": [12.0, 15, 20, 18, 100], "top5_pct": [35.0, 40, 45, 44, 100],
                         "top10_pct": [52.0, 55, 60, 61, 100], "gini": [0.6, 0.65, 0.7, 0.72, 0.99],
                         "gini_generalised": [0.6, 0.65, 0.7, 0.72, 0.99]})
    # ---- time
    hw = pd.DataFrame([(p, wd, h, int(rng.poisson(2 + 3 * (h >= 18 or h < 2) + 2 * (wd >= 4))))
                       for p in ["all"] + probs for wd in range(7) for h in range(24)],
                      columns=["problem", "weekday", "hour", "n_incidents"])
    mprof = pd.DataFrame([(p, m, n, n / 5) for p in ["all"] + probs for m in range(1, 13)
                          for n in [int(rng.poisson(50 * (1 + 0.4 * np.sin((m + probs.index(p) if p != "all" else m) / 2))))]],
                         columns=["problem", "month", "n_incidents", "mean_per_year"])
    # ---- survey
    inds = ["unsafe_evening"] + [f"big_problem_{i}" for i in (
        "littering", "graffiti_vandalism", "disruptive_driving", "intoxicated_people", "drug_dealing",
        "youth_groups", "residential_burglary", "public_violence")]
    sv = []
    for yr in (YEAR - 2, YEAR):
        for a in ids + ["kommun"]:
            for ind in inds:
                n = 1500 if a == "kommun" else (12 if a == ids[-1] else int(rng.integers(60, 200)))
                share = float(rng.uniform(8, 45))
                ny = int(round(n * share / 100))
                sv.append((a, yr, ind, n, ny, 100 * ny / n, max(0, 100 * ny / n - 6), min(100, 100 * ny / n + 6),
                           False, n < 30, 20.0, 100 * ny / n - 20, 0.2, 25.0, 100 * ny / n - 25, 0.3))
    survey = pd.DataFrame(sv, columns=["area_id", "survey_year", "indicator", "n", "n_yes", "share_pct", "ci_low_pct",
                                       "ci_high_pct", "is_weighted", "is_suppressed", "rest_share_pct",
                                       "diff_vs_rest_pp", "p_vs_rest", "prev_share_pct", "diff_vs_prev_pp", "p_vs_prev"])
    # consistent like the survey layer: the kommun is the sum of its areas, the previous share is
    # the same group's share in the previous survey
    areas_only = survey[survey["area_id"] != "kommun"]
    tot = areas_only.groupby(["survey_year", "indicator"])[["n", "n_yes"]].sum()
    kom = survey["area_id"] == "kommun"
    keys = list(zip(survey.loc[kom, "survey_year"], survey.loc[kom, "indicator"]))
    survey.loc[kom, "n"] = [tot.loc[k, "n"] for k in keys]
    survey.loc[kom, "n_yes"] = [tot.loc[k, "n_yes"] for k in keys]
    survey["share_pct"] = 100 * survey["n_yes"] / survey["n"]
    survey["ci_low_pct"] = (survey["share_pct"] - 6).clip(0, 100)
    survey["ci_high_pct"] = (survey["share_pct"] + 6).clip(0, 100)
    prev = survey[survey["survey_year"] == YEAR - 2].set_index(["area_id", "indicator"])["share_pct"]
    cur = survey["survey_year"] == YEAR
    survey["prev_share_pct"] = np.nan
    survey.loc[cur, "prev_share_pct"] = [prev.loc[(a, i)] for a, i in zip(survey.loc[cur, "area_id"], survey.loc[cur, "indicator"])]
    survey["diff_vs_prev_pp"] = survey["share_pct"] - survey["prev_share_pct"]
    # ---- notes and EST
    notes = pd.DataFrame({"area_id": ids[:6], "problem": ["drugs", "vandalism", "violence", "disorder", "drugs", "littering"],
                          "n_notes": [12, 9, 3, 7, 2, 15], "n_verksamheter": [4, 3, 1, 2, 1, 5],
                          "top_place": ["Bäckby centrum", "Råby torg", "Vasaparken", "Skälby skola", "Stationen", "Parken"],
                          "quotes": ["Ungdomar samlas vid [namn] och säljer, ring 070-xxx\nMycket skräp",
                                     "Klotter på *väggen* #2", "Bråk efter stängning", "Störande grupper", "Affärer", "Skräp"]})
    est = pd.DataFrame({"area_id": ids[:5], "problem": ["vandalism", "littering", "drugs", "traffic", "fire"],
                        "n_est_reports": [20, 14, 3, 8, 6], "n_weeks": [12, 10, 2, 6, 4],
                        "top_place": ["Råby torg", "Bäckby centrum", "Gångtunneln", "Skälbyvägen", "Återvinningen"]})
    # ---- problembilder
    pb_rows = []
    for r, (a, p) in enumerate([(ids[1], "drugs"), (ids[2], "vandalism"), (ids[0], "violence"), (ids[3], "disorder"),
                                (ids[0], "theft"), (ids[4], "burglary"), (ids[5], "littering"), (ids[-1], "threats")]):
        comps = {f"comp_{w}": float(rng.uniform(0, 0.1)) for w in WEIGHTS}
        name = areas.set_index("area_id").loc[a, "area_name"]
        pb_rows.append({"rank": r + 1, "rank_low": max(1, r), "rank_high": r + 3, "area_id": a, "area": name,
                        "place": f"{name} centrum", "problem": p, "problem_label": fam.label_sv(p),
                        "score": round(sum(comps.values()), 3), **comps, "has_crime": True, "has_survey": r % 2 == 0,
                        "has_notes": r < 4, "has_est": r < 3, "n_sources": 1 + (r % 2 == 0) + (r < 4) + (r < 3),
                        "explanation": f"{fam.label_sv(p)} i {name}: 3 anmälda brott, medarbetare säger \"det är stökigt\".",
                        "crime_n_year": [120, 60, 300, 3, 250, 40, 8, 2][r]})
    pb = pd.DataFrame(pb_rows)
    matrix = pb.melt(id_vars=["area_id", "problem"], value_vars=[f"comp_{w}" for w in WEIGHTS],
                     var_name="criterion", value_name="value")
    matrix["criterion"] = matrix["criterion"].str.removeprefix("comp_")
    matrix["value"] = matrix["value"] * 10
    sens = pd.concat([pb[["area_id", "problem", "rank"]].assign(scenario=s, rank=lambda d, k=k: (d["rank"] + k) % 8 + 1)
                      for k, s in enumerate(["standard", "lika vikter", "utan enkät"])], ignore_index=True)
    quality = pd.DataFrame({"source": ["crimes", "survey", "notes", "est"], "rows_read": [75210, 4012, 104, 600],
                            "accepted": [74011, 3990, 100, 588], "quarantined": [1199, 22, 4, 12]})
    qreasons = pd.DataFrame({"source": ["crimes", "crimes", "crimes", "survey", "notes", "est"],
                             "reason": ["saknar koordinater", "dubblett", "omöjligt datum", "okänt område",
                                        "tom anteckning", "okänd plats"], "n_rows": [750, 370, 79, 22, 4, 12]})
    police = pd.DataFrame({"year": [YEAR - 1, YEAR - 1, YEAR, YEAR], "problem": ["violence", "theft", "violence", "theft"],
                           "n_events": [40, 22, 51, 3]})
    return dict(
        kommun=KommunParams(code="1999", name="Exempelstad", lpo="Lokalpolisområde Exempelstad",
                            police_region="Polisregion Mitt", year=YEAR),
        report=ReportParams(version="1.0", top_n=6), privacy=PrivacyParams(min_count=5, public_grid_m=1000),
        areas=areas, area_trends=at, area_year_counts=ayc, grid_hotspots=grid_hotspots, emerging_hotspots=emerging,
        kde=kde, concentration=conc, hour_weekday=hw, month_profile=mprof, survey_indicators=survey,
        note_themes=notes, est_summary=est, problembilder=pb, sensitivity=sens, matrix=matrix, quality=quality,
        quarantine_reasons=qreasons, families=fam,
        analyst_texts={"orsaksanalys": "# Orsaker\n\nUngdomar *saknar* **mötesplatser**.\n\n- brist på fritid\n- 50 % #tomma lokaler"},
        police_events_summary=police, generated_on=dt.date(2025, 12, 1),
        weights={w: (0.2 if w == "harm_volume" else 0.1 if w != "signal" else 0.05) for w in WEIGHTS},
    )


def public_version(inputs):
    """The public version's inputs, as the report stage makes them."""
    from pipeline.report.public import make_public_inputs

    return make_public_inputs(inputs, inputs.privacy)
