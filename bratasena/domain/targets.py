"""The office's monthly removal targets for a year, set by a supervisor and kept as events."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.errors import InvalidInputError

DEFAULT_MONTHLY_TARGET = 10
"""The office's stated aim: about 10 removals a month, 120 a year."""

MAX_MONTHLY_TARGET = 10_000
"""A month's target at most: far above any regency's removals (Blora has ~150,000 households),
low enough that a typo of extra zeros is caught rather than drawn."""


class RemovalTargets(Aggregate):
    """The number of removals the office aims at in each month of one year."""

    class Set(Aggregate.Created):
        """A supervisor set the year's monthly targets for the first time."""

        year: int
        monthly: list[int]
        actor: str

    class Changed(Aggregate.Event):
        """A supervisor changed the year's monthly targets."""

        monthly: list[int]
        actor: str

        def apply(self, targets: RemovalTargets) -> None:
            targets.monthly = tuple(self.monthly)

    def __init__(self, year: int, monthly: list[int], actor: str) -> None:
        self.year = year
        self.monthly = tuple(monthly)

    @staticmethod
    def check(year: int, monthly: list[int]) -> list[int]:
        """Twelve whole, non-negative numbers for a plausible year."""
        if not 2000 <= year <= 2100:
            raise InvalidInputError(f"year: {year} is not a plausible year", field="year")
        if len(monthly) != 12:
            raise InvalidInputError(
                f"monthly: give 12 numbers, one per month (got {len(monthly)})", field="monthly"
            )
        if any(
            not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_MONTHLY_TARGET
            for n in monthly
        ):
            raise InvalidInputError(
                f"monthly: targets are whole numbers from 0 to {MAX_MONTHLY_TARGET:,} a month",
                field="monthly",
            )
        return list(monthly)

    @classmethod
    def set(
        cls,
        *,
        id: UUID,
        year: int,
        monthly: list[int],
        actor: str,
        at: datetime,
    ) -> RemovalTargets:
        """Set a year's targets for the first time."""
        return cls._create(
            cls.Set, id=id, timestamp=at, year=year, monthly=cls.check(year, monthly), actor=actor
        )

    def change(self, *, monthly: list[int], actor: str, at: datetime) -> None:
        """Change the year's targets."""
        self.trigger_event(
            self.Changed, timestamp=at, monthly=self.check(self.year, monthly), actor=actor
        )
