"""The `bratasena` command: one subcommand per job, each defined beside the code it runs."""

from __future__ import annotations

import argparse
import base64
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from uuid import UUID

from bratasena.domain.errors import DomainError

Handler = Callable[[argparse.Namespace], int]

COMMAND_MODULES: tuple[str, ...] = (
    "bratasena.cli",
    "bratasena.api.cli",
    "bratasena.projections.cli",
    "bratasena.integration.registry_import",
    "bratasena.integration.synthetic",
    "bratasena.integration.sync",
)
"""Modules that add subcommands through a ``register(subparsers)`` function."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The core subcommands: init, history, keygen."""
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
    from bratasena.application import Bratasena
    from bratasena.settings import get_settings

    settings = get_settings()
    app = Bratasena(settings)
    where = (
        f"PostgreSQL schema {settings.postgres_params()['POSTGRES_SCHEMA']}"
        if settings.uses_postgres
        else f"SQLite files under {settings.data_dir.resolve()}"
    )
    print(f"Event store ready ({where}); {app.head()} events recorded.")
    app.close()
    return 0


def _resolve_id(app: object, text: str) -> UUID:
    from bratasena.application import Bratasena
    from bratasena.domain import ids
    from bratasena.domain.identity import is_valid_tracking_code, normalise_tracking_code

    assert isinstance(app, Bratasena)
    try:
        return UUID(text)
    except ValueError:
        pass
    if is_valid_tracking_code(text):
        return ids.complaint_id(normalise_tracking_code(text))
    return ids.household_id(text)


def _history(args: argparse.Namespace) -> int:
    from bratasena.application import Bratasena
    from bratasena.settings import get_settings

    app = Bratasena(get_settings())
    try:
        events = app.history(_resolve_id(app, args.id))
    finally:
        app.close()
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


def build_parser() -> argparse.ArgumentParser:
    """The full command-line parser with every module's subcommands."""
    parser = argparse.ArgumentParser(
        prog="bratasena",
        description="Complaints about well-off aid recipients in the welfare data, from filing "
        "to deactivation and sync. Configured by BRATASENA_* environment variables.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = sys.modules[__name__] if name == __name__ else importlib.import_module(name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; domain errors print their message and exit with status 2."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
