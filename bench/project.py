"""Projection rebuild speed and read-model query latency, on SQLite and PostgreSQL.

Seeds a synthetic regency straight through the domain aggregates and ``app.save`` in large batches
(households registered, complaints driven through their lifecycle, targets set, a few hundred
staff accounts), then:

- rebuilds each projection from zero and reports events/s beside a baseline measured in the same
  run: reading and decoding the same events from the log without applying them;
- times the queries officers and auditors run (dashboard, a filtered case-list page, a household
  lookup by NIK, the year report, the staff list and a district's assignable staff), p50/p99 over
  many calls, beside a ``SELECT 1`` round trip.

    python bench/project.py                 # Blora (150k households, 20k complaints) and 1M/100k
    python bench/project.py --sizes blora   # only the Blora scale
    python bench/project.py --quick         # a few hundred events, for CI
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from bratasena.application import Bratasena
from bratasena.domain import ids
from bratasena.domain.account import Account
from bratasena.domain.complaint import Complaint
from bratasena.domain.household import PROGRAMS, Household
from bratasena.domain.identity import new_tracking_code, normalise_tracking_code
from bratasena.domain.regions import region_book
from bratasena.domain.targets import RemovalTargets
from bratasena.projections import CaseQuery, HouseholdQuery, Projections, StaffQuery
from bratasena.projections.case_list import OPEN_CASES, overdue_condition
from bratasena.settings import Settings

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
SIZES = {"quick": (150, 40), "blora": (150_000, 20_000), "million": (1_000_000, 100_000)}
NOW = datetime(2026, 10, 15, 3, 0, tzinfo=UTC)
START = datetime(2025, 1, 2, 2, 0, tzinfo=UTC)
OFFICERS = [f"petugas{n:02d}" for n in range(1, 17)]


def number(prefix: str, n: int) -> str:
    """A unique 16-digit number in the regency's shape (NIK and KK for synthetic households)."""
    return f"{prefix}{n:012d}"


def numbered(n: int) -> str:
    """The head's name of the n-th bench household: unique, and one word shared by all."""
    return f"Kepala Keluarga {n}"


def seed(
    app: Bratasena,
    households: int,
    complaints: int,
    batch: int = 2000,
    names: Callable[[int], str] = numbered,
) -> None:
    """Households, complaints at every stage of their lifecycle, and two years of targets.

    ``names`` gives the n-th head's name (`synthetic.name_of` for names as repetitive as a
    real regency's, which the name search benchmark needs).
    """
    villages = region_book(app.settings.regency).villages()
    for first in range(0, households, batch):
        app.save(
            *[
                Household.register(
                    id=ids.household_id(f"B-{n:07d}"),
                    registry_id=f"B-{n:07d}",
                    kk_number=number("3316", n),
                    head_nik=number("3316", 10**11 + n),
                    head_name=names(n),
                    address=f"RT {n % 9 + 1:02d}",
                    village_code=villages[n % len(villages)].code,
                    desil=n % 10 + 1,
                    programs=list(PROGRAMS[: n % 3 + 1]),
                    members=n % 6 + 1,
                    source="bench",
                    period="2025-01",
                    actor="bench",
                    at=START,
                )
                for n in range(first, min(first + batch, households))
            ]
        )
    step = timedelta(seconds=(NOW - START).total_seconds() * 0.95 / max(complaints, 1))
    pending: list[Aggregate] = []
    for i in range(complaints):
        n = (i * 7919) % households
        household = app.repository.get(ids.household_id(f"B-{n:07d}"))
        pending.extend(lifecycle(household, i, START + step * i))
        if len(pending) >= batch:
            app.save(*pending)
            pending = []
    for year in (2025, 2026):
        pending.append(
            RemovalTargets.set(
                id=ids.targets_id(year), year=year, monthly=[10] * 12, actor="kabid", at=START
            )
        )
    app.save(*pending)


def open_staff(app: Bratasena, facilitators: int = 300) -> None:
    """The officers the seeded cases are assigned to, a supervisor, and a few hundred facilitators
    across the districts (one in ten later moved to a second district, one in twenty disabled)."""
    districts = [d.code for d in region_book(app.settings.regency).districts()]
    people = [(name, "officer", [districts[n % len(districts)]]) for n, name in enumerate(OFFICERS)]
    people.append(("kabid", "supervisor", []))
    people += [
        (f"pendamping{n:03d}", "facilitator", [districts[n % len(districts)]])
        for n in range(1, facilitators + 1)
    ]
    accounts = []
    for n, (username, role, scope) in enumerate(people):
        account = Account.open(
            id=ids.account_id(username),
            username=username,
            full_name=f"Staf {n}",
            role=role,
            districts=scope,
            password_hash="-",
            actor="bench",
            at=START,
        )
        if n % 10 == 9:
            moved = [*scope, districts[(n + 1) % len(districts)]]
            account.change_role(role=role, districts=moved, actor="bench", at=START)
        if n % 20 == 19:
            account.disable(reason="Cuti", actor="bench", at=START)
        accounts.append(account)
    app.save(*accounts)


def lifecycle(household: Household, i: int, at: datetime) -> list[Aggregate]:
    """One complaint about a household, taken as far as ``i`` says (most end decided)."""
    code = new_tracking_code()
    complaint = Complaint.file(
        id=ids.complaint_id(normalise_tracking_code(code)),
        tracking_code=code,
        channel="web",
        household_id=household.id,
        village_code=household.village_code,
        subject={"registry_id": household.registry_id},
        reasons=[("mampu", "owns_car", "asn_tni_polri", "permanent_house")[i % 4]],
        description="-",
        reporter=None,
        actor="public",
        at=at,
    )
    household.report(complaint_id=complaint.id, actor="public", at=at)
    stage = i % 20
    if stage < 6 and at < NOW - timedelta(days=90):
        # A realistic backlog: cases filed more than three months ago have been decided.
        stage = 6 + i % 13
    day = timedelta(days=2)
    if stage >= 2:
        complaint.assign(officer=OFFICERS[i % len(OFFICERS)], actor="kabid", at=at + day)
    if stage >= 3:
        visited = (at + 2 * day + timedelta(hours=7)).date()
        complaint.record_investigation(
            visited_on=visited,
            findings={complaint.reasons[0]: "Terbukti di lapangan"},
            recommendation="uphold",
            notes="",
            actor=OFFICERS[i % len(OFFICERS)],
            at=at + 2 * day,
        )
    if 6 <= stage <= 9:
        complaint.reject(reason="Tidak terbukti", actor="kabid", at=at + 3 * day)
    elif stage == 19:
        complaint.withdraw(reason="Dicabut", actor="kabid", at=at + 3 * day)
    elif stage >= 4:
        notice_at = at + 3 * day
        due = (notice_at + timedelta(hours=7)).date() + timedelta(days=7)
        complaint.issue_notice(response_due=due, actor="kabid", at=notice_at)
        if stage >= 5:
            received = (at + 4 * day + timedelta(hours=7)).date()
            complaint.record_response(
                statement="Keberatan", received_on=received, actor="kabid", at=at + 4 * day
            )
        if stage >= 10:
            decided = at + 5 * day
            complaint.uphold(
                reason="Terbukti mampu menurut verifikasi lapangan.",
                reason_codes=[complaint.reasons[0]],
                actor="kabid",
                at=decided,
            )
            household.deactivate(
                complaint_id=complaint.id,
                reason_codes=list(complaint.upheld_reasons),
                actor="kabid",
                at=decided,
            )
            if stage in (17, 18):
                # The objection window runs from the decision letter's delivery. A synthetic
                # letter (no PDF): the views read only its number and dates.
                number = f"BENCH/{i}/{decided.year}"
                complaint.issue_letter(
                    kind="decision",
                    number=number,
                    sequence=i,
                    delivery_on=None,
                    sha256="0" * 64,
                    template="v1",
                    content={},
                    actor="kabid",
                    at=decided,
                )
                complaint.record_delivery(
                    number=number,
                    delivered_on=(decided + timedelta(hours=7)).date(),
                    method="by_hand",
                    actor="kabid",
                    at=decided,
                )
                filed_on = (decided + timedelta(days=3, hours=7)).date()
                complaint.appeal(
                    grounds="-", filed_on=filed_on, actor="kabid", at=decided + day * 2
                )
                outcome_at = decided + day * 4
                if stage == 17:
                    complaint.grant_appeal(reason="Bukti baru", actor="kabid2", at=outcome_at)
                    household.reactivate(
                        complaint_id=complaint.id,
                        cause="appeal_granted",
                        reason="Bukti baru",
                        actor="kabid2",
                        at=outcome_at,
                    )
                else:
                    complaint.deny_appeal(reason="Tetap", actor="kabid2", at=outcome_at)
    return [complaint, household]


def read_and_decode(app: Bratasena, topics: list[str], batch: int) -> tuple[int, float]:
    """Events read and decoded from the log, and the seconds it took (the baseline).

    Read as the rebuild reads them: the view's topics in windows of ``batch`` ids.
    """
    started = time.perf_counter()
    position, count, head = 0, 0, app.head()
    while position < head:
        stop = min(head, position + batch)
        notes = app.recorder.select_notifications(
            position, batch, stop=stop, topics=topics, inclusive_of_start=False
        )
        for note in notes:
            app.mapper.to_domain_event(note)
        count += len(notes)
        position = stop
    return count, time.perf_counter() - started


def load_average() -> str:
    """The machine's 1, 5 and 15-minute load averages (other work skews the timings)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def latencies(call: Callable[[int], Any], runs: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds of ``call(i)`` over ``runs`` calls (after a warm-up)."""
    for i in range(min(5, runs)):
        call(i)
    times = []
    for i in range(runs):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def run(backend: str, size: str, runs: int, plans: bool) -> None:
    households, complaints = SIZES[size]
    schema = f"bench_project_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        values: dict[str, Any] = {"environment": "test", "data_dir": Path(tmp)}
        if backend == "postgres":
            values.update(database_url=POSTGRES_URL, database_schema=schema)
        settings = Settings(**values)
        app = Bratasena(settings, clock=lambda: NOW)
        views: Projections | None = None
        try:
            started = time.perf_counter()
            seed(app, households, complaints)
            open_staff(app)
            seeded = time.perf_counter() - started
            print(
                f"\n[{backend}, {size}: {households:,} households, {complaints:,} complaints, "
                f"{app.head():,} events, seeded in {seeded:.0f} s; load average "
                f"{load_average()}]"
            )
            views = Projections(app, settings)
            total_events, total_rebuild, total_base = 0, 0.0, 0.0
            for name in views.names:
                view = views._runner.views[name]
                topics = sorted({get_topic(t) for t in view.event_types})
                count, base = read_and_decode(app, topics, 2000)
                started = time.perf_counter()
                views.rebuild(name)
                took = time.perf_counter() - started
                total_events, total_rebuild, total_base = (
                    total_events + count,
                    total_rebuild + took,
                    total_base + base,
                )
                print(
                    f"rebuild {name:<17} {count:>9,} events {count / took:>9,.0f} ev/s   "
                    f"baseline read+decode {count / base:>9,.0f} ev/s   ratio {base / took:.2f}"
                )
            print(
                f"rebuild all              {total_events:>9,} events "
                f"{total_events / total_rebuild:>9,.0f} ev/s   baseline read+decode "
                f"{total_events / total_base:>9,.0f} ev/s   ratio {total_base / total_rebuild:.2f}"
            )
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"peak memory of this process so far {peak:,.0f} MB; load average {load_average()}"
            )
            query_latencies(views, households, runs, plans)
            print(f"load average {load_average()}")
        finally:
            if views is not None:
                views.close()
            app.close()
            if backend == "postgres":
                with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def query_latencies(views: Projections, households: int, runs: int, plans: bool) -> None:
    districts = [d.code for d in region_book(views.settings.regency).districts()]
    rng = random.Random(7)
    today = date(2026, 10, 15)
    queries: dict[str, Callable[[int], Any]] = {
        "baseline SELECT 1": lambda i: views.db.query("SELECT 1"),
        "dashboard (all districts)": lambda i: views.dashboard.summary(
            districts=None, officer=OFFICERS[i % 16], today=today
        ),
        "dashboard (one district)": lambda i: views.dashboard.summary(
            districts=[districts[i % 16]], officer=OFFICERS[i % 16], today=today
        ),
        "case list: district+status page": lambda i: views.cases.search(
            CaseQuery(district=districts[i % 16], status="upheld", page=1 + i % 3)
        ),
        "case list: open overdue, scoped": lambda i: views.cases.search(
            CaseQuery(overdue=True, districts=districts[i % 4 : i % 4 + 3], sort="decision_due")
        ),
        "household lookup by NIK": lambda i: views.households.search(
            HouseholdQuery(nik=number("3316", 10**11 + rng.randrange(households)))
        ),
        "year report 2026": lambda i: views.report.year(2026),
        "staff list: officers of a district": lambda i: views.staff.search(
            StaffQuery(role="officer", district=districts[i % 16])
        ),
        "assignable staff of a district": lambda i: views.staff.assignable(districts[i % 16]),
    }
    print(f"{'query':<34} {'p50 ms':>8} {'p99 ms':>8}")
    for name, call in queries.items():
        p50, p99 = latencies(call, runs)
        print(f"{name:<34} {p50:>8.2f} {p99:>8.2f}")
    if plans:
        print_plans(views, districts, today)


def print_plans(views: Projections, districts: list[str], today: date) -> None:
    """The plans of the statements behind the timed queries."""
    overdue, overdue_params = overdue_condition(today)
    scope = f"district_code IN ({', '.join(['%s'] * 3)})"
    statements: list[tuple[str, list[Any]]] = [
        (
            "SELECT * FROM views_cases WHERE district_code = %s AND status = %s "
            "ORDER BY filed_at DESC, complaint_id LIMIT 25",
            [districts[0], "upheld"],
        ),
        (
            f"SELECT * FROM views_cases WHERE {overdue} AND {scope} "
            "ORDER BY decision_due, complaint_id LIMIT 25",
            [*overdue_params, *districts[:3]],
        ),
        (
            f"SELECT status, district_code, assigned_to, COUNT(*), SUM(CASE WHEN {overdue} "
            f"THEN 1 ELSE 0 END) FROM views_cases WHERE {OPEN_CASES} "
            "GROUP BY status, district_code, assigned_to",
            overdue_params,
        ),
        (
            f"SELECT * FROM views_cases WHERE assigned_to = %s AND {OPEN_CASES} "
            "ORDER BY decision_due, complaint_id LIMIT 50",
            [OFFICERS[0]],
        ),
        ("SELECT * FROM views_households WHERE nik_hash = %s", ["x"]),
        (
            "SELECT month, kind, key, n FROM views_report_counts WHERE month >= %s AND month <= %s",
            ["2026-01", "2026-12"],
        ),
    ]
    explain = "EXPLAIN" if views.db.is_postgres else "EXPLAIN QUERY PLAN"
    for sql, params in statements:
        print(sql)
        for row in views.db.query(f"{explain} {sql}", params):
            print("   ", row[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred events (CI)")
    parser.add_argument("--sizes", nargs="+", choices=["blora", "million"], default=None)
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    args = parser.parse_args()
    sizes = ["quick"] if args.quick else (args.sizes or ["blora", "million"])
    backends = args.backends or ["sqlite", "postgres"]
    for size in sizes:
        for backend in backends:
            run(backend, size, 20 if args.quick else 300, args.plans)


if __name__ == "__main__":
    main()
