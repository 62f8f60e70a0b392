"""Comparison with the län, similar kommuner and the country: types, attribution, exact rates
and rate ratios, groups that leave the kommun out."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.stats.comparison import _rate_ratio, attribute_to_kommuner, event_comparison, kommun_types

COVER = (pd.Timestamp("2023-01-01"), pd.Timestamp("2025-12-31 23:00"))


def register():
    # two län; populations and areas chosen to land in known types
    rows = [("0001", "Stad", "01", 250_000, 100.0), ("0002", "Ort", "01", 60_000, 500.0),
            ("0003", "By", "01", 8_000, 2_000.0), ("0004", "Habo", "02", 12_000, 200.0),
            ("0005", "Håbo", "02", 22_000, 100.0), ("0006", "Upplands-Bro", "02", 30_000, 300.0)]
    return pd.DataFrame(rows, columns=["kommun_code", "kommun_name", "lan_code", "population", "area_km2"])


def test_types_split_a_band_by_density_only_when_both_halves_are_large_enough():
    small = kommun_types(register()).set_index("kommun_code")
    assert small["pop_band"].to_dict() == {"0001": "storstad", "0002": "stor", "0003": "liten", "0004": "liten",
                                          "0005": "mellan", "0006": "mellan"}
    assert set(small["type_code"]) == {"storstad", "stor", "liten", "mellan"}  # too few to split
    many = pd.DataFrame({"kommun_code": [f"{i:04d}" for i in range(20)], "kommun_name": "x", "lan_code": "01",
                         "population": 10_000, "area_km2": [100.0] * 10 + [5_000.0] * 10})  # 100 and 2 inh/km²
    t = kommun_types(many)["type_code"]
    assert (t[:10] == "liten_tat").all() and (t[10:] == "liten_gles").all()


def test_attribution_keeps_a_and_a_with_ring_apart():
    got = attribute_to_kommuner(pd.Series(["Habo", "Håbo", "HÅBO", "Upplands-bro", "Stockholms län", None]), register())
    assert got.tolist()[:4] == ["0004", "0005", "0005", "0006"] and got[4:].isna().all()


def test_rate_ratio_exact_conditional_interval_and_test():
    rr, lo, hi, p = _rate_ratio(10, 2.0, 30, 10.0)
    assert rr == pytest.approx((10 / 2) / (30 / 10))
    # at each bound the binomial tail of k1 = 10 out of 40 is 2.5 % (Clopper–Pearson), checked with scipy.stats
    share = lambda r: 2.0 * r / (2.0 * r + 10.0)  # noqa: E731
    assert stats.binom.sf(9, 40, share(lo)) == pytest.approx(0.025, abs=1e-6)
    assert stats.binom.cdf(10, 40, share(hi)) == pytest.approx(0.025, abs=1e-6)
    assert p == pytest.approx(stats.binomtest(10, 40, 2 / 12).pvalue, rel=1e-6)
    assert np.isnan(_rate_ratio(0, 1.0, 0, 1.0)[0])


def test_rate_ratio_bounds_are_scipys_clopper_pearson_interval():
    """The beta-quantile bounds are those scipy's binomtest finds by root search (to its
    tolerance of 2e-12 on the binomial share), and each tail beyond them is 2.5 %."""
    for k1, k2, t1, t2 in ((10, 30, 2.0, 10.0), (0, 12, 1.0, 3.0), (7, 0, 1.0, 1.0), (1, 5000, 0.5, 900.0),
                           (4200, 3900, 11.0, 10.0)):
        n = k1 + k2
        _, lo, hi, _ = _rate_ratio(k1, t1, k2, t2)
        share = lambda r: 1.0 if np.isinf(r) else t1 * r / (t1 * r + t2)  # noqa: E731  the ratio's binomial share
        ci = stats.binomtest(k1, n, t1 / (t1 + t2)).proportion_ci(method="exact")
        assert share(lo) == pytest.approx(ci.low, abs=1e-11) and share(hi) == pytest.approx(ci.high, abs=1e-11)
        if k1 > 0:
            assert stats.binom.sf(k1 - 1, n, share(lo)) == pytest.approx(0.025, rel=1e-9), (k1, k2)
        if k1 < n:
            assert stats.binom.cdf(k1, n, share(hi)) == pytest.approx(0.025, rel=1e-9), (k1, k2)


def test_a_group_without_events_gives_an_infinite_ratio_and_the_exact_p_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning reaches the user's console
        rr, lo, hi, p = _rate_ratio(6, 1.0, 0, 3.0)
    assert rr == np.inf and hi == np.inf
    # 6 of 6 events in the kommun, whose share of the exposure is 1/4: P = (1/4)^6 (one-sided tail)
    assert p == pytest.approx(stats.binomtest(6, 6, 0.25).pvalue, rel=1e-9)
    assert stats.binom.sf(5, 6, 1.0 * lo / (1.0 * lo + 3.0)) == pytest.approx(0.025, abs=1e-6)


def test_groups_leave_the_kommun_out_and_rates_are_per_10000_and_year():
    reg = kommun_types(register())
    months = pd.date_range("2023-01-01", "2025-12-01", freq="MS")
    rng = np.random.default_rng(0)
    counts = pd.DataFrame([(c, "all", m, int(rng.poisson(p / 10_000)))
                           for c, p in zip(reg["kommun_code"], reg["population"]) for m in months],
                          columns=["kommun_code", "problem", "month", "n_events"])
    out = event_comparison("0002", reg, counts, COVER, 2023, 2025, [], {"01": "Ettans län"}).set_index("unit")
    assert out.loc["lan", "n_kommuner"] == 2 and out.loc["lan", "unit_label"] == "Övriga Ettans län (2 kommuner)"
    assert out.loc["riket", "n_kommuner"] == 5 and out.loc["typ", "n_kommuner"] == 0
    y25 = counts[counts["month"].dt.year == 2025]
    lan_n = y25[y25["kommun_code"].isin(["0001", "0003"])]["n_events"].sum()
    assert out.loc["lan", "n_events"] == lan_n
    assert out.loc["lan", "rate_per_10000"] == pytest.approx(10_000 * lan_n / 258_000)
    lo, hi = stats.chi2.ppf([0.025, 0.975], [2 * lan_n, 2 * lan_n + 2]) / 2 / 25.8  # Garwood, by hand
    assert (out.loc["lan", "rate_low"], out.loc["lan", "rate_high"]) == pytest.approx((lo, hi))
    k = out.loc["kommun"]
    assert k["rate_per_10000"] == pytest.approx(10_000 * k["n_events"] / 60_000) and np.isnan(k["rate_ratio"])
    assert out.loc["riket", "rate_ratio"] == pytest.approx(k["rate_per_10000"] / out.loc["riket", "rate_per_10000"])
    assert out.loc[["kommun", "lan", "riket"], "irr"].notna().all() and np.isnan(out.loc["typ", "irr"])  # empty group
    assert (out["trend"] == "stable").all()  # flat Poisson counts
