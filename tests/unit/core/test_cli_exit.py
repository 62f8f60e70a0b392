"""The ``lagesbild`` console script (pipeline.cli:entry): main's exit code, every line written to a
pipe, the exit handlers run, and no interpreter teardown after them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.conftest import ROOT


# stdout to a pipe is block-buffered unless PYTHONUNBUFFERED is set (as it may be in CI): without it,
# a line that is not flushed before the process ends is lost, which is what these tests look for
BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _entry(main_body: str) -> subprocess.CompletedProcess:
    """``entry()`` in a new interpreter, with ``main`` replaced by ``main_body``; stdout and stderr
    are pipes (block-buffered: nothing reaches them that is not flushed)."""
    body = textwrap.indent(textwrap.dedent(main_body).strip(), "    ")
    code = "\n".join([
        "import atexit, sys",
        "import pipeline.cli as cli",
        "class Teardown:  # its __del__ runs only when the interpreter tears the module down",
        "    def __del__(self):",
        "        sys.stdout.write('teardown\\n'); sys.stdout.flush()",
        "keep = Teardown()",
        "atexit.register(lambda: sys.stdout.write('exit handler\\n'))",
        "def main():",
        body,
        "cli.main = main",
        "cli.entry()",
    ])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=BUFFERED)


def test_main_code_and_every_line_reach_the_pipes_and_the_handlers_run():
    proc = _entry("""
        sys.stdout.write("report: written\\n")
        sys.stderr.write("error: a line on stderr\\n")
        return 2
    """)
    assert proc.returncode == 2
    assert proc.stdout == "report: written\nexit handler\n"  # no "teardown": the process ends at once
    assert proc.stderr == "error: a line on stderr\n"


def test_an_exception_in_main_leaves_the_usual_way():
    proc = _entry("""
        raise SystemExit(3)
    """)
    assert proc.returncode == 3 and "exit handler" in proc.stdout


def test_a_reader_that_has_gone_costs_no_traceback():
    """``lagesbild run | head``: the pipe's reader is gone when the last lines are flushed."""
    code = "\n".join([
        "import sys, time",
        "import pipeline.cli as cli",
        "def main():",
        "    sys.stdout.write('a line the reader never takes\\n')  # buffered until the end",
        "    sys.stderr.write('written\\n'); sys.stderr.flush()",
        "    time.sleep(0.5)  # the reader closes its end meanwhile",
        "    return 0",
        "cli.main = main",
        "cli.entry()",
    ])
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env=BUFFERED)
    assert proc.stderr.readline() == b"written\n"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 0 and "Traceback" not in err, err
