"""Tracking codes of complaints that joined an open case: every filer follows a code of their own.

A complaint about a household with an open case corroborates that case (one investigation per
household), but the citizen who filed it must not learn that a case was already open: that alone
would tell anyone who knows a NIK that the family receives aid and is under complaint. So the
filer gets a new code of their own, kept as a `JoinedCase` under the id that code names (the same
id space as complaints' codes), pointing at the case it joined and at the case's version right
after joining. The public sees, under it, their own filing and only the case's public steps that
came after it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate


class JoinedCase(Aggregate):
    """A citizen's own tracking code for a complaint that joined an open case."""

    class Issued(Aggregate.Created):
        """A complaint joined an open case; its filer follows it by this code."""

        tracking_code: str
        complaint_id: UUID
        joined_at_version: int
        """The case's version right after the complaint joined it (its ``Corroborated``)."""

    def __init__(self, tracking_code: str, complaint_id: UUID, joined_at_version: int) -> None:
        self.tracking_code = tracking_code
        self.complaint_id = complaint_id
        self.joined_at_version = joined_at_version

    @classmethod
    def issue(
        cls,
        *,
        id: UUID,
        tracking_code: str,
        complaint_id: UUID,
        joined_at_version: int,
        at: datetime,
    ) -> JoinedCase:
        """Give the filer of a corroborating complaint a code of their own."""
        return cls._create(
            cls.Issued,
            id=id,
            timestamp=at,
            tracking_code=tracking_code,
            complaint_id=complaint_id,
            joined_at_version=joined_at_version,
        )
