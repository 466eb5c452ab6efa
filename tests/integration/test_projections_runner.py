"""The projection runner on both backends: batches, crashes, concurrent writers, rebuilds."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bratasena.application import Bratasena, SyncAnswer
from bratasena.domain import ids
from bratasena.domain.errors import DomainError, InvalidInputError, NotFoundError
from bratasena.projections import CaseQuery, Projections, StaffQuery
from bratasena.projections.runner import STATE_TABLE
from bratasena.settings import Settings
from bratasena.web.letters import Press
from tests.builders import (
    UPHOLD_REASON,
    Clock,
    case_at,
    deliver_decision,
    file,
    open_staff,
    register,
    registry_row,
)
from tests.integration.test_cli import run_cli

TABLES = {
    "case_list": ["views_cases", "views_case_timeline"],
    "household_status": ["views_households", "views_household_names"],
    "removal_report": [
        "views_report_complaints",
        "views_report_households",
        "views_report_counts",
        "views_report_decision_days",
        "views_report_targets",
    ],
    "reconciliation": ["views_reconciliation_facts", "views_reconciliation_latest"],
    "staff_directory": ["views_staff"],
}


def snapshot(views: Projections) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table, in a stable order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for tables in TABLES.values():
        for table in tables:
            found[table] = sorted(tuple(r) for r in views.db.query(f"SELECT * FROM {table}"))
    return found


@pytest.fixture
def small_batches(make_settings: Any) -> Settings:
    settings: Settings = make_settings(projection_batch_size=7)
    return settings


@pytest.fixture
def staffed(small_batches: Settings, clock: Clock) -> Iterator[tuple[Bratasena, Projections]]:
    app = Bratasena(small_batches, clock=clock, typesetter=Press())
    open_staff(app)
    views = Projections(app, small_batches)
    yield app, views
    views.close()
    app.close()


_SERIALS = itertools.count(1)


class History:
    """Random histories: households registered, complaints filed, cases moved along."""

    def __init__(self, app: Bratasena, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.households: list[str] = []
        self.rows: dict[str, dict[str, Any]] = {}
        self.cases: list[Any] = []

    def step(self, kind: str, pick: int) -> None:
        app, clock = self.app, self.clock
        if kind == "register" or not self.households:
            row = registry_row(next(_SERIALS))
            row["registry_id"] = f"H-{row['head_nik'][-6:]}"
            register(app, row)
            self.households.append(row["registry_id"])
            self.rows[row["registry_id"]] = row
        elif kind == "reregister":
            # A later extract renames the head or moves the household: the name index follows.
            row = dict(self.rows[self.households[pick % len(self.households)]])
            if pick % 2:
                row["head_name"] = ("Soegeng Rijadi", "Sri Wahjuni", "H. Darmo")[pick % 3]
            else:
                row["village_code"] = ("3316012001", "3316012002", "3316021005")[pick % 3]
            self.rows[row["registry_id"]] = row
            register(app, row)
        elif kind == "file":
            self.cases.append(file(app, self.households[pick % len(self.households)]).id)
        elif kind == "advance" and self.cases:
            case = self.cases[pick % len(self.cases)]
            for move in range(pick % 6 + 1):  # several steps, so histories reach decisions
                # A step this state refuses (four eyes, a final case) just leaves the case waiting.
                with contextlib.suppress(DomainError):
                    self._advance(case, pick + move)
                self.clock.advance(hours=pick % 30)
        elif kind == "time":
            clock.advance(hours=pick % 300)
        elif kind == "targets":
            app.set_targets(2026 + pick % 2, [pick % 13] * 12, actor="kabid")
        elif kind == "account":
            self._account(pick)
        elif kind == "sync" and self.households:
            hid = app.get_household(ids.household_id(self.households[pick % len(self.households)]))
            for version in hid.status_changes[-1:]:
                target = ("dtjateng", "dtsen")[pick % 2]
                if hid.sync_outcome(target, version) is None:
                    answer = SyncAnswer(hid.id, target, version, accepted=True, reference="R")
                    app.record_sync_answers([answer], actor="sync")

    def _account(self, pick: int) -> None:
        """Open one of a few accounts, or change, disable, enable or re-password it."""
        app = self.app
        username = ("tono", "wati", "joko")[pick % 3]
        districts = [("331601", "331602", "331603")[pick // 3 % 3]]
        try:
            app.get_account(username)
        except NotFoundError:
            role = ("officer", "facilitator", "auditor")[pick // 9 % 3]
            app.open_account(
                username=username,
                role=role,
                districts=districts,
                password_hash="-",
                actor="admin",
                full_name=f"{username.title()} {pick}",
            )
            return
        move = pick // 27 % 4
        with contextlib.suppress(DomainError):  # disabling twice, enabling an enabled account
            if move == 0:
                role = ("officer", "facilitator", "supervisor")[pick % 3]
                app.change_role(username, role=role, districts=districts, actor="admin")
            elif move == 1:
                app.disable_account(username, reason="Cuti", actor="admin")
            elif move == 2:
                app.enable_account(username, actor="admin")
            else:
                app.change_password(username, password_hash=f"h{pick}", actor="admin")

    def _advance(self, case: Any, pick: int) -> None:
        app, today = self.app, self.clock.today()
        status = app.get_complaint(case).status
        if status in ("filed", "assigned", "investigated") and pick % 11 == 0:
            app.withdraw(case, None, reason="Salah orang", actor="kabid")
        elif status == "filed":
            app.assign(case, None, officer=("budi", "sari")[pick % 2], actor="kabid")
        elif status == "assigned":
            app.record_investigation(
                case,
                None,
                visited_on=today,
                findings={"mampu": "Rumah besar"},
                recommendation="uphold",
                actor=app.get_complaint(case).assigned_to or "budi",
            )
        elif status == "investigated" and pick % 5 == 0:
            app.reject(case, None, reason="Tidak terbukti", actor="kabid")
        elif status == "investigated":
            due = today + timedelta(days=3)
            app.issue_notice(case, None, response_due=due, actor="budi")
        elif status == "notice_issued":
            app.record_response(
                case, None, statement="Tidak benar", received_on=today, actor="budi"
            )
        elif status == "response_recorded":
            if pick % 3 == 0:
                app.reject(case, None, reason="Diputuskan", actor="kabid")
            else:
                app.uphold(case, None, reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid")
        elif status == "upheld" and app.get_complaint(case).objection_deadline() is None:
            deliver_decision(app, case, on=today)
        elif status == "upheld":
            app.appeal(case, None, grounds="Keberatan", filed_on=today, actor="budi")
        elif status == "appealed":
            decide_appeal = (app.grant_appeal, app.deny_appeal)[pick % 2]
            decide_appeal(case, None, reason="Bukti", actor="kabid2")


STEP_KINDS = [
    "register",
    "reregister",
    "file",
    "advance",
    "advance",
    "advance",
    "time",
    "targets",
    "sync",
    "account",
    "account",
    "run",
]


@given(
    steps=st.lists(
        st.tuples(st.sampled_from(STEP_KINDS), st.integers(0, 10_000)), min_size=5, max_size=60
    )
)
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_rebuilding_from_zero_gives_the_same_rows_as_applying_incrementally(
    staffed: tuple[Bratasena, Projections], clock: Clock, steps: list[tuple[str, int]]
) -> None:
    app, views = staffed
    history = History(app, clock)
    for kind, pick in steps:
        if kind == "run":
            views.run_once()  # the runner catches up at random points of the history
        else:
            history.step(kind, pick)
    views.run_once()
    incremental = snapshot(views)
    for name in views.names:
        views.rebuild(name)
    assert snapshot(views) == incremental
    assert {s.lag for s in views.status()} == {0}


class Crash(Exception):
    """Stands in for the process dying after writing rows, before the commit."""


def test_a_crash_before_the_commit_loses_and_doubles_nothing(
    staffed: tuple[Bratasena, Projections], clock: Clock, small_batches: Settings
) -> None:
    app, views = staffed
    register(app, *[registry_row(n) for n in range(1, 13)])
    for n in range(1, 13):
        file(app, f"DTKS-{n:06d}")
        clock.advance(hours=1)
    original = views.report.apply
    calls = {"n": 0}

    def crash_on_third_batch(cur: Any, tables: Any, events: Any) -> None:
        original(cur, tables, events)  # the rows are written …
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash  # … and the transaction never commits

    views.report.apply = crash_on_third_batch  # type: ignore[method-assign]
    with pytest.raises(Crash):
        views.run_once()
    stopped = {s.name: s.position for s in views.status()}
    assert 0 < stopped["removal_report"] < app.head()

    resumed = Projections(app, small_batches)
    try:
        resumed.run_once()
        filed = resumed.report.year(2026)["totals"]["complaints_filed"]
        assert filed == 12
        assert resumed.cases.search(CaseQuery()).total == 12
        after_resume = snapshot(resumed)
        resumed.rebuild("removal_report")
        resumed.rebuild("case_list")
        assert snapshot(resumed) == after_resume
    finally:
        resumed.close()


@contextlib.contextmanager
def tailed_store(
    settings: Settings, clock: Clock, households: int
) -> Iterator[tuple[Bratasena, Projections]]:
    """A store of registered households whose views a runner thread tails; afterwards the runner
    must have stopped within 10 s of being told to."""
    app = Bratasena(settings, clock=clock)
    register(app, *[registry_row(n) for n in range(1, households + 1)])
    views = Projections(app, settings)
    stop = threading.Event()
    tailer = threading.Thread(target=views.run_forever, args=(stop,))
    tailer.start()
    try:
        yield app, views
    finally:
        stop.set()
        tailer.join(timeout=10)
        views.close()
        app.close()
    assert not tailer.is_alive()


def test_two_writers_committing_while_the_runner_tails_miss_no_event(
    make_settings: Any, clock: Clock
) -> None:
    settings: Settings = make_settings(projection_batch_size=5, poll_interval_seconds=0.01)
    with tailed_store(settings, clock, 40) as (setup, views):
        errors: list[BaseException] = []

        # Opened before the threads start, so that the threads only write.
        apps = {first: Bratasena(settings, clock=clock) for first in (1, 2)}

        def write(first: int) -> None:
            writer = apps[first]
            try:
                for n in range(first, 41, 2):
                    file(writer, f"DTKS-{n:06d}")
            except BaseException as error:
                errors.append(error)
            finally:
                writer.close()

        writers = [threading.Thread(target=write, args=(first,)) for first in (1, 2)]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        assert not errors
        assert views.wait_for(setup.head(), timeout=30)
        assert views.cases.search(CaseQuery()).total == 40
        timeline = views.db.query("SELECT COUNT(*) FROM views_case_timeline")[0][0]
        assert timeline == 40
        households = views.db.query("SELECT SUM(complaints_received) FROM views_households")
        assert households[0][0] == 40


def test_waiting_for_a_position_catches_up_and_is_bounded(
    staffed: tuple[Bratasena, Projections],
) -> None:
    app, views = staffed
    register(app)
    position = file(app).position
    assert views.wait_for(position, timeout=5)
    assert views.cases.search(CaseQuery()).total == 1
    assert not views.wait_for(app.head() + 10, timeout=0.05)


def test_waiters_are_answered_by_the_tailing_runner_which_stops_at_once(
    make_settings: Any, clock: Clock
) -> None:
    # Idle, the runner would look at the log once a minute: only waiters waking it can be
    # answered within the test's bounds, and only the stop waking it can end it in time.
    settings: Settings = make_settings(projection_batch_size=7, poll_interval_seconds=60)
    with tailed_store(settings, clock, 16) as (app, views):

        def file_and_look(n: int) -> int:
            filing = file(app, f"DTKS-{n:06d}")
            assert views.wait_for(filing.position, timeout=30)
            return views.cases.search(CaseQuery(q=filing.tracking_code)).total

        while not views.tailing:
            time.sleep(0.01)
        with ThreadPoolExecutor(8) as waiters:
            assert list(waiters.map(file_and_look, range(1, 17))) == [1] * 16
        assert views.cases.search(CaseQuery()).total == 16


def test_a_worker_standing_by_reads_without_catching_up_and_one_waiter_catches_up_for_all(
    make_settings: Any, clock: Clock
) -> None:
    """A worker of `serve --workers N` that does not lead the runner: its reads do not catch up
    first (the leader keeps the views), and its commands' waits are answered by one waiter at a
    time applying what is pending, even while the leader sleeps."""
    settings: Settings = make_settings(poll_interval_seconds=60)
    with tailed_store(settings, clock, 16) as (app, leader):
        standby = Projections(app, settings)
        standby.follow_leader()
        runner = standby._runner
        inside: list[int] = []
        most = 0
        step = runner._step

        def one_at_a_time() -> tuple[int, bool]:
            nonlocal most
            inside.append(threading.get_ident())
            most = max(most, len(inside))
            try:
                return step()
            finally:
                inside.remove(threading.get_ident())

        def caught_up_first(timeout: float) -> int:
            raise AssertionError("a read caught up first while the leader keeps the views")

        runner._step = one_at_a_time  # type: ignore[method-assign]
        runner.catch_up = caught_up_first  # type: ignore[method-assign]
        try:
            while not leader.tailing:
                time.sleep(0.01)

            def file_and_look(n: int) -> int:
                filing = file(app, f"DTKS-{n:06d}")
                assert standby.caught_up(filing.position)  # the leader sleeps for a minute
                standby.refresh()
                return standby.cases.search(CaseQuery(q=filing.tracking_code)).total

            with ThreadPoolExecutor(8) as waiters:
                assert list(waiters.map(file_and_look, range(1, 17))) == [1] * 16
            assert (standby.led, standby.tailing, most) == (True, False, 1)
            assert not standby.wait_for(app.head() + 10, timeout=0.05)
        finally:
            standby.close()


def test_a_rebuild_switches_to_fresh_tables_and_keeps_serving(
    staffed: tuple[Bratasena, Projections],
) -> None:
    app, views = staffed
    register(app)
    file(app)
    views.run_once()
    views.db.query("SELECT 1")  # the API keeps its connection while the switch happens
    with views.db.transaction() as cur:  # a stray edit that a rebuild must wash away
        cur.execute("DELETE FROM views_case_timeline_g1")
    views.rebuild("case_list")
    assert views.db.query("SELECT COUNT(*) FROM views_case_timeline")[0][0] == 1
    state = dict(views.db.query(f"SELECT name, generation FROM {STATE_TABLE}"))
    assert state["case_list"] == 2
    file(app, reasons=["pensioner"])
    views.run_once()
    row = views.cases.search(CaseQuery()).items[0]
    assert row.corroborations == 1
    with pytest.raises(InvalidInputError) as refused:
        views.rebuild("officer_dashboard")
    assert refused.value.field == "name"


def test_a_rebuild_takes_in_events_committed_while_it_loads_the_fresh_tables(
    staffed: tuple[Bratasena, Projections], clock: Clock
) -> None:
    app, views = staffed
    register(app, *[registry_row(n) for n in range(1, 8)])
    for n in range(1, 4):
        case_at(app, clock, "upheld", f"DTKS-{n:06d}")
    views.run_once()

    def commit_more(n: int) -> int:
        if n > 7:  # the staff directory, after the four views that read complaints or households
            return app.open_account(
                username="baru", role="officer", districts=["331601"], password_hash="-", actor="a"
            ).position
        return file(app, f"DTKS-{n:06d}").position

    for n, name in enumerate(views.names, start=4):
        view = views._runner.views[name]
        original = view.write
        arrived: list[int] = []

        def write_then_commit_more(
            cur: Any,
            tables: Any,
            rows: Any,
            *,
            fresh: bool,
            original: Any = original,
            arrived: list[int] = arrived,
            n: int = n,
        ) -> None:
            original(cur, tables, rows, fresh=fresh)
            if fresh and not arrived:  # a writer commits after the replay was folded
                arrived.append(commit_more(n))

        view.write = write_then_commit_more  # type: ignore[method-assign]
        views.rebuild(name)
        view.write = original  # type: ignore[method-assign]
        assert arrived
        assert {s.name: s.position for s in views.status()}[name] >= arrived[0]
        if name == "case_list":
            assert views.cases.search(CaseQuery()).total == 4  # no run_once needed
        if name == "staff_directory":
            assert views.staff.search(StaffQuery(role="officer")).total == 3
    views.run_once()
    incremental = snapshot(views)
    assert views.cases.search(CaseQuery()).total == 7  # three upheld, four filed during rebuilds
    for name in views.names:
        views.rebuild(name)
    assert snapshot(views) == incremental


@pytest.mark.parametrize("step", ["load", "indexes", "switch"])
def test_a_crash_during_a_rebuild_leaves_the_current_generation_serving(
    staffed: tuple[Bratasena, Projections], clock: Clock, step: str
) -> None:
    app, views = staffed
    register(app, *[registry_row(n) for n in range(1, 4)])
    case_at(app, clock, "upheld", "DTKS-000001")
    file(app, "DTKS-000002")
    views.run_once()
    before = snapshot(views)
    states_before = views.db.query(f"SELECT name, position, generation FROM {STATE_TABLE}")
    runner = views._runner
    view = runner.views["case_list"]

    def crash(*args: Any, **kwargs: Any) -> None:
        raise Crash

    patched: dict[str, tuple[Any, str]] = {
        "load": (view, "write"),  # dies while bulk-loading the fresh tables
        "indexes": (runner, "_create_indexes"),  # after the load committed
        "switch": (runner, "_point_views"),  # inside the switch-over transaction
    }
    target, attribute = patched[step]
    setattr(target, attribute, crash)
    with pytest.raises(Crash):
        views.rebuild("case_list")
    delattr(target, attribute)

    assert snapshot(views) == before
    assert views.db.query(f"SELECT name, position, generation FROM {STATE_TABLE}") == (
        states_before
    )
    file(app, "DTKS-000003")  # the current generation keeps taking events …
    views.run_once()
    assert views.cases.search(CaseQuery()).total == 3
    incremental = snapshot(views)
    views.rebuild("case_list")  # … and the next rebuild starts over cleanly
    assert snapshot(views) == incremental
    state = dict(views.db.query(f"SELECT name, generation FROM {STATE_TABLE}"))
    assert state["case_list"] == 2


def test_a_view_new_to_an_existing_store_fills_from_position_zero_on_its_first_run(
    staffed: tuple[Bratasena, Projections], clock: Clock, small_batches: Settings
) -> None:
    app, views = staffed
    register(app)
    case_at(app, clock, "assigned")
    app.disable_account("sari", reason="Pindah tugas", actor="admin")
    views.run_once()
    before = snapshot(views)
    # The store as a release without the staff directory left it: no state row, no tables.
    with views.db.transaction() as cur:
        cur.execute(f"DELETE FROM {STATE_TABLE} WHERE name = 'staff_directory'")
        cur.execute("DROP VIEW views_staff")
        cur.execute("DROP TABLE views_staff_g1")
    upgraded = Projections(app, small_batches)
    try:
        lags = {s.name: s.lag for s in upgraded.status()}
        assert lags == {
            "case_list": 0,
            "household_status": 0,
            "removal_report": 0,
            "reconciliation": 0,
            "staff_directory": app.head(),
        }
        assert upgraded.staff.search(StaffQuery()).total == 0
        read = upgraded.run_once()
        assert {s.lag for s in upgraded.status()} == {0}
        # It caught up reading the accounts' events only, not what the other views read.
        log = app.recorder.select_notifications(0, 10_000)
        assert read == sum(n.topic.startswith("bratasena.domain.account:") for n in log) > 0
        assert snapshot(upgraded) == before  # the new view filled, the others left as they were
    finally:
        upgraded.close()


def test_the_cli_projects_reports_status_and_rebuilds(settings: Settings, clock: Clock) -> None:
    app = Bratasena(settings, clock=clock)
    register(app)
    file(app)
    head = app.head()
    app.close()
    once = run_cli(settings, "project", "--once")
    assert once.returncode == 0, once.stderr
    assert "case_list" in once.stdout
    status = run_cli(settings, "projections", "status")
    assert status.returncode == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if x.startswith("removal_report"))
    assert line.split()[1:] == [str(head), str(head), "0"]
    rebuilt = run_cli(settings, "projections", "rebuild", "household_status")
    assert rebuilt.returncode == 0, rebuilt.stderr
    staff = run_cli(settings, "projections", "rebuild", "staff_directory")
    assert staff.returncode == 0, staff.stderr
    line = next(x for x in staff.stdout.splitlines() if x.startswith("staff_directory"))
    assert line.split()[1:] == [str(head), str(head), "0"]
    wrong = run_cli(settings, "projections", "rebuild", "nonsense")
    assert wrong.returncode == 2
    assert "no projection 'nonsense'" in wrong.stderr
