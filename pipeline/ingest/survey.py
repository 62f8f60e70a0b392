"""Ingest safety-survey answers (trygghetsmätning / medborgardialog), one row per respondent.

Answer labels are mapped to canonical values through ``defaults/survey_labels.yaml`` extended by
``sources.survey.labels`` (keys safety, never_out, problem, sex); the free-text answer is
scrubbed of personal data before it leaves this module (surnames in the genitive too:
``genitive_surnames`` of :func:`pipeline.text.scrub.scrub`).
"""

from __future__ import annotations

import pandas as pd

from pipeline.errors import DataError
from pipeline.ingest.area_names import match_area_names, unmatched_counts
from pipeline.ingest.common import IngestResult, default_survey_labels, label_key, map_columns, year_from_filename
from pipeline.ingest.quarantine import data_rows, make_result, quoted, screen, with_provenance
from pipeline.schemas import PROBLEM_ANSWER_VALUES, SAFETY_VALUES, SEX_VALUES, SURVEY_ITEMS

SOURCE = "survey"
ITEM_COLUMNS = [f"item_{i}" for i in SURVEY_ITEMS]
OPTIONAL = ["response_id", "area_id", "survey_year", "sex", "age_band", "safety_evening", "never_out_unsafe",
            *ITEM_COLUMNS, "free_text"]
_ALLOWED = {"safety": SAFETY_VALUES, "problem": PROBLEM_ANSWER_VALUES, "never_out": ("true", "false", "na"),
            "sex": SEX_VALUES}


def _label_map(cfg, key: str) -> dict[str, str]:
    """{label_key(label): canonical} for one answer scale; the user's labels override defaults."""
    user = (getattr(cfg, "labels", {}) or {}).get(key) or {}
    bad = {k: v for k, v in user.items() if str(v) not in _ALLOWED[key]}
    if bad:
        k, v = next(iter(bad.items()))
        raise DataError(f"params.yaml: sources.survey.labels.{key} maps '{k}' to '{v}'; "
                        f"use one of {', '.join(_ALLOWED[key])}")
    return {**{label_key(k): str(v) for k, v in default_survey_labels().get(key, {}).items()},
            **{label_key(k): str(v) for k, v in user.items()}}


def _map_answers(values: pd.Series, mapping: dict[str, str], key: str, header: str, file: str) -> pd.Series:
    """Canonical answers; blank → NA; an unknown label stops with a one-line DataError."""
    txt = values.astype("string").str.strip().replace("", pd.NA)
    out = txt.map(lambda v: mapping.get(label_key(v)) if pd.notna(v) else None)
    unknown = txt.notna() & out.isna()
    if unknown.any():
        first = quoted(txt[unknown].iloc[0])
        n = int(txt[unknown].nunique())
        raise DataError(f"{file}: column '{header}' has the answer '{first}'"
                        + (f" (and {n - 1} other unknown labels)" if n > 1 else "")
                        + f" that is not recognised; add `sources.survey.labels.{key}: {{\"{first}\": <one of "
                        f"{'|'.join(_ALLOWED[key])}>}}` to params.yaml")
    return out.astype(object).where(out.notna(), None)


def ingest_survey(frames: list[tuple[str, pd.DataFrame]], areas: pd.DataFrame, cfg, kommun) -> IngestResult:
    """Survey responses with canonical answers, the respondent's area and scrubbed free text.

    Required: an area column (``area_name``, or ``area_id``). Item columns are found by the item
    text in brackets ("Hur stort problem ...? [Nedskräpning]") or a header alias.
    ``survey_year`` = a year column, else the year in the file name
    (trygghetsmatning_2025.xlsx), else ``kommun.year``. ``response_id`` = "<survey_year>-<Löpnummer>"
    (or "<survey_year>-<file stem>-<row>"). ``never_out_unsafe`` is the raw Ja/Nej of the follow-up
    question. Sex "Annat" becomes "annat"; blank sex or age group becomes "alla" (counted in totals only).
    Quarantined: "missing area", "unknown area", "duplicate response id". Unknown answer labels
    are fatal (DataError naming the column, the label and the config key).

    Returns
    -------
    IngestResult
        table: DataFrame [response_id, survey_year, area_id, sex, age_band, safety_evening,
        never_out_unsafe, item_<8 items>, free_text, source_file, source_row].
    """
    if not frames:
        raise DataError("sources.survey: no survey file found; set sources.survey.path in params.yaml")
    from pipeline.text.scrub import scrub_series

    labels = getattr(cfg, "labels", {}) or {}
    # area names are never personal names (Bäckby, Skälby ...); residents write about neighbours
    # by surname, so a surname in the genitive goes too ("Karlssons hund skäller")
    allow = frozenset(areas["area_name"].astype(str))
    maps = {k: _label_map(cfg, k) for k in _ALLOWED}
    parts, rows_read, removed = [], 0, {}
    for file, raw in frames:
        raw = data_rows(raw)
        rows_read += len(raw)
        canon = map_columns(raw, SOURCE, cfg, [], ["area_name", *OPTIONAL], file)
        if "area_name" not in canon and "area_id" not in canon:
            raise DataError(f"{file}: missing required column 'area_name' (looked for headers: 'Område', 'Stadsdel', "
                            f"'Delområde', ...); add `sources.{SOURCE}.columns.area_name: <your header>` to params.yaml")
        cmap = canon.attrs["column_map"]
        if "free_text" in canon:  # scrub before anything (table or quarantine JSON) keeps the words
            txt = canon["free_text"].astype("string").str.strip().replace("", pd.NA)
            has = txt.notna()
            cleaned, found = scrub_series(txt[has].astype(str), allow, genitive_surnames=True)
            for k, v in found.items():
                removed[k] = removed.get(k, 0) + int(v)
            canon["free_text"] = pd.Series(None, index=canon.index, dtype=object)
            canon.loc[has, "free_text"] = cleaned.astype(object)
            raw = raw.copy()
            raw[cmap["free_text"]] = canon["free_text"]
        df = with_provenance(canon, raw, file)
        year = year_from_filename(file) or kommun.year
        if "survey_year" in df:
            col = pd.to_numeric(df["survey_year"].astype("string").str.extract(r"((?:19|20)\d\d)")[0], errors="coerce")
            df["survey_year"] = col.fillna(year).astype("int64")
        else:
            df["survey_year"] = year
        for col, key in (("safety_evening", "safety"), ("never_out_unsafe", "never_out"), ("sex", "sex"),
                         *((c, "problem") for c in ITEM_COLUMNS)):
            df[col] = _map_answers(df[col], maps[key], key, cmap[col], file) if col in df else None
        df["never_out_unsafe"] = df["never_out_unsafe"].map({"true": True, "false": False}).astype("boolean")
        df["sex"] = df["sex"].fillna("alla")
        age = df["age_band"].astype("string").str.strip().str.replace("\u2013", "-", regex=False) \
            if "age_band" in df else pd.Series(pd.NA, index=df.index, dtype="string")
        df["age_band"] = age.str.replace(r"\s*år$", "", regex=True).fillna("alla").replace("", "alla")
        stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        rid = df["response_id"].astype("string").str.strip().str.replace(r"\.0$", "", regex=True) \
            if "response_id" in df else pd.Series(pd.NA, index=df.index, dtype="string")
        fallback = stem + "-" + df["source_row"].astype(str)
        df["response_id"] = df["survey_year"].astype(str) + "-" + rid.fillna(fallback)
        key = df["area_id"] if "area_id" in df else df["area_name"]
        df["_key"] = key.astype("string").str.strip().replace("", pd.NA)
        parts.append(df)

    df = pd.concat(parts, ignore_index=True)
    df["area_id"] = match_area_names(df["_key"], areas, labels.get("area_names"))
    q, todo = screen(df, [(df["_key"].isna(), "missing area"), (df["area_id"].isna(), "unknown area"),
                          (df["response_id"].duplicated(keep="first"), "duplicate response id")], SOURCE)
    extra = unmatched_counts(df["_key"], df["area_id"])

    kept = df[todo].copy()
    text_out = kept["free_text"] if "free_text" in kept else pd.Series(None, index=kept.index, dtype=object)
    text_out = text_out.astype(object).where(text_out.notna(), None)

    table = pd.DataFrame({
        "response_id": kept["response_id"].astype(str),
        "survey_year": kept["survey_year"].astype("int64"),
        "area_id": kept["area_id"].astype(str),
        "sex": kept["sex"].astype(str),
        "age_band": kept["age_band"].astype(str),
        "safety_evening": kept["safety_evening"],
        "never_out_unsafe": kept["never_out_unsafe"].astype("boolean"),
        **{c: kept[c] for c in ITEM_COLUMNS},
        "free_text": text_out,
        "source_file": kept["source_file"].astype(str),
        "source_row": kept["source_row"].astype("int64"),
    }).sort_values(["survey_year", "response_id"], kind="stable").reset_index(drop=True)
    counters = {**extra, **{f"scrubbed {k}": int(v) for k, v in removed.items()},
                "free_text_answers": int(text_out.notna().sum())}
    return make_result(table, q, rows_read, SOURCE, **counters)
