"""A case's history in plain Indonesian, read from its events; the complainant only when allowed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bratasena.application import AuditEvent
from bratasena.domain.complaint import Step
from bratasena.domain.filing import PUBLIC
from bratasena.domain.identity import mask_number
from bratasena.domain.regions import RegionBook
from bratasena.projections import TimelineEntry
from bratasena.projections.case_steps import COMPLAINANT as VIEW_COMPLAINANT
from bratasena.web import labels, people
from bratasena.web.render import tanggal

COMPLAINANT = people.COMPLAINANT
"""Who a filing is credited to for roles that may not know the complainant."""


@dataclass(frozen=True)
class Line:
    """One step of the timeline as the page shows it."""

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
    return ", ".join(labels.reason_phrase(c) for c in codes)


def _s(value: str) -> str:
    """A person's words as a sentence inside ours: without their own closing full stop."""
    return value.strip().rstrip(".")


def _day(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return tanggal(value) if isinstance(value, date) else "–"


def _filed(f: dict[str, Any], book: RegionBook) -> str:
    channel = labels.CHANNEL.get(f["channel"], f["channel"])
    text = f"Aduan diterima melalui {channel}. Alasan: {_reasons(f['reasons'])}."
    if not f.get("household_id"):
        text += " Keluarga belum dicocokkan dengan data terdaftar."
    return text


def _corroborated(f: dict[str, Any], book: RegionBook) -> str:
    if f.get("joined_from"):
        return (
            f"Aduan {f['joined_from']} tentang keluarga yang sama digabungkan ke kasus ini saat "
            f"keluarganya dicocokkan. Alasan: {_reasons(f['reasons'])}."
        )
    channel = labels.CHANNEL.get(f["channel"], f["channel"])
    return (
        f"Aduan lain tentang keluarga yang sama digabungkan (melalui {channel}). "
        f"Alasan: {_reasons(f['reasons'])}."
    )


def _where(code: str, book: RegionBook) -> str:
    return book.village(code).name if book.has_village(code) else code


def _confirmed(f: dict[str, Any]) -> str:
    if not f.get("concerns"):
        return ""
    found = " dan ".join(labels.CONCERN.get(c, c) for c in f["concerns"])
    return f" Dikonfirmasi walau {found}: {_s(f['confirmation'])}."


def _identified(f: dict[str, Any], book: RegionBook) -> str:
    where = _where(f["village_code"], book)
    return f"Dicocokkan dengan keluarga terdaftar di desa {where}.{_confirmed(f)}"


def _rematched(f: dict[str, Any], book: RegionBook) -> str:
    where = _where(f["village_code"], book)
    return (
        f"Dicocokkan ulang dengan keluarga terdaftar lain di desa {where}: {_s(f['reason'])}. "
        f"Verifikasi lapangan, pemberitahuan dan tanggapan diulang.{_confirmed(f)}"
    )


def _upheld(f: dict[str, Any], book: RegionBook) -> str:
    codes = f.get("reason_codes") or []
    proven = f" Alasan yang terbukti: {_reasons(codes)}." if codes else ""
    return (
        f"Aduan dikabulkan: {_s(f['reason']) or 'tanpa keterangan'}.{proven} Keluarga "
        f"dinonaktifkan mulai {labels.month_label(f['effective_month'])}."
    )


def _letter_issued(f: dict[str, Any], book: RegionBook) -> str:
    title = labels.LETTER.get(f["kind"], f["kind"])
    text = f"{title} nomor {f['number']}."
    if f.get("delivery_on"):
        text += f" Diserahkan pada {_day(f['delivery_on'])}."
    return text


def _letter_delivered(f: dict[str, Any], book: RegionBook) -> str:
    title = labels.LETTER.get(f["kind"], f["kind"])
    how = labels.DELIVERY.get(f["method"], f["method"])
    return f"{title} nomor {f['number']} {how} pada {_day(f['delivered_on'])}."


def _investigated(f: dict[str, Any], book: RegionBook) -> str:
    findings = "; ".join(
        f"{labels.REASON.get(code, code)}: {_s(finding)}" for code, finding in f["findings"].items()
    )
    recommendation = labels.RECOMMENDATION.get(f["recommendation"], f["recommendation"])
    text = (
        f"Kunjungan lapangan pada {_day(f['visited_on'])}. Temuan — {findings}. "
        f"Rekomendasi: {recommendation}."
    )
    if f.get("notes"):
        text += f" Catatan: {_s(f['notes'])}."
    return text


INDONESIAN: dict[Step, Callable[[dict[str, Any], RegionBook], str]] = {
    Step.FILED: _filed,
    Step.CORROBORATED: _corroborated,
    Step.HOUSEHOLD_IDENTIFIED: _identified,
    Step.HOUSEHOLD_REMATCHED: _rematched,
    Step.JOINED: lambda f, book: (
        f"Keluarga ini sedang diperiksa dalam kasus {f['tracking_code']}; aduan ini "
        "digabungkan ke kasus tersebut."
    ),
    Step.ASSIGNED: lambda f, book: f"Ditugaskan kepada {f['officer']}.",  # a name by `steps`
    Step.REASSIGNED: lambda f, book: (
        f"Dialihkan dari {f['previous_officer']} kepada {f['officer']}. Alasan: {_s(f['reason'])}."
    ),
    Step.INVESTIGATED: _investigated,
    Step.NOTICE_ISSUED: lambda f, book: (
        f"Pemberitahuan dikirim kepada keluarga; batas tanggapan {_day(f['response_due'])}."
    ),
    Step.RESPONSE_RECORDED: lambda f, book: (
        f"Keluarga menanggapi pada {_day(f['received_on'])}: {f['statement']}"
    ),
    Step.UPHELD: _upheld,
    Step.REJECTED: lambda f, book: f"Alasan: {_s(f['reason'])}.",
    Step.WITHDRAWN: lambda f, book: f"Alasan: {_s(f['reason'])}.",
    Step.APPEALED: lambda f, book: (
        f"Keluarga mengajukan keberatan pada {_day(f['filed_on'])}: {f['grounds']}"
    ),
    Step.APPEAL_GRANTED: lambda f, book: (
        f"Keberatan dikabulkan: {_s(f['reason'])}. Keluarga diaktifkan kembali."
    ),
    Step.APPEAL_DENIED: lambda f, book: f"Alasan: {_s(f['reason'])}.",
    Step.LETTER_ISSUED: _letter_issued,
    Step.LETTER_DELIVERED: _letter_delivered,
    Step.EVIDENCE_ATTACHED: lambda f, book: (
        f"{labels.EVIDENCE_KIND.get(f['kind'], f['kind'])} "
        f"({labels.EVIDENCE_STAGE.get(f['stage'], f['stage'])}), "
        f"SHA-256 {f['sha256'][:12]}…."
    ),
    Step.EVIDENCE_WITHDRAWN: lambda f, book: (
        f"Lampiran {str(f['evidence_id'])[:8]} ditarik: {_s(f['reason'])}."
    ),
}
"""One Indonesian sentence per step, from the step's fields."""


PEOPLE = ("officer", "previous_officer")
"""Fields of a step that name an account by its username."""


def steps(
    entries: list[TimelineEntry], book: RegionBook, names: Callable[[str], str] = str
) -> list[Line]:
    """The timeline in Indonesian; filings are credited to "Pelapor" whoever reads it (the page
    shows who complained separately, to those who may see it); accounts by ``names`` (the full
    name and role, `people.Names`)."""
    return [
        Line(
            at=entry.at,
            label=labels.STEP_TITLE[entry.step],
            actor=COMPLAINANT if entry.actor == VIEW_COMPLAINANT else names(entry.actor),
            text=INDONESIAN[entry.step](_named(entry, names), book),
        )
        for entry in entries
    ]


def _named(entry: TimelineEntry, names: Callable[[str], str]) -> dict[str, Any]:
    """The step's fields with the accounts it names (assignee, previous assignee) as names."""
    people = {k: names(v) for k, v in entry.fields.items() if k in PEOPLE and v}
    return {**entry.fields, **people} if people else entry.fields


def reports(history: list[AuditEvent], names: Callable[[str], str] = str) -> list[Report]:
    """Who filed and corroborated, with their words: only for roles that see the complainant."""
    return [
        Report(
            at=e.recorded_at,
            channel=labels.CHANNEL.get(e.data["channel"], e.data["channel"]),
            filed_by=COMPLAINANT if e.actor == PUBLIC else names(e.actor),
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
