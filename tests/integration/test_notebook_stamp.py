"""An executed notebook is executed again only when its inputs changed (content-hash stamp).

A tiny notebook that reads one CSV, executed by a real papermill kernel: the first call
executes, a second with the same inputs does not; a changed input, parameter or notebook, or
a deleted output, executes it again. Rewriting an input with the same bytes (a rerun of the
pipeline writes every table again) does not.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from pipeline import notebooks
from tests.integration.conftest import cli

pytestmark = pytest.mark.slow


def _notebook(path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"},
                                            "language_info": {"name": "python"}})
    params = nbformat.v4.new_code_cell('table = "counts.csv"\nlabel = "x"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import pathlib\nprint(label, pathlib.Path(table).read_text().strip())")]
    nbformat.write(nb, path)


def _printed(executed) -> str:
    nb = nbformat.read(executed, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs).strip()


@pytest.fixture
def setup(tmp_path, monkeypatch):
    (tmp_path / "counts.csv").write_text("n\n41\n")
    _notebook(tmp_path / "nb.ipynb")
    real, calls = notebooks.run_notebook, []
    monkeypatch.setattr(notebooks, "run_notebook", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    return tmp_path, calls


def _run(tmp_path, **params):
    return notebooks.run_notebook_if_changed(tmp_path / "nb.ipynb", tmp_path / "out", {"label": "x"} | params,
                                             [tmp_path / "counts.csv"], cwd=tmp_path)


def test_rerun_only_when_an_input_changed(setup):
    tmp_path, calls = setup
    html, ran = _run(tmp_path)
    assert ran and _printed(tmp_path / "out/nb.ipynb") == "x n\n41"
    stamp = json.loads((tmp_path / "out/nb.inputs.json").read_text())
    assert str(tmp_path / "counts.csv") in stamp["depends_on"]["inputs"]

    before = html.read_bytes()
    (tmp_path / "counts.csv").write_text("n\n41\n")  # same bytes, new mtime: still up to date
    assert _run(tmp_path) == (html, False) and len(calls) == 1 and html.read_bytes() == before

    (tmp_path / "counts.csv").write_text("n\n42\n")  # changed content: executed again, new output
    assert _run(tmp_path)[1] and len(calls) == 2
    assert _printed(tmp_path / "out/nb.ipynb") == "x n\n42"
    assert _run(tmp_path)[1] is False and len(calls) == 2


def test_parameters_notebook_and_outputs_are_inputs_too(setup, monkeypatch):
    tmp_path, calls = setup
    _run(tmp_path)
    assert _run(tmp_path, label="y")[1] and calls[-1]["label"] == "y"  # another parameter value
    assert _printed(tmp_path / "out/nb.ipynb") == "y n\n41"
    n = len(calls)
    nb = nbformat.read(tmp_path / "nb.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("1 + 1"))
    nbformat.write(nb, tmp_path / "nb.ipynb")  # an edited notebook
    assert _run(tmp_path, label="y")[1] and len(calls) == n + 1
    (tmp_path / "out/nb.html").unlink()  # a deleted output
    assert _run(tmp_path, label="y")[1] and len(calls) == n + 2
    monkeypatch.setattr(notebooks, "code_digest", lambda: "other code")  # the package changed
    assert _run(tmp_path, label="y")[1] and len(calls) == n + 3
    assert _run(tmp_path, label="y")[1] is False


def test_a_notebook_with_unknown_inputs_is_always_executed(setup):
    """A notebook that does not read through explore.load_bundle (follow_up reads the registry):
    no stamp, executed every time."""
    tmp_path, calls = setup
    _run(tmp_path)
    for _ in range(2):
        assert notebooks.run_notebook_if_changed(tmp_path / "nb.ipynb", tmp_path / "out", {"label": "x"}, None,
                                                 cwd=tmp_path)[1]
    assert len(calls) == 3 and not (tmp_path / "out/nb.inputs.json").exists()


def test_declared_parameters_come_from_the_stamp_while_the_notebook_is_unchanged(setup, monkeypatch):
    import papermill

    tmp_path, _ = setup
    nb = tmp_path / "nb.ipynb"
    notebooks.run_notebook_if_changed(nb, tmp_path / "out", {"label": "x"}, [], cwd=tmp_path,
                                      declared=set(papermill.inspect_notebook(str(nb))))
    monkeypatch.setattr(papermill, "inspect_notebook", lambda path: {"read": None})
    assert notebooks.declared_parameters(nb, tmp_path / "out") == {"table", "label"}  # not read again
    _notebook(nb)
    extra = nbformat.read(nb, as_version=4)
    extra.cells.append(nbformat.v4.new_code_cell("2"))
    nbformat.write(extra, nb)  # another notebook file: its parameters cell is read again
    assert notebooks.declared_parameters(nb, tmp_path / "out") == {"read"}


def test_lagesbild_notebook_keeps_executed_notebooks_of_an_unchanged_run(demo_run):
    """The demo run executed every notebook and stamped it; asked again with nothing changed,
    none is executed."""
    out = demo_run / "reports/notebooks"
    html = {p.name: p.read_bytes() for p in out.glob("*.html")}
    assert len(html) == 3 and len(list(out.glob("*.inputs.json"))) == 3
    proc = cli(demo_run, "notebook")
    assert "3 up to date" in proc.stderr and "executed" not in proc.stderr, proc.stderr
    assert {p.name: p.read_bytes() for p in out.glob("*.html")} == html
