"""Synthetic trygghetsmätning (medborgardialog survey) answers with Swedish labels (DOMAIN.md §2).

Respondents per area ∝ population × a response factor (rural areas answer less, so a few
areas get fewer than 30). Among substantive answers (Vet ej and blank excluded) each area has
a target share "Ganska/Mycket otrygg" (≈15-20 %, Råby ≈45 % in the report year and ≈30 % two
years earlier) and a target share "Mycket/Ganska stort problem" per item. Women answer
"otrygg" more often (×1.3) and men less (×0.7). Hand-written: no library simulates this survey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo.geography import Geography
from pipeline.demo.incidents import area_name_variants
from pipeline.demo.texts import PersonalData, survey_comment

SAFETY_Q = "Hur trygg eller otrygg skulle du känna dig om du gick ut ensam sent en kväll i ditt bostadsområde?"
NEVER_OUT_Q = "Om du aldrig går ut ensam sent en kväll, beror det på att du känner dig otrygg?"
ITEMS = ["Nedskräpning", "Klotter och skadegörelse", "Bilar som körs på ett störande sätt",
         "Personer som är påverkade av alkohol eller narkotika", "Narkotikaförsäljning",
         "Grupper av ungdomar som stör", "Bostadsinbrott", "Våld på allmän plats"]
ITEM_Q = "Hur stort problem anser du att följande är i ditt bostadsområde? [{}]"
COMMENT_Q = "Övriga synpunkter om tryggheten i ditt område"
SURVEY_COLUMNS = (["Löpnummer", "Område", "Kön", "Åldersgrupp", SAFETY_Q, NEVER_OUT_Q]
                  + [ITEM_Q.format(i) for i in ITEMS] + [COMMENT_Q])
UNSAFE = ("Ganska otrygg", "Mycket otrygg")
BIG = ("Mycket stort problem", "Ganska stort problem")

# base share "big problem" per item (kommun-typical), and area overrides per survey
ITEM_BASE = dict(zip(ITEMS, [0.28, 0.20, 0.28, 0.18, 0.10, 0.13, 0.12, 0.08]))
ITEM_AREA = {
    "Råby": {"Narkotikaförsäljning": 0.50, "Grupper av ungdomar som stör": 0.55, "Våld på allmän plats": 0.25,
             "Klotter och skadegörelse": 0.35, "Personer som är påverkade av alkohol eller narkotika": 0.35},
    "Bäckby": {"Narkotikaförsäljning": 0.22, "Grupper av ungdomar som stör": 0.22, "Klotter och skadegörelse": 0.28},
    "Centrum": {"Personer som är påverkade av alkohol eller narkotika": 0.40, "Våld på allmän plats": 0.20,
                "Nedskräpning": 0.42},
    "Erikslund": {"Bilar som körs på ett störande sätt": 0.40},
    "Hälla": {"Bilar som körs på ett störande sätt": 0.38},
}
ITEM_VET_EJ = {"Narkotikaförsäljning": 0.15, "Bostadsinbrott": 0.09}
RURAL_RESPONSE = 0.55


FORMULA_LIKE_ANSWERS = (
    '=HYPERLINK("https://example.org/klotter";"Klotter och skräp vid torget")',
    "-Mycket klotter och skräp vid busshållplatsen på kvällarna",
    "@kommunen: laga belysningen, det är mörkt och otryggt på gångvägen",
    "+Narkotikaförsäljning vid torget varje kväll",
)


def unsafe_target(area: str, survey_year: int, report_year: int, base: float) -> float:
    """Target share Ganska/Mycket otrygg among substantive answers."""
    if area == "Råby":
        return 0.45 if survey_year == report_year else 0.30
    return {"Bäckby": 0.24, "Centrum": 0.21}.get(area, base)


def survey_year_frame(rng: np.random.Generator, geo: Geography, survey_year: int, report_year: int,
                      n: int, pdata: PersonalData) -> tuple[pd.DataFrame, dict]:
    """One survey round as exported (column names of raw_formats.md §5, text cells, "" = blank)
    and its truth: per area n, realised unsafe share and item shares."""
    areas = geo.areas
    names = areas["area_name"].to_numpy()
    w = areas["population"].to_numpy() * np.where(areas["is_urban"].to_numpy(), 1.0, RURAL_RESPONSE)
    w = w * np.where(names == "Råby", 1.25, 1.0)
    area_idx = np.sort(rng.choice(len(names), size=n, p=w / w.sum()))
    base = rng.uniform(0.14, 0.20, len(names))  # area-level baseline for this round
    sex = rng.choice(np.array(["Kvinna", "Man", "Annat", ""], dtype=object), size=n, p=[0.52, 0.45, 0.01, 0.02])
    age = rng.choice(np.array(["16-24", "25-44", "45-64", "65-84"], dtype=object), size=n, p=[0.12, 0.30, 0.32, 0.26])
    target = np.array([unsafe_target(a, survey_year, report_year, b) for a, b in zip(names, base)])[area_idx]
    mult = np.select([sex == "Kvinna", sex == "Man"], [1.3, 0.7], 1.0)
    p_unsafe = np.clip(target * mult, 0, 0.9)
    u = rng.random(n)
    vet_ej_p = rng.uniform(0.05, 0.09, len(names))[area_idx]
    never_p = np.where(age == "65-84", 0.08, 0.03)
    safety = np.empty(n, dtype=object)
    blank = u < 0.03
    vet = (~blank) & (u < 0.03 + vet_ej_p)
    v = rng.random(n)  # substantive answer
    never = v < never_p
    unsafe = (~never) & (v < never_p + p_unsafe * (1 - never_p))
    safety[:] = np.where(rng.random(n) < 0.45, "Mycket trygg", "Ganska trygg")
    safety[unsafe] = np.where(rng.random(int(unsafe.sum())) < 0.35, "Mycket otrygg", "Ganska otrygg")
    safety[never] = "Går aldrig ut"
    safety[vet] = "Vet ej"
    safety[blank] = ""
    never_q = np.full(n, "", dtype=object)
    is_never = safety == "Går aldrig ut"
    never_q[is_never] = np.where(rng.random(int(is_never.sum())) < 0.55, "Ja", "Nej")
    stray = (~is_never) & (rng.random(n) < 0.04)
    never_q[stray] = "Nej"
    # area names in other spellings (~5 %)
    omr = names[area_idx].astype(object)
    var = rng.random(n) < 0.05
    omr[var] = [(vs := area_name_variants(a))[int(rng.integers(0, len(vs)))] for a in omr[var]]
    data = {"Löpnummer": np.arange(1, n + 1), "Område": omr, "Kön": sex, "Åldersgrupp": age,
            SAFETY_Q: safety, NEVER_OUT_Q: never_q}
    item_truth = {}
    for item in ITEMS:
        p_big = np.array([ITEM_AREA.get(a, {}).get(item, ITEM_BASE[item] * f)
                          for a, f in zip(names, rng.uniform(0.8, 1.2, len(names)))])
        if item == "Bostadsinbrott":
            sk = names == "Skälby"
            p_big[sk] = 0.30 if survey_year < report_year else 0.16
        p_big = p_big[area_idx]
        r = rng.random(n)
        ans = np.where(rng.random(n) < p_big,
                       np.where(r < 0.3, "Mycket stort problem", "Ganska stort problem"),
                       np.where(r < 0.45, "Ganska litet problem", "Inget problem alls")).astype(object)
        b = rng.random(n)
        vet_p = ITEM_VET_EJ.get(item, 0.06)
        ans[b < 0.03 + vet_p] = "Vet ej"
        ans[b < 0.03] = ""
        data[ITEM_Q.format(item)] = ans
        item_truth[item] = ans
    # free text: ~12 % write something, ~8 of them with personal data
    comment = np.full(n, "", dtype=object)
    writes = np.flatnonzero(rng.random(n) < 0.12)
    pii_rows = set(rng.choice(writes, size=min(8, len(writes)), replace=False).tolist()) if len(writes) else set()
    src = f"trygghetsmatning_{survey_year}.xlsx"
    for i in writes:
        comment[i] = survey_comment(rng, names[area_idx[i]], pdata, src, int(i) + 1, i in pii_rows)
    # answers that a spreadsheet would run as formulas (any resident can type them): every
    # output must keep them inert text (OWASP CSV injection)
    plain = [i for i in writes if i not in pii_rows]
    for i, text in zip(plain, FORMULA_LIKE_ANSWERS):
        comment[i] = text
    data[COMMENT_Q] = comment
    df = pd.DataFrame(data)[SURVEY_COLUMNS]
    # truth: realised shares per area (denominator excludes Vet ej and blank)
    truth = {}
    sub = df[SAFETY_Q].to_numpy()
    for a_i, a in enumerate(names):
        m = area_idx == a_i
        valid = m & ~np.isin(sub, ["Vet ej", ""])
        n_valid = int(valid.sum())
        n_unsafe = int((valid & np.isin(sub, UNSAFE)).sum())
        n_avoid = int((valid & (sub == "Går aldrig ut") & (never_q == "Ja")).sum())
        rec = {"n_respondents": int(m.sum()), "n_valid_safety": n_valid, "n_unsafe": n_unsafe,
               "unsafe_share_pct": round(100 * n_unsafe / n_valid, 1) if n_valid else None,
               "unsafe_or_avoid_pct": round(100 * (n_unsafe + n_avoid) / n_valid, 1) if n_valid else None}
        for item in ("Narkotikaförsäljning", "Grupper av ungdomar som stör"):
            ans = item_truth[item]
            iv = m & ~np.isin(ans, ["Vet ej", ""])
            rec[f"big_problem_pct[{item}]"] = (round(100 * int((iv & np.isin(ans, BIG)).sum()) / int(iv.sum()), 1)
                                               if iv.sum() else None)
        truth[str(areas["area_id"].iloc[a_i])] = rec
    return df, truth
