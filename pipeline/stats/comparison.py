"""Comparison of a kommun with its län, with kommuner of the same type and with the country, on
Polisen's published crime events: rates per 10,000 inhabitants with exact intervals, rate
ratios with the exact conditional test, and the trend of each comparison group.

Kommun types. SKR's kommungruppsindelning is not available as an open data file that could be
read offline, so kommuner are grouped by what the real reference data give: population band ×
population density. Bands: storstad (≥ 200 000), större (50 000–199 999), mellanstor
(15 000–49 999) and mindre (< 15 000); a band is split into "tätare" (≥ 20 inhabitants/km²)
and "glesare" kommuner when both halves hold at least 8 kommuner (with the 2024 figures:
storstad 4, större 47, mellanstor tätare 75 / glesare 32, mindre tätare 39 / glesare 93).
Formulas and references: ``docs/methods-events.md`` (Comparison).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.rates import confint_poisson, test_poisson_2indep

from pipeline.stats.event_series import ALL, PER, covered_months, fit_event_trend
from pipeline.stats.fdr import benjamini_hochberg
from pipeline.stats.rate_ratio import rate_ratio_tests
from pipeline.stats.source_breaks import SourceBreak

POP_BANDS = ((200_000, "storstad", "Storstadskommuner (minst 200 000 invånare)"),
             (50_000, "stor", "Större kommuner (50 000–199 999 invånare)"),
             (15_000, "mellan", "Mellanstora kommuner (15 000–49 999 invånare)"),
             (0, "liten", "Mindre kommuner (under 15 000 invånare)"))
DENSITY_SPLIT = 20.0    # inhabitants per km²
MIN_GROUP = 8           # a band is split by density only when both halves have this many kommuner
UNITS = ("kommun", "lan", "typ", "riket")
COMPARISON_COLUMNS = ("kommun_code", "unit", "unit_label", "n_kommuner", "problem", "year", "days_covered",
                      "n_events", "population", "rate_per_10000", "rate_low", "rate_high", "rate_ratio", "rr_low",
                      "rr_high", "rr_p", "irr", "irr_low", "irr_high", "irr_p", "irr_q", "trend", "trend_note",
                      "break_ids")


def kommun_types(ref: pd.DataFrame) -> pd.DataFrame:
    """Add density_per_km2, pop_band, type_code and type_label_sv to a kommun table
    (kommun_code, kommun_name, lan_code, population, area_km2); see the module doc."""
    out = ref.copy()
    out["density_per_km2"] = out["population"] / out["area_km2"]
    edges = [b[0] for b in POP_BANDS]
    band = np.select([out["population"] >= e for e in edges], [b[1] for b in POP_BANDS], default="liten")
    out["pop_band"] = band
    labels = {b[1]: b[2] for b in POP_BANDS}
    out["type_code"] = out["pop_band"]
    out["type_label_sv"] = out["pop_band"].map(labels)
    for code, _label in labels.items():
        m = out["pop_band"] == code
        dense = m & (out["density_per_km2"] >= DENSITY_SPLIT)
        sparse = m & ~dense
        if dense.sum() >= MIN_GROUP and sparse.sum() >= MIN_GROUP:
            out.loc[dense, "type_code"] = f"{code}_tat"
            out.loc[sparse, "type_code"] = f"{code}_gles"
            out.loc[dense, "type_label_sv"] = labels[code].replace(" (", f", tätare än {DENSITY_SPLIT:g} inv./km² (")
            out.loc[sparse, "type_label_sv"] = labels[code].replace(" (", f", glesare än {DENSITY_SPLIT:g} inv./km² (")
    return out


def attribute_to_kommuner(event_kommun: pd.Series, ref: pd.DataFrame) -> pd.Series:
    """Kommun code of each event's kommun name (matched by
    :func:`pipeline.ingest.police_events.kommun_key`: case-insensitive, å/ä/ö significant); NA for
    names that are no kommun (a län, say)."""
    from pipeline.ingest.police_events import kommun_key

    codes = {kommun_key(n): c for n, c in zip(ref["kommun_name"], ref["kommun_code"])}
    keys = event_kommun.astype("string").map(lambda v: kommun_key(v) if pd.notna(v) else None, na_action="ignore")
    return keys.map(codes).astype("string")


def national_month_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Crime events per kommun, problem ("all" and each family) and month:
    DataFrame[kommun_code, problem, month, n_events] (months without events absent).
    ``events`` has kommun_code, occurred_at, problem, is_crime."""
    ev = events[events["is_crime"].astype(bool) & events["kommun_code"].notna()]
    month = ev["occurred_at"].dt.to_period("M").dt.to_timestamp()
    base = pd.DataFrame({"kommun_code": ev["kommun_code"].astype(str), "month": month})
    parts = [base.assign(problem=ALL), base.assign(problem=ev["problem"].astype(str).to_numpy())]
    both = pd.concat(parts, ignore_index=True)
    out = both.groupby(["kommun_code", "problem", "month"]).size().rename("n_events").reset_index()
    return out.astype({"n_events": "int64"})


def _units(code: str, ref: pd.DataFrame, lan_names: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    me = ref.set_index("kommun_code").loc[code]
    others = ref[ref["kommun_code"] != code]
    lan = others[others["lan_code"] == me["lan_code"]]
    typ = others[others["type_code"] == me["type_code"]]
    lan_name = lan_names.get(str(me["lan_code"]), f"län {me['lan_code']}")
    return [("kommun", str(me["kommun_name"]), [code]),
            ("lan", f"Övriga {lan_name} ({len(lan)} kommuner)", list(lan["kommun_code"])),
            ("typ", f"{me['type_label_sv']}, övriga {len(typ)}", list(typ["kommun_code"])),
            ("riket", f"Övriga riket ({len(others)} kommuner)", list(others["kommun_code"]))]


def _rate_ratio(k1: int, t1: float, k2: int, t2: float) -> tuple[float, float, float, float]:
    """Rate ratio (k1/t1)/(k2/t2), its exact conditional 95 % interval (Clopper–Pearson on
    k1 ~ Binomial(n = k1 + k2, π = t1 R / (t1 R + t2))) and the exact conditional two-sided p.

    The interval is :func:`pipeline.stats.rate_ratio.rate_ratio_tests`' (the beta quantiles of
    the Clopper–Pearson bounds, Clopper & Pearson 1934): scipy's ``binomtest(...).proportion_ci
    ("exact")`` finds the same bounds by root search (to 2e-12 on π: up to 1e-8 relative for a
    few events against the rest of the country) after computing a p-value not used here, 3 ms a
    call. The p is statsmodels' ``test_poisson_2indep`` ("exact-cond")."""
    if k1 + k2 == 0 or t1 <= 0 or t2 <= 0:
        return np.nan, np.nan, np.nan, np.nan
    interval = rate_ratio_tests(k1, k2, t1, t2)
    with np.errstate(divide="ignore"):  # k2 = 0: statsmodels divides by the zero rate; its exact p stands
        p = test_poisson_2indep(int(k1), t1, int(k2), t2, method="exact-cond").pvalue
    return ((k1 / t1) / (k2 / t2) if k2 else np.inf, float(interval["rr_low"][0]), float(interval["rr_high"][0]),
            float(p))


def _count_cube(counts: pd.DataFrame, kommuner: pd.Index, problems: list[str], months: pd.Series) -> np.ndarray:
    """Events per kommun × problem × month as an int64 array (kommuner, problems and months in
    the given order; a count outside them is left out, a combination without events is 0): each
    comparison group's series is then a sum over its kommuner' rows, not a filter and group-by
    of the national counts per group."""
    k = kommuner.get_indexer(counts["kommun_code"].astype(str))
    p = pd.Index(problems).get_indexer(counts["problem"])
    m = pd.Index(months).get_indexer(counts["month"])
    keep = (k >= 0) & (p >= 0) & (m >= 0)
    cube = np.zeros((len(kommuner), len(problems), len(months)), dtype="int64")
    np.add.at(cube, (k[keep], p[keep], m[keep]), counts["n_events"].to_numpy(dtype="int64")[keep])
    return cube


def event_comparison(code: str, ref: pd.DataFrame, counts: pd.DataFrame, coverage, first_year: int, year: int,
                     breaks: list[SourceBreak], lan_names: dict[str, str], alpha: float = 0.05,
                     problems: list[str] | None = None) -> pd.DataFrame:
    """The kommun ``code`` beside its län, its type and the country, per problem.

    Groups leave the kommun itself out (so a test compares it with the others). For each group
    and problem, over the covered part of the latest year of the period:

    - rate_per_10000 = 10 000 · n / (P · c/d), c/d the covered share of the year, with the exact
      (Garwood) 95 % interval (statsmodels ``confint_poisson``, "exact-c");
    - rate_ratio of the kommun to the group with the exact conditional interval and p
      (:func:`_rate_ratio`, statsmodels ``test_poisson_2indep``, "exact-cond");
    - the group's trend over the whole period (:func:`pipeline.stats.event_series.fit_event_trend`
      on the summed monthly counts, population summed, breaks as level shifts); irr_q is the
      Benjamini–Hochberg adjustment over the problems within the group, and trend "rising" or
      "falling" needs irr_q < alpha (as :func:`pipeline.stats.event_series.event_trends`).

    ``ref`` is :func:`kommun_types` output; ``counts`` :func:`national_month_counts`.
    """
    months = covered_months(coverage, first_year, year)
    if not len(months) or code not in set(ref["kommun_code"]):
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    last_year = int(months["year"].max())
    cur = months[months["year"] == last_year]
    days = int(cur["days_covered"].sum())
    days_in_year = 366 if pd.Timestamp(last_year, 12, 31).day_of_year == 366 else 365
    pop = ref.set_index("kommun_code")["population"].astype(float)
    wanted = problems or [ALL] + sorted(set(counts.loc[counts["kommun_code"] == code, "problem"]) - {ALL})
    cube = _count_cube(counts, pd.Index(ref["kommun_code"]), wanted, months["month"])
    rows = []
    mine = {}
    first, last = months["month"].min(), months["month"].max()
    inside = [b for b in breaks if first < b.start <= last]
    for unit, label, members in _units(code, ref, lan_names):
        p_units = float(pop.reindex(members).sum())
        summed = cube[ref["kommun_code"].isin(members).to_numpy()].sum(axis=0)  # problem × month
        for j, problem in enumerate(wanted):
            m = months.assign(n_events=summed[j], population=p_units)
            n = int(m.loc[m["year"] == last_year, "n_events"].sum())
            exposure = p_units * days / days_in_year / PER  # 10 000 person-years
            lo, hi = confint_poisson(n, exposure, method="exact-c") if exposure > 0 else (np.nan, np.nan)
            fit = fit_event_trend(m, inside, alpha) if p_units > 0 else {}
            row = {"kommun_code": code, "unit": unit, "unit_label": label, "n_kommuner": len(members),
                   "problem": problem, "year": last_year, "days_covered": days, "n_events": n,
                   "population": int(round(p_units)), "rate_per_10000": n / exposure if exposure > 0 else np.nan,
                   "rate_low": float(lo), "rate_high": float(hi), **{k: fit.get(k, np.nan) for k in
                                                                    ("irr", "irr_low", "irr_high", "irr_p")},
                   "trend_note": fit.get("trend_note", ""), "break_ids": ";".join(b.id for b in inside),
                   "_exposure": exposure}
            if unit == "kommun":
                mine[problem] = (n, exposure)
                row.update(rate_ratio=np.nan, rr_low=np.nan, rr_high=np.nan, rr_p=np.nan)
            else:
                k1, t1 = mine[problem]
                rr, rlo, rhi, rp = _rate_ratio(k1, t1, n, exposure)
                row.update(rate_ratio=rr, rr_low=rlo, rr_high=rhi, rr_p=rp)
            rows.append(row)
    out = pd.DataFrame(rows).drop(columns="_exposure")
    # as for the kommun's own series: Benjamini–Hochberg over the problems, within each group
    out["irr_q"] = np.nan
    for unit, idx in out.groupby("unit").groups.items():
        out.loc[idx, "irr_q"] = benjamini_hochberg(out.loc[idx, "irr_p"].to_numpy(dtype=float), alpha)[0]
    sig = out["irr_q"] < alpha
    out["trend"] = np.where(sig & (out["irr"] > 1), "rising", np.where(sig & (out["irr"] < 1), "falling", "stable"))
    return out[list(COMPARISON_COLUMNS)]
