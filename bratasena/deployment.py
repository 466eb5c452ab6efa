"""Which regency a store belongs to: one deployment per regency, several on one database server.

A province runs its regencies side by side on one PostgreSQL database, each in its own schema
(`BRATASENA_DATABASE_SCHEMA`) with its own `BRATASENA_REGENCY`. Nothing in an event says which
regency wrote it, so a deployment pointed at the wrong schema would quietly mix two regencies'
households, accounts and outboxes. `bratasena init` therefore writes the regency into the store
(the table ``deployment_regency``, beside the events) and refuses a store that already names
another one; `serve` and `api` refuse to start on such a store too.

A store created before this marker existed carries none: the first `init` on it claims it for the
configured regency, which in every such deployment is its own.
"""

from __future__ import annotations

from bratasena.persistence import Database
from bratasena.settings import Settings

TABLE = "deployment_regency"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(singleton INTEGER PRIMARY KEY CHECK (singleton = 1), regency TEXT NOT NULL)"
)


class StoreOwnedError(RuntimeError):
    """The configured schema (or data directory) holds another regency's store."""


def _where(settings: Settings) -> str:
    if settings.uses_postgres:
        return f"the schema {settings.postgres_params()['POSTGRES_SCHEMA']!r}"
    return f"the data directory {str(settings.data_dir)!r}"


def _refusal(settings: Settings, owner: str) -> StoreOwnedError:
    return StoreOwnedError(
        f"{_where(settings)} holds the store of regency {owner[:2]}.{owner[2:]}, not of "
        f"BRATASENA_REGENCY={settings.regency[:2]}.{settings.regency[2:]}: give each regency "
        "its own BRATASENA_DATABASE_SCHEMA (or data directory)"
    )


def owner(settings: Settings) -> str | None:
    """The regency code the store is marked with, or None when it is not marked (yet)."""
    store = Database(settings, "deployment")
    try:
        with store.setup() as cur:
            cur.execute(CREATE)
            cur.execute(f"SELECT regency FROM {TABLE}")
            found = cur.fetchone()
    finally:
        store.close()
    if found is None:
        return None
    (regency,) = found
    return str(regency)


def claim(settings: Settings) -> None:
    """Mark the store as the configured regency's, or refuse one marked for another regency.

    Two first `init`s racing on one empty schema cannot both win: the marker is one row with a
    fixed key, and the loser re-reads the winner's regency.
    """
    store = Database(settings, "deployment")
    try:
        with store.setup() as cur:
            cur.execute(CREATE)
            cur.execute(
                f"INSERT INTO {TABLE} (singleton, regency) VALUES (1, %s) "
                "ON CONFLICT (singleton) DO NOTHING",
                (settings.regency,),
            )
            cur.execute(f"SELECT regency FROM {TABLE}")
            (regency,) = cur.fetchone()
    finally:
        store.close()
    if regency != settings.regency:
        raise _refusal(settings, str(regency))


def check(settings: Settings) -> None:
    """Refuse to serve a store marked for another regency (an unmarked one is served as is)."""
    marked = owner(settings)
    if marked is not None and marked != settings.regency:
        raise _refusal(settings, marked)
