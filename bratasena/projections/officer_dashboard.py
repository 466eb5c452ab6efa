"""OfficerDashboard: open work by status and district, overdue cases, queues, removals vs target.

It owns no tables: it reads the case list's and the removal report's, so it is as fresh as they
are. Open cases are those awaiting a decision (before it, or appealed). Removals follow the report:
``removals`` are deactivations taking effect this month (decided last month) against this month's
target; ``decided_this_month`` are deactivations decided this month, which take effect next month
and count against next month's target. Both are office-wide, like the targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bratasena.domain.regions import region_book
from bratasena.persistence import Database
from bratasena.projections.case_list import (
    _SELECT,
    AWAITING_DECISION,
    CaseList,
    CaseRow,
    overdue_condition,
)
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


class OfficerDashboard:
    """Queries for the dashboard over the case list and the removal report."""

    def __init__(
        self, db: Database, settings: Settings, cases: CaseList, report: RemovalReport
    ) -> None:
        self.db = db
        self.settings = settings
        self.cases = cases
        self.report = report

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
        waiting = placeholders(len(AWAITING_DECISION))
        where = f"status IN ({waiting})"
        params: list[object] = list(AWAITING_DECISION)
        if scope is not None:
            where += (
                f" AND district_code IN ({placeholders(len(scope))})" if scope else " AND 1 = 0"
            )
            params.extend(scope)
        by_status: dict[str, int] = {}
        by_district: dict[str, int] = {}
        for status, district, n in self.db.query(
            f"SELECT status, district_code, COUNT(*) FROM views_cases WHERE {where} "
            "GROUP BY status, district_code",
            params,
        ):
            by_status[status] = by_status.get(status, 0) + int(n)
            by_district[district] = by_district.get(district, 0) + int(n)
        overdue_sql, overdue_params = overdue_condition(today)
        overdue_where = f"{overdue_sql} AND {where}"
        overdue_total = int(
            self.db.query(
                f"SELECT COUNT(*) FROM views_cases WHERE {overdue_where}",
                [*overdue_params, *params],
            )[0][0]
        )
        overdue = self.db.query(
            f"SELECT {_SELECT} FROM views_cases WHERE {overdue_where} "
            "ORDER BY decision_due, complaint_id LIMIT %s",
            [*overdue_params, *params, OVERDUE_SHOWN],
        )
        queue = []
        if officer:
            queue = self.db.query(
                f"SELECT {_SELECT} FROM views_cases WHERE assigned_to = %s AND {where} "
                "ORDER BY decision_due, complaint_id LIMIT %s",
                [officer.strip().lower(), *params, QUEUE_SHOWN],
            )
        queues = {
            name: int(n)
            for name, n in self.db.query(
                f"SELECT assigned_to, COUNT(*) FROM views_cases WHERE assigned_to IS NOT NULL "
                f"AND {where} GROUP BY assigned_to ORDER BY assigned_to",
                params,
            )
        }
        month = today.strftime("%Y-%m")
        following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        removals, reactivations = self.report.removals(month)
        decided, _ = self.report.removals(following.strftime("%Y-%m"))
        return Dashboard(
            today=today,
            month=month,
            open_total=sum(by_status.values()),
            open_by_status={s: by_status[s] for s in AWAITING_DECISION if s in by_status},
            open_by_district=[
                DistrictCount(code, _district_name(book, code), n)
                for code, n in sorted(by_district.items())
            ],
            overdue=[self.cases.row(r) for r in overdue],
            overdue_total=overdue_total,
            my_queue=[self.cases.row(r) for r in queue],
            queues=queues,
            median_days_to_decision=self.report.median_days(scope),
            removals=removals,
            reactivations=reactivations,
            target=self.report.targets(today.year)[today.month - 1],
            decided_this_month=decided,
            next_month_target=self.report.targets(following.year)[following.month - 1],
        )


def _district_name(book: object, code: str) -> str:
    from bratasena.domain.errors import InvalidInputError
    from bratasena.domain.regions import RegionBook

    assert isinstance(book, RegionBook)
    try:
        return book.district(code).name
    except InvalidInputError:
        return ""
