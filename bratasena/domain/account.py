"""Staff accounts and role grants, event-sourced: who granted what, and when, is on record."""

from __future__ import annotations

import re
import unicodedata
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
    REASSIGN = "reassign"
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
    ATTACH_FIELD_EVIDENCE = "attach_field_evidence"
    ATTACH_RESPONSE_EVIDENCE = "attach_response_evidence"
    WITHDRAW_EVIDENCE = "withdraw_evidence"


ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.ASSIGN: frozenset({Role.SUPERVISOR}),
    Action.REASSIGN: frozenset({Role.SUPERVISOR}),
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
    Action.ATTACH_FIELD_EVIDENCE: frozenset({Role.OFFICER, Role.FACILITATOR}),
    Action.ATTACH_RESPONSE_EVIDENCE: frozenset({Role.OFFICER}),
    Action.WITHDRAW_EVIDENCE: frozenset({Role.SUPERVISOR}),
}
"""The one table of who may take each action; the API, the pages and the case's own
`available_actions` all read it (what the case's state allows is the complaint's guards)."""


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may take an action."""
    return ACTION_ROLES[action]


_USERNAME = re.compile(r"[a-z0-9._-]{3,40}")


def normalise_username(text: str) -> str:
    """A username as accounts are keyed, looked up and throttled: the one normalisation.

    NFKC folds look-alike forms (full-width ``ｂｕｄｉ``, ligatures) to plain letters, ``strip``
    drops surrounding space of every kind (a tab, a no-break space), ``casefold`` ignores case.
    Logging in, the login throttle and the account's id all go through it, so no variant of a
    name gets its own fresh tries.
    """
    return unicodedata.normalize("NFKC", text).strip().casefold()


MIN_PASSWORD = 10
MAX_PASSWORD = 200
COMMON_PASSWORDS = frozenset(
    {"password123", "1234567890", "qwertyuiop", "bratasena123", "katasandi123", "passw0rd123"}
)


def check_new_password(password: str, *, username: str, field: str = "new_password") -> str:
    """A new password, refused when it is short, repetitive, common or contains the username."""
    problem = None
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        problem = f"use {MIN_PASSWORD}–{MAX_PASSWORD} characters"
    elif len(set(password)) < 5:
        problem = "use at least 5 different characters"
    elif password.casefold() in COMMON_PASSWORDS:
        problem = "this password is among the first any guesser tries; choose another"
    elif normalise_username(username) in password.casefold():
        problem = "do not put your username in your password"
    if problem:
        raise InvalidInputError(f"{field}: {problem}", field=field, rule="weak_password")
    return password


def _check_username(username: str) -> str:
    name = normalise_username(username)
    # ASCII only: a Cyrillic "а" looks like a Latin "a", and "аdmin" must not pass for "admin".
    if not _USERNAME.fullmatch(name):
        raise InvalidInputError(
            "username: use 3–40 of the letters a–z, digits, dots, dashes or underscores",
            field="username",
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
            account.token_version += 1

    class PasswordChanged(Aggregate.Event):
        """The account got a new password."""

        password_hash: str
        actor: str

        def apply(self, account: Account) -> None:
            account.password_hash = self.password_hash
            account.token_version += 1

    class Disabled(Aggregate.Event):
        """The account may no longer log in; its tokens stop working at once."""

        reason: str
        actor: str

        def apply(self, account: Account) -> None:
            account.enabled = False
            account.token_version += 1

    class SignedOut(Aggregate.Event):
        """The account's sessions and tokens were ended, on every device (logging out)."""

        actor: str

        def apply(self, account: Account) -> None:
            account.token_version += 1

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
        self.token_version = 0
        """Tokens and session cookies name the version they were issued at; a password change,
        a role change, disabling and signing out move it on, which ends every earlier one."""

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

    def works_in(self, village_code: str) -> bool:
        """Whether a village is within the account's districts (other roles work everywhere).

        ``village_code`` is the undotted Kemendagri code; its first six digits are the district.
        """
        return not self.works_in_districts or village_code[:6] in self.districts

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

    def sign_out(self, *, actor: str, at: datetime) -> None:
        """End every session and token of the account, wherever it is logged in."""
        self.trigger_event(self.SignedOut, timestamp=at, actor=actor)

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
