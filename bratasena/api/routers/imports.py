"""Registry extracts (DTKS/DTSEN, CSV or XLSX) uploaded by an administrator and imported."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel

from bratasena.api.deps import Admin, AppDep, WaitingViewsDep
from bratasena.integration.registry_import import import_registry_file

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])

MAX_ERRORS_SHOWN = 1000
"""Row errors returned in the answer; an extract with more is better fixed at its source."""


class RowErrorOut(BaseModel):
    """Why one cell of one row was refused (line 1 is the header)."""

    line: int
    column: str
    registry_id: str
    reason: str


class ImportOut(BaseModel):
    """What the import did with the rows; bad rows are listed, good ones were saved."""

    rows_read: int
    registered: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowErrorOut]
    errors_total: int


@router.post(
    "/imports",
    status_code=201,
    operation_id="importRegistry",
    summary="Import a DTKS/DTSEN extract (CSV or XLSX)",
)
def import_extract(
    file: Annotated[UploadFile, File(description="the extract, CSV (UTF-8) or XLSX")],
    source: Annotated[str, Form(max_length=10, description="dtks or dtsen")],
    period: Annotated[str, Form(max_length=10, description="the extract's month, YYYY-MM")],
    who: Admin,
    app: AppDep,
    views: WaitingViewsDep,
) -> ImportOut:
    """Importing the same file again adds nothing; every bad row is reported with its line."""
    suffix = Path(file.filename or "extract.csv").suffix.lower()[:8] or ".csv"
    with tempfile.TemporaryDirectory(prefix="bratasena-import-") as folder:
        path = Path(folder) / f"extract{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        report = import_registry_file(
            app,
            path,
            source=source,
            period=period,
            actor=who.username,
            error_report=Path(folder) / "errors.csv",
        )
        errors: list[RowErrorOut] = []
        if report.error_report is not None:
            with report.error_report.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    if len(errors) >= MAX_ERRORS_SHOWN:
                        break
                    errors.append(RowErrorOut.model_validate({**row, "line": int(row["line"])}))
    views.caught_up(report.position)
    return ImportOut(
        rows_read=report.rows_read,
        registered=report.registered,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        errors=errors,
        errors_total=report.errors,
    )
