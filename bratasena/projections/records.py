"""Formats shared by the read models: timestamps as sortable text, dates, pages of results."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

import psycopg

from bratasena.domain.errors import InvalidInputError
from bratasena.persistence import Cursor

T = TypeVar("T")

MAX_PER_PAGE = 100

# Fixed width with microseconds, so text order is time order on both backends.
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def ts(moment: datetime) -> str:
    """An aware moment as fixed-width UTC text that sorts in time order."""
    return moment.astimezone(UTC).strftime(_TS_FORMAT)


def parse_ts(text: str) -> datetime:
    """The aware UTC moment of a stored timestamp."""
    # fromisoformat reads the "Z" suffix (Python 3.11) and is far cheaper than strptime.
    return datetime.fromisoformat(text)


def day_text(value: date | None) -> str | None:
    """A date as ISO text (or None)."""
    return value.isoformat() if value is not None else None


def parse_day(text: str | None) -> date | None:
    """The date of stored ISO text (or None)."""
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a filtered, sorted list, and how many items the whole list has."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the whole list fills (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def check_paging(page: int, per_page: int) -> tuple[int, int]:
    """The page number and size, refused when out of range."""
    if not isinstance(page, int) or page < 1:
        raise InvalidInputError("page: pages are numbered from 1", field="page")
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInputError(
            f"per_page: give a page size from 1 to {MAX_PER_PAGE}", field="per_page"
        )
    return page, per_page


def placeholders(count: int) -> str:
    """``%s, %s, …`` for an IN list of ``count`` values."""
    return ", ".join(["%s"] * count)


def chunked(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Slices of at most ``size`` items (keeps IN lists under both backends' parameter limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_of(
    cur: Cursor, table: str, columns: Sequence[str], events: Sequence[Any]
) -> dict[str, dict[str, Any]]:
    """The stored rows of the events' aggregates, by id; ``columns[0]`` is the aggregate's id."""
    rows: dict[str, dict[str, Any]] = {}
    for chunk in chunked(sorted({str(e.originator_id) for e in events})):
        cur.execute(
            f"SELECT {', '.join(columns)} FROM {table} "
            f"WHERE {columns[0]} IN ({placeholders(len(chunk))})",
            chunk,
        )
        for values in cur.fetchall():
            rows[values[0]] = dict(zip(columns, values, strict=True))
    return rows


def column_types(columns: str) -> dict[str, str]:
    """Column name → SQL type of a table's column list (``"a TEXT NOT NULL, b INTEGER"``)."""
    return dict(re.findall(r"(\w+) (TEXT|INTEGER|BIGINT)\b", columns))


def upsert(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    types: dict[str, str],
    update: str | None = None,
) -> None:
    """Insert rows, or update those whose key exists, in a few statements rather than one per row.

    Per-row statements capped PostgreSQL rebuilds far below the speed of reading the log, so on
    PostgreSQL each column travels as one array and ``unnest`` turns them back into rows; SQLite,
    in process, takes multi-row VALUES. Rows must have distinct keys. ``update`` replaces the
    default SET clause (every non-key column); an empty one means DO NOTHING.
    """
    if not rows:
        return
    if update is None:
        update = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    action = f"UPDATE SET {update}" if update else "NOTHING"
    conflict = f"ON CONFLICT ({', '.join(key)}) DO {action}"
    names = ", ".join(columns)
    if isinstance(cur, psycopg.Cursor):
        arrays = ", ".join(f"%s::{types[c]}[]" for c in columns)
        cur.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {conflict}",
            [list(values) for values in zip(*rows, strict=True)],
            binary=True,  # binary arrays skip the text quoting of every element
        )
        return
    row_marks = "(" + placeholders(len(columns)) + ")"
    for chunk in chunked(rows, max(1, _SQLITE_PARAMETERS // len(columns))):
        cur.execute(
            f"INSERT INTO {table} ({names}) VALUES "
            f"{', '.join([row_marks] * len(chunk))} {conflict}",
            [value for row in chunk for value in row],
        )


def bulk_insert(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    types: dict[str, str],
) -> None:
    """Load rows into a fresh, empty table in one go (a rebuild's folded rows).

    PostgreSQL takes them through ``COPY`` in the binary format (no statement per batch, no
    conflict checks, no text quoting); SQLite, in process, through one prepared ``executemany``.
    """
    names = ", ".join(columns)
    if isinstance(cur, psycopg.Cursor):
        with cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_BINARY_TYPES[types[c]] for c in columns])
            for row in rows:
                copy.write_row(row)
        return
    cur.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({placeholders(len(columns))})",
        rows if isinstance(rows, Sequence) else list(rows),
    )


def write_counts(
    cur: Cursor,
    table: str,
    key: Sequence[str],
    counts: Mapping[tuple[Any, ...], int],
    *,
    types: dict[str, str],
    fresh: bool,
) -> None:
    """Store counters by ``key``: their totals into a fresh table (a rebuild's), else each count
    added to the stored one (the changes a batch made; a count of zero is left out)."""
    rows = [(*k, n) for k, n in sorted(counts.items()) if n]
    if fresh:
        bulk_insert(cur, table, (*key, "n"), rows, types=types)
        return
    update = f"n = {table}.n + excluded.n"
    upsert(cur, table, (*key, "n"), key, rows, types=types, update=update)


_BINARY_TYPES = {"TEXT": "text", "INTEGER": "int4", "BIGINT": "int8"}

# Well under SQLite's limit of parameters per statement (32,766).
_SQLITE_PARAMETERS = 8000
