"""RemovalReport: the year's removals against target by month (Asia/Jakarta), with fairness figures.

Counting rules, all in Asia/Jakarta (WIB) months:
- Removals count in the month a deactivation takes *effect* (the month after the uphold; an uphold
  at 23:59 WIB on 31 March counts in April, one at 00:00 WIB on 1 April in May). Reactivations
  likewise count in their effective month; net removals = deactivations − reactivations.
- The targets of a month are those a supervisor set for its year (RemovalTargets events), else 10.
- Fairness figures count in the month the step happened: complaints filed (new cases; later
  complaints that joined an open case are "corroborated"), decisions (upheld, rejected), share
  upheld = upheld / (upheld + rejected), appeals granted (upholds reversed) and denied, and the
  median of calendar days from filing to decision over the month's decisions.
Counters are kept per month and district (and per reason for removals), so a year's report reads a
few hundred rows whatever the size of the log.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bratasena.domain import ids
from bratasena.domain.calendar import jakarta_date, month_of
from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import InvalidInputError
from bratasena.domain.household import Household
from bratasena.domain.regions import region_book
from bratasena.domain.targets import DEFAULT_MONTHLY_TARGET, RemovalTargets
from bratasena.persistence import Cursor
from bratasena.projections.records import bulk_insert, chunked, placeholders, upsert, write_counts
from bratasena.projections.runner import Table, Tables, View

_DECISIONS: dict[type, str] = {
    Complaint.Upheld: "upheld",
    Complaint.Rejected: "rejected",
    Complaint.Withdrawn: "withdrawn",
    Complaint.AppealGranted: "appeal_granted",
    Complaint.AppealDenied: "appeal_denied",
}


@dataclass
class ReportRows:
    """The report's rows in memory: what it knows of complaints, deactivated households and
    targets (keyed lists, with the keys changed since they were read), and counter increments."""

    complaints: dict[str, list[Any]] = field(default_factory=dict)
    households: dict[str, list[Any]] = field(default_factory=dict)
    targets: dict[str, list[Any]] = field(default_factory=dict)
    dirty: dict[str, set[str]] = field(default_factory=lambda: {"c": set(), "h": set(), "t": set()})
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    days: Counter[tuple[str, str, int]] = field(default_factory=Counter)


@dataclass
class Figures:
    """What the dashboard shows of the report."""

    removals: dict[str, tuple[int, int]]
    """Month → deactivations and reactivations taking effect in it."""
    targets: dict[int, list[int]]
    """Year → its twelve monthly targets."""
    median_days: float | None


class RemovalReport(View[ReportRows]):
    """Monthly removals against target, by district and reason, with fairness figures."""

    name = "removal_report"
    tables = {  # noqa: RUF012 (a class constant read by the runner)
        "views_report_complaints": Table(
            "complaint_id TEXT NOT NULL, filed_on TEXT NOT NULL, district_code TEXT NOT NULL",
            "complaint_id",
        ),
        "views_report_households": Table(
            "household_id TEXT NOT NULL, district_code TEXT NOT NULL, reasons TEXT NOT NULL",
            "household_id",
        ),
        "views_report_counts": Table(
            "month TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL",
            "month, kind, key",
        ),
        "views_report_decision_days": Table(
            "month TEXT NOT NULL, district_code TEXT NOT NULL, days INTEGER NOT NULL, "
            "n INTEGER NOT NULL",
            "month, district_code, days",
        ),
        "views_report_targets": Table(
            "targets_id TEXT NOT NULL, year INTEGER NOT NULL, monthly TEXT NOT NULL",
            "targets_id",
            ("year",),
        ),
    }
    event_types = (
        Complaint.Filed,
        Complaint.Corroborated,
        Complaint.HouseholdIdentified,
        Complaint.Upheld,
        Complaint.Rejected,
        Complaint.Withdrawn,
        Complaint.AppealGranted,
        Complaint.AppealDenied,
        Household.Deactivated,
        Household.Reactivated,
        RemovalTargets.Set,
        RemovalTargets.Changed,
    )

    # --- projection -----------------------------------------------------------------------------

    def empty(self) -> ReportRows:
        return ReportRows()

    def load(self, cur: Cursor, tables: Tables, events: Sequence[Any]) -> ReportRows:
        complaint_ids = {
            str(e.originator_id) for e in events if type(e).__qualname__.startswith("Complaint.")
        }
        complaint_ids |= {str(e.complaint_id) for e in events if getattr(e, "complaint_id", None)}
        household_ids = {str(e.originator_id) for e in events if isinstance(e, _HOUSEHOLD)}
        targets_ids = {
            str(e.originator_id) for e in events if isinstance(e, RemovalTargets.Changed)
        }
        return ReportRows(
            complaints=_load(cur, tables["views_report_complaints"], "complaint_id", complaint_ids),
            households=_load(cur, tables["views_report_households"], "household_id", household_ids),
            targets=_load(cur, tables["views_report_targets"], "targets_id", targets_ids),
        )

    def fold(self, rows: ReportRows, events: Sequence[Any]) -> None:
        complaints, households, targets = rows.complaints, rows.households, rows.targets
        counts, days, dirty = rows.counts, rows.days, rows.dirty
        for event in events:
            oid = str(event.originator_id)
            month = month_of(event.timestamp)
            if isinstance(event, Complaint.Filed):
                complaints[oid] = [
                    oid,
                    jakarta_date(event.timestamp).isoformat(),
                    event.village_code[:6],
                ]
                dirty["c"].add(oid)
                counts[(month, "filed", event.village_code[:6])] += 1
            elif isinstance(event, Complaint.HouseholdIdentified) and oid in complaints:
                complaints[oid][2] = event.village_code[:6]
                dirty["c"].add(oid)
            elif type(event) in _DECISIONS or isinstance(event, Complaint.Corroborated):
                district = complaints[oid][2] if oid in complaints else ""
                kind = _DECISIONS.get(type(event), "corroborated")
                counts[(month, kind, district)] += 1
                if kind in ("upheld", "rejected") and oid in complaints:
                    filed_on = complaints[oid][1]
                    elapsed = (jakarta_date(event.timestamp) - _date(filed_on)).days
                    days[(month, district, elapsed)] += 1
            elif isinstance(event, Household.Deactivated):
                cid = str(event.complaint_id)
                district = complaints[cid][2] if cid in complaints else ""
                households[oid] = [oid, district, ",".join(event.reason_codes)]
                dirty["h"].add(oid)
                self._count_change(counts, "deactivated", event.effective_month, households[oid])
            elif isinstance(event, Household.Reactivated):
                known = households.get(oid, [oid, "", ""])
                self._count_change(counts, "reactivated", event.effective_month, known)
            elif isinstance(event, RemovalTargets.Set):
                targets[oid] = [oid, event.year, json.dumps(list(event.monthly))]
                dirty["t"].add(oid)
            elif isinstance(event, RemovalTargets.Changed) and oid in targets:
                targets[oid][2] = json.dumps(list(event.monthly))
                dirty["t"].add(oid)

    def write(self, cur: Cursor, tables: Tables, rows: ReportRows, *, fresh: bool) -> None:
        store = _insert if fresh else _upsert
        for table, columns, found, dirty in (
            ("views_report_complaints", ("complaint_id", "filed_on", "district_code"),
             rows.complaints, rows.dirty["c"]),
            ("views_report_households", ("household_id", "district_code", "reasons"),
             rows.households, rows.dirty["h"]),
            ("views_report_targets", ("targets_id", "year", "monthly"),
             rows.targets, rows.dirty["t"]),
        ):  # fmt: skip
            store(cur, tables[table], columns, [found[key] for key in sorted(dirty)])
        # Counters start from zero in fresh tables, so their totals are plain inserts there.
        for table, key, counts in (
            ("views_report_counts", ("month", "kind", "key"), rows.counts),
            ("views_report_decision_days", ("month", "district_code", "days"), rows.days),
        ):
            write_counts(cur, tables[table], key, counts, types=_types(tables[table]), fresh=fresh)

    @staticmethod
    def _count_change(
        counts: Counter[tuple[str, str, str]], kind: str, month: str, household: list[Any]
    ) -> None:
        counts[(month, kind, household[1])] += 1
        for reason in filter(None, household[2].split(",")):
            counts[(month, f"{kind}_reason", reason)] += 1

    # --- queries --------------------------------------------------------------------------------

    def targets(self, year: int) -> list[int]:
        """The year's twelve monthly targets (the default 10 a month unless set)."""
        rows = self.db.query(
            "SELECT monthly FROM views_report_targets WHERE targets_id = %s",
            [str(ids.targets_id(year))],
        )
        return list(json.loads(rows[0][0])) if rows else [DEFAULT_MONTHLY_TARGET] * 12

    def removals(self, month: str) -> tuple[int, int]:
        """Deactivations and reactivations taking effect in a month ("YYYY-MM"), office-wide."""
        rows = self.db.query(
            "SELECT kind, SUM(n) FROM views_report_counts WHERE month = %s "
            "AND kind IN ('deactivated', 'reactivated') GROUP BY kind",
            [month],
        )
        found = {kind: int(n) for kind, n in rows}
        return found.get("deactivated", 0), found.get("reactivated", 0)

    def figures(
        self, months: Sequence[str], years: Sequence[int], districts: Sequence[str] | None
    ) -> Figures:
        """The dashboard's figures in one statement: removals and reactivations taking effect in
        ``months`` (office-wide), the targets of ``years``, the median days to decision over
        every decision in the districts (None: all)."""
        targets_ids = {str(ids.targets_id(year)): year for year in years}
        parts = [
            "SELECT 'removals' AS part, month AS a, kind AS b, SUM(n) AS n "
            f"FROM views_report_counts WHERE month IN ({placeholders(len(months))}) "
            "AND kind IN ('deactivated', 'reactivated') GROUP BY month, kind",
            "SELECT 'targets', targets_id, monthly, 0 FROM views_report_targets "
            f"WHERE targets_id IN ({placeholders(len(targets_ids))})",
        ]
        params: list[Any] = [*months, *targets_ids]
        if districts is None or districts:
            where = ""
            if districts is not None:
                where = f" WHERE district_code IN ({placeholders(len(districts))})"
                params.extend(districts)
            parts.append(
                "SELECT 'days', '', CAST(days AS TEXT), SUM(n) "
                f"FROM views_report_decision_days{where} GROUP BY days"
            )
        found = Figures(
            removals=dict.fromkeys(months, (0, 0)),
            targets={year: [DEFAULT_MONTHLY_TARGET] * 12 for year in years},
            median_days=None,
        )
        days: Counter[int] = Counter()
        for part, a, b, n in self.db.query(" UNION ALL ".join(parts), params):
            if part == "removals":
                deactivated, reactivated = found.removals[a]
                if b == "deactivated":
                    found.removals[a] = (int(n), reactivated)
                else:
                    found.removals[a] = (deactivated, int(n))
            elif part == "targets":
                found.targets[targets_ids[a]] = list(json.loads(b))
            else:
                days[int(b)] += int(n)
        found.median_days = median_of(days)
        return found

    def median_days(self, districts: Sequence[str] | None = None) -> float | None:
        """Median calendar days from filing to decision over every decision (in the districts)."""
        where, params = "", list(districts or [])
        if districts is not None:
            if not districts:
                return None
            where = f" WHERE district_code IN ({placeholders(len(districts))})"
        rows = self.db.query(
            f"SELECT days, SUM(n) FROM views_report_decision_days{where} GROUP BY days", params
        )
        return median_of(Counter({int(d): int(n) for d, n in rows}))

    def year(self, year: int) -> dict[str, Any]:
        """The year's report as JSON-ready data: months, totals, districts, reasons."""
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInputError(f"year: {year} is not a plausible year", field="year")
        first, last = f"{year:04d}-01", f"{year:04d}-12"
        rows = self.db.query(
            "SELECT month, kind, key, n FROM views_report_counts WHERE month >= %s AND month <= %s",
            [first, last],
        )
        day_rows = self.db.query(
            "SELECT month, days, SUM(n) FROM views_report_decision_days "
            "WHERE month >= %s AND month <= %s GROUP BY month, days",
            [first, last],
        )
        per_month: dict[str, Counter[str]] = {
            f"{year:04d}-{m:02d}": Counter() for m in range(1, 13)
        }
        districts: dict[str, Counter[str]] = {}
        reasons: dict[str, Counter[str]] = {}
        for month, kind, key, n in rows:
            base = kind.removesuffix("_reason")
            if kind.endswith("_reason"):
                reasons.setdefault(key, Counter())[base] += int(n)
                continue
            per_month[month][kind] += int(n)
            if kind in ("deactivated", "reactivated"):
                districts.setdefault(key, Counter())[kind] += int(n)
        month_days: dict[str, Counter[int]] = {m: Counter() for m in per_month}
        for month, elapsed, n in day_rows:
            month_days[month][int(elapsed)] += int(n)
        monthly_targets = self.targets(year)
        months, cumulative_net, cumulative_target = [], 0, 0
        for index, (month, c) in enumerate(per_month.items()):
            net = c["deactivated"] - c["reactivated"]
            cumulative_net += net
            cumulative_target += monthly_targets[index]
            months.append(
                {
                    "month": month,
                    "target": monthly_targets[index],
                    "deactivations": c["deactivated"],
                    "reactivations": c["reactivated"],
                    "net_removals": net,
                    "cumulative_net": cumulative_net,
                    "cumulative_target": cumulative_target,
                    "complaints_filed": c["filed"],
                    "corroborated": c["corroborated"],
                    "upheld": c["upheld"],
                    "rejected": c["rejected"],
                    "share_upheld": _share(c["upheld"], c["upheld"] + c["rejected"]),
                    "appeals_granted": c["appeal_granted"],
                    "appeals_denied": c["appeal_denied"],
                    "median_days_to_decision": median_of(month_days[month]),
                }
            )
        total: Counter[str] = sum(per_month.values(), Counter())
        all_days: Counter[int] = sum(month_days.values(), Counter())
        return {
            "year": year,
            "timezone": "Asia/Jakarta",
            "annual_target": sum(monthly_targets),
            "months": months,
            "totals": {
                "deactivations": total["deactivated"],
                "reactivations": total["reactivated"],
                "net_removals": total["deactivated"] - total["reactivated"],
                "complaints_filed": total["filed"],
                "corroborated": total["corroborated"],
                "upheld": total["upheld"],
                "rejected": total["rejected"],
                "share_upheld": _share(total["upheld"], total["upheld"] + total["rejected"]),
                "appeals_granted": total["appeal_granted"],
                "appeals_denied": total["appeal_denied"],
                "median_days_to_decision": median_of(all_days),
            },
            "by_district": [
                {
                    "district_code": code,
                    "district_name": self._district_name(code),
                    "deactivations": c["deactivated"],
                    "reactivations": c["reactivated"],
                    "net_removals": c["deactivated"] - c["reactivated"],
                }
                for code, c in sorted(districts.items())
            ],
            "by_reason": [
                {
                    "reason": reason,
                    "deactivations": c["deactivated"],
                    "reactivations": c["reactivated"],
                    "net_removals": c["deactivated"] - c["reactivated"],
                }
                for reason, c in sorted(reasons.items())
            ],
        }

    def _district_name(self, code: str) -> str:
        try:
            return region_book(self.settings.regency).district(code).name
        except InvalidInputError:
            return ""


_HOUSEHOLD = (Household.Deactivated, Household.Reactivated)


def median_of(histogram: Counter[int]) -> float | None:
    """The median of values given as value → count (None when empty)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < 2 and middle[len(found)] < seen:
            found.append(value)
    return (found[0] + found[1]) / 2


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _load(cur: Cursor, table: str, key: str, keys: Iterable[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for chunk in chunked(sorted(keys)):
        cur.execute(f"SELECT * FROM {table} WHERE {key} IN ({placeholders(len(chunk))})", chunk)
        for row in cur.fetchall():
            found[row[0]] = list(row)
    return found


def _types(table: str) -> dict[str, str]:
    base = table.rsplit("_g", 1)[0]
    return RemovalReport.tables[base].types


def _upsert(cur: Cursor, table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    upsert(cur, table, columns, columns[:1], rows, types=_types(table))


def _insert(cur: Cursor, table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    bulk_insert(cur, table, columns, rows, types=_types(table))
