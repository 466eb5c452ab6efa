"""Whether a registered household is the one a complaint names: what matches, what needs a word.

Matching a complaint to the wrong household takes aid from the wrong family, so each candidate's
differences from the complaint are named (`Concern`) and a match despite one needs a confirmation
in the officer's own words, kept in the event. A household already taken off aid cannot be
matched; one already under another open case is matched by joining that case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from bratasena.domain.names import names_match

CONFIRMATION_MIN_CHARS = 20
"""The shortest written confirmation of a match despite a concern (a reason, not "ok")."""


class Concern(StrEnum):
    """A difference between the complaint and a registered household that needs confirming."""

    OTHER_VILLAGE = "other_village"
    """The household lives in another village than the complaint names."""
    NAME_MISMATCH = "name_mismatch"
    """The head's registered name is not (close to) the name the complaint gives."""


@dataclass(frozen=True)
class HouseholdFacts:
    """What a match needs to know of a registered household, read from the event store."""

    household_id: UUID
    registry_id: str
    head_name: str
    village_code: str
    deactivated: bool
    open_case_id: UUID | None = None
    """Another open case about the household, which a match joins."""
    open_case_tracking_code: str = ""


def concerns(subject_name: str, village_code: str, household: HouseholdFacts) -> list[Concern]:
    """The differences between what a complaint says and a registered household.

    ``subject_name`` is the head's name as the complaint gives it (none: nothing to compare),
    ``village_code`` the village the case is in now.
    """
    found = []
    if household.village_code != village_code:
        found.append(Concern.OTHER_VILLAGE)
    if subject_name.strip() and not names_match(subject_name, household.head_name):
        found.append(Concern.NAME_MISMATCH)
    return found
