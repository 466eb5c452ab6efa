"""The Complaint aggregate: one citizen complaint (aduan) about a household, filing to appeal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.calendar import jakarta_date, next_month, objection_deadline
from bratasena.domain.errors import (
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

REASONS: tuple[str, ...] = (
    "mampu",
    "asn_tni_polri",
    "pensioner",
    "village_official",
    "certified_teacher",
    "company_owner_or_officer",
    "wage_above_umk",
    "owns_car",
    "permanent_house",
    "deceased",
    "moved_away",
    "not_found",
    "duplicate_registration",
    "receives_other_aid",
    "refuses_aid",
    "other",
)
"""Reason codes (alasan) for removal, from Kemensos practice; "other" needs a description."""

CHANNELS: tuple[str, ...] = ("web", "facilitator", "walk-in", "hotline")
"""How a complaint reached the office."""

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

STATUSES: tuple[str, ...] = (
    FILED,
    ASSIGNED,
    INVESTIGATED,
    NOTICE_ISSUED,
    RESPONSE_RECORDED,
    UPHELD,
    REJECTED,
    WITHDRAWN,
    APPEALED,
    APPEAL_GRANTED,
    APPEAL_DENIED,
)
FINAL_STATUSES = frozenset({REJECTED, WITHDRAWN, APPEAL_GRANTED, APPEAL_DENIED})
"""After these nothing more happens to a case."""

UNDECIDED_STATUSES = frozenset({FILED, ASSIGNED, INVESTIGATED, NOTICE_ISSUED, RESPONSE_RECORDED})
"""Before a decision: the case may still be withdrawn."""

SUBJECT_FIELDS = ("registry_id", "kk_number", "nik", "name", "village_code", "address")


def _require_text(value: str, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ReasonRequiredError(f"{field}: {what} must not be empty", field=field)
    return text


def validate_reasons(reasons: list[str], description: str, field: str = "reasons") -> list[str]:
    """The reason codes, checked: at least one, all known, no repeats, "other" explained."""
    if not reasons:
        raise InvalidInputError(f"{field}: give at least one reason code", field=field)
    unknown = [code for code in reasons if code not in REASONS]
    if unknown:
        raise InvalidInputError(
            f"{field}: unknown reason code {', '.join(map(repr, unknown))}; "
            f"known codes are {', '.join(REASONS)}",
            field=field,
            rule="unknown_reason",
        )
    if "other" in reasons and not description.strip():
        raise InvalidInputError(
            "description: the reason 'other' needs a description of what the reason is",
            field="description",
        )
    return list(dict.fromkeys(reasons))


class Complaint(Aggregate):
    """A complaint that a household receiving social aid is well-off, and its handling."""

    class Filed(Aggregate.Created):
        """A citizen's complaint about a household was received."""

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

        household_id: UUID
        village_code: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.household_id = self.household_id
            complaint.village_code = self.village_code

    class Assigned(Aggregate.Event):
        """A supervisor gave the case to an officer to investigate."""

        officer: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.assigned_to = self.officer
            complaint.status = ASSIGNED

    class Investigated(Aggregate.Event):
        """The officer checked the household in the field and recommended a decision."""

        visited_on: date
        findings: dict[str, str]
        recommendation: str
        notes: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.investigated_by = self.actor
            complaint.recommendation = self.recommendation
            complaint.visited_on = self.visited_on
            complaint.status = INVESTIGATED

    class NoticeIssued(Aggregate.Event):
        """The household was told of the complaint and given a deadline to respond."""

        response_due: date
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.notice_issued_on = jakarta_date(self.timestamp)
            complaint.response_due = self.response_due
            complaint.status = NOTICE_ISSUED

    class ResponseRecorded(Aggregate.Event):
        """The household's answer to the notice was recorded."""

        statement: str
        received_on: date
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.response_received_on = self.received_on
            complaint.status = RESPONSE_RECORDED

    class Upheld(Aggregate.Event):
        """A supervisor upheld the complaint: the household is removed from next month."""

        reason: str
        reason_codes: list[str]
        household_id: UUID
        effective_month: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.decided_by = self.actor
            complaint.decided_on = jakarta_date(self.timestamp)
            complaint.status = UPHELD

    class Rejected(Aggregate.Event):
        """A supervisor rejected the complaint: the household keeps its aid."""

        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.decided_by = self.actor
            complaint.decided_on = jakarta_date(self.timestamp)
            complaint.status = REJECTED

    class Withdrawn(Aggregate.Event):
        """The complaint was withdrawn before a decision."""

        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.status = WITHDRAWN

    class Appealed(Aggregate.Event):
        """The household objected (keberatan) to the uphold within the objection window."""

        grounds: str
        filed_on: date
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.appealed_on = self.filed_on
            complaint.status = APPEALED

    class AppealGranted(Aggregate.Event):
        """The objection succeeded: the uphold is reversed and the household reactivated."""

        reason: str
        household_id: UUID
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.appeal_decided_by = self.actor
            complaint.status = APPEAL_GRANTED

    class AppealDenied(Aggregate.Event):
        """The objection failed: the uphold stands."""

        reason: str
        actor: str

        def apply(self, complaint: Complaint) -> None:
            complaint.appeal_decided_by = self.actor
            complaint.status = APPEAL_DENIED

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
        self.status = FILED
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
        if not description.strip():
            raise InvalidInputError(
                "description: say briefly why the household is not poor", field="description"
            )
        unknown_fields = sorted(set(subject) - set(SUBJECT_FIELDS))
        if unknown_fields:
            raise InvalidInputError(
                f"subject: unknown field(s) {', '.join(unknown_fields)}", field="subject"
            )
        if household_id is None and not (subject.get("name") and village_code):
            raise InvalidInputError(
                "subject: name the household's head and village when it cannot be matched "
                "by registry id, KK or NIK",
                field="subject",
            )
        return cls._create(
            cls.Filed,
            id=id,
            timestamp=at,
            tracking_code=tracking_code,
            channel=channel,
            household_id=household_id,
            village_code=village_code,
            subject={k: v for k, v in subject.items() if v},
            reasons=reasons,
            description=description.strip(),
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
        self.trigger_event(
            self.Corroborated,
            timestamp=at,
            channel=channel,
            reasons=reasons,
            description=description.strip(),
            reporter=reporter,
            actor=actor,
        )

    def identify_household(
        self, *, household_id: UUID, village_code: str, actor: str, at: datetime
    ) -> None:
        """Match a complaint filed about an unmatched household to a registered one."""
        self._refuse_if_final("identify the household")
        if self.status not in UNDECIDED_STATUSES:
            raise OutOfOrderError("the household can only be identified before the decision")
        if self.household_id is not None:
            raise OutOfOrderError(
                "this complaint is already matched to a household", rule="already_matched"
            )
        self.trigger_event(
            self.HouseholdIdentified,
            timestamp=at,
            household_id=household_id,
            village_code=village_code,
            actor=actor,
        )

    def assign(self, *, officer: str, actor: str, at: datetime) -> None:
        """Give the case to an officer (again, before the investigation, to reassign it)."""
        self._refuse_if_final("assign")
        self._require_status("assign", FILED, ASSIGNED)
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
        self._refuse_if_final("record an investigation")
        self._require_status("record an investigation", ASSIGNED)
        if actor != self.assigned_to:
            raise NotAllowedError(
                f"only the assigned officer ({self.assigned_to}) records the investigation",
                rule="not_assigned_officer",
            )
        if recommendation not in ("uphold", "reject"):
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
            recommendation=recommendation,
            notes=notes.strip(),
            actor=actor,
        )

    def issue_notice(self, *, response_due: date, actor: str, at: datetime) -> None:
        """Notify the household of the complaint and its right to respond by a deadline."""
        self._refuse_if_final("issue a notice")
        self._require_status("issue a notice", INVESTIGATED)
        if response_due <= jakarta_date(at):
            raise InvalidInputError(
                "response_due: the deadline must be after today", field="response_due"
            )
        self.trigger_event(self.NoticeIssued, timestamp=at, response_due=response_due, actor=actor)

    def record_response(
        self, *, statement: str, received_on: date, actor: str, at: datetime
    ) -> None:
        """Record the household's response to the notice."""
        self._refuse_if_final("record a response")
        self._require_status("record a response", NOTICE_ISSUED)
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
        self._refuse_if_final("decide")
        self._require_status("uphold", NOTICE_ISSUED, RESPONSE_RECORDED)
        self._refuse_investigator(actor)
        if self.status == NOTICE_ISSUED:
            assert self.response_due is not None
            if jakarta_date(at) <= self.response_due:
                raise NotHeardError(
                    "the household must be heard first: record its response, or wait until "
                    f"its deadline {self.response_due.isoformat()} has passed"
                )
        if self.household_id is None:
            raise OutOfOrderError(
                "identify the registered household before upholding: nothing to deactivate",
                rule="household_not_identified",
            )
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
        self._refuse_if_final("decide")
        self._require_status("reject", INVESTIGATED, NOTICE_ISSUED, RESPONSE_RECORDED)
        self._refuse_investigator(actor)
        reason = _require_text(reason, "reason", "the reason for the rejection")
        self.trigger_event(self.Rejected, timestamp=at, reason=reason, actor=actor)

    def withdraw(self, *, reason: str, actor: str, at: datetime) -> None:
        """Withdraw the complaint before it is decided."""
        self._refuse_if_final("withdraw")
        self._require_status("withdraw", *sorted(UNDECIDED_STATUSES))
        reason = _require_text(reason, "reason", "the reason for the withdrawal")
        self.trigger_event(self.Withdrawn, timestamp=at, reason=reason, actor=actor)

    def objection_deadline(self) -> date | None:
        """The last day for the household's objection, once the complaint is upheld."""
        return objection_deadline(self.decided_on) if self.decided_on else None

    def appeal(self, *, grounds: str, filed_on: date, actor: str, at: datetime) -> None:
        """Record the household's objection to the uphold."""
        self._refuse_if_final("appeal")
        self._require_status("appeal", UPHELD)
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
        self._refuse_if_final("decide the appeal")
        self._require_status("decide the appeal", APPEALED)
        self._refuse_investigator(actor)
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
        self._refuse_if_final("decide the appeal")
        self._require_status("decide the appeal", APPEALED)
        self._refuse_investigator(actor)
        reason = _require_text(reason, "reason", "the reason for denying the appeal")
        self.trigger_event(self.AppealDenied, timestamp=at, reason=reason, actor=actor)

    # --- guards ---------------------------------------------------------------------------------

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


__all__ = [
    "CHANNELS",
    "FINAL_STATUSES",
    "REASONS",
    "STATUSES",
    "Complaint",
    "RuleViolationError",
    "validate_reasons",
]
