"""The public web page (reports/publik/index.html) in a real headless browser: Debian's Chromium
driven by Playwright (never a browser download). It renders, makes no request (the map is inline
and works offline), the map's layer buttons work, axe-core finds no serious or critical
accessibility violation, and it holds nothing the public rules hide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.conftest import read_params

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser_page(demo_run, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    page_file = demo_run / "reports/publik/index.html"
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri(), wait_until="load")
        yield page, requests, tmp_path_factory.mktemp("shot")
        context.close()
        browser.close()


def test_page_renders_offline_with_no_request(browser_page, demo_run):
    page, requests, shots = browser_page
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert page.locator("h1").count() == 1 and "Trygghet och brott i" in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.lang") == "sv"
    cards = page.locator("article.card")
    assert cards.count() == 4  # the demo's löften running in or after the report year
    l1 = cards.filter(has_text="klotter")
    assert "minskade" in l1.inner_text() and "Åtgärder: 2 av 2 genomförda" in l1.inner_text()
    # the first map is drawn and visible, the others hidden by the script until chosen
    maps = page.locator("figure.map")
    assert maps.count() >= 2
    assert maps.nth(0).is_visible() and not maps.nth(1).is_visible()
    box = maps.nth(0).locator("svg").bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    page.screenshot(path=str(shots / "publik.png"), full_page=True)


def test_map_layer_buttons_switch_the_map(browser_page):
    page, _, _ = browser_page
    buttons = page.locator(".layers button")
    assert page.locator(".layers").is_visible() and buttons.count() >= 2
    buttons.nth(1).click()
    maps = page.locator("figure.map")
    assert maps.nth(1).is_visible() and not maps.nth(0).is_visible()
    assert buttons.nth(1).get_attribute("aria-pressed") == "true"
    assert buttons.nth(0).get_attribute("aria-pressed") == "false"
    buttons.nth(0).press("Enter")  # keyboard works too
    assert maps.nth(0).is_visible()


def test_axe_finds_no_serious_accessibility_violation(browser_page):
    from axe_playwright_python.sync_playwright import Axe

    page, _, _ = browser_page
    result = Axe().run(page)
    violations = result.response["violations"]
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert result.response["passes"]  # axe really ran its rules


def test_page_holds_only_what_the_public_rules_allow(browser_page, demo_run):
    page, _, _ = browser_page
    text = page.locator("body").inner_text()
    gazetteer = (demo_run / "data/raw/ortnamn.csv").read_text("utf-8").splitlines()[1:]
    places = {line.split(";")[0] for line in gazetteer} - {line.split(";")[1] for line in gazetteer}
    assert [p for p in places if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)] == []
    year = read_params(demo_run)["kommun"]["year"]
    cells = page.locator("table td.num").all_inner_texts()
    small = [c for c in cells if re.fullmatch(r"[0-4]", c.strip())]
    assert small == []  # counts under 5 are written "färre än 5"
    assert f"lagesbild-{year}-publik.pdf" in page.content()
