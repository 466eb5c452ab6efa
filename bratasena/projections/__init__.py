"""Read models for officers, supervisors and auditors, and the runner that keeps them current."""

from __future__ import annotations

import logging
import threading
from typing import Any

from bratasena.application import Bratasena
from bratasena.persistence import Database
from bratasena.projections.case_list import (
    CaseDetail,
    CaseList,
    CaseQuery,
    CaseRow,
    SearchKind,
    TimelineEntry,
)
from bratasena.projections.household_candidates import (
    Candidate,
    HouseholdCandidates,
    Within,
)
from bratasena.projections.household_status import (
    HouseholdQuery,
    HouseholdRow,
    HouseholdStatus,
    SyncState,
)
from bratasena.projections.officer_dashboard import Dashboard, DistrictCount, OfficerDashboard
from bratasena.projections.reads import Reads, ReplicaLag
from bratasena.projections.reconciliation_report import ReconciliationReport
from bratasena.projections.records import Page
from bratasena.projections.removal_report import RemovalReport
from bratasena.projections.runner import ProjectionStatus, Runner
from bratasena.projections.staff_directory import StaffDirectory, StaffQuery, StaffRow
from bratasena.projections.supervisor_queues import Queue, Queues, SupervisorQueues, Workload
from bratasena.settings import Settings

log = logging.getLogger(__name__)

REBUILD_BATCH = 2000
"""Events per transaction when replaying from zero (nobody waits on a half-built generation)."""


class Projections:
    """The views over one event store and the runner that feeds them (one ``views`` database)."""

    def __init__(self, app: Bratasena, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.db = Database(settings, "views")
        # The runner writes (and reads its positions) on the primary; the screens read `reads`.
        self.reads = Reads(self.db, settings)
        self.cases = CaseList(self.reads, app, settings)
        self.households = HouseholdStatus(self.reads, app, settings)
        self.report = RemovalReport(self.reads, app, settings)
        self.reconciliation = ReconciliationReport(self.reads, app, settings)
        self.staff = StaffDirectory(self.reads, app, settings)
        self.dashboard = OfficerDashboard(
            self.reads, settings, self.cases, self.report, self.reconciliation
        )
        self.candidates = HouseholdCandidates(self.households, self.cases)
        self.queues = SupervisorQueues(self.reads, settings, self.cases, self.staff)
        self._runner = Runner(
            app,
            self.db,
            [self.cases, self.households, self.report, self.reconciliation, self.staff],
            settings.projection_batch_size,
        )
        self._runner.setup()
        self._tailing = threading.Event()
        self._led = threading.Event()

    @property
    def names(self) -> list[str]:
        """The projections that the runner feeds and that can be rebuilt."""
        return sorted(self._runner.views)

    @property
    def tailing(self) -> bool:
        """Whether a runner thread of this process tails the log."""
        return self._tailing.is_set()

    @property
    def led(self) -> bool:
        """Whether the deployment's leading runner keeps the views: this process's runner thread,
        or another process's while this one stands by (`follow_leader`). Then `refresh` does
        nothing: reads are as fresh as the leader keeps them, in every worker alike."""
        return self._led.is_set() or self.tailing

    def follow_leader(self) -> None:
        """Count on the deployment's leading runner from now on (`bratasena serve` and each of
        its workers, which run the runner while they hold its lease and stand by otherwise)."""
        self._led.set()

    def run_once(self) -> int:
        """Catch up with the log in batches; the number of events applied."""
        return self._runner.run_once()

    def run_forever(self, stop: threading.Event) -> None:
        """Tail the log until ``stop`` is set, polling every ``poll_interval_seconds`` when idle."""
        self._tailing.set()
        try:
            self._runner.run_forever(stop, self.settings.poll_interval_seconds)
        finally:
            self._tailing.clear()

    def wait_for(self, position: int, timeout: float) -> bool:
        """True once every projection has reached the log position ``position`` (bounded wait):
        the runner thread of this process gets there when it tails the log, otherwise one
        waiter of this process catches up for all (`Runner.wait_for`)."""
        if self.tailing:
            return self._runner.await_position(position, timeout)
        return self._runner.wait_for(position, timeout)

    def refresh(self) -> None:
        """Apply pending events now, unless the deployment's leading runner keeps the views.

        Reads of views call this first: without a runner to count on (`bratasena api`, the
        tests) the process applies what other processes (the sync worker, imports, the CLI)
        appended since.
        """
        if self.led:
            return
        if self._runner.catch_up(self.settings.read_your_writes_timeout):
            self.reads.after_write()  # with a replica, reads wait for it to replay (bounded)

    def caught_up(self, position: int) -> bool:
        """Wait (bounded) until every projection has applied the log up to ``position``.

        After a command, so the answer and every later read show its effect (read-your-writes);
        `wait_for` applies pending batches itself, so this holds with a runner thread or without.
        With a replica, reads then wait for it to replay the views' writes, or go to the primary.
        """
        timeout = self.settings.read_your_writes_timeout
        if self.wait_for(position, timeout):
            self.reads.after_write()
            return True
        log.warning("projections did not reach position %s within %ss", position, timeout)
        return False

    def removal_report(self, year: int) -> dict[str, Any]:
        """The year's removal report with the confirmed removals beside the decided ones (by
        month and district) and the removals not applied: the target is judged on both."""
        report = self.report.year(year)
        self.reconciliation.add_to(report, year)
        return report

    def status(self) -> list[ProjectionStatus]:
        """Each projection's position, the head of the log and the lag."""
        return self._runner.status()

    def rebuild(self, name: str) -> None:
        """Replay one projection from zero into fresh tables, then switch to them atomically."""
        self._runner.rebuild(name, max(REBUILD_BATCH, self.settings.projection_batch_size))

    def replica_lag(self) -> ReplicaLag | None:
        """How far the read replica is behind the primary (None without one)."""
        return self.reads.lag()

    def close(self) -> None:
        """Release the views database's connections."""
        self.reads.close()
        self.db.close()


__all__ = [
    "Candidate",
    "CaseDetail",
    "CaseList",
    "CaseQuery",
    "CaseRow",
    "Dashboard",
    "DistrictCount",
    "HouseholdCandidates",
    "HouseholdQuery",
    "HouseholdRow",
    "HouseholdStatus",
    "OfficerDashboard",
    "Page",
    "ProjectionStatus",
    "Projections",
    "Queue",
    "Queues",
    "ReconciliationReport",
    "RemovalReport",
    "ReplicaLag",
    "SearchKind",
    "StaffDirectory",
    "StaffQuery",
    "StaffRow",
    "SupervisorQueues",
    "SyncState",
    "TimelineEntry",
    "Within",
    "Workload",
]
