"""The national kommun register used to compare a kommun with others: boundaries (for the area
and the län) and population, as Lantmäteriet/SCB publish them (see ../shared/data/README.md).

Output: DataFrame[kommun_code, kommun_name, lan_code, population, area_km2], one row per kommun.
"""

from __future__ import annotations

import pandas as pd

from pipeline.errors import DataError
from pipeline.ingest.common import header_key

CODE = ("id", "kommun_kod", "kommunkod", "kommun_code", "kn_kod", "kod")
NAME = ("kom_namn", "kommun_namn", "kommunnamn", "kommun_name", "namn")
LAN = ("lan_code", "lan_kod", "länskod", "lanskod", "lan")
POPULATION = ("population", "folkmängd", "folkmangd", "antal", "invånare", "befolkning")


def _pick(columns, wanted, path, what) -> str:
    keys = {header_key(c): c for c in columns}
    for w in wanted:
        if header_key(w) in keys:
            return keys[header_key(w)]
    raise DataError(f"{path}: no {what} column (looked for {', '.join(wanted)}; file has {', '.join(map(str, columns))})")


def _code(s: pd.Series, path, what) -> pd.Series:
    txt = s.astype("string").str.strip()
    bad = ~txt.str.fullmatch(r"\d{1,4}").fillna(False)
    if bad.any():
        raise DataError(f"{path}: {what} '{txt[bad].iloc[0]}' is not a kommun code (4 digits)")
    return txt.str.zfill(4)


def kommun_register(boundaries, population: pd.DataFrame, boundaries_path: str, population_path: str) -> pd.DataFrame:
    """Join the kommun boundaries (a GeoDataFrame with code, name and län code) and the population
    table (code and inhabitants) on the 4-digit kommun code; area in km² in SWEREF 99 TM.
    Raises DataError naming the file when a column is missing, a code is malformed, or a kommun
    is in one file and not the other."""
    b_code = _pick(boundaries.columns, CODE, boundaries_path, "kommun code")
    b_name = _pick(boundaries.columns, NAME, boundaries_path, "kommun name")
    b_lan = _pick(boundaries.columns, LAN, boundaries_path, "län code")
    p_code = _pick(population.columns, CODE, population_path, "kommun code")
    p_pop = _pick(population.columns, POPULATION, population_path, "population")
    if boundaries.crs is None:
        raise DataError(f"{boundaries_path}: the layer has no coordinate system")
    geo = pd.DataFrame({"kommun_code": _code(boundaries[b_code], boundaries_path, "code"),
                        "kommun_name": boundaries[b_name].astype(str).str.strip(),
                        "lan_code": boundaries[b_lan].astype("string").str.strip().str.zfill(2),
                        "area_km2": boundaries.to_crs("EPSG:3006").area.to_numpy() / 1e6})
    pop = pd.DataFrame({"kommun_code": _code(population[p_code], population_path, "code"),
                        "population": pd.to_numeric(population[p_pop].astype("string").str.replace(r"\s", "", regex=True),
                                                    errors="coerce")})
    if pop["population"].isna().any():
        raise DataError(f"{population_path}: population '{population.loc[pop['population'].isna(), p_pop].iloc[0]}' "
                        "is not a number")
    only_geo = sorted(set(geo["kommun_code"]) - set(pop["kommun_code"]))
    only_pop = sorted(set(pop["kommun_code"]) - set(geo["kommun_code"]))
    if only_geo or only_pop:
        raise DataError(f"{population_path}: kommun codes differ from {boundaries_path} "
                        f"(only in the boundaries: {only_geo[:5]}, only in the population: {only_pop[:5]}); use files "
                        "of the same year")
    out = geo.merge(pop, on="kommun_code").astype({"population": "int64"})
    return out.sort_values("kommun_code").reset_index(drop=True)
