"""Reassignment: a supervisor gives a case to another officer at any undecided step, saying why."""

from __future__ import annotations

from typing import Any

import pytest

from bratasena.domain.account import Action, Role
from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import (
    FinalStateError,
    OutOfOrderError,
    ReasonRequiredError,
    RuleViolationError,
)
from tests.builders import T0, at, investigate, new_complaint


def new_events(c: Complaint) -> list[Any]:
    return list(c.collect_events())


def investigated() -> Complaint:
    c: Complaint = investigate(new_complaint(T0))
    return c


def test_a_reassignment_after_the_field_check_keeps_the_case_where_it_stands() -> None:
    c = investigated()
    c.reassign(officer="sari", reason="Budi cuti melahirkan istri", actor="kabid", at=at(3))
    [event] = new_events(c)
    assert isinstance(event, Complaint.Reassigned)
    assert (event.previous_officer, event.officer) == ("budi", "sari")
    assert event.reason == "Budi cuti melahirkan istri"
    assert (c.status, c.assigned_to, c.investigated_by) == ("investigated", "sari", "budi")
    # The new officer carries on: the notice is theirs to issue.
    c.issue_notice(response_due=at(20).date(), actor="sari", at=at(4))
    assert c.status == "notice_issued"


def test_a_reassignment_needs_a_reason_and_another_officer() -> None:
    c = investigated()
    with pytest.raises(ReasonRequiredError) as empty:
        c.reassign(officer="sari", reason="  ", actor="kabid", at=at(3))
    assert empty.value.field == "reason"
    with pytest.raises(RuleViolationError) as same:
        c.reassign(officer="budi", reason="Salah pilih", actor="kabid", at=at(3))
    assert (same.value.rule, same.value.field) == ("same_assignee", "officer")
    assert new_events(c) == []


def test_a_reassignment_is_refused_before_any_assignment_and_once_decided() -> None:
    c = new_complaint(T0)
    with pytest.raises(OutOfOrderError):
        c.reassign(officer="sari", reason="Cuti", actor="kabid", at=at(1))
    c = investigated()
    c.reject(reason="Tidak terbukti", actor="kabid", at=at(3))
    with pytest.raises(FinalStateError):
        c.reassign(officer="sari", reason="Cuti", actor="kabid", at=at(4))


def test_only_a_supervisor_is_offered_the_reassignment() -> None:
    c = investigated()
    today = at(3).date()
    assert Action.REASSIGN in c.available_actions(Role.SUPERVISOR, "kabid", today)
    assert Action.REASSIGN not in c.available_actions(Role.OFFICER, "budi", today)
