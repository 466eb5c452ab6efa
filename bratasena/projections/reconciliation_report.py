"""ReconciliationReport: which removals decided here the registry extracts confirm, and which not.

Two tables. ``views_reconciliation_facts`` holds one row per reconciliation event (the extract's
period, what it showed); ``views_reconciliation_latest`` one row per household decided here, with
where its latest deactivation or reactivation stands: ``pending`` (no extract has judged it yet),
``confirmed``, or ``not_applied`` (an extract N months after its effective month still showed the
household as before). Registry ids, districts and sync references are read from the household
status view in the same database, so nothing personal is copied here.

A confirmed removal counts in the month its deactivation took effect, beside the decided removals
of that month in the removal report: the target is judged on both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from bratasena.domain.household import Household
from bratasena.persistence import Cursor
from bratasena.projections.records import bulk_insert, placeholders, rows_of, upsert
from bratasena.projections.runner import Table, Tables, View

FACT_COLUMNS = (
    "household_id",
    "period",
    "kind",
    "evidence",
    "event_version",
    "effective_month",
    "months",
)
LATEST_COLUMNS = (
    "household_id",
    "event_version",
    "effective_month",
    "deactivated",
    "state",
    "period",
    "months",
)

KINDS: dict[type, str] = {
    Household.RemovalConfirmed: "removal_confirmed",
    Household.RemovalNotApplied: "removal_not_applied",
    Household.ReactivationNotApplied: "reactivation_not_applied",
    Household.LeftRegistryElsewhere: "left_registry_elsewhere",
    Household.ReturnedToRegistry: "returned_to_registry",
}
"""Each reconciliation event's kind as the report and the API name it."""

DECISION_KINDS = ("removal_confirmed", "removal_not_applied", "reactivation_not_applied")
"""Facts about a decision taken here (the others are about the registry alone)."""


@dataclass
class ReconciliationRows:
    """New facts, and the latest state of the batch's decided households (by household id)."""

    facts: list[list[Any]] = field(default_factory=list)
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Effect:
    """Where a household's latest deactivation or reactivation stands in the extracts."""

    deactivated: bool
    effective_month: str
    state: str
    """``pending``, ``confirmed`` or ``not_applied``."""
    period: str
    """The period of the extract that confirmed it, or did not apply it ("" while pending)."""
    months: int


@dataclass(frozen=True)
class ReconciledHousehold:
    """A household in a reconciliation list, with its sync references (no personal data)."""

    household_id: UUID
    registry_id: str
    district_code: str
    village_code: str
    kind: str
    evidence: str
    effective_month: str
    period: str
    months: int
    references: dict[str, str]
    """Target → the reference it gave for the household's latest change ("" if none yet)."""


class ReconciliationReport(View[ReconciliationRows]):
    """Confirmed and not-applied removals per month, district and extract."""

    name = "reconciliation"
    tables = {  # noqa: RUF012 (a class constant read by the runner)
        "views_reconciliation_facts": Table(
            "household_id TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL, "
            "evidence TEXT NOT NULL, event_version INTEGER NOT NULL, "
            "effective_month TEXT NOT NULL, months INTEGER NOT NULL",
            "household_id, period, kind",
            ("period, kind", "kind, effective_month"),
        ),
        "views_reconciliation_latest": Table(
            "household_id TEXT NOT NULL, event_version INTEGER NOT NULL, "
            "effective_month TEXT NOT NULL, deactivated INTEGER NOT NULL, state TEXT NOT NULL, "
            "period TEXT NOT NULL, months INTEGER NOT NULL",
            "household_id",
            ("state",),
        ),
    }
    event_types = (Household.Deactivated, Household.Reactivated, *KINDS)

    # --- projection -----------------------------------------------------------------------------

    def empty(self) -> ReconciliationRows:
        return ReconciliationRows()

    def load(self, cur: Cursor, tables: Tables, events: Sequence[Any]) -> ReconciliationRows:
        return ReconciliationRows(
            latest=rows_of(cur, tables["views_reconciliation_latest"], LATEST_COLUMNS, events)
        )

    def fold(self, rows: ReconciliationRows, events: Sequence[Any]) -> None:
        for event in events:
            hid = str(event.originator_id)
            if isinstance(event, Household.Deactivated | Household.Reactivated):
                rows.latest[hid] = {
                    "household_id": hid,
                    "event_version": event.originator_version,
                    "effective_month": event.effective_month,
                    "deactivated": int(isinstance(event, Household.Deactivated)),
                    "state": "pending",
                    "period": "",
                    "months": 0,
                }
                continue
            version = getattr(event, "event_version", 0)
            rows.facts.append(
                [
                    hid,
                    event.period,
                    KINDS[type(event)],
                    getattr(event, "evidence", ""),
                    version,
                    getattr(event, "effective_month", ""),
                    getattr(event, "months", 0),
                ]
            )
            latest = rows.latest.get(hid)
            if latest is None or latest["event_version"] != version:
                continue
            confirmed = isinstance(event, Household.RemovalConfirmed)
            latest["state"] = "confirmed" if confirmed else "not_applied"
            latest["period"] = event.period
            latest["months"] = getattr(event, "months", 0)

    def write(self, cur: Cursor, tables: Tables, rows: ReconciliationRows, *, fresh: bool) -> None:
        facts, latest = tables["views_reconciliation_facts"], tables["views_reconciliation_latest"]
        fact_types = self.tables["views_reconciliation_facts"].types
        latest_types = self.tables["views_reconciliation_latest"].types
        values = [[row[c] for c in LATEST_COLUMNS] for row in rows.latest.values()]
        if fresh:
            bulk_insert(cur, facts, FACT_COLUMNS, _distinct(rows.facts), types=fact_types)
            bulk_insert(cur, latest, LATEST_COLUMNS, values, types=latest_types)
            return
        key = ("household_id", "period", "kind")
        upsert(cur, facts, FACT_COLUMNS, key, _distinct(rows.facts), types=fact_types)
        upsert(cur, latest, LATEST_COLUMNS, ("household_id",), values, types=latest_types)

    # --- queries --------------------------------------------------------------------------------

    def confirmed(self, year: int) -> tuple[dict[str, int], dict[str, int]]:
        """Removals taking effect in the year's months that an extract confirmed: by month, and
        by district (each deactivation once, however many extracts confirmed it)."""
        found = self.db.query(
            "SELECT f.effective_month, h.district_code, COUNT(*) FROM ("
            "SELECT DISTINCT household_id, event_version, effective_month "
            "FROM views_reconciliation_facts WHERE kind = 'removal_confirmed' "
            "AND effective_month >= %s AND effective_month <= %s) f "
            "JOIN views_households h ON h.household_id = f.household_id "
            "GROUP BY f.effective_month, h.district_code",
            [f"{year:04d}-01", f"{year:04d}-12"],
        )
        by_month: dict[str, int] = {}
        by_district: dict[str, int] = {}
        for month, district, n in found:
            by_month[month] = by_month.get(month, 0) + int(n)
            by_district[district] = by_district.get(district, 0) + int(n)
        return by_month, by_district

    def add_to(self, report: dict[str, Any], year: int) -> None:
        """Put the confirmed removals beside the decided ones in a year's removal report (by
        month, district and in total), with the removals not applied and the latest period."""
        by_month, by_district = self.confirmed(year)
        for month in report["months"]:
            month["confirmed_removals"] = by_month.get(month["month"], 0)
        report["totals"]["confirmed_removals"] = sum(by_month.values())
        for district in report["by_district"]:
            district["confirmed_removals"] = by_district.get(district["district_code"], 0)
        report["reconciled_through"] = self.latest_period()
        report["not_applied"] = [as_report_row(row) for row in self.not_applied()]

    def not_applied(self, districts: Sequence[str] | None = None) -> list[ReconciledHousehold]:
        """Deactivations and reactivations whose latest extract did not apply them, oldest first."""
        where, params = "", list(districts or [])
        if districts is not None:
            if not districts:
                return []
            where = f" AND h.district_code IN ({placeholders(len(districts))})"
        return self._listed(
            "SELECT l.household_id, h.registry_id, h.district_code, h.village_code, "
            "CASE WHEN l.deactivated = 1 THEN 'removal_not_applied' "
            "ELSE 'reactivation_not_applied' END, '', l.effective_month, l.period, l.months, "
            "h.sync FROM views_reconciliation_latest l "
            "JOIN views_households h ON h.household_id = l.household_id "
            f"WHERE l.state = 'not_applied'{where} "
            "ORDER BY l.effective_month, h.registry_id",
            params,
        )

    def period(self, period: str) -> tuple[dict[str, int], list[ReconciledHousehold]]:
        """What the extract of a period showed: counts per kind, and the decided households."""
        counts = dict.fromkeys(KINDS.values(), 0)
        for kind, n in self.db.query(
            "SELECT kind, COUNT(*) FROM views_reconciliation_facts WHERE period = %s GROUP BY kind",
            [period],
        ):
            counts[kind] = int(n)
        listed = self._listed(
            "SELECT f.household_id, h.registry_id, h.district_code, h.village_code, f.kind, "
            "f.evidence, f.effective_month, f.period, f.months, h.sync "
            "FROM views_reconciliation_facts f "
            "JOIN views_households h ON h.household_id = f.household_id "
            f"WHERE f.period = %s AND f.kind IN ({placeholders(len(DECISION_KINDS))}) "
            "ORDER BY f.kind, h.registry_id",
            [period, *DECISION_KINDS],
        )
        return counts, listed

    def effect(self, household_id: UUID) -> Effect | None:
        """Where the household's latest decision stands, or None if none was taken here."""
        found = self.db.query(
            "SELECT deactivated, effective_month, state, period, months "
            "FROM views_reconciliation_latest WHERE household_id = %s",
            [str(household_id)],
        )
        if not found:
            return None
        deactivated, effective_month, state, period, months = found[0]
        return Effect(bool(deactivated), effective_month, state, period, int(months))

    def latest_period(self) -> str | None:
        """The newest period any extract was reconciled for (None before the first)."""
        found = self.db.query("SELECT MAX(period) FROM views_reconciliation_facts")
        return found[0][0] if found and found[0][0] else None

    def _listed(self, sql: str, params: Sequence[Any]) -> list[ReconciledHousehold]:
        listed = []
        for (
            hid,
            registry_id,
            district,
            village,
            kind,
            evidence,
            month,
            period,
            months,
            sync,
        ) in self.db.query(sql, params):
            references = {t: s["reference"] for t, s in json.loads(sync or "{}").items()}
            listed.append(
                ReconciledHousehold(
                    household_id=UUID(hid),
                    registry_id=registry_id,
                    district_code=district,
                    village_code=village,
                    kind=kind,
                    evidence=evidence,
                    effective_month=month,
                    period=period,
                    months=int(months),
                    references=references,
                )
            )
        return listed


def as_report_row(row: ReconciledHousehold) -> dict[str, Any]:
    """A not-applied household as the report's files and JSON carry it."""
    return {
        "registry_id": row.registry_id,
        "district_code": row.district_code,
        "kind": row.kind,
        "effective_month": row.effective_month,
        "period": row.period,
        "months": row.months,
        "dtjateng_reference": row.references.get("dtjateng", ""),
        "dtsen_reference": row.references.get("dtsen", ""),
    }


def _distinct(facts: list[list[Any]]) -> list[list[Any]]:
    """One fact per key (an upsert takes each key once; the domain records each once anyway)."""
    return list({(f[0], f[1], f[2]): f for f in facts}.values())
