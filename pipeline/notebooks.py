"""Execute a parameterised notebook with papermill and render it to HTML (shell module)."""

from __future__ import annotations

import contextlib
import logging
import os
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
        raise DataError(f"{source}: no such notebook; choose one of: {known}")
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
