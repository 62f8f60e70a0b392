"""The disk: reading raw exports and reading and writing processed tables. The only package
besides cli.py that touches files.

- :mod:`pipeline.io.raw`: raw exports read as text (encoding, separator, chunks, Excel, layers);
- :mod:`pipeline.io.tables`: processed tables written atomically and read back once;
- :mod:`pipeline.io.spreadsheet`: text cells kept inert in spreadsheets, and Excel workbooks;
- :mod:`pipeline.io.atomic`: a file appears complete or not at all.

Callers use the names below (``io.read_frame``); each lives in the module that owns its topic.
"""

from pipeline.io.atomic import atomic_path
from pipeline.io.raw import (detect_encoding, detect_separator, excel_sheets, iter_raw_table, read_parquet_as_text,
                             read_raw_layer, read_raw_table, read_text, split_delimited)
from pipeline.io.spreadsheet import FORMULA_START, Sheet, is_formula_like, neutralise_csv, text_columns, write_workbook
from pipeline.io.tables import frame_rows, read_frame, reading_once, write_frame

__all__ = ["FORMULA_START", "Sheet", "atomic_path", "detect_encoding", "detect_separator", "excel_sheets",
           "frame_rows", "is_formula_like", "iter_raw_table", "neutralise_csv", "read_frame", "read_parquet_as_text",
           "read_raw_layer", "read_raw_table", "read_text", "reading_once", "split_delimited", "text_columns",
           "write_frame", "write_workbook"]
