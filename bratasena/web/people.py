"""Who did something, as people read it: the account's full name and role, never a username.

One word per actor everywhere: a citizen filing on the web is "Pelapor"; the import and the
worker are "Sistem"; an account is "Full Name (Role)". An account that no longer exists (or a
name the store never knew, as ``setup``) is shown as recorded.
"""

from __future__ import annotations

from typing import Any

from bratasena.application import Bratasena
from bratasena.domain.account import Account
from bratasena.domain.errors import DomainError
from bratasena.domain.filing import PUBLIC
from bratasena.projections import StaffDirectory, StaffRow
from bratasena.web import labels

COMPLAINANT = "Pelapor"
"""The one word for the citizen who files or corroborates a complaint, on every page."""

SYSTEM = "Sistem"
"""What the service records by itself (imports, the sync worker)."""


def person(account: Account | StaffRow) -> str:
    """``Budi Santoso (Petugas)``."""
    return f"{account.full_name} ({labels.ROLE.get(account.role, account.role)})"


def assignees(staff: StaffDirectory, rows: list[Any]) -> dict[str, str]:
    """The assignees of a list's case rows by username, from the staff directory in one query
    (a username the directory does not know yet is shown as recorded)."""
    wanted = {row.assigned_to for row in rows if row.assigned_to}
    found = staff.named(sorted(wanted))
    return {name: person(found[name]) if name in found else name for name in wanted}


class Names:
    """Actors' names for one page, each account read from the event store once."""

    def __init__(self, app: Bratasena) -> None:
        self.app = app
        self.known: dict[str, str] = {}

    def actor(self, username: str) -> str:
        if username == PUBLIC:
            return COMPLAINANT
        if username == "system":
            return SYSTEM
        if username not in self.known:
            try:
                self.known[username] = person(self.app.get_account(username))
            except DomainError:
                self.known[username] = username
        return self.known[username]
