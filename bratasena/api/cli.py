"""The `bratasena serve`, `bratasena api` and `bratasena accounts add` subcommands."""

from __future__ import annotations

import argparse
import getpass
import sys

from bratasena.domain.account import ROLES
from bratasena.domain.errors import InvalidInputError

MIN_PASSWORD = 10


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the HTTP and account subcommands."""
    serve = subparsers.add_parser(
        "serve",
        help="the whole service in one process: API (and web pages), projections, sync worker",
    )
    _listen_options(serve)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed a synthetic Blora with demo accounts and run stand-in sync targets",
    )
    serve.set_defaults(handler=_serve, runner="thread")

    api = subparsers.add_parser(
        "api", help="the HTTP API alone (projections and sync run as their own processes)"
    )
    _listen_options(api)
    api.set_defaults(handler=_serve, runner="inline")

    accounts = subparsers.add_parser("accounts", help="staff accounts")
    commands = accounts.add_subparsers(dest="accounts_command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="open a staff account; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--district",
        dest="districts",
        action="extend",
        nargs="+",
        default=[],
        metavar="CODE",
        help="a district (kecamatan) code such as 33.16.01; officers and facilitators need one",
    )
    add.add_argument("--full-name", default="")
    add.set_defaults(handler=_add_account)


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bratasena.api.app import create_app
    from bratasena.api.logs import hide_query_values
    from bratasena.settings import get_settings

    settings = get_settings()
    if getattr(args, "demo", False):
        from bratasena.demo import prepare

        settings, _stand_ins = prepare(settings, base_url=f"http://{args.host}:{args.port}")
    api = create_app(settings, runner=args.runner)
    # One worker: the runner and worker threads, the login throttle and the rate limiter live in
    # this process; scale out with more `bratasena api` processes behind a proxy instead.
    config = uvicorn.Config(api, host=args.host, port=args.port, log_level="info")
    # After uvicorn has configured its loggers: request lines without query values.
    hide_query_values()
    uvicorn.Server(config).run()
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _add_account(args: argparse.Namespace) -> int:
    from bratasena.api.security import hash_password
    from bratasena.application import Bratasena
    from bratasena.settings import get_settings

    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(
            f"password: use at least {MIN_PASSWORD} characters (read from stdin)", field="password"
        )
    app = Bratasena(get_settings())
    try:
        outcome = app.open_account(
            username=args.username,
            role=args.role,
            districts=args.districts,
            password_hash=hash_password(password),
            full_name=args.full_name,
            actor="cli",
        )
        account = app.get_account(args.username.strip().lower())
    finally:
        app.close()
    where = f" in {', '.join(account.districts)}" if account.districts else ""
    print(
        f"Account {account.username} opened as {account.role}{where} (version {outcome.version})."
    )
    return 0
