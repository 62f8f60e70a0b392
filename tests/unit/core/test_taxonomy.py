"""The default taxonomy: every label in a table, and the matching rules on named cases.

The first table lists every event type in Polisen's open events archive (../shared/data) with
where it goes; a test checks the table covers the archive exactly, so a type Polisen adds makes
the table, not the pipeline, fail first.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pandas as pd
import pytest

from pipeline.problems import EXCLUDE, NON_CRIME, classify_crimes, load_families, match_rule, rule_matches

FAMILIES = load_families()
X, N = EXCLUDE, NON_CRIME

POLISEN_TYPES = {  # every type in polisen_handelser_2023-03_2025-09.jsonl.gz → family / non_crime / exclude
    "Alkohollagen": "disorder", "Anträffad död": N, "Anträffat gods": N, "Arbetsplatsolycka": N,
    "Bedrägeri": X, "Bombhot": "threats", "Brand": N, "Brand automatlarm": N, "Bråk": "disorder",
    "Detonation": "weapons", "Djur": N, "Efterlyst person": N, "Ekobrott": X, "Explosion": "weapons",
    "Farligt föremål, misstänkt": N, "Fjällräddning": N, "Fylleri/LOB": "disorder", "Förfalskningsbrott": X,
    "Försvunnen person": N, "Hemfridsbrott": "threats", "Hets mot folkgrupp": X, "Häleri": X,
    "Inbrott": "burglary", "Inbrott, försök": "burglary", "Knivlagen": "weapons", "Kontroll person/fordon": N,
    "Lagen om hundar och katter ": X, "Larm Inbrott": N, "Larm Överfall": N, "Luftfartslagen": X,
    "Miljöbrott": X, "Missbruk av urkund": X, "Misshandel": "violence", "Misshandel, grov": "violence",
    "Mord/dråp": "violence", "Mord/dråp, försök": "violence", "Motorfordon, anträffat stulet": N,
    "Motorfordon, stöld": "theft", "Narkotikabrott": "drugs", "Ofredande/förargelse": "threats",
    "Olaga frihetsberövande/människorov": "violence", "Olaga hot": "threats", "Olaga intrång": "threats",
    "Olovlig körning": "traffic", "Ordningslagen": "disorder", "Polisinsats/kommendering": N,
    "Rattfylleri": "traffic", "Räddningsinsats": N, "Rån": "robbery", "Rån väpnat": "robbery",
    "Rån övrigt": "robbery", "Rån, försök": "robbery", "Sabotage mot blåljusverksamhet": "violence",
    "Sammanfattning dag": N, "Sammanfattning dygn": N, "Sammanfattning eftermiddag": N,
    "Sammanfattning kväll": N, "Sammanfattning kväll och natt": N, "Sammanfattning natt": N,
    "Sammanfattning vecka": N, "Sedlighetsbrott": "sexual", "Sexualbrott": "sexual", "Sjukdom/olycksfall": N,
    "Sjölagen": X, "Skadegörelse": "vandalism", "Skottlossning": "weapons", "Skottlossning, misstänkt": "weapons",
    "Skyddslagen": X, "Spridning smitta/kemikalier": X, "Stöld": "theft", "Stöld, försök": "theft",
    "Stöld/inbrott": "burglary", "Trafikbrott": "traffic", "Trafikhinder": N, "Trafikkontroll": N,
    "Trafikolycka": N, "Trafikolycka, personskada": N, "Trafikolycka, singel": N,
    "Trafikolycka, smitning från": X, "Trafikolycka, vilt": N, "Uppdatering": N, "Utlänningslagen": X,
    "Vapenlagen": "weapons", "Varningslarm/haveri": N, "Våld/hot mot tjänsteman": "violence",
    "Våldtäkt": "sexual", "Våldtäkt, försök": "sexual", "Vållande till kroppsskada": X,
    "Åldringsbrott": X, "Övrigt": N,
}

# Brå's "anmälda brott" main categories and the labels police exports commonly use
CRIME_LABELS = {
    "Misshandel inkl. grov": "violence", "Grov misshandel, utomhus, obekant med offret": "violence",
    "Misshandel, inomhus, bekant med offret": "violence", "Mord och dråp, försök": "violence",
    "Mord": "violence", "Våld mot tjänsteman": "violence", "Våldsamt motstånd": "violence",
    "Olaga frihetsberövande": "violence",
    "Våldtäkt inkl. grov": "sexual", "Sexuellt ofredande": "sexual", "Sexualbrott": "sexual",
    "Köp av sexuell tjänst": "sexual", "Blottning": "sexual",
    "Olaga hot": "threats", "Olaga hot mot tjänsteman": "threats", "Ofredande": "threats",
    "Olaga tvång": "threats", "Olaga intrång": "threats", "Hemfridsbrott": "threats",
    "Stöld och tillgreppsbrott": "theft", "Butiksstöld": "theft", "Stöld i butik": "theft",
    "Snatteri": "theft", "Cykelstöld": "theft", "Fickstöld": "theft", "Stöld ur/från motorfordon": "theft",
    "Stöld av motorfordon": "theft", "Tillgrepp av fortskaffningsmedel": "theft", "Stöld, övrig": "theft",
    "Inbrott i bil": "theft", "Stöld genom inbrott i butik": "theft",
    "Bostadsinbrott": "burglary", "Bostadsinbrott i villa/radhus": "burglary", "Inbrottsstöld": "burglary",
    "Stöld genom inbrott i källare/vind": "burglary", "Källarinbrott": "burglary",
    "Rån inkl. grovt": "robbery", "Personrån": "robbery", "Rån mot butik": "robbery", "Butiksrån": "robbery",
    "Skadegörelsebrott": "vandalism", "Skadegörelse genom klotter": "vandalism", "Klotter": "vandalism",
    "Åverkan": "vandalism",
    "Narkotikabrott": "drugs", "Narkotikabrott, innehav": "drugs", "Brott mot narkotikastrafflagen": "drugs",
    "Brott mot ordningslagen": "disorder", "Störande av allmän ordning": "disorder",
    "Trafikbrott": "traffic", "Rattfylleri": "traffic", "Olovlig körning": "traffic",
    "Vårdslöshet i trafik": "traffic",
    "Mordbrand": "fire", "Allmänfarlig ödeläggelse genom brand": "fire", "Anlagd brand": "fire",
    "Nedskräpning": "littering",
    "Vapenbrott": "weapons", "Brott mot vapenlagen": "weapons", "Brott mot knivlagen": "weapons",
    "Vapen/knivlagen": "weapons", "Grovt vapenbrott": "weapons",
    "Bedrägeri": X, "Telefonbedrägeri": X, "Häleri": X, "Bokföringsbrott": X, "Grov kvinnofridskränkning": X,
    "Dataintrång": X,
}


def _targets(labels) -> list:
    out = classify_crimes(pd.Series(list(labels)), None, FAMILIES)
    return [None if pd.isna(v) else v for v in out]


def test_every_polisen_event_type_in_the_archive_is_in_the_table(shared_data):
    with gzip.open(shared_data / "polisen_handelser_2023-03_2025-09.jsonl.gz", "rt", encoding="utf-8") as fh:
        types = Counter(json.loads(line)["type"] for line in fh)
    assert sorted(types) == sorted(POLISEN_TYPES)  # a new type in the archive must be added to the table
    assert sum(types.values()) == 63_598


@pytest.mark.parametrize("table", [POLISEN_TYPES, CRIME_LABELS], ids=["polisen", "brå and exports"])
def test_every_label_goes_where_the_table_says(table):
    got = dict(zip(table, _targets(table)))
    assert {k: v for k, v in got.items() if v != table[k]} == {}


def test_every_exclusion_has_a_reason():
    assert FAMILIES.exclusions and all(len(r) > 10 for r in FAMILIES.exclusions.values())


@pytest.mark.parametrize(("rule", "label", "hit"), [
    ("mord", "mord", True), ("mord", "mord/dråp, försök", True), ("mord", "mordbrand", False),
    ("stöld", "stöld ur/från motorfordon", True), ("stöld", "stöldgods", False),
    ("*stöld", "cykelstöld", True), ("*stöld", "stöld", False), ("*stöld", "stöld av cykel", False),
    ("*stöld", "butiksstöld i centrum", True), ("rån", "råndräkt", False), ("hot", "hotell", False),
])
def test_rules_match_whole_words_never_accidental_prefixes(rule, label, hit):
    assert rule_matches(rule, label) is hit


def test_the_longest_rule_wins_across_families_and_exclusions():
    assert match_rule("Stöld/inbrott", FAMILIES).target == "burglary"  # not theft by "stöld"
    assert match_rule("Trafikolycka, smitning från", FAMILIES).target == EXCLUDE  # not non_crime
    assert match_rule("Mordbrand", FAMILIES).target == "fire"
    assert match_rule("Larm Inbrott", FAMILIES).target == NON_CRIME


def test_unknown_labels_stay_unknown():
    assert _targets(["Otillåten andrahandsuthyrning", "", "Stöldgods"]) == [None, None, None]


def test_many_rows_are_classified_like_their_distinct_labels():
    out = classify_crimes(pd.Series(["Stöld", "Misshandel", "Okänt"] * 20_000), None, FAMILIES)
    assert (out == "theft").sum() == (out == "violence").sum() == out.isna().sum() == 20_000
