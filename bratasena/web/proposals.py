"""The month's proposal list on paper: the cover letter to the Bupati (PDF) and the BNBA workbook.

The cover letter is printed by WeasyPrint with the letters' fonts and nothing fetched from
elsewhere (see `web.letters`); it names the list, counts its households per district and leaves
signature blocks for the head of office and the Bupati's approval. Supervisors and auditors read
both; the workbook names every household with its KK and NIK in full.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.domain.account import Role
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.errors import DomainError, InvalidInputError, NotFoundError
from bratasena.domain.proposals import ProposalList, cutoff_date
from bratasena.domain.regions import RegionBook
from bratasena.integration.proposal_files import bnba_xlsx
from bratasena.letter_facts import Letterhead
from bratasena.web import labels
from bratasena.web.letters import HERE, _environment, _own_files
from bratasena.web.render import (
    CheckedForm,
    PageError,
    PageRoute,
    need,
    redirect,
    render,
    tanggal,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READERS = (Role.SUPERVISOR, Role.AUDITOR)
DECIDERS = (Role.SUPERVISOR,)
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


def _month(bulan: str) -> str:
    text_ = bulan.strip()
    if len(text_) != 7 or text_[4] != "-" or not (text_[:4] + text_[5:]).isdigit():
        raise PageError(422, "Bulan tidak sah", "Tulis bulan sebagai TTTT-BB, misalnya 2026-05.")
    if not 1 <= int(text_[5:]) <= 12 or not 2000 <= int(text_[:4]) <= 2100:
        raise PageError(422, "Bulan tidak sah", "Tulis bulan sebagai TTTT-BB, misalnya 2026-05.")
    return text_


def _shift(month: str, by: int) -> str:
    count = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{count // 12:04d}-{count % 12 + 1:02d}"


def _page(
    request: Request,
    month: str,
    *,
    status: int = 200,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    app = access.app_of(request)
    try:
        proposal: ProposalList | None = app.get_proposals(month)
    except NotFoundError:
        proposal = None
    return render(
        request,
        "proposals.html",
        status=status,
        month=month,
        previous=_shift(month, -1),
        following=_shift(month, 1),
        cutoff=cutoff_date(month, app.settings.proposal_cutoff_day),
        proposal=proposal,
        message=message,
        errors=errors or {},
        values=values or {},
    )


@router.get("/usulan")
def proposals_page(request: Request, bulan: str = "", ok: str = "") -> Response:
    """The month's proposal list: gather it, read it, record the Bupati's approval."""
    need(request, *READERS)
    app = access.app_of(request)
    month = _month(bulan) if bulan else jakarta_date(app.clock()).strftime("%Y-%m")
    message = {
        "susun": "Daftar usulan sudah disusun.",
        "sah": "Pengesahan Bupati sudah dicatat.",
    }.get(ok)
    return _page(request, month, message=message)


@router.post("/usulan/{bulan}/susun")
def prepare(request: Request, bulan: str, form: CheckedForm) -> Response:
    """Gather the month's list (from its cut-off day on)."""
    who = need(request, *DECIDERS)
    month = _month(bulan)
    try:
        access.app_of(request).prepare_proposals(month, actor=who.username)
    except DomainError as error:
        return _page(request, month, status=422, errors={"form": labels.error_text(error)})
    return redirect(f"/usulan?bulan={month}&ok=susun")


@router.post("/usulan/{bulan}/pengesahan")
def approve(request: Request, bulan: str, form: CheckedForm) -> Response:
    """Record the Bupati's SK approving the list; a refusal shows at its field."""
    who = need(request, *DECIDERS)
    month = _month(bulan)
    values = {"tanggal": text(form, "tanggal"), "nomor": text(form, "nomor")}
    try:
        try:
            approved_on = date.fromisoformat(values["tanggal"])
        except ValueError:
            raise InvalidInputError(
                "approved_on: give the SK's date", field="approved_on"
            ) from None
        access.app_of(request).approve_proposals(
            month, approved_on=approved_on, sk_number=values["nomor"], actor=who.username
        )
    except DomainError as error:
        field = error.field if error.field in ("approved_on", "sk_number") else "form"
        return _page(
            request, month, status=422, errors={field: labels.error_text(error)}, values=values
        )
    return redirect(f"/usulan?bulan={month}&ok=sah")
