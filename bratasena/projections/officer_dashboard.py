"""OfficerDashboard: open work by status and district, overdue cases, queues, removals vs target.

It owns no tables: it reads the case list's and the removal report's, so it is as fresh as they
are. Open cases are those awaiting a decision (before it, or appealed). Removals follow the report:
``removals`` are deactivations taking effect this month (decided last month) against this month's
target; ``decided_this_month`` are deactivations decided this month, which take effect next month
and count against next month's target. Both are office-wide, like the targets, and so is
``confirmed_removals``: of this month's removals, those a registry extract showed in effect. The
removals not applied are listed for the caller's districts (see `ReconciliationReport`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bratasena.domain.complaint import AWAITING_DECISION
from bratasena.domain.regions import region_book
from bratasena.persistence import Reader
from bratasena.projections.case_list import (
    _SELECT,
    OPEN_CASES,
    CaseList,
    CaseRow,
    overdue_condition,
)
from bratasena.projections.reconciliation_report import ReconciledHousehold, ReconciliationReport
from bratasena.projections.records import placeholders
from bratasena.projections.removal_report import RemovalReport
from bratasena.settings import Settings

OVERDUE_SHOWN = 20
"""Overdue cases listed on the dashboard (the total is always given)."""

QUEUE_SHOWN = 50
"""Cases of an officer's own queue listed on the dashboard."""


@dataclass(frozen=True)
class DistrictCount:
    """Open cases in one district (kecamatan)."""

    district_code: str
    district_name: str
    open: int


@dataclass(frozen=True)
class Dashboard:
    """What an officer or supervisor sees first."""

    today: date
    month: str
    open_total: int
    open_by_status: dict[str, int]
    open_by_district: list[DistrictCount]
    overdue: list[CaseRow]
    overdue_total: int
    my_queue: list[CaseRow]
    queues: dict[str, int]
    median_days_to_decision: float | None
    removals: int
    reactivations: int
    target: int
    decided_this_month: int
    next_month_target: int
    confirmed_removals: int
    not_applied: list[ReconciledHousehold]


class OfficerDashboard:
    """Queries for the dashboard over the case list and the removal report."""

    def __init__(
        self,
        db: Reader,
        settings: Settings,
        cases: CaseList,
        report: RemovalReport,
        reconciliation: ReconciliationReport,
    ) -> None:
        self.db = db
        self.settings = settings
        self.cases = cases
        self.report = report
        self.reconciliation = reconciliation

    def summary(
        self, *, districts: Sequence[str] | None, officer: str | None, today: date
    ) -> Dashboard:
        """The dashboard of a scope (None: every district) and, when given, an officer's queue."""
        book = region_book(self.settings.regency)
        scope = (
            None
            if districts is None
            else [book.district(d, field="districts").code for d in districts]
        )
        # Three statements, each reading only open cases through their partial indexes: the
        # counts, the two short lists, and the report's figures (ten round trips before).
        where, params = OPEN_CASES, list[object]()
        if scope is not None:
            where += (
                f" AND district_code IN ({placeholders(len(scope))})" if scope else " AND 1 = 0"
            )
            params.extend(scope)
        overdue_sql, overdue_params = overdue_condition(today)
        by_status: Counter[str] = Counter()
        by_district: Counter[str] = Counter()
        queues: Counter[str] = Counter()
        overdue_total = 0
        for status, district, assigned_to, n, late in self.db.query(
            f"SELECT status, district_code, assigned_to, COUNT(*), "
            f"SUM(CASE WHEN {overdue_sql} THEN 1 ELSE 0 END) FROM views_cases WHERE {where} "
            "GROUP BY status, district_code, assigned_to",
            [*overdue_params, *params],
        ):
            by_status[status] += int(n)
            by_district[district] += int(n)
            if assigned_to is not None:
                queues[assigned_to] += int(n)
            overdue_total += int(late)
        lists = [
            f"SELECT * FROM (SELECT 0 AS part, {_SELECT} FROM views_cases WHERE {where} "
            f"AND {overdue_sql} ORDER BY decision_due, complaint_id LIMIT %s) AS overdue"
        ]
        list_params = [*params, *overdue_params, OVERDUE_SHOWN]
        if officer:
            lists.append(
                f"SELECT * FROM (SELECT 1 AS part, {_SELECT} FROM views_cases "
                f"WHERE assigned_to = %s AND {where} "
                "ORDER BY decision_due, complaint_id LIMIT %s) AS queue"
            )
            list_params.extend([officer.strip().lower(), *params, QUEUE_SHOWN])
        overdue: list[CaseRow] = []
        queue: list[CaseRow] = []
        for part, *values in self.db.query(
            " UNION ALL ".join(lists) + " ORDER BY part, decision_due, complaint_id", list_params
        ):
            (queue if part else overdue).append(self.cases.row(values))
        month = today.strftime("%Y-%m")
        following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        figures = self.report.figures(
            [month, following.strftime("%Y-%m")], [today.year, following.year], scope
        )
        removals, reactivations = figures.removals[month]
        decided, _ = figures.removals[following.strftime("%Y-%m")]
        return Dashboard(
            today=today,
            month=month,
            open_total=sum(by_status.values()),
            open_by_status={s: by_status[s] for s in AWAITING_DECISION if s in by_status},
            open_by_district=[
                DistrictCount(code, _district_name(book, code), n)
                for code, n in sorted(by_district.items())
            ],
            overdue=overdue,
            overdue_total=overdue_total,
            my_queue=queue,
            queues=dict(sorted(queues.items())),
            median_days_to_decision=figures.median_days,
            removals=removals,
            reactivations=reactivations,
            target=figures.targets[today.year][today.month - 1],
            decided_this_month=decided,
            next_month_target=figures.targets[following.year][following.month - 1],
            confirmed_removals=self.reconciliation.confirmed(today.year)[0].get(month, 0),
            not_applied=self.reconciliation.not_applied(scope),
        )


def _district_name(book: object, code: str) -> str:
    from bratasena.domain.errors import InvalidInputError
    from bratasena.domain.regions import RegionBook

    assert isinstance(book, RegionBook)
    try:
        return book.district(code).name
    except InvalidInputError:
        return ""
