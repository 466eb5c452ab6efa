"""The Complaint aggregate: one citizen complaint (aduan) about a household, filing to appeal."""

from __future__ import annotations

from collections.abc import Callable
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


STATUSES: tuple[Status, ...] = tuple(Status)

FINAL_STATUSES = frozenset(
    {Status.REJECTED, Status.WITHDRAWN, Status.APPEAL_GRANTED, Status.APPEAL_DENIED}
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
    INVESTIGATED = "investigated"
    NOTICE_ISSUED = "notice_issued"
    RESPONSE_RECORDED = "response_recorded"
    UPHELD = "upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    APPEALED = "appealed"
    APPEAL_GRANTED = "appeal_granted"
    APPEAL_DENIED = "appeal_denied"


def _require_text(value: str, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ReasonRequiredError(f"{field}: {what} must not be empty", field=field)
    return text


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
        shows: ClassVar[tuple[str, ...]] = ("channel", "reasons")

        channel: str
        reasons: list[str]
        description: str
        reporter: dict[str, Any] | None
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.corroborations += 1
            complaint.reasons = tuple(dict.fromkeys((*complaint.reasons, *self.reasons)))

    class HouseholdIdentified(Aggregate.Event):
        """An officer matched an unmatched complaint to a registered household."""

        step: ClassVar[Step] = Step.HOUSEHOLD_IDENTIFIED
        public: ClassVar[bool] = False
        leads_to: ClassVar[Status | None] = None
        shows: ClassVar[tuple[str, ...]] = ("household_id", "village_code")

        household_id: UUID
        village_code: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.household_id = self.household_id
            complaint.village_code = self.village_code

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
            complaint.status = Status.INVESTIGATED

    class NoticeIssued(Aggregate.Event):
        """The household was told of the complaint and given a deadline to respond."""

        step: ClassVar[Step] = Step.NOTICE_ISSUED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.NOTICE_ISSUED
        shows: ClassVar[tuple[str, ...]] = ("response_due",)

        response_due: date
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.notice_issued_on = jakarta_date(self.timestamp)
            complaint.response_due = self.response_due
            complaint.status = Status.NOTICE_ISSUED

    class ResponseRecorded(Aggregate.Event):
        """The household's answer to the notice was recorded."""

        step: ClassVar[Step] = Step.RESPONSE_RECORDED
        public: ClassVar[bool] = True
        leads_to: ClassVar[Status | None] = Status.RESPONSE_RECORDED
        shows: ClassVar[tuple[str, ...]] = ("received_on", "statement")

        statement: str
        received_on: date
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.response_received_on = self.received_on
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
        self.reasons = tuple(reasons)
        self.filed_by = actor
        self.status = Status.FILED
        self.corroborations = 0
        self.assigned_to: str | None = None
        self.investigated_by: str | None = None
        self.recommendation: str | None = None
        self.visited_on: date | None = None
        self.notice_issued_on: date | None = None
        self.response_due: date | None = None
        self.response_received_on: date | None = None
        self.decided_by: str | None = None
        self.decided_on: date | None = None
        self.appealed_on: date | None = None
        self.appeal_decided_by: str | None = None

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
    ) -> None:
        """Join a later complaint about the same household to this open case."""
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
            actor=actor,
        )

    def identify_household(
        self, *, household_id: UUID, village_code: str, actor: str, at: datetime
    ) -> None:
        """Match a complaint filed about an unmatched household to a registered one."""
        self.check(Action.IDENTIFY_HOUSEHOLD, actor, jakarta_date(at))
        self.trigger_event(
            self.HouseholdIdentified,
            timestamp=at,
            household_id=household_id,
            village_code=village_code,
            actor=actor,
        )

    def assign(self, *, officer: str, actor: str, at: datetime) -> None:
        """Give the case to an officer (again, before the investigation, to reassign it)."""
        self.check(Action.ASSIGN, actor, jakarta_date(at))
        officer = officer.strip()
        if not officer:
            raise InvalidInputError("officer: name the officer to assign", field="officer")
        self.trigger_event(self.Assigned, timestamp=at, officer=officer, actor=actor)

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
        self.trigger_event(self.NoticeIssued, timestamp=at, response_due=response_due, actor=actor)

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
            actor=actor,
        )

    def uphold(self, *, reason: str, actor: str, at: datetime) -> None:
        """Uphold the complaint; the application deactivates the household in the same save."""
        self.check(Action.UPHOLD, actor, jakarta_date(at))
        assert self.household_id is not None
        self.trigger_event(
            self.Upheld,
            timestamp=at,
            reason=reason.strip(),
            reason_codes=list(self.reasons),
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
        """The last day for the household's objection, once the complaint is upheld."""
        return objection_deadline(self.decided_on) if self.decided_on else None

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
        deadline = objection_deadline(self.decided_on)
        if filed_on > deadline:
            raise ObjectionWindowError(
                f"filed_on: the objection window closed on {deadline.isoformat()} "
                "(21 working days after the decision)",
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

    # --- guards: what the state and the actor allow, whatever the input -------------------------

    def _may_identify(self, actor: str, today: date) -> None:
        self._refuse_if_final("identify the household")
        if self.status not in UNDECIDED_STATUSES:
            raise OutOfOrderError("the household can only be identified before the decision")
        if self.household_id is not None:
            raise OutOfOrderError(
                "this complaint is already matched to a household", rule="already_matched"
            )

    def _may_assign(self, actor: str, today: date) -> None:
        self._refuse_if_final("assign")
        self._require_status("assign", Status.FILED, Status.ASSIGNED)

    def _may_investigate(self, actor: str, today: date) -> None:
        self._refuse_if_final("record an investigation")
        self._require_status("record an investigation", Status.ASSIGNED)
        if actor != self.assigned_to:
            raise NotAllowedError(
                f"only the assigned officer ({self.assigned_to}) records the investigation",
                rule="not_assigned_officer",
            )

    def _may_notice(self, actor: str, today: date) -> None:
        self._refuse_if_final("issue a notice")
        self._require_status("issue a notice", Status.INVESTIGATED)

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
        if self.household_id is None:
            raise OutOfOrderError(
                "identify the registered household before upholding: nothing to deactivate",
                rule="household_not_identified",
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

    def _may_decide_appeal(self, actor: str, today: date) -> None:
        self._refuse_if_final("decide the appeal")
        self._require_status("decide the appeal", Status.APPEALED)
        self._refuse_investigator(actor)

    def _refuse_if_final(self, action: str) -> None:
        if self.is_final:
            raise FinalStateError(f"cannot {action}: the case is already {self.status}")

    def _require_status(self, action: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise OutOfOrderError(
                f"cannot {action} while the case is {self.status}; "
                f"the case must be {' or '.join(allowed)}"
            )

    def _refuse_investigator(self, actor: str) -> None:
        if actor == self.investigated_by:
            raise FourEyesError(
                "the officer who investigated the case cannot decide it (four eyes)"
            )


_GUARDS: dict[Action, Callable[[Complaint, str, date], None]] = {
    Action.ASSIGN: Complaint._may_assign,
    Action.IDENTIFY_HOUSEHOLD: Complaint._may_identify,
    Action.RECORD_INVESTIGATION: Complaint._may_investigate,
    Action.ISSUE_NOTICE: Complaint._may_notice,
    Action.RECORD_RESPONSE: Complaint._may_record_response,
    Action.UPHOLD: Complaint._may_uphold,
    Action.REJECT: Complaint._may_reject,
    Action.WITHDRAW: Complaint._may_withdraw,
    Action.APPEAL: Complaint._may_appeal,
    Action.GRANT_APPEAL: Complaint._may_decide_appeal,
    Action.DENY_APPEAL: Complaint._may_decide_appeal,
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
    Complaint.Assigned,
    Complaint.Investigated,
    Complaint.NoticeIssued,
    Complaint.ResponseRecorded,
    Complaint.Upheld,
    Complaint.Rejected,
    Complaint.Withdrawn,
    Complaint.Appealed,
    Complaint.AppealGranted,
    Complaint.AppealDenied,
)
"""Every kind of complaint event, in lifecycle order."""

PUBLIC_STEPS: tuple[Step, ...] = tuple(e.step for e in EVENTS if e.public)
"""The steps the public may follow; corroborations and matching stay internal."""


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
