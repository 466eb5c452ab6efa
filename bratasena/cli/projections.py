"""The projection subcommands: ``project [--once]``, ``projections status|rebuild NAME``."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bratasena.bootstrap import Service
from bratasena.cli import stop_on_signals
from bratasena.leadership import Lease, lead, leader
from bratasena.projections import Projections
from bratasena.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``project`` and ``projections`` to the ``bratasena`` command."""
    project = subparsers.add_parser(
        "project", help="run the projection runner: tail the event log into the views"
    )
    project.add_argument("--once", action="store_true", help="catch up with the log and exit")
    project.set_defaults(handler=_project)

    projections = subparsers.add_parser("projections", help="inspect or rebuild the views")
    actions = projections.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="each projection's position, the head and the lag")
    status.set_defaults(handler=_status)
    rebuild = actions.add_parser(
        "rebuild", help="replay one projection from zero into fresh tables, then switch"
    )
    rebuild.add_argument(
        "name", help="case_list, household_status, removal_report or staff_directory"
    )
    rebuild.set_defaults(handler=_rebuild)


@contextmanager
def _views() -> Iterator[Projections]:
    with Service(get_settings()) as service:
        yield service.projections


def _project(args: argparse.Namespace) -> int:
    with _views() as views:
        if args.once:
            started = time.perf_counter()
            applied = views.run_once()
            print(f"Applied {applied} events in {time.perf_counter() - started:.1f} s.")
            _print_status(views)
            return 0
        stop = stop_on_signals()
        print("Projecting while this process leads the runner; Ctrl-C to stop.", flush=True)
        lead(Lease(views.settings, "runner"), views.run_forever, stop)
        return 0


def _status(args: argparse.Namespace) -> int:
    with _views() as views:
        _print_status(views)
    return 0


def _print_status(views: Projections) -> None:
    print(f"{'projection':<20} {'position':>10} {'head':>10} {'lag':>8}")
    for s in views.status():
        print(f"{s.name:<20} {s.position:>10} {s.head:>10} {s.lag:>8}")
    pid = leader(views.settings, "runner")
    print(
        "runner: none running on this deployment"
        if pid is None
        else f"runner: process {pid} leads (others stand by)"
    )


def _rebuild(args: argparse.Namespace) -> int:
    with _views() as views:
        started = time.perf_counter()
        views.rebuild(args.name)
        print(f"Rebuilt {args.name} in {time.perf_counter() - started:.1f} s.")
        _print_status(views)
    return 0
