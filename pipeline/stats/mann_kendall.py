"""Mann–Kendall trend test, vectorised over many series (one per row).

Hand-written because no maintained library vectorises the test over rows: ``pymannkendall``
loops in Python over one series at a time, which is far too slow for a space-time cube of
100,000 locations. The statistics are the same as ``pymannkendall.original_test``
(checked to 1e-12 in ``tests/unit/stats/test_mann_kendall.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

MK_COLUMNS = ("s", "var_s", "z", "p", "tau")


def _dense_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ranks 0.. of each row of ``x`` (ties share a rank) and, per row, the tie term
    Σ_g t_g (t_g − 1)(2 t_g + 5) over the tie groups g of that row."""
    m, n = x.shape
    order = np.argsort(x, axis=1, kind="stable")
    srt = np.take_along_axis(x, order, axis=1)
    is_new = np.ones((m, n), dtype=bool)
    is_new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    dense = np.cumsum(is_new, axis=1) - 1
    rank_dtype = np.int16 if n < 2**15 else np.int32
    ranks = np.empty((m, n), dtype=rank_dtype)
    np.put_along_axis(ranks, order, dense.astype(rank_dtype), axis=1)
    size = np.bincount((np.arange(m)[:, None] * n + dense).ravel(), minlength=m * n).reshape(m, n)
    ties = (size * (size - 1) * (2 * size + 5)).sum(axis=1)
    return ranks, ties


def _mk_chunk(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S and the tie term for each row of ``x`` (m, n).

    S is computed on dense ranks (same order relations as the values, small integers) laid out
    time-major, one lag at a time: S = Σ_lag Σ_t sign(r_{t+lag} − r_t).
    """
    ranks, ties = _dense_ranks(x)
    rt = np.ascontiguousarray(ranks.T)  # (n, m)
    s = np.zeros(x.shape[0], dtype=np.int64)
    for lag in range(1, x.shape[1]):
        s += np.sign(rt[lag:] - rt[:-lag]).sum(axis=0, dtype=np.int64)
    return s, ties


def mann_kendall(y: np.ndarray, chunk_rows: int = 10_000) -> pd.DataFrame:
    """Mann–Kendall trend test with tie correction, one test per row of ``y``.

    For a series x_1..x_n:

    - S = Σ_{k<l} sign(x_l − x_k)
    - var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18, with t_g the size of tie group g
    - z = (S − 1)/√var(S) if S > 0, 0 if S = 0, (S + 1)/√var(S) if S < 0 (continuity correction)
    - p = 2 (1 − Φ(|z|)), two-sided
    - tau = S / (n(n−1)/2), Kendall's tau-a, which is what ``pymannkendall`` reports as ``Tau``.

    Parameters
    ----------
    y : ndarray, shape (m, n) or (n,)
        One series per row, in time order. Input must be free of NaN (NaN compares as neither
        greater, smaller nor equal, so it would silently bias S); this is not checked per value
        for speed, but a NaN anywhere raises ``ValueError``.
    chunk_rows : int
        Rows processed at a time (bounds memory: about 50 bytes × n per row).

    Returns
    -------
    DataFrame with columns s (int64), var_s, z, p, tau; one row per input row. A constant
    series (var(S) = 0) gets z = 0, p = 1.

    References
    ----------
    Mann (1945) Econometrica 13:245–259; Kendall (1975) Rank Correlation Methods;
    Gilbert (1987) Statistical Methods for Environmental Pollution Monitoring, §16.4;
    Hussain & Mahmud (2019) pyMannKendall, JOSS 4(39):1556.
    """
    a = np.asarray(y, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"mann_kendall expects a 1-D or 2-D array, got shape {a.shape}")
    if np.isnan(a).any():
        raise ValueError("mann_kendall: input contains NaN; drop or fill missing steps first")
    m, n = a.shape
    s = np.empty(m, dtype=np.int64)
    ties = np.empty(m, dtype=np.int64)
    for start in range(0, m, chunk_rows):
        s[start:start + chunk_rows], ties[start:start + chunk_rows] = _mk_chunk(a[start:start + chunk_rows])
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    sd = np.sqrt(var_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / sd, np.where(s < 0, (s + 1) / sd, 0.0))
    z = np.where(var_s > 0, z, 0.0)
    p = 2.0 * (1.0 - ndtr(np.abs(z)))
    pairs = n * (n - 1) / 2.0
    tau = s / pairs if pairs > 0 else np.zeros(m)
    return pd.DataFrame({"s": s, "var_s": var_s, "z": z, "p": p, "tau": tau})
