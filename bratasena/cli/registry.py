"""The registry subcommands: ``import-registry FILE`` and ``generate-registry --households N``."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from tqdm import tqdm

from bratasena.bootstrap import Service
from bratasena.domain.calendar import month_of, now_utc
from bratasena.domain.errors import InvalidInputError
from bratasena.integration.registry_import import (
    BATCH_SIZE,
    SOURCES,
    ImportReport,
    check_period,
    import_registry_file,
)
from bratasena.integration.synthetic import generate_rows, write_csv, write_extract
from bratasena.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``import-registry`` and ``generate-registry``."""
    command = subparsers.add_parser(
        "import-registry",
        help="import a DTKS/DTSEN extract (CSV or XLSX); exit 0 all rows taken, 1 some "
        "rejected, 2 file refused",
        description="Import a registry extract. Bad rows go to FILE's .errors.csv beside it; "
        "running the same import again after a crash completes it without duplicates.",
    )
    command.add_argument("file", type=Path, help="the extract, .csv (UTF-8) or .xlsx")
    command.add_argument("--source", default="dtks", choices=SOURCES, help="default: dtks")
    command.add_argument(
        "--period", default=None, help="the extract's month, YYYY-MM (default: this month, WIB)"
    )
    command.add_argument("--actor", default=None, help="who imports (default: cli:<user>)")
    command.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=argparse.SUPPRESS)
    command.set_defaults(handler=_import_command)

    generate = subparsers.add_parser(
        "generate-registry",
        help="write a synthetic registry extract of the configured regency (CSV, or XLSX)",
        description="Invented households (registry ids SYN-…) in exactly the import format: "
        "`bratasena generate-registry --households 1000 --out r.csv && "
        "bratasena import-registry r.csv`.",
    )
    generate.add_argument("--households", type=int, required=True, metavar="N")
    generate.add_argument("--seed", type=int, default=0, metavar="S", help="default: 0")
    generate.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help=".csv or .xlsx (default: stdout)"
    )
    generate.set_defaults(handler=_generate_command)


class ProgressBar:
    """The import's progress on a terminal (rows, rate, ETA), drawn by tqdm after every batch."""

    def __init__(self) -> None:
        self._bar = tqdm(unit=" rows", unit_scale=True, file=sys.stderr, dynamic_ncols=True)

    def __call__(self, report: ImportReport) -> None:
        if report.total_rows and self._bar.total != report.total_rows:
            self._bar.total = report.total_rows
        self._bar.update(report.rows_read - self._bar.n)

    def close(self) -> None:
        """End the bar's line so the summary starts on its own."""
        self._bar.close()


def _import_command(args: argparse.Namespace) -> int:
    period = check_period(args.period) if args.period else month_of(now_utc())
    actor = args.actor or f"cli:{_user()}"
    bar = ProgressBar() if sys.stderr.isatty() else None
    try:
        with Service(get_settings()) as service:
            report = import_registry_file(
                service.app,
                args.file,
                source=args.source,
                period=period,
                actor=actor,
                progress=bar,
                batch_size=max(args.batch_size, 1),
            )
    finally:
        if bar is not None:
            bar.close()
    print(f"{args.file} ({report.source} {report.period}): {report.summary()}")
    return report.exit_status


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _generate_command(args: argparse.Namespace) -> int:
    if args.households < 0:
        raise InvalidInputError("households: must be 0 or more", field="households")
    rows = generate_rows(args.households, args.seed, get_settings().regency)
    if args.out is None:
        write_csv(rows, sys.stdout)
    else:
        count = write_extract(rows, args.out)
        print(f"{count:,} synthetic households written to {args.out}", file=sys.stderr)
    return 0
