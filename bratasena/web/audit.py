"""The audit page for people: every stored event of a case in Indonesian, and its exports.

Each event shows its title, when (``29 November 2026, 17.34 WIB``), who (the account's full name
and role), and its stored fields as labelled values: reason codes, villages, dates and letter
kinds in words, never a Python repr. Ids (UUIDs, event types) only when asked (``?rinci=1``).
The chain value of the last event is the API's (`bratasena.canonical.export`), so a person can
compare it with a later export. The same history downloads as a PDF (WeasyPrint with the letters'
fonts) and as the API's JSON export.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.application import AuditEvent, Bratasena
from bratasena.canonical import export
from bratasena.domain.account import Role
from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import NotFoundError
from bratasena.domain.regions import RegionBook
from bratasena.web import labels, people
from bratasena.web.letters import print_pdf
from bratasena.web.render import PageRoute, environment, need, render, tanggal, waktu

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FIELD: dict[str, str] = {
    "tracking_code": "Kode lacak",
    "channel": "Saluran",
    "household_id": "Keluarga",
    "village_code": "Desa/kelurahan",
    "subject": "Keluarga yang diadukan",
    "registry_id": "Nomor registrasi",
    "nik": "NIK",
    "kk_number": "Nomor KK",
    "name": "Nama",
    "address": "Alamat",
    "phone": "Telepon",
    "reasons": "Alasan aduan",
    "description": "Uraian",
    "reporter": "Pelapor",
    "officer": "Ditugaskan kepada",
    "visited_on": "Tanggal kunjungan",
    "findings": "Temuan",
    "recommendation": "Rekomendasi",
    "notes": "Catatan",
    "response_due": "Batas tanggapan",
    "statement": "Isi tanggapan",
    "received_on": "Tanggal diterima",
    "reason": "Alasan",
    "reason_codes": "Alasan yang terbukti",
    "effective_month": "Berlaku mulai",
    "kind": "Jenis surat",
    "number": "Nomor surat",
    "sequence": "Nomor urut",
    "issued_on": "Tanggal surat",
    "delivery_on": "Tanggal penyerahan tertulis",
    "delivered_on": "Tanggal penyerahan",
    "method": "Cara penyerahan",
    "sha256": "Sidik SHA-256",
    "template": "Tata letak",
    "content": "Isi surat",
    "grounds": "Alasan keberatan",
    "filed_on": "Tanggal keberatan",
    "concerns": "Perbedaan dengan aduan",
    "confirmation": "Alasan pencocokan",
    "joined_from": "Digabungkan dari",
    "into": "Digabungkan ke",
}
"""The label of each stored field; a field without one is named by its key in words."""

HIDDEN = frozenset({"actor"})
"""Shown elsewhere on the line (who did it)."""

CODE_WORDS: dict[str, dict[str, str]] = {
    "channel": labels.CHANNEL,
    "reasons": labels.REASON,
    "reason_codes": labels.REASON,
    "recommendation": labels.RECOMMENDATION,
    "kind": labels.LETTER,
    "method": labels.DELIVERY,
    "concerns": labels.CONCERN,
}
"""Fields whose values are codes, and the words for them."""


@dataclass(frozen=True)
class Value:
    """One labelled field: plain text, or nested fields (a subject, a reporter, findings)."""

    label: str
    text: str = ""
    parts: list[Value] = field(default_factory=list)
    link: str = ""


@dataclass(frozen=True)
class Entry:
    """One stored event as a person reads it."""

    number: int
    title: str
    at: str
    actor: str
    values: list[Value]
    type: str
    chain: str


class Reader:
    """Words a case's stored fields for people, resolving villages and accounts once each."""

    def __init__(self, app: Bratasena, book: RegionBook, ids: bool) -> None:
        self.app, self.book, self.ids = app, book, ids
        self.people = people.Names(app)

    def entry(self, event: AuditEvent, exported: dict[str, Any]) -> Entry:
        return Entry(
            number=event.version,
            title=labels.STEP_TITLE[event.step] if event.step else _words(event.type),
            at=waktu(event.recorded_at),
            actor=self.people.actor(event.actor),
            values=[
                v
                for key, value in event.data.items()
                if key not in HIDDEN and (v := self.value(key, value)) is not None
            ],
            type=event.type,
            chain=exported["chain"],
        )

    def value(self, key: str, value: Any) -> Value | None:
        label = FIELD.get(key, _words(key).capitalize())
        if isinstance(value, UUID):
            if key == "household_id":
                return Value(label, "lihat keluarga", link=f"/rumah-tangga/{value}")
            return Value(label, str(value)) if self.ids else None
        if key == "content":
            return Value(label, "disimpan bersama surat (diperiksa dengan sidik SHA-256)")
        if key == "findings" and isinstance(value, dict):
            return Value(
                label,
                parts=[Value(labels.REASON.get(str(k), str(k)), str(v)) for k, v in value.items()],
            )
        if key in ("reporter", "subject") and value is None:
            return Value(label, "tanpa nama (anonim)" if key == "reporter" else "–")
        if isinstance(value, dict):
            parts = [v for k, v2 in value.items() if (v := self.value(k, v2)) is not None]
            return Value(label, parts=parts)
        return Value(label, self.text(key, value))

    def text(self, key: str, value: Any) -> str:
        words = CODE_WORDS.get(key, {})
        if isinstance(value, list | tuple | set | frozenset):
            return ", ".join(self.text(key, v) for v in value) or "–"
        if value is None or value == "":
            return "–"
        if isinstance(value, bool):
            return "ya" if value else "tidak"
        if isinstance(value, datetime):
            return waktu(value)
        if isinstance(value, date):
            return tanggal(value)
        if key == "officer":
            return self.people.actor(str(value))
        if key == "village_code" and self.book.has_village(str(value)):
            village = self.book.village(str(value))
            return f"{village.name}, Kecamatan {self.book.district(str(value)[:6]).name}"
        if key == "effective_month":
            return labels.month_label(str(value))
        if isinstance(value, int | float):
            return str(value)
        return words.get(str(value), str(value))


def _words(key: str) -> str:
    """``Complaint.SomethingNew`` or ``some_field`` as words, for what the labels do not know."""
    name = key.rsplit(".", 1)[-1]
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return spaced.replace("_", " ")


def _history(request: Request, complaint_id: UUID) -> tuple[Complaint, list[AuditEvent]]:
    need(request, Role.SUPERVISOR, Role.AUDITOR)
    app = access.app_of(request)
    history = app.history(complaint_id)
    if not history[0].type.startswith("Complaint."):
        raise NotFoundError(f"no complaint with id {complaint_id}")
    return app.get_complaint(complaint_id), history


def _entries(request: Request, history: list[AuditEvent], ids: bool) -> list[Entry]:
    app = access.app_of(request)
    reader = Reader(app, app.regions, ids)
    return [reader.entry(e, x) for e, x in zip(history, export(history), strict=True)]


@router.get("/kasus/{complaint_id}/riwayat")
def audit(request: Request, complaint_id: UUID, rinci: bool = False) -> Response:
    """Every stored event of the case, oldest first, worded for people (audit view)."""
    case, history = _history(request, complaint_id)
    entries = _entries(request, history, rinci)
    return render(request, "audit.html", case=case, entries=entries, ids=rinci)


@router.get("/kasus/{complaint_id}/riwayat.pdf")
def audit_pdf(request: Request, complaint_id: UUID) -> Response:
    """The audit page printed to PDF, with the chain value of the last event."""
    case, history = _history(request, complaint_id)
    entries = _entries(request, history, ids=False)
    html = (
        environment()
        .get_template("audit_pdf.html")
        .render(case=case, entries=entries, regency=access.app_of(request).regions.regency.name)
    )
    return Response(
        print_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="riwayat-{case.tracking_code}.pdf"'},
    )


@router.get("/kasus/{complaint_id}/riwayat.json")
def audit_json(request: Request, complaint_id: UUID) -> Response:
    """The API's export of the case's events (`GET /api/v1/audit/complaints/{id}/events`)."""
    case, history = _history(request, complaint_id)
    body = json.dumps(export(history), ensure_ascii=False, indent=1)
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="riwayat-{case.tracking_code}.json"'
        },
    )
