"""What a letter is composed from: the facts of a case as the application reads them, and the
letterhead as configured, handed to the typesetter that words and prints them.

The application gathers these from the event store and the settings when a letter is issued; the
typesetter (`bratasena.web.letters`, given to the application by the composition root) turns
them into the letter's content, worded in Indonesian as printed, and the content into PDF bytes.
The content, not these facts, is what the `LetterIssued` event keeps: printing it again gives the
same bytes whatever the settings, the registry or the wording say later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from bratasena.domain.errors import RuleViolationError
from bratasena.domain.letters import LetterKind


class LetterheadNotConfiguredError(RuleViolationError):
    """Letters would go out with a placeholder letterhead in production."""

    rule = "letterhead_not_configured"


@dataclass(frozen=True)
class Letterhead:
    """The kop surat and the signatory, from the settings (BRATASENA_LETTER_*)."""

    government: str
    """``PEMERINTAH KABUPATEN BLORA``."""
    office: str
    address: str
    contact: str
    city: str
    """The place in the date line: ``Blora, 10 Maret 2026``."""
    office_hours: str
    head_title: str
    head_name: str
    head_nip: str


@dataclass(frozen=True)
class HouseholdOnPaper:
    """The addressee: the registered head of household, as the registry has them today."""

    registry_id: str
    head_name: str
    address: str
    village: str
    district: str


@dataclass(frozen=True)
class Exhibit:
    """One attachment as a letter lists it: what it shows, its day, its hash's first digits."""

    kind: str
    day: date
    """When the photo was taken, else when it was attached (WIB)."""
    sha256: str


@dataclass(frozen=True)
class FieldCheck:
    """The field check the Berita Acara records."""

    visited_on: date
    officer_name: str
    findings: dict[str, str]
    """Reason code → what was found."""
    recommendation: str
    notes: str
    attachments: tuple[Exhibit, ...] = ()
    """The field check's photos and documents on record (withdrawn ones left out)."""


@dataclass(frozen=True)
class Decision:
    """The supervisor's decision on the complaint."""

    outcome: str
    """``uphold`` or ``reject``."""
    decided_on: date
    reason: str
    reason_codes: tuple[str, ...]
    findings: dict[str, str]
    effective_month: str | None
    """For an uphold: the month (``YYYY-MM``) from which the household is off aid."""


@dataclass(frozen=True)
class AppealDecision:
    """The supervisor's decision on the household's objection."""

    outcome: str
    """``grant`` or ``deny``."""
    filed_on: date
    grounds: str
    decided_on: date
    reason: str
    effective_month: str | None
    """For a grant: the month from which the household is back on aid."""


@dataclass(frozen=True)
class LetterFacts:
    """Everything one letter may say, never the complainant's identity or words."""

    kind: LetterKind
    number: str
    issued_on: date
    letterhead: Letterhead
    tracking_code: str
    household: HouseholdOnPaper
    reasons: tuple[str, ...]
    """The complaint's reason codes."""
    response_due: date | None = None
    field_check: FieldCheck | None = None
    decision: Decision | None = None
    delivery_on: date | None = None
    """For a decision letter that starts the objection window: the day it is handed over."""
    objection_deadline: date | None = None
    appeal: AppealDecision | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Typesetter(Protocol):
    """Words a letter and prints it (see `bratasena.web.letters.Press`)."""

    @property
    def template(self) -> str:
        """The layout version new letters are printed with."""

    def compose(self, facts: LetterFacts) -> dict[str, Any]:
        """The letter's content: everything it shows, worded as printed (JSON types only)."""

    def render(self, content: dict[str, Any], template: str) -> bytes:
        """The PDF of a letter's content in a layout version, the same bytes every time."""
