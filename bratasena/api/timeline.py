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


def _identified(f: dict[str, Any], book: RegionBook) -> str:
    code = f["village_code"]
    where = book.village(code).name if book.has_village(code) else code
    return f"Matched to a registered household in {where}."


def _investigated(f: dict[str, Any], book: RegionBook) -> str:
    findings = "; ".join(f"{code}: {text}" for code, text in f["findings"].items())
    notes = f" Notes: {f['notes']}" if f.get("notes") else ""
    return (
        f"Field check on {f['visited_on']}; recommends to {f['recommendation']}. "
        f"Findings — {findings}.{notes}"
    )


ENGLISH: dict[Step, Words] = {
    Step.FILED: _filed,
    Step.CORROBORATED: lambda f, book: (
        f"Another complaint about the household joined this case (via {f['channel']}); "
        f"reasons: {_list(f['reasons'])}."
    ),
    Step.HOUSEHOLD_IDENTIFIED: _identified,
    Step.ASSIGNED: lambda f, book: f"Assigned to {f['officer']}.",
    Step.INVESTIGATED: _investigated,
    Step.NOTICE_ISSUED: lambda f, book: (
        f"Notice issued to the household; response due {f['response_due']}."
    ),
    Step.RESPONSE_RECORDED: lambda f, book: (
        f"The household responded on {f['received_on']}: {f['statement']}"
    ),
    Step.UPHELD: lambda f, book: (
        f"Complaint upheld: {f['reason'] or 'no reason given'}. The household is deactivated "
        f"from {f['effective_month']}."
    ),
    Step.REJECTED: lambda f, book: f"Complaint rejected: {f['reason']}.",
    Step.WITHDRAWN: lambda f, book: f"Complaint withdrawn: {f['reason']}.",
    Step.APPEALED: lambda f, book: f"The household objected on {f['filed_on']}: {f['grounds']}",
    Step.APPEAL_GRANTED: lambda f, book: (
        f"Objection granted: {f['reason']}. The household is reactivated."
    ),
    Step.APPEAL_DENIED: lambda f, book: f"Objection denied: {f['reason']}.",
}
"""One English sentence per step."""


def english(step: Step, fields: dict[str, Any], book: RegionBook) -> str:
    """The step as an English sentence."""
    return ENGLISH[step](fields, book)
