"""Where names of persons stand in a text: the rules :func:`pipeline.text.scrub.scrub` applies.

A capitalised word is a first name when it is in the bundled first-name list of the
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

With ``genitive_surnames`` (staff notes, EST reports and survey answers;
:func:`pipeline.text.scrub.scrub` says why not Polisen's events) a surname in the genitive
standing alone is a name too: a word in -s whose stem has a surname ending with two letters or
more before it (``Lindbergs``, ``Karlssons``, ``Lindqvists``). It stays when it is a kommun or län (``Stockholms``,
``Falkenbergs ungdomar``), an allowed word (areas, gazetteer places), or when the next word is a
place noun, also as a compound's last part, a compass word or a club's abbreviation
(``Mariebergs handelsområde``, ``Strombergs väg``, ``Vårbergs fritidsgård``, ``Gustavsbergs IK``,
``Mariebergs östra del``); a person, family, pet or home noun is never a place noun there
(``Lindbergs arbetsplats`` goes). Capitalised it goes wherever else it stands (``hos
Karlssons``), by itself: the genitive ends a name, so a capital after it is not joined
(``Karlssons Hund``). In lower case or all capitals it goes only before a person, family, pet or
home noun (``lindbergs mamma``, ``LINDBERGS HUND``): lower-case words with these endings are
mostly nouns (``isbergs``, ``elströms``, ``verksamhetsgrens``), all-capital words are not sought
as names elsewhere either, and a kin word in -dotter (``systerdotters pojkvän``) is no surname.
"""

from __future__ import annotations

from pipeline.text.name_lists import (AREA_WORDS, COMMON_WORDS, PLACE_NOUNS, PLACE_PREPOSITIONS, POLICE_REGIONS,
                                      SURNAME_END, TITLE_PREPOSITIONS, TITLES, capitalised, first_names,
                                      genitive_surname, has_surname_ending, is_allowed, is_lan, is_place,
                                      kin_compound, person_noun, place_head)
from pipeline.text.normalise import WORD_RE, fold, is_stop_word, sentence_initial


def title_name_spans(text: str, allow: frozenset[str]) -> list[tuple[int, int]]:
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
        if text[t.end():nxt.start()].strip(" \t:,") or is_allowed(w, allow) or w[:1].upper() + w[1:].lower() not in names:
            continue
        start = i + 1
        if w.islower() and w in TITLE_PREPOSITIONS:
            # "polisen vid Malmö": the preposition, not Vid. A lower-case name right after it is
            # still one ("polisen vid anna svensson", "väktaren vid bergström"), a kommun or län
            # not ("polisen i mora")
            start = i + 2
            after = toks[start].group() if start < len(toks) else ""
            if (not after.islower() or text[nxt.end():toks[start].start()].strip(" \t") or is_allowed(after, allow)
                    or is_place(after) or not (after.capitalize() in names or SURNAME_END.search(fold(after)))):
                continue
            nxt, w = toks[start], after
        j = start
        upper = w.isupper()
        while (j + 1 < len(toks) and j - start < 3
               and not text[toks[j].end():toks[j + 1].start()].strip(" \t")):
            nw = toks[j + 1].group()
            cap = nw[:1].upper() + nw[1:].lower()
            if is_allowed(nw, allow):
                break
            pw = toks[j].group()
            if (capitalised(nw) and fold(nw) not in COMMON_WORDS and pw[:1].upper() + pw[1:].lower() in names
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


def name_spans(text: str, allow: frozenset[str], deny: frozenset[str], genitive_surnames: bool = False
               ) -> list[tuple[int, int]]:
    """Names found by capitals, surname endings and the deny list (see the module docstring);
    with ``genitive_surnames`` also a surname in the genitive standing alone (:func:`genitive_name`
    below; :func:`pipeline.text.scrub.scrub` says which texts get it and why)."""
    names = first_names()
    toks = [m for m in WORD_RE.finditer(text)]
    spans: list[tuple[int, int]] = []

    def plain(w: str) -> bool:  # a capitalised word that may be part of a name
        return capitalised(w) and not is_allowed(w, allow) and fold(w) not in COMMON_WORDS

    def is_first(w: str) -> bool:
        head = w.split("-")[0]
        return w in names or head in names or (w.endswith("s") and w[:-1] in names)

    def given(w: str) -> bool:  # a first name of the list (not its genitive: "Annas Man")
        return w in names or w.split("-")[0] in names

    def strong_surname(w: str) -> bool:
        return has_surname_ending(fold(w)) or w in names

    def between(a: int, b: int) -> str:  # the text between tokens a and b (a < b)
        return text[toks[a].end():toks[b].start()]

    def joined_next(k: int) -> str:  # the word right after token k with only blanks between, or ""
        return toks[k + 1].group() if k + 1 < len(toks) and not between(k, k + 1).strip(" \t") else ""

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
        w, nxt = toks[k].group(), joined_next(k)
        if not kinds or (nxt and capitalised(nxt) and not is_stop_word(nxt)):
            return False
        if "police" in kinds and w.capitalize() in POLICE_REGIONS:
            return True
        if area.endswith(("en", "et")) and SURNAME_END.search(fold(w)):
            return False
        return ("lan" in kinds and is_lan(w)) or ("kommun" in kinds and is_place(w) and not is_first(w))

    def genitive_name(k: int) -> bool:
        """Token k is a surname in the genitive standing alone ("Lindbergs mamma", "hos Karlssons"):
        a genitive with a surname ending (:func:`genitive_surname`) that is no kommun or län
        ("Stockholms"), no allowed word (areas, gazetteer places) and not followed by a place noun
        ("Mariebergs handelsområde", "Strombergs väg", "Gustavsbergs IK"; a person noun such as
        "arbetsplats" is none). Capitalised it is a name wherever it stands; in lower case or
        all capitals only before a person, family, pet or home noun ("lindbergs mamma",
        "LINDBERGS HUND"), and not as a kin word ("systerdotters pojkvän")."""
        w = toks[k].group()
        if not genitive_surname(w) or is_place(w) or is_allowed(w, allow) or is_stop_word(w):
            return False
        nxt = joined_next(k)
        if nxt and place_head(nxt):
            return False
        if capitalised(w):
            return fold(w) not in COMMON_WORDS
        return (w.islower() or w.isupper()) and bool(nxt) and person_noun(nxt) and not kin_compound(w)

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
            if genitive_surnames and not capitalised(w) and genitive_name(i):  # "lindbergs mamma"
                spans.append(toks[i].span())
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
        if (is_place(w) and not after_title and not (follows and is_first(nxt.group()))
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
        elif genitive_surnames and genitive_name(i):  # "Lindbergs mamma", "hos Karlssons"
            spans.append(toks[i].span())  # the genitive ends a name: "Karlssons Hund" keeps Hund
            i += 1
            continue
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

