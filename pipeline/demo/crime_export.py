"""One year of the demo's crimes as police systems export it: every cell text, Swedish headers,
decimal-comma coordinates, and the faults real exports have (see :func:`export_year`).
Hand-written: no library simulates police exports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo.geography import Geography
from pipeline.demo.incidents import area_name_variants

CRIME_COLUMNS = ["Diarienummer", "Brottsdatum", "Klockslag", "Brottskod", "Brottsbenämning",
                 "Brottsplats", "Stadsdel", "X-koordinat", "Y-koordinat"]

_STREETS = ["Vasagatan", "Stora gatan", "Kopparbergsvägen", "Sturegatan", "Köpmangatan", "Munkgatan",
            "Slottsgatan", "Karlsgatan", "Skultunavägen", "Råbyvägen", "Vallbyleden", "Pilgatan",
            "Björkgatan", "Tallvägen", "Granvägen", "Lönnvägen", "Ekvägen", "Aspvägen", "Hagvägen",
            "Ängsgatan", "Backgatan", "Bergsgatan", "Skolgatan", "Parkgatan", "Kyrkvägen", "Bruksvägen",
            "Norra Ringvägen", "Östra Ringvägen", "Västra Ringvägen", "Malmabergsgatan", "Folkparksvägen",
            "Gideonsbergsgatan", "Bäckbyvägen", "Hammarbyvägen", "Irstavägen", "Tillbergavägen",
            "Dingtunavägen", "Barkarövägen", "Mälarvägen", "Sjöhagsvägen", "Enköpingsvägen", "Stenbygatan"]


def _fmt_coord(rng: np.random.Generator, v: np.ndarray) -> np.ndarray:
    """Half integers, half one decimal with decimal comma ("587123,5")."""
    as_int = rng.random(len(v)) < 0.5
    return np.array([f"{a:.0f}" if i else f"{a:.1f}".replace(".", ",") for a, i in zip(v.tolist(), as_int)],
                    dtype=object)


def export_year(rng: np.random.Generator, geo: Geography, inc: pd.DataFrame, year: int, report_year: int,
                ) -> tuple[pd.DataFrame, dict]:
    """One year's export as police systems write it (all cells text, NA = empty) and its faults.

    Faults (each on distinct non-planted rows): ~1 % empty coordinates, ~0.3 % X/Y swapped,
    3 coordinates outside the kommun, 2 impossible dates, ~0.5 % exact duplicate rows (inserted
    right after the original); plus ~2 % empty Klockslag, ~1 % empty Brottskod and ~4 % Stadsdel
    in another spelling.
    """
    n = len(inc)
    serial_start = 100000 + int(rng.integers(0, 50000))
    t = inc["occurred_at"]
    names = geo.areas["area_name"].to_numpy()
    area = np.where(inc["area_idx"].to_numpy() >= 0, names[inc["area_idx"].clip(lower=0).to_numpy()], "")
    streets = np.array(_STREETS, dtype=object)
    street_no = rng.integers(1, 60, n)
    a_hash = inc["area_idx"].clip(lower=0).to_numpy()
    street = streets[(a_hash * 5 + rng.integers(0, 5, n)) % len(streets)]
    place = np.where(inc["place"].notna(), inc["place"].astype(object),
                     street + " " + street_no.astype(str).astype(object))
    x, y = inc["x"].to_numpy(), inc["y"].to_numpy()
    out = pd.DataFrame({
        "Diarienummer": [f"5000-K{serial_start + i:06d}-{year % 100:02d}" for i in range(n)],
        "Brottsdatum": t.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
        "Klockslag": t.dt.strftime("%H:%M").to_numpy(dtype=object),
        "Brottskod": inc["code"].to_numpy(dtype=object),
        "Brottsbenämning": inc["label"].to_numpy(dtype=object),
        "Brottsplats": place,
        "Stadsdel": area.astype(object),
        "X-koordinat": _fmt_coord(rng, x),
        "Y-koordinat": _fmt_coord(rng, y),
    })
    faults: dict[str, int] = {}
    # cosmetic irregularities (any row)
    m = rng.random(n) < 0.02
    out.loc[m, "Klockslag"] = None
    faults["empty_time"] = int(m.sum())
    m = rng.random(n) < 0.01
    out.loc[m, "Brottskod"] = None
    faults["empty_code"] = int(m.sum())
    m = (rng.random(n) < 0.04) & (area != "")
    out.loc[m, "Stadsdel"] = [
        (v := area_name_variants(a))[int(rng.integers(0, len(v)))] for a in area[m]]
    faults["area_name_variants"] = int(m.sum())
    # hard faults on distinct non-planted rows
    free = rng.permutation(np.flatnonzero(inc["planted"].to_numpy() == ""))
    sizes = {"empty_coords": round(0.01 * n), "swapped_coords": round(0.003 * n), "outside_kommun": 3,
             "impossible_dates": 2, "exact_duplicates": round(0.005 * n)}
    pos, rows = 0, {}
    for key, k in sizes.items():
        rows[key] = np.sort(free[pos:pos + k])
        pos += k
    out.loc[rows["empty_coords"], ["X-koordinat", "Y-koordinat"]] = None
    sw = rows["swapped_coords"]
    out.loc[sw, ["X-koordinat", "Y-koordinat"]] = out.loc[sw, ["Y-koordinat", "X-koordinat"]].to_numpy()
    oc = rows["outside_kommun"]
    shift = np.array([[60000, 0], [-45000, 20000], [10000, -70000]])[: len(oc)]
    out.loc[oc, "X-koordinat"] = [f"{v:.0f}" for v in x[oc] + shift[:, 0]]
    out.loc[oc, "Y-koordinat"] = [f"{v:.0f}" for v in y[oc] + shift[:, 1]]
    bad_dates = [f"{year}-02-30", f"{report_year + 6}-01-01"]
    out.loc[rows["impossible_dates"], "Brottsdatum"] = bad_dates[: len(rows["impossible_dates"])]
    dup = rows["exact_duplicates"]
    order = np.sort(np.concatenate([np.arange(n), dup + 0.5]))
    idx = np.floor(order).astype(int)
    out = out.iloc[idx].reset_index(drop=True)
    faults.update({k: int(len(v)) for k, v in rows.items()})
    faults["rows"] = int(len(out))
    faults["incidents"] = int(n)
    faults["impossible_date_values"] = bad_dates
    faults["duplicated_diarienummer"] = out.loc[out.duplicated(keep="first"), "Diarienummer"].tolist()
    return out, faults
