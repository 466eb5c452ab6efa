"""How each complaint event changes a case-list row, and the timeline step it adds.

The step, the status an event leads to and the fields a timeline may show are the event's own
(`Complaint` declares them); this module only keeps the row's other columns in step. A step is
stored as its code with its fields as JSON, and each edge words it in its own language (the API in
English, the pages in Indonesian), so no text is frozen into the view.

Filings and corroborations are credited to "complainant": the reporter, the filing account and
the complaint's free text never reach the view. Findings and the household's statement do, as
officers need them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

from bratasena.domain.calendar import add_working_days
from bratasena.domain.complaint import EVENTS, STATUSES, Complaint, Step
from bratasena.domain.evidence import EvidenceStage
from bratasena.projections.records import day_text, ts

DECISION_WORKING_DAYS = 30
"""Working days the office gives itself to decide a complaint (or an objection)."""

COMPLAINANT = "complainant"
"""Who filings and corroborations are credited to in the views (never the person)."""


@cache
def decision_due(start: date) -> str:
    """The decision deadline (ISO text) of a complaint or objection filed on ``start``.

    Cached: counting working days one by one against the holiday calendar cost more than
    everything else a rebuild does for a case, and a regency's cases start on a few thousand days.
    """
    return add_working_days(start, DECISION_WORKING_DAYS).isoformat()


def _identified(row: dict[str, Any], event: Any) -> None:
    row["household_id"] = str(event.household_id)
    row["village_code"] = event.village_code
    row["district_code"] = event.village_code[:6]


def _rematched(row: dict[str, Any], event: Any) -> None:
    _identified(row, event)
    row["response_due"] = None  # the notice is given again, with a new deadline


def _corroborated(row: dict[str, Any], event: Any) -> None:
    row["corroborations"] += 1
    known = row["reason_codes"].split(",")
    row["reason_codes"] = ",".join(dict.fromkeys([*known, *event.reasons]))


def _assigned(row: dict[str, Any], event: Any) -> None:
    row["assigned_to"] = event.officer


def _notice(row: dict[str, Any], event: Any) -> None:
    row["response_due"] = day_text(event.response_due)


def _decided(row: dict[str, Any], event: Any) -> None:
    row["decided_at"] = ts(event.timestamp)


def _appealed(row: dict[str, Any], event: Any) -> None:
    row["decision_due"] = decision_due(event.filed_on)


ROW_CHANGES: dict[type, Callable[[dict[str, Any], Any], None]] = {
    Complaint.Corroborated: _corroborated,
    Complaint.HouseholdIdentified: _identified,
    Complaint.HouseholdRematched: _rematched,
    Complaint.Assigned: _assigned,
    Complaint.Reassigned: _assigned,
    Complaint.NoticeIssued: _notice,
    Complaint.Upheld: _decided,
    Complaint.Rejected: _decided,
    Complaint.Appealed: _appealed,
}
"""What an event changes in a case row besides its status, version and time."""


def apply_step(row: dict[str, Any], event: Any) -> tuple[Step, str, dict[str, Any]]:
    """Change a case row for one complaint event; the step, actor and fields it adds."""
    if type(event) not in EVENTS:
        raise TypeError(f"{type(event).__qualname__} is not a complaint event with a step")
    if event.leads_to is not None:
        row["status"] = str(event.leads_to)
        row["status_rank"] = STATUSES.index(event.leads_to)
    change = ROW_CHANGES.get(type(event))
    if change is not None:
        change(row, event)
    # The complainant's own files are credited like their filing: never by name.
    from_complainant = getattr(event, "stage", None) == EvidenceStage.FILING
    actor = (
        COMPLAINANT
        if event.step in (Step.FILED, Step.CORROBORATED) or from_complainant
        else event.actor
    )
    fields = {name: _plain(getattr(event, name)) for name in event.shows}
    return event.step, actor, fields


def encode_fields(fields: dict[str, Any]) -> str:
    """A step's fields as stored (JSON, keys sorted)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decode_fields(text: str) -> dict[str, Any]:
    """A step's stored fields."""
    fields: dict[str, Any] = json.loads(text) if text else {}
    return fields


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
