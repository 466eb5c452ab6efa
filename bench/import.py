"""Registry import: households per second from a CSV extract, beside a plain bulk load of it.

A synthetic Blora registry (``generate_rows``) is written to a CSV file once; then, on SQLite and
on PostgreSQL, each in a fresh store:

- import: ``import_registry_file`` (stream, validate, batches of 500 through the event store:
  ``Registered`` plus two lookup events per household);
- re-import: the same file again (every row unchanged, zero events);
- baseline: the same CSV parsed with the csv module and loaded into a plain table of the same
  database in transactions of 500 rows, by executemany INSERT on SQLite and COPY on PostgreSQL
  (no validation, no events): what the database alone costs.
- reconciliation: 120 households are deactivated (June 2025, in effect from July), then the
  August extract is imported, in which a third of them are gone, a third listed with no programme
  and a third still in PKH, and 0.2 % of the other households are gone too. Imported once without
  reconciling and once with it, each into its own store holding the same history: the ratio of
  the two is what reconciling costs (the goal: at most 1.10).

Every measurement runs in its own process, so its peak resident memory (``ru_maxrss``) is its own.

    python bench/import.py                  # 150,000 households (Blora's registry)
    python bench/import.py --quick          # 500, for CI
    python bench/import.py --import-only    # import, re-import and baseline; no reconciliation
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bratasena.application import Bratasena
from bratasena.domain import ids
from bratasena.integration.registry_import import COLUMNS, import_registry_file
from bratasena.integration.synthetic import generate_rows, write_extract
from bratasena.persistence import ensure_postgres_schema
from bratasena.settings import Settings

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
BATCH = 500
REPEATS = 2
"""Alternating re-imports without and with reconciling, each kind this many times (medians)."""
DEACTIVATED = 120
"""Households deactivated before the next extract: a year of the office's target."""


def settings_for(backend: str, where: str) -> Settings:
    if backend == "sqlite":
        return Settings(environment="test", data_dir=Path(where))
    return Settings(environment="test", database_url=POSTGRES_URL, database_schema=where)


def run_import(
    backend: str, where: str, path: Path, period: str = "2025-06", reconcile: bool = True
) -> dict[str, float]:
    app = Bratasena(settings_for(backend, where))
    try:
        head = app.head()
        started = time.perf_counter()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        report = import_registry_file(
            app, path, source="dtks", period=period, actor="bench", reconcile=reconcile
        )
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu_seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
        assert report.rejected == 0, report.summary()
        events = (
            len(app.recorder.select_notifications(head, 10**7, inclusive_of_start=False))
            if head
            else -1
        )
        return {
            "seconds": seconds,
            "rows": report.rows_read,
            "registered": report.registered,
            "unchanged": report.unchanged,
            "new_events": events,
            "reconciled": sum(report.reconciled.values()),
            "cpu_seconds": cpu_seconds,
        }
    finally:
        app.close()


def chosen(total: int) -> list[str]:
    """The registry ids of the households deactivated before the next extract."""
    count = min(DEACTIVATED, max(total // 4, 1))
    step = total // count
    # Streamed, never a list of the registry: this parent process's memory is what its measuring
    # children start from.
    picked = (r["registry_id"] for n, r in enumerate(generate_rows(total, seed=1)) if n % step == 0)
    return list(itertools.islice(picked, count))


def run_deactivate(backend: str, where: str, total: int) -> dict[str, float]:
    june = datetime(2025, 6, 16, 3, 0, tzinfo=UTC)
    app = Bratasena(settings_for(backend, where), clock=lambda: june)
    try:
        households = [app.get_household(ids.household_id(rid)) for rid in chosen(total)]
        for household in households:
            household.deactivate(
                complaint_id=uuid.uuid4(), reason_codes=["mampu"], actor="bench", at=june
            )
        app.save(*households)
        return {"deactivated": len(households)}
    finally:
        app.close()


def next_extract(total: int, path: Path) -> None:
    """August's extract: the deactivated households gone, emptied or still in PKH; 0.2 % of the
    others gone."""
    turns = {rid: n % 3 for n, rid in enumerate(chosen(total))}

    def rows() -> Iterator[dict[str, Any]]:
        for index, row in enumerate(generate_rows(total, seed=1)):
            turn = turns.get(row["registry_id"])
            if turn == 0 or (turn is None and index % 500 == 250):
                continue
            if turn == 1:
                row = {**row, "programs": []}
            elif turn == 2:
                row = {**row, "programs": ["PKH"], "desil": 2}
            yield row

    write_extract(rows(), path)


def run_baseline(backend: str, where: str, path: Path) -> dict[str, float]:
    columns = ", ".join(f"{c} TEXT" for c in COLUMNS)
    started = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    rows = 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        if backend == "sqlite":
            import sqlite3

            conn = sqlite3.connect(settings_for(backend, where).sqlite_path("events"))
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"CREATE TABLE raw_registry ({columns})")
            marks = ",".join("?" * len(COLUMNS))
            batch: list[list[str]] = []
            for record in reader:
                batch.append(record)
                if len(batch) == BATCH:
                    with conn:
                        conn.executemany(f"INSERT INTO raw_registry VALUES ({marks})", batch)
                    rows += len(batch)
                    batch = []
            if batch:
                with conn:
                    conn.executemany(f"INSERT INTO raw_registry VALUES ({marks})", batch)
                rows += len(batch)
            conn.close()
        else:
            with psycopg.connect(POSTGRES_URL) as conn:
                conn.execute(f"CREATE TABLE {where}.raw_registry ({columns})")
                conn.commit()
                done = False
                while not done:
                    with (
                        conn.transaction(),
                        conn.cursor() as cur,
                        cur.copy(f"COPY {where}.raw_registry FROM STDIN") as copy,
                    ):
                        for _ in range(BATCH):
                            record = next(reader, None)
                            if record is None:
                                done = True
                                break
                            copy.write_row(record)
                            rows += 1
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "cpu_seconds": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
    }


def child(args: argparse.Namespace) -> None:
    path = Path(args.csv)
    if args.child == "baseline":
        result = run_baseline(args.backend, args.where, path)
    elif args.child == "deactivate":
        result = run_deactivate(args.backend, args.where, args.households)
    else:
        result = run_import(
            args.backend, args.where, path, args.period, reconcile=args.child == "import"
        )
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(
    kind: str, backend: str, where: str, path: Path, period: str = "2025-06", total: int = 0
) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--backend",
            backend,
            "--where",
            where,
            "--csv",
            str(path),
            "--period",
            period,
            "--households",
            str(total),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} on {backend} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 households, for CI")
    parser.add_argument("--households", type=int, default=150_000)
    parser.add_argument(
        "--reconciliation", action="store_true", help="measure only what reconciling costs"
    )
    parser.add_argument(
        "--import-only", action="store_true", help="measure only the import and the re-import"
    )
    parser.add_argument(
        "--child",
        choices=("import", "import-unreconciled", "deactivate", "baseline"),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--period", default="2025-06", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--where", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    total = 500 if args.quick else args.households

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.csv"
        write_extract(generate_rows(total, seed=1), path)
        august = Path(tmp) / "registry-2025-08.csv"
        next_extract(total, august)
        costs: dict[str, tuple[float, float, float]] = {}
        repeated: dict[str, tuple[float, ...]] = {}
        cpu_costs: dict[str, tuple[float, float]] = {}
        size_mb = path.stat().st_size / 1e6
        print(f"{total:,} synthetic Blora households, {size_mb:.1f} MB of CSV; batches of {BATCH}")
        header = (
            f"{'backend':<10} {'run':<10} {'seconds':>8} {'rows/s':>8} {'baseline/s':>10} "
            f"{'ratio':>6} {'peak MB':>8} {'events':>8} {'CPU s':>7}"
        )
        print(header)
        for backend in ("sqlite", "postgres"):
            where = (
                str(Path(tmp) / f"{backend}-store")
                if backend == "sqlite"
                else f"bench_import_{uuid.uuid4().hex[:8]}"
            )
            try:
                settings = settings_for(backend, where)
                if backend == "sqlite":
                    settings.data_dir.mkdir(parents=True)
                else:
                    ensure_postgres_schema(settings)
                if args.reconciliation:
                    measure("import", backend, where, path)
                base = (
                    {"rows": 1.0, "seconds": 1.0, "maxrss_mb": 0.0}
                    if args.reconciliation
                    else measure("baseline", backend, where, path)
                )
                base_rate = base["rows"] / base["seconds"]
                for run in () if args.reconciliation else ("import", "re-import"):
                    got = measure("import", backend, where, path)
                    rate = got["rows"] / got["seconds"]
                    events = "" if got["new_events"] < 0 else f"{int(got['new_events']):,}"
                    print(
                        f"{backend:<10} {run:<10} {got['seconds']:>8.1f} {rate:>8,.0f} "
                        f"{base_rate:>10,.0f} {rate / base_rate:>6.2f} "
                        f"{got['maxrss_mb']:>8.0f} {events:>8} {got['cpu_seconds']:>7.1f}"
                    )
                if not args.reconciliation:
                    print(
                        f"{backend:<10} {'baseline':<10} {base['seconds']:>8.1f} "
                        f"{base_rate:>8,.0f} {'':>10} {'':>6} {base['maxrss_mb']:>8.0f} "
                        f"{'':>8} {base['cpu_seconds']:>7.1f}"
                    )
                if args.import_only:
                    continue
                # The same history in a second store, for the August extract with reconciling.
                twin = f"{where}_r" if backend == "postgres" else f"{where}-r"
                if backend == "sqlite":
                    settings_for(backend, twin).data_dir.mkdir(parents=True)
                else:
                    ensure_postgres_schema(settings_for(backend, twin))
                measure("import", backend, twin, path)
                for store in (where, twin):
                    measure("deactivate", backend, store, path, total=total)
                plain = measure("import-unreconciled", backend, where, august, "2025-08")
                checked = measure("import", backend, twin, august, "2025-08")
                costs[backend] = (plain["seconds"], checked["seconds"], checked["reconciled"])
                cpu_costs[backend] = (plain["cpu_seconds"], checked["cpu_seconds"])
                # The same August extract again in the reconciled store, alternately without and
                # with reconciling: the same work each time (every row unchanged, every fact
                # already recorded), so the medians compare the checking alone, less exposed to
                # the load of the machine than one run of each.
                again: dict[str, list[dict[str, float]]] = {"import-unreconciled": [], "import": []}
                for _ in range(REPEATS):
                    for kind in again:
                        again[kind].append(measure(kind, backend, twin, august, "2025-08"))
                repeated[backend] = tuple(
                    statistics.median(run[measure_] for run in again[kind])
                    for measure_ in ("seconds", "cpu_seconds")
                    for kind in again
                )
            finally:
                if backend == "postgres":
                    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                        for schema in (where, f"{where}_r"):
                            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    print("(events: notifications the re-import added; 0 means idempotent)")
    print("(CPU s: the measuring process's own user + system time; the database's is not in it)")
    if args.import_only:
        return
    print()
    print(
        f"August extract after {min(DEACTIVATED, max(total // 4, 1))} deactivations: "
        "import without and with reconciliation"
    )
    print(
        f"{'backend':<10} {'without s':>10} {'with s':>10} {'ratio':>6} "
        f"{'CPU without':>11} {'CPU with':>9} {'ratio':>6} {'facts':>6}   goal (CPU)"
    )
    for backend, (plain_s, checked_s, facts) in costs.items():
        plain_cpu, checked_cpu = cpu_costs[backend]
        ratio, cpu_ratio = checked_s / plain_s, checked_cpu / plain_cpu
        print(
            f"{backend:<10} {plain_s:>10.2f} {checked_s:>10.2f} {ratio:>6.2f} "
            f"{plain_cpu:>11.2f} {checked_cpu:>9.2f} {cpu_ratio:>6.2f} {int(facts):>6}"
            f"   {'ok' if cpu_ratio <= 1.10 else 'over'} (at most 1.10)"
        )
    print()
    print(f"The same extract again, medians of {REPEATS} alternating runs in the reconciled store")
    print(
        f"{'backend':<10} {'without s':>10} {'with s':>10} {'ratio':>6} "
        f"{'CPU without':>11} {'CPU with':>9} {'ratio':>6}   goal (CPU)"
    )
    for backend, (plain_s, checked_s, plain_cpu, checked_cpu) in repeated.items():
        ratio, cpu_ratio = checked_s / plain_s, checked_cpu / plain_cpu
        print(
            f"{backend:<10} {plain_s:>10.2f} {checked_s:>10.2f} {ratio:>6.2f} "
            f"{plain_cpu:>11.2f} {checked_cpu:>9.2f} {cpu_ratio:>6.2f}"
            f"   {'ok' if cpu_ratio <= 1.10 else 'over'} (at most 1.10)"
        )
    print("(CPU: the importing process's own user + system time, less exposed to other load)")


if __name__ == "__main__":
    main()
