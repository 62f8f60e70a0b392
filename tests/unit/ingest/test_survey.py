"""Survey ingest: bracketed item headers, answer labels (defaults and config), survey year,
unknown areas, the scrubbed free text and the fatal unknown-label error."""

import pandas as pd
import pytest

from pipeline.config import KommunParams, SourceParams
from pipeline.errors import DataError
from pipeline.ingest.survey import ingest_survey
from pipeline.io import read_raw_table
from pipeline.schemas import validate

KOMMUN = KommunParams(code="1980", name="Västerås", lpo="LPO Västerås", year=2025)
SAFETY = "Hur trygg eller otrygg skulle du känna dig om du gick ut ensam sent en kväll i ditt bostadsområde?"
NEVER = "Om du aldrig går ut ensam sent en kväll, beror det på att du känner dig otrygg?"
PROBLEM = "Hur stort problem anser du att följande är i ditt bostadsområde? [{}]"
ITEMS = ["Nedskräpning", "Klotter och skadegörelse", "Bilar som körs på ett störande sätt",
         "Personer som är påverkade av alkohol eller narkotika", "Narkotikaförsäljning",
         "Grupper av ungdomar som stör", "Bostadsinbrott", "Våld på allmän plats"]
FREE = "Övriga synpunkter om tryggheten i ditt område"


@pytest.fixture
def areas():
    return pd.DataFrame({"area_id": ["198001", "198002"], "area_name": ["Bäckby", "Centrum"]})


def answers():
    rows = {
        "Löpnummer": ["1", "2", "3", "4", "5", "2"],
        "Område": ["Bäckby", "BACKBY", "Västerås Centrum", "Månen", None, "Centrum"],
        "Kön": ["Kvinna", "Man", "Annat", None, "Man", "Kvinna"],
        "Åldersgrupp": ["16-24", "25-44", "65-84", None, "45-64", "25-44"],
        SAFETY: ["Mycket trygg", "Går aldrig ut", "ganska otrygg ", "Vet ej", None, "Mycket otrygg"],
        NEVER: [None, "Ja", None, None, None, "Nej"],
        FREE: [None, "Ring mig på 070-123 45 67", "", "Ring 070-765 43 21", None, "Mörkt vid torget"],
    }
    for item in ITEMS:
        rows[PROBLEM.format(item)] = ["Mycket stort problem", "Inget problem alls", "Vet ej", None,
                                      "Ganska litet problem", "Ganska stort problem"]
    return pd.DataFrame(rows)


def test_xlsx_default_headers_end_to_end(tmp_path, areas):
    path = tmp_path / "trygghetsmatning_2023.xlsx"
    answers().to_excel(path, sheet_name="Svar", index=False)
    res = ingest_survey([(str(path), read_raw_table(path, sheet="Svar"))], areas, SourceParams(path="x"), KOMMUN)
    validate("survey_responses", res.table)
    t = res.table.set_index("response_id")
    assert list(t.index) == ["2023-1", "2023-2", "2023-3"]
    assert t["survey_year"].unique().tolist() == [2023]
    assert t["area_id"].tolist() == ["198001", "198001", "198002"]
    assert t["sex"].tolist() == ["kvinna", "man", "annat"]
    assert t["safety_evening"].tolist() == ["very_safe", "never_out", "fairly_unsafe"]
    assert t["never_out_unsafe"].tolist() == [pd.NA, True, pd.NA]
    assert t["item_littering"].tolist() == ["very_big", "no_problem", "dont_know"]
    assert t["item_public_violence"].tolist() == ["very_big", "no_problem", "dont_know"]
    assert t.loc["2023-2", "free_text"] == "Ring mig på [telefon]"
    assert pd.isna(t.loc["2023-1", "free_text"]) and pd.isna(t.loc["2023-3", "free_text"])
    assert dict(zip(res.quarantine["source_row"], res.quarantine["reason"])) == {
        4: "unknown area", 5: "missing area", 6: "duplicate response id"}
    assert "070-765" not in " ".join(res.quarantine["raw"])  # quarantine keeps no personal data
    s = res.summary
    assert (s["rows_read"], s["accepted"], s["quarantined"]) == (6, 3, 3)
    assert s["unknown area 'Månen'"] == 1 and s["scrubbed phone"] == 2


def test_two_years_ids_do_not_collide_and_year_column_wins(areas):
    a = answers().iloc[:3]
    b = a.assign(År="2021")
    res = ingest_survey([("trygghetsmatning_2025.xlsx", a), ("enkat.xlsx", b)], areas, None, KOMMUN)
    assert res.table["response_id"].tolist() == ["2021-1", "2021-2", "2021-3", "2025-1", "2025-2", "2025-3"]


def test_config_headers_and_labels(areas, monkeypatch):
    import pipeline.text.scrub as scrub

    monkeypatch.setattr(scrub, "scrub_series", lambda s, *a, **kw: (s.str.upper(), {"phone": 0}))  # stub: contract only
    df = pd.DataFrame({"Stadsdel/by": ["Bäckby", "Centrum"], "Trygghet kvällstid": ["Rätt trygg", "Otrygg"],
                       "Problem: skräp": ["Stort", "Litet"], "Kommentar": ["hej", None]})
    cfg = SourceParams(path="x", columns={"area_name": "Stadsdel/by", "safety_evening": "Trygghet kvällstid",
                                          "item_littering": "Problem: skräp"},
                       labels={"safety": {"Rätt trygg": "fairly_safe", "Otrygg": "very_unsafe"},
                               "problem": {"stort": "very_big", "litet": "fairly_small"}})
    res = ingest_survey([("enkat_2024.csv", df)], areas, cfg, KOMMUN)
    validate("survey_responses", res.table)
    assert res.table["safety_evening"].tolist() == ["fairly_safe", "very_unsafe"]
    assert res.table["item_littering"].tolist() == ["very_big", "fairly_small"]
    assert res.table["item_drug_dealing"].isna().all()
    assert res.table["free_text"].tolist() == ["HEJ", None]
    assert res.table["response_id"].tolist() == ["2024-enkat_2024-1", "2024-enkat_2024-2"]


def test_unknown_label_is_fatal_and_names_column_label_and_key(areas):
    df = answers().iloc[:2].copy()
    df.loc[1, PROBLEM.format("Narkotikaförsäljning")] = "Enormt problem"
    with pytest.raises(DataError) as exc:
        ingest_survey([("t_2025.xlsx", df)], areas, None, KOMMUN)
    msg = str(exc.value)
    assert msg.startswith(f"t_2025.xlsx: column '{PROBLEM.format('Narkotikaförsäljning')}' has the answer "
                          "'Enormt problem'")
    assert "`sources.survey.labels.problem:" in msg and "\n" not in msg


def test_missing_area_column_is_fatal(areas):
    with pytest.raises(DataError, match=r"^s.xlsx: missing required column 'area_name'"):
        ingest_survey([("s.xlsx", answers().drop(columns="Område"))], areas, None, KOMMUN)


def test_free_text_loses_surnames_in_the_genitive(areas):
    # residents' answers scrub with genitive_surnames (Polisen's events do not); places stay
    df = answers().iloc[:2].copy()
    df[FREE] = ["Karlssons hund skäller och lindbergs son kör moped.", "Mörkt på Strombergs väg."]
    res = ingest_survey([("enkat_2025.xlsx", df)], areas, None, KOMMUN)
    t = res.table.set_index("response_id")
    assert t.loc["2025-1", "free_text"] == "[namn] hund skäller och [namn] son kör moped."
    assert t.loc["2025-2", "free_text"] == "Mörkt på Strombergs väg."
    assert res.summary["scrubbed name"] == 2
