"""fork_map: results in job order from forked children, the parent's own work meanwhile, errors
raised here, and the same results without children."""

from __future__ import annotations

import os

import pytest

from pipeline.parallel import GC_THRESHOLDS, can_fork, fork_map, sparse_collections

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork on this system")


def test_jobs_run_in_children_in_order_while_the_parent_works():
    big = list(range(100_000))  # inherited through fork, not pickled
    jobs = [lambda k=k: (k, sum(big[:k]), os.getpid()) for k in (10, 100, 1000, 3)]
    results, mine = fork_map(jobs, processes=2, meanwhile=os.getpid)
    assert [(k, s) for k, s, _ in results] == [(10, 45), (100, 4950), (1000, 499500), (3, 3)]
    assert mine == os.getpid() and os.getpid() not in {pid for *_, pid in results}


def test_one_process_gives_the_same_results_here():
    jobs = [lambda k=k: (k * k, os.getpid()) for k in range(5)]
    results, mine = fork_map(jobs, processes=1, meanwhile=lambda: "done")
    assert results == [(k * k, os.getpid()) for k in range(5)] and mine == "done"


def test_an_exception_in_a_job_is_raised_here():
    def fail():
        raise ValueError("figure 3: no rows")

    with pytest.raises(ValueError, match="figure 3: no rows"):
        fork_map([lambda: 1, fail, lambda: 2], processes=2)


def test_a_child_that_dies_fails_the_call_instead_of_hanging():
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool):
        fork_map([lambda: 1, lambda: os._exit(3), lambda: 2], processes=2)


def test_one_job_goes_to_a_child_when_there_is_work_meanwhile():
    [(pid, value)], mine = fork_map([lambda: (os.getpid(), 7)], processes=2, meanwhile=lambda: os.getpid())
    assert value == 7 and mine == os.getpid() and pid != os.getpid()
    # without a meanwhile a single job is not worth a child
    [(pid_alone, _)], none = fork_map([lambda: (os.getpid(), 7)], processes=2)
    assert pid_alone == os.getpid() and none is None


def test_a_fork_map_inside_another_meanwhile_leaves_the_outer_jobs_intact():
    def inner():
        results, _ = fork_map([lambda k=k: k + 100 for k in range(3)], processes=2)
        return results

    results, inner_results = fork_map([lambda: "outer-a", lambda: "outer-b"], processes=2, meanwhile=inner)
    assert results == ["outer-a", "outer-b"] and inner_results == [100, 101, 102]


def test_typst_in_a_forked_child_raises_instead_of_waiting_for_ever(tmp_path):
    import datetime as dt

    from pipeline.report.render import compile_source

    def compile_here(name: str):
        work = tmp_path / name
        work.mkdir()
        compile_source('#set document(title: [Lägesbild])\n= Lägesbild\nText.', {}, work, work / "out.pdf",
                       dt.date(2025, 12, 31))
        return (work / "out.pdf").read_bytes()[:5]

    assert compile_here("parent") == b"%PDF-"  # the parent now has Typst's worker threads
    with pytest.raises(RuntimeError, match="forked child"):
        fork_map([lambda: compile_here("child")], processes=2, meanwhile=lambda: None)


def test_nice_lowers_only_the_childrens_priority():
    here = os.getpriority(os.PRIO_PROCESS, 0)
    [(pid, niceness)], mine = fork_map([lambda: (os.getpid(), os.getpriority(os.PRIO_PROCESS, 0))], processes=2,
                                       meanwhile=lambda: os.getpriority(os.PRIO_PROCESS, 0), nice=19)
    assert pid != os.getpid() and niceness == min(19, here + 19) and mine == here
    # a child that runs several jobs is lowered once, not once per job
    results, _ = fork_map([lambda: os.getpriority(os.PRIO_PROCESS, 0)] * 3, processes=2, nice=5)
    assert results == [min(19, here + 5)] * 3


def test_a_negative_nice_is_refused_before_any_child_starts():
    with pytest.raises(ValueError, match="nice must be 0 or more"):
        fork_map([lambda: 1, lambda: 2], processes=2, nice=-1)


def test_sparse_collections_raise_the_thresholds_for_the_block_and_its_children_then_restore_them():
    import gc

    before = gc.get_threshold()
    assert before != GC_THRESHOLDS and GC_THRESHOLDS[0] > before[0]
    with pytest.raises(RuntimeError):
        with sparse_collections():
            assert gc.get_threshold() == GC_THRESHOLDS
            [child], here = fork_map([gc.get_threshold], processes=2, meanwhile=gc.get_threshold)
            assert child == here == GC_THRESHOLDS
            raise RuntimeError("a stage fails")
    assert gc.get_threshold() == before


def test_every_command_of_the_cli_runs_with_sparse_collections(monkeypatch):
    import gc

    from pipeline import cli

    seen = []
    monkeypatch.setattr(cli, "_dispatch", lambda args: seen.append((args.command, gc.get_threshold())) or 0)
    before = gc.get_threshold()
    assert cli.main(["check"]) == 0
    assert seen == [("check", GC_THRESHOLDS)] and gc.get_threshold() == before


def test_idle_work_is_done_here_once_while_a_child_still_works(tmp_path):
    import time

    from pipeline import parallel

    done_flag = tmp_path / "child-done"

    def slow_child():
        time.sleep(0.5)
        done_flag.write_text("x")
        return os.getpid()

    runs = []
    work = lambda: runs.append((os.getpid(), done_flag.exists()))  # noqa: E731
    with parallel.idle_work(work):
        fork_map([slow_child], processes=2, meanwhile=lambda: None)
        fork_map([slow_child], processes=2, meanwhile=lambda: None)  # done already: not again
    assert runs == [(os.getpid(), False)]  # here, before the child had finished
    assert parallel._IDLE_WORK == []


def test_idle_work_without_a_wait_is_left_undone_and_dropped():
    from pipeline import parallel

    runs = []
    with parallel.idle_work(lambda: runs.append("ran")):
        fork_map([lambda: 1], processes=1, meanwhile=lambda: 2)  # no child: nothing to wait for
    assert runs == [] and parallel._IDLE_WORK == []


def test_an_interrupt_here_ends_the_children_instead_of_waiting_for_them(tmp_path):
    """Ctrl-C (or SIGTERM, which the CLI turns into the same) while the parent works: the
    children's work is not wanted, so they end; the old code waited for each to finish."""
    import time

    finished = tmp_path / "finished"

    def slow_job():
        (tmp_path / "started").write_text("")
        time.sleep(5)
        finished.write_text("")

    def interrupted():
        while not (tmp_path / "started").exists():
            time.sleep(0.05)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fork_map([slow_job], processes=2, meanwhile=interrupted)
    time.sleep(6)  # longer than the job: a child left running would have finished it by now
    assert not finished.exists()


def test_sigterm_removes_the_file_being_written_and_exits_as_interrupted(tmp_path):
    """A command stopped with SIGTERM (timeout, a scheduler) leaves no half-written file."""
    import signal
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "import pipeline.cli as cli\n"
        "from pipeline.io import atomic_path\n"
        "def stuck(run, args):\n"
        "    with atomic_path(Path(sys.argv[1]) / 'table.csv') as tmp:\n"
        "        tmp.write_text('half')\n"
        "        Path(str(tmp) + '-journal').write_text('sqlite')\n"
        "        print('writing', flush=True)\n"
        "        time.sleep(60)\n"
        "cli.fetch = stuck\n"
        "sys.exit(cli.main(['fetch', 'polisen']))\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert proc.stdout.readline().strip() == "writing"
    assert any(p.name.startswith(".table.csv.") for p in tmp_path.iterdir())
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted:" in err and "Traceback" not in err, err
    assert [p.name for p in tmp_path.iterdir()] == []


def test_an_interrupt_while_waiting_for_the_children_ends_them_too(tmp_path):
    """The parent's own work is done and it waits for a child's result when Ctrl-C comes."""
    import signal
    import threading
    import time

    finished = tmp_path / "finished"

    def slow_job():
        time.sleep(5)
        finished.write_text("")

    # SIGINT to this process once the parent waits (the meanwhile has returned)
    threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        fork_map([slow_job], processes=2, meanwhile=lambda: None)
    time.sleep(6)
    assert not finished.exists()
