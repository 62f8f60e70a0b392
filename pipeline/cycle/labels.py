"""Swedish wording of the follow-up's codes: indicators, verdicts, statuses and units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.cycle.registry import STATUS_SV
from pipeline.text.format_sv import fmt_num, fmt_pct

SURVEY_SV = {
    "unsafe_evening": "andel otrygga ute sen kväll",
    "big_problem_littering": "andel som ser nedskräpning som stort problem",
    "big_problem_graffiti_vandalism": "andel som ser klotter och skadegörelse som stort problem",
    "big_problem_disruptive_driving": "andel som ser störande bilkörning som stort problem",
    "big_problem_intoxicated_people": "andel som ser påverkade personer som stort problem",
    "big_problem_drug_dealing": "andel som ser narkotikaförsäljning som stort problem",
    "big_problem_youth_groups": "andel som ser ungdomsgrupper som stör som stort problem",
    "big_problem_residential_burglary": "andel som ser bostadsinbrott som stort problem",
    "big_problem_public_violence": "andel som ser våld på allmän plats som stort problem",
}


def is_finite(v) -> bool:
    """A number that is not NA/NaN/None."""
    try:
        return v is not None and v is not pd.NA and bool(np.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def unit_label(unit_id: str, area_names: dict[str, str]) -> str:
    """An area's name, "området X" for an EST area unit, or the place name itself."""
    u = str(unit_id)
    for prefix in ("area:", "place-in:"):  # an EST area; a place the public version shows as its area
        if u.startswith(prefix):
            return area_names.get(u[len(prefix):], u[len(prefix):])
    return area_names.get(u, u)


def indicator_label(kind: str, measure_id: str, unit_id: str, families, area_names: dict[str, str]) -> str:
    """E.g. "Anmälda brott: skadegörelse och klotter i Råby", "EST-rapporter: nedskräpning vid
    Råby torg", "Trygghetsmätningen: andel otrygga ute sen kväll i Råby"."""
    where = unit_label(unit_id, area_names)
    if kind == "crime":
        return f"Anmälda brott: {families.label_sv(measure_id).lower()} i {where}"
    if kind == "est":
        prep = "i" if str(unit_id).startswith(("area:", "place-in:")) else "vid"
        return f"EST-rapporter: {str(measure_id).lower()} {prep} {where}"
    if kind == "survey":
        return f"Trygghetsmätningen: {SURVEY_SV.get(measure_id, measure_id)} i {where}"
    return str(measure_id)


def _change_parts(row) -> tuple[bool, float, float, float] | None:
    """(is a survey share, estimate, lower, upper) of an effect row: for survey shares the
    difference in percentage points, for counts the rate ratio as a change in percent; None
    without an estimate."""
    survey = row.get("kind") == "survey"
    est = row.get("diff_pp") if survey else row.get("rate_ratio")
    if not is_finite(est):
        return None
    if survey:
        return True, est, row["ci_low_pp"], row["ci_high_pp"]
    return False, 100 * (est - 1), 100 * (row["ci_low"] - 1), 100 * (row["ci_high"] - 1)


def _signed(v) -> str:
    return fmt_num(v, 0, signed=True)


def _signed_pct(v) -> str:
    return fmt_pct(v, 0, signed=True)


def change_text(row) -> str:
    """The effect in words: "−42 % jämfört med jämförelseområdena (95 % KI −61 till −15 %)" for
    counts; "+16 procentenheter mer än i jämförelseområdena (KI …)" for survey shares."""
    parts = _change_parts(row)
    if parts is None:
        return "–"
    survey, est, low, high = parts
    if survey:
        return (f"{_signed(est)} procentenheter jämfört med jämförelseområdena "
                f"(95 % KI {_signed(low)} till {_signed(high)})")
    return (f"{_signed_pct(est)} jämfört med jämförelseområdena "
            f"(95 % KI {_signed_pct(low)} till {_signed_pct(high)})")


def status_sv(code) -> str:
    return STATUS_SV.get(code, "–") if isinstance(code, str) else "–"


def short_change(row) -> str:
    """The change with its interval, compactly: "−47 % (KI −68 till −14 %)" or "+22 p.e. (KI +4 till +39)"."""
    parts = _change_parts(row)
    if parts is None:
        return "–"
    survey, est, low, high = parts
    if survey:
        return f"{_signed(est)} procentenheter (KI {_signed(low)} till {_signed(high)})"
    return f"{_signed_pct(est)} (KI {_signed(low)} till {_signed_pct(high)})"


_CAVEAT_TAGS = (("Få händelser", "få händelser"), ("Få svar", "få svar"),
                ("Perioden före var den högsta", "möjlig återgång mot medelvärdet"),
                ("Redan året före", "olika utveckling redan före"),
                ("Uppgifterna räcker inte ett år bakåt", "utan säsongskontroll"),
                ("Det behövs en trygghetsmätning", "mätning saknas före eller efter"),
                ("Jämförelse saknas", "jämförelse saknas"), ("för tidigt", "för tidigt"),
                ("uppgifter saknas", "uppgifter saknas före"), ("Underlaget för indikatorn saknas", "underlag saknas"),
                ("Siffrorna visas inte", "siffror visas inte (röjandekontroll)"))


def caveat_tags(text) -> str:
    """The caveat sentences of an effect row as short tags for tables ("få händelser;
    utan säsongskontroll"); the model's own reason when it could not be estimated."""
    if not isinstance(text, str) or not text.strip():
        return "–"
    tags = []
    for sentence in text.split("\n"):
        s = sentence.strip()
        if s.startswith("Modellen kunde inte skattas: "):
            tags.append(s.removeprefix("Modellen kunde inte skattas: ").rstrip("."))
            continue
        tags += [tag for prefix, tag in _CAVEAT_TAGS if s.lower().startswith(prefix.lower())]
    return "; ".join(dict.fromkeys(tags)) or "–"
