"""Remove personal data from free text before it is stored (DOMAIN.md §6).

Removed, in this order, each replaced by a token and counted by kind:

1. e-mail addresses → ``[e-post]`` (kind ``email``);
2. personnummer ``(CC)YYMMDD[-+ ]NNNN`` → ``[personnummer]`` and samordningsnummer (day + 60)
   → ``[samordningsnummer]``, when month and day are valid and the Luhn check digit holds.
   A number of that shape that fails the check is left (it is most likely an order or case
   number) *unless* the words personnummer/pnr/samordningsnummer stand just before it; ten
   digits starting ``07`` without a separator are left to the phone rule (mobile numbers);
3. phone numbers: ``0``-prefixed national numbers with 8–10 digits (separators: space, dash,
   dot, bracket) and ``+46``/``0046``
   numbers with 7–9 digits after the country code, with any spacing or dashes → ``[telefon]``;
   date-shaped digit runs (``07-03-2025``) are left;
4. street numbers → ``Storgatan [nr]`` (kind ``address``; the street stays for place linking,
   the house and flat number go) and car registrations ``ABC 123``/``ABC 12D`` → ``[regnr]``;
5. names of persons → ``[namn]`` (kind ``name``; a first name plus its surname counts once),
   also written in lower case or capitals right after a title or role ("rektor anna svensson");
   a lower-case preposition there is not a name ("polisen vid Malmö"), a lower-case name right
   after it is ("polisen vid anna svensson"), any other first name is ("rektor inga ringde",
   also "rektor per ringde"; "polisen han kom" loses "han"). Text is composed (NFC) first.

E-mail addresses include written-out forms (``namn(at)domän.se``); phone numbers take ``/`` as
a separator (``070/123 45 67``); a personnummer may have spaces (``85 03 12-1231``).

Names: a capitalised word is a first name when it is in the bundled first-name list of the
``gender-guesser`` package (Jörg Michael's ``nam_dict.txt``; entries used in Sweden, the other
Nordic countries except Iceland, the English-speaking countries (newer names such as Liam and
Noah) and the largest origin countries of people born abroad living in Sweden). Capitalised
words right after it (no punctuation between) are taken as its surname(s), a stop word too when it
comes straight after the first name (``Anna Vara``, ``Eva Man``: function words are not
capitalised inside a sentence; ``Anna var där`` keeps ``var``). Stop words are the
``stopwordsiso`` list, matched in any case with å, ä and ö kept (``När``, ``Även``, ``ÖVER``). A
capitalised word with a typical surname ending (-sson, -dotter, -qvist, -ström, -gren, -berg,
-lund, -holm, ...; not plain -son, which would take ``Kontaktperson``) is a name on its own; a
genitive ``Annas`` is a name. The name of a kommun or län (packaged lists; ``Stockholm``, ``Falkenberg``, also
``Stockholms``) does not start a name where the text makes it a place: after a place preposition
(``i Stockholm``), after a word naming an administrative or police area when it is the kind of
place that word names and no capitalised word follows (``region Syd``, ``region Skåne``,
``polisregion Stockholm``, ``lokalpolisområde Falkenberg``; after a definite area word a name with
a surname ending goes: ``kontaktade polisområdet Falkenberg som ...``; a title such as
``regionchef`` is none), before ``kommun``, ``stad`` or ``län``, after
a comma (a list, or the place field of an event title: ``Misshandel, Stockholm``) or in a list
a place heads; alone it may be a person (``slagen av Norberg``) and goes. After a title (``rektor Norberg``), before a first name
(``Norberg Anna``) or after one (``Anna Lund`` goes whole) it is a name. A kommun that is also a
first name (Mora, Nora) is a place only before ``kommun``, ``stad`` or ``län``. At the start of
a sentence a first name that is also a Swedish stop word (``Hans``, ``Inga``, ``Dag``) is a name
only when a surname follows (``Hans bil`` stays, ``Hans Andersson`` goes). Icelandic names are not
used: many are Swedish words (``Kort``). Words in ``allow`` (area and gazetteer names, inflected
forms too) are never names; words in ``deny`` are always removed, in any case. A capitalised common noun that is also a
first name (``Björn`` = bear) is removed: Swedish nouns are lower case inside a sentence, so
the cost is a rare lost word at a sentence start, against a leaked name otherwise.

Hand-written: no maintained library detects Swedish personnummer, phone formats and names
offline. Limits: names in lower or upper case, nicknames and names missing from the list are
not found; see docs/methods-text.md.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import pandas as pd

from pipeline import defaults
from pipeline.text.normalise import WORD_RE, fold, is_stop_word, sentence_initial

KINDS = ("personnummer", "samordningsnummer", "phone", "email", "name", "address", "registration")
TOKENS = {"personnummer": "[personnummer]", "samordningsnummer": "[samordningsnummer]",
          "phone": "[telefon]", "email": "[e-post]", "name": "[namn]", "address": "[nr]",
          "registration": "[regnr]"}
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

_SEP = r"[ \u00a0\t]*[-–)./]?[ \u00a0\t]*"
PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)[ \u00a0]*46" + _SEP + r"(?:\(0\)" + _SEP + r")?[1-9](?:" + _SEP + r"\d){6,8}"
    r"|\(?0[1-9](?:" + _SEP + r"\d){6,8})(?!\d)"
)
DATE_LIKE = re.compile(r"\d{1,2}[-–./ ]\d{1,2}[-–./ ]\d{2,4}")
PNR_RE = re.compile(
    r"(?<![\d])(?P<cent>18|19|20)?(?P<yy>\d{2})[ \u00a0]?(?P<mm>\d{2})[ \u00a0]?(?P<dd>\d{2})"
    r"[ \u00a0]?(?P<sep>[-–+]?)[ \u00a0]?(?P<last>\d{4})(?!\d)"
)
PNR_LABEL = re.compile(r"(?:personnummer|personnr|pers\.?\s?nr|p-?nr|samordningsnummer|samordningsnr|"
                       r"samordnings-nr)\s*[:.]?\s*(?:är\s*)?$", re.IGNORECASE)
EMAIL_OBFUSCATED_RE = re.compile(  # namn(at)domän.se, namn [at] domän [dot] se, namn(snabel-a)domän.se
    r"(?<![\w.+-])[\w.+-]+\s*[(\[{<]\s*(?:at|snabel-?a)\s*[)\]}>]\s*[\w-]+"
    r"(?:\s*(?:\.|[(\[]\s*(?:dot|punkt)\s*[)\]])\s*[\w-]+)+", re.IGNORECASE)
STREET_RE = re.compile(  # a street name and its number (and flat): the number goes, the street stays
    r"\b(?P<street>[^\W\d_][^\W\d_-]*(?:-[^\W\d_]+)*(?:gatan|gata|vägen|väg|gränd|gränden|allén|allé|backe|"
    r"backen|stigen|stig|torg|torget|plan|platsen|leden|kajen|esplanaden|promenaden|gången|slingan|stråket))"
    r"(?P<number>[ \u00a0]+\d{1,4}(?:[ \u00a0]?[a-hA-H](?![^\W\d_]))?(?:[ \u00a0]*(?:lgh|lägenhet)\.?[ \u00a0]*\d{1,4})?)"
    r"(?!\d)", re.IGNORECASE)
REGISTRATION_RE = re.compile(r"\b[A-Z]{3}[ \u00a0]?\d{2}[0-9A-Z]\b")  # Swedish plates: ABC 123, ABC 12D
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check over a digit string; for a personnummer the 10 digits YYMMDDNNNN.

    Weights 2,1,2,1,... from the left; digits of the products are summed; valid when the
    total is divisible by 10 (Skatteverket, SKV 704).
    """
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


@lru_cache(maxsize=2)
def first_names(countries: tuple[str, ...] = NAME_COUNTRIES) -> frozenset[str]:
    """First names from gender-guesser's ``nam_dict.txt`` with a frequency in ``countries``."""
    cols = [30 + _ALL_COUNTRIES.index(c) for c in countries]
    text = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text("utf-8")
    out: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#=":
            continue
        if any(i < len(line) - 1 and line[i].strip() for i in cols):
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


def _is_lan(token: str) -> bool:
    """``token`` names a län ("Skåne", "Stockholms", "Gotland"), also in the genitive."""
    f, names = fold(token), lan_names()
    return f in names or f + "s" in names or (f.endswith("s") and f[:-1] in names)


def _is_place(token: str) -> bool:
    """``token`` is a kommun or län name, also in the genitive or definite form (no hyphen
    parts: "Svensson-Falkenberg" is a surname)."""
    f, places = fold(token), place_names()
    return f in places or any(f.endswith(s) and f[: -len(s)] in places for s in ("s", "en", "ens"))


@lru_cache(maxsize=16)
def _fold_set(words: frozenset[str]) -> frozenset[str]:
    """Folded words and their space/hyphen/slash parts. Cached: :func:`scrub` gets the same
    allow list (areas, gazetteer places, organisations) for every text of an export."""
    out = set()
    for w in words:
        for part in re.split(r"[\s\-/]+", fold(str(w))):
            if len(part) > 1:
                out.add(part)
    return frozenset(out)


def _is_allowed(token: str, allow: frozenset[str]) -> bool:
    f = fold(token)
    if f in allow:
        return True
    for suf in ("ens", "ets", "ns", "en", "et", "s", "n"):
        if f.endswith(suf) and f[: -len(suf)] in allow:
            return True
    return any(p in allow for p in f.split("-")) if "-" in f else False


def _capitalised(w: str) -> bool:
    """``w`` (its first hyphen part) is written with a capital and then lower case: "Vara", "Anna-Karin"."""
    head = w.split("-")[0]
    return head[:1].isupper() and len(head) > 1 and head[1:].islower()


def _title_name_spans(text: str, allow: frozenset[str]) -> list[tuple[int, int]]:
    """Names written after a title or role (:data:`TITLES`), in any case.

    The word right after the title starts a name when it is a first name of the list, in any
    case ("rektor anna svensson", "RÄDDNINGSLEDARE KARL BERG"), except a lower-case preposition
    of :data:`TITLE_PREPOSITIONS` ("polisen vid Malmö": Vid is a first name, "vid" is "at");
    after such a preposition a lower-case first name or surname-ending word that is no kommun
    or län starts the name ("polisen vid anna svensson").
    Following words join it while they are first names, have a surname ending, or are written
    in the same all-capitals; a word written with a capital right after a first name is its
    surname even when it is a stop word ("rektor anna Vara"), unless that first name is itself a
    lower-case stop word ("polisen han Malmö": "han" may be Han, "Malmö" is not his surname).

    Trade-off, privacy first: any other lower-case word after a title that is a first name is
    taken as one, a stop word too. "rektor inga ringde" and "rektor per ringde" lose the name
    Inga or Per; "polisen han kom" loses "han" (he) and "chefen alla" loses "alla" (all), words
    over-redacted rather than names leaked. An all-capitals preposition ("POLISEN VID") is
    taken as a name like any all-capitals first name.

    Parameters
    ----------
    text : str
        The text, after the number and address rules.
    allow : frozenset of str
        Folded words never taken as names (see :func:`scrub`).

    Returns
    -------
    list of (int, int)
        Start and end of each name found, in text order.
    """
    names = first_names()
    toks = list(WORD_RE.finditer(text))
    spans = []
    for i, t in enumerate(toks[:-1]):
        if t.group().lower() not in TITLES:
            continue
        nxt = toks[i + 1]
        w = nxt.group()
        if text[t.end():nxt.start()].strip(" \t:,") or _is_allowed(w, allow) or w[:1].upper() + w[1:].lower() not in names:
            continue
        start = i + 1
        if w.islower() and w in TITLE_PREPOSITIONS:
            # "polisen vid Malmö": the preposition, not Vid. A lower-case name right after it is
            # still one ("polisen vid anna svensson", "väktaren vid bergström"), a kommun or län
            # not ("polisen i mora")
            start = i + 2
            after = toks[start].group() if start < len(toks) else ""
            if (not after.islower() or text[nxt.end():toks[start].start()].strip(" \t") or _is_allowed(after, allow)
                    or _is_place(after) or not (after.capitalize() in names or SURNAME_END.search(fold(after)))):
                continue
            nxt, w = toks[start], after
        j = start
        upper = w.isupper()
        while (j + 1 < len(toks) and j - start < 3
               and not text[toks[j].end():toks[j + 1].start()].strip(" \t")):
            nw = toks[j + 1].group()
            cap = nw[:1].upper() + nw[1:].lower()
            if _is_allowed(nw, allow):
                break
            pw = toks[j].group()
            if (_capitalised(nw) and fold(nw) not in COMMON_WORDS and pw[:1].upper() + pw[1:].lower() in names
                    and not (pw.islower() and is_stop_word(pw))):
                j += 1
                continue
            if is_stop_word(nw):
                break
            if cap in names or SURNAME_END.search(fold(nw)) or (upper and nw.isupper()):
                j += 1
            else:
                break
        spans.append((nxt.start(), toks[j].end()))
    return spans


def _name_spans(text: str, allow: frozenset[str], deny: frozenset[str]) -> list[tuple[int, int]]:
    names = first_names()
    toks = [m for m in WORD_RE.finditer(text)]
    spans: list[tuple[int, int]] = []

    def plain(w: str) -> bool:  # a capitalised word that may be part of a name
        return _capitalised(w) and not _is_allowed(w, allow) and fold(w) not in COMMON_WORDS

    def is_first(w: str) -> bool:
        head = w.split("-")[0]
        return w in names or head in names or (w.endswith("s") and w[:-1] in names)

    def given(w: str) -> bool:  # a first name of the list (not its genitive: "Annas Man")
        return w in names or w.split("-")[0] in names

    def strong_surname(w: str) -> bool:
        f = fold(w)
        m = SURNAME_END.search(f)
        return bool(m) and len(f) - len(m.group()) >= 2 or w in names

    def between(a: int, b: int) -> str:  # the text between tokens a and b (a < b)
        return text[toks[a].end():toks[b].start()]

    def place_context(k: int) -> bool:
        """A place preposition right before token k ("i Stockholm"), a place noun right after it
        ("Norbergs kommun"), a comma before it (a list, or a record's place field: Polisen's
        event titles end ", Stockholm"), or "och"/"eller" after a place ("i Falkenberg och Laholm")."""
        if (k > 0 and not between(k - 1, k).strip(" \t")
                and toks[k - 1].group().lower() in PLACE_PREPOSITIONS):
            return True
        if k + 1 < len(toks) and not between(k, k + 1).strip(" \t") and toks[k + 1].group().lower() in PLACE_NOUNS:
            return True
        sep = between(k - 1, k).strip(" \t").lower() if k > 0 else ""
        if sep == ",":  # a list, or the place field of a record ("Misshandel, Stockholm")
            return True
        return (k > 1 and toks[k - 1].group().lower() in ("och", "eller") and not sep
                and not between(k - 2, k - 1).strip(" \t") and k - 2 in places_at)

    def area_place(k: int) -> bool:
        """Token k names the kind of place the area word right before it names (:data:`AREA_WORDS`):
        "region Syd", "polisregion Stockholm", "region Skåne", "lokalpolisområde Falkenberg". Not
        when a capitalised word follows ("region Syd Berg" is a person), and a definite area word
        before a kommun or län with a surname ending is taken as a subject with a person after it
        ("kontaktade polisområdet Falkenberg som ..."): privacy first."""
        area = toks[k - 1].group().lower() if k > 0 and not between(k - 1, k).strip(" \t") else ""
        kinds = AREA_WORDS.get(area)
        w = toks[k].group()
        nxt = toks[k + 1].group() if k + 1 < len(toks) and not between(k, k + 1).strip(" \t") else ""
        if not kinds or (nxt and _capitalised(nxt) and not is_stop_word(nxt)):
            return False
        if "police" in kinds and w.capitalize() in POLICE_REGIONS:
            return True
        if area.endswith(("en", "et")) and SURNAME_END.search(fold(w)):
            return False
        return ("lan" in kinds and _is_lan(w)) or ("kommun" in kinds and _is_place(w) and not is_first(w))

    places_at: set[int] = set()  # tokens taken as places, for the lists they head
    i = 0
    while i < len(toks):
        w = toks[i].group()
        f = fold(w)
        if f in deny:
            spans.append(toks[i].span())
            i += 1
            continue
        if not plain(w):
            i += 1
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        joined = nxt is not None and text[toks[i].end():nxt.start()].strip(" \t") == ""
        follows = joined and plain(nxt.group()) and not is_stop_word(nxt.group())
        # a kommun or län name (Stockholm, Falkenberg) is a place, not a name, where the text
        # says so: after a place preposition ("i Stockholm") or an area word ("region Stockholm",
        # "lokalpolisområde Falkenberg"; a title is none: "regionchef Norberg"), before "kommun",
        # "stad" or "län", or in a list such a place heads. Alone it may be a surname ("slagen av
        # Norberg") and goes like one. After a title ("rektor Norberg"), before a first name
        # ("Norberg Anna") or after one ("Anna Lund", in the loop below) it is a name. One that
        # is also a first name (Mora, Nora) is a place only before "kommun", "stad" or "län".
        after_title = (i > 0 and toks[i - 1].group().lower() in TITLES
                       and not text[toks[i - 1].end():toks[i].start()].strip(" \t"))
        if area_place(i):
            if "kommun" in AREA_WORDS[toks[i - 1].group().lower()]:
                places_at.add(i)  # "lokalpolisområde Falkenberg och Laholm"
            i += 1
            continue
        if (_is_place(w) and not after_title and not (follows and is_first(nxt.group()))
                and (not is_first(w) or joined and nxt.group().lower() in PLACE_NOUNS) and place_context(i)):
            places_at.add(i)
            i += 1
            continue
        hit = False
        if is_first(w):
            if sentence_initial(text, toks[i].start()):
                common = is_stop_word(w) or is_stop_word(w.rstrip("s"))
                hit = not common or (follows and strong_surname(nxt.group()))
            else:
                hit = True
        elif not is_stop_word(w) and strong_surname(w):
            hit = True
        if not hit:
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and j - i < 4:  # up to five words: surnames and further given names
            nw = toks[j + 1].group()
            if text[toks[j].end():toks[j + 1].start()].strip(" \t") or not plain(nw):
                break
            # a stop word ends the name ("Anna var där" has no capital), except one written with a
            # capital right after a first name, inside the sentence: function words are not
            # capitalised there, so it is a surname ("Anna Vara", "Eva Man", "Hans Alla")
            if is_stop_word(nw) and not given(toks[j].group()):
                break
            j += 1
        spans.append((toks[i].start(), toks[j].end()))
        i = j + 1
    return spans


def scrub(text: str, allow: frozenset[str] = frozenset(), deny: frozenset[str] = frozenset()
          ) -> tuple[str, dict[str, int]]:
    """Remove personal data from one text.

    Parameters
    ----------
    text : str
        Free text (Swedish).
    allow : frozenset of str
        Words never treated as names (area names, gazetteer place names, organisations);
        matched accent- and case-insensitively, also inflected (``Bäckbys``) and by hyphen part.
    deny : frozenset of str
        Words always removed as names, in any case.

    Returns
    -------
    (str, dict)
        The scrubbed text and the number of removals per kind in :data:`KINDS`.
    """
    counts = dict.fromkeys(KINDS, 0)
    if not isinstance(text, str) or not text:
        return text, counts
    # composed form first: a decomposed "Björn" (o + combining diaeresis) is not one word to the
    # rules below, and would pass as two harmless pieces
    text = unicodedata.normalize("NFC", text)
    allow_f, deny_f = _fold_set(frozenset(allow)), _fold_set(frozenset(deny))

    def _email(m: re.Match) -> str:
        counts["email"] += 1
        return TOKENS["email"]

    def _pnr(m: re.Match) -> str:
        if not m["cent"] and not m["sep"] and m.group().startswith("07"):
            return m.group()  # 07xxxxxxxx: a mobile number (the phone rule removes it)
        mm, dd = int(m["mm"]), int(m["dd"])
        kind = "samordningsnummer" if dd > 60 else "personnummer"
        valid_date = 1 <= mm <= 12 and (1 <= dd <= 31 or 61 <= dd <= 91)
        valid = valid_date and luhn_ok(m["yy"] + m["mm"] + m["dd"] + m["last"])
        if valid or PNR_LABEL.search(text[max(0, m.start() - 40):m.start()]):
            counts[kind] += 1
            return TOKENS[kind]
        return m.group()

    def _phone(m: re.Match) -> str:
        s = m.group()
        if DATE_LIKE.fullmatch(s.strip("()")):
            return s
        counts["phone"] += 1
        if s.startswith("(") and ")" not in s:  # "(070-123 45 67)": keep the bracket
            return "(" + TOKENS["phone"]
        return TOKENS["phone"]

    def _street(m: re.Match) -> str:
        counts["address"] += 1
        return m["street"] + " " + TOKENS["address"]

    def _plate(m: re.Match) -> str:
        counts["registration"] += 1
        return TOKENS["registration"]

    out = EMAIL_OBFUSCATED_RE.sub(_email, text)
    out = EMAIL_RE.sub(_email, out)
    text = out  # PNR_LABEL looks back in the current text
    out = PNR_RE.sub(_pnr, out)
    out = PHONE_RE.sub(_phone, out)
    out = STREET_RE.sub(_street, out)
    out = REGISTRATION_RE.sub(_plate, out)
    spans = sorted(set(_name_spans(out, allow_f, deny_f)) | set(_title_name_spans(out, allow_f)))
    merged: list[tuple[int, int]] = []
    for a, b in spans:  # a title-found name may overlap one found by capitals
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    spans = merged
    if spans:
        counts["name"] += len(spans)
        pieces, last = [], 0
        for a, b in spans:
            pieces.append(out[last:a])
            pieces.append(TOKENS["name"])
            last = b
        pieces.append(out[last:])
        out = "".join(pieces)
    return out, counts


def scrub_series(texts: pd.Series, allow: frozenset[str] = frozenset(), deny: frozenset[str] = frozenset()
                 ) -> tuple[pd.Series, dict[str, int]]:
    """:func:`scrub` every text of a Series (same index; NA stays NA) and total the removals by kind."""
    total = dict.fromkeys(KINDS, 0)
    cleaned = []
    for value in texts.tolist():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            cleaned.append(pd.NA)
            continue
        new, c = scrub(str(value), allow, deny)
        cleaned.append(new)
        for k, v in c.items():
            total[k] += v
    return pd.Series(cleaned, index=texts.index, dtype="str", name=texts.name), total
