"""`lagesbild national` on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on localhost give the same per-kommun results as the default LocalCluster, on two tiny
kommuner of the synthetic country (`lagesbild national-data --kommuner`) plus their real events;
a rerun skips the kommuner whose inputs and params did not change; the national overview is
written."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium
import pytest

from pipeline import io
from tests.conftest import ROOT
from tests.integration.conftest import LAGESBILD

pytestmark = pytest.mark.slow
KOMMUNER = ("2403", "2422")  # Bjurholm and Sorsele: two of the smallest kommuner
DASK = str(Path(sys.executable).with_name("dask"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler():
    port = _port()
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    address = f"tcp://127.0.0.1:{port}"
    from dask.distributed import Client

    try:
        for _ in range(2):  # without a nanny: one process a worker on a 2-core machine
            procs.append(subprocess.Popen([DASK, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                           "--no-dashboard", "--memory-limit", "4GB", "--no-nanny"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        try:  # the scheduler closes its workers and itself (SIGTERM leaves a worker without a nanny waiting)
            with Client(address, timeout=10) as client:
                client.shutdown()
        except Exception:  # noqa: BLE001 - it may be gone already: the processes are ended below
            pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def country(shared_data, scheduler, tmp_path_factory):
    """The two kommuner of the synthetic country, with their volumes in the whole country
    (generated on the scheduler's workers: no cluster of its own to start)."""
    out = tmp_path_factory.mktemp("country")
    proc = subprocess.run([LAGESBILD, "--params", str(ROOT / "params.yaml"), "national-data", "--data",
                           str(shared_data), "--out", str(out), "--kommuner", ",".join(KOMMUNER),
                           "--scheduler", scheduler], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def national(out: Path, shared_data: Path, country: Path, *extra: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([LAGESBILD, "--params", str(ROOT / "params.yaml"), "national", "--data", str(shared_data),
                           "--out", str(out), "--kommuner", ",".join(KOMMUNER), "--crimes", str(country), *extra],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _table(out: Path, code: str, name: str) -> pd.DataFrame:
    frame = io.read_frame(out / "kommuner" / code / "data" / "processed" / "layers" / f"{name}.parquet")
    return frame.reset_index(drop=True)


def test_scheduler_and_workers_give_the_local_clusters_results(scheduler, shared_data, country, tmp_path):
    truth = pd.read_csv(country / "truth.csv", dtype={"kommun_code": str})
    assert sorted(truth["kommun_code"]) == list(KOMMUNER) and (truth["rows"] > 500).all()
    remote = national(tmp_path / "remote", shared_data, country, "--scheduler", scheduler)
    # the national inputs (register, event partitions, counts) are prepared before any task and
    # do not depend on the cluster: the local run reuses them as a rerun would (same key), and
    # computes every kommun again on its own LocalCluster
    shutil.copytree(tmp_path / "remote" / "inputs", tmp_path / "local" / "inputs")
    for code in KOMMUNER:  # a workbook left by an earlier kind of run is removed, not left stale
        stale = tmp_path / "local" / "kommuner" / code / "data" / "processed" / "problembilder.xlsx"
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"stale")
    local = national(tmp_path / "local", shared_data, country)
    assert not list((tmp_path / "local" / "kommuner").rglob("*.xlsx"))
    for proc in (remote, local):
        for code in KOMMUNER:  # progress per kommun
            assert any(f"{code} " in line and ": done" in line for line in proc.stderr.splitlines()), proc.stderr
        # nothing but our progress lines and the summary: none of distributed's INFO lines about
        # starting and closing the scheduler, nannies, workers and streams. Its WARNINGs stay
        # visible; the one a loaded machine can give at shutdown (a worker slow to exit) is not
        # what this checks, and must not make the suite fail by chance.
        slow_exit = "Worker process still alive after"
        assert all(line.startswith(("national: ", "[", "✓ national: ")) or line.startswith(slow_exit)
                   for line in proc.stderr.splitlines()), proc.stderr
        assert proc.stdout == ""
    # the scheduler's workers run distributed's profiler (its default), ours do not: one hint line, for them only
    profiler = "worker(s) run distributed's profiler"
    assert sum(profiler in line for line in remote.stderr.splitlines()) == 1 and profiler not in local.stderr
    assert "2 worker(s) run distributed's profiler" in remote.stderr
    for code in KOMMUNER:
        for name in ("event_month_counts", "event_trends", "event_comparison", "area_trends", "grid_hotspots"):
            pd.testing.assert_frame_equal(_table(tmp_path / "remote", code, name), _table(tmp_path / "local", code, name))
        pb = [pd.read_csv(tmp_path / o / "kommuner" / code / "data/processed/problembilder.csv") for o in ("remote", "local")]
        pd.testing.assert_frame_equal(pb[0], pb[1])
        assert (tmp_path / "remote" / "kommuner" / code / "reports" / "lagesbild-2025.pdf").stat().st_size > 10_000
        # a national run leaves out a kommun's Excel tables (the ranking's too): the overview has its own,
        # and the report names the command that writes them instead of a file that is not there
        assert not list((tmp_path / "remote" / "kommuner" / code).rglob("*.xlsx"))
        pages = pdfium.PdfDocument(str(tmp_path / "remote" / "kommuner" / code / "reports" / "lagesbild-2025.pdf"))
        text = re.sub(r"\s+", " ", " ".join(pages[i].get_textpage().get_text_range() for i in range(len(pages))))
        assert "Alla tal finns i Excelbilagan som" in text and ".xlsx" not in text
        incidents = io.read_frame(tmp_path / "remote" / "kommuner" / code / "data" / "processed" / "incidents.parquet")
        # the kommun's synthetic crimes of the report year, as generated (the demo's faults quarantined)
        made = int(truth.loc[truth["kommun_code"] == code, "incidents_2025"].iloc[0])
        assert 0.9 * made <= int((incidents["year"] == 2025).sum()) <= made
    status = pd.read_csv(tmp_path / "remote" / "status.csv", dtype={"kommun_code": str})
    assert sorted(status["kommun_code"]) == list(KOMMUNER) and (status["status"] == "done").all()
    over = pd.read_excel(tmp_path / "remote" / "oversikt" / "riksoversikt.xlsx", sheet_name=None, engine="calamine")
    assert len(over["Kommuner"]) == 290 and len(over["Län"]) == 21
    assert (tmp_path / "remote" / "oversikt" / "riksoversikt.pdf").stat().st_size > 20_000
    # a rerun with nothing changed skips every kommun
    again = national(tmp_path / "remote", shared_data, country, "--scheduler", scheduler)
    assert pd.read_csv(tmp_path / "remote" / "status.csv")["status"].eq("skipped").all(), again.stderr
