"""Request and response bodies shared by the routers; unknown request fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bratasena.domain.account import Role
from bratasena.domain.complaint import AppealDecision, Decision, Status, Step
from bratasena.domain.filing import REASONS, Channel, Reason
from bratasena.domain.letters import DeliveryMethod, LetterKind

Text = Field(min_length=1, max_length=4000)


class Strict(BaseModel):
    """A request body: a field the contract does not name is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# --- complaints (public) ------------------------------------------------------------------------


class SubjectIn(Strict):
    """The household complained about: a registry id, KK or NIK, or else a name and a village."""

    registry_id: str | None = Field(default=None, max_length=40)
    kk_number: str | None = Field(default=None, max_length=32)
    nik: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=120)
    village_code: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=300)


class ReporterIn(Strict):
    """Who complains; confidential (only supervisors and auditors see it). Null = anonymous."""

    name: str = Field(max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    nik: str | None = Field(default=None, max_length=32)
    village_code: str | None = Field(default=None, max_length=16)


class ComplaintIn(Strict):
    """A citizen's complaint that a household receiving aid is well-off."""

    subject: SubjectIn
    reasons: list[Reason] = Field(min_length=1, max_length=len(REASONS))
    description: str = Field(max_length=4000)
    reporter: ReporterIn | None = None
    channel: Channel = Channel.WEB


class PasswordChangeIn(BaseModel):
    """The current password, to show it is the account's owner, and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=200)
    new_password: str = Field(
        max_length=200, description="10–200 characters, 5 different, not the username"
    )


class FiledOut(BaseModel):
    """What the filer keeps: a tracking code of their own, new for every filing.

    The public answer is the same whether the household is registered, has an open case, or is
    held for an officer to match: ``status`` is ``filed`` and ``complaint_id`` is the id the code
    names. Staff also learn the case (``complaint_id``, its ``status``) and ``corroborated``.
    """

    complaint_id: UUID
    tracking_code: str
    status: Status
    corroborated: bool | None = Field(
        default=None, description="staff only: true when the complaint joined an open case"
    )


class StepOut(BaseModel):
    """One step of a case's progress, as the public may see it."""

    step: Step
    at: datetime


class TrackOut(BaseModel):
    """A complaint's progress for the public: no names, NIK, reasons or findings."""

    tracking_code: str
    status: Status
    filed_at: datetime
    updated_at: datetime
    steps: list[StepOut]
    evidence: int = Field(
        default=0, description="how many photos and documents the case holds (never which)"
    )


# --- accounts -----------------------------------------------------------------------------------


class TokenOut(BaseModel):
    """A bearer access token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class AccountOut(BaseModel):
    """A staff account (never its password hash)."""

    username: str
    full_name: str
    role: Role
    districts: list[str]
    enabled: bool
    updated_at: datetime
    version: int


class AccountPage(BaseModel):
    """One page of staff accounts."""

    items: list[AccountOut]
    total: int
    page: int
    per_page: int


class AccountIn(Strict):
    """A new staff account."""

    username: str = Field(min_length=3, max_length=40)
    password: str = Field(min_length=10, max_length=200)
    role: Role
    districts: list[str] = Field(default_factory=list, max_length=50)
    full_name: str = Field(default="", max_length=120)


class RoleIn(Strict):
    """A new role and districts for an account."""

    role: Role
    districts: list[str] = Field(default_factory=list, max_length=50)


class DisableIn(Strict):
    """Why an account is disabled."""

    reason: str = Text


# --- case commands ------------------------------------------------------------------------------


class AssignmentIn(Strict):
    """Give the case to an officer (by username)."""

    officer: str = Field(min_length=1, max_length=40)


class ReassignmentIn(Strict):
    """Give the case to another officer (by username) at any step before the decision, and why."""

    officer: str = Field(min_length=1, max_length=40)
    reason: str = Field(max_length=4000)


class HouseholdMatchIn(Strict):
    """The registered household a complaint is about, by its DTKS/DTSEN registry id."""

    registry_id: str = Field(min_length=1, max_length=40)
    confirmation: str = Field(
        default="",
        max_length=4000,
        description="why this household, when it lives in another village than the complaint "
        "names or its head's name does not match (at least 20 characters then)",
    )


class RematchIn(HouseholdMatchIn):
    """Another registered household for the case, and why: the field check starts again."""

    reason: str = Field(max_length=4000)


class InvestigationIn(Strict):
    """The field check: when, what was found per reason code, and the recommendation."""

    visited_on: date
    findings: dict[str, str] = Field(min_length=1, max_length=len(REASONS))
    recommendation: Decision
    notes: str = Field(default="", max_length=4000)


class NoticeIn(Strict):
    """The household's deadline to respond."""

    response_due: date


class ResponseIn(Strict):
    """The household's answer to the notice."""

    statement: str = Text
    received_on: date


class DecisionIn(Strict):
    """The supervisor's decision."""

    outcome: Decision
    reason: str = Field(max_length=4000, description="an uphold's: at least 30 characters")
    reason_codes: list[Reason] = Field(
        default_factory=list,
        max_length=len(REASONS),
        description="for an uphold: the complaint's reasons the field check confirmed",
    )


class WithdrawalIn(Strict):
    """Why the complaint is withdrawn."""

    reason: str = Field(max_length=4000)


class EvidenceWithdrawalIn(Strict):
    """Why an attachment is withdrawn from the case."""

    reason: str = Field(max_length=4000)


class AppealIn(Strict):
    """The household's objection (keberatan) to an uphold."""

    grounds: str = Field(max_length=4000)
    filed_on: date


class AppealDecisionIn(Strict):
    """The supervisor's decision on the objection."""

    outcome: AppealDecision
    reason: str = Field(max_length=4000)


class LetterIn(Strict):
    """A letter to issue for the case."""

    kind: LetterKind
    delivery_on: date | None = Field(
        default=None,
        description="for an uphold's decision letter: the day it is handed over, from which "
        "the objection deadline it prints is counted (default: the letter's date)",
    )


class DeliveryIn(Strict):
    """How and when a letter reached the household."""

    delivered_on: date
    method: DeliveryMethod


# --- targets ------------------------------------------------------------------------------------


class TargetsIn(Strict):
    """Removal targets for each month of a year, January first."""

    monthly: list[int] = Field(min_length=12, max_length=12)


class TargetsOut(BaseModel):
    """A year's monthly removal targets as stored."""

    year: int
    monthly: list[int]
    version: int


# --- audit --------------------------------------------------------------------------------------


class AuditEventOut(BaseModel):
    """One stored event, with the hash chain that lets an exported history be verified."""

    version: int
    type: str
    recorded_at: str = Field(description="ISO 8601 with offset, exactly as hashed")
    actor: str
    data: dict[str, Any]
    chain: str = Field(
        description="hex SHA-256 of the previous chain + this event's canonical JSON"
    )


class StateOut(BaseModel):
    """An aggregate as it stood at a version."""

    id: UUID
    type: str
    version: int
    recorded_at: str
    state: dict[str, Any]
