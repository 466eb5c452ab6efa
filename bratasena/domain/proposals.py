"""The month's proposal list (usulan penonaktifan): upheld deactivations put to the Bupati.

The regency only proposes removals: on a cut-off day each month (``BRATASENA_PROPOSAL_CUTOFF_DAY``,
the 17th by default) the upheld deactivations not yet in a list are gathered into the month's
numbered list, by name and address (BNBA: by name, by address), for the Bupati's approval
(pengesahan) before the ministry's monthly cut-off. The approval, the date and number of the
Bupati's decree (SK), is recorded on the list. The sync does not wait for it: the province sees a
deactivation at once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.errors import InvalidInputError, OutOfOrderError

MAX_SK_NUMBER = 100
"""Characters of an SK number at most (``188.4/123/2026`` and the like are far shorter)."""


def list_number(month: str) -> str:
    """The number of a month's list: ``05/USUL-NONAKTIF/2026`` (one list a month)."""
    return f"{month[5:7]}/USUL-NONAKTIF/{month[:4]}"


def cutoff_date(month: str, day: int) -> date:
    """The cut-off day of a month ("YYYY-MM"); ``day`` is 1–28, so every month has it."""
    return date(int(month[:4]), int(month[5:7]), day)


class ProposalList(Aggregate):
    """One month's list of households proposed for removal, and its approval."""

    class Prepared(Aggregate.Created):
        """The upheld deactivations not yet proposed were gathered into the month's list."""

        month: str
        number: str
        cutoff: date
        items: list[dict[str, Any]]
        actor: str

    class Approved(Aggregate.Event):
        """The Bupati approved the list: the decree's (SK's) date and number."""

        approved_on: date
        sk_number: str
        actor: str

        def apply(self, proposal: ProposalList) -> None:
            proposal.approved_on = self.approved_on
            proposal.sk_number = self.sk_number

    def __init__(
        self, month: str, number: str, cutoff: date, items: list[dict[str, Any]], actor: str
    ) -> None:
        self.month = month
        self.number = number
        self.cutoff = cutoff
        self.items = items
        """One dict a household: household_id, event_version (of its deactivation), registry_id,
        kk_number, head_nik, head_name, address, village_code, reason_codes, decision_number."""
        self.approved_on: date | None = None
        self.sk_number: str | None = None

    @classmethod
    def prepare(
        cls,
        *,
        id: UUID,
        month: str,
        cutoff: date,
        today: date,
        items: list[dict[str, Any]],
        actor: str,
        at: datetime,
    ) -> ProposalList:
        """Gather the month's list on or after its cut-off day; an empty list is not made."""
        if today < cutoff:
            raise OutOfOrderError(
                f"month: the list of {month} is gathered from its cut-off day, {cutoff}",
                field="month",
                rule="before_cutoff",
            )
        if not items:
            raise OutOfOrderError(
                f"month: no upheld deactivation is waiting for a list on {cutoff}",
                field="month",
                rule="nothing_to_propose",
            )
        return cls._create(
            cls.Prepared,
            id=id,
            timestamp=at,
            month=month,
            number=list_number(month),
            cutoff=cutoff,
            items=items,
            actor=actor,
        )

    def approve(
        self, *, approved_on: date, sk_number: str, today: date, actor: str, at: datetime
    ) -> None:
        """Record the Bupati's approval, once, with the SK's number and date."""
        if self.sk_number is not None:
            raise OutOfOrderError(
                f"list {self.number} was already approved by SK {self.sk_number}",
                rule="already_approved",
            )
        number = " ".join(sk_number.split())
        if not number:
            raise InvalidInputError(
                "sk_number: give the number of the Bupati's SK", field="sk_number"
            )
        if len(number) > MAX_SK_NUMBER:
            raise InvalidInputError(
                f"sk_number: at most {MAX_SK_NUMBER} characters", field="sk_number"
            )
        if not self.cutoff <= approved_on <= today:
            raise InvalidInputError(
                f"approved_on: {approved_on} is not between the list's cut-off ({self.cutoff}) "
                "and today",
                field="approved_on",
            )
        self.trigger_event(
            self.Approved, timestamp=at, approved_on=approved_on, sk_number=number, actor=actor
        )
