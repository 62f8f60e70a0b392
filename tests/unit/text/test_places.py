"""Place linking with Swedish inflection and compounds (pipeline.text.places)."""

import pandas as pd
import pytest

from pipeline.text.places import build_gazetteer, link_places

AREAS = pd.DataFrame({"area_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
                      "area_name": ["Bäckby", "Råby", "Centrum", "Fristad", "Önsta-Gryta", "Skälby"]})
PLACES = pd.DataFrame({"place_name": ["Råby torg", "Vasaparken", "Stora torget", "Bäckby centrum", "Torget"],
                       "area_id": ["A2", "A3", "A3", "A1", "A4"],
                       "x": [583000.0, 585000.0, 585100.0, 581000.0, None], "y": [6611000.0] * 4 + [None]})


@pytest.fixture(scope="module")
def gaz():
    return build_gazetteer(AREAS, PLACES)


@pytest.mark.parametrize("text,place,area", [
    ("Stök på Råby torg i kväll.", "Råby torg", "A2"),          # place beats area Råby
    ("Mopeder i Bäckby hela helgen.", "Bäckby", "A1"),           # preposition + area name
    ("Langning vid Bäckbys centrum.", "Bäckby centrum", "A1"),   # genitive inside a place name
    ("Sprutor vid Vasaparken.", "Vasaparken", "A3"),
    ("Sprutor vid Vasaparkens lekplats.", "Vasaparken", "A3"),  # genitive of a definite form
    ("Klotter på Fristadstorget.", "Fristad", "A4"),             # compound <name>torget
    ("Ungdomar på Skälbyskolan.", "Skälby", "A6"),               # compound <name>skolan
    ("Skräp i Backby.", "Bäckby", "A1"),                         # accent-tolerant
    ("Bråk i RÅBY igår", "Råby", "A2"),                          # case-insensitive
    ("Glas vid Önsta Gryta.", "Önsta-Gryta", "A5"),              # hyphen written as space
    ("Samling vid Stora torget.", "Stora torget", "A3"),
    ("Samling vid torget.", "Torget", "A4"),                     # a gazetteer place in lower case
    ("Stök vid Råbytorget.", "Råby torg", "A2"),                  # parts written together, definite
    ("Bråk i centrum.", "Centrum", "A3"),
])
def test_linking(gaz, text, place, area):
    out = link_places(pd.Series([text]), gaz)
    assert out.loc[0, "place_name"] == place and out.loc[0, "area_id"] == area


@pytest.mark.parametrize("text", ["Inget särskilt att rapportera.", "Vi åt råbiff.", "Bäckbyar finns inte",
                                  "hamre", ""])
def test_no_false_links(gaz, text):
    out = link_places(pd.Series([text]), gaz)
    assert out["area_id"].isna().all()


def test_place_beats_area_and_earliest_wins(gaz):
    s = pd.Series(["I Bäckby och sedan på Råby torg", "I Bäckby och sedan i Skälby", None], index=[5, 6, 7])
    out = link_places(s, gaz)
    assert list(out.index) == [5, 6, 7]
    assert out.loc[5, "place_name"] == "Råby torg"
    assert out.loc[6, "place_name"] == "Bäckby"
    assert out.loc[7].isna().all()


def test_lowercase_compound_is_not_a_place(gaz):
    # a compound is only taken when capitalised: "skälbybor" (lower case) is not linked
    assert link_places(pd.Series(["några skälbybor klagade"]), gaz)["area_id"].isna().all()
    assert link_places(pd.Series(["Några Skälbybor klagade"]), gaz).loc[0, "area_id"] == "A6"
