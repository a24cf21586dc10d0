"""The FSMA 204 records as an electronic sortable spreadsheet (XLSX, with openpyxl): one sheet
per critical tracking event present, the header row frozen, filters on, plain cells.

Text from barcodes and partners is untrusted: a cell a spreadsheet would run as a formula is
made literal (`recall.spreadsheet_safe`), and control characters XLSX cannot hold are written
as escapes (`\\x1d`), so nothing is lost and nothing runs.
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lotedge.store.fsma204 import HEADINGS, Records
from lotedge.store.recall import spreadsheet_safe

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell(value: Any) -> Any:
    """A value as a plain, inert cell.

    >>> cell("=HYPERLINK(1)"), cell("A\\x1dB"), cell(2.5), cell(None)
    ("'=HYPERLINK(1)", 'A\\\\x1dB', 2.5, None)
    """
    if isinstance(value, str):
        value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return spreadsheet_safe(value)


def to_xlsx(records: Records) -> bytes:
    """The workbook: a sheet per critical tracking event that has records, in FDA's order; an
    empty lot still gets its Receiving sheet's headings, so the file is never without a
    sheet."""
    book = Workbook(write_only=True)
    present = records.present() or [("Receiving", HEADINGS["Receiving"], [])]
    for name, headings, rows in present:
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "A2"
        sheet.append(list(headings))
        for record in rows:
            sheet.append([cell(v) for v in record.cells])
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{len(rows) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
