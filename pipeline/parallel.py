"""Spread independent pieces of one stage over the machine's cores with forked processes (shell).

``fork`` gives each child the parent's memory as it stands (frames, fonts, imported modules), so
nothing is pickled on the way in; only the results come back (pickled). Used by the report stage
to draw its figures on every core while the parent writes the Excel tables, and by ``lagesbild
run`` to evaluate the cycle beside the layers, evidence and score stages. Where a child cannot
be forked (no ``fork`` on the system, or inside a daemonic Dask or multiprocessing worker, which
may not have children), or with one core, the work runs here, in order: the results are the same
bytes either way.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

_JOBS: Sequence[Callable[[], object]] = ()  # the jobs of the fork_map in progress (read by the children)
_IDLE_WORK: list[Callable[[], object]] = []  # see idle_work: done by a fork_map that waits for children
GC_THRESHOLDS = (10_000, 10, 10)  # CPython's default is (700, 10, 10)


@contextlib.contextmanager
def sparse_collections(thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> Iterator[None]:
    """Run the block with the cyclic garbage collector's youngest generation collected after
    10 000 net allocations instead of CPython's 700 (the older generations keep their ratios of
    10), and restore the thresholds after it; children forked inside inherit the setting.

    A stage allocates millions of short-lived objects while it holds hundreds of thousands of
    long-lived ones (a frame's Python strings, matplotlib's artists). Collected every 700
    allocations, short-lived objects were promoted to the oldest generation, and its full
    collections walked every live object again: 3.3 s of the demo run's 37 s of CPU, and 0.8 s
    per two national kommuner. With 10 000 they took 0.9 s and 0.1 s; the peak memory of the
    demo run stayed the same (measured with ``/usr/bin/time``). Objects are freed by reference
    counting as before; only cycles wait longer.
    """
    before = gc.get_threshold()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextlib.contextmanager
def idle_work(work: Callable[[], object]) -> Iterator[None]:
    """Within the block, this process does ``work`` when it would otherwise wait for children:
    after the ``meanwhile`` of a :func:`fork_map` (in this process, not in a child) while one of
    its children still works. At most once; left undone when no such wait comes before the end
    of the block. For work that is needed later anyway and costs the same wherever it runs, such
    as importing the modules of a later step (nothing may rely on it having run)."""
    _IDLE_WORK.append(work)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # done already
            _IDLE_WORK.remove(work)


def _while_children_work(pending) -> None:
    """Do queued idle work (:func:`idle_work`), in order, while one of ``pending`` is not done."""
    while _IDLE_WORK and not _IN_CHILD and not all(f.done() for f in pending):
        _IDLE_WORK.pop(0)()


def can_fork() -> bool:
    """True where children can be forked: a POSIX system, and not inside a daemonic process."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def cores() -> int:
    """Cores this process may use (its CPU affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


_IN_CHILD = False  # set in the children of fork_map


def in_forked_child() -> bool:
    """True inside a job that :func:`fork_map` runs in a forked child."""
    return _IN_CHILD


def _run_job(i: int):
    global _IN_CHILD
    _IN_CHILD = True
    return _JOBS[i]()


def fork_map(jobs: Sequence[Callable[[], object]], processes: int | None = None,
             meanwhile: Callable[[], object] | None = None, nice: int = 0) -> tuple[list, object]:
    """Run every job (a function without arguments) and return ``(results in job order, what
    meanwhile() returned)``.

    With more than one process and a system that can fork, the jobs go to a pool of ``processes``
    forked children (default: :func:`cores`), one job at a time to whichever child is free, while
    ``meanwhile`` runs in this process (so one job is worth a child when there is a ``meanwhile``);
    else the jobs, then ``meanwhile``, run here. An exception in a job is raised here, a child
    that dies raises
    :class:`concurrent.futures.process.BrokenProcessPool`; no child outlives the call.

    ``nice`` > 0 lowers the children's scheduling priority by that much (:func:`os.nice`): work
    that is not on the critical path then runs on what the other processes leave idle instead
    of taking its share of their cores.
    """
    global _JOBS
    if nice < 0:
        raise ValueError("fork_map: nice must be 0 or more (raising a priority needs privileges)")
    processes = cores() if processes is None else processes
    if processes < 2 or not jobs or (len(jobs) < 2 and meanwhile is None) or not can_fork():
        results = [job() for job in jobs]
        return results, (meanwhile() if meanwhile else None)
    outer, _JOBS = _JOBS, jobs  # a fork_map inside another's meanwhile: the outer children are already forked
    # the children's garbage collector must not walk (and so copy, page by page) the parent's
    # objects: frozen, they stay shared copy-on-write
    gc.freeze()
    try:
        # an executor, not multiprocessing.Pool: a child that dies (killed, out of memory) fails
        # the call with BrokenProcessPool instead of leaving it waiting for ever
        with ProcessPoolExecutor(min(processes, len(jobs)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=os.nice if nice else None, initargs=(nice,) if nice else ()) as pool:
            pending = [pool.submit(_run_job, i) for i in range(len(jobs))]
            # with fork the pool starts all its children at the first submit: from here on the
            # parent's garbage, from the meanwhile's work too, is collected as usual
            gc.unfreeze()
            try:
                other = meanwhile() if meanwhile else None
                _while_children_work(pending)
                return [f.result() for f in pending], other
            except BaseException:
                # interrupted (Ctrl-C, SIGTERM), failed here or in a job: the children's work is
                # not wanted, so they end now. Left running, leaving the pool would wait for them,
                # and a child stuck writing its result waited for ever. No public API in 3.11
                # (3.14 adds terminate_workers): the pool's own process table
                for f in pending:
                    f.cancel()
                for child in list(getattr(pool, "_processes", {}).values()):
                    child.terminate()
                raise
    finally:
        _JOBS = outer
        gc.unfreeze()
