"""The Complaint aggregate: one citizen complaint (aduan) about a household, filing to appeal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.account import ACTION_ROLES, Action, Role
from bratasena.domain.calendar import jakarta_date, next_month, objection_deadline
from bratasena.domain.errors import (
    DomainError,
    FinalStateError,
    FourEyesError,
    InvalidInputError,
    NotAllowedError,
    NotHeardError,
    ObjectionWindowError,
    OutOfOrderError,
    ReasonRequiredError,
    RuleViolationError,
)
from bratasena.domain.evidence import (
    EVIDENCE_PER_CASE,
    Attachment,
    Evidence,
    EvidenceStage,
    clean_attachment,
)
from bratasena.domain.filing import (
    CHANNELS,
    REASONS,
    SUBJECT_FIELDS,
    Channel,
    Reason,
    names_household,
    validate_description,
    validate_reasons,
)
from bratasena.domain.letters import DELIVERY_METHODS, DeliveryMethod, Letter, LetterKind
from bratasena.domain.matching import (
    CONFIRMATION_MIN_CHARS,
    Concern,
    HouseholdFacts,
    concerns,
)

UPHOLD_REASON_MIN_CHARS = 30
"""The shortest stated reason of an uphold: a decision that takes aid away must say why
(UU 30/2014), in a sentence, not a word."""


class Status(StrEnum):
    """Where a case stands in its lifecycle."""

    FILED = "filed"
    ASSIGNED = "assigned"
    INVESTIGATED = "investigated"
    NOTICE_ISSUED = "notice_issued"
    RESPONSE_RECORDED = "response_recorded"
    UPHELD = "upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    APPEALED = "appealed"
    APPEAL_GRANTED = "appeal_granted"
    APPEAL_DENIED = "appeal_denied"
    JOINED = "joined"
    """Its household was already under another open case, which the complaint joined."""


STATUSES: tuple[Status, ...] = tuple(Status)

FINAL_STATUSES = frozenset(
    {Status.REJECTED, Status.WITHDRAWN, Status.APPEAL_GRANTED, Status.APPEAL_DENIED, Status.JOINED}
)
"""After these nothing more happens to a case."""

UNDECIDED_STATUSES = frozenset(
    {
        Status.FILED,
        Status.ASSIGNED,
        Status.INVESTIGATED,
        Status.NOTICE_ISSUED,
        Status.RESPONSE_RECORDED,
    }
)
"""Before a decision: the case may still be withdrawn."""

AWAITING_DECISION: tuple[Status, ...] = (*sorted(UNDECIDED_STATUSES), Status.APPEALED)
"""Open cases: work remains for the office."""


class Decision(StrEnum):
    """What a supervisor decides on a complaint (and what a field check recommends)."""

    UPHOLD = "uphold"
    REJECT = "reject"


class AppealDecision(StrEnum):
    """What a supervisor decides on a household's objection."""

    GRANT = "grant"
    DENY = "deny"


class Step(StrEnum):
    """A step of a case's timeline: one per kind of complaint event (see each event's ``step``)."""

    FILED = "filed"
    CORROBORATED = "corroborated"
    HOUSEHOLD_IDENTIFIED = "household_identified"
    ASSIGNED = "assigned"
    REASSIGNED = "reassigned"
    INVESTIGATED = "investigated"
    NOTICE_ISSUED = "notice_issued"
    RESPONSE_RECORDED = "response_recorded"
    UPHELD = "upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    APPEALED = "appealed"
    APPEAL_GRANTED = "appeal_granted"
    APPEAL_DENIED = "appeal_denied"
    HOUSEHOLD_REMATCHED = "household_rematched"
    JOINED = "joined"
    LETTER_ISSUED = "letter_issued"
    LETTER_DELIVERED = "letter_delivered"
    EVIDENCE_ATTACHED = "evidence_attached"
    EVIDENCE_WITHDRAWN = "evidence_withdrawn"


def _require_text(value: str, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ReasonRequiredError(f"{field}: {what} must not be empty", field=field)
    return text


def _upcast_added(state: dict[str, Any], **defaults: Any) -> None:
    """Give an event stored before a field existed the field's value for old events.

    The names filled in are noted on the event, so the audit export leaves them out: an
    exported history hashes as it did before the upgrade (see ``Bratasena.history``).
    """
    state.update(defaults)
    state["_upcast_added"] = [*state.get("_upcast_added", ()), *defaults]


class Complaint(Aggregate):
    """A complaint that a household receiving social aid is well-off, and its handling.

    Each event names the timeline ``step`` it is, whether the public tracking page shows it
    (``public``), the status it ``leads_to`` (None: the status stays), and which of its fields a
    case timeline may ``show`` (never the complainant's identity or words). Projections and pages
    read these; they never decide an event's meaning themselves.
    """

    class Filed(Aggregate.Created):
        """A citizen's complaint about a household was received."""

        step: ClassVar[Step] = Step.FILED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.FILED
        shows: ClassVar[tuple[str, ...]] = ("channel", "reasons", "household_id")

        tracking_code: str
        channel: str
        household_id: UUID | None
        village_code: str
        subject: dict[str, Any]
        reasons: list[str]
        description: str
        reporter: dict[str, Any] | None
        actor: str

    class Corroborated(Aggregate.Event):
        """A later complaint about the same household joined this open case."""

        step: ClassVar[Step] = Step.CORROBORATED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = ("channel", "reasons", "joined_from")

        channel: str
        reasons: list[str]
        description: str
        reporter: dict[str, Any] | None
        joined_from: str | None
        """The tracking code of a complaint that joined this case when its household was
        matched (None: a complaint filed about the household while this case was open)."""
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _upcast_added(state, joined_from=None)

        def apply(self, complaint: Complaint) -> None:
            complaint.corroborations += 1
            complaint.reasons = tuple(dict.fromkeys((*complaint.reasons, *self.reasons)))

    class HouseholdIdentified(Aggregate.Event):
        """An officer matched an unmatched complaint to a registered household."""

        step: ClassVar[Step] = Step.HOUSEHOLD_IDENTIFIED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = (
            "household_id",
            "village_code",
            "concerns",
            "confirmation",
        )

        household_id: UUID
        village_code: str
        concerns: list[str]
        """What differed from the complaint (another village, another name) and was confirmed."""
        confirmation: str
        """Why the officer matched the household despite the concerns, in their words."""
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _upcast_added(state, concerns=[], confirmation="")

        def apply(self, complaint: Complaint) -> None:
            complaint.household_id = self.household_id
            complaint.village_code = self.village_code

    class HouseholdRematched(Aggregate.Event):
        """A supervisor matched the case to another household: the field check starts again."""

        step: ClassVar[Step] = Step.HOUSEHOLD_REMATCHED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = Status.ASSIGNED
        shows: ClassVar[tuple[str, ...]] = (
            "household_id",
            "previous_household_id",
            "village_code",
            "reason",
            "concerns",
            "confirmation",
        )

        household_id: UUID
        previous_household_id: UUID
        village_code: str
        reason: str
        concerns: list[str]
        confirmation: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            # The field check, the notice and the hearing concerned the other household: the
            # case goes back to its assigned officer for all three.
            complaint.household_id = self.household_id
            complaint.village_code = self.village_code
            complaint.status = Status.ASSIGNED
            complaint.investigated_by = None
            complaint.recommendation = None
            complaint.visited_on = None
            complaint.findings = {}
            complaint.notice_issued_on = None
            complaint.response_due = None
            complaint.response_received_on = None
            complaint.noticed_household_id = None
            complaint.heard_household_id = None

    class Joined(Aggregate.Event):
        """The complaint's household was under another open case: the complaint joined it."""

        step: ClassVar[Step] = Step.JOINED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.JOINED
        shows: ClassVar[tuple[str, ...]] = ("household_id", "tracking_code")

        household_id: UUID
        case_id: UUID
        tracking_code: str
        """The tracking code of the case it joined."""
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.joined_case_id = self.case_id
            complaint.status = Status.JOINED

    class Assigned(Aggregate.Event):
        """A supervisor gave the case to an officer to investigate."""

        step: ClassVar[Step] = Step.ASSIGNED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.ASSIGNED
        shows: ClassVar[tuple[str, ...]] = ("officer",)

        officer: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.assigned_to = self.officer
            complaint.status = Status.ASSIGNED

    class Reassigned(Aggregate.Event):
        """A supervisor gave the case to another officer, with a reason; the case stays where
        it stands (a field check already recorded stays recorded)."""

        step: ClassVar[Step] = Step.REASSIGNED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = ("officer", "previous_officer", "reason")

        officer: str
        previous_officer: str
        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.assigned_to = self.officer

    class Investigated(Aggregate.Event):
        """The officer checked the household in the field and recommended a decision."""

        step: ClassVar[Step] = Step.INVESTIGATED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.INVESTIGATED
        shows: ClassVar[tuple[str, ...]] = ("visited_on", "findings", "recommendation", "notes")

        visited_on: date
        findings: dict[str, str]
        recommendation: str
        notes: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.investigated_by = self.actor
            complaint.recommendation = self.recommendation
            complaint.visited_on = self.visited_on
            complaint.findings = dict(self.findings)
            complaint.status = Status.INVESTIGATED

    class NoticeIssued(Aggregate.Event):
        """The household was told of the complaint and given a deadline to respond."""

        step: ClassVar[Step] = Step.NOTICE_ISSUED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.NOTICE_ISSUED
        shows: ClassVar[tuple[str, ...]] = ("response_due",)

        response_due: date
        household_id: UUID | None
        """The household notified (None in events stored before it was recorded: the household
        the complaint was matched to at the time)."""
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _upcast_added(state, household_id=None)

        def apply(self, complaint: Complaint) -> None:
            complaint.notice_issued_on = jakarta_date(self.timestamp)
            complaint.response_due = self.response_due
            complaint.noticed_household_id = self.household_id or complaint.household_id
            complaint.status = Status.NOTICE_ISSUED

    class ResponseRecorded(Aggregate.Event):
        """The household's answer to the notice was recorded."""

        step: ClassVar[Step] = Step.RESPONSE_RECORDED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.RESPONSE_RECORDED
        shows: ClassVar[tuple[str, ...]] = ("received_on", "statement")

        statement: str
        received_on: date
        household_id: UUID | None
        """The household heard (None in events stored before it was recorded: the household
        the complaint was matched to at the time)."""
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _upcast_added(state, household_id=None)

        def apply(self, complaint: Complaint) -> None:
            complaint.response_received_on = self.received_on
            complaint.heard_household_id = self.household_id or complaint.household_id
            complaint.status = Status.RESPONSE_RECORDED

    class Upheld(Aggregate.Event):
        """A supervisor upheld the complaint: the household is removed from next month."""

        step: ClassVar[Step] = Step.UPHELD
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.UPHELD
        shows: ClassVar[tuple[str, ...]] = ("reason", "reason_codes", "effective_month")

        reason: str
        reason_codes: list[str]
        household_id: UUID
        effective_month: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.decided_by = self.actor
            complaint.decided_on = jakarta_date(self.timestamp)
            complaint.upheld_reasons = tuple(self.reason_codes)
            complaint.status = Status.UPHELD

    class Rejected(Aggregate.Event):
        """A supervisor rejected the complaint: the household keeps its aid."""

        step: ClassVar[Step] = Step.REJECTED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.REJECTED
        shows: ClassVar[tuple[str, ...]] = ("reason",)

        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.decided_by = self.actor
            complaint.decided_on = jakarta_date(self.timestamp)
            complaint.status = Status.REJECTED

    class Withdrawn(Aggregate.Event):
        """The complaint was withdrawn before a decision."""

        step: ClassVar[Step] = Step.WITHDRAWN
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.WITHDRAWN
        shows: ClassVar[tuple[str, ...]] = ("reason",)

        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.status = Status.WITHDRAWN

    class Appealed(Aggregate.Event):
        """The household objected (keberatan) to the uphold within the objection window."""

        step: ClassVar[Step] = Step.APPEALED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.APPEALED
        shows: ClassVar[tuple[str, ...]] = ("filed_on", "grounds")

        grounds: str
        filed_on: date
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.appealed_on = self.filed_on
            complaint.status = Status.APPEALED

    class AppealGranted(Aggregate.Event):
        """The objection succeeded: the uphold is reversed and the household reactivated."""

        step: ClassVar[Step] = Step.APPEAL_GRANTED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.APPEAL_GRANTED
        shows: ClassVar[tuple[str, ...]] = ("reason",)

        reason: str
        household_id: UUID
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.appeal_decided_by = self.actor
            complaint.status = Status.APPEAL_GRANTED

    class AppealDenied(Aggregate.Event):
        """The objection failed: the uphold stands."""

        step: ClassVar[Step] = Step.APPEAL_DENIED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.APPEAL_DENIED
        shows: ClassVar[tuple[str, ...]] = ("reason",)

        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.appeal_decided_by = self.actor
            complaint.status = Status.APPEAL_DENIED

    class LetterIssued(Aggregate.Event):
        """The office issued a numbered letter of the case (its PDF's digest is on record)."""

        step: ClassVar[Step] = Step.LETTER_ISSUED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = ("kind", "number", "issued_on", "delivery_on", "sha256")

        kind: str
        number: str
        sequence: int
        issued_on: date
        delivery_on: date | None
        sha256: str
        """Hex SHA-256 of the PDF's bytes; a download is the same bytes again."""
        template: str
        """The version of the letter's layout, kept so the same bytes can be printed again."""
        content: dict[str, Any]
        """Everything the letter shows, worded as printed (letterhead included)."""
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.letters = {
                **complaint.letters,
                self.number: Letter(
                    kind=LetterKind(self.kind),
                    number=self.number,
                    issued_on=self.issued_on,
                    sha256=self.sha256,
                    template=self.template,
                    content=self.content,
                    delivery_on=self.delivery_on,
                ),
            }

    class LetterDelivered(Aggregate.Event):
        """A letter of the case reached the household (by hand, by post or through the village)."""

        step: ClassVar[Step] = Step.LETTER_DELIVERED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = ("kind", "number", "delivered_on", "method")

        number: str
        kind: str
        delivered_on: date
        method: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            letter = complaint.letters.get(self.number)
            if letter is not None:
                complaint.letters = {
                    **complaint.letters,
                    self.number: replace(
                        letter, delivered_on=self.delivered_on, method=DeliveryMethod(self.method)
                    ),
                }
            # The objection window runs from the first delivered decision letter.
            if self.kind == LetterKind.DECISION and complaint.decision_delivered_on is None:
                complaint.decision_delivered_on = self.delivered_on

    class EvidenceAttached(Aggregate.Event):
        """A photo or document was attached to the case (its bytes' SHA-256 is on record)."""

        step: ClassVar[Step] = Step.EVIDENCE_ATTACHED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = ("kind", "stage", "media_type", "sha256")

        evidence_id: UUID
        kind: str
        stage: str
        media_type: str
        """Sniffed from the bytes, never taken from the file's name or the request."""
        size: int
        sha256: str
        """Hex SHA-256 of the original bytes: the blob store holds them under it."""
        name: str
        caption: str
        taken_at: datetime | None
        taken_at_source: str | None
        latitude: float | None
        longitude: float | None
        location_source: str | None
        derived: dict[str, str]
        """Hex SHA-256 of each derived image (``thumb``, ``screen``: EXIF removed)."""
        actor: str

        def apply(self, complaint: Complaint) -> None:
            attachment = Attachment(
                id=self.evidence_id,
                kind=self.kind,
                media_type=self.media_type,
                size=self.size,
                sha256=self.sha256,
                name=self.name,
                caption=self.caption,
                taken_at=self.taken_at,
                taken_at_source=self.taken_at_source,
                latitude=self.latitude,
                longitude=self.longitude,
                location_source=self.location_source,
                derived=dict(self.derived),
            )
            complaint.evidence = {
                **complaint.evidence,
                str(self.evidence_id): Evidence(
                    attachment=attachment,
                    stage=EvidenceStage(self.stage),
                    attached_by=self.actor,
                    attached_at=self.timestamp,
                ),
            }

    class EvidenceWithdrawn(Aggregate.Event):
        """An attachment was withdrawn from the case, with a reason (its record stays)."""

        step: ClassVar[Step] = Step.EVIDENCE_WITHDRAWN
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = ("evidence_id", "reason")

        evidence_id: UUID
        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            found = complaint.evidence.get(str(self.evidence_id))
            if found is not None:
                complaint.evidence = {
                    **complaint.evidence,
                    str(self.evidence_id): replace(found, withdrawn_reason=self.reason),
                }

    def __init__(
        self,
        tracking_code: str,
        channel: str,
        household_id: UUID | None,
        village_code: str,
        subject: dict[str, Any],
        reasons: list[str],
        description: str,
        reporter: dict[str, Any] | None,
        actor: str,
    ) -> None:
        self.tracking_code = tracking_code
        self.channel = channel
        self.household_id = household_id
        self.village_code = village_code
        self.subject_name = str(subject.get("name") or "")
        self.reasons = tuple(reasons)
        self.filed_by = actor
        self.status = Status.FILED
        self.corroborations = 0
        self.assigned_to: str | None = None
        self.investigated_by: str | None = None
        self.recommendation: str | None = None
        self.visited_on: date | None = None
        self.findings: dict[str, str] = {}
        self.notice_issued_on: date | None = None
        self.response_due: date | None = None
        self.response_received_on: date | None = None
        self.noticed_household_id: UUID | None = None
        self.heard_household_id: UUID | None = None
        self.decided_by: str | None = None
        self.decided_on: date | None = None
        self.upheld_reasons: tuple[str, ...] = ()
        self.appealed_on: date | None = None
        self.appeal_decided_by: str | None = None
        self.joined_case_id: UUID | None = None
        self.letters: dict[str, Letter] = {}
        self.decision_delivered_on: date | None = None
        self.evidence: dict[str, Evidence] = {}

    # --- commands -------------------------------------------------------------------------------

    @classmethod
    def file(
        cls,
        *,
        id: UUID,
        tracking_code: str,
        channel: str,
        household_id: UUID | None,
        village_code: str,
        subject: dict[str, Any],
        reasons: list[str],
        description: str,
        reporter: dict[str, Any] | None,
        actor: str,
        at: datetime,
    ) -> Complaint:
        """File a new complaint; the subject is a matched household or a described one."""
        if channel not in CHANNELS:
            raise InvalidInputError(
                f"channel: unknown channel {channel!r}; use one of {', '.join(CHANNELS)}",
                field="channel",
            )
        reasons = validate_reasons(reasons, description)
        description = validate_description(description)
        unknown_fields = sorted(set(subject) - set(SUBJECT_FIELDS))
        if unknown_fields:
            raise InvalidInputError(
                f"subject: unknown field(s) {', '.join(unknown_fields)}", field="subject"
            )
        # An unmatched household is held for an officer to match: by the numbers the filer gave
        # (which match no registered household, or several), or by its head's name and village.
        if household_id is None and not (
            names_household(subject) or (subject.get("name") and village_code)
        ):
            raise InvalidInputError(
                "subject: give the household's registry id, KK or NIK, or else the name of the "
                "head of household and the village code",
                field="subject",
            )
        return cls._create(
            cls.Filed,
            id=id,
            timestamp=at,
            tracking_code=tracking_code,
            channel=str(channel),
            household_id=household_id,
            village_code=village_code,
            subject={k: v for k, v in subject.items() if v},
            reasons=reasons,
            description=description,
            reporter=reporter,
            actor=actor,
        )

    @property
    def is_final(self) -> bool:
        """Nothing more may happen to the case."""
        return self.status in FINAL_STATUSES

    @property
    def is_open(self) -> bool:
        """Further complaints about the household join this case instead of opening a new one."""
        return not self.is_final

    def available_actions(self, role: Role, actor: str, today: date) -> list[Action]:
        """What this person may do to the case now: their role allows it, the case's state too.

        Built from the same guards the commands run first, so an action is offered exactly when
        its command would be accepted with valid input.
        """
        offered = []
        for action, roles in ACTION_ROLES.items():
            if role not in roles:
                continue
            try:
                self.check(action, actor, today)
            except DomainError:
                continue
            offered.append(action)
        return offered

    def check(self, action: Action, actor: str, today: date) -> None:
        """Refuse the action if the case's state or the actor does not allow it now.

        The rules here depend on the case, the actor and the day, never on the command's input;
        each command runs them first, then checks its input.
        """
        _GUARDS[action](self, actor, today)

    def corroborate(
        self,
        *,
        channel: str,
        reasons: list[str],
        description: str,
        reporter: dict[str, Any] | None,
        actor: str,
        at: datetime,
        joined_from: str | None = None,
    ) -> None:
        """Join a later complaint about the same household to this open case.

        ``joined_from`` is the tracking code of a complaint that joins when its household is
        matched (it keeps its own record of joining, `Joined`).
        """
        self._refuse_if_final("corroborate")
        if channel not in CHANNELS:
            raise InvalidInputError(f"channel: unknown channel {channel!r}", field="channel")
        reasons = validate_reasons(reasons, description)
        description = validate_description(description)
        self.trigger_event(
            self.Corroborated,
            timestamp=at,
            channel=str(channel),
            reasons=reasons,
            description=description,
            reporter=reporter,
            joined_from=joined_from,
            actor=actor,
        )

    def match_concerns(self, household: HouseholdFacts) -> list[Concern]:
        """What differs between this complaint and a registered household (see `concerns`)."""
        return concerns(self.subject_name, self.village_code, household)

    def identify_household(
        self, *, household: HouseholdFacts, confirmation: str = "", actor: str, at: datetime
    ) -> None:
        """Match a complaint filed about an unmatched household to a registered one.

        Refused for a household already taken off aid; a different village or a head's name
        that does not match needs ``confirmation``, a written reason. A household under another
        open case is matched by joining that case (the application corroborates it there).
        """
        self.check(Action.IDENTIFY_HOUSEHOLD, actor, jakarta_date(at))
        found, confirmation = self._check_match(household, confirmation)
        self.trigger_event(
            self.HouseholdIdentified,
            timestamp=at,
            household_id=household.household_id,
            village_code=household.village_code,
            concerns=[str(c) for c in found],
            confirmation=confirmation,
            actor=actor,
        )
        self._join_open_case(household, actor, at)

    def rematch_household(
        self,
        *,
        household: HouseholdFacts,
        reason: str,
        confirmation: str = "",
        actor: str,
        at: datetime,
    ) -> None:
        """Match the case to another household; the case goes back to its assigned officer.

        The field check, the notice and the hearing must concern the household that would be
        deactivated, so all three are done again. The same refusals and confirmations as a
        first match apply.
        """
        self.check(Action.REMATCH_HOUSEHOLD, actor, jakarta_date(at))
        reason = _require_text(reason, "reason", "the reason for matching another household")
        if household.household_id == self.household_id:
            raise RuleViolationError(
                f"registry_id: the case is already matched to {household.registry_id}",
                field="registry_id",
                rule="same_household",
            )
        found, confirmation = self._check_match(household, confirmation)
        assert self.household_id is not None
        self.trigger_event(
            self.HouseholdRematched,
            timestamp=at,
            household_id=household.household_id,
            previous_household_id=self.household_id,
            village_code=household.village_code,
            reason=reason,
            concerns=[str(c) for c in found],
            confirmation=confirmation,
            actor=actor,
        )
        self._join_open_case(household, actor, at)

    def _check_match(
        self, household: HouseholdFacts, confirmation: str
    ) -> tuple[list[Concern], str]:
        if household.deactivated:
            raise RuleViolationError(
                f"registry_id: household {household.registry_id} is already deactivated (taken "
                "off aid); a complaint cannot be matched to it",
                field="registry_id",
                rule="household_deactivated",
            )
        found = self.match_concerns(household)
        confirmation = (confirmation or "").strip()
        if found and len(confirmation) < CONFIRMATION_MIN_CHARS:
            raise RuleViolationError(
                f"confirmation: household {household.registry_id} differs from the complaint "
                f"({', '.join(found)}); confirm the match with a reason of at least "
                f"{CONFIRMATION_MIN_CHARS} characters",
                field="confirmation",
                rule="match_unconfirmed",
            )
        return found, confirmation

    def _join_open_case(self, household: HouseholdFacts, actor: str, at: datetime) -> None:
        if household.open_case_id is None or household.open_case_id == self.id:
            return
        self.trigger_event(
            self.Joined,
            timestamp=at,
            household_id=household.household_id,
            case_id=household.open_case_id,
            tracking_code=household.open_case_tracking_code,
            actor=actor,
        )

    def assign(self, *, officer: str, actor: str, at: datetime) -> None:
        """Give the case to an officer (again, before the investigation, to reassign it)."""
        self.check(Action.ASSIGN, actor, jakarta_date(at))
        officer = officer.strip()
        if not officer:
            raise InvalidInputError("officer: name the officer to assign", field="officer")
        self.trigger_event(self.Assigned, timestamp=at, officer=officer, actor=actor)

    def reassign(self, *, officer: str, reason: str, actor: str, at: datetime) -> None:
        """Give the case to another officer at any step before the decision, saying why."""
        self.check(Action.REASSIGN, actor, jakarta_date(at))
        officer = officer.strip()
        if not officer:
            raise InvalidInputError("officer: name the officer to assign", field="officer")
        reason = _require_text(reason, "reason", "the reason for reassigning")
        if officer == self.assigned_to:
            raise RuleViolationError(
                f"officer: the case is already assigned to {officer}",
                field="officer",
                rule="same_assignee",
            )
        assert self.assigned_to is not None
        self.trigger_event(
            self.Reassigned,
            timestamp=at,
            officer=officer,
            previous_officer=self.assigned_to,
            reason=reason,
            actor=actor,
        )

    def record_investigation(
        self,
        *,
        visited_on: date,
        findings: dict[str, str],
        recommendation: str,
        notes: str,
        actor: str,
        at: datetime,
    ) -> None:
        """Record the assigned officer's field check and recommendation."""
        self.check(Action.RECORD_INVESTIGATION, actor, jakarta_date(at))
        if recommendation not in tuple(Decision):
            raise InvalidInputError(
                "recommendation: must be 'uphold' or 'reject'", field="recommendation"
            )
        if visited_on > jakarta_date(at):
            raise InvalidInputError(
                "visited_on: the visit date is in the future", field="visited_on"
            )
        if visited_on < jakarta_date(self.created_on):
            raise InvalidInputError(
                "visited_on: the visit cannot be before the complaint was filed",
                field="visited_on",
            )
        if not findings:
            raise InvalidInputError(
                "findings: give the findings for at least one reason code", field="findings"
            )
        unknown = sorted(set(findings) - set(self.reasons))
        if unknown:
            raise InvalidInputError(
                f"findings: {', '.join(unknown)} is not a reason of this complaint "
                f"({', '.join(self.reasons)})",
                field="findings",
            )
        for code, text in findings.items():
            _require_text(text, f"findings.{code}", "the finding")
        self.trigger_event(
            self.Investigated,
            timestamp=at,
            visited_on=visited_on,
            findings={code: text.strip() for code, text in findings.items()},
            recommendation=str(recommendation),
            notes=notes.strip(),
            actor=actor,
        )

    def issue_notice(self, *, response_due: date, actor: str, at: datetime) -> None:
        """Notify the household of the complaint and its right to respond by a deadline."""
        self.check(Action.ISSUE_NOTICE, actor, jakarta_date(at))
        if response_due <= jakarta_date(at):
            raise InvalidInputError(
                "response_due: the deadline must be after today", field="response_due"
            )
        self.trigger_event(
            self.NoticeIssued,
            timestamp=at,
            response_due=response_due,
            household_id=self.household_id,
            actor=actor,
        )

    def record_response(
        self, *, statement: str, received_on: date, actor: str, at: datetime
    ) -> None:
        """Record the household's response to the notice."""
        self.check(Action.RECORD_RESPONSE, actor, jakarta_date(at))
        statement = _require_text(statement, "statement", "the household's statement")
        if received_on > jakarta_date(at):
            raise InvalidInputError(
                "received_on: the response date is in the future", field="received_on"
            )
        assert self.notice_issued_on is not None
        if received_on < self.notice_issued_on:
            raise InvalidInputError(
                "received_on: the response cannot be before the notice was issued",
                field="received_on",
            )
        self.trigger_event(
            self.ResponseRecorded,
            timestamp=at,
            statement=statement,
            received_on=received_on,
            household_id=self.household_id,
            actor=actor,
        )

    @property
    def confirmable_reasons(self) -> tuple[str, ...]:
        """The complaint's reasons the field check reported on: those an uphold may rest on."""
        return tuple(code for code in self.reasons if code in self.findings)

    def uphold(self, *, reason: str, reason_codes: list[str], actor: str, at: datetime) -> None:
        """Uphold the complaint; the application deactivates the household in the same save.

        A decision that takes aid away states its reasons (UU 30/2014): ``reason`` in at least
        `UPHOLD_REASON_MIN_CHARS` characters, and ``reason_codes``, the complaint's reasons that
        the field check confirmed.
        """
        self.check(Action.UPHOLD, actor, jakarta_date(at))
        reason = _require_text(reason, "reason", "the reason for the uphold")
        if len(reason) < UPHOLD_REASON_MIN_CHARS:
            raise ReasonRequiredError(
                f"reason: state the reasons of the uphold in at least {UPHOLD_REASON_MIN_CHARS} "
                f"characters (this has {len(reason)})",
                field="reason",
                rule="reason_too_short",
            )
        if not reason_codes:
            raise InvalidInputError(
                "reason_codes: name the complaint's reasons that the field check confirmed",
                field="reason_codes",
                rule="reason_codes_required",
            )
        unconfirmed = sorted(set(reason_codes) - set(self.confirmable_reasons))
        if unconfirmed:
            raise InvalidInputError(
                f"reason_codes: {', '.join(unconfirmed)} is not a reason of this complaint that "
                f"the field check reported on ({', '.join(self.confirmable_reasons)})",
                field="reason_codes",
                rule="reason_not_confirmed",
            )
        assert self.household_id is not None
        self.trigger_event(
            self.Upheld,
            timestamp=at,
            reason=reason,
            reason_codes=[code for code in self.confirmable_reasons if code in reason_codes],
            household_id=self.household_id,
            effective_month=next_month(at),
            actor=actor,
        )

    def reject(self, *, reason: str, actor: str, at: datetime) -> None:
        """Reject the complaint after its investigation."""
        self.check(Action.REJECT, actor, jakarta_date(at))
        reason = _require_text(reason, "reason", "the reason for the rejection")
        self.trigger_event(self.Rejected, timestamp=at, reason=reason, actor=actor)

    def withdraw(self, *, reason: str, actor: str, at: datetime) -> None:
        """Withdraw the complaint before it is decided."""
        self.check(Action.WITHDRAW, actor, jakarta_date(at))
        reason = _require_text(reason, "reason", "the reason for the withdrawal")
        self.trigger_event(self.Withdrawn, timestamp=at, reason=reason, actor=actor)

    def objection_deadline(self) -> date | None:
        """The last day for the household's objection: 21 working days after the decision
        letter was delivered (None until it was)."""
        delivered = self.decision_delivered_on
        return objection_deadline(delivered) if delivered is not None else None

    def appeal(self, *, grounds: str, filed_on: date, actor: str, at: datetime) -> None:
        """Record the household's objection to the uphold (received by the office on filed_on)."""
        self.check(Action.APPEAL, actor, jakarta_date(at))
        grounds = _require_text(grounds, "grounds", "the grounds of the objection")
        if filed_on > jakarta_date(at):
            raise InvalidInputError(
                "filed_on: the objection date is in the future", field="filed_on"
            )
        assert self.decided_on is not None
        if filed_on < self.decided_on:
            raise InvalidInputError(
                "filed_on: the objection cannot be before the decision", field="filed_on"
            )
        assert self.decision_delivered_on is not None
        deadline = objection_deadline(self.decision_delivered_on)
        if filed_on > deadline:
            raise ObjectionWindowError(
                f"filed_on: the objection window closed on {deadline.isoformat()} "
                "(21 working days after the decision letter was delivered on "
                f"{self.decision_delivered_on.isoformat()})",
                field="filed_on",
            )
        self.trigger_event(
            self.Appealed, timestamp=at, grounds=grounds, filed_on=filed_on, actor=actor
        )

    def grant_appeal(self, *, reason: str, actor: str, at: datetime) -> None:
        """Grant the objection; the application reactivates the household in the same save."""
        self.check(Action.GRANT_APPEAL, actor, jakarta_date(at))
        reason = _require_text(reason, "reason", "the reason for granting the appeal")
        assert self.household_id is not None
        self.trigger_event(
            self.AppealGranted,
            timestamp=at,
            reason=reason,
            household_id=self.household_id,
            actor=actor,
        )

    def deny_appeal(self, *, reason: str, actor: str, at: datetime) -> None:
        """Deny the objection; the uphold stands."""
        self.check(Action.DENY_APPEAL, actor, jakarta_date(at))
        reason = _require_text(reason, "reason", "the reason for denying the appeal")
        self.trigger_event(self.AppealDenied, timestamp=at, reason=reason, actor=actor)

    # --- letters --------------------------------------------------------------------------------

    def issuable_letters(self) -> list[LetterKind]:
        """The letters the case's state calls for now (a lost letter is issued again, numbered
        anew: a letter's number and bytes never change)."""
        kinds = []
        if self.status == Status.NOTICE_ISSUED and self.noticed_household_id is not None:
            kinds.append(LetterKind.NOTICE)
        if self.investigated_by is not None and self.household_id is not None:
            kinds.append(LetterKind.FIELD_REPORT)
        if self.status in (Status.UPHELD, Status.REJECTED) and self.decision_delivered_on is None:
            kinds.append(LetterKind.DECISION)
        if self.status in (Status.APPEAL_GRANTED, Status.APPEAL_DENIED):
            kinds.append(LetterKind.APPEAL_DECISION)
        return kinds

    def counts_from_delivery(self, kind: LetterKind) -> bool:
        """Whether a letter of this kind starts a deadline when delivered (an uphold's decision
        letter starts the objection window), so it states the day it is handed over."""
        return kind == LetterKind.DECISION and self.status == Status.UPHELD

    def check_letter(
        self, *, kind: str, delivery_on: date | None, actor: str, today: date
    ) -> date | None:
        """Refuse a letter the case does not call for now; the delivery day it will state.

        The application checks this before typesetting, and `issue_letter` again.
        """
        self.check(Action.ISSUE_LETTER, actor, today)
        if kind not in self.issuable_letters():
            raise OutOfOrderError(
                f"kind: a {kind} letter is not due at this stage of the case "
                f"(due: {', '.join(self.issuable_letters())})",
                field="kind",
                rule="letter_not_due",
            )
        if not self.counts_from_delivery(LetterKind(kind)):
            return None
        stated = delivery_on or today
        if stated < today:
            raise InvalidInputError(
                "delivery_on: the day the letter is handed over cannot be before its date",
                field="delivery_on",
            )
        return stated

    def issue_letter(
        self,
        *,
        kind: str,
        number: str,
        sequence: int,
        delivery_on: date | None,
        sha256: str,
        template: str,
        content: dict[str, Any],
        actor: str,
        at: datetime,
    ) -> None:
        """Record a numbered letter of the case, its content and the digest of its PDF."""
        today = jakarta_date(at)
        stated = self.check_letter(kind=kind, delivery_on=delivery_on, actor=actor, today=today)
        if number in self.letters:
            raise RuleViolationError(
                f"number: the case already has a letter numbered {number}",
                field="number",
                rule="letter_number_taken",
            )
        self.trigger_event(
            self.LetterIssued,
            timestamp=at,
            kind=str(kind),
            number=number,
            sequence=sequence,
            issued_on=today,
            delivery_on=stated,
            sha256=sha256,
            template=template,
            content=content,
            actor=actor,
        )

    def record_delivery(
        self, *, number: str, delivered_on: date, method: str, actor: str, at: datetime
    ) -> None:
        """Record that a letter reached the household; a decision letter starts the objection
        window on that day."""
        today = jakarta_date(at)
        self.check(Action.RECORD_DELIVERY, actor, today)
        letter = self.letters.get(number)
        if letter is None:
            raise InvalidInputError(
                f"number: the case has no letter numbered {number!r}",
                field="number",
                rule="unknown_letter",
            )
        if letter.delivered:
            raise OutOfOrderError(
                f"number: letter {number} was already delivered on {letter.delivered_on}",
                field="number",
                rule="letter_already_delivered",
            )
        if method not in DELIVERY_METHODS:
            raise InvalidInputError(
                f"method: unknown delivery method {method!r}; use one of "
                f"{', '.join(DELIVERY_METHODS)}",
                field="method",
            )
        if delivered_on > today:
            raise InvalidInputError(
                "delivered_on: the delivery date is in the future", field="delivered_on"
            )
        if not letter.deliverable_on(delivered_on):
            raise InvalidInputError(
                f"delivered_on: letter {number} states it is handed over on "
                f"{(letter.delivery_on or letter.issued_on).isoformat()} and counts its "
                "deadline from that day; it cannot have been delivered earlier",
                field="delivered_on",
                rule="delivered_before_stated_day",
            )
        self.trigger_event(
            self.LetterDelivered,
            timestamp=at,
            number=number,
            kind=str(letter.kind),
            delivered_on=delivered_on,
            method=str(method),
            actor=actor,
        )

    # --- evidence -------------------------------------------------------------------------------

    @property
    def evidence_count(self) -> int:
        """Attachments on record and not withdrawn (all the public tracking page tells)."""
        return sum(1 for e in self.evidence.values() if not e.withdrawn)

    def evidence_action(self) -> Action | None:
        """Which attaching the case's stage calls for: the field check's photos (assigned,
        investigated), the household's documents (noticed, heard, objected), or none."""
        if self.status in (Status.ASSIGNED, Status.INVESTIGATED):
            return Action.ATTACH_FIELD_EVIDENCE
        if self.status in (Status.NOTICE_ISSUED, Status.RESPONSE_RECORDED, Status.APPEALED):
            return Action.ATTACH_RESPONSE_EVIDENCE
        return None

    def check_attach(self, role: Role, actor: str, today: date) -> Action:
        """Refuse attaching now unless this person may; the action it is.

        Run before a file is read, so a refused upload costs nothing and stores nothing.
        """
        action = self.evidence_action()
        if action is None:
            raise OutOfOrderError(
                f"no evidence is attached while the case is {self.status}: field evidence while "
                "it is assigned or investigated, the household's documents after the notice",
                rule="no_evidence_stage",
            )
        if role not in ACTION_ROLES[action]:
            raise NotAllowedError(
                f"a {role} does not attach evidence at this stage of the case",
                rule="not_allowed",
            )
        self.check(action, actor, today)
        return action

    def attach_evidence(
        self,
        *,
        role: Role,
        attachment: Attachment,
        actor: str,
        at: datetime,
        limit: int = EVIDENCE_PER_CASE,
    ) -> None:
        """Attach a file as the case's stage calls for (see `evidence_action`)."""
        action = self.check_attach(role, actor, jakarta_date(at))
        attach = (
            self.attach_field_evidence
            if action == Action.ATTACH_FIELD_EVIDENCE
            else self.attach_response_evidence
        )
        attach(attachment=attachment, actor=actor, at=at, limit=limit)

    def attach_filing_evidence(
        self, *, attachment: Attachment, actor: str, at: datetime, limit: int = EVIDENCE_PER_CASE
    ) -> None:
        """Attach the complainant's own file, in the save that records their filing."""
        self._refuse_if_final("attach evidence")
        self._attach(attachment, EvidenceStage.FILING, actor, at, limit)

    def attach_field_evidence(
        self, *, attachment: Attachment, actor: str, at: datetime, limit: int = EVIDENCE_PER_CASE
    ) -> None:
        """Attach a photo or document of the field check (the assigned officer or facilitator)."""
        self.check(Action.ATTACH_FIELD_EVIDENCE, actor, jakarta_date(at))
        self._attach(attachment, EvidenceStage.FIELD_CHECK, actor, at, limit)

    def attach_response_evidence(
        self, *, attachment: Attachment, actor: str, at: datetime, limit: int = EVIDENCE_PER_CASE
    ) -> None:
        """Attach the household's documents: with its response, or with its objection."""
        self.check(Action.ATTACH_RESPONSE_EVIDENCE, actor, jakarta_date(at))
        stage = EvidenceStage.APPEAL if self.status == Status.APPEALED else EvidenceStage.RESPONSE
        self._attach(attachment, stage, actor, at, limit)

    def _attach(
        self, attachment: Attachment, stage: EvidenceStage, actor: str, at: datetime, limit: int
    ) -> None:
        attachment = clean_attachment(attachment)
        if len(self.evidence) >= limit:
            raise RuleViolationError(
                f"file: the case already has {len(self.evidence)} attachments, the most a case "
                "may have",
                field="file",
                rule="too_many_attachments",
            )
        if str(attachment.id) in self.evidence:
            raise RuleViolationError(
                f"file: attachment {attachment.id} is already on record",
                field="file",
                rule="attachment_exists",
            )
        self.trigger_event(
            self.EvidenceAttached,
            timestamp=at,
            evidence_id=attachment.id,
            kind=str(attachment.kind),
            stage=str(stage),
            media_type=str(attachment.media_type),
            size=attachment.size,
            sha256=attachment.sha256,
            name=attachment.name,
            caption=attachment.caption,
            taken_at=attachment.taken_at,
            taken_at_source=attachment.taken_at_source,
            latitude=attachment.latitude,
            longitude=attachment.longitude,
            location_source=attachment.location_source,
            derived=dict(attachment.derived),
            actor=actor,
        )

    def withdraw_evidence(self, *, evidence_id: str, reason: str, actor: str, at: datetime) -> None:
        """Withdraw an attachment from the case with a reason; the record of it stays."""
        self.check(Action.WITHDRAW_EVIDENCE, actor, jakarta_date(at))
        found = self.evidence.get(str(evidence_id))
        if found is None:
            raise InvalidInputError(
                f"evidence_id: the case has no attachment {evidence_id}",
                field="evidence_id",
                rule="unknown_attachment",
            )
        if found.withdrawn:
            raise OutOfOrderError(
                f"evidence_id: attachment {evidence_id} was already withdrawn",
                field="evidence_id",
                rule="attachment_withdrawn",
            )
        reason = _require_text(reason, "reason", "the reason for withdrawing the attachment")
        self.trigger_event(
            self.EvidenceWithdrawn,
            timestamp=at,
            evidence_id=found.id,
            reason=reason,
            actor=actor,
        )

    # --- guards: what the state and the actor allow, whatever the input -------------------------

    def _may_identify(self, actor: str, today: date) -> None:
        self._refuse_if_final("identify the household")
        if self.household_id is not None:
            raise OutOfOrderError(
                "this complaint is already matched to a household", rule="already_matched"
            )
        if self.status not in (Status.FILED, Status.ASSIGNED):
            raise OutOfOrderError(
                "the household is matched before the field check; after it, a supervisor "
                "matches another household, which sends the case back to its officer",
                rule="match_after_field_check",
            )

    def _may_rematch(self, actor: str, today: date) -> None:
        self._refuse_if_final("match another household")
        self._require_status(
            "match another household",
            Status.ASSIGNED,
            Status.INVESTIGATED,
            Status.NOTICE_ISSUED,
            Status.RESPONSE_RECORDED,
        )
        self._require_household("match another household")

    def _may_assign(self, actor: str, today: date) -> None:
        self._refuse_if_final("assign")
        self._require_status("assign", Status.FILED, Status.ASSIGNED)

    def _may_reassign(self, actor: str, today: date) -> None:
        self._refuse_if_final("reassign")
        self._require_status(
            "reassign",
            Status.ASSIGNED,
            Status.INVESTIGATED,
            Status.NOTICE_ISSUED,
            Status.RESPONSE_RECORDED,
        )

    def _may_investigate(self, actor: str, today: date) -> None:
        self._refuse_if_final("record an investigation")
        self._require_status("record an investigation", Status.ASSIGNED)
        self._require_household("record the field check")
        if actor != self.assigned_to:
            raise NotAllowedError(
                f"only the assigned officer ({self.assigned_to}) records the investigation",
                rule="not_assigned_officer",
            )

    def _may_notice(self, actor: str, today: date) -> None:
        self._refuse_if_final("issue a notice")
        self._require_status("issue a notice", Status.INVESTIGATED)
        self._require_household("notify the household")

    def _may_record_response(self, actor: str, today: date) -> None:
        self._refuse_if_final("record a response")
        self._require_status("record a response", Status.NOTICE_ISSUED)

    def _may_uphold(self, actor: str, today: date) -> None:
        self._refuse_if_final("decide")
        self._require_status("uphold", Status.NOTICE_ISSUED, Status.RESPONSE_RECORDED)
        self._refuse_investigator(actor)
        if self.status == Status.NOTICE_ISSUED:
            assert self.response_due is not None
            if today <= self.response_due:
                raise NotHeardError(
                    "the household must be heard first: record its response, or wait until "
                    f"its deadline {self.response_due.isoformat()} has passed"
                )
        self._require_household("uphold: there is nothing to deactivate")
        # The household heard is the household deactivated (cases noticed before this was
        # recorded were matched at any time; a supervisor's rematch sends them back).
        if self.noticed_household_id != self.household_id or (
            self.status == Status.RESPONSE_RECORDED and self.heard_household_id != self.household_id
        ):
            raise RuleViolationError(
                "the household matched now is not the household that was notified and heard; "
                "match it again (a supervisor's rematch) so that it is checked, notified and "
                "heard before a decision",
                rule="household_not_noticed",
            )

    def _may_reject(self, actor: str, today: date) -> None:
        self._refuse_if_final("decide")
        self._require_status(
            "reject", Status.INVESTIGATED, Status.NOTICE_ISSUED, Status.RESPONSE_RECORDED
        )
        self._refuse_investigator(actor)

    def _may_withdraw(self, actor: str, today: date) -> None:
        self._refuse_if_final("withdraw")
        self._require_status("withdraw", *sorted(UNDECIDED_STATUSES))

    def _may_appeal(self, actor: str, today: date) -> None:
        self._refuse_if_final("appeal")
        self._require_status("appeal", Status.UPHELD)
        if self.decision_delivered_on is None:
            raise OutOfOrderError(
                "the objection window starts when the decision letter is delivered: issue it "
                "and record its delivery first",
                rule="decision_not_delivered",
            )

    def _may_issue_letter(self, actor: str, today: date) -> None:
        if not self.issuable_letters():
            raise OutOfOrderError(
                f"no letter is due while the case is {self.status}", rule="no_letter_due"
            )

    def _may_record_delivery(self, actor: str, today: date) -> None:
        if not any(letter.deliverable_on(today) for letter in self.letters.values()):
            raise OutOfOrderError(
                "no issued letter is waiting to be delivered", rule="no_letter_to_deliver"
            )

    def _may_decide_appeal(self, actor: str, today: date) -> None:
        self._refuse_if_final("decide the appeal")
        self._require_status("decide the appeal", Status.APPEALED)
        self._refuse_investigator(actor)

    def _may_attach_field_evidence(self, actor: str, today: date) -> None:
        self._refuse_if_final("attach field evidence")
        self._require_status("attach field evidence", Status.ASSIGNED, Status.INVESTIGATED)
        if actor != self.assigned_to:
            raise NotAllowedError(
                f"only the assigned officer ({self.assigned_to}) attaches field evidence",
                rule="not_assigned_officer",
            )

    def _may_attach_response_evidence(self, actor: str, today: date) -> None:
        self._refuse_if_final("attach the household's documents")
        self._require_status(
            "attach the household's documents",
            Status.NOTICE_ISSUED,
            Status.RESPONSE_RECORDED,
            Status.APPEALED,
        )

    def _may_withdraw_evidence(self, actor: str, today: date) -> None:
        if not any(not e.withdrawn for e in self.evidence.values()):
            raise OutOfOrderError(
                "the case has no attachment to withdraw", rule="no_attachment_to_withdraw"
            )

    def _refuse_if_final(self, action: str) -> None:
        if self.is_final:
            raise FinalStateError(f"cannot {action}: the case is already {self.status}")

    def _require_status(self, action: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise OutOfOrderError(
                f"cannot {action} while the case is {self.status}; "
                f"the case must be {' or '.join(allowed)}"
            )

    def _require_household(self, action: str) -> None:
        if self.household_id is None:
            raise OutOfOrderError(
                f"match the complaint to a registered household first: cannot {action}",
                rule="household_not_identified",
            )

    def _refuse_investigator(self, actor: str) -> None:
        if actor == self.investigated_by:
            raise FourEyesError(
                "the officer who investigated the case cannot decide it (four eyes)"
            )


_GUARDS: dict[Action, Callable[[Complaint, str, date], None]] = {
    Action.ASSIGN: Complaint._may_assign,
    Action.REASSIGN: Complaint._may_reassign,
    Action.IDENTIFY_HOUSEHOLD: Complaint._may_identify,
    Action.REMATCH_HOUSEHOLD: Complaint._may_rematch,
    Action.RECORD_INVESTIGATION: Complaint._may_investigate,
    Action.ISSUE_NOTICE: Complaint._may_notice,
    Action.RECORD_RESPONSE: Complaint._may_record_response,
    Action.UPHOLD: Complaint._may_uphold,
    Action.REJECT: Complaint._may_reject,
    Action.WITHDRAW: Complaint._may_withdraw,
    Action.APPEAL: Complaint._may_appeal,
    Action.GRANT_APPEAL: Complaint._may_decide_appeal,
    Action.DENY_APPEAL: Complaint._may_decide_appeal,
    Action.ISSUE_LETTER: Complaint._may_issue_letter,
    Action.RECORD_DELIVERY: Complaint._may_record_delivery,
    Action.ATTACH_FIELD_EVIDENCE: Complaint._may_attach_field_evidence,
    Action.ATTACH_RESPONSE_EVIDENCE: Complaint._may_attach_response_evidence,
    Action.WITHDRAW_EVIDENCE: Complaint._may_withdraw_evidence,
}
"""Each action's guard: the rules of the case's state and the actor, run before any input."""


class Meaning(Protocol):
    """What every complaint event says of itself (see `Complaint`)."""

    step: ClassVar[Step]
    public: ClassVar[bool]
    leads_to: ClassVar[Status | None]
    shows: ClassVar[tuple[str, ...]]


EVENTS: tuple[type[Meaning], ...] = (
    Complaint.Filed,
    Complaint.Corroborated,
    Complaint.HouseholdIdentified,
    Complaint.HouseholdRematched,
    Complaint.Joined,
    Complaint.Assigned,
    Complaint.Reassigned,
    Complaint.Investigated,
    Complaint.NoticeIssued,
    Complaint.ResponseRecorded,
    Complaint.Upheld,
    Complaint.Rejected,
    Complaint.Withdrawn,
    Complaint.Appealed,
    Complaint.AppealGranted,
    Complaint.AppealDenied,
    Complaint.LetterIssued,
    Complaint.LetterDelivered,
    Complaint.EvidenceAttached,
    Complaint.EvidenceWithdrawn,
)
"""Every kind of complaint event, in lifecycle order."""

PUBLIC_STEPS: tuple[Step, ...] = tuple(e.step for e in EVENTS if e.public)
"""The steps the public may follow; corroborations, matching and letters stay internal."""


__all__ = [
    "AWAITING_DECISION",
    "CHANNELS",
    "EVENTS",
    "FINAL_STATUSES",
    "PUBLIC_STEPS",
    "REASONS",
    "STATUSES",
    "AppealDecision",
    "Channel",
    "Complaint",
    "Decision",
    "Reason",
    "Status",
    "Step",
    "validate_reasons",
]
