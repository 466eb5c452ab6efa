"""Registry extracts (DTKS/DTSEN, CSV or XLSX) uploaded by an administrator and imported.

The upload (up to ``BRATASENA_MAX_UPLOAD_BYTES``) is read only once the caller has shown an
administrator's token: the route declares no form parameters, which FastAPI would read before any
dependency ran, and `uploaded_extract` reads the form after `Admin`.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from bratasena.api.deps import Admin, AppDep, WaitingViewsDep
from bratasena.domain.errors import InvalidInputError
from bratasena.integration.registry_import import ImportReport, import_registry_file

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])

MAX_ERRORS_SHOWN = 1000
"""Row errors returned in the answer; an extract with more is better fixed at its source."""


class RowErrorOut(BaseModel):
    """Why one cell of one row was refused (line 1 is the header)."""

    line: int
    column: str
    registry_id: str
    reason: str


class ImportReconciliationOut(BaseModel):
    """What comparing the extract with the decisions taken here recorded on the households."""

    reconciled: bool
    refused: str | None
    """Why the extract was not reconciled: its period is older than one already reconciled."""
    removals_confirmed: int
    removals_not_applied: int
    reactivations_not_applied: int
    left_registry_elsewhere: int
    returned_to_registry: int


class ImportOut(BaseModel):
    """What the import did with the rows; bad rows are listed, good ones were saved."""

    rows_read: int
    registered: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowErrorOut]
    errors_total: int
    reconciliation: ImportReconciliationOut


@dataclass(frozen=True)
class Upload:
    """An uploaded extract saved to a private temporary folder, with its form fields."""

    path: Path
    source: str
    period: str


UPLOAD_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["file", "source", "period"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "the extract, CSV (UTF-8) or XLSX",
        },
        "source": {"type": "string", "maxLength": 10, "description": "dtks or dtsen"},
        "period": {
            "type": "string",
            "maxLength": 10,
            "description": "the extract's month, YYYY-MM",
        },
    },
}
"""The multipart form, documented by hand: the route reads it itself (see the module docstring)."""


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > 10:
        raise InvalidInputError(f"{name}: give the {name} (at most 10 characters)", field=name)
    return value


async def uploaded_extract(who: Admin, request: Request) -> AsyncIterator[Upload]:
    """The upload, read after the caller proved to be an administrator; removed afterwards."""
    try:
        form = await request.form(max_files=1, max_fields=10)
    except HTTPException as error:
        # Starlette refuses a malformed multipart body (too many fields or files, a broken
        # boundary) with a bare 400: it is invalid input, said where.
        if error.status_code != 400:
            raise
        raise InvalidInputError(
            f"body: the upload form could not be read ({error.detail}); send the fields file, "
            "source and period, once each",
            field="body",
        ) from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInputError(
                "file: attach the extract as the form field 'file'", field="file"
            )
        source, period = _field(form, "source"), _field(form, "period")
        suffix = Path(file.filename or "extract.csv").suffix.lower()[:8] or ".csv"
        with tempfile.TemporaryDirectory(prefix="bratasena-import-") as folder:
            path = Path(folder) / f"extract{suffix}"
            with path.open("wb") as out:
                while chunk := await file.read(1 << 20):
                    out.write(chunk)
            yield Upload(path, source, period)

    finally:
        await form.close()


UploadDep = Annotated[Upload, Depends(uploaded_extract)]


@router.post(
    "/imports",
    status_code=201,
    operation_id="importRegistry",
    summary="Import a DTKS/DTSEN extract (CSV or XLSX)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": UPLOAD_FORM}},
        }
    },
)
def import_extract(upload: UploadDep, who: Admin, app: AppDep, views: WaitingViewsDep) -> ImportOut:
    """Importing the same file again adds nothing; every bad row is reported with its line."""
    report = import_registry_file(
        app,
        upload.path,
        source=upload.source,
        period=upload.period,
        actor=who.username,
        error_report=upload.path.with_name("errors.csv"),
    )
    views.caught_up(report.position)
    return ImportOut(
        rows_read=report.rows_read,
        registered=report.registered,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        errors=_row_errors(report.error_report),
        errors_total=report.errors,
        reconciliation=_reconciliation(report),
    )


def _reconciliation(report: ImportReport) -> ImportReconciliationOut:
    found = report.reconciled
    return ImportReconciliationOut(
        reconciled=report.reconciliation_refused is None,
        refused=report.reconciliation_refused,
        removals_confirmed=found.get("RemovalConfirmed", 0),
        removals_not_applied=found.get("RemovalNotApplied", 0),
        reactivations_not_applied=found.get("ReactivationNotApplied", 0),
        left_registry_elsewhere=found.get("LeftRegistryElsewhere", 0),
        returned_to_registry=found.get("ReturnedToRegistry", 0),
    )


def _row_errors(path: Path | None) -> list[RowErrorOut]:
    """The first `MAX_ERRORS_SHOWN` rows of the error report (cells as written, neutralised)."""
    errors: list[RowErrorOut] = []
    if path is None:
        return errors
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if len(errors) >= MAX_ERRORS_SHOWN:
                break
            errors.append(RowErrorOut.model_validate({**row, "line": int(row["line"])}))
    return errors
