"""Swedish wording for codes the pipeline writes in English (quarantine reasons, sources)."""

from __future__ import annotations

import re

# Score components (pipeline.scoring.components.COMPONENTS) in plain Swedish.
COMPONENT_SV = {
    "harm_volume": "Skadevärde och volym", "rate_ratio": "Avvikelse mot kommunen", "trend": "Trend",
    "concentration": "Koncentration till platser", "signal": "Signalbrott", "survey_unsafe": "Otrygghet (enkät)",
    "survey_problem": "Upplevt problem (enkät)", "notes": "Medarbetardialog", "est": "EST-rapporter",
    "triangulation": "Källor som stämmer överens", "events": "Polisens händelser",
}


def component_sv(component: str) -> str:
    """The Swedish name of a score component (a new one is shown by its code until named here)."""
    return COMPONENT_SV.get(component, component.replace("_", " "))


# Survey indicators (pipeline.stats.survey) as the report and the registry name them.
INDICATOR_SV = {
    "unsafe_evening": "Otrygg ute sen kväll",
    "big_problem_littering": "Nedskräpning",
    "big_problem_graffiti_vandalism": "Klotter och skadegörelse",
    "big_problem_disruptive_driving": "Störande bilkörning",
    "big_problem_intoxicated_people": "Påverkade personer",
    "big_problem_drug_dealing": "Narkotikaförsäljning",
    "big_problem_youth_groups": "Ungdomsgrupper som stör",
    "big_problem_residential_burglary": "Bostadsinbrott",
    "big_problem_public_violence": "Våld på allmän plats",
}

TREND_SV = {"rising": "ökande", "falling": "minskande", "stable": "ingen säker trend"}
SOURCE_SV = {"crimes": "Anmälda brott", "police_events": "Polisens händelser", "survey": "Trygghetsmätning",
             "notes": "Medarbetardialog", "est": "EST-rapporter", "areas": "Områden", "population": "Befolkning",
             "gazetteer": "Ortnamn"}

# Quarantine reasons as ingest writes them (pipeline/ingest/*) → report wording; first match wins.
_REASONS_SV = [
    (r"^duplicate$", "dubblett (exakt kopia av en tidigare rad)"),
    (r"^duplicate note$", "dubblett (samma datum, verksamhet och text)"),
    (r"^duplicate incident id$", "dubblett av diarienummer"),
    (r"^duplicate (note |area )?id$", "dubblett av id"),
    (r"^duplicate place$", "dubblett av ortnamn"),
    (r"^missing date$", "datum saknas"),
    (r"^bad date$", "omöjligt datum"),
    (r"^date outside (.+)$", r"datum utanför perioden \1"),
    (r"^missing crime category$", "brottskategori saknas"),
    (r"^unmapped crime category (.*)$", r"brottskategori utan problemområde: \1"),
    (r"^excluded crime category (.*)$", r"brottskategori utesluten i konfigurationen: \1"),
    (r"^missing coordinates$", "koordinater saknas"),
    (r"^outside the kommun$", "utanför kommunen"),
    (r"^other kommun$", "annan kommun"),
    (r"^missing kommun$", "kommun saknas"),
    (r"^missing area name$", "områdesnamn saknas"),
    (r"^empty or non-polygon geometry$", "tom eller felaktig geometri"),
    (r"^unknown area(.*)$", r"okänt område\1"),
    (r"^missing area$", "område saknas"),
    (r"^missing text$", "text saknas"),
    (r"^missing type$", "händelsetyp saknas"),
    (r"^missing place$", "plats saknas"),
]


def reason_sv(reason: str) -> str:
    """The Swedish wording of a quarantine reason; unknown reasons are shown as written."""
    for pattern, repl in _REASONS_SV:
        if re.match(pattern, reason):
            return re.sub(pattern, repl, reason)
    return reason


def reason_kind(reason: str) -> str:
    """The Swedish wording of a quarantine reason without what the raw row wrote (the part a
    pattern captures, e.g. an unknown category name): for the public version."""
    for pattern, repl in _REASONS_SV:
        if re.match(pattern, reason):
            return re.sub(r"[:\s]*\\\d.*$", "", repl).strip() or repl
    return "annat skäl"
