"""The demo's raw exports in memory (:class:`DemoData`) and on disk (:func:`write_demo`).

The writer is the one place outside io/ and cli.py that writes files: it produces raw exports
the way the source systems write them (docs/demo.md, raw_formats.md): ';' CSV in cp1252 with
CRLF, XLSX via openpyxl, DOCX via python-docx, GeoPackage via pyogrio, EST CSV in UTF-8 with
BOM and every field quoted, JSON Lines and the truth file in UTF-8.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

# Globs (relative to raw_dir) of every file the demo owns; removed before writing.
OWNED = ["stadsdelar.gpkg", "befolkning_stadsdelar.csv", "brott/anmalda_brott_*.csv", "brott/anmalda_brott_*.xlsx",
         "polisen_handelser_vasteras.jsonl", "trygghetsmatning_*.xlsx", "medarbetardialog/anteckningar_*.xlsx",
         "medarbetardialog/anteckningar_*.docx", "medarbetardialog/*_????-??-??.txt", "est_rapporter_*.csv",
         "ortnamn.csv", "handlingsplan.xlsx", "demo_truth.json"]


@dataclass(frozen=True)
class DemoData:
    """Every raw file of the demo kommun as it will be written (Swedish headers, text cells,
    "" or NA for an empty cell), plus ``truth``: what was planted (see docs/demo.md).

    Attributes
    ----------
    areas : GeoDataFrame  NYCKELKOD, STADSDEL, KOMMUNKOD, geometry (EPSG:3006) → stadsdelar.gpkg
    population : DataFrame  Stadsdel, Kön, Ålder, År, Antal → befolkning_stadsdelar.csv
    crimes : {year: DataFrame}  raw_formats.md §3 columns → brott/anmalda_brott_<year>.csv|xlsx
    police_events : list of dicts in the polisen.se/api/events shape → polisen_handelser_vasteras.jsonl
    surveys : {year: DataFrame}  raw_formats.md §5 columns → trygghetsmatning_<year>.xlsx
    notes : DataFrame  Datum, Verksamhet, Anteckning → medarbetardialog/anteckningar_<year>.xlsx
    notes_docx : DataFrame  same columns → medarbetardialog/anteckningar_<year>.docx
    notes_txt : {relative path: text} → medarbetardialog/<verksamhet>_<date>.txt
    est : DataFrame  raw_formats.md §7 columns → est_rapporter_<year>.csv
    gazetteer : DataFrame  Plats, Stadsdel, X, Y → ortnamn.csv
    registry : {sheet: DataFrame}  the registry of the work (pipeline/demo/registry.py) → handlingsplan.xlsx
    truth : dict → demo_truth.json
    """

    report_year: int
    areas: gpd.GeoDataFrame
    population: pd.DataFrame
    crimes: dict[int, pd.DataFrame]
    police_events: list[dict]
    surveys: dict[int, pd.DataFrame]
    notes: pd.DataFrame
    notes_docx: pd.DataFrame
    notes_txt: dict[str, str]
    est: pd.DataFrame
    gazetteer: pd.DataFrame
    registry: dict[str, pd.DataFrame] = field(default_factory=dict)
    truth: dict = field(default_factory=dict)

    def files(self) -> dict[str, object]:
        """Relative path → content (DataFrame, GeoDataFrame, text, or list of event dicts)."""
        y = self.report_year
        out: dict[str, object] = {"stadsdelar.gpkg": self.areas, "befolkning_stadsdelar.csv": self.population}
        for year, df in sorted(self.crimes.items()):
            out[f"brott/anmalda_brott_{year}.{'xlsx' if year == y else 'csv'}"] = df
        out["polisen_handelser_vasteras.jsonl"] = self.police_events
        for year, df in sorted(self.surveys.items()):
            out[f"trygghetsmatning_{year}.xlsx"] = df
        out[f"medarbetardialog/anteckningar_{y}.xlsx"] = self.notes
        out[f"medarbetardialog/anteckningar_{y}.docx"] = self.notes_docx
        out.update(self.notes_txt)
        out[f"est_rapporter_{y}.csv"] = self.est
        out["ortnamn.csv"] = self.gazetteer
        if self.registry:
            out["handlingsplan.xlsx"] = self.registry
        out["demo_truth.json"] = self.truth
        return out


SHEETS = {"brott/": "Anmälda brott", "trygghetsmatning_": "Svar", "medarbetardialog/anteckningar_": "Anteckningar"}
TXT_CP1252 = 1  # the first .txt note is saved in cp1252 (an old Notepad), the rest in UTF-8


def _write_xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    """Write-only openpyxl workbook; empty strings and NA become empty cells, ints stay numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    bold = Font(bold=True)
    header = []
    for c in df.columns:
        cell = WriteOnlyCell(ws, value=str(c))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    def text(v):  # a survey tool exports what a resident typed as text, "=…" included
        cell = WriteOnlyCell(ws, value=v)
        cell.data_type = "s"
        return cell

    for row in df.itertuples(index=False, name=None):
        ws.append([None if (v is None or v is pd.NA or v == "" or (isinstance(v, float) and v != v))
                   else text(v) if isinstance(v, str) and v.startswith("=")
                   else (int(v) if hasattr(v, "dtype") and v.dtype.kind in "iu" else v) for v in row])
    wb.save(path)


def _write_docx(df: pd.DataFrame, path: Path, title: str) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=1)
    table = doc.add_table(rows=1, cols=len(df.columns))
    for cell, name in zip(table.rows[0].cells, df.columns):
        cell.text = str(name)
    for row in df.itertuples(index=False, name=None):
        cells = table.add_row().cells
        for cell, v in zip(cells, row):
            cell.text = "" if v is None else str(v)
    doc.core_properties.author = "Trygghetssamordnare"
    doc.save(path)


def write_demo(data: DemoData, raw_dir: Path) -> list[Path]:
    """Write every raw file of the demo into ``raw_dir`` (subfolders created) and return the
    paths written. Stale demo files (the :data:`OWNED` globs) are removed first; other files in
    ``raw_dir`` are left alone."""
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    for pattern in OWNED:
        for old in raw_dir.glob(pattern):
            if old.is_file():
                old.unlink()
    written: list[Path] = []
    n_txt = 0
    for rel, content in data.files().items():
        path = raw_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".gpkg"):
            content.to_file(path, layer="stadsdelar", driver="GPKG", engine="pyogrio")
        elif rel.endswith(".jsonl"):
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                for ev in content:
                    fh.write(json.dumps(ev, ensure_ascii=False) + "\n")
        elif rel.endswith(".json"):
            path.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        elif rel == "handlingsplan.xlsx":
            from pipeline.cycle.workbook import write_workbook

            write_workbook(content, path)
        elif rel.endswith(".xlsx"):
            sheet = next(s for prefix, s in SHEETS.items() if rel.startswith(prefix))
            _write_xlsx(content, path, sheet)
        elif rel.endswith(".docx"):
            _write_docx(content, path, "Medarbetardialog – anteckningar")
        elif rel.endswith(".txt"):
            n_txt += 1
            path.write_text(content, encoding="cp1252" if n_txt == TXT_CP1252 else "utf-8", newline="\r\n")
        elif rel.startswith("est_rapporter_"):
            content.to_csv(path, index=False, sep=",", encoding="utf-8-sig", quoting=csv.QUOTE_ALL,
                           lineterminator="\r\n")
        elif rel == "ortnamn.csv":
            content.to_csv(path, index=False, sep=";", encoding="utf-8", lineterminator="\n")
        else:  # police/SCB style exports: ';' CSV in cp1252 with CRLF
            content.to_csv(path, index=False, sep=";", encoding="cp1252", lineterminator="\r\n")
        written.append(path)
    return written
