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


def test_a_report_without_its_excel_tables_names_the_command_that_writes_them_not_a_file():
    from pipeline.report.doc import Doc
    from pipeline.report.inputs import ReportInputs
    from tests.unit.report import make_frames

    inputs = ReportInputs(**make_frames(cell_m=1000))
    assert Doc(inputs).appendix("Jämförelse") == "i Excelbilagan lagesbild-2025-tabeller-intern.xlsx, bladet Jämförelse"
    assert Doc(inputs).appendix() == "i Excelbilagan lagesbild-2025-tabeller-intern.xlsx"
    assert Doc(inputs, excel=False).appendix("Jämförelse") == \
        "i Excelbilagan som kommandot lagesbild run i kommunens katalog skriver"


def test_a_failed_kommuns_reason_is_printed_literally_in_the_overview(tmp_path):
    """Found by the first whole-country run: a reason with "<" broke the overview's Typst."""
    import datetime as dt

    import pandas as pd
    import pypdfium2 as pdfium

    from pipeline.national.overview import failures_markup
    from pipeline.report.render import compile_source

    reason = "ValueError: cannot convert <NA> to int; see *data/raw/x_1.csv* #3 $5 [a] @b (layers.py:42)"
    status = pd.DataFrame({"kommun_code": ["0114", "2584"], "kommun_name": ["Upplands Väsby", "Kiruna"],
                           "status": ["done", "failed"], "reason": ["", reason]})
    compile_source('#set document(title: "T")\n' + failures_markup(status), {}, tmp_path, tmp_path / "o.pdf",
                   dt.date(2025, 12, 31))
    text = " ".join(pdfium.PdfDocument(tmp_path / "o.pdf")[0].get_textpage().get_text_range().split())
    assert f"2584 Kiruna: {reason}" in text and "0114" not in text
    assert failures_markup(status.iloc[:1]) == "Inga.\n"


def test_dask_info_lines_are_quieted_but_its_warnings_and_debug_stay():
    """distributed's import sets its logger to INFO, which the CLI's root handler would print
    (scheduler, nanny and stream start/stop lines); quiet_dask_logs keeps WARNING and up, and
    everything of INFO with --debug (root at DEBUG)."""
    import logging

    import distributed  # noqa: F401 - its import is what sets the level

    from pipeline.national.runner import quiet_dask_logs

    root, dist = logging.getLogger(), logging.getLogger("distributed")
    saved = root.level, dist.level
    try:
        root.setLevel(logging.WARNING)
        dist.setLevel(logging.INFO)  # as distributed's import leaves it
        quiet_dask_logs()
        nanny = logging.getLogger("distributed.nanny")
        assert not nanny.isEnabledFor(logging.INFO) and nanny.isEnabledFor(logging.WARNING)
        root.setLevel(logging.DEBUG)
        quiet_dask_logs()
        assert nanny.isEnabledFor(logging.INFO)
    finally:
        root.setLevel(saved[0])
        dist.setLevel(saved[1])


def test_local_workers_keep_glibcs_malloc_defaults_run_no_profiler_and_keep_dasks_other_settings(monkeypatch):
    """distributed starts workers with MALLOC_TRIM_THRESHOLD_=65536, which fixes glibc's mmap
    threshold (a page fault for every page of every larger array), with its profiler sampling
    every task's stack every 10 ms and with psutil sampling every 0.5 s; our LocalCluster leaves
    the first two out and samples every 2 s, also in a worker its nanny starts again, and keeps
    the rest of distributed's worker environment and this process's own config."""
    import os

    import dask
    from dask.distributed import Client, LocalCluster

    from pipeline.national.runner import PROFILE, _client, _close, _costly_workers

    def seen(client) -> list:
        return list(client.run(lambda dask_worker: (os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                                                    os.environ.get("OPENBLAS_NUM_THREADS"),
                                                    "profile" in dask_worker.periodic_callbacks,
                                                    dask_worker.periodic_callbacks["monitor"].callback_time)).values())

    keys = (PROFILE, "distributed.admin.system-monitor.interval", "distributed.nanny.pre-spawn-environ")
    before = [dask.config.get(k) for k in keys]
    # as a shell that never set it; set first so that the teardown removes what a cluster leaves behind
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1")
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    client, cluster = _client(None, 1)
    try:
        first, ours = seen(client), _costly_workers(client)
        scheduler_ms = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.periodic_callbacks["monitor"]
                                               .callback_time)
        client.restart()  # the nanny starts a new worker process with the config it kept
        again = seen(client)
    finally:
        _close(client, cluster)
    assert first == again == [(None, "1", False, 2000)] and ours == (0, 0) and scheduler_ms == 2000
    assert [dask.config.get(k) for k in keys] == before  # this process's config is left as it was
    # a cluster started with distributed's defaults (as `dask worker` does) is seen, for the hints
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as theirs, \
            Client(theirs) as other:
        assert _costly_workers(other) == (1, 1)
        assert [w[2:] for w in seen(other)] == [(True, 500)]


def test_a_rerun_skips_only_what_the_same_code_options_params_and_inputs_made(tmp_path, monkeypatch):
    """The skip key covers the code and the stage options as well as params and inputs, and a
    params.yaml changed by hand since the national run wrote it is run again. The kommun's
    stages and raw files are left out: what is checked is which runs are skipped."""
    from pipeline.context import RunContext
    from pipeline.national import prepare, runner

    monkeypatch.setattr(runner, "STAGES", ())
    monkeypatch.setattr(prepare, "kommun_inputs", lambda *args: None)
    base = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    shared = {}
    for k in ("events", "kommuner", "population", "counts", "coverage", "register", "boundaries"):
        (tmp_path / f"{k}.bin").write_bytes(k.encode())
        shared[k] = str(tmp_path / f"{k}.bin")
    task = {"code": "2403", "name": "Bjurholm", "population": 2_500, "root": str(tmp_path / "2403"), "year": 2025,
            "years_back": 3, "shared": shared, "base": base, "boundaries": shared["boundaries"],
            "pop_year": 2024}
    monkeypatch.setattr(runner, "code_digest", lambda: "code-a")
    run = RunContext.from_root(tmp_path / "2403")
    assert run_kommun(task)["status"] == "done"
    assert run_kommun(task)["status"] == "done"  # no report yet: nothing to skip to
    run.report_pdf(2025).parent.mkdir(parents=True, exist_ok=True)
    run.report_pdf(2025).write_bytes(b"%PDF")
    written = run.params_file.read_text("utf-8")
    assert run_kommun(task)["status"] == "skipped"
    monkeypatch.setattr(runner, "code_digest", lambda: "code-b")
    assert run_kommun(task)["status"] == "done"  # other code: run again
    assert run_kommun(task)["status"] == "skipped"
    monkeypatch.setattr(runner, "STAGE_OPTIONS", {**runner.STAGE_OPTIONS, "score": {"excel": True}})
    assert run_kommun(task)["status"] == "done"  # other stage options
    run.params_file.write_text(written.replace("Bjurholm", "Bjurholms kommun"), "utf-8")
    assert run_kommun(task)["status"] == "done"  # params.yaml edited by hand
    assert run.params_file.read_text("utf-8") == written and run_kommun(task)["status"] == "skipped"
    (tmp_path / "counts.bin").write_bytes(b"other counts")
    assert run_kommun(task)["status"] == "done"  # other inputs
    assert run_kommun(task)["status"] == "skipped"


def test_the_code_digest_follows_the_packages_files_not_its_bytecode(tmp_path, monkeypatch):
    import pipeline
    from pipeline.national import runner

    pkg = tmp_path / "pipeline"
    (pkg / "defaults").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "defaults" / "weights.csv").write_text("a,1\n")
    monkeypatch.setattr(pipeline, "__file__", str(pkg / "__init__.py"))
    digest = runner.code_digest.__wrapped__  # uncached: the test changes the files
    first = digest()
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert digest() == first
    (pkg / "defaults" / "weights.csv").write_text("a,2\n")
    assert digest() != first
