"""Concentration shares, Gini and generalised Gini on hand examples."""

import numpy as np
import pytest

from pipeline.geo.concentration import concentration, gini, lorenz_curve


def test_all_in_one_cell():
    c = concentration([0, 0, 0, 10])
    # G = 2*(4*10)/(4*10) - 5/4 = 0.75 = (n-1)/n; 10 incidents > 4 cells -> no correction
    assert c["gini"] == pytest.approx(0.75)
    assert c["gini_generalised"] == pytest.approx(0.75)
    assert c["n_incidents"] == 10 and c["n_cells"] == 4
    assert c["top1_pct"] == pytest.approx(100.0)  # ceil(0.04) = 1 cell holds it all


def test_equal_counts():
    c = concentration([5, 5, 5, 5])
    assert c["gini"] == pytest.approx(0.0)
    assert c["top1_pct"] == pytest.approx(25.0)


def test_generalised_gini_for_fewer_incidents_than_cells():
    # 2 incidents in 5 cells, one each: G = 2*(4+5)/(5*2) - 6/5 = 0.6, but that is as even as
    # 2 incidents can be: G' = max(1, 5/2) * (0.6 - 1) + 1 = 0
    c = concentration([0, 0, 0, 1, 1])
    assert c["gini"] == pytest.approx(0.6)
    assert c["gini_generalised"] == pytest.approx(0.0)
    # both in one cell: G = 0.8, G' = 2.5 * (-0.2) + 1 = 0.5
    c = concentration([0, 0, 0, 0, 2])
    assert c["gini_generalised"] == pytest.approx(0.5)


def test_top_shares_on_100_cells():
    counts = np.zeros(100)
    counts[:10] = [50, 20, 5, 5, 5, 5, 2, 2, 2, 2]
    counts[10:20] = 0.2  # 2 incidents spread thinly
    c = concentration(counts)
    assert c["n_incidents"] == pytest.approx(100)
    assert c["top1_pct"] == pytest.approx(50.0)
    assert c["top5_pct"] == pytest.approx(85.0)
    assert c["top10_pct"] == pytest.approx(98.0)


def test_n_incidents_override_for_harm():
    harm = np.array([0, 0, 0, 0, 365.0])  # one incident of 365 harm days in 5 cells
    c = concentration(harm, n_incidents=1)
    assert c["gini"] == pytest.approx(0.8)
    assert c["gini_generalised"] == pytest.approx(0.0)  # one incident cannot be spread


def test_no_incidents_gives_nan():
    c = concentration(np.zeros(10))
    assert np.isnan(c["gini"]) and np.isnan(c["top1_pct"]) and np.isnan(c["gini_generalised"])


def test_lorenz_curve_area_matches_gini():
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.7, 500) * rng.integers(1, 5, 500)
    lc = lorenz_curve(counts)
    assert list(lc.columns) == ["cell_share", "incident_share"]
    assert len(lc) == 501
    assert lc.iloc[0].tolist() == [0.0, 0.0] and lc.iloc[-1].tolist() == [1.0, 1.0]
    assert (np.diff(lc["incident_share"]) >= 0).all()
    area = np.trapezoid(lc["incident_share"], lc["cell_share"])
    assert gini(counts) == pytest.approx(1 - 2 * area, abs=1e-12)
