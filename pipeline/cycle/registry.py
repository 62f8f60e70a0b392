"""The registry of the work: problembild → åtgärder → medborgarlöften, plus the filled-in cause trees.

Analysts keep it in one Excel workbook (docs/data-contract.md, "Handlingsplan och
medborgarlöften") with four sheets; :mod:`pipeline.cycle.workbook` writes a template from the
ranked problembilder and reads the file. This module is pure: it takes the sheets as frames of
text and returns canonical frames plus every problem found, one line each, naming the file,
sheet, row and column, what was expected and how to fix it.

Rules (each has its own test in tests/unit/cycle/test_registry.py):

1. a löfte's period is April–September or October–March (:func:`periods.parse_period`);
2. every action has a responsible organisation;
3. every löfte names an indicator the pipeline can compute: a crime family × area
   (``brott``), an EST type × place (``EST``) or a survey item × area (``enkät``);

and the bookkeeping that makes the other rules meaningful: ids present and unique, references
to existing problembilder/löften, readable dates with end ≥ start, a known status, a done date
for every finished action, a known area and family for every problembild.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

import pandas as pd

from pipeline.cycle.periods import PeriodError, parse_period

SHEETS = {"problems": "Problembilder", "actions": "Åtgärder", "promises": "Medborgarlöften", "causes": "Orsaksanalys"}
# Swedish header (as in the template) → canonical column, per sheet; matching ignores case and spacing
HEADERS = {
    "problems": {"Problem-id": "problem_id", "Rang": "rank", "Område": "area", "Problemområde": "problem",
                 "Prioriterad": "is_prioritised", "Motivering": "motivation", "Lägesbild år": "report_year"},
    "actions": {"Åtgärd-id": "action_id", "Problem-id": "problem_id", "Löfte-id": "promise_id", "Åtgärd": "what",
                "Ansvarig organisation": "organisation", "Ansvarig roll": "role", "Start": "start", "Slut": "end",
                "Status": "status", "Klar datum": "done_on", "Uppföljning": "notes"},
    "promises": {"Löfte-id": "promise_id", "Problem-id": "problem_id", "Löfte": "text", "Period": "period",
                 "Indikatortyp": "indicator_kind", "Mått": "measure", "Område eller plats": "place",
                 "Utgångsvärde": "baseline", "Mål": "goal"},
    "causes": {"Problem-id": "problem_id", "Perspektiv": "perspective", "Orsak": "cause",
               "Bakomliggande orsak": "root_cause", "Belägg": "evidence", "Åtgärd-id": "action_id",
               "Frågor att besvara": "guidance"},
}
REQUIRED = {"problems": ("problem_id", "area", "problem"),
            "actions": ("action_id", "problem_id", "what", "organisation", "start", "end", "status"),
            "promises": ("promise_id", "problem_id", "text", "period", "indicator_kind", "measure", "place"),
            "causes": ("problem_id", "perspective", "cause")}
STATUS = {"planerad": "planned", "ej påbörjad": "planned", "pågår": "ongoing", "påbörjad": "ongoing",
          "klar": "done", "genomförd": "done", "slutförd": "done", "inställd": "cancelled", "avbruten": "cancelled"}
STATUS_SV = {"planned": "planerad", "ongoing": "pågår", "done": "klar", "cancelled": "inställd"}
KINDS = {"brott": "crime", "anmälda brott": "crime", "est": "est", "enkät": "survey", "trygghetsmätning": "survey"}
KIND_SV = {"crime": "brott", "est": "EST", "survey": "enkät"}
PERSPECTIVES = {"plats": "situation", "situation": "situation", "situationell": "situation", "plats/situation": "situation",
                "offer": "victim", "brottsoffer": "victim", "gärningsperson": "offender", "gärningspersoner": "offender"}
PERSPECTIVE_SV = {"situation": "Plats/situation", "victim": "Offer", "offender": "Gärningsperson"}
YES = {"ja", "j", "x", "1", "true", "yes"}
# Free text an analyst writes, scrubbed of personal data on reading (the reports, the public one
# too, and the follow-up tables show it): everything but ids, codes, dates, statuses and the
# indicator's structured cells
FREE_TEXT = {"problems": ("motivation",), "actions": ("what", "organisation", "role", "notes"),
             "promises": ("text", "baseline", "goal"),
             "causes": ("cause", "root_cause", "evidence", "guidance")}


@dataclass(frozen=True)
class Vocabulary:
    """What the pipeline can compute, from the run's processed tables.

    areas: area_id → area_name; families: family id → Swedish label; est_types: EST types seen
    or configured; places: EST/gazetteer place names; survey_indicators: indicator id →
    Swedish label (``unsafe_evening``, ``big_problem_<item>``).
    """

    areas: dict[str, str]
    families: dict[str, str]
    est_types: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    survey_indicators: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Issue:
    """One problem in the registry; ``severity`` "error" stops the commands, "warning" is printed."""

    where: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Registry:
    """Canonical frames (see :data:`HEADERS`; sheet rows in ``row``, 1-based as Excel shows them
    with the header on row 1) and every issue found."""

    problems: pd.DataFrame
    actions: pd.DataFrame
    promises: pd.DataFrame
    causes: pd.DataFrame
    issues: tuple[Issue, ...] = ()
    source: str = ""
    scrubbed: dict[str, int] = field(default_factory=dict)  # personal data removed, per kind

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


def _key(text) -> str:
    return re.sub(r"[\s_\-/]+", "", str(text).strip().lower())


def _na(v) -> bool:
    """A missing canonical value (None, NaN or NA: pandas turns None into NaN in text columns)."""
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT


def _text(v) -> str:
    """A cell as stripped text; empty for NA."""
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return ""
    s = str(v).strip()
    return "" if s.lower() in ("nan", "none", "nat") else s


def _canonical(raw: pd.DataFrame, kind: str, where: str, issues: list[Issue], absent: set) -> pd.DataFrame:
    """Rename the sheet's headers to canonical names; missing required columns are errors (one
    line for the column, none for its cells: they are added to ``absent``)."""
    lookup = {_key(sv): canon for sv, canon in HEADERS[kind].items()}
    lookup.update({_key(canon): canon for canon in HEADERS[kind].values()})
    ren = {c: lookup[_key(c)] for c in raw.columns if _key(c) in lookup}
    df = raw.rename(columns=ren)
    for col in HEADERS[kind].values():
        if col not in df.columns:
            if col in REQUIRED[kind]:
                sv = next(s for s, c in HEADERS[kind].items() if c == col)
                issues.append(Issue(where, f"column '{sv}' is missing; add it (the template has every column)"))
                absent.add((kind, col))
            df[col] = ""
    df = df[list(HEADERS[kind].values())].map(_text)
    df.insert(0, "row", range(2, len(df) + 2))
    # rows left completely empty (Excel keeps formatted blank rows) are not data
    keep = (df.drop(columns="row") != "").any(axis=1)
    return df[keep].reset_index(drop=True)


def _date(value: str) -> dt.date | None:
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1))
        except ValueError:
            return None
    if re.fullmatch(r"\d{5}(\.0+)?", value):  # Excel serial day
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(value)))
    return None


def _suggest(value: str, options) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def resolve_area(value: str, vocab: Vocabulary) -> str | None:
    """area_id of an area written by name (case-insensitive, å/ä/ö kept) or by id."""
    v = value.strip().casefold()
    for aid, name in vocab.areas.items():
        if v in (aid.casefold(), name.casefold()):
            return aid
    return None


def resolve_family(value: str, vocab: Vocabulary) -> str | None:
    v = value.strip().casefold()
    for fid, label in vocab.families.items():
        if v in (fid.casefold(), label.casefold()):
            return fid
    return None


def resolve_indicator(kind: str, measure: str, place: str, vocab: Vocabulary
                      ) -> tuple[str | None, str | None, str, str]:
    """(measure id, unit id, column, problem) for a löfte's indicator; ``problem`` is "" when
    computable, else what is wrong and how to fix it, and ``column`` the one to fix ("measure"
    or "place"). An EST unit is a place name, or ``area:<area_id>`` for a whole area."""
    if kind == "crime":
        fam, aid = resolve_family(measure, vocab), resolve_area(place, vocab)
        if fam is None:
            return None, None, "measure", (f"'{measure}' is no crime family; use one of "
                                           f"{', '.join(vocab.families.values())}"
                                           f"{_suggest(measure, vocab.families.values())}")
        if aid is None:
            return None, None, "place", f"'{place}' is no area of the kommun{_suggest(place, vocab.areas.values())}"
        return fam, aid, "", ""
    if kind == "est":
        types = {t.casefold(): t for t in vocab.est_types}
        if measure.casefold() not in types:
            return None, None, "measure", (f"'{measure}' is no EST type in the EST reports; use one of "
                                           f"{', '.join(sorted(vocab.est_types)) or '(no EST reports ingested)'}")
        places = {p.casefold(): p for p in vocab.places}
        if place.casefold() in places:
            return types[measure.casefold()], places[place.casefold()], "", ""
        aid = resolve_area(place, vocab)
        if aid is not None:
            return types[measure.casefold()], f"area:{aid}", "", ""
        return None, None, "place", f"'{place}' is no EST place or area{_suggest(place, list(places.values()))}"
    if kind == "survey":
        ind = {k.casefold(): k for k in vocab.survey_indicators}
        ind.update({v.casefold(): k for k, v in vocab.survey_indicators.items()})
        if measure.casefold() not in ind:
            return None, None, "measure", (f"'{measure}' is no survey item; use one of "
                                           f"{', '.join(vocab.survey_indicators.values())}")
        aid = resolve_area(place, vocab)
        if aid is None:
            return None, None, "place", f"'{place}' is no area of the kommun{_suggest(place, vocab.areas.values())}"
        return ind[measure.casefold()], aid, "", ""
    return None, None, "indicator_kind", f"indicator type '{kind}' unknown"


def validate_registry(sheets: dict[str, pd.DataFrame], vocab: Vocabulary, source: str = "registry") -> Registry:
    """Check every rule on the registry's sheets and return canonical frames with the issues.

    ``sheets`` maps sheet names (as in the workbook) to frames of text cells. Canonical columns
    added: problems.area_id, problems.family; actions.start_date, end_date, done_date,
    status_code; promises.period_id, period_start, period_end, kind, measure_id, unit_id.
    """
    issues: list[Issue] = []
    by_name = {_key(k): v for k, v in sheets.items()}
    frames, absent = {}, set()
    for kind, sheet in SHEETS.items():
        raw = by_name.get(_key(sheet))
        if raw is None:
            if kind != "causes":
                issues.append(Issue(f"{source}", f"sheet '{sheet}' is missing; add it (see the template from "
                                                  "`lagesbild registry-template`)"))
            raw = pd.DataFrame(columns=list(HEADERS[kind]))
        frames[kind] = _canonical(raw, kind, f"{source}, sheet {sheet}", issues, absent)
    scrubbed = _scrub_free_text(frames, frozenset(vocab.areas.values()) | frozenset(vocab.places))
    if any(scrubbed.values()):
        found = ", ".join(f"{n} {kind}" for kind, n in scrubbed.items() if n)
        issues.append(Issue(source, f"personal data removed from the free text ({found}); the reports show the "
                                    "text without it: name roles, not persons, and remove the details from the "
                                    "workbook", "warning"))

    def at(kind: str, row: int, col: str) -> str:
        sv = next(s for s, c in HEADERS[kind].items() if c == col)
        return f"{source}, sheet {SHEETS[kind]}, row {row}, column {sv}"

    for kind, frame in frames.items():
        for _, r in frame.iterrows():
            if kind == "causes" and r["cause"] == "":
                continue  # a template row not filled in yet
            for col in REQUIRED[kind]:
                if r[col] == "" and (kind, col) not in absent and not (kind == "actions" and col == "organisation"):
                    issues.append(Issue(at(kind, r["row"], col), "is empty; fill it in"))
    for kind, id_col in (("problems", "problem_id"), ("actions", "action_id"), ("promises", "promise_id")):
        f = frames[kind]
        dup = f[(f[id_col] != "") & f[id_col].duplicated(keep="first")]
        for _, r in dup.iterrows():
            issues.append(Issue(at(kind, r["row"], id_col), f"'{r[id_col]}' is used twice; give each row its own id"))

    p = frames["problems"]
    p["area_id"] = [resolve_area(a, vocab) if a else None for a in p["area"]]
    p["family"] = [resolve_family(f, vocab) if f else None for f in p["problem"]]
    for _, r in p.iterrows():
        if r["area"] and _na(r["area_id"]):
            issues.append(Issue(at("problems", r["row"], "area"),
                                f"'{r['area']}' is no area of the kommun{_suggest(r['area'], vocab.areas.values())}"))
        if r["problem"] and _na(r["family"]):
            issues.append(Issue(at("problems", r["row"], "problem"), f"'{r['problem']}' is no problem family; use one of "
                                f"{', '.join(vocab.families.values())}"))
    p["is_prioritised"] = p["is_prioritised"].str.lower().isin(YES) | (p["is_prioritised"] == "")
    problem_ids = set(p["problem_id"]) - {""}

    a = frames["actions"]
    a["start_date"] = [_date(v) for v in a["start"]]
    a["end_date"] = [_date(v) for v in a["end"]]
    a["done_date"] = [_date(v) for v in a["done_on"]]
    a["status_code"] = [STATUS.get(s.lower()) for s in a["status"]]
    for _, r in a.iterrows():
        if r["organisation"] == "" and ("actions", "organisation") not in absent:
            issues.append(Issue(at("actions", r["row"], "organisation"),
                                f"action '{r['action_id'] or r['what'][:40]}' has no responsible organisation; every "
                                "action needs one (the role may stay empty)"))
        elif r["role"] == "":
            issues.append(Issue(at("actions", r["row"], "role"), "no responsible role given; name the role "
                                "(e.g. Trygghetssamordnare), not a person", "warning"))
        for col, dcol in (("start", "start_date"), ("end", "end_date"), ("done_on", "done_date")):
            if r[col] and _na(r[dcol]):
                issues.append(Issue(at("actions", r["row"], col), f"'{r[col]}' is no date; write it as YYYY-MM-DD"))
        if not _na(r["start_date"]) and not _na(r["end_date"]) and r["end_date"] < r["start_date"]:
            issues.append(Issue(at("actions", r["row"], "end"), f"ends {r['end_date']} before it starts "
                                f"{r['start_date']}; swap or correct the dates"))
        if r["status"] and _na(r["status_code"]):
            issues.append(Issue(at("actions", r["row"], "status"), f"'{r['status']}' is no status; use planerad, "
                                "pågår, klar or inställd"))
        if r["status_code"] == "done" and _na(r["done_date"]) and not r["done_on"]:
            issues.append(Issue(at("actions", r["row"], "done_on"), "the action is klar but has no date; "
                                "write the day it was done (YYYY-MM-DD)"))
        if r["problem_id"] and r["problem_id"] not in problem_ids:
            issues.append(Issue(at("actions", r["row"], "problem_id"), f"'{r['problem_id']}' is in no row of "
                                f"{SHEETS['problems']}; add the problembild or correct the id"))

    q = frames["promises"]
    parsed = []
    for _, r in q.iterrows():
        try:
            parsed.append(parse_period(r["period"]) if r["period"] else None)
        except PeriodError as exc:
            parsed.append(None)
            issues.append(Issue(at("promises", r["row"], "period"), str(exc)))
    q["period_id"] = [pp.id if pp else None for pp in parsed]
    q["period_start"] = [pp.start if pp else None for pp in parsed]
    q["period_end"] = [pp.end if pp else None for pp in parsed]
    q["kind"] = [KINDS.get(k.lower()) for k in q["indicator_kind"]]
    measure_ids, unit_ids = [], []
    for _, r in q.iterrows():
        m_id = u_id = None
        if r["indicator_kind"] and _na(r["kind"]):
            issues.append(Issue(at("promises", r["row"], "indicator_kind"), f"'{r['indicator_kind']}' is no "
                                "indicator type; use brott (crime family × area), EST (EST type × place) or enkät "
                                "(survey item × area)"))
        elif not _na(r["kind"]) and r["measure"] and r["place"]:
            m_id, u_id, col, why = resolve_indicator(r["kind"], r["measure"], r["place"], vocab)
            if why:
                issues.append(Issue(at("promises", r["row"], col), f"the indicator cannot be computed: {why}"))
        measure_ids.append(m_id)
        unit_ids.append(u_id)
        if r["problem_id"] and r["problem_id"] not in problem_ids:
            issues.append(Issue(at("promises", r["row"], "problem_id"), f"'{r['problem_id']}' is in no row of "
                                f"{SHEETS['problems']}; add the problembild or correct the id"))
    q["measure_id"], q["unit_id"] = measure_ids, unit_ids
    promise_ids = set(q["promise_id"]) - {""}
    for _, r in a.iterrows():
        if r["promise_id"] and r["promise_id"] not in promise_ids:
            issues.append(Issue(at("actions", r["row"], "promise_id"), f"'{r['promise_id']}' is in no row of "
                                f"{SHEETS['promises']}; add the löfte or leave the cell empty"))

    c = frames["causes"]
    c["perspective_code"] = [PERSPECTIVES.get(v.lower()) for v in c["perspective"]]
    action_ids = set(a["action_id"]) - {""}
    for _, r in c.iterrows():
        if r["perspective"] and _na(r["perspective_code"]):
            issues.append(Issue(at("causes", r["row"], "perspective"), f"'{r['perspective']}' is no perspective; "
                                "use Plats/situation, Offer or Gärningsperson"))
        if r["problem_id"] and r["problem_id"] not in problem_ids:
            issues.append(Issue(at("causes", r["row"], "problem_id"), f"'{r['problem_id']}' is in no row of "
                                f"{SHEETS['problems']}"))
        for aid in re.split(r"[,;\s]+", r["action_id"]):
            if aid and aid not in action_ids:
                issues.append(Issue(at("causes", r["row"], "action_id"), f"'{aid}' is in no row of {SHEETS['actions']}"))
    # the template's guidance rows have no cause yet: not data
    c = c[c["cause"] != ""].reset_index(drop=True)
    return Registry(problems=p, actions=a, promises=q, causes=c, issues=tuple(issues), source=source,
                    scrubbed=scrubbed)


def _scrub_free_text(frames: dict[str, pd.DataFrame], allow: frozenset[str]) -> dict[str, int]:
    """Remove personal data from the :data:`FREE_TEXT` cells of the canonical frames, in place,
    before any message or report uses them (:func:`pipeline.text.scrub.scrub`, with the
    kommun's area and place names allowed and a lone genitive surname removed, as for staff
    notes). Returns the removals per kind."""
    from pipeline.text.scrub import KINDS, scrub_series

    total = dict.fromkeys(KINDS, 0)
    for kind, cols in FREE_TEXT.items():
        for col in cols:
            frames[kind][col], found = scrub_series(frames[kind][col], allow, genitive_surnames=True)
            for k, n in found.items():
                total[k] += n
    return total
