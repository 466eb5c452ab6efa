"""Downloads an office in Indonesia opens in Excel: CSV that splits into columns, and .xlsx.

Excel set to Indonesian splits a CSV file on ``;`` (the comma is the decimal mark there) and
reads it as UTF-8 only when it starts with a byte-order mark, so the pages' CSV has both, with
Indonesian headers and decimal commas (the API's CSV stays English with commas, as documented).
The .xlsx has one worksheet per table with typed cells, so no locale guesses at all. Text that
a spreadsheet would run as a formula is written as text in both (`domain.spreadsheet`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bratasena.domain.spreadsheet import SafeWriter

FORMATS = ("csv", "xlsx")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOM = "\ufeff"
MAX_ROWS = 20_000
"""The most rows a list download carries (a regency's open cases are a few thousand)."""


@dataclass(frozen=True)
class Sheet:
    """One table of a download: a worksheet of the .xlsx, a section of the CSV."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def csv_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The tables as one CSV for Indonesian Excel: BOM, ``;``, a blank line between tables."""
    out = io.StringIO()
    out.write(BOM)
    writer = SafeWriter(out, delimiter=";", lineterminator="\r\n")
    for index, sheet in enumerate(sheets):
        if index:
            writer.writerow([])
        writer.writerow(sheet.header)
        for row in sheet.rows:
            writer.writerow([_csv_value(v) for v in row])
    return out.getvalue().encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; the pages' times are WIB
    return value


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The tables as an .xlsx workbook, one worksheet each, the header row bold."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.title[:31])
        header = []
        for name in sheet.header:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=_xlsx_value(value))
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(sheets: Sequence[Sheet], name: str, fmt: str) -> Response:
    """The tables as a file download named ``name.fmt``."""
    body = csv_bytes(sheets) if fmt == "csv" else xlsx_bytes(sheets)
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
