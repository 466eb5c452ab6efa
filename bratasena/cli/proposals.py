"""The proposal list subcommand: ``prepare-proposals`` gathers the month's list (run it daily)."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from bratasena.bootstrap import Service
from bratasena.domain.errors import OutOfOrderError
from bratasena.integration.proposal_files import bnba_xlsx
from bratasena.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``prepare-proposals``."""
    command = subparsers.add_parser(
        "prepare-proposals",
        help="gather the month's upheld deactivations into its proposal list, from the "
        "cut-off day (BRATASENA_PROPOSAL_CUTOFF_DAY) on",
        description="Gather the month's proposal list (usulan penonaktifan). Before the cut-off "
        "day, or once the list exists, it says so and exits 0, so it may run every day.",
    )
    command.add_argument("--month", default=None, help="YYYY-MM (default: this month, WIB)")
    command.add_argument("--xlsx", type=Path, default=None, help="also write the BNBA workbook")
    command.set_defaults(handler=_prepare)


def _prepare(args: argparse.Namespace) -> int:
    with Service(get_settings()) as service:
        app = service.app
        try:
            outcome = app.prepare_proposals(args.month, actor=f"cli:{getpass.getuser()}")
        except OutOfOrderError as refusal:
            if refusal.rule not in ("before_cutoff", "already_prepared", "nothing_to_propose"):
                raise
            print(refusal.message)
            return 0
        proposal = app.proposal_list(outcome.id)
        print(
            f"list {proposal.number}: {len(proposal.items)} households (cut-off {proposal.cutoff})"
        )
        if args.xlsx is not None:
            args.xlsx.write_bytes(bnba_xlsx(proposal, app.regions))
            print(f"BNBA written to {args.xlsx}")
    return 0
