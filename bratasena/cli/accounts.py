"""The account subcommands: ``accounts add USERNAME --role ROLE`` (the password from stdin)."""

from __future__ import annotations

import argparse
import getpass
import sys

from bratasena.access import hash_password
from bratasena.bootstrap import Service
from bratasena.domain.account import ROLES, check_new_password, normalise_username
from bratasena.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``accounts``."""
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
    reset = commands.add_parser(
        "reset-password",
        help="give an account a new password (read from stdin); its sessions and tokens end",
    )
    reset.add_argument("username")
    reset.set_defaults(handler=_reset_password)


def read_password() -> str:
    """A password typed at the terminal, or the first line of stdin."""
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _add_account(args: argparse.Namespace) -> int:
    password = check_new_password(read_password(), username=args.username, field="password")
    with Service(get_settings()) as service:
        outcome = service.app.open_account(
            username=args.username,
            role=args.role,
            districts=args.districts,
            password_hash=hash_password(password),
            full_name=args.full_name,
            actor="cli",
        )
        account = service.app.get_account(normalise_username(args.username))
    where = f" in {', '.join(account.districts)}" if account.districts else ""
    print(
        f"Account {account.username} opened as {account.role}{where} (version {outcome.version})."
    )
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    password = check_new_password(read_password(), username=args.username, field="password")
    with Service(get_settings()) as service:
        service.app.change_password(
            normalise_username(args.username), password_hash=hash_password(password), actor="cli"
        )
    print(f"New password set for {normalise_username(args.username)}; its sessions have ended.")
    return 0
