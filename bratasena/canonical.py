"""Canonical JSON of exported events and the SHA-256 chain over them (see the README to verify).

The API's audit export and the audit page's downloads both come from `export`, so the chain a
person reads on the page is the one the API returns.

Canonical JSON of an event (what is hashed): the object with exactly the members ``version``,
``type``, ``recorded_at``, ``actor`` and ``data`` as the audit API returns them, serialised with
keys sorted at every level, no whitespace (separators ``,`` and ``:``), non-ASCII characters as
UTF-8 (not ``\\u`` escapes); datetimes and dates are ISO 8601 strings
(``2026-03-10T02:00:00+00:00``), UUIDs their hyphenated lower-case strings, tuples and sets lists.
``chain`` of event n is the hex SHA-256 of the UTF-8 bytes of (chain of event n-1 + canonical JSON
of event n), the chain before the first event being the empty string.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from bratasena.application import AuditEvent


def jsonable(value: Any) -> Any:
    """The value as plain JSON types, in the canonical forms the chain is computed over."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, dict):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _key(key: Any) -> str:
    # Some state is keyed by tuples, e.g. a household's sync state by (target, event version).
    if isinstance(key, tuple):
        return ":".join(str(jsonable(k)) for k in key)
    return str(jsonable(key))


def canonical_json(event: dict[str, Any]) -> str:
    """The canonical JSON text of an exported event (see the module docstring)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def next_chain(previous: str, event: dict[str, Any]) -> str:
    """The chain value of an event that follows an event with chain ``previous``."""
    return hashlib.sha256((previous + canonical_json(event)).encode("utf-8")).hexdigest()


def export(history: list[AuditEvent]) -> list[dict[str, Any]]:
    """An aggregate's events as exported (oldest first), each with its ``chain`` value."""
    chain = ""
    out: list[dict[str, Any]] = []
    for event in history:
        exported = {
            "version": event.version,
            "type": event.type,
            "recorded_at": jsonable(event.recorded_at),
            "actor": event.actor,
            "data": jsonable(event.data),
        }
        chain = next_chain(chain, exported)
        out.append({**exported, "chain": chain})
    return out
