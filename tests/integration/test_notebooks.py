"""The analyst notebooks, executed with papermill against a small demo run and rendered to HTML."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.notebooks import run_notebook
from tests.conftest import ROOT
from tests.integration.conftest import read_params

pytestmark = pytest.mark.slow

NOTEBOOKS = ROOT / "notebooks"
# notebook -> (Swedish headings the HTML must show, least number of figures)
EXPECTED = {
    "annual_overview": (["Årsöversikt för kommunen", "Anmälda brott i kommunen", "Trender per område",
                         "Prioriterade problembilder", "Hot spots", "Framväxande hot spots", "Brottstäthet",
                         "När brotten sker", "Trygghetsmätningen", "Datakvalitet"], 9),
    "area_deep_dive": (["Fördjupning: ett område och en problembild", "Problembilden", "Trender i området",
                        "Anmälda brott per år", "Hot spots", "Framväxande hot spots", "Brottstäthet",
                        "När brotten sker", "Trygghetsmätningen", "Medarbetardialoger", "EST-iakttagelser"], 6),
    "follow_up": (["Uppföljning av handlingsplan och medborgarlöften", "Registret", "Blev åtgärderna gjorda?",
                   "Förändrades indikatorerna?", "Löftena månad för månad"], 3),
    "exploration_starter": (["Utforska underlaget", "Vad finns i underlaget", "Välj område och problemfamilj",
                             "Brotten", "Tabeller", "Kartor och diagram"], 1),
}


def _params(run_dir: Path, **extra) -> dict:
    return {"year": read_params(run_dir)["kommun"]["year"], "area": "", "problem": "", "root": str(run_dir)} | extra


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|¶", "", h).strip() for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, re.S)]


def _problems(executed: Path) -> list[str]:
    """Error outputs and anything a cell wrote to stderr (warnings included)."""
    nb = nbformat.read(executed, as_version=4)
    return [f"{o.get('ename', o.get('name'))}: {o.get('evalue', o.get('text', ''))[:200]}"
            for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_clean_and_renders_swedish_html(demo_run, tmp_path, name):
    html_path = run_notebook(NOTEBOOKS / f"{name}.ipynb", tmp_path, _params(demo_run))
    html = html_path.read_text("utf-8")
    headings, n_figures = EXPECTED[name]
    found = _headings(html)
    assert [h for h in headings if h not in found] == []
    assert _problems(tmp_path / f"{name}.ipynb") == []
    assert "Traceback" not in html and 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    assert html.count("data:image/png;base64") >= n_figures


def test_source_notebooks_are_stripped_and_tagged():
    for name in EXPECTED:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
        params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and "year = " in params[0].source and "root = " in params[0].source, name
        assert ";" not in params[0].source, name  # papermill's parameter parser reads `name = value  # comment`


def test_deep_dive_takes_area_and_problem_parameters(demo_run, tmp_path):
    html = run_notebook(NOTEBOOKS / "area_deep_dive.ipynb", tmp_path,
                        _params(demo_run, area="backby", problem="drugs")).read_text("utf-8")
    assert ">Bäckby<" in html and ">Narkotika<" in html  # the problembild table names area and family


@pytest.mark.parametrize(("override", "expected"), [
    ({"area": "Atlantis"}, r"area='Atlantis' matches no area; choose one of: .*Bäckby"),
    ({"area": "Bäckby", "problem": "knark"}, r"problem='knark' is not a problem family; choose one of: .*drugs"),
    ({"year": 1999}, r"year=1999 does not match the processed tables"),
])
def test_bad_parameter_fails_with_one_line_data_error(demo_run, tmp_path, override, expected):
    with pytest.raises(DataError) as err:
        run_notebook(NOTEBOOKS / "area_deep_dive.ipynb", tmp_path, _params(demo_run, **override))
    msg = str(err.value)
    assert "\n" not in msg and "DataError" in msg
    assert re.search(expected, msg), msg


def test_notebooks_and_report_read_the_same_frames_through_one_loader(demo_run, monkeypatch):
    """explore.load_bundle goes through the report's loader: one read per table, and the frames the
    notebooks show are the report's frames (a table read twice could drift)."""
    import pipeline.loader as loader
    from pipeline import explore, stages
    from pipeline.config import load_params
    from pipeline.context import RunContext

    calls = []
    real = loader.load_inputs
    monkeypatch.setattr(loader, "load_inputs", lambda *a, **k: calls.append(k) or real(*a, **k))
    b = explore.load_bundle(demo_run)
    assert [c["texts"] for c in calls] == [False]  # the notebooks' tables come from the report's loader
    run = RunContext.from_root(demo_run)
    inp = stages.report_inputs(run, load_params(run.params_file))
    for name in ("area_trends", "area_year_counts", "survey_indicators", "problembilder", "quality", "note_themes"):
        assert getattr(b, name).equals(getattr(inp, name)), name
    assert explore.top_families(b, 3) == [p for p in explore.views.top_problems(inp.problembilder, inp.area_trends, 3)]


def test_a_notebook_reads_only_the_tables_it_shows(demo_run):
    """load_bundle(tables=...) reads those tables (the same frames as a full read) and leaves the
    rest empty; the deep dive's time pattern from the by-area layers equals the one counted from
    the incidents."""
    from pipeline import explore

    full = explore.load_bundle(demo_run)
    some = explore.load_bundle(demo_run, tables=["areas", "problembilder", "hour_weekday_by_area",
                                                 "month_profile_by_area"])
    assert some.incidents.empty and some.area_trends.empty and some.grid_hotspots.empty
    assert some.problembilder.equals(full.problembilder) and some.areas.equals(full.areas)
    pb = explore.pick_problembild(full)
    for area_id, problem in ((str(pb["area_id"]), str(pb["problem"])), (None, "all"), (str(pb["area_id"]), "all")):
        counted = explore.time_pattern(explore.Bundle(year=full.year, areas=full.areas, incidents=full.incidents,
                                                      families=full.families), area_id, problem)
        from_layers = explore.time_pattern(some, area_id, problem)
        for name, frame in counted.items():
            want = frame[frame["problem"] == "all"].reset_index(drop=True)
            assert want["n_incidents"].sum() > 0, (name, area_id, problem)
            pd.testing.assert_frame_equal(from_layers[name].reset_index(drop=True), want, check_dtype=False)
    with pytest.raises(DataError, match="no table 'incident'.*choose from: areas, incidents"):
        explore.load_bundle(demo_run, tables=["incident"])


def test_a_run_directory_outside_the_repository_uses_the_projects_notebooks(demo_run, tmp_path):
    """lagesbild init/run in a folder of the user's own has no notebooks/ (the run stopped with
    'no such notebook; choose one of: ' before): the notebook stage runs the project's."""
    from pipeline.cli import main

    run_dir = tmp_path / "kommun"
    run_dir.mkdir()
    (run_dir / "data").symlink_to(demo_run / "data")  # the demo run's tables, read only
    (run_dir / "params.yaml").write_text((demo_run / "params.yaml").read_text("utf-8"), "utf-8")
    assert ROOT not in run_dir.parents and not (run_dir / "notebooks").exists()
    assert main(["--params", str(run_dir / "params.yaml"), "notebook", "exploration_starter"]) == 0
    html = (run_dir / "reports/notebooks/exploration_starter.html").read_text("utf-8")
    assert "Utforska underlaget" in html and "Traceback" not in html
