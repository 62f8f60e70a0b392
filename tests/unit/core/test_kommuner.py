"""The packaged list of kommuner that `lagesbild init` names a kommun from, against SCB's list."""

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.init import kommun_name


def test_every_kommun_code_and_name_matches_scb(shared_data):
    scb = pd.read_csv(shared_data / "befolkning_kommuner_2024.csv", dtype=str)
    assert len(scb) == 290
    got = {code: kommun_name(code) for code in scb["kommun_kod"]}
    assert got == dict(zip(scb["kommun_kod"], scb["kommun_namn"]))


def test_unknown_code_is_one_line():
    assert kommun_name("484") == "Eskilstuna"  # zero-padded like a YAML number
    with pytest.raises(DataError, match="--kommun 9999: no such kommun code"):
        kommun_name("9999")
