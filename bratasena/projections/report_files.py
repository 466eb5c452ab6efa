"""The removal report as files: CSV and XLSX with the same figures as its JSON.

Both take the report as `Projections.removal_report` gives it (the removal report's year with the
confirmed removals beside the decided ones, and the removals not applied). Text cells go through
`domain.spreadsheet.cell`, so no cell starts like a formula in either format.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from bratasena.domain.spreadsheet import SafeWriter, cell

MONTH_FIELDS = (
    "month",
    "target",
    "deactivations",
    "reactivations",
    "net_removals",
    "cumulative_net",
    "cumulative_target",
    "complaints_filed",
    "corroborated",
    "upheld",
    "rejected",
    "share_upheld",
    "appeals_granted",
    "appeals_denied",
    "median_days_to_decision",
    "confirmed_removals",
)
"""The columns of the months (the confirmed removals last, so older readers keep their columns)."""

DISTRICT_FIELDS = (
    "district_code",
    "district_name",
    "deactivations",
    "reactivations",
    "net_removals",
    "confirmed_removals",
)
REASON_FIELDS = ("reason", "deactivations", "reactivations", "net_removals")
NOT_APPLIED_FIELDS = (
    "registry_id",
    "district_code",
    "kind",
    "effective_month",
    "period",
    "months",
    "dtjateng_reference",
    "dtsen_reference",
)


def sections(report: dict[str, Any]) -> list[tuple[str, tuple[str, ...], list[list[Any]]]]:
    """The report's tables: name, header, rows (the months with a total line first)."""
    months = [[_blank(m.get(f)) for f in MONTH_FIELDS] for m in report["months"]]
    totals = {**report["totals"], "month": "total", "target": report["annual_target"]}
    months.append([_blank(totals.get(f)) for f in MONTH_FIELDS])
    return [
        ("months", MONTH_FIELDS, months),
        ("districts", DISTRICT_FIELDS, _rows(report["by_district"], DISTRICT_FIELDS)),
        ("reasons", REASON_FIELDS, _rows(report["by_reason"], REASON_FIELDS)),
        (
            "not_applied",
            NOT_APPLIED_FIELDS,
            _rows(report.get("not_applied", []), NOT_APPLIED_FIELDS),
        ),
    ]


def report_csv(report: dict[str, Any]) -> str:
    """The report as one CSV: its tables one after another, a blank line between them."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    for index, (_, header, rows) in enumerate(sections(report)):
        if index:
            writer.writerow([])
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
    return out.getvalue()


def report_xlsx(report: dict[str, Any]) -> bytes:
    """The report as an .xlsx workbook: one sheet per table, numbers as numbers."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    for name, header, rows in sections(report):
        sheet = workbook.create_sheet(name)
        sheet.append(list(header))
        for row in rows:
            sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rows(items: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> list[list[Any]]:
    return [[_blank(item.get(f)) for f in fields] for item in items]


def _blank(value: Any) -> Any:
    return "" if value is None else value
