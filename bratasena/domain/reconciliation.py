"""Reconciliation: whether a decision taken here shows in the registry extracts that follow it.

Bratasena only proposes: a deactivation passes through the Bupati's approval and the ministry's
monthly cut-off, and the national data lags. So every imported extract is compared with the
households decided here, and the result is recorded on each household (see `Household.reconcile`):
confirmed, not applied after N months, or left the registry without a decision here. This module
holds the rules that need no household (the evidence of a removal, months between periods) and the
regency's log of reconciled periods, which refuses an extract older than one already reconciled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.errors import OutOfOrderError

DESIL_LIMITS: dict[str, int] = {
    "PKH": 4,
    "BPNT": 4,
    "PBI-JK": 5,
    "KIP": 5,
    "RTLH": 5,
    "MCK": 5,
    "CSR": 5,
}
"""The highest desil each programme takes its households from (Kemensos 2025: PKH and BPNT
desil 1–4, PBI-JK desil 1–5; the others follow PBI-JK). A household listed above the limit of
every programme it holds drops out of them at the next cut-off."""


class Evidence(StrEnum):
    """What in an extract shows a household out of, or still in, the programmes."""

    NOT_LISTED = "not_listed"
    """The extract does not list the household at all."""
    NO_PROGRAMMES = "no_programmes"
    """The extract lists it with no programme."""
    DESIL_ABOVE = "desil_above"
    """The extract lists it in a desil above every programme's limit."""


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` (both "YYYY-MM"); negative when ``end`` is earlier."""
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7])


def removal_evidence(*, listed: bool, programs: Sequence[str], desil: int) -> Evidence | None:
    """Why an extract shows a household out of aid, or None when it is still in a programme."""
    if not listed:
        return Evidence.NOT_LISTED
    if not programs:
        return Evidence.NO_PROGRAMMES
    if desil > max(DESIL_LIMITS.get(p, 5) for p in programs):
        return Evidence.DESIL_ABOVE
    return None


class ReconciliationLog(Aggregate):
    """The registry periods whose extracts were reconciled, for the whole regency (one aggregate).

    Kept so that an extract older than one already reconciled is refused for reconciliation:
    comparing decisions with older data would record removals "not applied" that were applied.
    """

    class Opened(Aggregate.Created):
        """The first extract was reconciled."""

        period: str
        source: str
        actor: str

    class Reconciled(Aggregate.Event):
        """The extract of a later period was reconciled."""

        period: str
        source: str
        actor: str

        def apply(self, log: ReconciliationLog) -> None:
            log.latest_period = self.period

    def __init__(self, period: str, source: str, actor: str) -> None:
        self.latest_period = period

    @classmethod
    def open(
        cls, *, id: UUID, period: str, source: str, actor: str, at: datetime
    ) -> ReconciliationLog:
        """Start the log with the first reconciled extract."""
        return cls._create(
            cls.Opened, id=id, timestamp=at, period=period, source=source, actor=actor
        )

    def check(self, period: str) -> None:
        """Refuse an extract older than the latest reconciled (the same period may come again)."""
        if period < self.latest_period:
            raise OutOfOrderError(
                f"period: the extract of {period} is older than the extract of "
                f"{self.latest_period}, already reconciled; it was imported but not reconciled",
                field="period",
                rule="older_extract",
            )

    def record(self, *, period: str, source: str, actor: str, at: datetime) -> bool:
        """Note a reconciled period; the same period again records nothing (returns False)."""
        self.check(period)
        if period == self.latest_period:
            return False
        self.trigger_event(self.Reconciled, timestamp=at, period=period, source=source, actor=actor)
        return True
