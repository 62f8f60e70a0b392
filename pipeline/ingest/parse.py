"""Parsers of the values in real exports (dates, times, numbers, counts, a year in a file name)
and coordinate handling (WGS 84 or SWEREF 99 TM, swapped axes), shared by every ingest module.
Split from :mod:`pipeline.ingest.common`, which re-exports every name here.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd


# ---------------------------------------------------------------- parsers
def _on_unique(func):
    """Run a Series parser on the distinct values only, then map back (dates and times repeat
    a lot: 75,000 crimes have under 2,000 distinct dates)."""
    @functools.wraps(func)
    def wrapper(s: pd.Series) -> pd.Series:
        obj = s.astype(object).where(s.notna(), None)
        codes, uniques = pd.factorize(obj, use_na_sentinel=True)
        parsed = func(pd.Series(uniques, dtype=object)) if len(uniques) else func(pd.Series([], dtype=object))
        out = parsed.take(np.where(codes < 0, 0, codes)) if len(parsed) else parsed.reindex(range(len(s)))
        out = out.reset_index(drop=True)
        out[codes < 0] = None
        out.index = s.index
        return out
    return wrapper


_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d", "%d/%m/%Y",
                 "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")


@_on_unique
def parse_date(s: pd.Series) -> pd.Series:
    """Dates from text: YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY, DD.MM.YYYY, Excel datetimes
    ("2025-03-04 00:00:00") and Excel serial day numbers (origin 1899-12-30).

    Slash dates are read day first (the Swedish order), unless the column is month first: some
    of its slash dates have a number above 12 second and none has one first ("03/15/2024", as
    US systems export). Then all of them are read M/D/YYYY, so that "03/05/2024" is 5 March and
    no date is read with day and month swapped. Returns datetime64[ns] normalised to midnight;
    NaT where the text is no possible date ("2023-02-30"). Formats are tried in order per
    element (vectorised per format).
    """
    txt = s.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    parts = txt.str.extract(r"^(\d{1,2})/(\d{1,2})/\d{4}\b").apply(pd.to_numeric)
    month_first = bool((parts[1] > 12).any() and not (parts[0] > 12).any())
    formats = [f.replace("%d/%m", "%m/%d") for f in _DATE_FORMATS] if month_first else _DATE_FORMATS
    for fmt in formats:
        todo = out.isna() & txt.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(txt[todo], format=fmt, errors="coerce").astype("datetime64[ns]")
    serial = out.isna() & txt.str.fullmatch(r"\d{5}(\.\d+)?").fillna(False)
    if serial.any():
        days = pd.to_numeric(txt[serial], errors="coerce")
        days = days.where((days > 20000) & (days < 80000))
        out[serial] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")
    return out.dt.normalize()


@_on_unique
def parse_time(s: pd.Series) -> pd.Series:
    """Time of day from "HH:MM", "H:MM", "HH:MM:SS", "HH.MM", "HHMM", Excel times
    ("13:45:00", "1900-01-01 13:45:00") and Excel day fractions ("0.5" = 12:00).

    Returns timedelta64[ns] since midnight; NaT where missing or impossible (hour > 23).
    """
    txt = s.astype("string").str.strip().str.replace(r"^\d{4}-\d{2}-\d{2}[ T]", "", regex=True)
    m = txt.str.extract(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
    m4 = txt.str.extract(r"^(\d{2})(\d{2})$")
    h = pd.to_numeric(m[0].fillna(m4[0]), errors="coerce")
    mi = pd.to_numeric(m[1].fillna(m4[1]), errors="coerce")
    se = pd.to_numeric(m[2], errors="coerce").fillna(0)
    secs = h * 3600 + mi * 60 + se
    ok = (h <= 23) & (mi <= 59) & (se <= 59)
    frac = pd.to_numeric(txt.where(txt.str.fullmatch(r"0?\.\d+").fillna(False)), errors="coerce")
    secs = secs.where(ok).fillna((frac * 86400).round())
    return pd.to_timedelta(secs.astype("float64"), unit="s").astype("timedelta64[ns]")


@_on_unique
def parse_number(s: pd.Series) -> pd.Series:
    """Numbers written the Swedish way: decimal comma, spaces / no-break spaces as thousands
    separators ("1 234,5" → 1234.5). Also "1.234,5" and plain "1234.5". float64, NaN if not a
    number (including suppressed cells such as ".." or "X")."""
    txt = s.astype("string").str.strip().str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    txt = txt.str.replace("\u2212", "-", regex=False)
    both = txt.str.contains(",", regex=False) & txt.str.contains(".", regex=False)
    comma_last = txt.str.rfind(",") > txt.str.rfind(".")
    txt = txt.mask(both & comma_last, txt.str.replace(".", "", regex=False))
    txt = txt.mask(both & ~comma_last, txt.str.replace(",", "", regex=False))
    txt = txt.str.replace(",", ".", regex=False)
    return pd.to_numeric(txt, errors="coerce").astype("float64")


def parse_count(s: pd.Series) -> pd.Series:
    """Counts (whole numbers of people or crimes): like :func:`parse_number`, but a point or
    comma followed by groups of exactly three digits is a thousands separator, as exports write
    counts ("1.000" and "1,000" → 1000, "12 345" → 12345, "1.234.567" → 1234567). A count has no
    decimals, so "1,5" stays 1.5 and is then rejected as fractional by the caller. float64."""
    txt = s.astype("string").str.strip().str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    grouped = txt.str.fullmatch(r"[-\u2212]?\d{1,3}(?:[.,]\d{3})+").fillna(False)
    return parse_number(txt.mask(grouped, txt.str.replace(r"[.,]", "", regex=True)))


def year_from_filename(file: str) -> int | None:
    """The last 4-digit year 1990–2099 in a file name (trygghetsmatning_2025.xlsx → 2025)."""
    years = re.findall(r"(?<!\d)(19[9]\d|20\d\d)(?!\d)", Path(str(file)).name)
    return int(years[-1]) if years else None


# ---------------------------------------------------------------- coordinates
def _looks_wgs84(x: pd.Series, y: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(lon/lat in Sweden, lat/lon swapped): Sweden spans lat 55.0–69.1, lon 10.5–24.2."""
    lonlat = x.between(10.0, 24.5) & y.between(54.9, 69.2)
    latlon = y.between(10.0, 24.5) & x.between(54.9, 69.2)
    return lonlat, latlon


def to_sweref(x: pd.Series, y: pd.Series, crs: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Coordinates in SWEREF 99 TM (EPSG:3006).

    With ``crs`` None or EPSG:3006 values are taken as SWEREF 99 TM, except rows that look like
    WGS84 degrees in Sweden (either order, lon/lat or lat/lon), which are transformed. With any
    other ``crs`` every row is transformed from it (pyproj, ``always_xy``).
    """
    from pyproj import Transformer

    x = pd.to_numeric(x, errors="coerce").astype("float64")
    y = pd.to_numeric(y, errors="coerce").astype("float64")
    ox, oy = x.copy(), y.copy()
    if crs and str(crs).upper().replace(" ", "") not in {"EPSG:3006", "3006"}:
        tr = Transformer.from_crs(crs, "EPSG:3006", always_xy=True)
        ex, ny = tr.transform(x.to_numpy(), y.to_numpy())
        return pd.Series(ex, index=x.index), pd.Series(ny, index=x.index)
    lonlat, latlon = _looks_wgs84(x, y)
    if lonlat.any() or latlon.any():
        tr = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
        lon = x.where(lonlat, y)
        lat = y.where(lonlat, x)
        sel = lonlat | latlon
        ex, ny = tr.transform(lon[sel].to_numpy(), lat[sel].to_numpy())
        ox[sel], oy[sel] = ex, ny
    return ox, oy


SWEREF_N = (6.1e6, 7.7e6)  # northings in Sweden, metres
SWEREF_E = (0.25e6, 0.93e6)  # eastings in Sweden, metres


def fix_swapped_sweref(x: pd.Series, y: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Swap X and Y back where X looks like a SWEREF 99 TM northing (6.1–7.7 million m) and Y
    like an easting (0.25–0.93 million m). Returns (x, y, swapped_mask)."""
    swapped = (x.between(*SWEREF_N) & y.between(*SWEREF_E)).fillna(False).astype(bool)
    return x.where(~swapped, y), y.where(~swapped, x), swapped
