"""Word lists and look-ups the name rules use (:mod:`pipeline.text.names`).

First names (gender-guesser's ``nam_dict.txt``), kommun and län names (packaged lists), titles,
place nouns and prepositions, area words, the surname endings, and the allow-list folding that
:func:`pipeline.text.scrub.scrub` applies to its caller's lists.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from pipeline import defaults
from pipeline.text.normalise import fold

# words after which a name follows, in whatever case it is written ("rektor anna svensson")
TITLES = frozenset("""rektor rektorn biträdande lärare läraren mentor mentorn kurator kuratorn skolsköterska
    fritidsledare fritidsledaren fältassistent fältassistenten fältare vaktmästare vaktmästaren
    socialsekreterare socialsekreteraren handläggare handläggaren chef chefen enhetschef föreståndare
    föreståndaren väktare väktaren ordningsvakt ordningsvakten polis polisen kommunpolis kommunpolisen
    polisinspektör inspektör insatsledare räddningsledare räddningsledaren brandman hemtjänstpersonal
    undersköterska sjuksköterska präst prästen pastor diakon husvärd husvärden bovärd bovärden fastighetsskötare
    fastighetsskötaren ägaren ägare grannen granne herr fru fröken dr doktor mamma pappa eleven elev
    tjejen killen pojken flickan mannen kvinnan""".split())

# countries of gender-guesser's table whose first names are used (column order of nam_dict.txt)
NAME_COUNTRIES = ("sweden", "norway", "denmark", "finland", "great_britain", "ireland", "usa",
                  "arabia", "turkey", "bosniaand", "serbia", "croatia", "kosovo", "poland", "the_stans",
                  "israel", "other_countries")
_ALL_COUNTRIES = """great_britain ireland usa italy malta portugal spain france belgium luxembourg
    the_netherlands east_frisia germany austria swiss iceland denmark norway sweden finland estonia
    latvia lithuania poland czech_republic slovakia hungary romania bulgaria bosniaand croatia
    kosovo macedonia montenegro serbia slovenia albania greece russia belarus moldova ukraine
    armenia azerbaijan georgia the_stans turkey arabia israel china india japan korea vietnam
    other_countries""".split()
# capitalised words that are first names somewhere but in Swedish notes are brands, months or nouns
COMMON_WORDS = frozenset({
    "ica", "coop", "lidl", "willys", "maj", "person", "personen", "personer", "personal",
    "polisen", "polis", "mimer", "kommunen", "centrum", "torget", "parken", "skolan", "valborg",
    "lucia", "jul", "påsk", "midsommar",
})
# lower-case words after a place name that make it a place ("Mora kommun", "Stockholms stad")
PLACE_NOUNS = frozenset({"kommun", "kommuns", "kommunen", "kommunens", "stad", "stads", "län", "läns"})
# words right before a kommun name that make it a place ("i Stockholm", "från Falkenberg")
PLACE_PREPOSITIONS = frozenset({"i", "från", "till", "mot", "vid", "utanför", "nära", "inom", "genom", "kring",
                                "runt", "ur", "bort", "hem", "åt"})
# words naming an administrative or police area, and the kinds of place each names right after
# it: a police region (Polismyndigheten's seven), a län, or a kommun ("region Stockholm",
# "polisregion Syd", "lokalpolisområde Falkenberg"); matched in lower case. Not titles
# ("regionchef Norberg" is a person)
AREA_WORDS = {"region": ("police", "lan"), "regionen": ("police", "lan"), "polisregion": ("police",),
              "polisregionen": ("police",), "lokalpolisområde": ("kommun", "lan"),
              "lokalpolisområdet": ("kommun", "lan"), "polisområde": ("kommun", "lan"),
              "polisområdet": ("kommun", "lan")}
POLICE_REGIONS = frozenset({"Nord", "Mitt", "Stockholm", "Öst", "Väst", "Syd", "Bergslagen"})
# lower-case prepositions that never start a name after a title ("polisen vid Malmö" is a place,
# though Vid is a first name). Closed list; not "per": careless writers put "rektor per" for Per,
# and a leaked name costs more than a lost word
TITLE_PREPOSITIONS = frozenset("""vid i på från till mot med av under efter hos om utan genom för bakom framför
    mellan runt utanför inom enligt trots sedan åt över bland ur kring längs via bredvid ovanför nedanför
    intill invid utmed gentemot förbi bortom utom nära omkring inför före""".split())
SURNAME_END = re.compile(r"(?:sson|dotter|qvist|kvist|ström|strom|gren|berg|lund|holm|blad|stedt|quist)$")


@lru_cache(maxsize=2)
def first_names(countries: tuple[str, ...] = NAME_COUNTRIES) -> frozenset[str]:
    """First names from gender-guesser's ``nam_dict.txt`` with a frequency in ``countries``.

    The file has one name per line and one column per country (a character, blank where the
    name is not used; the line ends with "$"); comment lines start with "#" or "=". A name
    written with "+" (Abdel+Rahman) is kept whole, with a space and with a hyphen. The columns
    of all 48 000 lines are compared at once as a character matrix (numpy): the same set as a
    loop over the lines, in a quarter of the time (0.07 s, in every process that scrubs).
    """
    import numpy as np

    cols = np.array([30 + _ALL_COUNTRIES.index(c) for c in countries])
    lines = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text("utf-8").splitlines()
    width = max(map(len, lines))
    text = np.array(lines, dtype=f"U{width}")
    chars = text.view("U1").reshape(len(lines), width)  # "" past a line's end
    frequency = chars[:, cols]
    used = (frequency != " ") & (frequency != "") & (cols[None, :] < np.char.str_len(text)[:, None] - 1)
    wanted = ~np.isin(chars[:, 0], ["#", "=", "", " "]) & used.any(axis=1)
    out: set[str] = set()
    for line in text[wanted].tolist():
        name = line.split()[1]
        for rep in ("", " ", "-"):
            out.update(name.replace("+", rep).split())
    return frozenset(n for n in out if len(n) > 1)


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Folded names of Sweden's kommuner and län (packaged lists), whole ("malung-salen",
    "upplands vasby") and by space-separated part ("stockholms", "vasby")."""
    return _name_parts(list(defaults.kommuner()["kommun_name"]) + list(defaults.lan()["lan_name"])) - {"lan"}


@lru_cache(maxsize=1)
def lan_names() -> frozenset[str]:
    """Folded names of Sweden's län without "län" ("stockholms", "vastra gotalands", "skane"),
    whole and by space-separated part."""
    return _name_parts(fold(n).removesuffix(" lan") for n in defaults.lan()["lan_name"])


def _name_parts(names) -> frozenset[str]:
    """Each name folded, whole and by its space-separated parts."""
    out = set()
    for n in names:
        f = fold(n)
        out.add(f)
        out.update(f.split())
    return frozenset(out)


def is_lan(token: str) -> bool:
    """``token`` names a län ("Skåne", "Stockholms", "Gotland"), also in the genitive."""
    f, names = fold(token), lan_names()
    return f in names or f + "s" in names or (f.endswith("s") and f[:-1] in names)


def is_place(token: str) -> bool:
    """``token`` is a kommun or län name, also in the genitive or definite form (no hyphen
    parts: "Svensson-Falkenberg" is a surname)."""
    f, places = fold(token), place_names()
    return f in places or any(f.endswith(s) and f[: -len(s)] in places for s in ("s", "en", "ens"))


@lru_cache(maxsize=16)
def fold_set(words: frozenset[str]) -> frozenset[str]:
    """Folded words and their space/hyphen/slash parts. Cached: :func:`scrub` gets the same
    allow list (areas, gazetteer places, organisations) for every text of an export."""
    out = set()
    for w in words:
        for part in re.split(r"[\s\-/]+", fold(str(w))):
            if len(part) > 1:
                out.add(part)
    return frozenset(out)


def is_allowed(token: str, allow: frozenset[str]) -> bool:
    f = fold(token)
    if f in allow:
        return True
    for suf in ("ens", "ets", "ns", "en", "et", "s", "n"):
        if f.endswith(suf) and f[: -len(suf)] in allow:
            return True
    return any(p in allow for p in f.split("-")) if "-" in f else False


def capitalised(w: str) -> bool:
    """``w`` (its first hyphen part) is written with a capital and then lower case: "Vara", "Anna-Karin"."""
    head = w.split("-")[0]
    return head[:1].isupper() and len(head) > 1 and head[1:].islower()



# ---------------------------------------------------------------- genitive surnames (staff and resident text)
def _forms(bases: str, endings: tuple[str, ...] = ()) -> frozenset[str]:
    """Each base word folded, bare and with each ending added."""
    return frozenset(fold(b) + e for b in bases.split() for e in ("", *endings))


# nouns right after a genitive that make it a person's ("Lindbergs mamma", "Karlssons granne"):
# whole words, folded, with their definite, plural and genitive forms. They win over the place
# heads below ("Lindbergs arbetsplats" is a person's, though -plats is a place head)
PERSON_NOUNS = (
    _forms("""mamma morsa pappa farsa förälder sambo partner make maka fru kille tjej unge familj släkting kusin
           farmor mormor farfar morfar moster faster morbror farbror granne kompis vän flickvän pojkvän kollega
           chef elev hund katt bil lägenhet villa trädgård garage tomt arbetsplats""",
           ("n", "s", "ns", "r", "rna", "rnas"))
    | _forms("barn son dotter bror syster man hus hem", ("en", "et", "s", "ens", "ets"))
    | _forms("""mor modern moderns fadern faderns föräldrar föräldrarna föräldrarnas söner sönerna döttrar
             döttrarna bröder bröderna brorsa brorsan systrar systrarna syrra syrran barnbarn barnbarnen mannen
             hunden hundar katten katter bilen bilar huset hemmet tjejen tjejer killen killar ungen ungar ungarna
             familjen grannen grannar grannarna vännen vänner kompisen kompisar släkten släktingar kusiner"""))
# nouns (or the last part of a compound: "handelsområde", "pendeltågsstation", "fritidsgård")
# right after a genitive that make it a place's ("Mariebergs handelsområde", "Strombergs väg",
# "Gustavsbergs centrum"); folded, also with a definite or plural ending
PLACE_HEADS = re.compile(fold(
    r"(?:väg|gata|gränd|allé|backe|stig|torg|plats|led|kaj|esplanad|promenad|gång|slinga|stråk|park|strand|"
    r"brygga|hamn|bro|tunnel|centrum|center|station|område|galleria|marknad|bana|stadion|arena|hall|bad|skola|"
    r"gymnasium|gymnasie|universitet|högskola|bibliotek|kyrka|slott|sjukhus|vårdcentral|bygd|skog|sjö|"
    r"udde|holme|fabrik|bruk|hage|kvarter|församling|socken|hotell|camping|terminal|hållplats|parkering|"
    r"rondell|korsning|trafikplats|industri|gruva|fält|vass|kanal|bäck|damm|höjd|kulle|stadsdel|gård|koloni|"
    r"polis|räddningstjänst)"
    r"(?:en|et|n|t|na|ar|arna|er|erna|s|ens|ets|ns)?$"))
# short place words, compass words and sports-club abbreviations, matched whole ("Gustavsbergs
# IK", "Stockholms södra station")
PLACE_WORDS = _forms("by byn ö ön å ån ip ik if ff bk fk sk bois gif "
                     "södra norra östra västra centrala inre yttre")
# kin words before -dotter: a lower-case "systerdotters pojkvän" is a niece's, not Systerdotter's
KIN_PREFIXES = _forms("styv bonus svär son sons dotter dotters bror brors syster systers kusin foster plast adoptiv")


def has_surname_ending(folded: str) -> bool:
    """A folded word with a surname ending (:data:`SURNAME_END`) and at least two letters before
    it: "lindberg", "karlsson"; not "berg"."""
    m = SURNAME_END.search(folded)
    return bool(m) and len(folded) - len(m.group()) >= 2


def genitive_surname(w: str) -> bool:
    """``w`` is a genitive whose stem has a surname ending (:func:`has_surname_ending`):
    "Lindbergs", "Karlssons", "Lindqvists", "LINDBERGS"; not "Bergs"."""
    f = fold(w)
    return f.endswith("s") and has_surname_ending(f[:-1])


def person_noun(w: str) -> bool:
    """``w`` is a family, person, pet or home noun of :data:`PERSON_NOUNS`, in any case."""
    return fold(w) in PERSON_NOUNS


def place_head(w: str) -> bool:
    """``w`` is a place noun (:data:`PLACE_HEADS`, also as a compound's last part) or one of
    :data:`PLACE_WORDS`, in any case, and no :data:`PERSON_NOUNS`."""
    f = fold(w)
    return f not in PERSON_NOUNS and (f in PLACE_WORDS or bool(PLACE_HEADS.search(f)))


def kin_compound(w: str) -> bool:
    """A kin word ending in -dotter in the genitive ("systerdotters", "styvdotters"), not a surname."""
    f = fold(w)
    return f.endswith("dotters") and f[:-len("dotters")] in KIN_PREFIXES
