"""Calibration of the follow-up's DiD effect estimator (pipeline.cycle.effect.fit_did) on
simulated areas, the table in docs/methods-evaluation.md.

Each draw: one treated and ``k`` comparison areas, ``months`` months before and as many during,
monthly means uniform on [lo, hi] per area, a season shared by all areas (normal, sd 0.2 on the
log scale), a common change of +5 % between the windows, NB2 counts with dispersion α (α = 0:
Poisson). With no effect (RR = 1) we count the verdicts "minskade" (the whole 95 % interval
below 1; nominal 2.5 %, required ≤ α = 5 %) and any verdict other than "ingen säker förändring"
(nominal 5 %); with RR = 0.6 the share of intervals covering 0.6 (nominal 95 %) and the power
(share "minskade"). Methods: the pipeline's Cox–Reid dispersion, plain ML dispersion (what
statsmodels' NegativeBinomial gives) and Poisson.

Not part of the test run (tests/unit/cycle/test_effect.py runs 50 draws). Deterministic: seed
per scenario. Usage: python benchmarks/calibration_did.py [draws] (default 1000; other methods
get 40 % of the draws).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from pipeline.cycle.effect import DECREASED, NO_CHANGE, fit_did

SCENARIOS = [  # name, k, months, lo, hi, alpha
    ("typisk: 5 jämförelseområden, 6 mån, 3–30/mån, α=0,15", 5, 6, 3, 30, 0.15),
    ("stark överspridning α=0,4", 5, 6, 3, 30, 0.4),
    ("Poissondata α=0", 5, 6, 3, 30, 0.0),
    ("små tal: 1–5/mån, α=0,15", 5, 6, 1, 5, 0.15),
    ("få jämförelseområden: 2", 2, 6, 3, 30, 0.15),
]


def simulate(rng, rr, k, months, lo, hi, alpha) -> pd.DataFrame:
    base = rng.uniform(lo, hi, k + 1)
    season = rng.normal(0, 0.2, months)
    unit = np.repeat(np.arange(k + 1), 2 * months)
    during = np.tile(np.repeat([False, True], months), k + 1)
    month = np.tile(np.arange(months), 2 * (k + 1))
    mu = base[unit] * np.exp(season[month]) * np.where((unit == 0) & during, rr, 1.0) * np.where(during, 1.05, 1.0)
    n = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu)) if alpha > 0 else rng.poisson(mu)
    return pd.DataFrame({"unit": unit.astype(str), "is_treated": unit == 0, "is_during": during, "season": month + 1,
                         "n": n, "exposure": 1.0})


def run(draws: int) -> pd.DataFrame:
    rows = []
    for s_idx, (name, k, months, lo, hi, alpha) in enumerate(SCENARIOS):
        for method, share in (("cox-reid", 1.0), ("ml", 0.4), ("poisson", 0.4)):
            n = max(50, int(draws * share))
            out = {}
            for rr in (1.0, 0.6):
                rng = np.random.default_rng([2025, s_idx, int(rr * 10)])
                res = [fit_did(simulate(rng, rr, k, months, lo, hi, alpha), dispersion=method) for _ in range(n)]
                ok = [r for r in res if np.isfinite(r.ci_low)]
                if rr == 1.0:
                    out["falskt minskade %"] = 100 * np.mean([r.verdict == DECREASED for r in ok])
                    out["falsk slutsats %"] = 100 * np.mean([r.verdict != NO_CHANGE for r in ok])
                else:
                    out["täckning % (RR=0,6)"] = 100 * np.mean([r.ci_low <= rr <= r.ci_high for r in ok])
                    out["styrka % (RR=0,6)"] = 100 * np.mean([r.verdict == DECREASED for r in ok])
                out["ej skattbara"] = out.get("ej skattbara", 0) + len(res) - len(ok)
            rows.append({"scenario": name, "metod": method, "dragningar": n, **out})
            print(f"{name} | {method} | " + " | ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                                                      for k, v in out.items()), flush=True)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    t0 = time.perf_counter()
    table = run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
    print()
    print(table.to_markdown(index=False, floatfmt=".1f") if hasattr(table, "to_markdown") else table.to_string())
    print(f"\n{time.perf_counter() - t0:.0f} s on this machine")
