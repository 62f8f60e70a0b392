"""Brå's prioritisation matrix: the top problembilder × Brå's criteria, levels 0–3.

Criteria (Brå/Polisen/SKR, *Samverkan i lokalt brottsförebyggande arbete*; DOMAIN.md §1) and
the component each is read from:

======================  ===================================================================
Frekvens                log1p(crime_n_year) / log1p(max crime_n_year among all problembilder)
Trend                   comp_trend
Avvikelse               comp_rate_ratio
Utsatta platser         comp_concentration
Signalbrott             comp_signal
Indirekt påverkan       max(comp_survey_problem, comp_est): visible to residents / reported
                        by many actors (a judgement, stated in docs/methods-scoring.md)
Upplevd otrygghet       comp_survey_unsafe
Källor som stämmer      comp_triangulation
överens
======================  ===================================================================

Level: 0 (ingen) below 0.05, 1 (låg) below 1/3, 2 (medel) below 2/3, else 3 (hög).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CRITERIA = ("Frekvens", "Trend", "Avvikelse", "Utsatta platser", "Signalbrott", "Indirekt påverkan",
            "Upplevd otrygghet", "Källor som stämmer överens")
LEVEL_SV = {0: "ingen", 1: "låg", 2: "medel", 3: "hög"}


def level(x) -> np.ndarray:
    """0–3 level of a component value in [0, 1]."""
    x = np.nan_to_num(np.asarray(x, dtype="float64"), nan=0.0)
    return np.select([x < 0.05, x < 1 / 3, x < 2 / 3], [0, 1, 2], 3).astype("int64")


def problembild_label(row: pd.Series) -> str:
    """"Rån – Stortorget (Centrum)" or "Rån – Centrum"."""
    area = row.get("area") if pd.notna(row.get("area")) else row["area_id"]
    place = row.get("place")
    where = f"{place} ({area})" if isinstance(place, str) and place else str(area)
    return f"{row['problem_label']} – {where}"


def prioritisation_matrix(problembilder: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """Columns: area_id, problem (keys into problembilder), Rang, Problembild, then one int column
    (0–3) per criterion in :data:`CRITERIA`."""
    n = pd.to_numeric(problembilder.get("crime_n_year", 0), errors="coerce").fillna(0)
    top = np.log1p(n.max()) if len(n) else 0.0
    freq = np.log1p(n) / top if top > 0 else n * 0.0
    pb = problembilder.assign(_freq=freq).sort_values("rank").head(top_n)
    values = {
        "Frekvens": pb["_freq"], "Trend": pb["comp_trend"], "Avvikelse": pb["comp_rate_ratio"],
        "Utsatta platser": pb["comp_concentration"], "Signalbrott": pb["comp_signal"],
        "Indirekt påverkan": np.maximum(pb["comp_survey_problem"], pb["comp_est"]),
        "Upplevd otrygghet": pb["comp_survey_unsafe"], "Källor som stämmer överens": pb["comp_triangulation"],
    }
    out = pd.DataFrame({"area_id": pb["area_id"].to_numpy(), "problem": pb["problem"].to_numpy(),
                        "Rang": pb["rank"].to_numpy(),
                        "Problembild": [problembild_label(r) for _, r in pb.iterrows()]})
    for c in CRITERIA:
        out[c] = level(values[c])
    return out
