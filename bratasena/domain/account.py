"""Staff accounts and role grants, event-sourced: who granted what, and when, is on record."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.errors import InvalidInputError, OutOfOrderError

ROLES: tuple[str, ...] = ("facilitator", "officer", "supervisor", "auditor", "admin")
"""Staff roles; the public needs no account."""

SEES_REPORTER = frozenset({"supervisor", "auditor"})
"""Roles that may see a complainant's identity (Perpres 76/2013 keeps it from everyone else)."""

FIELD_ROLES: tuple[str, ...] = ("officer", "facilitator")
"""Roles that do field checks, so the roles a case may be assigned to."""


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not (3 <= len(name) <= 40) or not all(c.isalnum() or c in "._-" for c in name):
        raise InvalidInputError(
            "username: use 3–40 letters, digits, dots, dashes or underscores", field="username"
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInputError(
            f"role: unknown role {role!r}; use one of {', '.join(ROLES)}", field="role"
        )
    return role


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
            account.role = self.role
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
        self.role = role
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
        """Whether this account may see who filed a complaint."""
        return self.role in SEES_REPORTER

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
