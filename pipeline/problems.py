"""Problem families: the one vocabulary that crime data, survey items, notes and EST share.

Loaded from ``defaults/problem_families.yaml`` or the user's own file (``sources.crimes.categories``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from pipeline.errors import DataError


# Layers carry two problems that are not families: all crime, and all crime weighted by harm.
PSEUDO_FAMILIES_SV = {"all": "Alla brott", "harm": "Alla brott, skadeviktat"}


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
class Families:
    families: tuple[Family, ...]
    non_crime_event_types: tuple[str, ...]

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.families]

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


def load_families(path: str | Path | None = None) -> Families:
    """Read a problem-family YAML file (the packaged default when ``path`` is None)."""
    if path is None:
        text = resources.files("pipeline.defaults").joinpath("problem_families.yaml").read_text("utf-8")
        where = "defaults/problem_families.yaml"
        doc = yaml.safe_load(text) or {}
    else:
        from pipeline.config import read_yaml

        doc = read_yaml(path, "problem-family file") or {}
        where = str(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("families"), dict) or not doc["families"]:
        raise DataError(f"{where}: expected a 'families:' mapping of family id to its definition")
    fams = []
    for fid, d in doc["families"].items():
        if "label_sv" not in d:
            raise DataError(f"{where}: family '{fid}' lacks label_sv (the name readers see)")
        fams.append(Family(
            id=fid, label_sv=d["label_sv"], signal=bool(d.get("signal", False)),
            crime_labels=tuple(str(x).lower() for x in d.get("crime_labels") or ()),
            crime_codes=tuple(str(x) for x in d.get("crime_codes") or ()),
            survey_item=d.get("survey_item"), keywords=tuple(str(x).lower() for x in d.get("keywords") or ()),
        ))
    return Families(tuple(fams), tuple(doc.get("non_crime_event_types") or ()))


def _code_in(code: str, spec: str) -> bool:
    if "-" in spec:
        lo, hi = spec.split("-", 1)
        return lo <= code <= hi
    return code == spec


def classify_crimes(labels: pd.Series, codes: pd.Series | None, families: Families) -> pd.Series:
    """Problem family per crime: a matching brottskod first, else the first family (in file order)
    one of whose ``crime_labels`` is a prefix of the lower-cased label. NA where nothing matches.
    """
    lab = labels.fillna("").str.strip().str.lower()
    cod = codes.fillna("").astype(str).str.strip() if codes is not None else pd.Series("", index=labels.index)
    out = pd.Series(pd.NA, index=labels.index, dtype="object")
    for fam in families.families:
        todo = out.isna()
        if fam.crime_codes:
            by_code = cod.map(lambda c, f=fam: bool(c) and any(_code_in(c, s) for s in f.crime_codes))
            out[todo & by_code] = fam.id
            todo = out.isna()
        for prefix in fam.crime_labels:
            out[todo & lab.str.startswith(prefix)] = fam.id
            todo = out.isna()
    return out
