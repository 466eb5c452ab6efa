"""The reads the busiest routes make, in-process, each beside the way it was read before.

- The case list's page: `CaseList.search_json` (each row's JSON kept per case version and day)
  against `CaseList.search` written to JSON by a `TypeAdapter` of the page, as the route did
  before. Both run the same statement over the same indexes, so this measures the kept JSON
  alone (the single statement and the indexes were measured over HTTP, bench/http_api.py).
- On SQLite, the caller's account version (every authenticated request):
  `persistence.current_version` (one statement on the thread's own connection) against the same
  statement through the library's connection pool in a read transaction, as it was read before.
  (On PostgreSQL that read did not change: a prepared statement on a pooled connection.)

CPU time per read (the process's, so threads waiting do not count), the best of three rounds,
from one thread and from eight threads at once (where the interpreter lock changes hands).

    python bench/reads.py            # 2,000 cases, 2,000 reads per round
    python bench/reads.py --quick    # 100 cases, 200 reads per round, for CI
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import TypeAdapter

from bench.http_api import complaint, fresh_store
from bratasena.application import Bratasena
from bratasena.domain import ids
from bratasena.persistence import current_version
from bratasena.projections import CaseQuery, Projections
from bratasena.projections.case_list import CaseRow
from bratasena.projections.records import Page
from tests.builders import registry_row

PAGE_JSON: TypeAdapter[Page[CaseRow]] = TypeAdapter(Page[CaseRow])


def cpu_per_call(work: Callable[[int], object], calls: int, threads: int) -> float:
    """µs of process CPU per call of ``work``, best of three rounds over ``threads`` threads."""
    for i in range(min(calls, 50)):
        work(i)
    best = float("inf")
    for _ in range(3):

        def share(first: int) -> None:
            for i in range(first, calls, threads):
                work(i)

        started = time.process_time()
        pool = [threading.Thread(target=share, args=(n,)) for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        best = min(best, (time.process_time() - started) / calls * 1e6)
    return best


def library_version(app: Bratasena, key: UUID) -> object:
    """On SQLite, the account's version as it was read before: through the library's pool, in a
    read transaction."""
    recorder = app.recorder
    with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            "SELECT MAX(originator_version) AS version "
            f"FROM {recorder.events_table_name} WHERE originator_id = ?",  # type: ignore[attr-defined]
            [key.hex],
        )
        return cursor.fetchone()["version"]


def bench_backend(backend: str, cases: int, calls: int) -> None:
    with fresh_store(backend) as settings:
        app = Bratasena(settings)
        views = Projections(app, settings)
        try:
            households = [registry_row(n) for n in range(1, cases + 1)]
            for start in range(0, cases, 500):
                app.import_registry(
                    households[start : start + 500], source="dtks", period="2026-01", actor="b"
                )
            for row in households:
                app.file_complaint(**complaint(row["registry_id"]))  # type: ignore[arg-type]
            app.open_account(
                username="kabid", role="supervisor", districts=[], password_hash="-", actor="b"
            )
            views.run_once()
            key = ids.account_id("kabid")
            pages = max(1, min(10, cases // 25))

            def page_json(i: int) -> bytes:
                return views.cases.search_json(CaseQuery(page=1 + i % pages, per_page=25))

            def page_before(i: int) -> bytes:
                return PAGE_JSON.dump_json(
                    views.cases.search(CaseQuery(page=1 + i % pages, per_page=25))
                )

            assert page_json(0) == page_before(0)
            pairs: list[tuple[str, Callable[[int], object], Callable[[int], object]]] = [
                ("case-list page", page_json, page_before)
            ]
            if not settings.uses_postgres:
                assert current_version(app, key) == library_version(app, key)
                pairs.append(
                    (
                        "account version",
                        lambda _: current_version(app, key),
                        lambda _: library_version(app, key),
                    )
                )
            for name, now, before in pairs:
                for threads in (1, 8):
                    after_us = cpu_per_call(now, calls, threads)
                    before_us = cpu_per_call(before, calls, threads)
                    print(
                        f"{backend:<10} {name:<16} {threads} thread(s)  before {before_us:8.1f} µs"
                        f"  now {after_us:8.1f} µs  now/before {after_us / before_us:5.2f}",
                        flush=True,
                    )
        finally:
            views.close()
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args()
    cases, calls = (100, 200) if args.quick else (2000, 2000)
    for backend in args.backend or ["sqlite", "postgres"]:
        bench_backend(backend, cases, calls)


if __name__ == "__main__":
    main()
