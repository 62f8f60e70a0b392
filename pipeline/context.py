"""The run context: every path of one run, in one small frozen object.

A *run* is one kommun and one report year, driven by one params file. Its directory (the
*root*) is the directory that holds the params file; every relative path a user writes in
params (``sources.*.path``, ``harm.table``, ``sources.crimes.categories``) and every file the
pipeline reads or writes is under it. The CLI builds the context once from ``--params`` and
passes it to each stage; the notebooks' loader builds it from the run directory. Nothing in the
package depends on the current working directory.

>>> run = RunContext.from_params_file("/data/vasteras/params.yaml")
>>> run.core("incidents")
PosixPath('/data/vasteras/data/processed/incidents.parquet')
>>> run.display(run.raw / "brott" / "2024.csv")
'data/raw/brott/2024.csv'

:meth:`RunContext.stage_outputs` lists what each stage writes; ``dvc.yaml`` lists the same
(a test checks that they agree).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import DataError

# Core tables written by `ingest` (data/processed/<table>.parquet), in schema order.
CORE_TABLES = ("areas", "population", "incidents", "police_events", "survey_responses", "notes", "est_reports")
NOTEBOOK_NAMES = ("annual_overview", "area_deep_dive", "exploration_starter")
# The project's notebooks: the repository's notebooks/ beside the package (make install installs
# the package editable, so the package is the checkout's pipeline/). A run directory's own
# notebooks/ comes first, notebook by notebook (RunContext.notebook_source).
SHIPPED_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class RunContext:
    """The paths of one run. Build it with :meth:`from_params_file` or :meth:`from_root`.

    Attributes
    ----------
    root : Path
        The run directory (absolute); holds the params file, ``data/`` and ``reports/``.
    params_file : Path
        The params file of the run (default ``root/params.yaml``).
    raw, processed, layers, quarantine : Path
        ``data/raw`` (the user's exports, never written by a stage except ``demo-data``),
        ``data/processed`` (core tables), ``data/processed/layers`` (layer tables),
        ``data/processed/quarantine`` (rejected input rows).
    reports, notebooks : Path
        ``reports`` (PDFs, Excel tables, executed notebooks under ``reports/notebooks``,
        the analyst's texts under ``reports/text``) and ``notebooks`` (the notebook sources).
    """

    root: Path
    params_file: Path
    raw: Path
    processed: Path
    layers: Path
    quarantine: Path
    reports: Path
    notebooks: Path

    # ------------------------------------------------------------ construction
    @classmethod
    def from_root(cls, root: str | Path = ".", params_file: str | Path | None = None) -> RunContext:
        """The context of the run directory ``root``; ``params_file`` defaults to ``root/params.yaml``
        (a relative ``params_file`` is taken relative to ``root``)."""
        root = Path(root).resolve()
        params = root / (params_file or "params.yaml")
        processed = root / "data" / "processed"
        return cls(root=root, params_file=params, raw=root / "data" / "raw", processed=processed,
                   layers=processed / "layers", quarantine=processed / "quarantine",
                   reports=root / "reports", notebooks=root / "notebooks")

    @classmethod
    def from_params_file(cls, params_file: str | Path = "params.yaml") -> RunContext:
        """The context whose root is the directory holding ``params_file``."""
        path = Path(params_file).resolve()
        return cls.from_root(path.parent, path.name)

    # ------------------------------------------------------------ files of a run
    def core(self, table: str) -> Path:
        """A core table: ``data/processed/<table>.parquet``."""
        return self.processed / f"{table}.parquet"

    def layer(self, name: str) -> Path:
        """A layer table: ``data/processed/layers/<name>.parquet``."""
        return self.layers / f"{name}.parquet"

    @property
    def layers_gpkg(self) -> Path:
        return self.processed / "layers.gpkg"

    @property
    def quarantine_file(self) -> Path:
        return self.quarantine / "quarantine.csv"

    @property
    def public_page(self) -> Path:
        """``reports/publik/index.html``: the public web page (written by the report stage)."""
        return self.reports / "publik" / "index.html"

    @property
    def cycle(self) -> Path:
        """``data/processed/cycle``: the follow-up of the registry (pipeline/cycle, stage ``evaluate``)."""
        return self.processed / "cycle"

    @property
    def ingest_quality(self) -> Path:
        return self.processed / "ingest_quality.csv"

    @property
    def quarantine_reasons(self) -> Path:
        return self.processed / "quarantine_reasons.csv"

    @property
    def analyst_texts(self) -> Path:
        """``reports/text``: the analyst's own Markdown (orsaksanalys, handlingsplan, …); an input."""
        return self.reports / "text"

    @property
    def executed_notebooks(self) -> Path:
        return self.reports / "notebooks"

    def report_pdf(self, year: int, public: bool = False) -> Path:
        return self.reports / f"lagesbild-{year}{'-publik' if public else ''}.pdf"

    def report_tables(self, year: int, version: str) -> Path:
        """The Excel tables of the report; ``version`` is "intern" or "publik"."""
        return self.reports / f"lagesbild-{year}-tabeller-{version}.xlsx"

    def notebook_source(self, name: str) -> Path:
        """``notebooks/<name>.ipynb`` of the run directory, else the project's own
        (:data:`SHIPPED_NOTEBOOKS`); DataError naming both folders when neither has it."""
        for folder in (self.notebooks, SHIPPED_NOTEBOOKS):
            if (folder / f"{name}.ipynb").is_file():
                return folder / f"{name}.ipynb"
        known = sorted({p.stem for folder in (self.notebooks, SHIPPED_NOTEBOOKS) for p in folder.glob("*.ipynb")})
        where = f"neither in {self.notebooks} nor in {SHIPPED_NOTEBOOKS}"
        if known:
            raise DataError(f"notebook {name}: found {where}; choose one of: {', '.join(known)}")
        raise DataError(f"notebook {name}: no notebooks found, {where}; copy the project's notebooks/ folder into "
                        f"{self.root} or install lagesbild from its repository with make install (editable)")

    # ------------------------------------------------------------ user paths
    def resolve(self, path: str | Path) -> Path:
        """A path written in params: relative paths are relative to the run directory."""
        path = Path(path)
        return path if path.is_absolute() else self.root / path

    def expand(self, patterns: str | list[str]) -> list[Path]:
        """Files matching any of the glob ``patterns`` (relative to the root), sorted, no duplicates."""
        found: set[Path] = set()
        for pat in [patterns] if isinstance(patterns, str) else patterns:
            found.update(Path(p) for p in glob.glob(str(self.resolve(pat))))
        return sorted(p for p in found if p.is_file())

    def display(self, path: str | Path) -> str:
        """How a file is named in tables and messages: relative to the root when under it (so
        processed tables do not depend on where the run directory is), else as given."""
        path = Path(path)
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    # ------------------------------------------------------------ what each stage writes
    def stage_outputs(self, stage: str, year: int) -> list[Path]:
        """The files and folders a pipeline stage writes (``dvc.yaml`` lists the same outs)."""
        p = self.processed
        outputs = {
            "ingest": [*(self.core(t) for t in CORE_TABLES), self.core("gazetteer"),
                       p / "police_events_coverage.csv", self.core("kommuner"), self.core("national_event_month_counts"),
                       self.ingest_quality, self.quarantine_reasons, self.quarantine],
            "layers": [self.layers, self.layers_gpkg],
            "evidence": [self.core("evidence")],
            "score": [p / "problembilder.csv", p / "problembilder.xlsx", p / "sensitivity.csv",
                      p / "prioritisation_matrix.csv"],
            "evaluate": [self.cycle],
            "report": [self.report_pdf(year), self.report_pdf(year, public=True), self.public_page.parent,
                       self.report_tables(year, "intern"),
                       self.report_tables(year, "publik")],
            "notebook": [self.executed_notebooks],
        }
        return outputs[stage]
