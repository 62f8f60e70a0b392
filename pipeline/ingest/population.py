"""Ingest population per area, year, sex and age band (SCB-style CSV/XLSX exports).

Output: the ``population`` core table. A file with totals only (no sex or age column) gives
sex = "alla" and age_band = "alla".
"""

from __future__ import annotations

import pandas as pd

from pipeline.errors import DataError
from pipeline.ingest.area_names import match_area_names, unmatched_counts
from pipeline.ingest.common import IngestResult, fold, map_columns, parse_count, year_from_filename
from pipeline.ingest.quarantine import concat_quarantine, data_rows, make_result, screen, with_provenance

SOURCE = "population"
_SEX = {"kvinnor": "kvinna", "kvinna": "kvinna", "k": "kvinna", "f": "kvinna", "female": "kvinna",
        "women": "kvinna", "flickor": "kvinna", "man": "man", "m": "man", "male": "man",
        "men": "man", "pojkar": "man", "totalt": "alla", "total": "alla", "alla": "alla",
        "bada konen": "alla", "samtliga": "alla", "": "alla"}


def normalise_age_band(s: pd.Series) -> pd.Series:
    """"0–15 år" → "0-15", "85 år och äldre"/"85-w"/"85+ år" → "85+", "totalt"/blank → "alla"."""
    t = s.astype("string").fillna("").str.lower().str.strip()
    t = t.str.replace("\u2013", "-", regex=False).str.replace("\u2014", "-", regex=False)
    t = t.str.replace(r"\s*år\b", "", regex=True).str.replace(r"\s+", "", regex=True)
    t = t.str.replace(r"^(\d+)(?:-w|-|\+|ochäldre|ochuppåt|-inf)$", r"\1+", regex=True)
    return t.mask(t.isin(["", "totalt", "total", "alla", "samtliga"]), "alla")


def ingest_population(frames: list[tuple[str, pd.DataFrame]], areas: pd.DataFrame, cfg) -> IngestResult:
    """Population per (area_id, year, sex, age_band).

    Required: ``population`` and an area (``area_id`` or ``area_name``, matched with
    :func:`~pipeline.ingest.area_names.match_area_names`; aliases in ``cfg.labels["area_names"]``).
    ``year`` comes from a column, else ``cfg.year``, else the file name (befolkning_2024.csv). Sex
    kvinnor/män → kvinna/man, totals → alla. Quarantined: "unknown area", "unknown sex",
    "bad population number" (empty, suppressed, negative or fractional), "duplicate".

    Returns
    -------
    IngestResult
        table: DataFrame [area_id, year, sex, age_band, population].
    """
    if not frames:
        raise DataError("sources.population: no population file found; set sources.population.path in params.yaml")
    labels = getattr(cfg, "labels", {}) or {}
    parts, quarantine, rows_read, extra = [], [], 0, {}
    for file, raw in frames:
        raw = data_rows(raw)
        rows_read += len(raw)
        canon = map_columns(raw, SOURCE, cfg, ["population"], ["area_id", "area_name", "sex", "age_band", "year"], file)
        if "area_id" not in canon and "area_name" not in canon:
            raise DataError(f"{file}: missing required column 'area_name' (looked for headers: 'Stadsdel', 'Område', ...); "
                            f"add `sources.{SOURCE}.columns.area_name: <your header>` to params.yaml")
        df = with_provenance(canon, raw, file)
        if "year" not in df:
            y = getattr(cfg, "year", None) or year_from_filename(file)
            if y is None:
                raise DataError(f"{file}: no year column and no year in the file name; add `sources.{SOURCE}.year: "
                                f"2024` (the year of the figures) or `sources.{SOURCE}.columns.year: <your header>`")
            df["year"] = str(y)
        key = df["area_id"] if "area_id" in df else df["area_name"]
        df["_area"] = match_area_names(key, areas, labels.get("area_names"))
        if "area_id" in df and "area_name" in df:  # ids that do not match: try the name
            df["_area"] = df["_area"].where(df["_area"].notna(), match_area_names(df["area_name"], areas,
                                                                                    labels.get("area_names")))
        extra.update(unmatched_counts(key, df["_area"]))
        sex_in = df["sex"].astype("string").fillna("").map(fold) if "sex" in df else pd.Series("", index=df.index)
        sex_map = {**_SEX, **{fold(k): v for k, v in (labels.get("sex") or {}).items()}}
        df["_sex"] = sex_in.map(sex_map)
        df["_age"] = normalise_age_band(df["age_band"]) if "age_band" in df else "alla"
        pop = parse_count(df["population"])
        year = pd.to_numeric(df["year"].astype("string").str.extract(r"((?:19|20)\d\d)")[0], errors="coerce")
        q, todo = screen(df, [(df["_area"].isna(), "unknown area"), (df["_sex"].isna(), "unknown sex"),
                              (year.isna(), "bad year"),
                              (pop.isna() | (pop < 0) | (pop % 1 != 0), "bad population number")], SOURCE, file=file)
        quarantine.append(q)
        df = df[todo].assign(_year=year[todo].astype("int64"), _pop=pop[todo].astype("int64"))
        parts.append(df)

    all_ = pd.concat(parts, ignore_index=True)
    q, unique = screen(all_, [(all_.duplicated(["_area", "_year", "_sex", "_age"], keep="first"), "duplicate")], SOURCE)
    quarantine.append(q)
    all_ = all_[unique]
    table = pd.DataFrame({"area_id": all_["_area"].astype(str), "year": all_["_year"].astype("int64"),
                          "sex": all_["_sex"].astype(str), "age_band": all_["_age"].astype(str),
                          "population": all_["_pop"].astype("int64")})
    table = table.sort_values(["area_id", "year", "sex", "age_band"], kind="stable").reset_index(drop=True)
    return make_result(table, concat_quarantine(quarantine), rows_read, SOURCE, **extra)

