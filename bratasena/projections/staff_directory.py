"""StaffDirectory: the staff accounts for the administrators' list and the case page's assignees.

A row is what an administrator or a supervisor needs to pick a person: username, full name, role,
the districts (kecamatan) they work in, whether they may log in. The password hash is never
stored, and the full name is sealed like a household head's when a cipher key is configured (see
privacy.py). An account *covers* a district when the district is among its districts; a case may
go to an enabled officer or facilitator covering its district (``assignable``), the rule that
``Account.check_assignable`` enforces on the command itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from bratasena.domain.account import FIELD_ROLES, ROLES, Account
from bratasena.domain.errors import InvalidInputError
from bratasena.domain.regions import region_book
from bratasena.persistence import Cursor, Reader
from bratasena.projections.privacy import Privacy
from bratasena.projections.records import (
    Page,
    bulk_insert,
    check_paging,
    chunked,
    parse_ts,
    placeholders,
    rows_of,
    ts,
    upsert,
)
from bratasena.projections.runner import Table, Tables, View
from bratasena.settings import Settings

COLUMNS = (
    "account_id",
    "username",
    "full_name",
    "role",
    "districts",
    "enabled",
    "updated_at",
    "version",
)
_SELECT = ", ".join(COLUMNS)
_VALUES = itemgetter(*COLUMNS)


@dataclass(frozen=True)
class StaffQuery:
    """Filters and page of the staff list; ``district`` keeps the accounts that cover it."""

    role: str | None = None
    district: str | None = None
    enabled: bool | None = None
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class StaffRow:
    """A staff account as the directory shows it (never its password hash)."""

    username: str
    full_name: str
    role: str
    districts: list[str]
    enabled: bool
    updated_at: datetime
    version: int


Rows = dict[str, dict[str, Any]]
"""Account rows in memory by account id (``districts`` comma-separated, ``enabled`` 0 or 1)."""


class StaffDirectory(View[Rows]):
    """Staff accounts by role, district and whether they may log in."""

    name = "staff_directory"
    tables = {  # noqa: RUF012 (a class constant read by the runner)
        "views_staff": Table(
            "account_id TEXT NOT NULL, username TEXT NOT NULL, full_name TEXT NOT NULL, "
            "role TEXT NOT NULL, districts TEXT NOT NULL, enabled INTEGER NOT NULL, "
            "updated_at TEXT NOT NULL, version INTEGER NOT NULL",
            "account_id",
            # A few hundred accounts: the list's order and the role filter are all that need one.
            ("username", "role, username"),
        ),
    }
    event_types = (
        Account.Created,
        Account.RoleChanged,
        Account.PasswordChanged,
        Account.Disabled,
        Account.Enabled,
    )

    def __init__(self, db: Reader, app: Any, settings: Settings) -> None:
        super().__init__(db, app, settings)
        self.privacy = Privacy(settings)

    # --- projection -----------------------------------------------------------------------------

    def empty(self) -> Rows:
        return {}

    def load(self, cur: Cursor, tables: Tables, events: Sequence[Any]) -> Rows:
        return rows_of(cur, tables["views_staff"], COLUMNS, events)

    def fold(self, rows: Rows, events: Sequence[Any]) -> None:
        for event in events:
            aid = str(event.originator_id)
            if isinstance(event, Account.Created):
                rows[aid] = {
                    "account_id": aid,
                    "username": event.username,
                    "full_name": self.privacy.seal(event.full_name),
                    "role": event.role,
                    "districts": ",".join(event.districts),
                    "enabled": 1,
                }
            row = rows.get(aid)
            if row is None:
                continue
            if isinstance(event, Account.RoleChanged):
                row["role"] = event.role
                row["districts"] = ",".join(event.districts)
            elif isinstance(event, Account.Disabled | Account.Enabled):
                row["enabled"] = int(isinstance(event, Account.Enabled))
            # A password change touches nothing shown here but the account's version and time.
            row["updated_at"] = ts(event.timestamp)
            row["version"] = event.originator_version

    def write(self, cur: Cursor, tables: Tables, rows: Rows, *, fresh: bool) -> None:
        table, types = tables["views_staff"], self.tables["views_staff"].types
        values = [_VALUES(row) for row in rows.values()]
        if fresh:
            bulk_insert(cur, table, COLUMNS, values, types=types)
        else:
            upsert(cur, table, COLUMNS, ("account_id",), values, types=types)

    # --- queries --------------------------------------------------------------------------------

    def search(self, query: StaffQuery) -> Page[StaffRow]:
        """One page of the accounts matching the query, in username order."""
        page, per_page = check_paging(query.page, query.per_page)
        clauses: list[str] = []
        params: list[Any] = []
        if query.role is not None:
            if query.role not in ROLES:
                raise InvalidInputError(
                    f"role: unknown role {query.role!r}; use one of {', '.join(ROLES)}",
                    field="role",
                )
            clauses.append("role = %s")
            params.append(query.role)
        if query.district:
            clause, value = self._covers(query.district)
            clauses.append(clause)
            params.append(value)
        if query.enabled is not None:
            clauses.append("enabled = %s")
            params.append(int(query.enabled))
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        total = int(self.db.query(f"SELECT COUNT(*) FROM views_staff{where}", params)[0][0])
        rows = self.db.query(
            f"SELECT {_SELECT} FROM views_staff{where} ORDER BY username LIMIT %s OFFSET %s",
            [*params, per_page, (page - 1) * per_page],
        )
        return Page(items=[self.row(r) for r in rows], total=total, page=page, per_page=per_page)

    def assignable(self, district_code: str) -> list[StaffRow]:
        """The enabled officers and facilitators covering a district, by full name.

        The people a case of the district may be assigned to. Only the form's choices: the
        command checks the same rule against the event store, so a choice offered by a directory
        that lags behind a change is still refused.
        """
        clause, value = self._covers(district_code)
        rows = self.db.query(
            f"SELECT {_SELECT} FROM views_staff WHERE enabled = 1 "
            f"AND role IN ({placeholders(len(FIELD_ROLES))}) AND {clause}",
            [*FIELD_ROLES, value],
        )
        # Sorted here, not in SQL, so both backends give the same order whatever their collation.
        found = [self.row(r) for r in rows]
        return sorted(found, key=lambda r: (r.full_name.casefold(), r.username))

    def field_staff(self, districts: Sequence[str] | None = None) -> list[StaffRow]:
        """The enabled officers and facilitators (covering one of ``districts``, when given),
        by full name: who the supervisor's workload list shows, with or without open cases."""
        rows = self.db.query(
            f"SELECT {_SELECT} FROM views_staff WHERE enabled = 1 "
            f"AND role IN ({placeholders(len(FIELD_ROLES))})",
            list(FIELD_ROLES),
        )
        found = [self.row(r) for r in rows]
        if districts is not None:
            wanted = set(districts)
            found = [r for r in found if wanted.intersection(r.districts)]
        return sorted(found, key=lambda r: (r.full_name.casefold(), r.username))

    def named(self, usernames: Sequence[str]) -> dict[str, StaffRow]:
        """The accounts of these usernames that exist, by username (names for the queues)."""
        found: dict[str, StaffRow] = {}
        for chunk in chunked(sorted(set(usernames))):
            for values in self.db.query(
                f"SELECT {_SELECT} FROM views_staff WHERE username IN ({placeholders(len(chunk))})",
                list(chunk),
            ):
                row = self.row(values)
                found[row.username] = row
        return found

    def _covers(self, district: str) -> tuple[str, str]:
        """SQL true for accounts whose districts include ``district``, and its parameter."""
        code = region_book(self.settings.regency).district(district, field="district").code
        # A known code is digits only, so the pattern has no LIKE wildcards of its own.
        return "',' || districts || ',' LIKE %s", f"%,{code},%"

    def row(self, values: Sequence[Any]) -> StaffRow:
        """A stored row as a StaffRow (the full name unsealed)."""
        data = dict(zip(COLUMNS, values, strict=True))
        return StaffRow(
            username=data["username"],
            full_name=self.privacy.unseal(data["full_name"]),
            role=data["role"],
            districts=[d for d in data["districts"].split(",") if d],
            enabled=bool(data["enabled"]),
            updated_at=parse_ts(data["updated_at"]),
            version=int(data["version"]),
        )
