"""The calendar of the agreement: löfte periods, tertials, ISO weeks and the yearly deadlines.

A medborgarlöfte runs six months, April–September or October–March (DOMAIN.md §1). In code a
period has an id ``<year>H1`` (1 April – 30 September of that year) or ``<year>H2``
(1 October of that year – 31 March of the next). Analysts may write the period in the
registry as an id, in words (``april–september 2025``, ``okt 2025 – mars 2026``) or as two
dates; :func:`parse_period` accepts all of them and rejects anything that is not one of the two
six-month windows.

Tertials (``2025T1`` = January–April, ``T2`` May–August, ``T3`` September–December) are the
four-monthly roll-ups of the EST work; weeks are ISO 8601 weeks (``2025-W14``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")
_MONTH_WORDS = {name: i + 1 for i, name in enumerate(MONTHS_SV)}
_MONTH_WORDS.update({name[:3]: i + 1 for i, name in enumerate(MONTHS_SV)})
_MONTH_WORDS.update({"maj": 5, "sept": 9, "okt": 10, "april": 4, "apr": 4})
PERIOD_HINT = ("use April–September or October–March, e.g. 2025H1 (april–september 2025) or "
               "2025H2 (oktober 2025–mars 2026)")


@dataclass(frozen=True, order=True)
class Period:
    """A löfte period: ``start`` (first day) and ``end`` (last day, inclusive)."""

    start: dt.date
    end: dt.date

    @property
    def id(self) -> str:
        return f"{self.start.year}H{1 if self.start.month == 4 else 2}"

    @property
    def label_sv(self) -> str:
        """``april–september 2025`` or ``oktober 2025–mars 2026``."""
        if self.start.month == 4:
            return f"april–september {self.start.year}"
        return f"oktober {self.start.year}–mars {self.end.year}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return period_of(self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return period_of(self.end + dt.timedelta(days=1))

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of the six months, in order."""
        return month_range(self.start, self.end)


def half_year(year: int, half: int) -> Period:
    """Period ``<year>H1`` (April–September) or ``<year>H2`` (October – March of the next year)."""
    if half == 1:
        return Period(dt.date(year, 4, 1), dt.date(year, 9, 30))
    if half == 2:
        return Period(dt.date(year, 10, 1), dt.date(year + 1, 3, 31))
    raise ValueError(f"half must be 1 or 2, got {half}")


def period_of(day: dt.date) -> Period:
    """The löfte period a day falls in (January–March belong to the previous year's H2)."""
    if 4 <= day.month <= 9:
        return half_year(day.year, 1)
    return half_year(day.year if day.month >= 10 else day.year - 1, 2)


def month_range(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """(year, month) from the month of ``start`` to the month of ``end`` inclusive."""
    out, (y, m) = [], (start.year, start.month)
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class PeriodError(ValueError):
    """A text that is not a löfte period; the message says why in English, for one-line errors."""


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _check(start: dt.date, end: dt.date, text: str) -> Period:
    for half in (1, 2):
        p = half_year(start.year, half)
        if (p.start, p.end) == (start, end):
            return p
    raise PeriodError(f"'{text}' runs {start.isoformat()} to {end.isoformat()}, which is not a löfte period; {PERIOD_HINT}")


def parse_period(value) -> Period:
    """Read a löfte period as analysts write it.

    Accepted: ``2025H1`` / ``2025 H2`` / ``2025-H2``; ``april–september 2025``, ``apr-sep 2025``;
    ``oktober 2025–mars 2026``, ``okt 2025 - mar 2026``; two ISO dates ``2025-04-01–2025-09-30``
    (any dash, or "till"); and Excel dates are not periods. Raises :class:`PeriodError` with the
    reason when the text is not April–September or October–March.
    """
    if value is None or (isinstance(value, float) and value != value):
        raise PeriodError(f"the period is empty; {PERIOD_HINT}")
    text = str(value).strip()
    low = re.sub(r"\s+", " ", text.lower())
    m = re.fullmatch(r"(\d{4}) ?-?h([12])", low)
    if m:
        return half_year(int(m.group(1)), int(m.group(2)))
    # a hyphen separates the two ends unless it sits between two digits (inside an ISO date)
    parts = [p.strip() for p in re.split(r"\s*(?:–|—|−|\btill\b|\bto\b|(?<!\d)-|-(?!\d))\s*", low) if p.strip()]
    if len(parts) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}", low):
        parts = [low[:10], low[11:]]
    if len(parts) == 2 and _date(parts[0]) and _date(parts[1]):
        return _check(_date(parts[0]), _date(parts[1]), text)
    if len(parts) == 2:
        a = re.fullmatch(r"([a-zåäö]+)\.?(?: (\d{4}))?", parts[0])
        b = re.fullmatch(r"([a-zåäö]+)\.?(?: (\d{4}))?", parts[1])
        if a and b and a.group(1) in _MONTH_WORDS and b.group(1) in _MONTH_WORDS and (a.group(2) or b.group(2)):
            m1, m2 = _MONTH_WORDS[a.group(1)], _MONTH_WORDS[b.group(1)]
            y2 = int(b.group(2)) if b.group(2) else None
            y1 = int(a.group(2)) if a.group(2) else (y2 if m1 <= m2 else y2 - 1)
            y2 = y2 if y2 is not None else (y1 if m2 >= m1 else y1 + 1)
            start = dt.date(y1, m1, 1)
            end = (dt.date(y2 + (m2 == 12), m2 % 12 + 1, 1) - dt.timedelta(days=1))
            return _check(start, end, text)
    raise PeriodError(f"'{text}' is not a period this tool can read; {PERIOD_HINT}")


# ---------------------------------------------------------------- tertials and weeks
def tertial(year: int, number: int) -> tuple[dt.date, dt.date]:
    """First and last day of tertial ``number`` (1: Jan–Apr, 2: May–Aug, 3: Sep–Dec)."""
    if number not in (1, 2, 3):
        raise ValueError(f"tertial must be 1, 2 or 3, got {number}")
    m0 = 4 * (number - 1) + 1
    end = dt.date(year + (number == 3), 1 if number == 3 else m0 + 4, 1) - dt.timedelta(days=1)
    return dt.date(year, m0, 1), end


def parse_tertial(text: str) -> tuple[int, int]:
    """``2025T2`` → (2025, 2); raises ValueError with the expected form."""
    m = re.fullmatch(r"\s*(\d{4})\s*-?\s*[tT]([123])\s*", str(text))
    if not m:
        raise ValueError(f"'{text}' is not a tertial; write e.g. 2025T1 (January–April), 2025T2 or 2025T3")
    return int(m.group(1)), int(m.group(2))


def parse_week(text: str) -> tuple[dt.date, dt.date]:
    """ISO week ``2025-W14`` (or ``2025W14``, ``2025-14``) → (Monday, Sunday)."""
    m = re.fullmatch(r"\s*(\d{4})-?[wW]?(\d{1,2})\s*", str(text))
    if not m:
        raise ValueError(f"'{text}' is not an ISO week; write e.g. 2025-W14")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"'{text}': {year} has no week {week}") from exc
    return monday, monday + dt.timedelta(days=6)


def week_id(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


# ---------------------------------------------------------------- the yearly cycle
@dataclass(frozen=True)
class CycleDates:
    """The deadlines of one lägesbild round (the Västerås agreement, DOMAIN.md §1): the process
    starts by 1 June of the report year and the joint lägesbild is due by 1 January after it;
    the löften decided from it run from the following April (H1) and October (H2)."""

    report_year: int
    start_by: dt.date
    due_by: dt.date
    first_period: Period
    second_period: Period


def cycle_dates(report_year: int, start_month_day: tuple[int, int] = (6, 1),
                due_month_day: tuple[int, int] = (1, 1)) -> CycleDates:
    return CycleDates(report_year, dt.date(report_year, *start_month_day), dt.date(report_year + 1, *due_month_day),
                      half_year(report_year + 1, 1), half_year(report_year + 1, 2))
