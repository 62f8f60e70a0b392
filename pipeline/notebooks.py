"""Execute a parameterised notebook with papermill and render it to HTML (shell module).

An executed notebook is not executed again while its inputs are unchanged
(:func:`run_notebook_if_changed`): beside ``<name>.ipynb`` and ``<name>.html`` lies
``<name>.inputs.json``, a content-hash stamp (as DVC's lock file) of the notebook source, its
parameters, the files its loader reads, the code of the ``pipeline`` package and the executed
outputs. A kernel start, imports and the figures cost seconds per notebook; hashing the inputs
costs milliseconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
from pathlib import Path

from pipeline.errors import DataError
from pipeline.io import atomic_path


def run_notebook(source: Path, out_dir: Path, parameters: dict, timeout_s: int = 600,
                 cwd: Path | None = None) -> Path:
    """Run ``source`` with ``parameters`` injected; write the executed .ipynb and its .html to
    ``out_dir`` and return the HTML path. The kernel starts in ``cwd`` (default: the folder of
    ``out_dir``'s run, i.e. the current directory). A failing cell raises DataError naming the cell."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    source = Path(source)
    if not source.exists():
        known = ", ".join(sorted(p.stem for p in source.parent.glob("*.ipynb")))
        raise DataError(f"{source}: no such notebook; " + (f"choose one of: {known}" if known else
                                                           f"{source.parent} holds no notebooks"))
    executed = Path(out_dir) / source.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(executed) as tmp:
        try:
            pm.execute_notebook(str(source), str(tmp), parameters=parameters, kernel_name="python3",
                                progress_bar=False, cwd=str(cwd or Path.cwd()), execution_timeout=timeout_s)
        except pm.PapermillExecutionError as exc:
            raise DataError(f"{source}: cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}") from exc
        nb = nbformat.read(tmp, as_version=4)
    exporter = HTMLExporter(exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.log.setLevel(logging.ERROR)  # its "alternative text is missing" notice is not for the user
    html, _ = exporter.from_notebook_node(nb)
    target = executed.with_suffix(".html")
    with atomic_path(target) as tmp_html:
        tmp_html.write_text(html, encoding="utf-8")
    return target


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def code_digest() -> str:
    """One SHA-256 over every source file of the installed ``pipeline`` package (path and
    bytes), so that a change in the code the notebooks call reruns them, and the Python version."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(sys.version.encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".py", ".yaml", ".csv", ".typ"}):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def input_stamp(source: Path, parameters: dict, inputs: list[Path], code: str) -> dict:
    """What an executed notebook depends on: the source notebook, the parameters (as JSON), the
    code digest and each input file by content (named by its path)."""
    return {"notebook": file_digest(source), "parameters": json.loads(json.dumps(parameters, sort_keys=True,
                                                                                 default=str)),
            "code": code, "inputs": {str(p): file_digest(p) for p in sorted(set(map(Path, inputs)))}}


def stamp_path(out_dir: Path, source: Path) -> Path:
    return Path(out_dir) / f"{Path(source).stem}.inputs.json"


def declared_parameters(source: Path, out_dir: Path) -> set[str]:
    """The parameters ``source`` declares (its papermill parameters cell): from the stamp of its
    last execution when the notebook file is unchanged (importing papermill to read the cell
    costs about a second), else from :func:`papermill.inspect_notebook`."""
    try:
        old = json.loads(stamp_path(out_dir, source).read_text("utf-8"))
        if old["depends_on"]["notebook"] == file_digest(source):
            return set(old["declared"])
    except (OSError, ValueError, KeyError, TypeError):  # no stamp yet, or one without the list
        pass
    import papermill as pm

    return set(pm.inspect_notebook(str(source)))


def run_notebook_if_changed(source: Path, out_dir: Path, parameters: dict, inputs: list[Path] | None,
                            cwd: Path | None = None, code: str | None = None,
                            declared: set[str] | None = None) -> tuple[Path, bool]:
    """:func:`run_notebook` unless the stamp beside the executed notebook shows the same inputs
    (see the module docstring) and the executed .ipynb and .html are the ones it recorded.
    ``inputs`` None means the files the notebook reads are not known (it does not read through
    :func:`pipeline.explore.load_bundle`): it is always executed. ``declared`` (the notebook's
    parameter names) is kept in the stamp for
    :func:`declared_parameters`. Returns the HTML path and whether the notebook was executed. The stamp is written after
    both outputs, so an interrupted run leaves no stamp that vouches for them."""
    source, out_dir = Path(source), Path(out_dir)
    if not source.exists() or inputs is None:  # no such notebook (run_notebook names them), or unknown inputs
        stamp_path(out_dir, source).unlink(missing_ok=True)
        return run_notebook(source, out_dir, parameters, cwd=cwd), True
    stamp = input_stamp(source, parameters, inputs, code or code_digest())
    executed, html, stamp_file = out_dir / source.name, (out_dir / source.name).with_suffix(".html"), \
        stamp_path(out_dir, source)
    try:
        old = json.loads(stamp_file.read_text("utf-8"))
        if (old.get("depends_on") == stamp and executed.exists() and html.exists()
                and old.get("outputs") == {"ipynb": file_digest(executed), "html": file_digest(html)}):
            return html, False
    except (OSError, ValueError, AttributeError):  # no stamp (first run) or an unreadable one: execute
        pass
    stamp_file.unlink(missing_ok=True)
    html = run_notebook(source, out_dir, parameters, cwd=cwd)
    record = {"depends_on": stamp, "outputs": {"ipynb": file_digest(executed), "html": file_digest(html)},
              "declared": sorted(declared if declared is not None else parameters)}
    with atomic_path(stamp_file) as tmp:
        tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    return html, True


@contextlib.contextmanager
def kernel_chatter_to(log_path: Path):
    """Send what kernel processes print on stderr (transport warnings, shutdown notices) to a
    log file instead of the user's terminal: kernels inherit file descriptor 2, so it is
    redirected at the descriptor level for the duration of the block."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    saved = os.dup(2)
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
