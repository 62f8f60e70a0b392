"""Names are compared as Swedish: å, ä and ö are letters, not accents (DOMAIN.md §7)."""

import pandas as pd
import pytest

from pipeline.config import KommunParams
from pipeline.ingest.area_names import match_area_names
from pipeline.ingest.police_events import ingest_police_events, read_police_event_files
from pipeline.problems import load_families


@pytest.fixture(scope="module")
def archive(shared_data):
    return read_police_event_files([shared_data / "polisen_handelser_2023-03_2025-09.jsonl.gz"])


@pytest.mark.parametrize(("code", "name", "events"), [
    ("0305", "Håbo", 99), ("0643", "Habo", 18),  # counted by hand in the archive: never each other's
    ("0980", "Gotland", 245),  # 112 named "Gotland" + 133 named "Gotlands län": kommun = län
])
def test_each_kommun_gets_exactly_its_own_events(archive, code, name, events):
    kommun = KommunParams(code=code, name=name, lpo=f"LPO {name}", year=2025)
    res = ingest_police_events(archive, kommun, load_families())
    assert len(res.table) == events
    assert set(res.table["event_kommun"]) <= {name, "Gotlands län"}


AREAS = pd.DataFrame({"area_id": ["1", "2", "3"], "area_name": ["Hallby", "Hällby", "Råby"]})


def test_areas_that_differ_in_a_swedish_letter_stay_apart():
    got = match_area_names(pd.Series(["HÄLLBY", "hallby", "Hällby ", "Hällbyy", "Hallbyy"]), AREAS)
    assert got.tolist() == ["2", "1", "2", "2", "1"]  # typos go to the name with the same letters


def test_a_spelling_that_lost_its_swedish_letters_matches_only_when_unambiguous():
    got = match_area_names(pd.Series(["Raby", "Rabyy"]), AREAS)
    assert got.iloc[0] == "3" and pd.isna(got.iloc[1])  # lost letters and a typo: too far
    assert got.attrs["without_swedish_letters"] == {"Raby": "3"}
    only_a = pd.DataFrame({"area_id": ["1"], "area_name": ["Håbo"]})
    assert match_area_names(pd.Series(["Habo"]), only_a).iloc[0] == "1"  # no å written at all: the one candidate
    assert pd.isna(match_area_names(pd.Series(["Häbo"]), only_a).iloc[0])  # an ä is not an å
