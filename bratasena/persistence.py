"""Where events and views are stored: SQLite files by default, PostgreSQL when configured."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import psycopg
from psycopg.sql import SQL, Composed
from psycopg_pool import ConnectionPool

from bratasena.settings import Settings

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def event_store_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's environment for the application's event store."""
    env: dict[str, str] = {}
    if settings.uses_postgres:
        params = settings.postgres_params()
        ensure_postgres_schema(settings)
        env.update(params)
        env["PERSISTENCE_MODULE"] = "eventsourcing.postgres"
        env["POSTGRES_POOL_SIZE"] = "5"
        env["POSTGRES_MAX_OVERFLOW"] = "10"
        env["POSTGRES_CONNECT_TIMEOUT"] = "10"
        env["POSTGRES_LOCK_TIMEOUT"] = "10"
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        env["SQLITE_DBNAME"] = str(settings.sqlite_path("events"))
        env["SQLITE_LOCK_TIMEOUT"] = "30"
    if settings.cipher_key is not None:
        env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key.get_secret_value()
    return env


def insert_events_in_binary(recorder: Any) -> None:
    """Have the PostgreSQL recorder send new events in psycopg's binary format.

    The library passes a batch's events as one array of a composite type, in the text format by
    default, where psycopg escapes every bytea inside every composite inside the array with
    regular expressions: that took a quarter of a registry import's time. The binary format
    (``%b``) sends the same array with no escaping, about twice as fast; the statement is
    otherwise the library's own. Other recorders are left as they are.
    """
    statement = getattr(recorder, "insert_events_statement", None)
    if not isinstance(statement, Composed):
        return
    recorder.insert_events_statement = Composed(
        [
            SQL(part.as_string(None).replace("%s", "%b")) if isinstance(part, SQL) else part
            for part in statement
        ]
    )


def ensure_postgres_schema(settings: Settings) -> None:
    """Create the configured schema if it is missing (a regency per schema in a province)."""
    params = settings.postgres_params()
    schema = params["POSTGRES_SCHEMA"]
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"database schema {schema!r} must be a plain lower-case identifier")
    with psycopg.connect(postgres_conninfo(settings), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def postgres_conninfo(settings: Settings) -> str:
    """A libpq connection string for the configured database."""
    params = settings.postgres_params()
    return psycopg.conninfo.make_conninfo(
        dbname=params["POSTGRES_DBNAME"],
        host=params["POSTGRES_HOST"],
        port=params["POSTGRES_PORT"],
        user=params["POSTGRES_USER"],
        password=params["POSTGRES_PASSWORD"] or None,
        connect_timeout=10,
    )


class Cursor(Protocol):
    """The part of a DB-API cursor that views and workers use."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Database:
    """A small SQL store for one component's own tables (views, worker state), on either backend.

    SQL is written once with ``%s`` placeholders and ``ON CONFLICT`` upserts, which both backends
    understand; for SQLite the placeholders are rewritten. On PostgreSQL the tables live in the
    configured schema beside the events, each name prefixed with the component's name; on SQLite
    each component has its own file, as the library requires.
    """

    def __init__(self, settings: Settings, name: str) -> None:
        if not _IDENTIFIER.match(name):
            raise ValueError(f"store name {name!r} must be a plain lower-case identifier")
        self.name = name
        self.is_postgres = settings.uses_postgres
        self._local = threading.local()
        self._pool: ConnectionPool | None = None
        self._sqlite_path = settings.sqlite_path(name)
        if self.is_postgres:
            ensure_postgres_schema(settings)
            schema = settings.postgres_params()["POSTGRES_SCHEMA"]
            self._pool = ConnectionPool(
                postgres_conninfo(settings),
                min_size=1,
                max_size=8,
                kwargs={"options": f"-c search_path={schema}"},
                open=True,
            )
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)

    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self._sqlite_path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """A cursor whose statements commit together, or not at all if the block raises."""
        if self._pool is not None:
            with self._pool.connection() as pg, pg.transaction():
                yield pg.cursor()
            return
        lite = self._sqlite()
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteCursor(lite.cursor())
        except BaseException:
            lite.execute("ROLLBACK")
            raise
        lite.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of one read-only statement."""
        if self._pool is not None:
            with self._pool.connection() as pg:
                return pg.execute(sql, params).fetchall()
        return self._sqlite().execute(_qmark(sql), params).fetchall()

    def close(self) -> None:
        """Release connections."""
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class _SQLiteCursor:
    """A sqlite3 cursor that accepts ``%s`` placeholders."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(_qmark(sql), params)

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(_qmark(sql), params)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()


def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")
