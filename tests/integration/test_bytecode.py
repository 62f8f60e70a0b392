"""`make install` precompiles the venv: a lagesbild process and a notebook kernel import every
third-party module from valid bytecode, even with PYTHONDONTWRITEBYTECODE set (as on CI
machines), instead of compiling the sources again in every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

# Runs inside the child process / kernel: the modules under the venv whose .pyc is missing or
# does not match its source (magic number, and the source mtime and size of a timestamp pyc,
# as importlib checks them). Printed as one JSON line.
REPORT_SOURCE_IMPORTS = r'''
import importlib.util, json, os, sys
def _from_source(root):
    bad = []
    for m in list(sys.modules.values()):
        spec = getattr(m, "__spec__", None)
        origin = getattr(spec, "origin", None) or ""
        if not origin.endswith(".py") or not origin.startswith(root):
            continue
        cached = importlib.util.cache_from_source(origin)
        try:
            with open(cached, "rb") as f:
                head = f.read(16)
        except OSError:
            bad.append(origin)
            continue
        flags = int.from_bytes(head[4:8], "little")
        st = os.stat(origin)
        stale = head[:4] != importlib.util.MAGIC_NUMBER or (flags == 0 and (
            int.from_bytes(head[8:12], "little") != int(st.st_mtime) & 0xFFFFFFFF
            or int.from_bytes(head[12:16], "little") != st.st_size & 0xFFFFFFFF))
        if stale:
            bad.append(origin)
    return bad
print("BYTECODE " + json.dumps({"n_modules": len(sys.modules), "from_source": _from_source(sys.prefix)}))
'''

# what a `lagesbild run` process imports: every pipeline module, the notebook runner, the PDF
# and Excel writers
CLI_IMPORTS = """
import os, pkgutil, importlib
os.environ["MPLBACKEND"] = "Agg"
import pipeline
for mod in pkgutil.walk_packages(pipeline.__path__, "pipeline."):
    importlib.import_module(mod.name)
import papermill, nbconvert, openpyxl, matplotlib.pyplot
"""
# what the notebooks import (their first cells)
KERNEL_IMPORTS = "from pipeline import explore\nfrom pipeline.report import figures\n"


def _parse(text: str) -> dict:
    line = next(ln for ln in text.splitlines() if ln.startswith("BYTECODE "))
    return json.loads(line.removeprefix("BYTECODE "))


def test_lagesbild_process_imports_venv_modules_from_bytecode():
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", CLI_IMPORTS + REPORT_SOURCE_IMPORTS], env=env,
                          capture_output=True, text=True, check=True)
    found = _parse(proc.stdout)
    assert found["n_modules"] > 1000  # the import above really pulled in the stack
    assert found["from_source"] == [], "run `make install` (it precompiles the venv)"


def test_notebook_kernel_imports_venv_modules_from_bytecode():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"})
    out: list[str] = []
    try:
        reply = kc.execute_interactive(KERNEL_IMPORTS + REPORT_SOURCE_IMPORTS, timeout=120,
                                       output_hook=lambda msg: out.append(msg["content"].get("text", "")))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    found = _parse("".join(out))
    assert found["n_modules"] > 1000
    assert found["from_source"] == [], "run `make install` (it precompiles the venv)"
