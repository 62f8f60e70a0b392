"""The run context owns every path of a run; dvc.yaml declares the same outputs per stage."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.cli import PIPELINE
from pipeline.context import RunContext
from tests.conftest import ROOT


def test_every_stage_writes_exactly_its_dvc_outs(tmp_path):
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text("utf-8"))["stages"]
    assert tuple(dvc) == PIPELINE
    run = RunContext.from_root(tmp_path)
    for stage, spec in dvc.items():
        declared = sorted(run.root / o.replace("${kommun.year}", "2031") for o in spec["outs"])
        assert sorted(run.stage_outputs(stage, 2031)) == declared, stage


def test_root_is_the_folder_of_the_params_file(tmp_path, monkeypatch):
    (tmp_path / "kommun").mkdir()
    monkeypatch.chdir(tmp_path)  # a relative --params is relative to where the user stands
    run = RunContext.from_params_file("kommun/params-2026.yaml")
    assert run.root == tmp_path / "kommun"
    assert run.params_file == tmp_path / "kommun" / "params-2026.yaml"
    assert run.core("incidents") == tmp_path / "kommun/data/processed/incidents.parquet"
    assert run.layer("kde") == tmp_path / "kommun/data/processed/layers/kde.parquet"
    assert run.report_pdf(2026, public=True) == tmp_path / "kommun/reports/lagesbild-2026-publik.pdf"


def test_user_paths_are_relative_to_the_run_not_the_working_directory(tmp_path, monkeypatch):
    run = RunContext.from_root(tmp_path / "run")
    (run.raw / "brott").mkdir(parents=True)
    for name in ("b.csv", "a.csv", "a.xlsx"):
        (run.raw / "brott" / name).write_text("x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    found = run.expand(["data/raw/brott/*.csv", "data/raw/brott/a.*"])
    assert [run.display(p) for p in found] == ["data/raw/brott/a.csv", "data/raw/brott/a.xlsx", "data/raw/brott/b.csv"]
    assert run.resolve("harm.csv") == run.root / "harm.csv"
    assert run.resolve("/abs/harm.csv") == Path("/abs/harm.csv")
    assert run.display("/abs/elsewhere.csv") == "/abs/elsewhere.csv"  # outside the run: as given


def test_a_run_without_notebooks_of_its_own_uses_the_projects(tmp_path):
    run = RunContext.from_root(tmp_path / "run")  # outside the repository, no notebooks/ folder
    assert run.notebook_source("annual_overview") == ROOT / "notebooks" / "annual_overview.ipynb"
    own = run.notebooks / "annual_overview.ipynb"
    own.parent.mkdir(parents=True)
    own.write_text("{}", "utf-8")
    assert run.notebook_source("annual_overview") == own  # the run's own copy wins
    assert run.notebook_source("area_deep_dive") == ROOT / "notebooks" / "area_deep_dive.ipynb"


def test_a_missing_notebook_names_where_it_was_looked_for(tmp_path, monkeypatch):
    import pipeline.context as context
    from pipeline.errors import DataError

    run = RunContext.from_root(tmp_path / "run")
    with pytest.raises(DataError) as err:
        run.notebook_source("annual_overveiw")
    msg = str(err.value)
    assert "annual_overveiw" in msg and str(run.notebooks) in msg and str(ROOT / "notebooks") in msg
    assert "choose one of: annual_overview, area_deep_dive, exploration_starter, follow_up" in msg
    monkeypatch.setattr(context, "SHIPPED_NOTEBOOKS", tmp_path / "site-packages" / "notebooks")  # none anywhere
    with pytest.raises(DataError) as err:
        run.notebook_source("annual_overview")
    msg = str(err.value)
    assert "choose one of" not in msg and str(tmp_path / "site-packages" / "notebooks") in msg
    assert "copy the project's notebooks/ folder" in msg and "\n" not in msg
