"""Storage on PostgreSQL: bytes on disk per stored event and per household of the views.

A synthetic Blora registry (``generate_rows``) is imported into a fresh schema (``Registered``
plus two lookup events per household), and the views are built from it; once in plain JSON and
once encrypted (``BRATASENA_CIPHER_KEY``). Then the event table's size on disk with its indexes
(``pg_total_relation_size``) per event, beside the baseline of the same run: the bytes of the
events' stored state alone (``length(state)``), what any store would have to keep. The views'
tables (with indexes) are reported per household. The sizing in docs/scaling.md starts here.

    python bench/storage.py            # 20,000 households (60,000 events)
    python bench/storage.py --quick    # 500, for CI
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from psycopg.sql import SQL, Identifier

from bratasena.application import Bratasena, iter_batches
from bratasena.integration.synthetic import generate_rows
from bratasena.projections import Projections
from bratasena.settings import Settings

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def measure(households: int, cipher: bool) -> dict[str, float]:
    """Import, build the views, and measure one fresh schema; it is dropped afterwards."""
    schema = f"bench_storage_{uuid.uuid4().hex[:10]}"
    key = base64.b64encode(os.urandom(32)).decode() if cipher else None
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            environment="test",
            data_dir=Path(data),
            database_url=POSTGRES_URL,
            database_schema=schema,
            cipher_key=key,
        )
        app = Bratasena(settings)
        views = Projections(app, settings)
        try:
            rows = generate_rows(households, seed=1, regency=settings.regency)
            for batch in iter_batches(rows, 500):
                app.import_registry(batch, source="dtks", period="2026-01", actor="bench")
            while views.run_once():
                pass
            return _sizes(schema, households)
        finally:
            views.close()
            app.close()
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))


def _sizes(schema: str, households: int) -> dict[str, float]:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (schema,),
        ).fetchall()
        (events_table,) = [name for name, _ in tables if name.endswith("_events")]
        events, payload = conn.execute(
            SQL("SELECT count(*), sum(length(state)) FROM {}.{}").format(
                Identifier(schema), Identifier(events_table)
            )
        ).fetchone() or (0, 0)
    on_disk = dict(tables)
    views = sum(size for name, size in on_disk.items() if name.startswith("views_"))
    return {
        "events": events,
        "disk_per_event": on_disk[events_table] / events,
        "payload_per_event": payload / events,
        "views_per_household": views / households,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 households, for CI")
    args = parser.parse_args()
    households = 500 if args.quick else 20_000
    print(f"PostgreSQL, {households:,} synthetic households imported, views built")
    print(
        "| events | stored state B/event (baseline) | on disk B/event | ratio | views B/household |"
    )
    print("|---|---|---|---|---|")
    for cipher in (False, True):
        m = measure(households, cipher)
        label = "encrypted" if cipher else "plain JSON"
        print(
            f"| {label}: {m['events']:,.0f} | {m['payload_per_event']:.0f} "
            f"| {m['disk_per_event']:.0f} | {m['disk_per_event'] / m['payload_per_event']:.2f} "
            f"| {m['views_per_household']:.0f} |"
        )


if __name__ == "__main__":
    main()
