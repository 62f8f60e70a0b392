"""DVC in a real git repository: the run directory is a git repo (as a clone of the project is),
``dvc repro`` runs there without ``--no-scm``, and a weight change reruns only what it touches."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.context import RunContext
from tests.conftest import ROOT
from tests.integration.conftest import read_params, write_params

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent  # dvc runs `lagesbild …` through the shell: it must be on PATH
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
       "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org",
       "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.org"}
# what a clone of the project holds that the pipeline reads (dvc.yaml lists pipeline/ code as deps)
PROJECT_FILES = ("dvc.yaml", ".dvcignore", ".gitignore", "pipeline", "notebooks", "reports/text",
                 "data/raw/.gitkeep", "data/processed/.gitkeep")


def _run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=ENV)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def _dvc(run_dir: Path, *args: str) -> str:
    return _run([str(BIN / "dvc"), *args], run_dir)


def _git(run_dir: Path, *args: str) -> str:
    return _run(["git", *args], run_dir)


def _project_repo(dest: Path, demo_run: Path) -> Path:
    """A git repository with the project's files and the demo run's params, committed."""
    for item in PROJECT_FILES:
        src, dst = ROOT / item, dest / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dst)
    shutil.copy(demo_run / "params.yaml", dest / "params.yaml")
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "project")
    return dest


def _adopt_outputs(src: Path, dest: Path) -> None:
    """Copy a finished run's raw data and outputs (the demo run made them with the same code,
    params and data by `lagesbild run`, which runs the same commands as dvc.yaml)."""
    for sub in ("data/raw", "data/processed", "reports"):
        shutil.copytree(src / sub, dest / sub, dirs_exist_ok=True, ignore=shutil.ignore_patterns("text"))


def test_run_context_outputs_are_dvc_outs_and_cover_everything_a_run_writes(demo_run):
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text("utf-8"))["stages"]
    run = RunContext.from_root(demo_run)
    year = read_params(demo_run)["kommun"]["year"]
    outs = {p for stage in dvc.values() for p in stage.get("outs", [])}
    declared = [run.root / o.replace("${kommun.year}", str(year)) for o in outs]
    written = [p for sub in ("data/processed", "reports") for p in (demo_run / sub).rglob("*")
               if p.is_file() and p.name != ".gitkeep" and run.analyst_texts not in p.parents]
    stray = [run.display(p) for p in written if not any(p == d or d in p.parents for d in declared)]
    assert stray == []  # every file a run writes is a DVC out, so dvc repro never leaves one stale
    missing = [run.display(d) for d in declared if not d.exists()]
    assert missing == []


def test_dvc_repro_in_a_git_repo_reruns_only_what_a_weight_change_touches(demo_run, tmp_path):
    repo = _project_repo(tmp_path / "kommun", demo_run)
    _dvc(repo, "init", "-q")  # in the git repo: no --no-scm
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "dvc init")
    _adopt_outputs(demo_run, repo)
    _dvc(repo, "commit", "-f")  # record the finished run in dvc.lock instead of running it again
    assert "Running stage" not in _dvc(repo, "repro")

    params = read_params(repo)
    params["scoring"]["weights"]["notes"] += 0.3
    write_params(repo, params)
    ran = set(re.findall(r"Running stage '([\w-]+)'", _dvc(repo, "repro")))
    assert ran == {"score", "report", "notebook"}
    assert "Running stage" not in _dvc(repo, "repro")  # the stages that ran left their inputs alone

    # dvc.lock is kept in git beside params.yaml; every output is git-ignored, nothing else changed
    _git(repo, "add", "dvc.lock", "params.yaml")
    _git(repo, "commit", "-qm", "run")
    assert _git(repo, "status", "--porcelain") == ""
