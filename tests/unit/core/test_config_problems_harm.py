"""Params validation, problem-family classification and harm weighting on tiny named fixtures."""

import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from pipeline.config import Params, load_params, params_problems
from pipeline.errors import DataError
from pipeline.problems import classify_crimes, load_families
from pipeline.scoring.harm import check_harm_table, default_harm_table, harm_days
from tests.conftest import ROOT


def test_repo_params_validate():
    p = load_params(ROOT / "params.yaml")
    assert p.kommun.code == "1980"
    assert p.kommun.first_year == p.kommun.year - p.kommun.years_back + 1


def test_kommun_code_read_as_number_is_zero_padded():
    doc = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    doc["kommun"]["code"] = 114  # YAML reads an unquoted 0114 as 114
    assert Params.model_validate(doc).kommun.code == "0114"


def test_negative_weight_is_rejected():
    doc = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    doc["scoring"]["weights"]["trend"] = -1
    with pytest.raises(ValidationError, match="must be >= 0"):
        Params.model_validate(doc)


@pytest.mark.parametrize("key, value", [("process_start", "13-45"), ("lagesbild_due", "02-30"),
                                        ("lagesbild_due", "00-10"), ("process_start", "02-29")])
def test_impossible_cycle_month_day_is_one_line_naming_the_key(tmp_path, key, value):
    doc = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    doc.setdefault("cycle", {})[key] = value
    f = tmp_path / "params.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_params(f)
    msg = str(err.value)
    assert f"cycle.{key}" in msg and repr(value) in msg and "MM-DD" in msg and "\n" not in msg
    assert params_problems(f) == [msg]  # lagesbild check reports the same line


def test_real_cycle_month_days_still_load():
    doc = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    doc["cycle"] = {**doc.get("cycle", {}), "process_start": "02-28", "lagesbild_due": "12-31"}
    cycle = Params.model_validate(doc).cycle
    assert (cycle.process_start, cycle.lagesbild_due) == ("02-28", "12-31")


FAMILIES = load_families()


@pytest.mark.parametrize("label, family", [
    ("Misshandel, utomhus, obekant med offret", "violence"),
    ("Grov misshandel", "violence"),
    ("Bostadsinbrott", "burglary"),
    ("Stöld/inbrott", "burglary"),
    ("Stöld ur/från motorfordon", "theft"),
    ("Rån väpnat", "robbery"),
    ("Skadegörelse genom klotter", "vandalism"),
    ("Narkotikabrott, innehav", "drugs"),
    ("Olaga hot", "threats"),
    ("Skottlossning", "weapons"),
])
def test_crime_labels_map_to_families(label, family):
    assert classify_crimes(pd.Series([label]), None, FAMILIES).iloc[0] == family


def test_unknown_label_is_na_and_code_wins_over_label(tmp_path):
    f = tmp_path / "fam.yaml"
    f.write_text("families:\n  a:\n    label_sv: A\n    crime_codes: ['0300-0399']\n    crime_labels: [x]\n"
                 "  b:\n    label_sv: B\n    crime_labels: [misshandel]\n", encoding="utf-8")
    fams = load_families(f)
    out = classify_crimes(pd.Series(["Misshandel", "Misshandel", "Okänt"]), pd.Series(["0375", "", ""]), fams)
    assert out.iloc[0] == "a" and out.iloc[1] == "b" and pd.isna(out.iloc[2])



def test_a_family_file_is_read_once_until_it_changes(tmp_path):
    f = tmp_path / "fam.yaml"
    f.write_text("families:\n  a:\n    label_sv: A\n    crime_labels: [x]\n", encoding="utf-8")
    first = load_families(f)
    assert load_families(f) is first  # kept: the stages ask for the same file many times
    f.write_text("families:\n  a:\n    label_sv: Alfa\n    crime_labels: [x]\n  b:\n    label_sv: B\n",
                 encoding="utf-8")
    assert [x.label_sv for x in load_families(f).families] == ["Alfa", "B"]  # edited: read again


def test_families_hash_once_like_their_fields_and_not_into_pickles():
    import dataclasses
    import pickle

    fams = load_families()
    twin = dataclasses.replace(fams)  # equal fields, another object
    assert twin is not fams and twin == fams
    assert hash(fams) == hash(twin) == hash((fams.families, fams.rules))
    assert "_hash" in fams.__dict__  # kept after the first hash
    back = pickle.loads(pickle.dumps(fams))
    assert "_hash" not in back.__dict__ and back == fams and hash(back) == hash(fams)
    fewer = dataclasses.replace(fams, families=fams.families[:-1])
    assert fewer != fams and hash(fewer) == hash((fewer.families, fewer.rules))


def test_family_file_without_families_is_one_line_error(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("foo: 1\n", encoding="utf-8")
    with pytest.raises(DataError, match="expected a 'families:' mapping"):
        load_families(f)


def test_harm_longest_prefix_wins_and_family_default_applies():
    table = pd.DataFrame({"problem": ["violence", "violence", "violence"],
                          "crime_label_prefix": ["", "grov", "grov misshandel"],
                          "harm_days": [10, 100, 1000], "source": "t", "figures_year": 2020})
    got = harm_days(pd.Series(["violence"] * 3), pd.Series(["Misshandel", "Grovt brott", "Grov misshandel"]), table)
    assert got.tolist() == [10.0, 100.0, 1000.0]


def test_default_harm_table_covers_every_family_and_cites_sources():
    table = check_harm_table(default_harm_table(), FAMILIES.ids)
    assert table["source"].str.len().gt(5).all()
    # Polisen's brottsskadeindex: mord 122 points of one month each (DOMAIN.md §4)
    mord = table.loc[table["crime_label_prefix"] == "mord", "harm_days"].iloc[0]
    assert mord == pytest.approx(122 * 30.4, rel=0.01)


def test_harm_table_without_family_default_is_rejected():
    table = default_harm_table()
    table = table[table["problem"] != "drugs"]
    with pytest.raises(DataError, match="no default row .* \\['drugs'\\]"):
        check_harm_table(table, FAMILIES.ids)
