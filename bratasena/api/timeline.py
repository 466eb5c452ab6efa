"""A case's timeline steps worded in English for API clients, from each step's code and fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bratasena.domain.complaint import Step
from bratasena.domain.regions import RegionBook

Words = Callable[[dict[str, Any], RegionBook], str]


def _list(values: list[str]) -> str:
    return ", ".join(values)


def _filed(f: dict[str, Any], book: RegionBook) -> str:
    unmatched = "" if f.get("household_id") else " The household is not yet matched."
    return f"Complaint received via {f['channel']}; reasons: {_list(f['reasons'])}.{unmatched}"


LETTERS = {
    "notice": "notice and invitation to respond",
    "field_report": "field check report",
    "decision": "decision letter",
    "appeal_decision": "decision on the objection",
}

DELIVERY = {"by_hand": "by hand", "by_post": "by post", "via_village": "through the village office"}

CONCERNS = {"other_village": "another village", "name_mismatch": "a different name"}


def _where(code: str, book: RegionBook) -> str:
    return book.village(code).name if book.has_village(code) else code


def _confirmed(f: dict[str, Any]) -> str:
    if not f.get("concerns"):
        return ""
    found = " and ".join(CONCERNS.get(c, c) for c in f["concerns"])
    return f" Confirmed despite {found}: {f['confirmation']}"


def _identified(f: dict[str, Any], book: RegionBook) -> str:
    where = _where(f["village_code"], book)
    return f"Matched to a registered household in {where}.{_confirmed(f)}"


def _rematched(f: dict[str, Any], book: RegionBook) -> str:
    where = _where(f["village_code"], book)
    return (
        f"Matched to another registered household in {where}: {f['reason']}. The field check, "
        f"the notice and the hearing start again.{_confirmed(f)}"
    )


def _corroborated(f: dict[str, Any], book: RegionBook) -> str:
    if f.get("joined_from"):
        return (
            f"Complaint {f['joined_from']} about the same household joined this case when it "
            f"was matched; reasons: {_list(f['reasons'])}."
        )
    return (
        f"Another complaint about the household joined this case (via {f['channel']}); "
        f"reasons: {_list(f['reasons'])}."
    )


def _investigated(f: dict[str, Any], book: RegionBook) -> str:
    findings = "; ".join(f"{code}: {text}" for code, text in f["findings"].items())
    notes = f" Notes: {f['notes']}" if f.get("notes") else ""
    return (
        f"Field check on {f['visited_on']}; recommends to {f['recommendation']}. "
        f"Findings — {findings}.{notes}"
    )


ENGLISH: dict[Step, Words] = {
    Step.FILED: _filed,
    Step.CORROBORATED: _corroborated,
    Step.HOUSEHOLD_IDENTIFIED: _identified,
    Step.HOUSEHOLD_REMATCHED: _rematched,
    Step.JOINED: lambda f, book: (
        f"The household is already under case {f['tracking_code']}; this complaint joined it."
    ),
    Step.ASSIGNED: lambda f, book: f"Assigned to {f['officer']}.",
    Step.REASSIGNED: lambda f, book: (
        f"Reassigned from {f['previous_officer']} to {f['officer']}: {f['reason']}"
    ),
    Step.INVESTIGATED: _investigated,
    Step.NOTICE_ISSUED: lambda f, book: (
        f"Notice issued to the household; response due {f['response_due']}."
    ),
    Step.RESPONSE_RECORDED: lambda f, book: (
        f"The household responded on {f['received_on']}: {f['statement']}"
    ),
    Step.UPHELD: lambda f, book: (
        f"Complaint upheld on {_list(f.get('reason_codes') or [])}: "
        f"{f['reason'] or 'no reason given'}. The household is deactivated from "
        f"{f['effective_month']}."
    ),
    Step.REJECTED: lambda f, book: f"Complaint rejected: {f['reason']}.",
    Step.WITHDRAWN: lambda f, book: f"Complaint withdrawn: {f['reason']}.",
    Step.APPEALED: lambda f, book: f"The household objected on {f['filed_on']}: {f['grounds']}",
    Step.APPEAL_GRANTED: lambda f, book: (
        f"Objection granted: {f['reason']}. The household is reactivated."
    ),
    Step.APPEAL_DENIED: lambda f, book: f"Objection denied: {f['reason']}.",
    Step.LETTER_ISSUED: lambda f, book: (
        f"Letter {f['number']} issued: {LETTERS.get(f['kind'], f['kind'])}."
    ),
    Step.LETTER_DELIVERED: lambda f, book: (
        f"Letter {f['number']} delivered on {f['delivered_on']} "
        f"{DELIVERY.get(f['method'], f['method'])}."
    ),
    Step.EVIDENCE_ATTACHED: lambda f, book: (
        f"Evidence attached ({f['kind'].replace('_', ' ')}, {f['stage'].replace('_', ' ')}, "
        f"{f['media_type']}), SHA-256 {f['sha256'][:12]}…."
    ),
    Step.EVIDENCE_WITHDRAWN: lambda f, book: (
        f"Evidence {str(f['evidence_id'])[:8]} withdrawn: {f['reason']}."
    ),
}
"""One English sentence per step."""


def english(step: Step, fields: dict[str, Any], book: RegionBook) -> str:
    """The step as an English sentence."""
    return ENGLISH[step](fields, book)
