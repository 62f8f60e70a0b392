"""Synthetic reported crime (anmälda brott) for the demo kommun; :mod:`pipeline.demo.crime_export`
writes a year of it as police systems export it, :mod:`pipeline.demo.events` makes Polisen's events.

Counts per family follow the rough mix of Swedish reported crime without fraud (theft largest,
then vandalism, violence, threats, drugs, traffic; robbery, fire and weapons small). Dates are
drawn with month × weekday weights per family, hours from a family profile (violence and
disorder peak on Friday and Saturday nights, and night hours 00-04 move to the next day);
points either fall near a few named places (strong concentration) or spread around area
centres in proportion to population × an area factor. Planted patterns (see docs/demo.md) are
added on top and kept out of the coordinate faults so tests can find them exactly.
Brottskoder are illustrative 4-digit codes, not Brå's official list. Hand-written: no library
simulates police exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from pipeline.demo.geography import Geography

FAMILY_SHARE = {"theft": 0.36, "vandalism": 0.17, "violence": 0.09, "threats": 0.08, "drugs": 0.08,
                "traffic": 0.07, "burglary": 0.045, "disorder": 0.045, "robbery": 0.012, "fire": 0.01,
                "weapons": 0.005}

# label as police exports write it, illustrative brottskod, weight within the family
LABELS: dict[str, list[tuple[str, str, float]]] = {
    "theft": [("Stöld ur/från motorfordon", "0808", 0.18), ("Cykelstöld", "0840", 0.22),
              ("Stöld i butik", "0824", 0.25), ("Snatteri", "0826", 0.12), ("Fickstöld", "0814", 0.05),
              ("Stöld av motorfordon", "0806", 0.06), ("Tillgrepp av fortskaffningsmedel", "0875", 0.04),
              ("Stöld, övrig", "0890", 0.08)],
    "vandalism": [("Skadegörelse genom klotter", "1207", 0.35), ("Skadegörelse på motorfordon", "1203", 0.25),
                  ("Skadegörelse, övrig", "1299", 0.35), ("Åverkan", "1210", 0.05)],
    "violence": [("Misshandel, utomhus, obekant med offret", "0312", 0.40),
                 ("Misshandel, inomhus, bekant med offret", "0317", 0.30),
                 ("Misshandel, utomhus, bekant med offret", "0311", 0.15),
                 ("Grov misshandel, utomhus, obekant med offret", "0330", 0.08),
                 ("Våldsamt motstånd", "1703", 0.05), ("Misshandel, ringa", "0314", 0.02)],
    "threats": [("Olaga hot", "0401", 0.55), ("Ofredande", "0404", 0.40), ("Olaga hot mot tjänsteman", "1705", 0.05)],
    "drugs": [("Narkotikabrott, innehav", "5010", 0.50), ("Narkotikabrott, eget bruk", "5011", 0.35),
              ("Narkotikabrott, överlåtelse", "5012", 0.15)],
    "traffic": [("Olovlig körning", "3201", 0.40), ("Rattfylleri", "3005", 0.35),
                ("Trafikbrott, övrigt", "3299", 0.15), ("Vårdslöshet i trafik", "3210", 0.10)],
    "burglary": [("Bostadsinbrott i villa/radhus", "0850", 0.40), ("Bostadsinbrott i lägenhet", "0852", 0.35),
                 ("Stöld genom inbrott i källare/vind", "0854", 0.25)],
    "disorder": [("Brott mot ordningslagen", "9010", 0.60), ("Störande av allmän ordning", "9011", 0.40)],
    "robbery": [("Rån mot person", "0901", 0.70), ("Rån mot butik", "0904", 0.20), ("Personrån, grovt", "0905", 0.10)],
    "fire": [("Allmänfarlig ödeläggelse genom brand", "1301", 0.6), ("Anlagd brand", "1302", 0.4)],
    "weapons": [("Vapenbrott", "5301", 0.7), ("Vapenlagen, innehav", "5302", 0.3)],
}

# share of a family's background incidents at named places, and the places' weights
PLACE_SHARE: dict[str, tuple[float, dict[str, float]]] = {
    "theft": (0.30, {"Erikslund köpcentrum": 0.45, "Stora torget": 0.20, "Västerås resecentrum": 0.20,
                     "Bäckby centrum": 0.08, "Råby torg": 0.07}),
    "violence": (0.25, {"Stora torget": 0.45, "Vasaparken": 0.20, "Västerås resecentrum": 0.15,
                        "Råby torg": 0.10, "Bäckby centrum": 0.10}),
    "robbery": (0.30, {"Stora torget": 0.35, "Vasaparken": 0.25, "Västerås resecentrum": 0.20, "Råby torg": 0.20}),
    "threats": (0.15, {"Stora torget": 0.40, "Västerås resecentrum": 0.30, "Råby torg": 0.30}),
    "vandalism": (0.15, {"Råby torg": 0.30, "Bäckby centrum": 0.25, "Västerås resecentrum": 0.20, "Vasaparken": 0.25}),
    "drugs": (0.20, {"Vasaparken": 0.40, "Västerås resecentrum": 0.30, "Råby torg": 0.30}),
    "disorder": (0.30, {"Stora torget": 0.40, "Vasaparken": 0.30, "Råby torg": 0.30}),
    "traffic": (0.05, {"Erikslund köpcentrum": 0.5, "Hälla köpcentrum": 0.5}),
    "fire": (0.10, {"Råby torg": 0.5, "Bäckby centrum": 0.5}),
    "weapons": (0.10, {"Råby torg": 0.5, "Bäckby centrum": 0.5}),
    "burglary": (0.0, {}),
}

# crime per resident relative to the kommun (background spread only)
AREA_FACTOR = {"Centrum": 3.0, "Erikslund": 2.5, "Hälla": 2.0, "Råby": 1.6, "Bäckby": 1.5, "Vallby": 1.2,
               "Kristiansborg": 1.2, "Västermalm": 1.1, "Öster Mälarstrand": 1.0, "Skiljebo": 1.1}
BURGLARY_FACTOR = {"Centrum": 0.6, "Skälby": 0.0, "Tillberga": 1.5, "Skultuna": 1.3, "Irsta": 1.6,
                   "Dingtuna": 1.6, "Barkarö": 1.6, "Pettersberg": 1.3, "Rönnby": 1.3}

_MONTH_W = {
    "night": [0.8, 0.8, 0.9, 1.0, 1.1, 1.25, 1.3, 1.25, 1.05, 0.95, 0.85, 0.9],
    "burglary": [1.3, 1.1, 0.9, 0.8, 0.7, 0.75, 0.85, 0.8, 0.9, 1.1, 1.3, 1.4],
    "theft": [0.9, 0.85, 0.95, 1.0, 1.05, 1.1, 1.1, 1.1, 1.05, 1.0, 1.0, 1.1],
    "vandalism": [0.85, 0.85, 1.0, 1.1, 1.15, 1.05, 0.9, 1.0, 1.1, 1.1, 1.0, 0.9],
    "traffic": [0.7, 0.7, 0.9, 1.1, 1.3, 1.3, 1.2, 1.2, 1.1, 0.9, 0.8, 0.8],
    "fire": [1.3, 0.9, 1.0, 1.2, 1.1, 1.0, 1.0, 0.9, 0.9, 0.9, 1.0, 1.2],
    "flat": [1.0] * 12,
}
_WEEKDAY_W = {  # Monday..Sunday
    "night": [0.7, 0.7, 0.75, 0.85, 1.4, 1.7, 1.0],
    "theft": [1.05, 1.05, 1.05, 1.05, 1.1, 1.0, 0.7],
    "flat": [1.0, 1.0, 1.0, 1.0, 1.05, 1.0, 0.95],
}
_H = np.arange(24)


def _circ(peak: float, sd: float) -> np.ndarray:
    """Gaussian bump over the 24 hours on a circle (23:00 is next to 00:00)."""
    d = np.abs(_H - peak)
    d = np.minimum(d, 24 - d)
    return np.exp(-0.5 * (d / sd) ** 2)


_HOURS = {
    "night_week": _circ(20, 3.5) + 0.3,
    "night_weekend": 3 * _circ(1, 2.0) + _circ(22, 2.0) + 0.2,
    "day": _circ(15, 3.5) + 0.05,
    "evening": _circ(20, 3.0) + 0.15,
    "burglary": _circ(14, 4.0) + 0.25,
}
_PROFILE = {  # family: (month, weekday, hour kind)
    "violence": ("night", "night", "night"), "disorder": ("night", "night", "night"),
    "robbery": ("night", "night", "night"), "threats": ("flat", "flat", "evening"),
    "theft": ("theft", "theft", "day"), "vandalism": ("vandalism", "flat", "evening"),
    "drugs": ("flat", "flat", "evening"), "traffic": ("traffic", "flat", "evening"),
    "burglary": ("burglary", "flat", "burglary"), "fire": ("fire", "flat", "evening"),
    "weapons": ("flat", "night", "night"),
}
ASCII = str.maketrans("åäöÅÄÖéÉ", "aaoAAOeE")


def area_name_variants(name: str) -> list[str]:
    """Other spellings of an area name seen in exports: upper case, without å/ä/ö, special forms."""
    special = {"Centrum": ["Västerås Centrum", "CENTRUM"], "Önsta-Gryta": ["Önsta Gryta", "ÖNSTA-GRYTA"],
               "Öster Mälarstrand": ["Öster mälarstrand", "Oster Malarstrand"]}
    out = [name.upper()]
    if name.translate(ASCII) != name:
        out.append(name.translate(ASCII))
    return special.get(name, out)


# ---------------------------------------------------------------- sampling helpers
def _days(year: int) -> np.ndarray:
    return np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def _month(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype("int64") % 12 + 1


def sample_times(rng: np.random.Generator, n: int, family: str, days: np.ndarray) -> np.ndarray:
    """Minute-resolution datetimes: day ~ month weight × weekday weight, hour ~ family profile.

    For night families Friday/Saturday use the weekend-night profile, and hours 00-04 are moved
    to the following day (a Friday-night assault is dated Saturday 01:30).
    """
    mkind, wkind, hkind = _PROFILE[family]
    w = np.asarray(_MONTH_W[mkind])[_month(days) - 1] * np.asarray(_WEEKDAY_W[wkind])[_weekday(days)]
    day = rng.choice(days, size=n, p=w / w.sum())
    if hkind == "night":
        weekend = np.isin(_weekday(day), (4, 5))
        hour = np.empty(n, dtype=np.int64)
        for mask, prof in ((weekend, _HOURS["night_weekend"]), (~weekend, _HOURS["night_week"])):
            hour[mask] = rng.choice(24, size=int(mask.sum()), p=prof / prof.sum())
        shift = (hour < 5) & (day + 1 <= days[-1])
        day = day + shift.astype("timedelta64[D]")
    else:
        prof = _HOURS[hkind]
        hour = rng.choice(24, size=n, p=prof / prof.sum())
    minute = rng.integers(0, 60, n)
    minute = np.where(rng.random(n) < 0.3, minute // 5 * 5, minute)
    return day.astype("datetime64[m]") + (hour * 60 + minute).astype("timedelta64[m]")


def points_near(rng: np.random.Generator, x0: np.ndarray, y0: np.ndarray, sd: np.ndarray,
                max_sd: float = 3.0) -> tuple:
    """Points normally scattered (sd in metres) around given centres, pulled in to at most
    ``max_sd`` × sd from the centre (so a planted cluster stays inside its documented radius)."""
    n = len(x0)
    dx, dy = rng.normal(0, 1, n), rng.normal(0, 1, n)
    r = np.hypot(dx, dy)
    k = np.where(r > max_sd, max_sd / np.maximum(r, 1e-12), 1.0)
    return x0 + dx * k * sd, y0 + dy * k * sd


def points_in_areas(rng: np.random.Generator, geo: Geography, area_idx: np.ndarray) -> tuple:
    """Points around each area's centre (sd ≈ √area / 3 in towns, 1.5 km in the countryside),
    redrawn until they fall inside the area polygon (after 12 rounds: the centre)."""
    areas = geo.areas
    cx, cy = areas["x"].to_numpy()[area_idx], areas["y"].to_numpy()[area_idx]
    sd = np.where(areas["is_urban"].to_numpy(), np.sqrt(areas.area.to_numpy()) / 3, 1500.0)[area_idx]
    x, y = np.array(cx, dtype=float), np.array(cy, dtype=float)
    todo = np.ones(len(area_idx), dtype=bool)
    geoms = areas.geometry.to_numpy()
    for _ in range(12):
        idx = np.flatnonzero(todo)
        if not len(idx):
            break
        px, py = points_near(rng, cx[idx], cy[idx], sd[idx])
        ok = np.zeros(len(idx), dtype=bool)
        for a in np.unique(area_idx[idx]):
            m = area_idx[idx] == a
            ok[m] = shapely.contains_xy(geoms[a], px[m], py[m])
        x[idx[ok]], y[idx[ok]] = px[ok], py[ok]
        todo[idx[ok]] = False
    return x, y


def _pick_labels(rng: np.random.Generator, family: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    lab = LABELS[family]
    w = np.array([t[2] for t in lab])
    k = rng.choice(len(lab), size=n, p=w / w.sum())
    return np.array([t[0] for t in lab], dtype=object)[k], np.array([t[1] for t in lab], dtype=object)[k]


def _canonical_frame(rng, geo, family, n, days, place_weights=None, area_weights=None,
                     at_place=None, place_sd=50.0, times=None, labels=None) -> dict[str, np.ndarray]:
    """One block of incidents of one family as canonical values (before formatting/faults)."""
    if at_place is None:
        share, pw = PLACE_SHARE[family]
        at_place = rng.random(n) < share if pw else np.zeros(n, dtype=bool)
        pw = place_weights or pw
    else:
        pw = place_weights
    x = np.empty(n)
    y = np.empty(n)
    place = np.full(n, None, dtype=object)
    n_pl = int(at_place.sum())
    if n_pl:
        names = list(pw)
        w = np.array([pw[p] for p in names])
        k = rng.choice(len(names), size=n_pl, p=w / w.sum())
        place[at_place] = np.array(names, dtype=object)[k]
        px, py = points_near(rng, *geo.places_xy(place[at_place]), np.full(n_pl, place_sd))
        x[at_place], y[at_place] = px, py
    if (~at_place).any():
        aw = area_weights / area_weights.sum()
        a_idx = rng.choice(len(aw), size=int((~at_place).sum()), p=aw)
        x[~at_place], y[~at_place] = points_in_areas(rng, geo, a_idx)
    if labels is None:
        labels = _pick_labels(rng, family, n)
    occurred = sample_times(rng, n, family, days) if times is None else times
    return {"occurred_at": occurred, "family": np.full(n, family, dtype=object), "label": labels[0],
            "code": labels[1], "place": place, "x": x, "y": y, "planted": np.full(n, "", dtype=object)}


def _concat(blocks: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]})


def area_weights(geo: Geography, family: str) -> np.ndarray:
    """Background weight per area: population × area factor (× burglary factor for burglary)."""
    names = geo.areas["area_name"]
    w = geo.areas["population"].to_numpy() * names.map(lambda a: AREA_FACTOR.get(a, 1.0)).to_numpy()
    if family == "burglary":
        w = w * names.map(lambda a: BURGLARY_FACTOR.get(a, 1.0)).to_numpy() / names.map(
            lambda a: AREA_FACTOR.get(a, 1.0)).to_numpy()
    elif family == "theft":
        w = w * names.map(lambda a: 1.5 if a in ("Erikslund", "Hälla") else 1.0).to_numpy()
    return w.astype(float)


# ---------------------------------------------------------------- planted patterns
def _month_days(year: int, month: int) -> np.ndarray:
    start = np.datetime64(f"{year}-{month:02d}-01")
    return np.arange(start, (start.astype("datetime64[M]") + 1).astype("datetime64[D]"))


def planted_incidents(rng: np.random.Generator, geo: Geography, years: list[int], scale: float,
                      ) -> tuple[pd.DataFrame, list[dict]]:
    """The three planted crime patterns as canonical incidents, and their truth records.

    ``scale`` = incidents_per_year / 15 000; each pattern keeps a floor so that it stays
    detectable in small test runs.
    """
    report_year = years[-1]
    blocks, truth = [], []
    # 1. persistent hotspot: violence + robbery around Stora torget / Vasaparken, every month
    st, vp = geo.place_xy("Stora torget"), geo.place_xy("Vasaparken")
    per_month = {}
    for year in years:
        for month in range(1, 13):
            days = _month_days(year, month)
            for family, base in (("violence", max(6, round(14 * scale))), ("robbery", max(1, round(2 * scale)))):
                n = base + int(rng.poisson(2 * scale))
                pw = {"Stora torget": 0.6, "Vasaparken": 0.4}
                labels = ((np.array(["Misshandel, utomhus, obekant med offret"] * n, dtype=object),
                           np.array(["0312"] * n, dtype=object)) if family == "violence"
                          else (np.array(["Rån mot person"] * n, dtype=object), np.array(["0901"] * n, dtype=object)))
                b = _canonical_frame(rng, geo, family, n, days, place_weights=pw, at_place=np.ones(n, bool),
                                     place_sd=45.0, labels=labels)
                b["planted"][:] = "persistent_hotspot"
                blocks.append(b)
                per_month[f"{year}-{month:02d}"] = per_month.get(f"{year}-{month:02d}", 0) + n
    aid, aname = geo.area_of_place("Stora torget")
    truth.append({
        "id": "persistent_hotspot", "kind": "crime_hotspot", "area_id": aid, "area_name": aname,
        "problem": "violence", "problems": ["violence", "robbery"], "place_name": "Stora torget/Vasaparken",
        "x": round((st[0] + vp[0]) / 2, 1), "y": round((st[1] + vp[1]) / 2, 1), "radius_m": 300,
        "months": list(per_month), "planted_per_month": per_month,
        "expected": "Gi* hot_99 cells and EHS persistent_hot/intensifying_hot for violence around the centre",
    })
    # 2. new hotspot: drugs at Bäckby centrum from September of the report year
    bx, by = geo.place_xy("Bäckby centrum")
    per_month = {}
    drug_lab = [("Narkotikabrott, innehav", "5010", 0.45), ("Narkotikabrott, överlåtelse", "5012", 0.35),
                ("Narkotikabrott, eget bruk", "5011", 0.20)]
    for month in range(9, 13):
        n = max(8, round(22 * scale)) + int(rng.poisson(2 * scale))
        k = rng.choice(3, size=n, p=[t[2] for t in drug_lab])
        labels = (np.array([drug_lab[i][0] for i in k], dtype=object), np.array([drug_lab[i][1] for i in k], dtype=object))
        b = _canonical_frame(rng, geo, "drugs", n, _month_days(report_year, month),
                             place_weights={"Bäckby centrum": 1.0}, at_place=np.ones(n, bool),
                             place_sd=50.0, labels=labels)
        b["planted"][:] = "new_hotspot"
        blocks.append(b)
        per_month[f"{report_year}-{month:02d}"] = n
    aid, aname = geo.area_of_place("Bäckby centrum")
    truth.append({
        "id": "new_hotspot", "kind": "crime_hotspot", "area_id": aid, "area_name": aname, "problem": "drugs",
        "problems": ["drugs"], "place_name": "Bäckby centrum", "x": bx, "y": by, "radius_m": 200,
        "months": list(per_month), "start_month": f"{report_year}-09", "planted_per_month": per_month,
        "expected": "EHS new_hot (or consecutive_hot) drugs cells at Bäckby centrum; no excess before the start month",
    })
    # 3. falling trend: residential burglary in Skälby, -30 % a year
    sk = int(np.flatnonzero(geo.areas["area_name"] == "Skälby")[0])
    b0 = max(40, round(130 * scale))
    per_year = {}
    for k, year in enumerate(years):
        n = int(round(b0 * 0.7 ** k))
        lab = rng.choice(2, size=n, p=[0.7, 0.3])
        labels = (np.where(lab == 0, "Bostadsinbrott i villa/radhus", "Bostadsinbrott i lägenhet").astype(object),
                  np.where(lab == 0, "0850", "0852").astype(object))
        b = _canonical_frame(rng, geo, "burglary", n, _days(year), area_weights=np.eye(len(geo.areas))[sk],
                             at_place=np.zeros(n, bool), labels=labels)
        b["planted"][:] = "falling_trend"
        blocks.append(b)
        per_year[str(year)] = n
    area = geo.areas.iloc[sk]
    truth.append({
        "id": "falling_trend", "kind": "crime_trend", "area_id": area["area_id"], "area_name": "Skälby",
        "problem": "burglary", "problems": ["burglary"], "place_name": "Skälby", "x": round(float(area["x"]), 1),
        "y": round(float(area["y"]), 1), "radius_m": 1500, "months": [f"{y}-{m:02d}" for y in years for m in range(1, 13)],
        "planted_per_year": per_year, "annual_change": -0.30,
        "expected": "area_trends: Skälby burglary trend == 'falling', irr < 1 with irr_p < 0.05; "
                    "no other burglary in Skälby",
    })
    return _concat(blocks), truth


def _uniform_frame(rng: np.random.Generator, geo: Geography, family: str, n: int, days: np.ndarray) -> dict:
    """n incidents of one family placed uniformly at random over the kommun (no named places)."""
    x, y = np.empty(0), np.empty(0)
    minx, miny, maxx, maxy = geo.boundary.bounds
    while len(x) < n:
        px, py = rng.uniform(minx, maxx, 2 * n + 10), rng.uniform(miny, maxy, 2 * n + 10)
        ok = shapely.contains_xy(geo.boundary, px, py)
        x, y = np.r_[x, px[ok]], np.r_[y, py[ok]]
    b = _canonical_frame(rng, geo, family, n, days, at_place=np.zeros(n, bool), area_weights=np.ones(len(geo.areas)))
    b["x"], b["y"] = x[:n], y[:n]
    return b


def canonical_incidents(rng: np.random.Generator, geo: Geography, years: list[int], per_year: int,
                        patterns: bool = True) -> tuple[pd.DataFrame, list[dict]]:
    """All incidents of all years as canonical values (occurred_at, family, label, code, place,
    x, y, planted, area_idx), sorted by time, plus the planted-pattern truth.

    ``patterns=False`` makes a null kommun for calibration: no planted patterns and no spatial
    or year-to-year structure — every incident uniform over the kommun, the same expected
    number every year (the months, weekdays and hours keep their profiles)."""
    scale = per_year / 15000
    planted, truth = planted_incidents(rng, geo, years, scale) if patterns else (None, [])
    planted_by_year = planted["occurred_at"].astype("datetime64[ns]").dt.year.value_counts() if patterns else {}
    fams = list(FAMILY_SHARE)
    share = np.array([FAMILY_SHARE[f] for f in fams])
    blocks = [{k: planted[k].to_numpy() for k in planted.columns}] if patterns else []
    for k, year in enumerate(years):
        target = int(round(per_year * (1 + 0.02 * np.sin(1.7 * k + 0.5)))) if patterns else per_year
        n_bg = max(target - int(planted_by_year.get(year, 0)), 0)
        counts = rng.multinomial(n_bg, share / share.sum())
        days = _days(year)
        for fam, n in zip(fams, counts):
            if n and patterns:
                blocks.append(_canonical_frame(rng, geo, fam, int(n), days, area_weights=area_weights(geo, fam)))
            elif n:
                blocks.append(_uniform_frame(rng, geo, fam, int(n), days))
    df = _concat(blocks)
    df["occurred_at"] = df["occurred_at"].astype("datetime64[ns]")
    df["area_idx"] = geo.locate(df["x"].to_numpy(), df["y"].to_numpy())
    # spill-over from a named place may cross into the neighbour area: keep the point, use its area
    df = df.sort_values(["occurred_at", "family", "x"], kind="stable").reset_index(drop=True)
    return df, truth
