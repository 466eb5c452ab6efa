"""The `bratasena` command: one module per group of subcommands, each wired by the bootstrap."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from bratasena.domain.errors import DomainError

Handler = Callable[[argparse.Namespace], int]

COMMAND_MODULES: tuple[str, ...] = (
    "bratasena.cli.store",
    "bratasena.cli.serve",
    "bratasena.cli.accounts",
    "bratasena.cli.projections",
    "bratasena.cli.registry",
    "bratasena.cli.proposals",
    "bratasena.cli.sync",
)
"""Modules that add subcommands through a ``register(subparsers)`` function."""


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: a long-running loop finishes its batch, then returns."""
    stop = threading.Event()

    def finish(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    return stop


def build_parser() -> argparse.ArgumentParser:
    """The full command-line parser with every module's subcommands."""
    parser = argparse.ArgumentParser(
        prog="bratasena",
        description="Complaints about well-off aid recipients in the welfare data, from filing "
        "to deactivation and sync. Configured by BRATASENA_* environment variables.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; domain errors print their message and exit with status 2."""
    # Whatever a command writes (stores, keys, reports beside the data) is its user's alone.
    os.umask(0o077)
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
