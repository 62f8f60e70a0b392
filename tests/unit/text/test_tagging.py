"""Problem tagging with the Swedish keyword lexicon (pipeline.text.tagging)."""

import pandas as pd
import pytest

from pipeline.problems import load_families
from pipeline.text.tagging import tag_problems, tag_text


@pytest.fixture(scope="module")
def fam():
    return load_families()


@pytest.mark.parametrize("text,expected", [
    ("Narkotikaförsäljningen har ökat.", ["drugs"]),                  # compound + definite form
    ("Klottret på väggen är nytt.", ["vandalism"]),                    # definite form
    ("Buskörning med mopeder hela kvällen.", ["traffic"]),             # compound + plural
    ("Bostadsinbrottet i källaren.", ["burglary"]),                    # head of a compound
    ("Personrån och dödshot rapporterades.", ["robbery", "threats"]),  # short keyword as compound head
    ("Glasbitar och skräp överallt.", ["littering"]),                  # short keyword as compound modifier
    ("Containerbrand i natt, någon har tänt eld.", ["fire"]),
    ("Ungdomsgänget hänger vid kiosken, berusade.", ["disorder"]),
    ("Slagsmål och langning vid torget.", ["violence", "drugs"]),
])
def test_tags(fam, text, expected):
    assert tag_text(text, fam) == expected


@pytest.mark.parametrize("text", [
    "Vi bodde på hotellet och åt glass.",          # hot-, glas- false friends
    "De drog iväg när polisen kom.",               # the verb drog, not drugs
    "Förslag på åtgärder diskuterades i söndags.",  # förslag ∌ slag, söndag ∌ sönder
    "Det kom ett brev från kommunen.",              # från is a stop word (∌ rån)
    "[namn] ringde om [telefon].",
])
def test_false_friends(fam, text):
    assert tag_text(text, fam) == []


def test_proper_nouns_and_ignore(fam):
    assert tag_text("Lugnt i Brandthovda.", fam) == []                 # capitalised inside a sentence
    assert tag_text("Brandthovda var lugnt.", fam) == ["fire"]         # sentence start: looks like a word
    assert tag_text("Brandthovda var lugnt.", fam, frozenset({"Brandthovda"})) == []


def test_series_joined_in_family_order(fam):
    s = pd.Series(["Langning och klotter.", None, "Inget att rapportera."], index=[3, 4, 5])
    out = tag_problems(s, fam)
    assert list(out.index) == [3, 4, 5]
    assert out[3] == "vandalism;drugs"  # file order: vandalism before drugs
    assert pd.isna(out[4]) and pd.isna(out[5])


@pytest.mark.parametrize("text, expected", [
    ("Inget klotter i år.", []),
    ("Vi har inte sett någon langning.", []),
    ("Det finns inget mer klotter men mycket skräp.", ["littering"]),
    ("Det är inte lugnt, det är mycket klotter.", ["vandalism"]),  # the negation is in another clause
    ("Inte bara klotter utan också skadegörelse.", ["vandalism"]),
    ("Jag undviker torget efter mörkrets inbrott.", []),  # idiom: nightfall
    ("Inbrott i källaren.", ["burglary"]),
])
def test_negation_and_idioms(text, expected):
    assert tag_text(text, load_families()) == expected
