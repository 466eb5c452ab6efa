"""Lookups of households by KK or NIK, kept as aggregates so commands never read a lagging view."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate


class HouseholdLookup(Aggregate):
    """The households currently carrying one KK number or one head-of-household NIK.

    Its id is derived from the number with a secret (see ``ids.lookup_id``); the number itself is
    not stored here.
    """

    class Started(Aggregate.Created):
        """The first household with this number was registered."""

        kind: str
        household_id: UUID

    class Linked(Aggregate.Event):
        """Another household now carries this number."""

        household_id: UUID

        def apply(self, lookup: HouseholdLookup) -> None:
            lookup.household_ids = (*lookup.household_ids, self.household_id)

    class Unlinked(Aggregate.Event):
        """A household no longer carries this number (a reissued KK, a new head)."""

        household_id: UUID

        def apply(self, lookup: HouseholdLookup) -> None:
            lookup.household_ids = tuple(h for h in lookup.household_ids if h != self.household_id)

    def __init__(self, kind: str, household_id: UUID) -> None:
        self.kind = kind
        self.household_ids: tuple[UUID, ...] = (household_id,)

    @classmethod
    def start(cls, *, id: UUID, kind: str, household_id: UUID, at: datetime) -> HouseholdLookup:
        """Begin the lookup of a number with its first household."""
        return cls._create(cls.Started, id=id, timestamp=at, kind=kind, household_id=household_id)

    def link(self, *, household_id: UUID, at: datetime) -> None:
        """Add a household to the number (no event when it is already there)."""
        if household_id not in self.household_ids:
            self.trigger_event(self.Linked, timestamp=at, household_id=household_id)

    def unlink(self, *, household_id: UUID, at: datetime) -> None:
        """Remove a household from the number (no event when it is not there)."""
        if household_id in self.household_ids:
            self.trigger_event(self.Unlinked, timestamp=at, household_id=household_id)
