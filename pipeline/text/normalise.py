"""Swedish text normalisation shared by scrubbing, place linking, tagging and topics.

Hand-written helpers (no maintained library folds Swedish letters while keeping string
positions); stemming and stop words come from ``snowballstemmer`` and ``stopwordsiso``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
import stopwordsiso

# a Swedish word: letters (incl. å ä ö é ü) with optional inner hyphens ("a-traktor", "Önsta-Gryta")
WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# the tokens the scrubber writes; topic models and taggers ignore them
SCRUB_TOKENS = frozenset({"personnummer", "samordningsnummer", "telefon", "e-post", "namn"})


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)[:1]
    return base if base else ch


def fold(text: str) -> str:
    """Case- and accent-fold ``text`` one character for one character.

    ``Å``/``Ä`` → ``a``, ``Ö`` → ``o``, ``É`` → ``e``, everything lower case. The output has the
    same length as the input, so match positions found in the folded text index the original.
    """
    return "".join(_fold_char(c) for c in text.lower())


_SWEDISH_LETTERS = frozenset("åäöÅÄÖ")


def fold_sv(text: str) -> str:
    """Lower case with accents folded *except* å, ä and ö, which are letters of their own in
    Swedish: ``"Håbo"`` stays ``"håbo"`` (not Habo), ``"Émile"`` becomes ``"emile"``. The key
    for comparing names (kommuner, areas, places)."""
    return "".join(c if c in _SWEDISH_LETTERS else _fold_char(c) for c in unicodedata.normalize("NFC", text)).lower()


def has_swedish_letters(text: str) -> bool:
    """Whether ``text`` holds an å, ä or ö."""
    return any(c in _SWEDISH_LETTERS for c in text)


@lru_cache(maxsize=1)
def stopwords_sv() -> frozenset[str]:
    """Swedish stop words (``stopwordsiso``, ISO 639-1 ``sv``), lower case."""
    return frozenset(w.lower() for w in stopwordsiso.stopwords("sv"))


@lru_cache(maxsize=65536)
def is_stop_word(word: str) -> bool:
    """Whether ``word``, in any case, is a Swedish stop word of :func:`stopwords_sv`.

    The word is compared by :func:`fold_sv` (lower case, å/ä/ö kept), as the list is written:
    the accent-folding :func:`fold` would turn *När*, *Även*, *Över* into *nar*, *aven*, *over*,
    which are not on the list, and folding the list instead would pair words that are not stop
    words with ones that are (*hår* → *har*).
    """
    return fold_sv(word) in stopwords_sv()


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("swedish")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball Swedish stem of a lower-case word (Porter/Snowball, snowballstem.org).

    The stemmer strips inflection (``mopeder`` → ``moped``) but does not split compounds
    (``narkotikaförsäljningen`` → ``narkotikaförsäljning``).
    """
    return _stemmer().stemWord(word.lower())


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (digits and punctuation dropped)."""
    return WORD_RE.findall(text.lower())


def sentences(text: str) -> list[str]:
    """Split text into sentences at ``.``, ``!``, ``?`` or line breaks (abbreviations not handled)."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [p.strip() for p in parts if p and p.strip()]


_OPENERS = " \t\r\"'“”«»(•*–-"


def sentence_initial(text: str, start: int) -> bool:
    """True when position ``start`` of ``text`` begins a sentence (after . ! ? : ; or a line break)."""
    before = text[:start].rstrip(_OPENERS)
    return before == "" or before[-1] in ".!?:;\n"
