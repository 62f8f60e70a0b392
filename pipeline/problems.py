"""Problem families: the one vocabulary that crime data, Polisen's events, survey items, notes
and EST share, and the taxonomy that maps crime labels onto it.

Loaded from ``defaults/problem_families.yaml`` or the user's own file (``sources.crimes.categories``).
A crime label or event type ends in exactly one of: a family, ``non_crime`` (not a crime:
accidents, alarms, summaries), ``exclude`` (a crime deliberately left out, with its reason), or
nothing (unknown: reported, never dropped silently). The rule syntax is documented at the top
of the YAML file and in :func:`rule_matches`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from pipeline.errors import DataError

# Layers carry two problems that are not families: all crime, and all crime weighted by harm.
PSEUDO_FAMILIES_SV = {"all": "Alla brott", "harm": "Alla brott, skadeviktat"}
NON_CRIME = "non_crime"
EXCLUDE = "exclude"


@dataclass(frozen=True)
class Family:
    id: str
    label_sv: str
    signal: bool
    crime_labels: tuple[str, ...]
    crime_codes: tuple[str, ...]
    survey_item: str | None
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One label rule: ``pattern`` (normalised; a leading ``*`` = first word ends with it),
    its ``target`` (family id, :data:`NON_CRIME` or :data:`EXCLUDE`) and, for exclusions, why."""

    pattern: str
    target: str
    reason: str = ""

    @property
    def suffix(self) -> bool:
        return self.pattern.startswith("*")

    @property
    def specificity(self) -> tuple[int, int]:
        """Plain rules before suffix rules, longer before shorter."""
        return (0 if self.suffix else 1, len(self.pattern.lstrip("*")))


@dataclass(frozen=True)
class Families:
    families: tuple[Family, ...]
    rules: tuple[Rule, ...] = ()

    def __hash__(self) -> int:
        # The families key caches that are looked up per word (the text tagger): hash their
        # hundreds of keywords and rules once per object, not on every lookup (the value is the
        # dataclass's own, hash of the fields). Kept out of pickles: str hashes differ between
        # processes.
        try:
            return self.__dict__["_hash"]
        except KeyError:
            h = hash((self.families, self.rules))
            object.__setattr__(self, "_hash", h)
            return h

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.families]

    @property
    def non_crime_event_types(self) -> tuple[str, ...]:
        return tuple(r.pattern for r in self.rules if r.target == NON_CRIME)

    @property
    def exclusions(self) -> dict[str, str]:
        """{rule: reason} of the crimes deliberately left out of the families."""
        return {r.pattern: r.reason for r in self.rules if r.target == EXCLUDE}

    def get(self, family_id: str) -> Family:
        for f in self.families:
            if f.id == family_id:
                return f
        raise KeyError(family_id)

    def label_sv(self, family_id: str) -> str:
        """The Swedish name readers see; also for the layers' pseudo-families "all" and "harm"."""
        if family_id in PSEUDO_FAMILIES_SV:
            return PSEUDO_FAMILIES_SV[family_id]
        return self.get(family_id).label_sv if family_id in self.ids else family_id


# ---------------------------------------------------------------- loading
def normalise_label(text: object) -> str:
    """Lower case, trimmed, one space between words, dashes unified; å, ä and ö kept as letters."""
    return re.sub(r"\s+", " ", str(text).replace("\u2013", "-").replace("\u2014", "-")).strip().lower()


def load_families(path: str | Path | None = None) -> Families:
    """Read a problem-family YAML file (the packaged default when ``path`` is None).

    Raises DataError (one line) for a missing or unreadable file, a family without
    ``label_sv``, or one rule given two different targets. The parsed families are kept per
    file and modification stamp (a run's stages, and a national worker's kommuner, ask for the
    same file many times; :class:`Families` is immutable), so an edited file is read again.
    """
    if path is None:
        return _load_families(None, None)
    try:
        st = Path(path).stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = None  # missing: reading it gives the one-line error
    return _load_families(str(path), stamp) if stamp else _read_families(path)


@functools.lru_cache(maxsize=16)
def _load_families(path: str | None, _stamp) -> Families:
    return _read_families(path)


def _read_families(path: str | Path | None) -> Families:
    if path is None:
        text = resources.files("pipeline.defaults").joinpath("problem_families.yaml").read_text("utf-8")
        where = "defaults/problem_families.yaml"
        doc = yaml.safe_load(text) or {}
    else:
        from pipeline.config_yaml import read_yaml

        doc = read_yaml(path, "problem-family file") or {}
        where = str(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("families"), dict) or not doc["families"]:
        raise DataError(f"{where}: expected a 'families:' mapping of family id to its definition")
    fams, rules = [], []
    for fid, d in doc["families"].items():
        if not isinstance(d, dict) or "label_sv" not in d:
            raise DataError(f"{where}: family '{fid}' lacks label_sv (the name readers see)")
        labels = tuple(normalise_label(x) for x in d.get("crime_labels") or ())
        fams.append(Family(
            id=str(fid), label_sv=d["label_sv"], signal=bool(d.get("signal", False)), crime_labels=labels,
            crime_codes=tuple(str(x) for x in d.get("crime_codes") or ()),
            survey_item=d.get("survey_item"), keywords=tuple(str(x).lower() for x in d.get("keywords") or ()),
        ))
        rules += [Rule(p, str(fid)) for p in labels]
    # `non_crime_event_types` is the older name of `non_crime`
    rules += [Rule(normalise_label(x), NON_CRIME) for x in (doc.get("non_crime") or doc.get("non_crime_event_types") or ())]
    rules += [Rule(normalise_label(k), EXCLUDE, str(v or "")) for k, v in (doc.get("excluded") or {}).items()]
    seen: dict[str, str] = {}
    for r in rules:
        if seen.setdefault(r.pattern, r.target) != r.target:
            raise DataError(f"{where}: the rule '{r.pattern}' is given to both '{seen[r.pattern]}' and '{r.target}'; "
                            "keep it in one place")
    unique = {r.pattern: r for r in rules}
    return Families(tuple(fams), tuple(sorted(unique.values(), key=lambda r: r.specificity, reverse=True)))


# ---------------------------------------------------------------- classifying labels
def rule_matches(rule: str, label: str) -> bool:
    """Whether a rule matches a normalised label.

    A plain rule matches the label itself and any label that continues it after a non-letter
    ("stöld" matches "stöld, försök" and "stöld ur/från motorfordon", not "stöldgods"; "mord"
    never matches "mordbrand"). A rule ``*tail`` matches when the label's first word ends in
    ``tail`` and is longer than it ("*stöld" matches "cykelstöld", "butiksstöld i centrum").
    Hand-written: the rules are a few hundred words, matched once per distinct label.
    """
    if rule.startswith("*"):
        tail = rule[1:]
        first = re.match(r"[^\W\d_]+", label)
        return bool(first) and first.group().endswith(tail) and len(first.group()) > len(tail)
    if not label.startswith(rule):
        return False
    rest = label[len(rule):]
    return rest == "" or not (rest[0].isalpha() or rest[0].isdigit())


def match_rule(label: str, families: Families) -> Rule | None:
    """The most specific rule matching ``label`` (plain rules by length, then ``*`` rules), or None."""
    norm = normalise_label(label)
    if not norm:
        return None
    for r in families.rules:  # sorted most specific first
        if rule_matches(r.pattern, norm):
            return r
    return None


def _code_in(code: str, spec: str) -> bool:
    if "-" in spec:
        lo, hi = spec.split("-", 1)
        return lo <= code <= hi
    return code == spec


def classify_crimes(labels: pd.Series, codes: pd.Series | None, families: Families) -> pd.Series:
    """Target per crime: a family id, :data:`NON_CRIME`, :data:`EXCLUDE`, or NA when unknown.

    A matching brottskod (``crime_codes``) decides first, else the most specific label rule
    (:func:`match_rule`). Computed once per distinct label and code, then mapped onto the rows,
    so 100,000 rows with 200 distinct labels cost 200 rule look-ups.
    """
    label_target = {u: (r.target if (r := match_rule(u, families)) else None)
                    for u in labels.dropna().astype(str).unique()}
    out = labels.astype(object).map(label_target)
    if codes is not None and any(f.crime_codes for f in families.families):
        def by_code(c: str):
            for fam in families.families:
                if any(_code_in(c, s) for s in fam.crime_codes):
                    return fam.id
            return None
        cod = codes.astype("string").str.strip()
        code_target = {u: by_code(u) for u in cod.dropna().unique() if u}
        from_code = cod.astype(object).map(code_target)
        out = from_code.where(from_code.notna(), out)
    return out.astype(object).where(out.notna(), pd.NA)


def exclusion_reason(label: str, families: Families) -> str:
    """Why a label is excluded by the taxonomy ("" when it is not)."""
    r = match_rule(label, families)
    return r.reason if r is not None and r.target == EXCLUDE else ""


def stated_exclusions(quarantine_reasons: pd.DataFrame, quality: pd.DataFrame, families: Families) -> pd.DataFrame:
    """The crimes left out on purpose, with counts, for the report's method chapter.

    From the ingest summary: crime rows quarantined as "excluded crime category 'X'" and
    Polisen events counted as "excluded event type 'X'". ``reason`` is the taxonomy's (Swedish)
    reason, or "uteslutet i params.yaml" when the user excluded it. Columns: source, label,
    n_rows (NaN where the public version suppressed it), reason; most rows first.
    """
    rows = []
    if quarantine_reasons is not None and len(quarantine_reasons):
        for _, r in quarantine_reasons.iterrows():
            m = re.match(r"^excluded crime category '(.*)'$", str(r["reason"]))
            if m:
                rows.append((r["source"], m[1], float(r["n_rows"])))
    if quality is not None and len(quality):
        for col in quality.columns:
            m = re.match(r"^excluded event type '(.*)'$", str(col))
            if m:
                for _, r in quality[quality[col].notna()].iterrows():
                    rows.append((r["source"], m[1], float(r[col])))
    out = pd.DataFrame(rows, columns=["source", "label", "n_rows"])
    out["reason"] = [exclusion_reason(lab, families) or "uteslutet i params.yaml" for lab in out["label"]]
    return out.sort_values("n_rows", ascending=False, kind="stable").reset_index(drop=True)
