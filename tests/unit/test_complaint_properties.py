"""Random command sequences never reach an invalid case, replaying the events rebuilds it, and
a case offers an action exactly when that action's command would be accepted."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bratasena.domain.account import Action, Role, roles_for
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import FINAL_STATUSES, STATUSES, Complaint
from bratasena.domain.errors import DomainError
from bratasena.domain.evidence import Attachment
from bratasena.domain.matching import HouseholdFacts
from tests.builders import BLORA_VILLAGE, OTHER_VILLAGE, new_complaint

NAMES = ["budi", "sari", "kabid", "kabid2"]
ACTORS = st.sampled_from(NAMES)
TEXT = st.sampled_from(["", " ", "Terbukti", "Tidak terbukti"])
LONG_REASON = "Terbukti mampu: rumah dua lantai dan mobil pribadi."
REASONS = st.sampled_from(["", "Terbukti", LONG_REASON])


def facts(c: Complaint, **overrides: Any) -> HouseholdFacts:
    """A registered household that matches the complaint's name and village."""
    values: dict[str, Any] = {
        "household_id": uuid4(),
        "registry_id": "DTKS-000009",
        "head_name": c.subject_name or "Sutrisno",
        "village_code": c.village_code,
        "deactivated": False,
    }
    values.update(overrides)
    return HouseholdFacts(**values)


def _photo() -> Attachment:
    return Attachment(
        id=uuid4(), kind="house_front", media_type="image/jpeg", size=10, sha256="0" * 64, name="a"
    )


def _deliverable(c: Complaint, today: date) -> str:
    return next((n for n, letter in c.letters.items() if letter.deliverable_on(today)), "none")


VALID_INPUT: dict[Action, Callable[[Complaint, date], dict[str, Any]]] = {
    Action.ASSIGN: lambda c, today: {"officer": "budi"},
    Action.REASSIGN: lambda c, today: {
        "officer": "rina" if c.assigned_to != "rina" else "sari",
        "reason": "Petugas sebelumnya cuti",
    },
    Action.IDENTIFY_HOUSEHOLD: lambda c, today: {"household": facts(c)},
    Action.REMATCH_HOUSEHOLD: lambda c, today: {"household": facts(c), "reason": "Salah KK"},
    Action.RECORD_INVESTIGATION: lambda c, today: {
        "visited_on": today,
        "findings": {c.reasons[0]: "Rumah besar"},
        "recommendation": "uphold",
        "notes": "",
    },
    Action.ISSUE_NOTICE: lambda c, today: {"response_due": today + timedelta(days=14)},
    Action.RECORD_RESPONSE: lambda c, today: {"statement": "Tidak benar", "received_on": today},
    Action.UPHOLD: lambda c, today: {
        "reason": LONG_REASON,
        "reason_codes": list(c.confirmable_reasons) or ["mampu"],
    },
    Action.REJECT: lambda c, today: {"reason": "Tidak terbukti"},
    Action.WITHDRAW: lambda c, today: {"reason": "Salah alamat"},
    Action.APPEAL: lambda c, today: {"grounds": "Keberatan", "filed_on": c.decided_on or today},
    Action.GRANT_APPEAL: lambda c, today: {"reason": "Bukti baru"},
    Action.DENY_APPEAL: lambda c, today: {"reason": "Tidak ada bukti baru"},
    Action.ISSUE_LETTER: lambda c, today: {
        "kind": (c.issuable_letters() or ["notice"])[0],
        "number": f"400.9/{uuid4().hex[:8]}/2026",
        "sequence": 1,
        "delivery_on": None,
        "sha256": "0" * 64,
        "template": "v1",
        "content": {},
    },
    Action.RECORD_DELIVERY: lambda c, today: {
        "number": _deliverable(c, today),
        "delivered_on": today,
        "method": "by_hand",
    },
    Action.ATTACH_FIELD_EVIDENCE: lambda c, today: {"attachment": _photo()},
    Action.ATTACH_RESPONSE_EVIDENCE: lambda c, today: {"attachment": _photo()},
    Action.WITHDRAW_EVIDENCE: lambda c, today: {
        "evidence_id": next((k for k, e in c.evidence.items() if not e.withdrawn), "none"),
        "reason": "Foto salah rumah",
    },
}
"""For each action, input its command accepts whenever the case's state and the actor allow it."""


class ComplaintLifecycle(RuleBasedStateMachine):
    """Drives one complaint with arbitrary commands, accepted or refused."""

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
        self.complaint: Complaint = new_complaint(self.now, keep_events=True)
        self.events: list[Any] = list(self.complaint.collect_events())
        self.heard_at_decision: bool | None = None

    @initialize(matched=st.booleans())
    def filed(self, matched: bool) -> None:
        if not matched:
            self.complaint = new_complaint(
                self.now,
                keep_events=True,
                household_id=None,
                subject={"name": "Sugeng Riyadi", "village_code": BLORA_VILLAGE},
            )
            self.events = list(self.complaint.collect_events())

    @rule(
        actor=ACTORS,
        village=st.sampled_from([BLORA_VILLAGE, OTHER_VILLAGE]),
        name=st.sampled_from(["Sugeng Riyadi", "Darmo"]),
        deactivated=st.booleans(),
        busy=st.booleans(),
        confirmation=st.sampled_from(["", "Dicek di kantor desa, KK sama."]),
        rematch=st.booleans(),
    )
    def match(
        self,
        actor: str,
        village: str,
        name: str,
        deactivated: bool,
        busy: bool,
        confirmation: str,
        rematch: bool,
    ) -> None:
        found = facts(
            self.complaint,
            village_code=village,
            head_name=name,
            deactivated=deactivated,
            open_case_id=uuid4() if busy else None,
        )
        if rematch:
            self._attempt(
                self.complaint.rematch_household,
                household=found,
                reason="Salah keluarga",
                confirmation=confirmation,
                actor=actor,
            )
        else:
            self._attempt(
                self.complaint.identify_household,
                household=found,
                confirmation=confirmation,
                actor=actor,
            )
        c = self.complaint
        if c.household_id == found.household_id:
            assert not deactivated
            assert c.village_code == village
            if busy:
                assert c.status == "joined"

    @rule(
        actor=ACTORS,
        kind=st.sampled_from(["notice", "field_report", "decision", "appeal_decision"]),
        days=st.integers(min_value=-1, max_value=3),
    )
    def issue_letter(self, actor: str, kind: str, days: int) -> None:
        self._attempt(
            self.complaint.issue_letter,
            kind=kind,
            number=f"400.9/{len(self.events)}/2026",
            sequence=len(self.events),
            delivery_on=jakarta_date(self.now) + timedelta(days=days),
            sha256="0" * 64,
            template="v1",
            content={},
            actor=actor,
        )

    @rule(actor=ACTORS, days_ago=st.integers(min_value=-1, max_value=5))
    def deliver(self, actor: str, days_ago: int) -> None:
        numbers = list(self.complaint.letters) or ["none"]
        self._attempt(
            self.complaint.record_delivery,
            number=numbers[-1],
            delivered_on=jakarta_date(self.now) - timedelta(days=days_ago),
            method="via_village",
            actor=actor,
        )

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

    @rule(actor=ACTORS, role=st.sampled_from(list(Role)))
    def attach(self, actor: str, role: Role) -> None:
        self._attempt(self.complaint.attach_evidence, role=role, attachment=_photo(), actor=actor)

    @rule(actor=ACTORS, reason=TEXT)
    def withdraw_attachment(self, actor: str, reason: str) -> None:
        evidence_id = next(iter(self.complaint.evidence), "none")
        self._attempt(
            self.complaint.withdraw_evidence, evidence_id=evidence_id, reason=reason, actor=actor
        )

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

    @rule(actor=ACTORS, reason=REASONS, confirmed=st.booleans())
    def uphold(self, actor: str, reason: str, confirmed: bool) -> None:
        c = self.complaint
        heard = (
            c.status == "response_recorded"
            or (c.response_due is not None and jakarta_date(self.now) > c.response_due)
        ) and c.noticed_household_id == c.household_id
        codes = list(c.confirmable_reasons) if confirmed else ["pensioner"]
        self._attempt(c.uphold, reason=reason, reason_codes=codes, actor=actor)
        if c.status == "upheld" and self.heard_at_decision is None:
            self.heard_at_decision = heard
            assert len(reason) >= 30
            assert set(c.upheld_reasons) <= set(c.findings)

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
            assert c.decision_delivered_on is not None
            assert c.appealed_on <= _deadline(c)
        if c.investigated_by is not None:
            assert c.household_id is not None
        if c.status in FINAL_STATUSES:
            assert c.is_final

    @invariant()
    def an_action_is_offered_exactly_when_its_command_is_accepted(self) -> None:
        today = jakarta_date(self.now)
        for actor in NAMES:
            accepted = set()
            for action in Action:
                trial = copy.deepcopy(self.complaint)
                command = getattr(trial, action.value)
                try:
                    command(**VALID_INPUT[action](trial, today), actor=actor, at=self.now)
                except DomainError:
                    continue
                accepted.add(action)
            for role in Role:
                offered = set(self.complaint.available_actions(role, actor, today))
                allowed = {a for a in accepted if role in roles_for(a)}
                assert offered == allowed, (role, actor, self.complaint.status)

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
