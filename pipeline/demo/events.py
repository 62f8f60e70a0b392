"""Synthetic Polisen events for the demo kommun, in the shape of polisen.se/api/events.
Hand-written: no library simulates the API."""

from __future__ import annotations

import numpy as np

_EVENT_TYPES = [("Misshandel", 0.14), ("Stöld", 0.10), ("Inbrott", 0.06), ("Skadegörelse", 0.07),
                ("Narkotikabrott", 0.06), ("Trafikolycka", 0.14), ("Brand", 0.06), ("Rån", 0.03),
                ("Olaga hot", 0.04), ("Sammanfattning natt", 0.08), ("Ordningslagen", 0.03),
                ("Fylleri/LOB", 0.04), ("Trafikbrott", 0.03), ("Rattfylleri", 0.05), ("Övrigt", 0.04),
                ("Misshandel, grov", 0.01), ("Stöld/inbrott", 0.02)]
_MONTHS_SV = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
              "oktober", "november", "december"]
_SUMMARIES = {
    "Misshandel": ["En man har misshandlats i centrala Västerås.", "Bråk mellan flera personer, en person skadad."],
    "Trafikolycka": ["Två bilar har kolliderat.", "Singelolycka, personbil i diket."],
    "Brand": ["Brand i soprum.", "Brand i bil, räddningstjänsten på plats."],
    "Sammanfattning natt": ["Sammanfattning av nattens händelser i Västmanlands län."],
}


def police_events(rng: np.random.Generator, report_year: int, n: int = 300) -> list[dict]:
    """Synthetic events in the shape of polisen.se/api/events for Västerås in the report year.

    ``datetime`` is "YYYY-MM-DD H:MM:SS +01:00" (hour not padded, offset +02:00 in summer time),
    ``name`` "7 mars 09.05, Misshandel, Västerås"; ``location.name`` is "Västerås", or from
    October of the report year mostly "Västmanlands län" (as the real API changed in late 2025);
    ``gps`` is the centre of the named area, never the incident location.
    """
    from zoneinfo import ZoneInfo
    import datetime as dt

    tz = ZoneInfo("Europe/Stockholm")
    types = [t for t, _ in _EVENT_TYPES]
    w = np.array([p for _, p in _EVENT_TYPES])
    start = dt.datetime(report_year, 1, 1)
    secs = np.sort(rng.uniform(0, 365 * 86400, n))
    kinds = rng.choice(len(types), size=n, p=w / w.sum())
    out = []
    for i, (s, k) in enumerate(zip(secs, kinds)):
        t = (start + dt.timedelta(seconds=int(s))).replace(tzinfo=tz)
        off = t.utcoffset()
        hh = int(off.total_seconds() // 3600)
        etype = types[k]
        lan = t.month >= 10 and rng.random() < 0.9
        loc_name, gps = ("Västmanlands län", "59.667580,16.215570") if lan else ("Västerås", "59.609901,16.544809")
        when = f"{t.day} {_MONTHS_SV[t.month - 1]} {t.hour:02d}.{t.minute:02d}"
        summary = _SUMMARIES.get(etype, [f"{etype} i Västerås."])
        out.append({
            "id": int(500000 + i * 7 + int(rng.integers(0, 7))),
            "datetime": f"{t:%Y-%m-%d} {t.hour}:{t:%M:%S} +{hh:02d}:00",
            "name": f"{when}, {etype}, Västerås",
            "summary": summary[int(rng.integers(0, len(summary)))],
            "url": f"/aktuellt/handelser/{t.year}/{_MONTHS_SV[t.month - 1]}/{t.day}/"
                   f"{t.day:02d}-{_MONTHS_SV[t.month - 1][:3]}-{t.hour:02d}.{t.minute:02d}-"
                   f"{etype.lower().replace('/', '-').replace(', ', '-').replace(' ', '-')}-vasteras/",
            "type": etype,
            "location": {"name": loc_name, "gps": gps},
        })
    return out
