"""`lagesbild init`'s arguments: the packaged list of kommuner it names a kommun from (against
SCB's list) and the report year."""

import datetime as dt

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


@pytest.mark.parametrize("year", [1800, 1999, dt.date.today().year + 2])
def test_init_rejects_a_report_year_out_of_range_in_one_line(tmp_path, capsys, year):
    from pipeline.cli import main

    assert main(["--params", str(tmp_path / "params.yaml"), "init", "--kommun", "1980", "--year", str(year)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"--year {year}:" in err and f"from 2000 to {dt.date.today().year + 1}" in err and "\n" not in err
    assert not (tmp_path / "params.yaml").exists()


def test_init_accepts_next_year(tmp_path, capsys):
    from pipeline.cli import main

    year = dt.date.today().year + 1
    assert main(["--params", str(tmp_path / "params.yaml"), "init", "--kommun", "1980", "--year", str(year)]) == 2
    assert "no exports found" in capsys.readouterr().err  # past the year: stops at the empty data/raw
