"""Swedish number formatting for everything a report reader sees.

Rules (Språkrådet, *Svenska skrivregler*; SI brochure §5.4.4):

- decimal comma: ``12,3``;
- digits grouped in threes with a space from 10 000 upwards *and* for 1 000–9 999
  (``1 234,5``, ``15 000``); the group separator is U+00A0 NO-BREAK SPACE, not the narrow
  U+202F: the narrow one is missing from several fonts the report and Excel use, and a
  no-break space keeps a number on one line just the same;
- a space (U+00A0) between a number and ``%``: ``12,3 %``;
- the minus sign U+2212 (``−4``), not the hyphen.

Hand-written because Python's ``locale`` depends on the locales installed on the machine
(not deterministic) and Babel is not a dependency.
"""

from __future__ import annotations

import math

NBSP = "\u00a0"
MINUS = "\u2212"


def _missing(x) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or bool(x != x)
    except (TypeError, ValueError):  # pd.NA raises on bool()
        return True


def fmt_num(x, decimals: int = 1, *, signed: bool = False) -> str:
    """``1234.54, 1 -> "1 234,5"``; NA/None -> ``"–"`` (en dash, the usual empty-cell mark);
    ±infinity -> ``"∞"``/``"−∞"``.

    Rounds half away from zero on the decimal string (``2.25 -> "2,3"``) so that printed
    figures match hand rounding rather than binary floating point. With ``signed`` a value
    that is positive after rounding gets a ``+`` (changes: ``+4``, ``−4``, ``0``).
    """
    if _missing(x):
        return "–"
    if math.isinf(float(x)):  # a rate ratio against a group without events
        return (MINUS if x < 0 else "+" if signed else "") + "∞"
    from decimal import ROUND_HALF_UP, Decimal

    q = Decimal(1).scaleb(-decimals) if decimals > 0 else Decimal(1)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    neg = d < 0
    d = abs(d)
    text = f"{d:.{max(decimals, 0)}f}"
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = NBSP.join(groups) + ("," + frac if frac else "")
    nonzero = any(ch not in "0," + NBSP for ch in out)
    if neg and nonzero:
        out = MINUS + out
    elif signed and nonzero:
        out = "+" + out
    return out


def fmt_int(n) -> str:
    """``15000 -> "15 000"`` (rounded to a whole number)."""
    return fmt_num(n, 0)


def fmt_pct(x, decimals: int = 1, *, signed: bool = False) -> str:
    """A value already in percent: ``12.34, 1 -> "12,3 %"`` (``signed``: ``+12,3 %``)."""
    if _missing(x):
        return "–"
    return fmt_num(x, decimals, signed=signed) + NBSP + "%"


def fmt_year(y) -> str:
    """Years are never grouped: ``2025 -> "2025"``."""
    return "–" if _missing(y) else str(int(y))
