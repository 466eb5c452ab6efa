"""SupervisorQueues: what waits for the head of the division (kabid), and each officer's load.

Four queues over the open cases, each with its count and its first cases by deadline:
- ``to_assign``: filed and given to nobody yet;
- ``to_decide``: the household was heard (its response recorded), or the notice's deadline
  passed without one, so the supervisor may decide now;
- ``appeals``: the household objected and the objection awaits a decision;
- ``overdue``: past the decision deadline, or past the response deadline with no response
  (the case list's `overdue_condition`).

The workload lists every enabled officer and facilitator of the scope with their open and
overdue cases, and anyone else who still holds open cases (a disabled account, one moved to
another district), so nothing assigned is forgotten. Like the dashboard it owns no tables: it
reads the case list's and the staff directory's, through the partial indexes on open cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bratasena.domain.complaint import Status
from bratasena.domain.regions import region_book
from bratasena.persistence import Reader
from bratasena.projections.case_list import (
    _SELECT,
    OPEN_CASES,
    CaseList,
    CaseRow,
    overdue_condition,
)
from bratasena.projections.records import placeholders
from bratasena.projections.staff_directory import StaffDirectory, StaffRow
from bratasena.settings import Settings

SHOWN = 25
"""Cases listed per queue (the count is always the whole queue's)."""


class Queue(StrEnum):
    """A supervisor's queue."""

    TO_ASSIGN = "to_assign"
    TO_DECIDE = "to_decide"
    APPEALS = "appeals"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Workload:
    """One person's open cases."""

    username: str
    full_name: str
    role: str
    open: int
    overdue: int
    enabled: bool


@dataclass(frozen=True)
class Queues:
    """The supervisor's queues (counts and first cases by deadline) and the workload."""

    today: date
    counts: dict[Queue, int]
    cases: dict[Queue, list[CaseRow]]
    workload: list[Workload]


def queue_conditions(today: date) -> dict[Queue, tuple[str, list[Any]]]:
    """SQL true for the open cases of each queue on ``today``, with its parameters."""
    overdue, overdue_params = overdue_condition(today)
    return {
        Queue.TO_ASSIGN: (f"status = '{Status.FILED}'", []),
        Queue.TO_DECIDE: (
            f"(status = '{Status.RESPONSE_RECORDED}' "
            f"OR (status = '{Status.NOTICE_ISSUED}' AND response_due < %s))",
            [today.isoformat()],
        ),
        Queue.APPEALS: (f"status = '{Status.APPEALED}'", []),
        Queue.OVERDUE: (overdue, overdue_params),
    }


class SupervisorQueues:
    """Queries for the kabid's queues over the case list and the staff directory."""

    def __init__(
        self, db: Reader, settings: Settings, cases: CaseList, staff: StaffDirectory
    ) -> None:
        self.db = db
        self.settings = settings
        self.cases = cases
        self.staff = staff

    def queues(self, *, districts: Sequence[str] | None, today: date) -> Queues:
        """The queues of a scope (None: every district) on ``today``."""
        book = region_book(self.settings.regency)
        scope = (
            None
            if districts is None
            else [book.district(d, field="districts").code for d in districts]
        )
        where, params = OPEN_CASES, list[Any]()
        if scope is not None:
            where += (
                f" AND district_code IN ({placeholders(len(scope))})" if scope else " AND 1 = 0"
            )
            params.extend(scope)
        conditions = queue_conditions(today)
        sums = ", ".join(
            f"SUM(CASE WHEN {sql} THEN 1 ELSE 0 END)" for sql, _ in conditions.values()
        )
        sum_params = [p for _, values in conditions.values() for p in values]
        [totals] = self.db.query(
            f"SELECT {sums} FROM views_cases WHERE {where}", [*sum_params, *params]
        )
        counts = {queue: int(n or 0) for queue, n in zip(conditions, totals, strict=True)}
        lists, list_params = [], list[Any]()
        for part, (sql, values) in enumerate(conditions.values()):
            lists.append(
                f"SELECT * FROM (SELECT {part} AS part, {_SELECT} FROM views_cases "
                f"WHERE {where} AND {sql} ORDER BY decision_due, complaint_id LIMIT %s) AS q{part}"
            )
            list_params.extend([*params, *values, SHOWN])
        cases: dict[Queue, list[CaseRow]] = {queue: [] for queue in conditions}
        order = list(conditions)
        for part, *values in self.db.query(
            " UNION ALL ".join(lists) + " ORDER BY part, decision_due, complaint_id", list_params
        ):
            cases[order[part]].append(self.cases.row(values))
        return Queues(
            today=today,
            counts=counts,
            cases=cases,
            workload=self._workload(where, params, today, scope),
        )

    def _workload(
        self, where: str, params: list[Any], today: date, scope: list[str] | None
    ) -> list[Workload]:
        overdue, overdue_params = overdue_condition(today)
        held = {
            username: (int(n), int(late))
            for username, n, late in self.db.query(
                f"SELECT assigned_to, COUNT(*), SUM(CASE WHEN {overdue} THEN 1 ELSE 0 END) "
                f"FROM views_cases WHERE {where} AND assigned_to IS NOT NULL GROUP BY assigned_to",
                [*overdue_params, *params],
            )
        }
        people: dict[str, StaffRow | None] = dict.fromkeys(held)
        people.update(self.staff.named(list(held)))
        people.update({row.username: row for row in self.staff.field_staff(scope)})
        load = [
            Workload(
                username=username,
                full_name=row.full_name if row else username,
                role=row.role if row else "",
                open=held.get(username, (0, 0))[0],
                overdue=held.get(username, (0, 0))[1],
                enabled=row.enabled if row else False,
            )
            for username, row in people.items()
        ]
        return sorted(load, key=lambda w: (-w.open, w.full_name.casefold(), w.username))
