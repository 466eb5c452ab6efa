"""Letters are facts of a case: which are due when, their numbers, and their delivery."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import InvalidInputError, OutOfOrderError, RuleViolationError
from bratasena.domain.letters import (
    LetterKind,
    LetterRegister,
    format_number,
    letter_key,
    number_of_key,
)
from tests.builders import T0, at, investigate, new_complaint

REASON = "Terbukti mampu: rumah dua lantai dan mobil pribadi."


def issue(c: Complaint, kind: str, days: float, *, number: str | None = None, **extra: Any) -> str:
    number = number or f"400.9/{c.version}/2026"
    values: dict[str, Any] = {
        "kind": kind,
        "number": number,
        "sequence": c.version,
        "delivery_on": None,
        "sha256": "a" * 64,
        "template": "v1",
        "content": {"title": kind},
        "actor": "budi",
        "at": at(days),
    }
    values.update(extra)
    c.issue_letter(**values)
    return number


def upheld() -> Complaint:
    c = investigate(new_complaint(T0))
    c.issue_notice(response_due=at(10).date(), actor="budi", at=at(3))
    c.record_response(statement="Tidak benar", received_on=at(4).date(), actor="budi", at=at(4))
    c.uphold(reason=REASON, reason_codes=["mampu"], actor="kabid", at=at(6))
    c.collect_events()
    return c


def test_each_stage_calls_for_its_letters() -> None:
    c = new_complaint(T0)
    assert c.issuable_letters() == []
    with pytest.raises(OutOfOrderError) as error:
        issue(c, "notice", 0)
    assert error.value.rule == "no_letter_due"
    c.assign(officer="budi", actor="kabid", at=at(1))
    c.record_investigation(
        visited_on=at(2).date(),
        findings={"mampu": "x"},
        recommendation="uphold",
        notes="",
        actor="budi",
        at=at(2),
    )
    assert c.issuable_letters() == [LetterKind.FIELD_REPORT]
    with pytest.raises(OutOfOrderError) as error:
        issue(c, "decision", 2)
    assert (error.value.rule, error.value.field) == ("letter_not_due", "kind")
    c.issue_notice(response_due=at(10).date(), actor="budi", at=at(3))
    assert c.issuable_letters() == [LetterKind.NOTICE, LetterKind.FIELD_REPORT]
    assert upheld().issuable_letters() == [LetterKind.FIELD_REPORT, LetterKind.DECISION]


def test_issuing_records_the_number_digest_and_content() -> None:
    c = upheld()
    number = issue(c, "decision", 6)
    [event] = c.collect_events()
    assert isinstance(event, Complaint.LetterIssued)
    assert (event.kind, event.number, event.issued_on) == ("decision", number, date(2026, 3, 16))
    # An uphold's decision letter states the day it is handed over: by default its date.
    assert event.delivery_on == date(2026, 3, 16)
    assert event.sha256 == "a" * 64
    assert c.letters[number].content == {"title": "decision"}
    with pytest.raises(RuleViolationError) as error:
        issue(c, "decision", 6, number=number)
    assert error.value.rule == "letter_number_taken"


def test_a_decision_letter_cannot_state_a_handover_before_its_date() -> None:
    c = upheld()
    with pytest.raises(InvalidInputError) as error:
        issue(c, "decision", 6, delivery_on=date(2026, 3, 13))
    assert error.value.field == "delivery_on"


def test_delivery_is_recorded_once_and_not_before_the_stated_day() -> None:
    c = upheld()
    number = issue(c, "decision", 6, delivery_on=date(2026, 3, 18))
    c.collect_events()
    assert "record_delivery" not in c.available_actions(_officer(), "budi", date(2026, 3, 17))
    with pytest.raises(OutOfOrderError):
        c.record_delivery(
            number=number, delivered_on=at(7).date(), method="by_hand", actor="budi", at=at(7)
        )
    with pytest.raises(InvalidInputError) as error:
        c.record_delivery(
            number=number, delivered_on=at(7).date(), method="by_hand", actor="budi", at=at(9)
        )
    assert error.value.rule == "delivered_before_stated_day"
    with pytest.raises(InvalidInputError) as error:
        c.record_delivery(
            number=number, delivered_on=at(8).date(), method="pigeon", actor="budi", at=at(9)
        )
    assert error.value.field == "method"
    c.record_delivery(
        number=number, delivered_on=at(8).date(), method="via_village", actor="budi", at=at(9)
    )
    [event] = c.collect_events()
    assert isinstance(event, Complaint.LetterDelivered)
    assert (event.kind, event.delivered_on, event.method) == (
        "decision",
        date(2026, 3, 18),
        "via_village",
    )
    assert c.decision_delivered_on == date(2026, 3, 18)
    # Delivered: the window runs, and no other decision letter is issued.
    assert LetterKind.DECISION not in c.issuable_letters()
    with pytest.raises(OutOfOrderError):
        c.record_delivery(
            number=number, delivered_on=at(8).date(), method="by_hand", actor="budi", at=at(9)
        )


def test_an_unknown_letter_cannot_be_delivered() -> None:
    c = upheld()
    issue(c, "field_report", 6)
    with pytest.raises(InvalidInputError) as error:
        c.record_delivery(
            number="400.9/999/2026",
            delivered_on=at(6).date(),
            method="by_hand",
            actor="b",
            at=at(6),
        )
    assert error.value.rule == "unknown_letter"


def test_only_the_decision_letter_starts_the_objection_window() -> None:
    c = upheld()
    report = issue(c, "field_report", 6)
    c.record_delivery(
        number=report, delivered_on=at(6).date(), method="by_hand", actor="budi", at=at(6)
    )
    assert c.objection_deadline() is None
    assert "appeal" not in c.available_actions(_officer(), "budi", at(6).date())


def _officer() -> Any:
    from bratasena.domain.account import Role

    return Role.OFFICER


# --- numbers --------------------------------------------------------------------------------


def test_the_register_numbers_letters_one_after_another_each_year() -> None:
    register = LetterRegister.open(id=uuid4(), year=2026, at=T0)
    numbers = [
        register.take(
            pattern="400.9/{seq:03d}/{kind}/{roman_month}/{year}",
            kind=LetterKind.DECISION,
            complaint_id=uuid4(),
            actor="kabid",
            at=T0,
        )
        for _ in range(3)
    ]
    assert numbers == [
        (1, "400.9/001/KEP/III/2026"),
        (2, "400.9/002/KEP/III/2026"),
        (3, "400.9/003/KEP/III/2026"),
    ]
    with pytest.raises(InvalidInputError):
        register.take(
            pattern="{seq}/{year}",
            kind=LetterKind.NOTICE,
            complaint_id=uuid4(),
            actor="kabid",
            at=datetime(2027, 1, 2, tzinfo=UTC),
        )


@pytest.mark.parametrize(
    "pattern",
    [
        "400.9/{seq}",
        "400.9/{year}",
        "{seq}/{year}/{officer}",
        "{seq}_{year}",
        "{seq}/{year}/{month!r}",
    ],
)
def test_a_number_format_names_the_sequence_and_year_and_stays_url_safe(pattern: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        format_number(pattern, seq=1, year=2026, month=3, kind=LetterKind.NOTICE)
    assert error.value.rule == "bad_number_format"


def test_a_letter_number_travels_in_a_url_and_back() -> None:
    number = format_number(
        "400.9/{seq}/Dinsos-P3A/{year}", seq=123, year=2026, month=3, kind=LetterKind.NOTICE
    )
    assert number == "400.9/123/Dinsos-P3A/2026"
    assert letter_key(number) == "400.9_123_Dinsos-P3A_2026"
    assert number_of_key(letter_key(number)) == number
