"""Remove personal data from free text before it is stored (DOMAIN.md §6).

Removed, in this order, each replaced by a token and counted by kind:

1. e-mail addresses → ``[e-post]`` (kind ``email``);
2. personnummer ``(CC)YYMMDD[-+ ]NNNN`` → ``[personnummer]`` and samordningsnummer (day + 60)
   → ``[samordningsnummer]``, when month and day are valid and the Luhn check digit holds, or
   when it is written in full with century and separator (``19850101-1234``: a mistyped check
   digit still points at a person). A shorter number of that shape that fails the check is
   left (it is most likely an order or case number) *unless* the words
   personnummer/pnr/samordningsnummer stand just before it; ten digits starting ``07`` without
   a separator are left to the phone rule (mobile numbers);
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

A surname in the genitive standing alone ("Vi ringde Lindbergs mamma", "Enligt Karlssons
granne") is removed only when the caller asks, with ``genitive_surnames=True``: the staff notes,
EST and survey ingest do, since staff and residents name private persons; Polisen's events and crime
labels do not (the default). The police have already edited their events for publication, and
there such a genitive is nearly always a place ("Mariebergs handelsområde", "Stockholms
centralstation", "Strombergs väg", "Gustavsbergs centrum"). Even where the rule applies, a
genitive that is a kommun or län, an allowed word or followed by a place noun stays
(:func:`pipeline.text.names.name_spans`): on all 127 196 texts of Polisen's archive (2023-03 to
2025-09) the rule with only the kommun/län check changed 44 texts, every one a place; with the
place nouns too it changes 4, each a place whose next word the summary cuts off ("Hornsbergs str").

E-mail addresses include written-out forms (``namn(at)domän.se``) and spaces around the ``@``
(``anna @ exempel.se``); phone numbers take ``/`` as
a separator (``070/123 45 67``); a personnummer may have spaces (``85 03 12-1231``).

Names are found by the rules of :mod:`pipeline.text.names` (described there, and in
docs/methods-text.md), with the word lists of :mod:`pipeline.text.name_lists`; this module is
the public API and the number, address and registration rules.

Hand-written: no maintained library detects Swedish personnummer, phone formats and names
offline. Limits: names in lower or upper case, nicknames and names missing from the list are
not found; see docs/methods-text.md.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from pipeline.text.name_lists import first_names, fold_set
from pipeline.text.names import name_spans, title_name_spans

__all__ = ["KINDS", "TOKENS", "first_names", "luhn_ok", "scrub", "scrub_series"]

KINDS = ("personnummer", "samordningsnummer", "phone", "email", "name", "address", "registration")
TOKENS = {"personnummer": "[personnummer]", "samordningsnummer": "[samordningsnummer]",
          "phone": "[telefon]", "email": "[e-post]", "name": "[namn]", "address": "[nr]",
          "registration": "[regnr]"}

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
# also with spaces around the @ ("anna @ exempel.se")
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+[ \u00a0]*@[ \u00a0]*[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")


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


def scrub(text: str, allow: frozenset[str] = frozenset(), deny: frozenset[str] = frozenset(), *,
          genitive_surnames: bool = False) -> tuple[str, dict[str, int]]:
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
    genitive_surnames : bool
        Also remove a surname in the genitive standing alone ("Vi ringde Lindbergs mamma",
        "Enligt Karlssons granne"), unless it is a kommun or län, an allowed word or followed
        by a place noun ("Mariebergs handelsområde", "Strombergs väg"). For text that staff and
        residents write (staff notes, EST reports, survey answers), where persons are named; off for
        Polisen's published events and crime labels, which the police have already edited for
        publication and where the genitive is nearly always a place ("Gustavsbergs centrum").
        A named rule rather than a "source kind": the caller, which knows its source, says what
        it wants, and every caller not asking keeps exactly the behaviour it had.

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
    allow_f, deny_f = fold_set(frozenset(allow)), fold_set(frozenset(deny))

    def _email(m: re.Match) -> str:
        counts["email"] += 1
        return TOKENS["email"]

    def _pnr(m: re.Match) -> str:
        if not m["cent"] and not m["sep"] and m.group().startswith("07"):
            return m.group()  # 07xxxxxxxx: a mobile number (the phone rule removes it)
        mm, dd = int(m["mm"]), int(m["dd"])
        kind = "samordningsnummer" if dd > 60 else "personnummer"
        valid_date = 1 <= mm <= 12 and (1 <= dd <= 31 or 61 <= dd <= 91)
        # written in full (century and separator: 19850101-1234) the shape is a personnummer's
        # even when the check digit is wrong (a typo still points at a person); shorter forms
        # need the check, as order and case numbers take them too
        written_in_full = bool(m["cent"] and m["sep"])
        valid = valid_date and (written_in_full or luhn_ok(m["yy"] + m["mm"] + m["dd"] + m["last"]))
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
    spans = sorted(set(name_spans(out, allow_f, deny_f, genitive_surnames)) | set(title_name_spans(out, allow_f)))
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


def scrub_series(texts: pd.Series, allow: frozenset[str] = frozenset(), deny: frozenset[str] = frozenset(), *,
                 genitive_surnames: bool = False) -> tuple[pd.Series, dict[str, int]]:
    """:func:`scrub` every text of a Series (same index; NA stays NA; ``genitive_surnames`` as
    there) and total the removals by kind."""
    total = dict.fromkeys(KINDS, 0)
    cleaned = []
    for value in texts.tolist():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            cleaned.append(pd.NA)
            continue
        new, c = scrub(str(value), allow, deny, genitive_surnames=genitive_surnames)
        cleaned.append(new)
        for k, v in c.items():
            total[k] += v
    return pd.Series(cleaned, index=texts.index, dtype="str", name=texts.name), total
