"""The weekly EST picture and the tertial roll-up on a handful of hand-made reports."""

import datetime as dt

import pandas as pd

from pipeline.cycle.weekly import tertial_picture

D = dt.date


def _est(*stamps: str) -> pd.DataFrame:
    n = len(stamps)
    return pd.DataFrame({"est_id": [f"E{i}" for i in range(n)], "occurred_at": pd.to_datetime(list(stamps)),
                         "est_type": ["Skadegörelse", "Hot"][:n] + ["Skadegörelse"] * max(n - 2, 0),
                         "place_name": ["Torget"] * n, "area_id": ["A1"] * n})


def test_a_tertial_without_reports_is_an_empty_roll_up():
    tp = tertial_picture(_est("2025-01-07 10:00", "2025-02-11 21:30"), D(2024, 9, 1), D(2024, 12, 31), "2024T3")
    assert tp.weekly_by_type.empty and list(tp.weekly_by_type.columns) == ["week", "est_type", "n"]
    assert tp.by_type.empty and tp.persistent_places.empty
    assert tp.n_weeks == 19  # 2024-W35 (Sunday 1 September) to W52, and 2025-W01 (Tuesday 31 December)


def test_a_tertial_with_one_report_counts_its_iso_week():
    tp = tertial_picture(_est("2024-09-11 10:00", "2025-02-11 21:30"), D(2024, 9, 1), D(2024, 12, 31), "2024T3")
    assert tp.weekly_by_type.to_dict("records") == [{"week": "2024-W37", "est_type": "Skadegörelse", "n": 1}]
    assert tp.persistent_places[["place_name", "n", "n_weeks"]].to_dict("records") == [
        {"place_name": "Torget", "n": 1, "n_weeks": 1}]


def _areas():
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame({"area_id": ["A1", "A2"], "area_name": ["Centrum", "Norr"]},
                            geometry=[box(0, 0, 1000, 1000), box(0, 1000, 1000, 2000)], crs="EPSG:3006")


def _pdf_text(path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    return " ".join(" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc)))


def test_a_week_without_reports_is_a_page_that_says_so(tmp_path):
    """2024-W10 of reports that begin in 2025: the PDF and the HTML build and say no report was filed."""
    from types import SimpleNamespace

    from pipeline.cycle import figures as CF
    from pipeline.cycle.commands import render
    from pipeline.cycle.documents import weekly_source
    from pipeline.cycle.html import weekly_html
    from pipeline.cycle.weekly import weekly_picture

    est = _est("2025-01-07 10:00", "2025-02-11 21:30")
    wp = weekly_picture(est, None, D(2024, 3, 4), None)
    assert wp.week == "2024-W10" and wp.est_week.empty
    kommun, names, today = SimpleNamespace(name="Västerås", lpo="Västerås"), {"A1": "Centrum"}, D(2025, 3, 1)
    pts = wp.est_week.assign(x=[], y=[])
    source, files = weekly_source(wp, kommun, None, names, (CF.weekly_map, _areas(), pts, None, wp.by_place), today)
    text = _pdf_text(render(source, files, tmp_path / "vecka.pdf", today))
    said = "Inga EST-rapporter lämnades under veckan (underlaget har EST-rapporter från 2025-01-07 till 2025-02-11)."
    assert "EST-veckobild vecka 10, 2024" in text and said in text
    html = weekly_html(wp, kommun, None, names, files["veckokarta.svg"], "Karta.", today)
    assert said in html


def test_a_tertial_without_reports_is_a_page_that_says_so(tmp_path):
    from types import SimpleNamespace

    from pipeline.cycle.commands import render
    from pipeline.cycle.documents import tertial_source
    from pipeline.cycle.html import tertial_html

    tp = tertial_picture(_est("2025-01-07 10:00"), D(2024, 9, 1), D(2024, 12, 31), "2024T3")
    kommun = SimpleNamespace(name="Västerås")
    source, files = tertial_source(tp, kommun, {}, D(2025, 3, 1))
    text = _pdf_text(render(source, files, tmp_path / "tertial.pdf", D(2025, 3, 1)))
    said = "Inga EST-rapporter lämnades under tertialen (underlaget har EST-rapporter från 2025-01-07 till 2025-01-07)."
    assert said in text and said in tertial_html(tp, kommun, files.get("tertial.svg", b""), D(2025, 3, 1))
