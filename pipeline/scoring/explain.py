"""Short Swedish explanation of a problembild, generated from its row in problembilder.

Every number in the text is a column of the row, formatted with pipeline.text.format_sv
(counts as integers, shares in whole percent, ratios with one decimal, the year unformatted).
Counts of sources are written as words. Trend wording comes only from the verdict
(``crime_verdict_sv``, pipeline.stats.verdict), never from the raw test columns.
"""

from __future__ import annotations

import pandas as pd

from pipeline.problems import Families
from pipeline.text.format_sv import fmt_int, fmt_num, fmt_pct, fmt_year

ITEM_SV = {
    "littering": "nedskräpning", "graffiti_vandalism": "klotter och skadegörelse",
    "disruptive_driving": "bilar som körs på ett störande sätt",
    "intoxicated_people": "personer som är påverkade av alkohol eller narkotika",
    "drug_dealing": "narkotikaförsäljning", "youth_groups": "grupper av ungdomar som stör",
    "residential_burglary": "bostadsinbrott", "public_violence": "våld på allmän plats",
}
EHS_SV = {"new_hot": "en ny hotspot", "intensifying_hot": "en hotspot som intensifieras",
          "persistent_hot": "en ihållande hotspot", "consecutive_hot": "en hotspot flera perioder i rad",
          "sporadic_hot": "en återkommande hotspot", "oscillating_hot": "en växlande hotspot",
          "diminishing_hot": "en avtagande hotspot", "historical_hot": "en tidigare hotspot"}
WORDS = {0: "ingen", 1: "en", 2: "två", 3: "tre", 4: "fyra"}


def _v(row: pd.Series, col: str):
    x = row.get(col, pd.NA)
    return None if x is None or pd.isna(x) else x


def _crime(row, label, area, year) -> str | None:
    """The crime sentence: the verdict (this year's change beside the period's trend,
    area_trends.verdict_sv) and the report year's count against the year before."""
    n = _v(row, "crime_n_year")
    if not n:
        return None
    verdict = _v(row, "crime_verdict_sv")
    s = f"{label} i {area} {verdict}" if verdict else f"{label} i {area}"
    s += f": {_n(n, 'anmält brott', 'anmälda brott')} {fmt_year(year)}"
    prev = _v(row, "crime_n_prev")
    if prev is not None:
        s += f" mot {fmt_int(prev)} året innan"
    rr = _v(row, "crime_rate_ratio")
    if rr is not None and rr > 0:
        s += f", {fmt_num(rr, 1)} gånger kommunens nivå per invånare"
    return s + "."


def _place(row) -> str | None:
    place, hot, cells = _v(row, "place"), _v(row, "crime_hot_share_pct"), _v(row, "crime_n_hot_cells")
    ehs = EHS_SV.get(_v(row, "crime_ehs_category") or "")
    if place:
        s = f"Koncentrerat till {place}"
        if ehs:
            s += f", {ehs}"
        if hot:
            s += f" ({fmt_pct(hot, 0)} av brotten i signifikanta hotspot-rutor)"
        return s + "."
    if cells:
        s = f"{fmt_int(cells)} signifikanta hotspot-rutor har {fmt_pct(hot, 0)} av brotten"
        return s + (f"; {ehs}." if ehs else ".")
    return f"Området är {ehs}." if ehs else None


def _survey(row, area) -> str | None:
    parts = []
    item = _v(row, "survey_item")
    sp = _v(row, "survey_problem_pct")
    if item and sp is not None and not _v(row, "survey_problem_is_suppressed"):
        s = f"{fmt_pct(sp, 0)} av de boende i {area} ser {ITEM_SV.get(item, item)} som ett stort problem"
        rest = _v(row, "survey_problem_rest_share_pct")
        parts.append(s + (f" (övriga kommunen {fmt_pct(rest, 0)})" if rest is not None else ""))
    su = _v(row, "survey_unsafe_pct")
    if su is not None and not _v(row, "survey_unsafe_is_suppressed"):
        s = f"{fmt_pct(su, 0)} känner sig otrygga ute ensamma sent en kväll"
        rest = _v(row, "survey_unsafe_rest_share_pct")
        parts.append(s + (f" (övriga kommunen {fmt_pct(rest, 0)})" if rest is not None else ""))
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _n(n, one: str, many: str) -> str:
    return f"{fmt_int(n)} {one if n == 1 else many}"


def _staff(row) -> str | None:
    n, nv = _v(row, "notes_n"), _v(row, "notes_n_verksamheter")
    e, w = _v(row, "est_n"), _v(row, "est_n_weeks")
    parts = []
    if n:
        parts.append(_n(n, "anteckning", "anteckningar") + (f" från {_n(nv, 'verksamhet', 'verksamheter')}" if nv else ""))
    if e:
        parts.append(_n(e, "EST-rapport", "EST-rapporter") + (f" under {_n(w, 'vecka', 'veckor')}" if w else ""))
    return ("Nämns i " + " och i ".join(parts) + ".") if parts else None


def explain(row: pd.Series, families: Families, year: int) -> str:
    """Swedish text for one problembild, e.g. "Rån i Centrum ökade kraftigt i år (+200 %,
    säker ökning) men ingen säker långsiktig trend: 45 anmälda brott 2025 mot 15 året innan,
    2,3 gånger kommunens nivå per invånare. Koncentrerat till Stortorget, en ny hotspot (62 %
    av brotten i signifikanta hotspot-rutor). 38 % av de boende … Nämns i 6 anteckningar …
    Tre av fyra källor pekar åt samma håll." The trend wording is the row's verdict, the same
    text the tables show."""
    label = families.label_sv(str(row["problem"]))
    area = str(row.get("area") or row["area_id"])
    parts = [_crime(row, label, area, year), _place(row), _survey(row, area), _staff(row)]
    if not parts[0]:
        parts.insert(0, f"{label} i {area}.")
    agree = int(_v(row, "n_sources_agree") or 0)
    parts.append(f"{WORDS.get(agree, str(agree)).capitalize()} av fyra källor pekar åt samma håll.")
    return " ".join(p for p in parts if p)


def add_explanations(problembilder: pd.DataFrame, families: Families, year: int, top_n: int) -> pd.DataFrame:
    """Copy with ``report_year`` set and ``explanation`` filled for rank ≤ top_n (NA below)."""
    out = problembilder.copy()
    out["report_year"] = int(year)
    texts = [explain(r, families, year) if r["rank"] <= top_n else pd.NA for _, r in out.iterrows()]
    out["explanation"] = pd.Series(texts, index=out.index, dtype="object")
    return out
