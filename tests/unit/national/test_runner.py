"""One kommun's task of the national run: a failure comes back with its reason, never raises."""

import yaml

from pipeline.national.runner import kommun_params, run_kommun
from tests.conftest import ROOT


def test_a_failing_kommun_returns_its_reason(tmp_path):
    base = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    shared = {k: str(tmp_path / f"{k}.missing") for k in ("events", "kommuner", "population", "counts", "coverage")}
    task = {"code": "2403", "name": "Bjurholm", "population": 2_500, "root": str(tmp_path / "2403"), "year": 2025,
            "years_back": 3, "shared": shared, "base": base, "boundaries": str(tmp_path / "none.parquet"),
            "pop_year": 2024}
    out = run_kommun(task)
    assert out["status"] == "failed" and "counts.missing" in out["reason"] and out["seconds"]["total"] >= 0
    p = kommun_params("2403", "Bjurholm", 2025, 3, shared, base)
    assert p["sources"]["police_events"]["path"] == shared["events"] and "crimes" not in p["sources"]
    assert p["comparison"]["counts"] == shared["counts"] and p["scoring"] == base["scoring"]


def test_the_national_short_report_has_its_chapters_and_names_the_others():
    import re

    from pipeline.national.runner import NATIONAL_CHAPTERS
    from pipeline.report.chapters import CHAPTERS
    from pipeline.report.document import build_document
    from pipeline.report.inputs import ReportInputs
    from tests.unit.report import make_frames

    chapters = tuple(c for c in CHAPTERS if c.title in NATIONAL_CHAPTERS)
    assert len(chapters) == len(NATIONAL_CHAPTERS)  # every title is a chapter of the report
    src, _ = build_document(ReportInputs(**make_frames(cell_m=1000)), chapters=chapters)
    headings = [h.replace("\\-", "-") for h in re.findall(r"^= (.+)$", src, flags=re.M)]
    assert headings == list(NATIONAL_CHAPTERS)
    notice = re.search(r"#notice\[Kortversion[^\]]*\]", src).group(0)
    assert "Geografisk fördelning" in notice and "Tid" in notice and "Jämförelse" not in notice
    full, _ = build_document(ReportInputs(**make_frames(cell_m=1000)))
    assert "Kortversion" not in full
