"""A case's history in plain Indonesian, read from its events; the complainant only when allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bratasena.application import AuditEvent
from bratasena.domain.identity import mask_number
from bratasena.domain.regions import RegionBook
from bratasena.web import labels
from bratasena.web.render import tanggal

COMPLAINANT = "Pelapor"
"""Who a filing is credited to for roles that may not know the complainant."""


@dataclass(frozen=True)
class Step:
    """One step of the timeline."""

    at: datetime
    label: str
    actor: str
    text: str


@dataclass(frozen=True)
class Report:
    """One filing or corroboration and who made it (supervisors and auditors only)."""

    at: datetime
    channel: str
    filed_by: str
    reporter: dict[str, Any] | None
    description: str


def _reasons(codes: list[str]) -> str:
    return ", ".join(labels.REASON.get(c, c).lower() for c in codes)


def _s(value: str) -> str:
    """A person's words as a sentence inside ours: without their own closing full stop."""
    return value.strip().rstrip(".")


def _day(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return tanggal(value) if isinstance(value, date) else "–"


def steps(history: list[AuditEvent], book: RegionBook) -> list[Step]:
    """The timeline; filings are credited to "Pelapor" whoever reads it (the page shows reports
    separately to those who may see them)."""
    out: list[Step] = []
    for event in history:
        d = event.data
        kind = event.type.removeprefix("Complaint.")
        actor = event.actor
        if kind == "Filed":
            channel = labels.CHANNEL.get(d["channel"], d["channel"])
            text = f"Aduan diterima melalui {channel}. Alasan: {_reasons(d['reasons'])}."
            if not d.get("household_id"):
                text += " Keluarga belum dicocokkan dengan data terdaftar."
            out.append(Step(event.recorded_at, "Aduan diterima", COMPLAINANT, text))
        elif kind == "Corroborated":
            channel = labels.CHANNEL.get(d["channel"], d["channel"])
            text = (
                f"Aduan lain tentang keluarga yang sama digabungkan (melalui {channel}). "
                f"Alasan: {_reasons(d['reasons'])}."
            )
            out.append(Step(event.recorded_at, "Aduan tambahan", COMPLAINANT, text))
        elif kind == "HouseholdIdentified":
            code = d["village_code"]
            where = book.village(code).name if book.has_village(code) else code
            text = f"Dicocokkan dengan keluarga terdaftar di desa {where}."
            out.append(Step(event.recorded_at, "Keluarga dicocokkan", actor, text))
        elif kind == "Assigned":
            text = f"Ditugaskan kepada {d['officer']}."
            out.append(Step(event.recorded_at, "Ditugaskan", actor, text))
        elif kind == "Investigated":
            findings = "; ".join(
                f"{labels.REASON.get(code, code)}: {_s(finding)}"
                for code, finding in d["findings"].items()
            )
            recommendation = labels.RECOMMENDATION.get(d["recommendation"], d["recommendation"])
            text = (
                f"Kunjungan lapangan pada {_day(d['visited_on'])}. Temuan — {findings}. "
                f"Rekomendasi: {recommendation}."
            )
            if d.get("notes"):
                text += f" Catatan: {_s(d['notes'])}."
            out.append(Step(event.recorded_at, "Verifikasi lapangan", actor, text))
        elif kind == "NoticeIssued":
            text = (
                f"Pemberitahuan dikirim kepada keluarga; batas tanggapan {_day(d['response_due'])}."
            )
            out.append(Step(event.recorded_at, "Pemberitahuan", actor, text))
        elif kind == "ResponseRecorded":
            text = f"Keluarga menanggapi pada {_day(d['received_on'])}: {d['statement']}"
            out.append(Step(event.recorded_at, "Tanggapan keluarga", actor, text))
        elif kind == "Upheld":
            text = (
                f"Aduan dikabulkan: {_s(d['reason']) or 'tanpa keterangan'}. Keluarga "
                f"dinonaktifkan mulai {labels.month_label(d['effective_month'])}."
            )
            out.append(Step(event.recorded_at, "Dikabulkan", actor, text))
        elif kind in ("Rejected", "Withdrawn", "AppealDenied"):
            label = {
                "Rejected": "Ditolak",
                "Withdrawn": "Dicabut",
                "AppealDenied": "Keberatan ditolak",
            }
            out.append(Step(event.recorded_at, label[kind], actor, f"Alasan: {_s(d['reason'])}."))
        elif kind == "Appealed":
            text = f"Keluarga mengajukan keberatan pada {_day(d['filed_on'])}: {d['grounds']}"
            out.append(Step(event.recorded_at, "Keberatan", actor, text))
        elif kind == "AppealGranted":
            text = f"Keberatan dikabulkan: {_s(d['reason'])}. Keluarga diaktifkan kembali."
            out.append(Step(event.recorded_at, "Keberatan dikabulkan", actor, text))
    return out


def reports(history: list[AuditEvent]) -> list[Report]:
    """Who filed and corroborated, with their words: only for roles that see the complainant."""
    return [
        Report(
            at=e.recorded_at,
            channel=labels.CHANNEL.get(e.data["channel"], e.data["channel"]),
            filed_by=labels.ROLE["public"] if e.actor == "public" else e.actor,
            reporter=e.data.get("reporter"),
            description=e.data.get("description", ""),
        )
        for e in history
        if e.type in ("Complaint.Filed", "Complaint.Corroborated")
    ]


def subject_of(history: list[AuditEvent], full_numbers: bool) -> dict[str, str]:
    """The household the complaint names, as the complainant described it (numbers masked)."""
    subject: dict[str, Any] = dict(history[0].data.get("subject") or {})
    for key in ("nik", "kk_number"):
        if subject.get(key) and not full_numbers:
            subject[key] = mask_number(subject[key])
    return {k: str(v) for k, v in subject.items()}
