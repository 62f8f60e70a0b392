"""Adversarial tests for personal-data scrubbing (pipeline.text.scrub)."""

import unicodedata

import pandas as pd
import pytest

from pipeline.text.normalise import is_stop_word
from pipeline.text.scrub import first_names, luhn_ok, scrub, scrub_series

ALLOW = frozenset({"Bäckby", "Råby", "Råby torg", "Vallby", "Hamre", "Skälby", "Vasaparken", "Önsta-Gryta",
                   "Pettersberg", "Erikslund"})


def assert_scrubbed(text: str, expected: str) -> str:
    """scrub(text) gives ``expected`` and counts one name per ``[namn]`` in it; returns the output."""
    out, c = scrub(text, ALLOW)
    assert out == expected
    assert c["name"] == expected.count("[namn]")
    return out


def with_check(nine: str) -> str:
    """Append the Luhn check digit to nine digits (hand-rolled independently of luhn_ok)."""
    s = 0
    for i, ch in enumerate(nine):
        v = int(ch) * (2 - i % 2)
        s += v // 10 + v % 10
    return nine + str((10 - s % 10) % 10)


PNR10 = with_check("850612123")      # 850612123 + check
SAM10 = with_check("850672123")      # day 12 + 60


def test_luhn_against_known_examples():
    # Skatteverket's example personnummer 811218-9876 is valid; changing the check digit breaks it
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")
    assert luhn_ok(PNR10) and luhn_ok(SAM10)
    # by hand: 8·2→7, 5, 0, 6, 1·2=2, 2, 1·2=2, 2, 3·2=6 → 32 → check digit 8
    assert PNR10 == "8506121238"


@pytest.mark.parametrize("written", [
    f"{PNR10[:6]}-{PNR10[6:]}",          # YYMMDD-NNNN
    f"{PNR10[:6]}+{PNR10[6:]}",          # 100 years or older
    PNR10,                               # YYMMDDNNNN
    f"19{PNR10[:6]}-{PNR10[6:]}",        # YYYYMMDD-NNNN
    f"19{PNR10}",                        # YYYYMMDDNNNN
    f"{PNR10[:6]} {PNR10[6:]}",          # space instead of dash
])
def test_personnummer_forms(written):
    out, c = scrub(f"Pojken har personnr {written} enligt skolan.")
    assert written not in out and "[personnummer]" in out
    assert c["personnummer"] == 1 and c["samordningsnummer"] == 0
    out, c = scrub(f"Uppgiften {written}, noterad.")  # valid Luhn: removed without a label
    assert out == "Uppgiften [personnummer], noterad." and c["personnummer"] == 1


@pytest.mark.parametrize("written", [f"{SAM10[:6]}-{SAM10[6:]}", f"20{SAM10}", SAM10])
def test_samordningsnummer(written):
    out, c = scrub(f"Hon har {written} som id.")
    assert out == "Hon har [samordningsnummer] som id."
    assert c == {"personnummer": 0, "samordningsnummer": 1, "phone": 0, "email": 0, "name": 0, "address": 0,
                 "registration": 0}


def test_luhn_failure_left_unless_labelled():
    bad = PNR10[:-1] + str((int(PNR10[-1]) + 1) % 10)
    out, c = scrub(f"Ordernummer {bad[:6]}-{bad[6:]} i systemet.")
    assert f"{bad[:6]}-{bad[6:]}" in out and c["personnummer"] == 0
    out, c = scrub(f"Personnummer: {bad[:6]}-{bad[6:]}")
    assert out == "Personnummer: [personnummer]" and c["personnummer"] == 1
    out, c = scrub(f"pnr {bad}")
    assert out == "pnr [personnummer]"


def test_a_personnummer_written_in_full_goes_even_with_a_wrong_check_digit():
    """Century and separator (19850101-1234) are how a personnummer is written; a mistyped check
    digit still points at a person. Without them a failing number stays (an order number, or a
    timestamp such as 202503011230)."""
    bad = PNR10[:-1] + str((int(PNR10[-1]) + 1) % 10)
    assert not luhn_ok(bad) and not luhn_ok("8501011234")
    for written in ("19850101-1234", f"19{bad[:6]}-{bad[6:]}", f"19{bad[:6]}+{bad[6:]}"):
        out, c = scrub(f"Hos {written} i Bäckby.")
        assert out == "Hos [personnummer] i Bäckby." and c["personnummer"] == 1
    for kept in ("198501011234", "850101-1234", "Tid 202503011230"):
        assert kept in scrub(f"Nummer {kept} i systemet.")[0]
    assert scrub("Skrev 19851301-1234 i fältet.")[0] == "Skrev 19851301-1234 i fältet."  # month 13: no date


@pytest.mark.parametrize("mail", ["anna @ exempel.se", "anna@ exempel.se", "anna.s @exempel.se"])
def test_email_with_spaces_around_the_at(mail):
    out, c = scrub(f"Mejla {mail} i morgon.")
    assert out == "Mejla [e-post] i morgon." and c["email"] == 1


@pytest.mark.parametrize("phone", [
    "070-123 45 67", "0701234567", "070 123 45 67", "070-1234567", "073 - 123 45 67", "076-12 34 567",
    "+46 70 123 45 67", "+46701234567", "+46 (0)70-123 45 67", "0046 70 123 45 67", "+46 21 12 34 56",
    "021-12 34 56", "021-123456", "08-123 456 78", "(021) 12 34 56",
])
def test_phone_forms(phone):
    out, c = scrub(f"Ring {phone} efter kl 18.")
    assert out == "Ring [telefon] efter kl 18.", out
    assert c["phone"] == 1 and sum(c.values()) == 1


@pytest.mark.parametrize("mail", ["anna.svensson@vasteras.se", "kalle_k+trygg@gmail.com", "x@mimer.se"])
def test_email(mail):
    out, c = scrub(f"Skicka till {mail}.")
    assert out == "Skicka till [e-post]." and c["email"] == 1


@pytest.mark.parametrize("text,expected", [
    ("Anna Svensson ringde om klottret.", "[namn] ringde om klottret."),                  # start
    ("Vi pratade med Mohammed vid Råby torg.", "Vi pratade med [namn] vid Råby torg."),   # middle
    ("Killarna som langar kallas Erik Karlsson", "Killarna som langar kallas [namn]"),    # end, no stop
    ("Mopeder i Vallby, enligt Lindström.", "Mopeder i Vallby, enligt [namn]."),          # surname alone
    ("Annas mamma ringde.", "[namn] mamma ringde."),                                       # genitive
    ("Sara och Liam hänger i Hamre.", "[namn] och [namn] hänger i Hamre."),
    ("Hans Andersson var på plats.", "[namn] var på plats."),                              # stop word + surname
    ("Anna-Karin Berg såg allt.", "[namn] såg allt."),
    ("Kontaktperson för ärendet är Ahmed Hussein.", "Kontaktperson för ärendet är [namn]."),
    ("Fatima ringde igen.", "[namn] ringde igen."),                                      # non-Nordic name
])
def test_names(text, expected):
    assert_scrubbed(text, expected)


@pytest.mark.parametrize("text", [
    "Möte 2025-03-07 kl. 18.30 med boende.",
    "Skadan kostade 1 500 kr, postnummer 722 11.",
    "Under 2024 och 2025 ökade klottret. Datum 07-03-2025.",
    "Hans bil stod vid Bäckbys centrum.",                 # Hans = his at a sentence start
    "Inga ungdomar i Skälby i kväll.",
    "Vid Råby torg var det lugnt. Pettersbergs skola och Erikslund också.",
    "Person i svart jacka sprang mot Önsta-Gryta.",
    "Brand i container vid Vasaparken.",
    "Ärende 5000-K123456-25 hos polisen, org.nr 556677-8899.",
    "Kort rapport efter helgen. Kontaktperson finns på Polisen.",
    "Bostadsbolaget Mimer och Räddningstjänsten var på plats vid Ica.",
])
def test_negative_cases_survive(text):
    out, c = scrub(text, ALLOW)
    assert out == text and sum(c.values()) == 0


def test_place_names_need_the_allow_list():
    assert scrub("Bråk i Erikslund.")[0] == "Bråk i [namn]."   # -lund looks like a surname
    assert scrub("Bråk i Erikslund.", ALLOW)[0] == "Bråk i Erikslund."


def test_deny_and_allow_lists():
    assert scrub("Träffade kalle på torget", deny=frozenset({"Kalle"}))[0] == "Träffade [namn] på torget"
    assert scrub("Träffade Maja vid Vasaparken")[0] == "Träffade [namn] vid Vasaparken"
    assert scrub("Träffade Maja vid Vasaparken", allow=frozenset({"Maja"}))[0] == "Träffade Maja vid Vasaparken"


def test_first_names_from_gender_guesser():
    names = first_names()
    assert {"Anna", "Erik", "Björn", "Åsa", "Mohammed", "Fatima", "Liam"} <= names
    assert "Bäckby" not in names and "Polisen" not in names
    # Hiroshi has a frequency only in the Japan column: not a name the scrubber looks for here
    assert "Hiroshi" not in names and "Hiroshi" in first_names(("japan",))


def test_everything_at_once_and_series():
    s = pd.Series([f"Ring Anna Svensson på 070-123 45 67 eller anna@x.se, pnr {PNR10[:6]}-{PNR10[6:]}.",
                   None, "Lugnt i Bäckby."], index=[10, 11, 12])
    out, c = scrub_series(s, allow=ALLOW)
    assert list(out.index) == [10, 11, 12]
    assert out[10] == "Ring [namn] på [telefon] eller [e-post], pnr [personnummer]."
    assert pd.isna(out[11]) and out[12] == "Lugnt i Bäckby."
    assert c == {"personnummer": 1, "samordningsnummer": 0, "phone": 1, "email": 1, "name": 1, "address": 0,
                 "registration": 0}
    again, c2 = scrub_series(out, allow=ALLOW)  # idempotent: tokens are not scrubbed again
    assert again.equals(out) and sum(c2.values()) == 0


def test_dotted_phone_number_is_removed_but_dotted_dates_stay():
    assert scrub("Ring 070.123.45.67 ikväll")[0] == "Ring [telefon] ikväll"
    assert scrub("Mötet 01.02.2025 kl 14.30")[0] == "Mötet 01.02.2025 kl 14.30"


@pytest.mark.parametrize(("text", "expected"), [
    ("Ring 070/123 45 67 i kväll", "Ring [telefon] i kväll"),
    ("pnr 85 03 12-1231 enligt skolan", "pnr [personnummer] enligt skolan"),
    ("mejla namn(at)domän.se eller namn [at] domän [dot] se", "mejla [e-post] eller [e-post]"),
    ("rektor anna svensson ringde", "rektor [namn] ringde"),
    ("RÄDDNINGSLEDARE KARL BERG kom", "RÄDDNINGSLEDARE [namn] kom"),
    ("fritidsledaren Bo sa", "fritidsledaren [namn] sa"),
    ("bråk på Storgatan 12 lgh 1102 i natt", "bråk på Storgatan [nr] i natt"),
    ("klotter vid Bäckbyvägen 5B", "klotter vid Bäckbyvägen [nr]"),
    ("en vit bil ABC 123 och en ABC12D", "en vit bil [regnr] och en [regnr]"),
])
def test_forms_that_were_missed_before(text, expected):
    assert scrub(text)[0] == expected


@pytest.mark.parametrize("text", ["polisen gick dit", "EST 2025 vecka 12", "fritidsledaren på Bäckby",
                                  "mellan 2023 och 2025", "SFS 2023:196", "Storgatan är avstängd",
                                  "rektor sa att klotter ökar"])
def test_titles_streets_and_years_alone_stay(text):
    assert scrub(text)[0] == text


@pytest.mark.parametrize("text", [
    "Många i Stockholm känner sig otrygga.",               # -holm: was "i [namn]"
    "Det är fler anmälningar i Stockholm än i Sundbyberg.",  # -berg
    "Ungdomar från Falkenberg, Varberg och Ängelholm.",    # a list a place heads
    "De flyttade till Olofström eller Hässleholm i Skåne län.",  # -ström, -holm; a län
    "Många i Sandviken, Ljungby, Strömsund, Kungsbacka och Borlänge svarade.",
    "Stockholms stad och Göteborgs kommun samarbetar.",     # genitive
    "Enligt Katrineholms kommun och Vaxholms stad.",
    "I Stockholms län och Västra Götalands län.",
    "22 mars 13:05, Rån, Stockholm",                       # Polisen's event title: the place field
    "Bråk i Falkenberg och Norberg under helgen.",          # a list a place heads
    "Mora kommun och Nora kommun deltar.",                 # first names, but before "kommun"
    "Det gäller Moras kommun.",
])
def test_kommun_and_lan_names_alone_are_places(text):
    out, c = scrub(text, ALLOW)
    assert out == text and c["name"] == 0


@pytest.mark.parametrize("text", [
    "Polisen i region Stockholm larmades.",                 # -holm: was "region [namn]"
    "Polisen vid region Stockholm och Gotland larmades.",   # Polisen's summaries
    "Polisregion Stockholm har fler poliser i år.",         # area word at a sentence start
    "Ärendet går till polisregionen Stockholm.",
    "Polisen i lokalpolisområde Falkenberg larmades.",      # -berg
    "Lokalpolisområde Ängelholm och Hässleholm svarade.",   # a list the place heads
    "Polisen i region Skåne och region Västra Götaland.",   # a region names a län
    "Patrullen kom från polisområde Sundbyberg.",
    "REGIONEN Stockholm",                                   # the area word in any case
    "Polisen i region Syd larmades.",                       # a police region that is a first name
    "Ärendet gick till polisregion Väst och region Nord.",
])
def test_kommun_and_lan_names_after_an_area_word_are_places(text):
    out, c = scrub(text, ALLOW)
    assert out == text and c["name"] == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("regionchef Anna Lund ringde.", "regionchef [namn] ringde."),      # a title word is no area word
    ("regionchef Norberg ringde.", "regionchef [namn] ringde."),
    ("Anna Falkenberg ringde.", "[namn] ringde."),
    ("region Anna Lund ringde.", "region [namn] ringde."),              # a first name is no place
    ("lokalpolisområde Falkenberg Anna ringde.", "lokalpolisområde [namn] ringde."),
    ("polisregion Mora ringde.", "polisregion [namn] ringde."),         # a kommun that is a first name
    ("region Syd Andersson ringde.", "region [namn] ringde."),          # a police region with a surname
    ("Syd ringde i går.", "[namn] ringde i går."),                      # no area word before it
    ("Samtal med regionen Syd Berg angående eleven.", "Samtal med regionen [namn] angående eleven."),
    ("region Falkenberg Berg", "region [namn]"),                        # a capitalised word follows
    # a region names a police region or a län, a polisregion a police region: not a kommun
    ("Efter mötet ringde regionen Norberg och berättade.", "Efter mötet ringde regionen [namn] och berättade."),
    ("Jag pratade med polisregion Syd och Norberg.", "Jag pratade med polisregion Syd och [namn]."),
    # after a definite area word a surname-like kommun may be a person the area is the subject of
    ("Under kvällen kontaktade polisområdet Falkenberg som bekräftade.",
     "Under kvällen kontaktade polisområdet [namn] som bekräftade."),
    ("Kontaktade polisområdet Falkenberg och Norberg om saken.", "Kontaktade polisområdet [namn] och [namn] om saken."),
    ("Lokalpolisområdet Ängelholm och Hässleholm svarade.", "Lokalpolisområdet [namn] och [namn] svarade."),
])
def test_names_after_an_area_word_or_title_still_go(text, expected):
    assert_scrubbed(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Anna Lund ringde", "[namn] ringde"),                                  # place-like surnames
    ("Karl Sala", "[namn]"),
    ("Eva Mora ringde om bilen.", "[namn] ringde om bilen."),
    ("Vi träffade Lars Falkenberg i Stockholm.", "Vi träffade [namn] i Stockholm."),
    ("Anna Stockholm Svensson kom.", "[namn] kom."),
    ("rektor Anna Lund ringde", "rektor [namn] ringde"),                    # title + name
    ("rektor Norberg ringde", "rektor [namn] ringde"),                      # title + place-like surname
    ("Enligt polisen Falkenberg var det lugnt.", "Enligt polisen [namn] var det lugnt."),
    ("Norberg Anna ringde.", "[namn] ringde."),                             # surname, first name
    ("Nora ringde igen.", "[namn] ringde igen."),                           # a lone first name goes
    # found in review: a kommun name with a surname ending and nothing saying it is a place
    # may be a person ("slagen av Norberg"), so it goes, as it did before place names were known
    ("Eleven blev slagen av Norberg i matsalen.", "Eleven blev slagen av [namn] i matsalen."),
    ("K. Falkenberg ringde igen.", "K. [namn] ringde igen."),
    ("Advokat Norberg företräder honom.", "Advokat [namn] företräder honom."),
    ("Familjen Falkenberg har flyttat.", "Familjen [namn] har flyttat."),
    ("Stockholm har fler anmälningar än Sundbyberg.", "[namn] har fler anmälningar än [namn]."),
    ("Vi mötte Eva Man Lindqvist Ek Berg.", "Vi mötte [namn]."),                # five words, one name
])
def test_place_like_surnames_of_persons_still_go(text, expected):
    out = assert_scrubbed(text, expected)
    assert not any(w in out for w in ("Lund", "Sala", "Mora", "Falkenberg", "Norberg", "Svensson", "Nora"))


@pytest.mark.parametrize(("text", "expected"), [
    ("Anna Vara ringde.", "[namn] ringde."),                        # vara = to be
    ("Vi såg Eva Man i går.", "Vi såg [namn] i går."),              # man = one
    ("Bo Bra och Lars Stor kom.", "[namn] och [namn] kom."),
    ("Anna Maria Vara ringde.", "[namn] ringde."),                  # after a second given name
    ("Vi mötte Eva Alla och Karin Hans.", "Vi mötte [namn] och [namn]."),  # stop words that are first names: one name each
    ("Anna Vara från Vara kommun ringde.", "[namn] från Vara kommun ringde."),  # the kommun stays
    ("rektor Anna Vara ringde.", "rektor [namn] ringde."),          # after a title
    ("rektor anna Vara ringde.", "rektor [namn] ringde."),          # after a title, first name in lower case
    ("Anna När ringde.", "[namn] ringde."),
])
def test_capitalised_stop_word_after_a_first_name_is_a_surname(text, expected):
    assert_scrubbed(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Anna var där.", "[namn] var där."),                           # lower case: the verb
    ("Jag ringde Anna. Var är hon?", "Jag ringde [namn]. Var är hon?"),  # next sentence
    ("Jag ringde Anna\nMan vet inte var hon är.", "Jag ringde [namn]\nMan vet inte var hon är."),
    ("Anna, Man vet aldrig.", "[namn], Man vet aldrig."),
    ("rektor anna var där", "rektor [namn] var där"),
    ("RÄDDNINGSLEDARE KARL BERG KOM", "RÄDDNINGSLEDARE [namn] KOM"),  # all capitals: the stop word ends it
    ("Många i Vara och Lilla Edet svarade.", "Många i Vara och Lilla Edet svarade."),  # kommuner alone
])
def test_stop_words_still_end_a_name_when_not_capitalised_after_it(text, expected):
    assert_scrubbed(text, expected)


def test_a_capital_after_a_lower_case_stop_word_after_a_title_stays():
    # "vid" is also a first name (Vid), but written in lower case after "polisen" it is the preposition
    assert scrub("Larm till polisen vid Malmö central.")[0] == "Larm till polisen vid Malmö central."


def test_stop_words_with_swedish_letters_are_stop_words():
    assert is_stop_word("När") and is_stop_word("även") and is_stop_word("ÖVER") and is_stop_word("då")
    assert not is_stop_word("hår") and not is_stop_word("Anna")  # hår (hair) is not har (has)


@pytest.mark.parametrize(("text", "expected"), [
    # the stop-word check compared the folded word ("ar", "pa", "nar", "aven") with the accented
    # list, so these stop words were joined to the name: "RÄDDNINGSLEDARE [namn] PLATS",
    # "POLISEN [namn] VI KOM", "... med [namn] grannen såg det.", "Enligt [namn] grannen sa."
    ("RÄDDNINGSLEDARE KARL BERG ÄR PÅ PLATS", "RÄDDNINGSLEDARE [namn] ÄR PÅ PLATS"),
    ("POLISEN KARL BERG NÄR VI KOM", "POLISEN [namn] NÄR VI KOM"),
    ("Vi pratade med Anna Karlsson Även grannen såg det.", "Vi pratade med [namn] Även grannen såg det."),
    ("Enligt Lindström Också grannen sa.", "Enligt [namn] Också grannen sa."),
    ("Anna När ringde.", "[namn] ringde."),  # right after a first name it is still a surname
])
def test_capitalised_stop_words_with_swedish_letters_end_a_name(text, expected):
    assert_scrubbed(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    # a lower-case preposition right after a title is not a name, though Vid is a first name
    # (before: "Larmade polisen [namn] Malmö central.")
    ("Larmade polisen vid Malmö central.", "Larmade polisen vid Malmö central."),
    ("Väktaren vid entrén såg allt.", "Väktaren vid entrén såg allt."),
    # a lower-case name right after the preposition still goes; a kommun there stays
    ("polisen vid anna svensson ringde.", "polisen vid [namn] ringde."),
    ("väktaren vid bergström stod där", "väktaren vid [namn] stod där"),
    ("Tre personer smiter från polisen vid en trafikkontroll.", "Tre personer smiter från polisen vid en trafikkontroll."),
    ("polisen i mora", "polisen i mora"),
    # every other lower-case first name after a title still goes, stop word or not: privacy first
    ("rektor inga ringde", "rektor [namn] ringde"),
    ("rektor per ringde", "rektor [namn] ringde"),       # "per" is a preposition too, but Per is common
    ("polisen han kom", "polisen [namn] kom"),           # over-redacted on purpose: han = he
    ("rektor Anna Svensson", "rektor [namn]"),
    ("polisen Vid Svensson ringde", "polisen [namn] ringde"),  # capitalised: the name Vid
])
def test_a_lower_case_preposition_after_a_title_is_not_a_name(text, expected):
    assert_scrubbed(text, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("Rektor Björn Öberg var där.", "Rektor [namn] var där."),
    ("Åsa Nilsson ringde om eleven.", "[namn] ringde om eleven."),
    ("rektor åsa ringde", "rektor [namn] ringde"),
])
def test_decomposed_letters_are_composed_before_names_are_sought(text, expected):
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text  # the input really is decomposed (o + combining diaeresis)
    out, c = scrub(decomposed, ALLOW)
    assert out == expected and c["name"] == 1
