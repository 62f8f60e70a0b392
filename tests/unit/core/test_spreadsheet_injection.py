"""Free text that looks like a formula stays inert text in every CSV and XLSX the pipeline writes
(OWASP "CSV injection"): io.write_frame (CSV, XLSX), io.write_workbook and the report workbook."""

import csv
import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline import io

ATTACKS = ['=HYPERLINK("https://evil.example/x";"Klicka")', "+46 70 123", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "＝1+1", "'=already quoted"]


def _frame():
    n = len(ATTACKS)
    return pd.DataFrame({"area_id": ["198001"] * n, "explanation": ATTACKS, "notes_quotes": ATTACKS[::-1],
                         "place": ["=Råby torg"] * n, "score": [0.5] * n, "n_sources": [2] * n,
                         "unregistered": ATTACKS})


def _xlsx_cells(path):
    """(sheet, coordinate, value, is_formula, quote_prefix) of every cell, read from the file."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield ws.title, c.coordinate, c.value, c.data_type == "f", c.quotePrefix


def _xml_has_formula(path) -> bool:
    with zipfile.ZipFile(path) as z:
        return any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_csv_cells_get_a_leading_apostrophe_and_read_back_unchanged(tmp_path):
    path = io.write_frame(_frame(), tmp_path / "problembilder.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for col in ("explanation", "notes_quotes", "place", "unregistered"):
        for cell in (r[col] for r in rows):
            assert not cell.startswith(io.FORMULA_START), (col, cell)
            assert cell.startswith("'")
    assert rows[0]["score"] == "0.5" and rows[0]["area_id"] == "198001"  # numbers and ids untouched
    back = io.read_frame(path)
    assert back["explanation"].tolist() == ATTACKS and back["place"].tolist() == ["=Råby torg"] * len(ATTACKS)


@pytest.mark.parametrize("writer", ["write_frame", "write_workbook"])
def test_xlsx_text_cells_are_strings_with_excels_quote_prefix(tmp_path, writer):
    path = tmp_path / "problembilder.xlsx"
    if writer == "write_frame":
        io.write_frame(_frame(), path)
    else:
        io.write_workbook([io.Sheet("Tabell", _frame())], path)
    assert not _xml_has_formula(path)
    cells = list(_xlsx_cells(path))
    assert not any(is_f for *_, is_f, _ in cells)
    as_written = [a.replace("\r", "\n") for a in ATTACKS]  # a line break as Excel stores one (LF)
    attacks = [(v, qp) for _, _, v, _, qp in cells if isinstance(v, str) and v in as_written and v[0] != "'"]
    assert len(attacks) == 3 * (len(ATTACKS) - 1)  # explanation, notes_quotes, unregistered
    assert all(qp for _, qp in attacks)  # Excel keeps them text even when someone edits the cell
    values = pd.read_excel(path, engine="calamine")
    assert values["explanation"].tolist() == as_written  # the text itself is unchanged
    if writer == "write_frame":
        assert openpyxl.load_workbook(path).sheetnames == ["Problembilder"]  # a named sheet


def test_report_workbook_keeps_formula_like_quotes_inert(tmp_path):
    from pipeline.report.excel import workbook_sheets
    from pipeline.report.inputs import ReportInputs
    from tests.unit.report import make_frames

    fr = make_frames(cell_m=1000)
    fr["note_themes"] = fr["note_themes"].assign(quotes=ATTACKS[: len(fr["note_themes"])],
                                                 top_place="=HYPERLINK(\"x\")")
    fr["problembilder"] = fr["problembilder"].assign(explanation=ATTACKS[0])
    path = io.write_workbook(workbook_sheets(ReportInputs(**fr)), tmp_path / "intern.xlsx")
    assert not _xml_has_formula(path)
    quoted = [(s, v) for s, _, v, _, qp in _xlsx_cells(path) if isinstance(v, str) and v.startswith(io.FORMULA_START)]
    assert {s for s, _ in quoted} >= {"Medarbetardialoger", "Problembilder"}
    assert all(qp for *_, v, _, qp in _xlsx_cells(path) if isinstance(v, str) and v.startswith(io.FORMULA_START))


def test_xlsx_keeps_line_breaks_and_control_characters_readable(tmp_path):
    """A CR (Windows line ends in a note) is written as Excel's own line break, LF, not as the
    "_x000D_" escape that openpyxl, pandas' reader, would show; a control character that XML
    cannot hold is escaped as Excel does and reads back as itself."""
    texts = ["rad 1\r\nrad 2", "rad 1\rrad 2", "ett\x01två", "=1+1\r\n"]
    path = io.write_workbook([io.Sheet("T", pd.DataFrame({"text": texts}))], tmp_path / "t.xlsx")
    read = [c.value for c in openpyxl.load_workbook(path).active["A"]][1:]
    assert read[:2] == ["rad 1\nrad 2", "rad 1\nrad 2"] and read[3] == "=1+1\n"
    assert pd.read_excel(path, engine="calamine")["text"].tolist() == ["rad 1\nrad 2", "rad 1\nrad 2", "ett\x01två",
                                                                       "=1+1\n"]
    assert [c.quotePrefix for c in openpyxl.load_workbook(path).active["A"]][1:] == [False, False, False, True]


def test_the_same_tables_give_the_same_workbook_bytes(tmp_path):
    import time

    a = io.write_workbook([io.Sheet("Tabell", _frame())], tmp_path / "a.xlsx")
    time.sleep(1.1)  # a creation time of "now" (to the second) would differ
    b = io.write_workbook([io.Sheet("Tabell", _frame())], tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()


def test_a_workbook_sheet_has_its_header_filter_formats_and_widths(tmp_path):
    frame = pd.DataFrame({"Område": ["Råby", "Bäckby", "Skultuna"], "Andel": [0.25, float("nan"), 0.5],
                          "Antal": ["..", "12", "<3"], "Datum": pd.to_datetime(["2025-01-02", None, "2025-03-04"]),
                          "Flagga": [True, False, True]})
    name = "Tabell med ett mycket långt namn som kortas"
    path = io.write_workbook([io.Sheet(name, frame, {"Andel": "0.0%"}, {"Område": 30.0})], tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "Tabell med ett mycket långt nam"  # Excel's limit: 31 characters
    assert [c.value for c in ws[1]] == list(frame.columns) and all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E4"
    assert ws.column_dimensions["A"].width == pytest.approx(30.0, abs=0.72)  # Excel pads widths
    assert ws.column_dimensions["B"].width == pytest.approx(12.0, abs=0.72)
    assert (ws["B2"].value, ws["B2"].number_format, ws["B3"].value) == (0.25, "0.0%", None)
    assert [ws[f"C{r}"].alignment.horizontal for r in (2, 3, 4)] == ["right", None, "right"]  # hidden numbers
    assert ws["D2"].value.date().isoformat() == "2025-01-02" and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["D3"].value is None and [ws[f"E{r}"].value for r in (2, 3, 4)] == [True, False, True]
