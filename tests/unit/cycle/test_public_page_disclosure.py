"""The public web page against the disclosure attacker (pipeline.report.sdc.attack): every number
the page prints is read back from its HTML, written down as the attacker would, and must not
narrow any small count beyond its protection.

The fixture kommun of tests/unit/report gets one area with 3 reported crimes in the report year
(a primary cell). The page shows crimes per area and for the kommun, so without a second hidden
area the small one is the kommun minus the rest: the public rules must hide another ("visas
inte"), and the page must not print "färre än 5" for it or a rate beside a hidden count.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from bs4 import BeautifulSoup

from pipeline.cycle.public_page import public_page
from pipeline.report.inputs import ReportInputs
from pipeline.report.sdc.attack import attack
from pipeline.report.sdc.cubes import PRIMARY, VISIBLE, build_cubes
from tests.unit.report import YEAR, make_frames, public_version

SMALL_AREA, KEEP = "199914", "burglary"  # Slottsholmen keeps its 3 burglaries, nothing else


def _with_small_area(fr: dict) -> dict:
    """``fr`` with the report year's crimes in SMALL_AREA cut to its 3 burglaries, the kommun's
    rows reduced by what was cut (every total still the sum of its parts)."""
    fr = dict(fr)
    for name, col in (("area_year_counts", "n_incidents"), ("area_trends", "n_year")):
        f = fr[name].copy()
        year = (f["year"] == YEAR) if "year" in f.columns else pd.Series(True, index=f.index)
        cut = year & (f["area_id"] == SMALL_AREA) & ~f["problem"].isin([KEEP, "all"])
        removed = f.loc[cut].groupby("problem")[col].sum()
        f.loc[cut, col] = 0
        total = removed.sum()
        f.loc[year & (f["area_id"] == SMALL_AREA) & (f["problem"] == "all"), col] -= total
        for p, n in removed.items():
            f.loc[year & (f["area_id"] == "kommun") & (f["problem"] == p), col] -= n
        f.loc[year & (f["area_id"] == "kommun") & (f["problem"] == "all"), col] -= total
        rate = f[col] / f["population"] * 1000
        f["rate_per_1000"] = np.where(year, rate, f["rate_per_1000"])
        fr[name] = f
    return fr


def _number(text: str) -> float | None:
    t = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("−", "-").replace(",", ".")
    t = t.rstrip("%")
    return float(t) if re.fullmatch(r"-?\d+(\.\d+)?", t) else None


def _page_frame(html: str, areas: pd.DataFrame) -> pd.DataFrame:
    """What the page states about crimes per area in the report year, as the attacker writes it
    down: area_trends rows (problem "all") with n_year, its label and the rate."""
    soup = BeautifulSoup(html, "html.parser")
    ids = dict(zip(areas["area_name"], areas["area_id"].astype(str)))
    rows = []
    for tr in soup.select("table tbody tr"):
        cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        name, count, rate = cells[0], cells[1], cells[2]
        rows.append({"area_id": ids[name], "problem": "all", "n_year": _number(count), "rate_per_1000": _number(rate),
                     "n_year_suppressed": "primary" if count.startswith("färre än") else
                     "secondary" if count == "visas inte" else ""})
    boxes = {b.get_text(" ", strip=True).split(" ", 1)[-1]: b.select_one(".big").get_text(strip=True)
             for b in soup.select(".figure-box")}
    kommun = {"area_id": "kommun", "problem": "all", "n_year_suppressed": ""}
    for label, value in boxes.items():
        if label.startswith("anmälda brott per 1 000"):
            kommun["rate_per_1000"] = _number(value)
        elif label.startswith("anmälda brott "):
            kommun["n_year"] = _number(value)
        elif "anmälda brott än" in label:
            kommun["change_pct"] = _number(value) * (1 if label.startswith("fler") else -1)
    return pd.DataFrame([*rows, kommun])


def _attack(frame: pd.DataFrame, inputs: ReportInputs) -> list:
    cubes = build_cubes(inputs, inputs.privacy.min_count, inputs.survey_min_n)
    status = {name: np.where(c.primary, PRIMARY, VISIBLE) for name, c in cubes.items()}
    return attack({"area_trends": frame}, cubes, status, YEAR, inputs.privacy.min_count)


def test_the_page_gives_the_attacker_no_small_count():
    inputs = ReportInputs(**_with_small_area(make_frames(cell_m=1000)))
    html = public_page(public_version(inputs), inputs.generated_on)
    seen = _page_frame(html, inputs.areas)
    small = seen.set_index("area_id").loc[SMALL_AREA]
    assert small["n_year_suppressed"] == "primary" and np.isnan(small["rate_per_1000"])
    assert "färre än 5" in html
    # the kommun's total is printed, so at least one more area must be hidden, and not as "färre än 5"
    others = seen[(seen["area_id"] != SMALL_AREA) & (seen["area_id"] != "kommun")]
    assert (others["n_year_suppressed"] == "secondary").any() and "visas inte" in html
    assert others.loc[others["n_year_suppressed"] != "", "rate_per_1000"].isna().all()
    assert _attack(seen, inputs) == []


def test_the_attacker_would_catch_a_page_that_showed_the_other_areas():
    # the control: the same page with every hidden area but the small one shown gives it away
    inputs = ReportInputs(**_with_small_area(make_frames(cell_m=1000)))
    seen = _page_frame(public_page(public_version(inputs), inputs.generated_on), inputs.areas)
    truth = inputs.area_trends[inputs.area_trends["problem"] == "all"].set_index("area_id")["n_year"]
    leak = seen.copy()
    sec = leak["n_year_suppressed"] == "secondary"
    leak.loc[sec, "n_year"] = leak.loc[sec, "area_id"].map(truth).astype(float)
    leak.loc[sec, "n_year_suppressed"] = ""
    findings = _attack(leak, inputs)
    # its total, and its burglaries (never more than the total: 0…3 where 1…4 must stay open)
    assert sorted(f.key for f in findings) == [(SMALL_AREA, "all", YEAR), (SMALL_AREA, KEEP, YEAR)]
