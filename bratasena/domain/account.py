"""Staff accounts and role grants, event-sourced: who granted what, and when, is on record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.errors import InvalidInputError, OutOfOrderError


class Role(StrEnum):
    """Staff roles; the public needs no account."""

    FACILITATOR = "facilitator"
    """Pendamping PKH: files complaints as a trusted channel, does field checks when assigned."""
    OFFICER = "officer"
    """Dinsos case officer (petugas): the cases of their districts."""
    SUPERVISOR = "supervisor"
    """Head of section (kepala bidang): assigns, decides, sets targets."""
    AUDITOR = "auditor"
    """Inspectorate or internal audit: reads and replays everything."""
    ADMIN = "admin"
    """System administrator: accounts, registry imports, sync operations."""


ROLES: tuple[Role, ...] = tuple(Role)

SEES_REPORTER = frozenset({Role.SUPERVISOR, Role.AUDITOR})
"""Roles that may see a complainant's identity (Perpres 76/2013 keeps it from everyone else)."""

FIELD_ROLES: tuple[Role, ...] = (Role.OFFICER, Role.FACILITATOR)
"""Roles that do field checks, so the roles a case may be assigned to; they work in districts."""


class Action(StrEnum):
    """What staff do to a complaint; each value is the name of its use case."""

    ASSIGN = "assign"
    IDENTIFY_HOUSEHOLD = "identify_household"
    REMATCH_HOUSEHOLD = "rematch_household"
    RECORD_INVESTIGATION = "record_investigation"
    ISSUE_NOTICE = "issue_notice"
    RECORD_RESPONSE = "record_response"
    UPHOLD = "uphold"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    APPEAL = "appeal"
    GRANT_APPEAL = "grant_appeal"
    DENY_APPEAL = "deny_appeal"
    ISSUE_LETTER = "issue_letter"
    RECORD_DELIVERY = "record_delivery"


ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.ASSIGN: frozenset({Role.SUPERVISOR}),
    Action.IDENTIFY_HOUSEHOLD: frozenset({Role.OFFICER, Role.SUPERVISOR}),
    Action.REMATCH_HOUSEHOLD: frozenset({Role.SUPERVISOR}),
    Action.RECORD_INVESTIGATION: frozenset({Role.OFFICER, Role.FACILITATOR}),
    Action.ISSUE_NOTICE: frozenset({Role.OFFICER}),
    Action.RECORD_RESPONSE: frozenset({Role.OFFICER}),
    Action.UPHOLD: frozenset({Role.SUPERVISOR}),
    Action.REJECT: frozenset({Role.SUPERVISOR}),
    Action.WITHDRAW: frozenset({Role.OFFICER, Role.SUPERVISOR}),
    Action.APPEAL: frozenset({Role.OFFICER, Role.SUPERVISOR}),
    Action.GRANT_APPEAL: frozenset({Role.SUPERVISOR}),
    Action.DENY_APPEAL: frozenset({Role.SUPERVISOR}),
    Action.ISSUE_LETTER: frozenset({Role.OFFICER, Role.SUPERVISOR}),
    Action.RECORD_DELIVERY: frozenset({Role.OFFICER, Role.SUPERVISOR}),
}
"""The one table of who may take each action; the API, the pages and the case's own
`available_actions` all read it (what the case's state allows is the complaint's guards)."""


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may take an action."""
    return ACTION_ROLES[action]


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not (3 <= len(name) <= 40) or not all(c.isalnum() or c in "._-" for c in name):
        raise InvalidInputError(
            "username: use 3–40 letters, digits, dots, dashes or underscores", field="username"
        )
    return name


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidInputError(
            f"role: unknown role {role!r}; use one of {', '.join(ROLES)}", field="role"
        )
    return Role(role)


class Account(Aggregate):
    """A staff member's login, role and the districts (kecamatan) they work in."""

    class Created(Aggregate.Created):
        """An administrator opened an account with a role."""

        username: str
        full_name: str
        role: str
        districts: list[str]
        password_hash: str
        actor: str

    class RoleChanged(Aggregate.Event):
        """An administrator changed the account's role or districts."""

        role: str
        districts: list[str]
        actor: str

        def apply(self, account: Account) -> None:
            account.role = Role(self.role)
            account.districts = tuple(self.districts)

    class PasswordChanged(Aggregate.Event):
        """The account got a new password."""

        password_hash: str
        actor: str

        def apply(self, account: Account) -> None:
            account.password_hash = self.password_hash

    class Disabled(Aggregate.Event):
        """The account may no longer log in; its tokens stop working at once."""

        reason: str
        actor: str

        def apply(self, account: Account) -> None:
            account.enabled = False

    class Enabled(Aggregate.Event):
        """A disabled account may log in again."""

        actor: str

        def apply(self, account: Account) -> None:
            account.enabled = True

    def __init__(
        self,
        username: str,
        full_name: str,
        role: str,
        districts: list[str],
        password_hash: str,
        actor: str,
    ) -> None:
        self.username = username
        self.full_name = full_name
        self.role = Role(role)
        self.districts = tuple(districts)
        self.password_hash = password_hash
        self.enabled = True

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        username: str,
        full_name: str,
        role: str,
        districts: list[str],
        password_hash: str,
        actor: str,
        at: datetime,
    ) -> Account:
        """Open an account; officers and facilitators need the districts they work in."""
        username = _check_username(username)
        role = _check_role(role)
        if role in FIELD_ROLES and not districts:
            raise InvalidInputError(
                f"districts: an {role} account needs at least one district", field="districts"
            )
        return cls._create(
            cls.Created,
            id=id,
            timestamp=at,
            username=username,
            full_name=full_name.strip() or username,
            role=role,
            districts=list(districts),
            password_hash=password_hash,
            actor=actor,
        )

    @property
    def sees_reporter(self) -> bool:
        """Whether this account may see who filed a complaint (and full NIK and KK numbers)."""
        return self.role in SEES_REPORTER

    @property
    def works_in_districts(self) -> bool:
        """Whether the account is limited to its districts (officers and facilitators)."""
        return self.role in FIELD_ROLES

    def may(self, action: Action) -> bool:
        """Whether the account's role may take the action at all (the case may still refuse)."""
        return self.role in ACTION_ROLES[action]

    def check_assignable(self, village_code: str) -> None:
        """Refuse to take a case of the village unless a field role working in its district.

        ``village_code`` is the undotted Kemendagri code (its first six digits are the kecamatan,
        the district); an officer or facilitator only works in the districts of their account.
        """
        if self.role not in FIELD_ROLES:
            raise InvalidInputError(
                f"officer: {self.username} is a {self.role}; assign the case to an officer or a "
                "facilitator",
                field="officer",
                rule="assignee_not_field_role",
            )
        if not self.enabled:
            raise InvalidInputError(
                f"officer: the account {self.username} is disabled; assign the case to someone "
                "who can log in",
                field="officer",
                rule="assignee_disabled",
            )
        if village_code[:6] not in self.districts:
            raise InvalidInputError(
                f"officer: {self.username} does not work in district {village_code[:6]}, where "
                "the case is; assign someone whose districts include it",
                field="officer",
                rule="assignee_outside_districts",
            )

    def check_works_in(self, village_code: str, *, field: str) -> None:
        """Refuse a household outside the districts of an officer or facilitator.

        Other roles work everywhere. ``village_code`` is the household's (undotted) village.
        """
        if self.works_in_districts and village_code[:6] not in self.districts:
            raise InvalidInputError(
                f"{field}: the household lives in district {village_code[:6]}, outside your "
                "districts; a supervisor or an officer of that district matches it",
                field=field,
                rule="household_outside_districts",
            )

    def change_role(self, *, role: str, districts: list[str], actor: str, at: datetime) -> None:
        """Change the role and districts."""
        role = _check_role(role)
        if role in FIELD_ROLES and not districts:
            raise InvalidInputError(
                f"districts: an {role} account needs at least one district", field="districts"
            )
        self.trigger_event(
            self.RoleChanged, timestamp=at, role=role, districts=list(districts), actor=actor
        )

    def change_password(self, *, password_hash: str, actor: str, at: datetime) -> None:
        """Replace the password hash."""
        self.trigger_event(
            self.PasswordChanged, timestamp=at, password_hash=password_hash, actor=actor
        )

    def disable(self, *, reason: str, actor: str, at: datetime) -> None:
        """Stop the account from logging in."""
        if not self.enabled:
            raise OutOfOrderError(f"account {self.username} is already disabled")
        if not reason.strip():
            raise InvalidInputError("reason: say why the account is disabled", field="reason")
        self.trigger_event(self.Disabled, timestamp=at, reason=reason.strip(), actor=actor)

    def enable(self, *, actor: str, at: datetime) -> None:
        """Let a disabled account log in again."""
        if self.enabled:
            raise OutOfOrderError(f"account {self.username} is already enabled")
        self.trigger_event(self.Enabled, timestamp=at, actor=actor)
