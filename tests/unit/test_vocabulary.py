"""One vocabulary: every complaint event says what step it is, and every code has its words."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from eventsourcing.domain import DomainEvent

from bratasena.api.timeline import ENGLISH
from bratasena.domain.account import Role
from bratasena.domain.complaint import EVENTS, PUBLIC_STEPS, Complaint, Decision, Status, Step
from bratasena.domain.filing import Channel, Reason
from bratasena.domain.household import Eligibility, Household, Target
from bratasena.domain.letters import DeliveryMethod, LetterKind
from bratasena.domain.matching import Concern
from bratasena.projections.case_steps import apply_step
from bratasena.web import labels
from bratasena.web.timeline import INDONESIAN

_LIBRARY_BASES = {"Event", "Created"}


def complaint_event_classes() -> list[type[DomainEvent]]:
    """Every event class declared on the Complaint aggregate, found by looking, not by a list."""
    return [
        value
        for name, value in vars(Complaint).items()
        if isinstance(value, type) and issubclass(value, DomainEvent) and name not in _LIBRARY_BASES
    ]


def test_every_complaint_event_has_a_step_and_is_in_the_vocabulary() -> None:
    assert set(complaint_event_classes()) == set(EVENTS), "a Complaint event is not in EVENTS"
    for event in EVENTS:
        assert isinstance(event.step, Step), event
        assert isinstance(event.public, bool), event
        assert event.leads_to is None or isinstance(event.leads_to, Status), event
        declared = {f.name for f in dataclasses.fields(cast(Any, event))}
        assert set(event.shows) <= declared, event


def test_each_step_belongs_to_exactly_one_event() -> None:
    assert sorted(e.step for e in EVENTS) == sorted(Step)


def test_every_step_is_worded_in_english_and_indonesian() -> None:
    assert set(ENGLISH) == set(Step)
    assert set(INDONESIAN) == set(Step)
    assert set(labels.STEP_TITLE) == set(Step)
    assert set(labels.PUBLIC_STEP) == set(PUBLIC_STEPS)


def test_the_public_never_sees_matching_corroboration_or_letters() -> None:
    assert Step.CORROBORATED not in PUBLIC_STEPS
    assert Step.HOUSEHOLD_IDENTIFIED not in PUBLIC_STEPS
    assert Step.HOUSEHOLD_REMATCHED not in PUBLIC_STEPS
    assert Step.LETTER_ISSUED not in PUBLIC_STEPS
    assert Step.LETTER_DELIVERED not in PUBLIC_STEPS


@pytest.mark.parametrize(
    ("words", "codes"),
    [
        (labels.STATUS, Status),
        (labels.REASON, Reason),
        (labels.ROLE, Role),
        (labels.CHANNEL, Channel),
        (labels.RECOMMENDATION, Decision),
        (labels.HOUSEHOLD_STATUS, Eligibility),
        (labels.TARGET, Target),
        (labels.LETTER, LetterKind),
        (labels.DELIVERY, DeliveryMethod),
        (labels.CONCERN, Concern),
    ],
)
def test_every_code_has_an_indonesian_label(words: dict[str, str], codes: type) -> None:
    assert set(codes) <= set(words)


def test_the_case_list_refuses_an_event_that_is_not_a_complaint_step() -> None:
    stranger = Household.Reported(
        originator_id=Complaint.create_id(),  # any id: the class is what matters
        originator_version=2,
        timestamp=datetime(2026, 3, 10, tzinfo=UTC),
        complaint_id=Complaint.create_id(),
        actor="budi",
    )
    with pytest.raises(TypeError, match="not a complaint event"):
        apply_step({}, stranger)
