"""The month's proposal list on paper: the cover letter to the Bupati (PDF) and the BNBA workbook.

The cover letter is printed by WeasyPrint with the letters' fonts and nothing fetched from
elsewhere (see `web.letters`); it names the list, counts its households per district and leaves
signature blocks for the head of office and the Bupati's approval. Supervisors and auditors read
both; the workbook names every household with its KK and NIK in full.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.domain.account import Role
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.proposals import ProposalList
from bratasena.domain.regions import RegionBook
from bratasena.integration.proposal_files import bnba_xlsx
from bratasena.letter_facts import Letterhead
from bratasena.web import labels
from bratasena.web.letters import HERE, _environment, _own_files
from bratasena.web.render import PageRoute, need, tanggal

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READERS = (Role.SUPERVISOR, Role.AUDITOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cover_letter(
    proposal: ProposalList, letterhead: Letterhead, regions: RegionBook, today: Any
) -> dict[str, Any]:
    """What the cover letter shows, worded as printed."""
    districts: Counter[str] = Counter()
    for item in proposal.items:
        code = item["village_code"]
        districts[regions.village(code).district_name if regions.has_village(code) else code] += 1
    regency = regions.regency.name
    approval = (
        f"SK Nomor {proposal.sk_number} tanggal {tanggal(proposal.approved_on)}"
        if proposal.sk_number and proposal.approved_on
        else "SK Nomor ........ tanggal ........"
    )
    return {
        "government": letterhead.government,
        "office": letterhead.office.upper(),
        "address": letterhead.address,
        "contact": letterhead.contact,
        "place_date": f"{letterhead.city}, {tanggal(today)}",
        "number": proposal.number,
        "month": labels.month_label(proposal.month),
        "cutoff": tanggal(proposal.cutoff),
        "count": len(proposal.items),
        "districts": sorted(districts.items()),
        "addressee": f"Bupati {regency.split(' ', 1)[-1]}",
        "approver_title": f"BUPATI {regency.split(' ', 1)[-1].upper()}",
        "approver_name": "(................................)",
        "approval": approval,
        "head_title": letterhead.head_title,
        "head_name": letterhead.head_name,
        "head_nip": letterhead.head_nip,
    }


def cover_letter_pdf(content: dict[str, Any]) -> bytes:
    """The cover letter printed to PDF (no creation date or random identifier in it)."""
    from weasyprint import HTML

    html = _environment().get_template("proposals/cover.html").render(c=content)
    pdf: bytes = HTML(string=html, base_url=str(HERE), url_fetcher=_own_files()).write_pdf(
        pdf_identifier=None
    )
    return pdf


@router.get("/usulan/{bulan}.pdf")
def cover_pdf(request: Request, bulan: str) -> Response:
    """The month's cover letter for the Bupati's approval."""
    need(request, *READERS)
    app = access.app_of(request)
    proposal = app.get_proposals(bulan)
    content = cover_letter(proposal, app.letterhead(), app.regions, jakarta_date(app.clock()))
    return Response(
        cover_letter_pdf(content),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="usulan-{proposal.month}.pdf"'},
    )


@router.get("/usulan/{bulan}.xlsx")
def bnba(request: Request, bulan: str) -> Response:
    """The month's list by name and address, for upload or hand-over."""
    need(request, *READERS)
    app = access.app_of(request)
    proposal = app.get_proposals(bulan)
    return Response(
        bnba_xlsx(proposal, app.regions),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="usulan-{proposal.month}.xlsx"'},
    )
