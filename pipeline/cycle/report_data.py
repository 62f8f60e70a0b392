"""What the lägesbild's chapters Orsaksanalys, Handlingsplan och medborgarlöften and Uppföljning
show from the registry and its evaluation, and the public version of it.

:class:`CycleReport` is loaded by the report stage (:func:`load_cycle_report`, shell) and passed
on :class:`pipeline.report.inputs.ReportInputs`; the chapters are in pipeline/report/chapters/
(orsaksanalys.py, handlingsplan.py, uppfoljning.py). :func:`public_cycle` makes the public
version: the deep-dive profiles (places, cells, small counts) are dropped, counts of events
before/during are dropped (a half-year count beside the published yearly counts could give a
small one away; the verdict and the percentage change stay; the counts the caveats quote in brackets
go too), notes and roles are dropped, and every place name finer than an area in a registry
text is replaced by its area. The change and its interval are dropped too where the indicator is
a place finer than an area or a window holds fewer than ``privacy.min_count`` events
(``survey.min_n`` answers): only the verdict is shown there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.cycle.registry import Registry


@dataclass(frozen=True)
class CycleReport:
    registry: Registry | None
    promise_effects: pd.DataFrame
    problem_effects: pd.DataFrame
    displacement: pd.DataFrame
    action_status: pd.DataFrame
    process_summary: pd.DataFrame
    profiles: list = field(default_factory=list)   # profile.Profile per prioritised problembild
    facts: dict = field(default_factory=dict)      # (area_id, problem) → profile sentences
    as_of: object = None
    place_areas: dict = field(default_factory=dict)  # place names finer than an area → the area's name
    public: bool = False
    min_count: int = 5       # privacy.min_count: a window count under it keeps its effect's numbers out of public
    survey_min_n: int = 30   # survey.min_n: fewer answers before or after likewise

    @property
    def prioritised(self) -> pd.DataFrame:
        if self.registry is None:
            return pd.DataFrame(columns=["problem_id", "area", "problem", "area_id", "family"])
        return self.registry.problems[self.registry.problems["is_prioritised"]]


def registry_gaps(cycle: CycleReport | None) -> dict[str, str]:
    """What keeps each chapter the registry fills from being filled (analyst text name → what is
    missing, in Swedish); a chapter that is filled is absent. Without a registry every chapter
    is missing with "" (the analysts' text stands in)."""
    names = ("orsaksanalys", "handlingsplan", "medborgarloften", "uppfoljning")
    if cycle is None or cycle.registry is None:
        return dict.fromkeys(names, "")
    reg, pids = cycle.registry, list(dict.fromkeys(cycle.prioritised["problem_id"]))
    gaps = {}
    if not pids:
        gaps["orsaksanalys"] = gaps["handlingsplan"] = "ingen problembild är markerad som prioriterad"
    else:
        for name, frame, what in (("orsaksanalys", reg.causes, "orsaker"), ("handlingsplan", reg.actions, "åtgärder")):
            lack = [p for p in pids if p not in set(frame["problem_id"])]
            if lack:
                gaps[name] = f"{what} saknas för {', '.join(lack)}"
    if not len(reg.promises):
        gaps["medborgarloften"] = "inga medborgarlöften i registret"
    status = cycle.action_status if cycle.action_status is not None else pd.DataFrame()
    followed = len(cycle.promise_effects) or bool(status.get("is_due", pd.Series(dtype=bool)).any())
    if not (len(reg.actions) or len(reg.promises)) or not followed:
        # the prioritised problembilder's own development alone is no follow-up of the work
        gaps["uppfoljning"] = "inga åtgärder eller löften att följa upp ännu"
    return gaps


def filled_from_registry(cycle: CycleReport | None) -> set[str]:
    """The analyst texts (reports/text/<name>.md) the registry stands in for: orsaksanalys when
    every prioritised problembild has a cause tree, handlingsplan when each has an action,
    medborgarloften when there is a löfte, uppfoljning when an action was due or a löfte was
    evaluated. These chapters are then filled and no longer keep the report a draft; a template
    nobody has filled in fills none (:func:`registry_gaps` says what is missing)."""
    if cycle is None or cycle.registry is None:
        return set()
    return {"orsaksanalys", "handlingsplan", "medborgarloften", "uppfoljning"} - set(registry_gaps(cycle))


def draft_reasons(analyst_texts: dict[str, str] | None, cycle: CycleReport | None) -> list[str]:
    """Why the lägesbild is still a draft, in Swedish ("sammanfattningen", "orsaksanalysen
    (orsaker saknas för P3)"): every analyst text not written whose chapter the registry does not
    fill either. Empty: the lägesbild is final. The report's status line
    (:func:`pipeline.report.document.draft_status`) and ``lagesbild status`` both use it."""
    from pipeline.report.inputs import ANALYST_SV, missing_analyst_texts

    filled, gaps = filled_from_registry(cycle), registry_gaps(cycle)
    return [ANALYST_SV.get(m, m) + (f" ({gaps[m]})" if gaps.get(m) else "")
            for m in missing_analyst_texts(analyst_texts) if m not in filled]


def mask_places(text, places: dict[str, str]) -> str:
    """``text`` with every place name of ``places`` (place → area name) replaced by "<area>"
    (whole words, longest names first)."""
    if not isinstance(text, str) or not places:
        return text
    for place in sorted(places, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(place)}(?!\w)", places[place], text, flags=re.IGNORECASE)
    return text


# an effect's numbers (the change and its interval); the verdict stays
EFFECT_NUMBERS = ("rate_ratio", "ci_low", "ci_high", "p_value", "nb_alpha", "diff_pp", "ci_low_pp", "ci_high_pp")
HIDDEN_SV = "Siffrorna visas inte i den publika versionen"


def public_effect_numbers(f: pd.DataFrame, places: dict[str, str], min_count: int, survey_min_n: int) -> np.ndarray:
    """Which effect rows may show their numbers publicly: not when the indicator is a place finer
    than an area (a figure about a place would be finer than the public rules allow), and not when
    a window holds a count under ``min_count`` (for a survey: fewer than ``survey_min_n`` answers
    before or after), since the change of a suppressed count is a suppressed figure."""
    unit = f["unit_id"].astype(object)
    finer = unit.map(lambda u: isinstance(u, str) and u in places).to_numpy(bool)
    nb = pd.to_numeric(f.get("n_before"), errors="coerce")
    nd = pd.to_numeric(f.get("n_during"), errors="coerce")
    floor = np.where(f["kind"].astype(str).eq("survey"), survey_min_n, min_count)
    small = ((nb < floor) | (nd < floor)).fillna(False).to_numpy(bool)
    return ~(finer | small)


def public_cycle(cycle: CycleReport | None) -> CycleReport | None:
    """The public version (see the module doc): also, an effect whose indicator is finer than an
    area or rests on a small count shows its verdict but no number (:func:`public_effect_numbers`)."""
    if cycle is None:
        return None
    places = cycle.place_areas
    reg = cycle.registry
    if reg is not None:
        texts = {"problems": ["motivation"], "actions": ["what", "notes"], "promises": ["text", "goal", "place"],
                 "causes": ["cause", "root_cause", "evidence"]}
        frames = {}
        for kind, cols in texts.items():
            f = getattr(reg, kind).copy()
            for c in cols:
                f[c] = f[c].map(lambda t: mask_places(t, places))
            frames[kind] = f
        frames["actions"] = frames["actions"].assign(notes="", role="")
        frames["promises"]["unit_id"] = frames["promises"]["unit_id"].map(
            lambda u: u if not isinstance(u, str) or u not in places else f"place-in:{places[u]}")
        reg = dataclasses.replace(reg, **frames)
    drop = ["n_before", "n_during", "n_comparison_before", "n_comparison_during", "comparison_units",
            "share_before_pct", "share_after_pct"]

    def effects(f: pd.DataFrame) -> pd.DataFrame:
        if f is None or f.empty:
            return f
        shown = public_effect_numbers(f, places, cycle.min_count, cycle.survey_min_n)
        f = f.drop(columns=[c for c in drop if c in f.columns])
        for c in [c for c in EFFECT_NUMBERS if c in f.columns]:
            f[c] = pd.to_numeric(f[c], errors="coerce").astype(float).where(shown)
        f["caveats"] = [c if ok else "\n".join(x for x in (str(c) if isinstance(c, str) else "", HIDDEN_SV + ": de "
                        "bygger på en plats eller på få händelser eller svar.") if x)
                        for c, ok in zip(f.get("caveats", pd.Series([""] * len(f), index=f.index)), shown)]
        f["unit_id"] = f["unit_id"].map(lambda u: u if not isinstance(u, str) or u not in places
                                        else f"place-in:{places[u]}")
        if "caveats" in f.columns:
            # counts and ratios the caveats quote in brackets ("(12 före, 3 under)", "(31 mot högst 24
            # tidigare)", "(14 och 22)", "(kvot 0,85)") stay internal
            f["caveats"] = f["caveats"].map(lambda t: mask_places(re.sub(r"\s*\([^()]*\d[^()]*\)", "", t)
                                                                  if isinstance(t, str) else t, places))
        return f

    status = cycle.action_status
    if status is not None and len(status):
        status = status.assign(notes="", role="", what=status["what"].map(lambda t: mask_places(t, places)))
    return dataclasses.replace(cycle, registry=reg, promise_effects=effects(cycle.promise_effects),
                               problem_effects=effects(cycle.problem_effects),
                               displacement=cycle.displacement.iloc[0:0] if cycle.displacement is not None else None,
                               action_status=status, profiles=[], facts={}, public=True)


def load_cycle_report(run, params, families, with_profiles: bool = True) -> CycleReport | None:
    """The registry, the evaluate stage's tables and the profiles of the prioritised
    problembilder (or, without a registry, of the top problembilder). ``with_profiles=False``
    (a report without the orsaksanalys chapter, the only one that shows them) leaves the
    profiles empty."""
    from pipeline import io
    from pipeline.cycle.commands import load_registry, profiles, read_evaluation
    from pipeline.cycle.profile import profile_facts

    reg = load_registry(run, params, families)
    ev = read_evaluation(run)
    if reg is not None:
        top = reg.problems[reg.problems["is_prioritised"]].dropna(subset=["area_id", "family"])
        top = pd.DataFrame({"area_id": top["area_id"], "problem": top["family"]})
    else:  # no registry yet: the profiles of the top problembilder still support the analysis
        path = run.processed / "problembilder.csv"
        pb = io.read_frame(path).sort_values("rank").head(params.cycle.prioritised) if path.exists() else None
        if pb is None or pb.empty:
            pb = pd.DataFrame(columns=["area_id", "problem"])
        top = pd.DataFrame({"area_id": pb["area_id"].astype(str), "problem": pb["problem"]})
    # a lägesbild from public events only has no located crime: nothing to profile
    located = io.frame_rows(run.core("incidents")) > 0
    profs = profiles(run, params, families, top) if with_profiles and located and len(top) else []
    areas = io.read_frame(run.core("areas"))
    names = dict(zip(areas["area_id"].astype(str), areas["area_name"]))
    places = {}
    for table in ("gazetteer", "est_reports"):
        f = io.read_frame(run.core(table)).dropna(subset=["place_name", "area_id"])
        places.update({p: names.get(str(a), str(a)) for p, a in zip(f["place_name"], f["area_id"])
                       if p not in names.values()})
    return CycleReport(registry=reg, promise_effects=ev["promise_effects"], problem_effects=ev["problem_effects"],
                       displacement=ev["displacement"], action_status=ev["action_status"],
                       process_summary=ev["process_summary"], profiles=profs,
                       facts={(p.area_id, p.problem): profile_facts(p) for p in profs},
                       as_of=dt.date(params.kommun.year, 12, 31), place_areas=places,
                       min_count=params.privacy.min_count, survey_min_n=params.survey.min_n)
