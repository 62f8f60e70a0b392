"""How often does the map lie? Every significance claim of the pipeline on null kommuner, and its
power on planted patterns of known size.

Null kommun: the demo kommun's geography (25 areas, 10,992 cells of 250 m); N incidents a year
in 11 problem families (the demo's mix), each incident in a cell drawn with probability
proportional to the cell's land area (uniform places), month from a seasonal profile (summer
×1.3, winter ×0.7), five years with the same expected count but year-to-year over-dispersion
(each family-year count is Poisson with a Gamma(1/κ, κ) multiplier, κ = 0.02: a CV of 14 %
shared by all areas). Nothing else: every hot cell, emerging hot spot and trend flag found
is false.

The claims are judged by the pipeline's own functions — ``grid_hotspot_tests`` (exact
random-placement test + BH per layer, as ``build_hotspot_layers`` calls it),
``emerging_hotspots`` (exact bin test per step + BH over the cube) and ``area_trends``
(this-year test and multi-year trend, BH over both) — at the nominal FDR 5 %. Under a null with
nothing in it FDR = P(any discovery), so the nominal ceiling of every "P(any)" column is 5 %.

Power: on a null kommun of 3,000 incidents a year, planted patterns of known size — a cluster
of k extra incidents in one cell this year; k extra a month in one cell in the last three
months (an emerging hot spot); one area's series growing by a factor a year; this year's count
doubled — and the share of runs in which the pipeline finds them.

Prints Markdown tables (they are copied into docs/methods-hotspots.md). Machine and settings are
printed first. Run: ``.venv/bin/python benchmarks/calibration.py [--reps-scale 1.0] [--seed 2026]``;
``--quick`` for a smoke run; ``--skip-null`` / ``--skip-power`` run one half. Heavy: 1–2.5 s per
simulated kommun on 2 cores (the null half took 137 s at ``--reps-scale 0.2``, so about 11
minutes at scale 1); run it alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from pipeline.config import LayersParams
from pipeline.demo.geography import build_geography
from pipeline.demo.incidents import FAMILY_SHARE
from pipeline.geo.emerging import emerging_hotspots
from pipeline.geo.grid import make_grid
from pipeline.geo.layers import _cell_area_ids, cell_land_area, grid_hotspot_tests, grid_weights
from pipeline.scoring.harm import default_harm_table
from pipeline.stats.trends import area_trends

YEARS = list(range(2021, 2026))
SIZES = {30: 200, 300: 200, 3000: 100, 30000: 40}          # incidents a year → replicates at scale 1
KAPPA = 0.02
SEASON = 1 + 0.3 * np.cos(2 * np.pi * (np.arange(12) - 6) / 12)   # July ×1.3, January ×0.7
SHOWN = ("all", "harm", "theft", "violence", "robbery", "weapons")  # layers printed one by one
EHS_HOT = ("new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot", "diminishing_hot",
           "sporadic_hot", "oscillating_hot", "historical_hot")


class Kommun:
    """The fixed geography: grid, weights, land-area exposure, each cell's area, populations."""

    def __init__(self):
        geo = build_geography("1980")
        areas = geo.areas.assign(kommun_code="1980")
        self.params = LayersParams()
        self.grid = make_grid(areas, self.params.grid_cell_m)
        self.cell_area = _cell_area_ids(self.grid, areas, self.params.grid_cell_m).to_numpy(dtype=object)
        self.w = grid_weights(self.grid, self.params)
        self.exposure = cell_land_area(self.grid, areas)
        self.prob = self.exposure / self.exposure.sum()
        self.population = pd.DataFrame({"area_id": areas["area_id"].astype(str), "year": YEARS[-1], "sex": "alla",
                                        "age_band": "alla", "population": areas["population"].astype("int64")})
        self.families = list(FAMILY_SHARE)
        share = np.array([FAMILY_SHARE[f] for f in self.families])
        self.share = share / share.sum()
        harm = default_harm_table()
        default = harm[harm["crime_label_prefix"].fillna("") == ""].set_index("problem")["harm_days"]
        self.harm = np.array([float(default[f]) for f in self.families])


def simulate(rng, k: Kommun, per_year: int) -> pd.DataFrame:
    """A null kommun's incidents: year, month (1..12), family index, cell, area_id, harm."""
    parts = []
    for year in YEARS:
        mult = rng.gamma(1 / KAPPA, KAPPA, len(k.families))
        n = rng.poisson(per_year * k.share * mult)
        fam = np.repeat(np.arange(len(k.families)), n)
        parts.append(pd.DataFrame({"year": year, "fam": fam}))
    inc = pd.concat(parts, ignore_index=True)
    inc["month"] = rng.choice(12, size=len(inc), p=SEASON / SEASON.sum()) + 1
    inc["cell"] = rng.choice(len(k.prob), size=len(inc), p=k.prob)
    return inc


def _finish(k: Kommun, inc: pd.DataFrame) -> pd.DataFrame:
    inc = inc.copy()
    inc["area_id"] = k.cell_area[inc["cell"].to_numpy()]
    inc["problem"] = np.array(k.families, dtype=object)[inc["fam"].to_numpy()]
    inc["harm"] = k.harm[inc["fam"].to_numpy()]
    return inc


def hot_layers(k: Kommun, inc: pd.DataFrame) -> dict[str, np.ndarray]:
    """Significant hot cells (class hot, q ≤ FDR) per layer in the report year."""
    cur = inc[inc["year"] == YEARS[-1]]
    n = len(k.prob)
    names = ["all", "harm", *k.families]
    counts = np.zeros((n, len(names)))
    counts[:, 0] = counts[:, 1] = np.bincount(cur["cell"], minlength=n)
    for j in range(len(k.families)):
        counts[:, 2 + j] = np.bincount(cur.loc[cur["fam"] == j, "cell"], minlength=n)
    harm_cell = np.bincount(cur["cell"], weights=cur["harm"], minlength=n)
    _, _, q, classes = grid_hotspot_tests(counts, harm_cell, cur["cell"].to_numpy(), cur["harm"].to_numpy(), k.w,
                                          k.exposure, k.params.fdr_alpha)
    sig = np.char.startswith(classes.astype(str), "hot") & (q <= k.params.fdr_alpha)
    return {name: sig[:, c] for c, name in enumerate(names)}


def emerging_layers(k: Kommun, inc: pd.DataFrame, only: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Locations with a hot category in the 24-month cube ending with the report year (for the
    problems in ``only``; all of them by default)."""
    last2 = inc[inc["year"] >= YEARS[-2]]
    step = (last2["year"] - YEARS[-2]) * 12 + last2["month"] - 1
    n = len(k.prob)
    out = {}
    layers = [("all", np.ones(len(last2), bool))] + [(f, (last2["fam"] == j).to_numpy()) for j, f in enumerate(k.families)]
    for name, sel in [(nm, sl) for nm, sl in layers if only is None or nm in only]:
        cube = np.bincount(last2["cell"].to_numpy()[sel] * 24 + step.to_numpy()[sel], minlength=n * 24)
        res = emerging_hotspots(cube.reshape(n, 24).astype(float), k.w, time_lags=k.params.ehs_time_lags,
                                variance=k.params.ehs_variance, alpha=k.params.significance,
                                fdr=k.params.ehs_fdr, exposure=k.exposure)
        out[name] = res["ehs_category"].isin(EHS_HOT).to_numpy()
    return out


def trend_table(k: Kommun, inc: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"area_id": inc["area_id"], "problem": inc["problem"], "year": inc["year"]})
    at, _ = area_trends(frame, k.population, year=YEARS[-1], first_year=YEARS[0], alpha=k.params.significance)
    return at


def trend_flags(at: pd.DataFrame) -> np.ndarray:
    return ((at["trend"] != "stable") | at["year_change"].isin(["increase", "decrease"])).to_numpy()


def null_rows(k: Kommun, rng, per_year: int, reps: int) -> list[dict]:
    hot, ehs, flags = {}, {}, []
    for _ in range(reps):
        inc = _finish(k, simulate(rng, k, per_year))
        for name, sig in hot_layers(k, inc).items():
            hot.setdefault(name, []).append(int(sig.sum()))
        for name, sig in emerging_layers(k, inc).items():
            ehs.setdefault(name, []).append(int(sig.sum()))
        flags.append(int(trend_flags(trend_table(k, inc)).sum()))
    rows = []
    for name in hot:
        h, e = np.array(hot[name]), np.array(ehs.get(name, [0] * reps))
        rows.append({"size": per_year, "layer": name, "reps": reps,
                     "hot_any": (h > 0).mean(), "hot_mean": h.mean(),
                     "ehs_any": (e > 0).mean() if name in ehs else np.nan, "ehs_mean": e.mean() if name in ehs else np.nan})
    f = np.array(flags)
    rows.append({"size": per_year, "layer": "trend flags (all rows)", "reps": reps, "trend_any": (f > 0).mean(),
                 "trend_mean": f.mean()})
    return rows


def _pct(x, reps):
    se = np.sqrt(max(x * (1 - x), 1 / reps) / reps)
    return f"{100 * x:.1f} % ± {100 * se:.1f}"


def print_null(rows: list[dict]) -> None:
    df = pd.DataFrame(rows)
    print("\n### Null kommuner: share of kommuner with any false discovery (nominal ceiling 5 %) and mean count\n")
    print("| incidents a year | layer | kommuner | hot cells: P(any) | false hot cells, mean | "
          "emerging hot spots: P(any) | false emerging hot spots, mean |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for (size, reps), g in df[df["layer"].isin(SHOWN) | ~df["layer"].str.contains("trend")].groupby(["size", "reps"]):
        fams = g[~g["layer"].isin(["all", "harm"]) & ~g["layer"].str.contains("trend")]
        for _, r in g[g["layer"].isin(SHOWN)].iterrows():
            ehs = "–" if pd.isna(r["ehs_any"]) else _pct(r["ehs_any"], reps)
            ehs_m = "–" if pd.isna(r["ehs_mean"]) else f"{r['ehs_mean']:.2f}"
            print(f"| {size:,} | {r['layer']} | {reps} | {_pct(r['hot_any'], reps)} | {r['hot_mean']:.2f} | {ehs} | {ehs_m} |")
        print(f"| {size:,} | all 11 families, mean per layer | {reps} | {_pct(fams['hot_any'].mean(), reps * 11)} | "
              f"{fams['hot_mean'].mean():.2f} | {_pct(fams['ehs_any'].mean(), reps * 11)} | {fams['ehs_mean'].mean():.2f} |")
    print("\n### Null kommuner: summed over the 11 family layers (nominal ceiling: 11 × 5 % = 0.55 layers with "
          "any false discovery per kommun)\n")
    print("| incidents a year | kommuner | family layers with a false hot cell, per kommun | false hot cells, per kommun "
          "| family layers with a false emerging hot spot, per kommun | false emerging hot spots, per kommun |")
    print("|---:|---:|---:|---:|---:|---:|")
    fam_rows = df[~df["layer"].isin(["all", "harm"]) & ~df["layer"].str.contains("trend")]
    for (size, reps), g in fam_rows.groupby(["size", "reps"]):
        print(f"| {size:,} | {reps} | {g['hot_any'].sum():.2f} | {g['hot_mean'].sum():.2f} | "
              f"{g['ehs_any'].sum():.2f} | {g['ehs_mean'].sum():.2f} |")
    t = df[df["layer"].str.contains("trend")]
    print("\n### Null kommuner: trend flags (this-year change or multi-year trend, BH over both, 312 rows a kommun)\n")
    print("| incidents a year | kommuner | P(any flag) | flags per kommun, mean |")
    print("|---:|---:|---:|---:|")
    for _, r in t.iterrows():
        print(f"| {r['size']:,} | {r['reps']} | {_pct(r['trend_any'], r['reps'])} | {r['trend_mean']:.3f} |")


# ---------------------------------------------------------------- power
def _centre_cell(k: Kommun) -> int:
    """An inland cell with a full window (13 cells) far from the boundary."""
    deg = np.asarray(k.w.sum(axis=1)).ravel()
    full = np.flatnonzero((deg == deg.max()) & (k.exposure == k.exposure.max()))
    return int(full[len(full) // 2])


def power_rows(k: Kommun, rng, reps: int) -> list[dict]:
    base = 3000
    cell = _centre_cell(k)
    window = set(k.w[cell].indices)
    fam = {f: j for j, f in enumerate(k.families)}
    rows = []

    def planted(extra: pd.DataFrame) -> pd.DataFrame:
        return _finish(k, pd.concat([simulate(rng, k, base), extra], ignore_index=True))

    for family, sizes in (("violence", (4, 6, 8, 12)), ("robbery", (2, 3, 4, 6))):
        for size in sizes:
            found = 0
            for _ in range(reps):
                extra = pd.DataFrame({"year": YEARS[-1], "fam": fam[family], "month": rng.integers(1, 13, size),
                                      "cell": cell})
                sig = hot_layers(k, planted(extra))[family]
                found += bool(sig[list(window)].any())
            rows.append({"pattern": f"hot spot: {size} extra {family} in one cell this year "
                                    f"(≈{base * FAMILY_SHARE[family] / sum(FAMILY_SHARE.values()):.0f} a year in the kommun)",
                         "found": found / reps, "reps": reps, "check": "a hot cell (q ≤ 5 %) in the window"})
    for size in (2, 3, 4, 6):
        found = 0
        for _ in range(reps):
            extra = pd.DataFrame({"year": YEARS[-1], "fam": fam["drugs"], "month": np.repeat([10, 11, 12], size),
                                  "cell": cell})
            inc = planted(extra)
            ehs = emerging_layers(k, inc, only=("drugs",))["drugs"]
            found += bool(ehs[list(window)].any())
        rows.append({"pattern": f"emerging: {size} extra drugs a month in one cell, last 3 months (≈240 a year)",
                     "found": found / reps, "reps": reps, "check": "a hot emerging category in the window"})
    # the area whose expected theft is closest to 60 a year at this size
    land = pd.Series(k.prob).groupby(pd.Series(k.cell_area)).sum()
    theft = base * k.share[fam["theft"]] * land
    area = str((theft - 60).abs().idxmin())
    base_theft = float(theft[area])
    area_cells = np.flatnonzero(k.cell_area == area)
    for label, factors in (("trend", {f"+{round(100 * (g - 1))} % a year": [g ** i for i in range(5)]
                                      for g in (1.15, 1.3, 1.5)}),
                           ("this year", {f"×{g} this year": [1, 1, 1, 1, g] for g in (1.5, 2.0, 3.0)})):
        for name, mult in factors.items():
            found = 0
            for _ in range(reps):
                extra = []
                for year, m in zip(YEARS, mult):
                    n = rng.poisson(base_theft * (m - 1))
                    extra.append(pd.DataFrame({"year": year, "fam": fam["theft"], "month": rng.integers(1, 13, n),
                                               "cell": rng.choice(area_cells, n)}))
                at = trend_table(k, planted(pd.concat(extra, ignore_index=True)))
                row = at[(at["area_id"] == area) & (at["problem"] == "theft")].iloc[0]
                found += (row["trend"] == "rising") if label == "trend" else (row["year_change"] == "increase")
            rows.append({"pattern": f"{label}: theft in one area (≈{base_theft:.0f} a year) {name}", "found": found / reps,
                         "reps": reps, "check": "trend == rising" if label == "trend" else "year_change == increase"})
    return rows


def print_power(rows: list[dict]) -> None:
    print("\n### Power on planted patterns (null kommun of 3,000 incidents a year)\n")
    print("| planted pattern | found in | runs | judged by |")
    print("|---|---:|---:|---|")
    for r in rows:
        print(f"| {r['pattern']} | {100 * r['found']:.0f} % | {r['reps']} | {r['check']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps-scale", type=float, default=1.0, help="multiply every replicate count")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 5 %% of the replicates")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--skip-power", action="store_true")
    ap.add_argument("--skip-null", action="store_true")
    args = ap.parse_args()
    scale = 0.05 if args.quick else args.reps_scale
    rng = np.random.default_rng(args.seed)
    print(f"# calibration: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"seed {args.seed}, replicate scale {scale:g}, κ_year {KAPPA}, FDR 5 %")
    t0 = time.perf_counter()
    k = Kommun()
    print(f"# geography: {len(k.grid):,} cells of {k.params.grid_cell_m:g} m, band {k.params.gi_distance_m:g} m, "
          f"{k.population['area_id'].nunique()} areas, {len(k.families)} families, years {YEARS[0]}–{YEARS[-1]}")
    rows = []
    for size, reps in ({} if args.skip_null else SIZES).items():
        n = max(2, int(round(reps * scale)))
        t = time.perf_counter()
        rows += null_rows(k, rng, size, n)
        print(f"# null, {size:,} incidents a year: {n} kommuner in {time.perf_counter() - t:.0f} s", flush=True)
    if rows:
        print_null(rows)
    if not args.skip_power:
        t = time.perf_counter()
        power = power_rows(k, rng, max(2, int(round(30 * scale))))
        print(f"\n# power: {time.perf_counter() - t:.0f} s")
        print_power(power)
    print(f"\n# total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
