"""How each complaint event changes a case-list row, and the plain-language timeline step it adds.

Filings and corroborations are credited to "complainant": the reporter, the filing account and
the complaint's free text never reach the view. Findings and the household's statement do, as
officers need them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from bratasena.domain.calendar import add_working_days
from bratasena.domain.complaint import STATUSES, Complaint
from bratasena.projections.records import day_text, ts

DECISION_WORKING_DAYS = 30
"""Working days the office gives itself to decide a complaint (or an objection)."""


@cache
def decision_due(start: date) -> str:
    """The decision deadline (ISO text) of a complaint or objection filed on ``start``.

    Cached: counting working days one by one against the holiday calendar cost more than
    everything else a rebuild does for a case, and a regency's cases start on a few thousand days.
    """
    return add_working_days(start, DECISION_WORKING_DAYS).isoformat()


def apply_step(
    row: dict[str, Any], event: Any, village_name: Callable[[str], str]
) -> tuple[str, str, str]:
    """Change a case row for one event; the timeline step, actor and text it adds."""
    status = _STATUS_OF.get(type(event))
    if status is not None:
        row["status"] = status
        row["status_rank"] = STATUSES.index(status)
    actor = getattr(event, "actor", "system")
    if isinstance(event, Complaint.Filed):
        unmatched = "" if event.household_id else " The household is not yet matched."
        text = f"Complaint received via {event.channel}; reasons: {', '.join(event.reasons)}."
        return "filed", "complainant", text + unmatched
    if isinstance(event, Complaint.Corroborated):
        row["corroborations"] += 1
        known = row["reason_codes"].split(",")
        row["reason_codes"] = ",".join(dict.fromkeys([*known, *event.reasons]))
        text = (
            f"Another complaint about the household joined this case (via {event.channel}); "
            f"reasons: {', '.join(event.reasons)}."
        )
        return "corroborated", "complainant", text
    if isinstance(event, Complaint.HouseholdIdentified):
        row["household_id"] = str(event.household_id)
        row["village_code"] = event.village_code
        row["district_code"] = event.village_code[:6]
        text = f"Matched to a registered household in {village_name(event.village_code)}."
        return "household_identified", actor, text
    if isinstance(event, Complaint.Assigned):
        row["assigned_to"] = event.officer
        return "assigned", actor, f"Assigned to {event.officer}."
    if isinstance(event, Complaint.Investigated):
        findings = "; ".join(f"{code}: {text}" for code, text in event.findings.items())
        notes = f" Notes: {event.notes}" if event.notes else ""
        text = (
            f"Field check on {event.visited_on.isoformat()}; recommends to "
            f"{event.recommendation}. Findings — {findings}.{notes}"
        )
        return "investigated", actor, text
    if isinstance(event, Complaint.NoticeIssued):
        row["response_due"] = day_text(event.response_due)
        text = f"Notice issued to the household; response due {event.response_due.isoformat()}."
        return "notice_issued", actor, text
    if isinstance(event, Complaint.ResponseRecorded):
        text = f"The household responded on {event.received_on.isoformat()}: {event.statement}"
        return "response_recorded", actor, text
    if isinstance(event, Complaint.Upheld):
        row["decided_at"] = ts(event.timestamp)
        text = (
            f"Complaint upheld: {event.reason or 'no reason given'}. The household is "
            f"deactivated from {event.effective_month}."
        )
        return "upheld", actor, text
    if isinstance(event, Complaint.Rejected):
        row["decided_at"] = ts(event.timestamp)
        return "rejected", actor, f"Complaint rejected: {event.reason}."
    if isinstance(event, Complaint.Withdrawn):
        return "withdrawn", actor, f"Complaint withdrawn: {event.reason}."
    if isinstance(event, Complaint.Appealed):
        row["decision_due"] = decision_due(event.filed_on)
        text = f"The household objected on {event.filed_on.isoformat()}: {event.grounds}"
        return "appealed", actor, text
    if isinstance(event, Complaint.AppealGranted):
        text = f"Objection granted: {event.reason}. The household is reactivated."
        return "appeal_granted", actor, text
    if isinstance(event, Complaint.AppealDenied):
        return "appeal_denied", actor, f"Objection denied: {event.reason}."
    return type(event).__name__.lower(), actor, ""


_STATUS_OF: dict[type, str] = {
    Complaint.Assigned: "assigned",
    Complaint.Investigated: "investigated",
    Complaint.NoticeIssued: "notice_issued",
    Complaint.ResponseRecorded: "response_recorded",
    Complaint.Upheld: "upheld",
    Complaint.Rejected: "rejected",
    Complaint.Withdrawn: "withdrawn",
    Complaint.Appealed: "appealed",
    Complaint.AppealGranted: "appeal_granted",
    Complaint.AppealDenied: "appeal_denied",
}
