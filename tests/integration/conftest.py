"""Fixtures for the end-to-end tests: a run directory like a user's, and one demo run per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

LAGESBILD = str(Path(sys.executable).with_name("lagesbild"))
SMALL_DEMO = {"incidents_per_year": 6000, "survey_respondents": 1200, "n_notes": 80}


def make_run_dir(tmp: Path, **demo) -> Path:
    """A run directory like a user's: params.yaml (small demo), notebooks, analyst texts."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    params["demo"].update(SMALL_DEMO | demo)
    params["scoring"]["bootstrap_draws"] = 50
    write_params(tmp, params)
    shutil.copytree(ROOT / "notebooks", tmp / "notebooks")
    shutil.copytree(ROOT / "reports" / "text", tmp / "reports" / "text")
    return tmp


def read_params(run_dir: Path) -> dict:
    return yaml.safe_load((run_dir / "params.yaml").read_text("utf-8"))


def write_params(run_dir: Path, params: dict) -> None:
    (run_dir / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")


def cli(run_dir: Path, *args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``lagesbild ARGS`` in ``run_dir``; from another ``cwd`` it is told the run by ``--params``."""
    where = ["--params", str(run_dir / "params.yaml")] if cwd is not None else []
    proc = subprocess.run([LAGESBILD, *where, *args], cwd=cwd or run_dir, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"lagesbild {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def run_stages(run_dir: Path, *stages: str) -> None:
    """``lagesbild --params RUN_DIR/params.yaml STAGE`` for each stage in this process
    (:func:`pipeline.cli.main`: the command's parsing, checks and messages, without a new
    interpreter importing the libraries again for every stage). For tests about what the stages
    compute; tests of the command itself use :func:`cli`."""
    from pipeline.cli import main

    for stage in stages:
        assert main(["--params", str(run_dir / "params.yaml"), stage]) == 0, f"lagesbild {stage} failed (see output)"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """demo-data + run once for the whole session."""
    run_dir = make_run_dir(tmp_path_factory.mktemp("demo"))
    cli(run_dir, "demo-data")
    (run_dir / "run-output.txt").write_text(cli(run_dir, "run").stderr, "utf-8")  # what the user saw
    return run_dir
