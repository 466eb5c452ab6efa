"""Random command sequences never reach an invalid case, and replaying the events rebuilds it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import FINAL_STATUSES, STATUSES, Complaint
from bratasena.domain.errors import DomainError
from tests.builders import new_complaint

ACTORS = st.sampled_from(["budi", "sari", "kabid", "kabid2"])
TEXT = st.sampled_from(["", " ", "Terbukti", "Tidak terbukti"])


class ComplaintLifecycle(RuleBasedStateMachine):
    """Drives one complaint with arbitrary commands, accepted or refused."""

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
        self.complaint: Complaint = new_complaint(self.now, keep_events=True)
        self.events: list[Any] = list(self.complaint.collect_events())
        self.heard_at_decision: bool | None = None

    def _attempt(self, command: Any, **kwargs: Any) -> None:
        before = self.complaint.status
        try:
            command(**kwargs, at=self.now)
        except DomainError:
            assert self.complaint.status == before
            assert self.complaint.collect_events() == []
            return
        self.events.extend(self.complaint.collect_events())

    @rule(days=st.integers(min_value=0, max_value=20))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days, hours=1)

    @rule(officer=ACTORS, actor=ACTORS)
    def assign(self, officer: str, actor: str) -> None:
        self._attempt(self.complaint.assign, officer=officer, actor=actor)

    @rule(actor=ACTORS, recommendation=st.sampled_from(["uphold", "reject", "x"]))
    def investigate(self, actor: str, recommendation: str) -> None:
        self._attempt(
            self.complaint.record_investigation,
            visited_on=jakarta_date(self.now),
            findings={"mampu": "Rumah besar"},
            recommendation=recommendation,
            notes="",
            actor=actor,
        )

    @rule(actor=ACTORS, days=st.integers(min_value=-1, max_value=15))
    def notice(self, actor: str, days: int) -> None:
        self._attempt(
            self.complaint.issue_notice,
            response_due=jakarta_date(self.now) + timedelta(days=days),
            actor=actor,
        )

    @rule(actor=ACTORS, statement=TEXT)
    def respond(self, actor: str, statement: str) -> None:
        self._attempt(
            self.complaint.record_response,
            statement=statement,
            received_on=jakarta_date(self.now),
            actor=actor,
        )

    @rule(actor=ACTORS, reason=TEXT)
    def uphold(self, actor: str, reason: str) -> None:
        c = self.complaint
        heard = c.status == "response_recorded" or (
            c.response_due is not None and jakarta_date(self.now) > c.response_due
        )
        self._attempt(c.uphold, reason=reason, actor=actor)
        if c.status == "upheld" and self.heard_at_decision is None:
            self.heard_at_decision = heard

    @rule(actor=ACTORS, reason=TEXT)
    def reject(self, actor: str, reason: str) -> None:
        self._attempt(self.complaint.reject, reason=reason, actor=actor)

    @rule(actor=ACTORS, reason=TEXT)
    def withdraw(self, actor: str, reason: str) -> None:
        self._attempt(self.complaint.withdraw, reason=reason, actor=actor)

    @rule(actor=ACTORS, grounds=TEXT, days_ago=st.integers(min_value=0, max_value=40))
    def appeal(self, actor: str, grounds: str, days_ago: int) -> None:
        self._attempt(
            self.complaint.appeal,
            grounds=grounds,
            filed_on=jakarta_date(self.now) - timedelta(days=days_ago),
            actor=actor,
        )

    @rule(actor=ACTORS, reason=TEXT, grant=st.booleans())
    def decide_appeal(self, actor: str, reason: str, grant: bool) -> None:
        c = self.complaint
        self._attempt(c.grant_appeal if grant else c.deny_appeal, reason=reason, actor=actor)

    @invariant()
    def the_case_is_valid(self) -> None:
        c = self.complaint
        assert c.status in STATUSES
        if c.decided_by is not None:
            assert c.decided_by != c.investigated_by
            assert c.investigated_by is not None
        if c.status in ("upheld", "appealed", "appeal_granted", "appeal_denied"):
            assert self.heard_at_decision is True
        if c.appealed_on is not None:
            assert c.decided_on is not None
            assert c.appealed_on <= _deadline(c)
        if c.status in FINAL_STATUSES:
            assert c.is_final

    @invariant()
    def replaying_the_events_rebuilds_the_live_state(self) -> None:
        replayed: Any = None
        for event in self.events:
            replayed = event.mutate(replayed)
        assert replayed == self.complaint


def _deadline(c: Complaint) -> date:
    deadline = c.objection_deadline()
    assert deadline is not None
    return deadline


ComplaintLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None
)
test_random_command_sequences = ComplaintLifecycle.TestCase
