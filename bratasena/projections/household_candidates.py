"""Registered households a complaint may be about, each with what matches it and what does not.

The matching form (case page and API) searches by NIK, KK, registry id or the head's name; with
nothing typed it looks for the name the complaint gives. Names are searched in the complaint's
village or district through the household view's blind index (`HouseholdStatus.by_name`); a
number is exact, so it is looked up everywhere and a household elsewhere shows as such. Each
candidate says how close its head's name is to the complaint's, whether it is in the same
village and district, its desil and programmes, whether it is already off aid or under another
open case, and so what a match would need (`domain.matching`). An officer sees only households
of their districts, the ones they may match.

The view may lag a command by a moment; the match itself is checked again on the event store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from bratasena.domain.complaint import Complaint
from bratasena.domain.household import Eligibility
from bratasena.domain.matching import Concern, HouseholdFacts, concerns
from bratasena.domain.names import similarity
from bratasena.projections.case_list import CaseList
from bratasena.projections.household_status import HouseholdQuery, HouseholdRow, HouseholdStatus

MAX_CANDIDATES = 20


class Within(StrEnum):
    """Where a name is searched: the complaint's village, or its whole district."""

    VILLAGE = "village"
    DISTRICT = "district"


@dataclass(frozen=True)
class Candidate:
    """A registered household and how it compares with the complaint."""

    household: HouseholdRow
    found_by: str
    """``registry_id``, ``nik``, ``kk`` or ``name``."""
    name_similarity: float
    """0–1: how close the head's name is to the name the complaint gives (0: none given)."""
    same_village: bool
    same_district: bool
    deactivated: bool
    open_case_id: UUID | None
    open_case_tracking_code: str | None
    concerns: list[Concern] = field(default_factory=list)
    """What a match would need confirmed (another village, another name)."""

    @property
    def matchable(self) -> bool:
        """Whether a match can be made at all (a household taken off aid cannot)."""
        return not self.deactivated


class HouseholdCandidates:
    """Finds and compares the households a complaint may be about."""

    def __init__(self, households: HouseholdStatus, cases: CaseList) -> None:
        self.households = households
        self.cases = cases

    def find(
        self,
        complaint: Complaint,
        *,
        q: str = "",
        within: Within = Within.DISTRICT,
        districts: Sequence[str] | None = None,
        limit: int = MAX_CANDIDATES,
    ) -> list[Candidate]:
        """The candidates for a search (``q``: NIK, KK, registry id or a name; empty: the
        complaint's name), best first; ``districts`` limits them to an officer's."""
        text = " ".join((q or "").split())
        found: dict[UUID, tuple[HouseholdRow, str]] = {}
        digits = "".join(ch for ch in text if ch not in " .-")
        if len(digits) == 16 and digits.isdigit():
            queries = {
                "nik": HouseholdQuery(nik=digits, per_page=limit),
                "kk": HouseholdQuery(kk=digits, per_page=limit),
            }
            for kind, query in queries.items():
                for row in self.households.search(query).items:
                    found.setdefault(row.household_id, (row, kind))
        elif text:
            by_id = self.households.by_registry_id(text)
            if by_id is not None:
                found[by_id.household_id] = (by_id, "registry_id")
        name = text if text and not digits.isdigit() else complaint.subject_name
        if name and not (len(digits) == 16 and digits.isdigit()):
            village = complaint.village_code
            area = {"village": village} if within == Within.VILLAGE else {"district": village[:6]}
            for row in self.households.by_name(name, limit=limit, **area):
                found.setdefault(row.household_id, (row, "name"))
        if districts is not None:
            found = {k: v for k, v in found.items() if v[0].district_code in districts}
        open_cases = self.cases.open_cases_of(list(found))
        candidates = [
            self._compare(complaint, row, found_by, open_cases.get(row.household_id))
            for row, found_by in found.values()
        ]
        candidates.sort(
            key=lambda c: (c.found_by == "name", -c.name_similarity, c.household.registry_id)
        )
        return candidates[:limit]

    @staticmethod
    def _compare(
        complaint: Complaint,
        row: HouseholdRow,
        found_by: str,
        open_case: tuple[UUID, str] | None,
    ) -> Candidate:
        if open_case is not None and open_case[0] == complaint.id:
            open_case = None
        facts = HouseholdFacts(
            household_id=row.household_id,
            registry_id=row.registry_id,
            head_name=row.head_name,
            village_code=row.village_code,
            deactivated=row.status == Eligibility.DEACTIVATED,
            open_case_id=open_case[0] if open_case else None,
            open_case_tracking_code=open_case[1] if open_case else "",
        )
        return Candidate(
            household=row,
            found_by=found_by,
            name_similarity=similarity(complaint.subject_name, row.head_name)
            if complaint.subject_name
            else 0.0,
            same_village=row.village_code == complaint.village_code,
            same_district=row.district_code == complaint.village_code[:6],
            deactivated=facts.deactivated,
            open_case_id=facts.open_case_id,
            open_case_tracking_code=facts.open_case_tracking_code or None,
            concerns=concerns(complaint.subject_name, complaint.village_code, facts),
        )
