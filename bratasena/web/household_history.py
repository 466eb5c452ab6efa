"""A household's history as the household page tells it: what each registry extract said of its
desil, members, programmes and address, and each change of its eligibility, in Indonesian.

Read from the household's stored events (`Bratasena.history`); KK and NIK numbers, which the
extracts also carry, are never shown here: a change of either is only named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bratasena.application import AuditEvent
from bratasena.web import labels

SHOWN = ("desil", "members", "programs", "address", "head_name", "village_code")
"""The registry facts a line states (the numbers only as "changed")."""


@dataclass(frozen=True)
class RegistryLine:
    """What one extract registered or changed."""

    at: datetime
    period: str
    source: str
    first: bool
    facts: list[tuple[str, str]]
    """(label, value) of each fact stated or changed."""


@dataclass(frozen=True)
class StatusLine:
    """One change of the household's eligibility."""

    at: datetime
    label: str
    text: str
    complaint_id: str | None


def _value(name: str, value: Any, village_name: Any) -> str:
    if name == "programs":
        return ", ".join(value) if value else "tidak ada"
    if name == "members":
        return f"{value} orang"
    if name == "village_code":
        return str(village_name(value))
    return str(value)


def registry_lines(history: list[AuditEvent], village_name: Any) -> list[RegistryLine]:
    """The registered facts, then each extract's changes (programme history included)."""
    lines = []
    for event in history:
        if event.type == "Household.Registered":
            facts = {k: event.data[k] for k in SHOWN if k in event.data}
            first = True
        elif event.type == "Household.RegistryUpdated":
            facts = dict(event.data.get("changes") or {})
            first = False
        else:
            continue
        shown = [
            (labels.REGISTRY_FACT[name], _value(name, facts[name], village_name))
            for name in SHOWN
            if name in facts
        ]
        shown += [
            (labels.REGISTRY_FACT[name], "diperbarui")
            for name in ("kk_number", "head_nik")
            if name in facts and not first
        ]
        lines.append(
            RegistryLine(
                at=event.recorded_at,
                period=str(event.data.get("period", "")),
                source=str(event.data.get("source", "")).upper(),
                first=first,
                facts=shown,
            )
        )
    return lines


def status_lines(history: list[AuditEvent]) -> list[StatusLine]:
    """Each deactivation and reactivation, with the month it takes effect."""
    lines = []
    for event in history:
        data = event.data
        if event.type == "Household.Deactivated":
            reasons = ", ".join(labels.reason_phrase(c) for c in data.get("reason_codes") or [])
            text = f"Mulai {labels.month_label(data['effective_month'])}"
            lines.append(
                StatusLine(
                    at=event.recorded_at,
                    label="Dinonaktifkan",
                    text=f"{text}; alasan yang terbukti: {reasons}." if reasons else f"{text}.",
                    complaint_id=str(data["complaint_id"]),
                )
            )
        elif event.type == "Household.Reactivated":
            cause = labels.REACTIVATION_CAUSE.get(data["cause"], data["cause"])
            lines.append(
                StatusLine(
                    at=event.recorded_at,
                    label="Diaktifkan kembali",
                    text=f"Mulai {labels.month_label(data['effective_month'])}; {cause}.",
                    complaint_id=str(data["complaint_id"]) if data.get("complaint_id") else None,
                )
            )
    return lines
