"""Tag Swedish free text with problem families from the families' ``keywords`` lexicon.

A word (lower case, not a Swedish stop word, not a scrubber token) carries a family when one
of the family's keywords ``k`` (with Snowball stem ``s``) matches it:

- **substring** — ``k`` (or ``s``) of five letters or more occurs anywhere in the word, which
  finds compounds on either side (``narkotikaförsäljningen`` ∋ ``narkotik``,
  ``bostadsinbrottet`` ∋ ``inbrott``, ``buskörning`` ∋ ``buskör``);
- **same stem** — the word's Snowball stem equals ``s`` (``mopeder`` → ``moped``);
- **short keyword as a compound part** — a keyword under five letters, or a stem of exactly
  four, starts the word (``rånare``, ``glasbitar``, ``stulna`` via ``stulen`` → ``stul``), or a
  keyword under five letters ends a word with at least three letters before it
  (``personrån``, ``dödshot``).

Capitalised words inside a sentence are proper nouns (place and organisation names such as
``Brandthovda``) and are skipped, as are words listed in ``ignore`` and a short list of
false friends (``hotell``, ``glass``, ``förslag``, the verb ``drog``). A word is not tagged
when a negation (``inget``, ``ingen``, ``inga``, ``inte``, ``aldrig``) stands at most three
words before it in the same clause ("inget klotter", "inte sett någon langning") unless
"bara"/"endast" follows it ("inte bara klotter"), nor inside the idiom "mörkrets inbrott"
(nightfall). Hand-written: no maintained Swedish lexicon tagger exists offline;
the stemmer is ``snowballstemmer`` (snowballstem.org) and the stop words ``stopwordsiso``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from pipeline.problems import Families
from pipeline.text.normalise import SCRUB_TOKENS, WORD_RE, fold, sentence_initial, stem, stopwords_sv

LONG = 5  # keywords (or stems) at least this long may match inside a word
FALSE_FRIENDS = re.compile(
    r"^(?:hotell\w*|glass\w*|glasögon\w*|förslag\w*|drog|drogs|eldsjäl\w*|insamling\w*|"
    r"störst\w*|anslag\w*|utslag\w*|bildade|söndag\w*|fyller|fyllde|fyllt|fylld\w*|fyllning\w*|"
    r"vapor\w*|sopp\w*|hotel\w*)$"
)


NEGATIONS = frozenset({"inget", "ingen", "inga", "inte", "aldrig", "knappast"})
NEGATION_WINDOW = 3  # words before the keyword that a negation may stand at
NOT_ONLY = frozenset({"bara", "endast", "enbart"})  # "inte bara klotter" affirms the klotter
IDIOMS = {("mörkrets", "inbrott")}  # (previous word, word) pairs that are not a problem
CLAUSE_BREAK = re.compile(r"[.!?;:,\n]")


@dataclass(frozen=True)
class _Key:
    family: str
    word: str
    stem: str


@lru_cache(maxsize=8)
def _keys(families: Families) -> tuple[_Key, ...]:
    return tuple(_Key(f.id, k, stem(k)) for f in families.families for k in f.keywords if k)


def _word_matches(word: str, wstem: str, key: _Key) -> bool:
    k, s = key.word, key.stem
    if len(k) >= LONG and k in word or len(s) >= LONG and s in word:
        return True
    if wstem == s or word == k:
        return True
    if len(k) < LONG and word.startswith(k) or 4 <= len(s) < LONG and word.startswith(s):
        return True
    if len(k) < LONG:
        if len(word) - len(k) >= 3 and (word.endswith(k) or wstem.endswith(k)):
            return True
    return False


def word_families(word: str, families: Families) -> tuple[str, ...]:
    """Families whose keywords match one lower-case word (empty for stop words and false friends)."""
    return _word_families(word.lower(), families)


@lru_cache(maxsize=65536)
def _word_families(word: str, families: Families) -> tuple[str, ...]:
    if word in stopwords_sv() or word in SCRUB_TOKENS or FALSE_FRIENDS.match(word):
        return ()
    wstem = stem(word)
    out = []
    for key in _keys(families):
        if key.family not in out and _word_matches(word, wstem, key):
            out.append(key.family)
    return tuple(out)


@lru_cache(maxsize=16)
def _ignored_words(ignore: frozenset[str]) -> frozenset[str]:
    """The accent-folded words of the ignored names (once per set of names, not once per text)."""
    return frozenset(p for w in ignore for p in re.split(r"[\s\-/]+", fold(str(w))) if len(p) > 1)


def tag_text(text: str, families: Families, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Problem families mentioned in one text, in the families' file order."""
    if not isinstance(text, str) or not text:
        return []
    ignore_f = _ignored_words(ignore)
    found: set[str] = set()
    before: list[str] = []  # lower-case words since the last clause break
    last_end = 0
    for m in WORD_RE.finditer(text):
        w = m.group()
        if CLAUSE_BREAK.search(text, last_end, m.start()):
            before = []
        last_end = m.end()
        lw, recent = w.lower(), before[-NEGATION_WINDOW:]
        before.append(lw)
        if (NEGATIONS.intersection(recent) and not NOT_ONLY.intersection(recent)) or \
                (recent and (recent[-1], lw) in IDIOMS):
            continue
        if w[:1].isupper() and not sentence_initial(text, m.start()):
            continue  # a proper noun inside a sentence
        f = fold(w)
        if f in ignore_f or any(f.endswith(x) and f[: -len(x)] in ignore_f for x in ("s", "en", "et", "ens")):
            continue
        found.update(_word_families(w.lower(), families))
    return [f for f in families.ids if f in found]


def tag_problems(texts: pd.Series, families: Families, ignore: frozenset[str] = frozenset()) -> pd.Series:
    """Tag each text with problem families.

    Parameters
    ----------
    texts : Series of str (NA allowed)
    families : :class:`pipeline.problems.Families` (its ``keywords`` are the lexicon)
    ignore : words never tagged (e.g. gazetteer and area names), compared accent-folded

    Returns
    -------
    Series of str
        Same index; ``';'``-joined family ids in file order, NA where none matches.
    """
    out = []
    for t in texts.tolist():
        fams = tag_text(t, families, ignore) if isinstance(t, str) else []
        out.append(";".join(fams) if fams else pd.NA)
    return pd.Series(out, index=texts.index, dtype="str", name="problems")
