"""The sync subcommands: ``sync`` (run, ``status``, ``retry ID``) and ``simulate-target``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from bratasena.bootstrap import Service
from bratasena.cli import stop_on_signals
from bratasena.integration.simulator import Faults, StandInTarget, TargetState
from bratasena.integration.sync import SyncWorker
from bratasena.leadership import Lease, lead, leader
from bratasena.settings import Settings, get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sync`` (run, status, retry) and ``simulate-target`` (the stand-in)."""
    sync = subparsers.add_parser(
        "sync",
        help="run the sync worker (deactivations and reactivations to DTJateng and DTSEN)",
        description="Without an action: run the worker until interrupted. Targets are on when "
        "BRATASENA_SYNC_DTJATENG_URL / BRATASENA_SYNC_DTSEN_URL are set.",
    )
    sync.add_argument("--once", action="store_true", help="send what is due now and exit")
    sync.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="changes in flight at once (default: BRATASENA_SYNC_IN_FLIGHT, 64)",
    )
    sync.set_defaults(handler=_run)
    actions = sync.add_subparsers(dest="action", required=False, metavar="ACTION")
    status = actions.add_parser("status", help="backlog, parked items and lag")
    status.set_defaults(handler=_status)
    retry = actions.add_parser("retry", help="re-queue a parked item (after fixing its cause)")
    retry.add_argument("id", help="the item id shown by `bratasena sync status`, e.g. dtsen-1042")
    retry.set_defaults(handler=_retry)
    _register_stand_in(subparsers)


@contextmanager
def _worker(concurrency: int | None = None) -> Iterator[SyncWorker]:
    with Service(get_settings(), sync_concurrency=concurrency) as service:
        yield service.sync


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with _worker(args.concurrency) as worker:
        if not worker.targets:
            print("No target enabled: set BRATASENA_SYNC_DTJATENG_URL and/or _DTSEN_URL.")
        if args.once:
            finished = worker.run_once()
            print(f"Finished {finished} items.")
            _print_status(worker)
            return 0
        stop = stop_on_signals()
        print(
            f"Syncing to {', '.join(worker.targets) or 'no target'} while this process leads the "
            "sync; Ctrl-C to stop.",
            flush=True,
        )
        lead(Lease(worker.settings, "sync"), worker.run_forever, stop)
        return 0


def _status(args: argparse.Namespace) -> int:
    with _worker() as worker:
        _print_status(worker)
    return 0


def _print_status(worker: SyncWorker) -> None:
    s = worker.status()
    print(f"targets: {', '.join(s.targets) or 'none enabled'}")
    print(f"log position {s.position} of {s.head} (lag {s.lag} events)")
    print(_leading(worker.settings))
    for t in s.per_target:
        state = "enabled" if t.enabled else "NOT CONFIGURED: its changes wait until its URL is set"
        print(f"  {t.target:<9} {t.unsent} not yet acknowledged, {t.parked} parked; {state}")
    print(
        f"backlog: {s.pending} pending, {s.retrying} retrying, {s.parked} parked; {s.done} done; "
        f"oldest unsynced {s.oldest_unsynced_seconds:.0f} s"
    )
    parked = worker.parked()
    if parked:
        print(f"{'parked item':<16} {'registry id':<14} {'change':<13} {'reason':<20} message")
        for p in parked:
            print(f"{p.id:<16} {p.registry_id:<14} {p.change:<13} {p.reason_code:<20} {p.message}")


def _leading(settings: Settings) -> str:
    pid = leader(settings, "sync")
    if pid is None:
        return "sync worker: none running on this deployment"
    return f"sync worker: process {pid} leads (others stand by)"


def _retry(args: argparse.Namespace) -> int:
    with _worker() as worker:
        item = worker.retry(args.id)
    print(f"Re-queued {item.id} ({item.target}, {item.change} of {item.registry_id}).")
    return 0


def _register_stand_in(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "simulate-target",
        help="run a STAND-IN for the DTJateng/DTSEN change endpoint (not the real systems)",
        description="A stand-in for the real DTJateng/DTSEN systems, for demos and tests: it "
        "implements the contract of docs/integration.md with real idempotency and "
        "configurable faults. It is not the real province or national system.",
    )
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--name", default="stand-in", help="label of references, e.g. dtjateng")
    parser.add_argument("--token", default=None, help="require this bearer token")
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="share of answers that are 500"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="added latency in ms")
    parser.add_argument(
        "--reject-rate", type=float, default=0.0, help="share of changes refused with a reason code"
    )
    parser.add_argument("--state", type=Path, default=None, help="keep the state in this JSON file")
    parser.set_defaults(handler=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    target = StandInTarget(
        host=args.host,
        port=args.port,
        name=args.name,
        token=args.token,
        faults=Faults(
            fail_rate=args.fail_rate, latency_ms=args.latency, reject_rate=args.reject_rate
        ),
        state=TargetState(args.name, args.state),
    )

    def finish(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, finish)
    print(
        f"STAND-IN target {args.name!r} (not the real DTJateng/DTSEN) at "
        f"http://{args.host}:{args.port}; Ctrl-C to stop.",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        target.serve_forever()
    return 0
