"""The synthetic demo kommun (Västerås, 1980): raw exports with realistic faults and planted
patterns, deterministic from ``DemoParams.seed``. See docs/demo.md.

``build_demo`` is pure (frames in memory); ``write_demo`` writes them as raw files.
"""

from __future__ import annotations

import numpy as np

from pipeline.config import DemoParams, KommunParams
from pipeline.demo.crime_export import export_year
from pipeline.demo.geography import build_geography, population_table
from pipeline.demo.events import police_events
from pipeline.demo.incidents import area_name_variants, canonical_incidents
from pipeline.demo.registry import demo_registry, plant_promise_effect
from pipeline.demo.survey import UNSAFE, survey_year_frame
from pipeline.demo.texts import PersonalData, make_est, make_notes
from pipeline.demo.writer import DemoData, write_demo

__all__ = ["DemoData", "build_demo", "write_demo"]

# (area, year index) → spelling used in the population export for that year
POPULATION_VARIANTS = {("Bäckby", 1): "BÄCKBY", ("Bäckby", 3): "Backby", ("Centrum", 0): "Västerås Centrum",
                       ("Centrum", 2): "Västerås Centrum", ("Önsta-Gryta", 4): "Önsta Gryta", ("Råby", 2): "Raby"}


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    """Independent generators for each part, all derived from the one seed (SeedSequence.spawn)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def build_demo(kommun: KommunParams, demo: DemoParams) -> DemoData:
    """Build every raw export of the demo kommun in memory, with the truth of what was planted.

    Pure and deterministic: the same ``demo.seed`` gives identical frames. Years are
    ``kommun.first_year .. kommun.year``; ``demo.incidents_per_year`` incidents a year,
    ``demo.survey_respondents`` survey answers in the report year (≈95 % of that two years
    before), ``demo.n_notes`` staff notes. ``demo.patterns: false`` gives a null kommun for
    calibration (:func:`pipeline.demo.incidents.canonical_incidents`).
    """
    r_pop, r_inc, r_exp, r_ev, r_sv, r_notes, r_est, r_pii, r_promise = _streams(demo.seed, 9)
    years = list(range(kommun.first_year, kommun.year + 1))
    ry = kommun.year
    geo = build_geography(kommun.code)
    ids = dict(zip(geo.areas["area_name"], geo.areas["area_id"]))

    areas = geo.areas[["area_id", "area_name", "geometry"]].rename(
        columns={"area_id": "NYCKELKOD", "area_name": "STADSDEL"})
    areas.insert(2, "KOMMUNKOD", kommun.code)

    pop = population_table(geo, years, r_pop)
    pop_variant_rows = 0
    for (name, k), spelled in POPULATION_VARIANTS.items():
        if k < len(years):
            m = (pop["Stadsdel"] == name) & (pop["År"] == years[k])
            pop.loc[m, "Stadsdel"] = spelled
            pop_variant_rows += int(m.sum())
    pop_truth = {"rows": int(len(pop)), "rows_with_name_variant": pop_variant_rows,
                 "name_variants": [{"spelling": s, "area_name": a, "area_id": ids[a], "year": years[k]}
                                   for (a, k), s in POPULATION_VARIANTS.items() if k < len(years)],
                 "total_report_year": int(pop.loc[pop["År"] == ry, "Antal"].sum())}
    pop = pop.astype({"År": str, "Antal": str})

    inc, patterns = canonical_incidents(r_inc, geo, years, demo.incidents_per_year, patterns=demo.patterns)
    if demo.patterns:  # the registry's löfte L1 worked: Råby's vandalism drops from its start (pipeline/demo/registry.py)
        inc, promise_truth = plant_promise_effect(r_promise, inc, int(np.flatnonzero(geo.areas["area_name"] == "Råby")[0]),
                                                  ry)
        promise_truth.update(area_id=ids["Råby"], area_name="Råby")
        patterns.append(promise_truth)
    crimes, crime_faults, crime_counts = {}, {}, {}
    inc_year = inc["occurred_at"].dt.year
    for year in years:
        part = inc[inc_year == year].reset_index(drop=True)
        crimes[year], crime_faults[str(year)] = export_year(r_exp, geo, part, year, ry)
        crime_counts[str(year)] = {k: int(v) for k, v in part["family"].value_counts().sort_index().items()}
    totals = {k: sum(f[k] for f in crime_faults.values()) for k in
              ("rows", "incidents", "empty_coords", "swapped_coords", "outside_kommun", "impossible_dates",
               "exact_duplicates", "empty_time", "empty_code", "area_name_variants")}

    events = police_events(r_ev, ry)

    pdata = PersonalData(r_pii)
    surveys, survey_truth, survey_faults = {}, {}, {}
    for sy, n in ((ry - 2, int(round(demo.survey_respondents * 0.95))), (ry, demo.survey_respondents)):
        surveys[sy], survey_truth[str(sy)] = survey_year_frame(r_sv, geo, sy, ry, n, pdata)
        canon = set(ids)
        survey_faults[str(sy)] = {"rows": int(n), "area_name_variants": int((~surveys[sy]["Område"].isin(canon)).sum())}

    notes_all, links = make_notes(r_notes, geo, ry, demo.n_notes, pdata)
    cols = ["Datum", "Verksamhet", "Anteckning"]
    notes_xlsx = notes_all.loc[notes_all["file"] == "xlsx", cols].reset_index(drop=True)
    notes_docx = notes_all.loc[notes_all["file"] == "docx", cols].reset_index(drop=True)
    notes_txt = {r.source: f"Datum: {r.Datum}\nVerksamhet: {r.Verksamhet}\n{r.Anteckning}\n"
                 for r in notes_all[notes_all["file"] == "txt"].itertuples()}
    est, est_truth = make_est(r_est, geo, ry)

    gaz = geo.places.rename(columns={"place": "Plats", "area_name": "Stadsdel", "x": "X", "y": "Y"})
    gaz = gaz[["Plats", "Stadsdel", "X", "Y"]].assign(X=lambda d: d["X"].map("{:.0f}".format),
                                                     Y=lambda d: d["Y"].map("{:.0f}".format))

    # the unsafe area (survey + notes)
    raby = survey_truth[str(ry)][ids["Råby"]]
    rest = [v for k, v in survey_truth[str(ry)].items() if k != ids["Råby"]]
    rest_valid = sum(v["n_valid_safety"] for v in rest)
    rest_unsafe = sum(v["n_unsafe"] for v in rest)
    rx, ryy = geo.place_xy("Råby torg")
    patterns.append({
        "id": "unsafe_area", "kind": "survey_and_notes", "area_id": ids["Råby"], "area_name": "Råby",
        "problem": "disorder", "problems": ["disorder", "drugs"], "place_name": "Råby torg", "x": rx, "y": ryy,
        "radius_m": 400, "months": [f"{ry}-{m:02d}" for m in range(1, 13)], "survey_years": [ry - 2, ry],
        "unsafe_share_pct": {str(sy): survey_truth[str(sy)][ids["Råby"]]["unsafe_share_pct"] for sy in surveys},
        "rest_unsafe_share_pct": round(100 * rest_unsafe / rest_valid, 1) if rest_valid else None,
        "target_unsafe_share": {str(ry): 0.45, str(ry - 2): 0.30, "elsewhere": "0.14-0.24"},
        "big_problem_pct": {k: v for k, v in raby.items() if k.startswith("big_problem_pct")},
        "n_notes_raby_torg": sum(1 for lk in links if lk["place_name"] == "Råby torg"),
        "expected": "survey_indicators: Råby unsafe_evening share highest of all areas with p_vs_rest < 0.05 and "
                    "diff_vs_prev_pp > 0; big_problem_drug_dealing and big_problem_youth_groups highest in Råby; "
                    "note_themes: Råby disorder has the most notes",
    })
    note_places = {}
    for lk in links:
        key = (lk["place_name"], lk["area_id"], lk["problem"])
        note_places[key] = note_places.get(key, 0) + 1
    truth = {
        "generator": "pipeline.demo", "seed": demo.seed, "params": demo.model_dump(),
        "kommun": {"code": kommun.code, "name": kommun.name, "report_year": ry, "years": years},
        "crs": "EPSG:3006",
        "areas": [{"area_id": a.area_id, "area_name": a.area_name, "is_urban": bool(a.is_urban),
                   "population_report_year": int(a.population)} for a in geo.areas.itertuples()],
        "patterns": patterns,
        "faults": {"crimes": crime_faults, "crimes_total": totals, "population": pop_truth, "survey": survey_faults,
                   "notes_txt_cp1252": 1},
        "crime_counts": crime_counts,
        "survey": survey_truth,
        "survey_unsafe_labels": list(UNSAFE),
        "note_links": links,
        "note_places": [{"place_name": p, "area_id": a, "problem": f, "n_notes": n}
                        for (p, a, f), n in sorted(note_places.items(), key=lambda kv: -kv[1])],
        "planted_personal_data": pdata.records,
        "est": est_truth,
        "police_events": {"n": len(events), "first": events[0]["datetime"], "last": events[-1]["datetime"]},
        "area_name_variants": {a: area_name_variants(a) for a in ids},
    }
    data = DemoData(report_year=ry, areas=areas, population=pop, crimes=crimes, police_events=events,
                    surveys=surveys, notes=notes_xlsx, notes_docx=notes_docx, notes_txt=notes_txt, est=est,
                    gazetteer=gaz, registry=demo_registry(ry), truth=truth)
    truth["files"] = list(data.files())
    return data
