"""Registry validation: one test per rule, each on a valid registry with one thing broken."""

import pandas as pd
import pytest

from pipeline.cycle.registry import Vocabulary, validate_registry

VOCAB = Vocabulary(
    areas={"0001": "Råby", "0002": "Centrum", "0003": "Bäckby"},
    families={"vandalism": "Skadegörelse och klotter", "violence": "Våld i offentlig miljö"},
    est_types=("Klotter", "Nedskräpning"),
    places=("Råby torg", "Stora torget"),
    survey_indicators={"unsafe_evening": "Otrygg ute sen kväll", "big_problem_littering": "Nedskräpning"},
)


def sheets(**changes) -> dict[str, pd.DataFrame]:
    """A valid registry; ``changes`` = {sheet key: (row index, column, new value)} or a frame."""
    out = {
        "Problembilder": pd.DataFrame({"Problem-id": ["P1", "P2"], "Rang": ["1", "2"], "Område": ["Råby", "Centrum"],
                                       "Problemområde": ["Skadegörelse och klotter", "violence"],
                                       "Prioriterad": ["ja", "nej"]}),
        "Åtgärder": pd.DataFrame({"Åtgärd-id": ["A1", "A2"], "Problem-id": ["P1", "P2"], "Löfte-id": ["L1", ""],
                                  "Åtgärd": ["Klottersanering inom 24 timmar", "Trygghetsvandring"],
                                  "Ansvarig organisation": ["Park och gata", "Polisen"],
                                  "Ansvarig roll": ["Enhetschef", "Kommunpolis"], "Start": ["2025-04-01", "2025-05-01"],
                                  "Slut": ["2025-09-30", "2025-05-31"], "Status": ["klar", "pågår"],
                                  "Klar datum": ["2025-09-15 00:00:00", ""], "Uppföljning": ["", ""]}),
        "Medborgarlöften": pd.DataFrame({"Löfte-id": ["L1", "L2", "L3"], "Problem-id": ["P1", "P1", "P2"],
                                         "Löfte": ["Vi sanerar klotter inom ett dygn.", "Vi städar torget.",
                                                   "Vi är på plats fredagskvällar."],
                                         "Period": ["2025H1", "oktober 2025–mars 2026", "april–september 2025"],
                                         "Indikatortyp": ["brott", "EST", "enkät"],
                                         "Mått": ["Skadegörelse och klotter", "Nedskräpning", "Otrygg ute sen kväll"],
                                         "Område eller plats": ["Råby", "Råby torg", "Centrum"],
                                         "Utgångsvärde": ["", "", ""], "Mål": ["-20 %", "", ""]}),
        "Orsaksanalys": pd.DataFrame({"Problem-id": ["P1", "P1"], "Perspektiv": ["Plats/situation", "Offer"],
                                      "Orsak": ["Mörk gångtunnel", ""], "Bakomliggande orsak": ["", ""],
                                      "Belägg": ["Trygghetsvandring", ""], "Åtgärd-id": ["A1", ""]}),
    }
    for key, change in changes.items():
        name = {"problems": "Problembilder", "actions": "Åtgärder", "promises": "Medborgarlöften",
                "causes": "Orsaksanalys"}[key]
        if isinstance(change, pd.DataFrame):
            out[name] = change
        else:
            row, col, value = change
            out[name].loc[row, col] = value
    return out


def errors(**changes) -> list[str]:
    return [str(i) for i in validate_registry(sheets(**changes), VOCAB, "reg.xlsx").errors]


def test_valid_registry_has_no_errors_and_canonical_columns():
    reg = validate_registry(sheets(), VOCAB, "reg.xlsx")
    assert reg.errors == []
    q = reg.promises.set_index("promise_id")
    assert list(q["period_id"]) == ["2025H1", "2025H2", "2025H1"]
    assert (q.loc["L1", "kind"], q.loc["L1", "measure_id"], q.loc["L1", "unit_id"]) == ("crime", "vandalism", "0001")
    assert (q.loc["L2", "kind"], q.loc["L2", "measure_id"], q.loc["L2", "unit_id"]) == ("est", "Nedskräpning", "Råby torg")
    assert (q.loc["L3", "measure_id"], q.loc["L3", "unit_id"]) == ("unsafe_evening", "0002")
    a = reg.actions.set_index("action_id")
    assert str(a.loc["A1", "done_date"]) == "2025-09-15" and a.loc["A2", "status_code"] == "ongoing"
    assert list(reg.problems["is_prioritised"]) == [True, False]
    assert len(reg.causes) == 1  # the row without a cause is an unfilled template row


# ---- rule 1: löfte periods are April–September or October–March
@pytest.mark.parametrize("period", ["maj–oktober 2025", "2025-04-01–2025-10-31", "januari–juni 2025"])
def test_period_outside_the_two_windows_is_one_error_naming_the_cell(period):
    assert errors(promises=(0, "Period", period)) == [
        f"reg.xlsx, sheet Medborgarlöften, row 2, column Period: '{period}' runs "
        + {"maj–oktober 2025": "2025-05-01 to 2025-10-31", "2025-04-01–2025-10-31": "2025-04-01 to 2025-10-31",
           "januari–juni 2025": "2025-01-01 to 2025-06-30"}[period]
        + ", which is not a löfte period; use April–September or October–March, e.g. 2025H1 "
          "(april–september 2025) or 2025H2 (oktober 2025–mars 2026)"]


def test_unreadable_period_is_an_error():
    (e,) = errors(promises=(1, "Period", "hösten 2025"))
    assert e.startswith("reg.xlsx, sheet Medborgarlöften, row 3, column Period: 'hösten 2025' is not a period")


# ---- rule 2: every action has a responsible party
def test_action_without_responsible_organisation():
    assert errors(actions=(1, "Ansvarig organisation", "")) == [
        "reg.xlsx, sheet Åtgärder, row 3, column Ansvarig organisation: action 'A2' has no responsible organisation; "
        "every action needs one (the role may stay empty)"]


def test_missing_role_is_a_warning_not_an_error():
    reg = validate_registry(sheets(actions=(0, "Ansvarig roll", "")), VOCAB, "reg.xlsx")
    assert reg.errors == [] and len(reg.warnings) == 1 and "Ansvarig roll" in str(reg.warnings[0])


# ---- rule 3: every löfte names an indicator the pipeline can compute
def test_crime_indicator_needs_a_known_family():
    assert errors(promises=(0, "Mått", "Cykelstölder")) == [
        "reg.xlsx, sheet Medborgarlöften, row 2, column Mått: the indicator cannot be computed: 'Cykelstölder' is no "
        "crime family; use one of Skadegörelse och klotter, Våld i offentlig miljö"]


def test_crime_indicator_needs_a_known_area_with_a_suggestion():
    (e,) = errors(promises=(0, "Område eller plats", "Raby"))
    assert e == ("reg.xlsx, sheet Medborgarlöften, row 2, column Område eller plats: the indicator cannot be "
                 "computed: 'Raby' is no area of the kommun (did you mean 'Råby'?)")


def test_est_indicator_needs_a_known_type_and_place():
    (e,) = errors(promises=(1, "Mått", "Buskörning"))
    assert "column Mått" in e and "'Buskörning' is no EST type" in e and "Klotter, Nedskräpning" in e
    (e,) = errors(promises=(1, "Område eller plats", "Månen"))
    assert "column Område eller plats" in e and "'Månen' is no EST place or area" in e


def test_est_indicator_may_name_a_whole_area():
    reg = validate_registry(sheets(promises=(1, "Område eller plats", "Bäckby")), VOCAB, "reg.xlsx")
    assert reg.errors == [] and reg.promises.loc[1, "unit_id"] == "area:0003"


def test_survey_indicator_needs_a_known_item():
    (e,) = errors(promises=(2, "Mått", "Nöjdhet med kollektivtrafiken"))
    assert "row 4, column Mått" in e and "is no survey item; use one of Otrygg ute sen kväll, Nedskräpning" in e


def test_unknown_indicator_type():
    (e,) = errors(promises=(0, "Indikatortyp", "känsla"))
    assert e.endswith("'känsla' is no indicator type; use brott (crime family × area), EST (EST type × place) or "
                      "enkät (survey item × area)")


# ---- bookkeeping rules
def test_duplicate_ids():
    (e,) = errors(actions=(1, "Åtgärd-id", "A1"))
    assert e == "reg.xlsx, sheet Åtgärder, row 3, column Åtgärd-id: 'A1' is used twice; give each row its own id"


def test_references_must_exist():
    assert errors(actions=(0, "Problem-id", "P9")) == [
        "reg.xlsx, sheet Åtgärder, row 2, column Problem-id: 'P9' is in no row of Problembilder; add the problembild "
        "or correct the id"]
    (e,) = errors(actions=(1, "Löfte-id", "L7"))
    assert "column Löfte-id: 'L7' is in no row of Medborgarlöften" in e
    (e,) = errors(causes=(0, "Åtgärd-id", "A1, A5"))
    assert "sheet Orsaksanalys, row 2, column Åtgärd-id: 'A5' is in no row of Åtgärder" in e


def test_dates_must_be_dates_and_in_order():
    (e,) = errors(actions=(0, "Slut", "sista september"))
    assert e == "reg.xlsx, sheet Åtgärder, row 2, column Slut: 'sista september' is no date; write it as YYYY-MM-DD"
    (e,) = errors(actions=(1, "Slut", "2025-04-01"))
    assert "ends 2025-04-01 before it starts 2025-05-01" in e


def test_status_must_be_known_and_done_needs_a_date():
    (e,) = errors(actions=(1, "Status", "nästan klar"))
    assert "column Status: 'nästan klar' is no status; use planerad, pågår, klar or inställd" in e
    (e,) = errors(actions=(0, "Klar datum", ""))
    assert "column Klar datum: the action is klar but has no date" in e


def test_problembild_needs_known_area_and_family():
    es = errors(problems=(1, "Problemområde", "Buller"))
    assert es == ["reg.xlsx, sheet Problembilder, row 3, column Problemområde: 'Buller' is no problem family; use one "
                  "of Skadegörelse och klotter, Våld i offentlig miljö"]


def test_missing_sheet_and_missing_column():
    s = sheets()
    del s["Åtgärder"]
    es = [str(i) for i in validate_registry(s, VOCAB, "reg.xlsx").errors]
    assert es[0] == ("reg.xlsx: sheet 'Åtgärder' is missing; add it (see the template from "
                     "`lagesbild registry-template`)")
    assert es[1:] == ["reg.xlsx, sheet Orsaksanalys, row 2, column Åtgärd-id: 'A1' is in no row of Åtgärder"]
    (e,) = errors(promises=sheets()["Medborgarlöften"].drop(columns=["Period"]))
    assert e == "reg.xlsx, sheet Medborgarlöften: column 'Period' is missing; add it (the template has every column)"


def test_empty_required_cell_and_unknown_perspective():
    (e,) = errors(promises=(0, "Löfte", ""))
    assert e == "reg.xlsx, sheet Medborgarlöften, row 2, column Löfte: is empty; fill it in"
    (e,) = errors(causes=(0, "Perspektiv", "Samhället"))
    assert "'Samhället' is no perspective; use Plats/situation, Offer or Gärningsperson" in e


def test_personal_data_in_the_free_text_is_removed_on_reading_and_counted_without_echo():
    """The reports (the public one too) and the follow-up tables show the registry's free text:
    names, personnummer, phone numbers and e-mail addresses written into it are removed when it
    is read, and a warning counts them without showing them."""
    data = sheets()
    data["Orsaksanalys"].loc[0, "Orsak"] = "Mohammed Al-Hassan 19850101-1236 säljer vid Råby torg"
    data["Åtgärder"].loc[0, "Ansvarig roll"] = "Anna Svensson 070-123 45 67"
    data["Åtgärder"].loc[1, "Uppföljning"] = "Ring Kjell Kjellberg 0701234567, kjell@exempel.se"
    reg = validate_registry(data, VOCAB, "reg.xlsx")
    text = " ".join(" ".join(map(str, f.to_numpy().ravel())) for f in (reg.actions, reg.causes, reg.promises))
    for secret in ("Mohammed", "Al-Hassan", "19850101", "Anna", "Svensson", "070-123", "Kjell", "0701234567",
                   "kjell@exempel.se"):
        assert secret not in text
    assert "Råby torg" in reg.causes.loc[0, "cause"] and reg.causes.loc[0, "cause"].endswith("säljer vid Råby torg")
    assert reg.scrubbed["personnummer"] == 1 and reg.scrubbed["phone"] == 2 and reg.scrubbed["email"] == 1
    assert reg.scrubbed["name"] >= 3
    warning = [str(i) for i in reg.warnings if "personal data" in str(i)]
    assert len(warning) == 1 and "1 personnummer" in warning[0] and "Anna" not in warning[0]
    # structured cells and the untouched texts stay as written
    assert list(reg.actions["action_id"]) == ["A1", "A2"] and reg.actions.loc[1, "organisation"] == "Polisen"
    assert reg.actions.loc[0, "what"] == "Klottersanering inom 24 timmar" and reg.errors == []


def test_a_registry_without_personal_data_gets_no_warning_about_it():
    reg = validate_registry(sheets(), VOCAB, "reg.xlsx")
    assert not any("personal data" in str(i) for i in reg.issues) and not any(reg.scrubbed.values())
