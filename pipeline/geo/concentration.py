"""How concentrated incidents are across equal-area grid cells: top-x % shares, Lorenz curve,
Gini and the generalised Gini for sparse data.

Hand-written (a few lines of numpy); no maintained library implements the generalised Gini of
Bernasco & Steenbeek (2017).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _clean(counts) -> np.ndarray:
    c = np.asarray(counts, dtype="float64").ravel()
    if (c < 0).any() or not np.isfinite(c).all():
        raise ValueError("counts must be finite and >= 0")
    return c


def gini(counts) -> float:
    """Gini coefficient of non-negative values over n units.

    ``G = 2 Σ_i i·x_(i) / (n Σ x) − (n + 1)/n`` with x sorted ascending (i = 1..n); 0 when all
    units are equal, (n − 1)/n when one unit holds everything. NaN when Σx = 0.
    """
    c = np.sort(_clean(counts))
    n, total = len(c), c.sum()
    if n == 0 or total <= 0:
        return float("nan")
    return float(2 * np.sum(np.arange(1, n + 1) * c) / (n * total) - (n + 1) / n)


def concentration(counts, n_incidents: float | None = None) -> dict:
    """Concentration of incidents across cells.

    Parameters
    ----------
    counts : array-like, shape (n_cells,)
        Incidents (or harm days) per cell, all cells of the grid including empty ones.
    n_incidents : float, optional
        Number of incidents for the generalised Gini when ``counts`` are not incident counts
        (e.g. harm days); default ``Σ counts``.

    Returns
    -------
    dict
        ``n_incidents`` (Σ counts, or the override), ``n_cells``, ``top1_pct``, ``top5_pct``,
        ``top10_pct`` — percent of all incidents in the ``ceil(x/100 · n_cells)`` cells with
        most incidents —, ``gini`` (see :func:`gini`) and ``gini_generalised``

            G' = max(1, n_cells / n_incidents) · (G − 1) + 1,

        which rescales G so that spreading fewer incidents than cells one per cell counts as
        perfect equality (Bernasco & Steenbeek 2017, J. Quant. Criminol. 33:451–467).
        Shares and Ginis are NaN when there are no incidents.
    """
    c = _clean(counts)
    n_cells = len(c)
    total = c.sum()
    n_inc = float(total if n_incidents is None else n_incidents)
    out = {"n_incidents": n_inc, "n_cells": n_cells}
    desc = np.sort(c)[::-1]
    cum = np.cumsum(desc)
    for pct in (1, 5, 10):
        k = -(-pct * n_cells // 100)  # ceil in integer arithmetic
        out[f"top{pct}_pct"] = float(cum[k - 1] / total * 100) if total > 0 and k > 0 else float("nan")
    g = gini(c)
    out["gini"] = g
    out["gini_generalised"] = (float(max(1.0, n_cells / n_inc) * (g - 1) + 1)
                               if n_inc > 0 and np.isfinite(g) else float("nan"))
    return out


def lorenz_curve(counts) -> pd.DataFrame:
    """Lorenz curve of incidents over cells, from (0, 0) to (1, 1).

    Cells sorted ascending by count; row i holds the share of cells ``i/n`` and the share of
    incidents they hold. The area between the curve and the diagonal is G/2.

    Returns
    -------
    DataFrame with ``cell_share`` and ``incident_share`` (fractions 0..1), n + 1 rows
    (``incident_share`` is NaN when there are no incidents).
    """
    c = np.sort(_clean(counts))
    n, total = len(c), c.sum()
    cell_share = np.arange(n + 1) / max(n, 1)
    cum = np.concatenate([[0.0], np.cumsum(c)])
    inc_share = cum / total if total > 0 else np.full(n + 1, np.nan)
    return pd.DataFrame({"cell_share": cell_share, "incident_share": inc_share})
