"""The month's proposal list (usulan penonaktifan): gathered, read with its BNBA, approved."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bratasena.api.deps import AppDep, ReportReader, Supervisor
from bratasena.domain.proposals import ProposalList
from bratasena.integration.proposal_files import bnba_xlsx

router = APIRouter(prefix="/api/v1/proposals", tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Month = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class ProposalItemOut(BaseModel):
    """A household in the list, by name and address (BNBA), KK and NIK in full."""

    number: int = Field(description="its number in the list, from 1")
    registry_id: str
    kk_number: str
    head_nik: str
    head_name: str
    address: str
    village_code: str
    reason_codes: list[str]
    decision_number: str = Field(description="the decision letter's number (empty if none)")


class ProposalOut(BaseModel):
    """A month's list and its approval (``sk_number`` null until the Bupati approved it)."""

    month: str
    number: str
    cutoff: date
    approved_on: date | None
    sk_number: str | None
    version: int
    items: list[ProposalItemOut]


class ProposalIn(BaseModel):
    """Which month's list to gather (this month in Asia/Jakarta when left out)."""

    month: str | None = Field(default=None, max_length=7, description="YYYY-MM")


class ApprovalIn(BaseModel):
    """The Bupati's decree (SK) approving the list."""

    approved_on: date
    sk_number: str = Field(max_length=100)


def _out(proposal: ProposalList) -> ProposalOut:
    return ProposalOut(
        month=proposal.month,
        number=proposal.number,
        cutoff=proposal.cutoff,
        approved_on=proposal.approved_on,
        sk_number=proposal.sk_number,
        version=proposal.version,
        items=[
            ProposalItemOut.model_validate({"number": n, **item})
            for n, item in enumerate(proposal.items, start=1)
        ],
    )


@router.post(
    "",
    status_code=201,
    operation_id="prepareProposals",
    summary="Gather the month's upheld deactivations into its proposal list",
)
def prepare(body: ProposalIn, who: Supervisor, app: AppDep) -> ProposalOut:
    """From the cut-off day on; every deactivation is proposed once."""
    outcome = app.prepare_proposals(body.month, actor=who.username)
    return _out(app.proposal_list(outcome.id))


@router.get(
    "/{month}",
    operation_id="getProposals",
    summary="A month's proposal list (JSON, or the BNBA workbook)",
    response_model=ProposalOut,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def read(
    month: Month, who: ReportReader, app: AppDep, format: Literal["json", "xlsx"] = "json"
) -> ProposalOut | Response:
    """The households by name and address, with their decision letters' numbers."""
    proposal = app.get_proposals(month)
    if format == "xlsx":
        return Response(
            bnba_xlsx(proposal, app.regions),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="usulan-{month}.xlsx"'},
        )
    return _out(proposal)


@router.post(
    "/{month}/approval",
    operation_id="approveProposals",
    summary="Record the Bupati's approval (SK) of a month's list",
)
def approve(month: Month, body: ApprovalIn, who: Supervisor, app: AppDep) -> ProposalOut:
    """Once per list, with the SK's date and a number."""
    app.approve_proposals(
        month, approved_on=body.approved_on, sk_number=body.sk_number, actor=who.username
    )
    return _out(app.get_proposals(month))
