"""The event-store subcommands: ``init``, ``history ID`` and ``keygen``."""

from __future__ import annotations

import argparse
import base64
import os
import sys
from uuid import UUID

from bratasena import deployment
from bratasena.bootstrap import Service
from bratasena.domain import ids
from bratasena.domain.identity import is_valid_tracking_code, normalise_tracking_code
from bratasena.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init``, ``history`` and ``keygen``."""
    init = subparsers.add_parser("init", help="create the event store and views")
    init.set_defaults(handler=_init)

    history = subparsers.add_parser(
        "history", help="print the events of a complaint, household or account as a timeline"
    )
    history.add_argument("id", help="an aggregate id, a tracking code, or a registry id")
    history.set_defaults(handler=_history)

    keygen = subparsers.add_parser("keygen", help="print a new BRATASENA_CIPHER_KEY")
    keygen.set_defaults(handler=_keygen)


def _init(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        deployment.claim(settings)
    except deployment.StoreOwnedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with Service(settings) as service:
        service.projections.status()  # creates the views' tables as well
        where = (
            f"PostgreSQL schema {settings.postgres_params()['POSTGRES_SCHEMA']}"
            if settings.uses_postgres
            else f"SQLite files under {settings.data_dir.resolve()}"
        )
        print(
            f"Event store ready for regency {settings.regency[:2]}.{settings.regency[2:]} "
            f"({where}); {service.app.head()} events recorded."
        )
        if settings.cipher_key is None:
            print(
                f"Lookup key: {settings.lookup_key_path().resolve()} (generated once, mode "
                "0600; development only: production needs BRATASENA_CIPHER_KEY)."
            )
    return 0


def resolve_id(text: str) -> UUID:
    """The aggregate id of a UUID, a tracking code or a registry id."""
    try:
        return UUID(text)
    except ValueError:
        pass
    if is_valid_tracking_code(text):
        return ids.complaint_id(normalise_tracking_code(text))
    return ids.household_id(text)


def _history(args: argparse.Namespace) -> int:
    with Service(get_settings()) as service:
        events = service.app.history(resolve_id(args.id))
    for event in events:
        when = event.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        print(f"v{event.version:<3} {when}  {event.type:<28} by {event.actor}")
        for key, value in event.data.items():
            if key != "actor":
                print(f"      {key}: {value}")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    print(base64.b64encode(os.urandom(32)).decode())
    return 0
