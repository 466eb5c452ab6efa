"""A case's letters: list, issue, record delivery, and download each PDF byte for byte as issued.

A letter number contains ``/`` (``400.9/123/2026``); in a path it is written with ``_`` instead
(``400.9_123_2026``), which no number contains: `domain.letters.letter_key`.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from bratasena.api.deps import (
    AppDep,
    CaseReader,
    IfMatch,
    MayIssueLetter,
    MayRecordDelivery,
    ScopedCase,
    WaitingViewsDep,
)
from bratasena.api.routers.cases import CommandOut, answer
from bratasena.api.schemas import DeliveryIn, LetterIn
from bratasena.domain.letters import DeliveryMethod, Letter, LetterKind, letter_key, number_of_key

router = APIRouter(prefix="/api/v1/cases", tags=["letters"])

PDF = "application/pdf"


class LetterOut(BaseModel):
    """A letter of the case as issued, and its delivery once recorded."""

    kind: LetterKind
    number: str
    key: str = Field(description="the number as it goes in a path: each / written _")
    issued_on: date
    delivery_on: date | None = Field(
        description="a decision letter's stated handover day (its objection deadline counts "
        "from it)"
    )
    sha256: str = Field(description="hex SHA-256 of the PDF; every download is these bytes")
    template: str
    delivered_on: date | None
    delivery_method: DeliveryMethod | None
    pdf: str = Field(description="where to download the PDF")


class LetterCommandOut(CommandOut):
    """A letter command's result: the letter, and the case as projected after it."""

    letter: LetterOut


def letter_out(complaint_id: UUID, letter: Letter) -> LetterOut:
    """A letter as the API shows it."""
    key = letter_key(letter.number)
    return LetterOut(
        kind=letter.kind,
        number=letter.number,
        key=key,
        issued_on=letter.issued_on,
        delivery_on=letter.delivery_on,
        sha256=letter.sha256,
        template=letter.template,
        delivered_on=letter.delivered_on,
        delivery_method=letter.method,
        pdf=f"/api/v1/cases/{complaint_id}/letters/{key}.pdf",
    )


@router.get("/{complaint_id}/letters", operation_id="listLetters", summary="The case's letters")
def letters(who: CaseReader, case: ScopedCase) -> list[LetterOut]:
    """In the order they were issued."""
    return [letter_out(case.id, letter) for letter in case.letters.values()]


@router.post("/{complaint_id}/letters", operation_id="issueLetter", summary="Issue a letter")
def issue(
    who: MayIssueLetter,
    case: ScopedCase,
    body: LetterIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> LetterCommandOut:
    """Numbered from the year's register and printed once; its PDF's SHA-256 is recorded. The
    letters due depend on the stage: notice (after the notice), field_report (after the field
    check), decision (after the decision), appeal_decision (after the objection's decision)."""
    outcome = app.issue_letter(
        case.id, version, kind=body.kind, delivery_on=body.delivery_on, actor=who.username
    )
    assert outcome.letter is not None
    command = answer(app, views, outcome, who, response)
    return LetterCommandOut(**vars(command), letter=letter_out(case.id, outcome.letter))


@router.post(
    "/{complaint_id}/letters/{key}/delivery",
    operation_id="recordLetterDelivery",
    summary="Record a letter's delivery",
)
def deliver(
    key: str,
    who: MayRecordDelivery,
    case: ScopedCase,
    body: DeliveryIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> LetterCommandOut:
    """The delivery of the decision letter of an uphold opens the objection window: 21 working
    days from that day."""
    outcome = app.record_delivery(
        case.id,
        version,
        number=number_of_key(key),
        delivered_on=body.delivered_on,
        method=body.method,
        actor=who.username,
    )
    assert outcome.letter is not None
    command = answer(app, views, outcome, who, response)
    return LetterCommandOut(**vars(command), letter=letter_out(case.id, outcome.letter))


@router.get(
    "/{complaint_id}/letters/{key}.pdf",
    operation_id="downloadLetter",
    summary="A letter's PDF",
    response_class=Response,
    responses={200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}}}}},
)
def download(key: str, who: CaseReader, case: ScopedCase, app: AppDep) -> Response:
    """Printed again from what was recorded at issue, the same bytes (checked against the
    recorded SHA-256)."""
    letter, pdf = app.letter_pdf(case.id, number_of_key(key))
    return Response(
        pdf,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="surat-{letter_key(letter.number)}.pdf"',
            "ETag": f'"{letter.sha256}"',
            "Cache-Control": "no-store",
        },
    )
