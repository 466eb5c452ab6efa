"""What the service writes into CSV files is data, never a formula a spreadsheet would run.

Officers open the error reports and the removal report in Excel or LibreOffice, which run a cell
starting with ``=``, ``+``, ``-`` or ``@`` (and after a tab or a carriage return) as a formula:
``=HYPERLINK(…)`` in a registry id would become a link that sends data elsewhere. Every text
cell that starts so gets a leading ``'``, which spreadsheets show as text and do not keep;
numbers are written as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value safe to write as a CSV cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A `csv.writer` whose every text cell is neutralised by `cell`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each cell through `cell`."""
        self._writer.writerow([cell(value) for value in row])
