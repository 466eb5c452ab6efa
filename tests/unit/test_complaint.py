"""Given a complaint's history, when a command is given, then these events follow, or this error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import (
    FinalStateError,
    FourEyesError,
    InvalidInputError,
    NotAllowedError,
    NotHeardError,
    ObjectionWindowError,
    OutOfOrderError,
    ReasonRequiredError,
)
from tests.builders import new_complaint

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB


UPHOLD_REASON = "Terbukti mampu: rumah dua lantai dan mobil pribadi."


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def deliver_decision(c: Complaint, days: float, *, delivered: float | None = None) -> str:
    """Issue the decision letter on day ``days`` and record its delivery (default: that day)."""
    number = f"400.9/{c.version}/2026"
    c.issue_letter(
        kind="decision",
        number=number,
        sequence=c.version,
        delivery_on=None,
        sha256="0" * 64,
        template="v1",
        content={},
        actor="kabid",
        at=at(days),
    )
    when = at(days if delivered is None else delivered)
    c.record_delivery(
        number=number, delivered_on=when.date(), method="by_hand", actor="budi", at=when
    )
    return number


def new_events(complaint: Complaint) -> list[Any]:
    return list(complaint.collect_events())


def given(stage: str) -> Complaint:
    """A complaint whose history reaches ``stage``; its pending events are already collected."""
    c = new_complaint(T0)
    order = ["assigned", "investigated", "notice_issued", "response_recorded", "upheld", "appealed"]
    for step in order[: order.index(stage) + 1] if stage != "filed" else []:
        if step == "assigned":
            c.assign(officer="budi", actor="kabid", at=at(1))
        elif step == "investigated":
            c.record_investigation(
                visited_on=at(2).date(),
                findings={"mampu": "Rumah mewah"},
                recommendation="uphold",
                notes="",
                actor="budi",
                at=at(2),
            )
        elif step == "notice_issued":
            c.issue_notice(response_due=at(3).date() + timedelta(days=14), actor="budi", at=at(3))
        elif step == "response_recorded":
            c.record_response(
                statement="Tidak benar", received_on=at(5).date(), actor="budi", at=at(5)
            )
        elif step == "upheld":
            c.uphold(reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid", at=at(6))
        elif step == "appealed":
            deliver_decision(c, 6)
            c.appeal(grounds="Mobil milik saudara", filed_on=at(7).date(), actor="budi", at=at(7))
    c.collect_events()
    return c


# --- filing ---------------------------------------------------------------------------------


def test_filing_records_who_filed_about_which_household() -> None:
    c = Complaint.file(
        id=new_complaint(T0).id,
        tracking_code="ABCD-EFGH-JK",
        channel="hotline",
        household_id=None,
        village_code="3316012001",
        subject={"name": "Pak Darmo", "village_code": "3316012001", "address": "RT 1"},
        reasons=["mampu"],
        description="Punya sawah luas",
        reporter={"name": "Bu Siti"},
        actor="public",
        at=T0,
    )
    [filed] = new_events(c)
    assert isinstance(filed, Complaint.Filed)
    assert filed.channel == "hotline"
    assert filed.reporter == {"name": "Bu Siti"}
    assert filed.actor == "public"
    assert c.status == "filed"


def test_filing_refuses_unknown_reason_code() -> None:
    with pytest.raises(InvalidInputError, match="unknown reason code 'rich'") as error:
        new_complaint(T0, reasons=["rich"])
    assert error.value.field == "reasons"


def test_filing_refuses_no_reason() -> None:
    with pytest.raises(InvalidInputError, match="at least one reason"):
        new_complaint(T0, reasons=[])


def test_filing_with_reason_other_needs_a_description() -> None:
    with pytest.raises(InvalidInputError) as error:
        new_complaint(T0, reasons=["other"], description="  ")
    assert error.value.field == "description"


def test_filing_an_unmatched_household_needs_its_numbers_or_its_name_and_village() -> None:
    with pytest.raises(InvalidInputError, match="or else the name of the head"):
        new_complaint(T0, household_id=None, village_code="", subject={"address": "RT 1"})
    held = new_complaint(
        T0, household_id=None, village_code="", subject={"nik": "3316011708800001"}
    )
    assert held.household_id is None


def test_filing_refuses_an_unknown_channel() -> None:
    with pytest.raises(InvalidInputError, match="unknown channel"):
        new_complaint(T0, channel="fax")


# --- corroboration --------------------------------------------------------------------------


def test_a_later_complaint_corroborates_the_open_case() -> None:
    c = given("assigned")
    c.corroborate(
        channel="web",
        reasons=["pensioner"],
        description="Pensiunan PNS",
        reporter=None,
        actor="public",
        at=at(2),
    )
    [event] = new_events(c)
    assert isinstance(event, Complaint.Corroborated)
    assert c.corroborations == 1
    assert c.reasons == ("mampu", "owns_car", "pensioner")


def test_a_final_case_takes_no_corroboration() -> None:
    c = given("investigated")
    c.reject(reason="Tidak terbukti", actor="kabid", at=at(3))
    with pytest.raises(FinalStateError):
        c.corroborate(
            channel="web", reasons=["mampu"], description="x", reporter=None, actor="p", at=at(4)
        )


# --- assignment and investigation -----------------------------------------------------------


def test_assigning_gives_the_case_to_an_officer() -> None:
    c = given("filed")
    c.assign(officer="budi", actor="kabid", at=at(1))
    [event] = new_events(c)
    assert isinstance(event, Complaint.Assigned)
    assert (event.officer, event.actor, c.status) == ("budi", "kabid", "assigned")


def test_a_case_can_be_reassigned_before_its_investigation() -> None:
    c = given("assigned")
    c.assign(officer="sari", actor="kabid", at=at(1))
    assert c.assigned_to == "sari"


def test_investigation_before_assignment_is_out_of_order() -> None:
    c = given("filed")
    with pytest.raises(OutOfOrderError, match="while the case is filed"):
        c.record_investigation(
            visited_on=T0.date(),
            findings={"mampu": "x"},
            recommendation="uphold",
            notes="",
            actor="budi",
            at=at(1),
        )


def test_only_the_assigned_officer_records_the_investigation() -> None:
    c = given("assigned")
    with pytest.raises(NotAllowedError):
        c.record_investigation(
            visited_on=at(2).date(),
            findings={"mampu": "x"},
            recommendation="uphold",
            notes="",
            actor="sari",
            at=at(2),
        )


def test_investigation_records_findings_per_reason_and_recommendation() -> None:
    c = given("assigned")
    c.record_investigation(
        visited_on=at(2).date(),
        findings={"mampu": "Rumah dua lantai", "owns_car": "Avanza"},
        recommendation="uphold",
        notes="Tetangga membenarkan",
        actor="budi",
        at=at(2),
    )
    [event] = new_events(c)
    assert isinstance(event, Complaint.Investigated)
    assert event.findings == {"mampu": "Rumah dua lantai", "owns_car": "Avanza"}
    assert c.investigated_by == "budi"


@pytest.mark.parametrize(
    ("findings", "recommendation", "visited", "field"),
    [
        ({"pensioner": "x"}, "uphold", 2, "findings"),
        ({}, "uphold", 2, "findings"),
        ({"mampu": "x"}, "maybe", 2, "recommendation"),
        ({"mampu": "x"}, "uphold", 9, "visited_on"),
        ({"mampu": "x"}, "uphold", -3, "visited_on"),
        ({"mampu": " "}, "uphold", 2, "findings.mampu"),
    ],
)
def test_investigation_refuses_bad_input_naming_the_field(
    findings: dict[str, str], recommendation: str, visited: int, field: str
) -> None:
    c = given("assigned")
    with pytest.raises((InvalidInputError, ReasonRequiredError)) as error:
        c.record_investigation(
            visited_on=at(visited).date(),
            findings=findings,
            recommendation=recommendation,
            notes="",
            actor="budi",
            at=at(2),
        )
    assert error.value.field == field
    assert new_events(c) == []


# --- notice and response --------------------------------------------------------------------


def test_notice_gives_the_household_a_deadline() -> None:
    c = given("investigated")
    c.issue_notice(response_due=date(2026, 3, 27), actor="budi", at=at(3))
    [event] = new_events(c)
    assert isinstance(event, Complaint.NoticeIssued)
    assert c.response_due == date(2026, 3, 27)


def test_notice_deadline_must_be_in_the_future() -> None:
    c = given("investigated")
    with pytest.raises(InvalidInputError) as error:
        c.issue_notice(response_due=at(3).date(), actor="budi", at=at(3))
    assert error.value.field == "response_due"


def test_response_needs_a_statement() -> None:
    c = given("notice_issued")
    with pytest.raises(ReasonRequiredError):
        c.record_response(statement=" ", received_on=at(4).date(), actor="budi", at=at(4))


def test_response_before_notice_is_out_of_order() -> None:
    c = given("investigated")
    with pytest.raises(OutOfOrderError):
        c.record_response(statement="x", received_on=at(4).date(), actor="budi", at=at(4))


# --- decision -------------------------------------------------------------------------------


def test_uphold_after_the_response_names_the_effective_month() -> None:
    c = given("response_recorded")
    c.uphold(reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid", at=at(6))
    [event] = new_events(c)
    assert isinstance(event, Complaint.Upheld)
    assert event.effective_month == "2026-04"
    assert event.reason == UPHOLD_REASON
    assert event.reason_codes == ["mampu"]  # the field check reported on mampu only
    assert event.household_id == c.household_id
    assert c.status == "upheld"


@pytest.mark.parametrize(
    ("reason", "codes", "rule", "field"),
    [
        ("", ["mampu"], "reason_required", "reason"),
        ("Terbukti mampu", ["mampu"], "reason_too_short", "reason"),
        (UPHOLD_REASON, [], "reason_codes_required", "reason_codes"),
        (UPHOLD_REASON, ["owns_car"], "reason_not_confirmed", "reason_codes"),  # no finding
        (UPHOLD_REASON, ["pensioner"], "reason_not_confirmed", "reason_codes"),  # not a reason
    ],
)
def test_an_uphold_states_its_reasons_and_the_confirmed_codes(
    reason: str, codes: list[str], rule: str, field: str
) -> None:
    c = given("response_recorded")
    with pytest.raises((ReasonRequiredError, InvalidInputError)) as error:
        c.uphold(reason=reason, reason_codes=codes, actor="kabid", at=at(6))
    assert (error.value.rule, error.value.field) == (rule, field)
    assert new_events(c) == []


def test_investigator_cannot_decide_own_case() -> None:
    c = given("response_recorded")
    with pytest.raises(FourEyesError):
        c.uphold(reason="x", reason_codes=["mampu"], actor="budi", at=at(6))
    with pytest.raises(FourEyesError):
        c.reject(reason="x", actor="budi", at=at(6))


def test_no_uphold_before_the_household_is_heard() -> None:
    c = given("notice_issued")
    with pytest.raises(NotHeardError, match="2026-03-27"):
        c.uphold(reason="x", reason_codes=["mampu"], actor="kabid", at=at(5))


def test_uphold_without_response_once_the_deadline_has_passed() -> None:
    c = given("notice_issued")
    c.uphold(reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid", at=at(18))
    assert c.status == "upheld"


def test_no_decision_without_an_investigation() -> None:
    c = given("assigned")
    with pytest.raises(OutOfOrderError):
        c.reject(reason="x", actor="kabid", at=at(3))
    with pytest.raises(OutOfOrderError):
        c.uphold(reason="x", reason_codes=["mampu"], actor="kabid", at=at(3))


def test_rejection_needs_a_reason() -> None:
    c = given("investigated")
    with pytest.raises(ReasonRequiredError) as error:
        c.reject(reason="  ", actor="kabid", at=at(3))
    assert error.value.field == "reason"


def test_rejection_is_final() -> None:
    c = given("investigated")
    c.reject(reason="Tidak terbukti", actor="kabid", at=at(3))
    assert isinstance(new_events(c)[0], Complaint.Rejected)
    with pytest.raises(FinalStateError, match="already rejected"):
        c.assign(officer="budi", actor="kabid", at=at(4))


def test_an_unmatched_complaint_is_matched_before_its_field_check() -> None:
    c = new_complaint(
        T0, household_id=None, subject={"name": "Pak Darmo"}, village_code="3316012001"
    )
    c.assign(officer="budi", actor="kabid", at=at(1))
    with pytest.raises(OutOfOrderError) as error:
        c.record_investigation(
            visited_on=at(2).date(),
            findings={"mampu": "x"},
            recommendation="uphold",
            notes="",
            actor="budi",
            at=at(2),
        )
    assert error.value.rule == "household_not_identified"


# --- withdrawal -----------------------------------------------------------------------------


def test_withdrawal_before_a_decision_needs_a_reason() -> None:
    c = given("assigned")
    with pytest.raises(ReasonRequiredError):
        c.withdraw(reason="", actor="budi", at=at(2))
    c.withdraw(reason="Pelapor mencabut", actor="budi", at=at(2))
    assert isinstance(new_events(c)[0], Complaint.Withdrawn)
    assert c.is_final


def test_no_withdrawal_after_a_decision() -> None:
    c = given("upheld")
    with pytest.raises(OutOfOrderError):
        c.withdraw(reason="x", actor="kabid", at=at(7))


# --- appeal ---------------------------------------------------------------------------------


def test_appeal_within_the_objection_window() -> None:
    c = given("upheld")
    deliver_decision(c, 7)
    new_events(c)
    c.appeal(grounds="Salah data", filed_on=at(10).date(), actor="budi", at=at(10))
    [event] = new_events(c)
    assert isinstance(event, Complaint.Appealed)
    assert c.status == "appealed"


def test_no_appeal_before_the_decision_letter_is_delivered() -> None:
    c = given("upheld")
    assert c.objection_deadline() is None
    with pytest.raises(OutOfOrderError) as error:
        c.appeal(grounds="Salah data", filed_on=at(7).date(), actor="budi", at=at(7))
    assert error.value.rule == "decision_not_delivered"


def test_the_objection_window_is_21_working_days_from_the_letters_delivery() -> None:
    c = given("upheld")  # decided Monday 2026-03-16 WIB
    assert c.decided_on == date(2026, 3, 16)
    # Issued that day, handed over on Friday 20 Mar: the window runs from the delivery, not the
    # decision; Good Friday (3 Apr) is a holiday inside it, so 21 Apr, not 17 Apr.
    deliver_decision(c, 6, delivered=10)
    assert c.decision_delivered_on == date(2026, 3, 20)
    deadline = c.objection_deadline()
    assert deadline == date(2026, 4, 21)
    late = deadline + timedelta(days=1)
    moment = datetime.combine(late, datetime.min.time(), UTC) + timedelta(hours=3)
    with pytest.raises(ObjectionWindowError, match=deadline.isoformat()) as error:
        c.appeal(grounds="x", filed_on=late, actor="budi", at=moment)
    assert error.value.field == "filed_on"
    c.appeal(grounds="x", filed_on=deadline, actor="budi", at=moment)
    assert c.status == "appealed"


def test_appeal_needs_grounds() -> None:
    c = given("upheld")
    deliver_decision(c, 7)
    with pytest.raises(ReasonRequiredError):
        c.appeal(grounds=" ", filed_on=at(7).date(), actor="budi", at=at(7))


def test_appeal_only_after_an_uphold() -> None:
    c = given("investigated")
    c.reject(reason="x", actor="kabid", at=at(3))
    with pytest.raises(FinalStateError):
        c.appeal(grounds="x", filed_on=at(4).date(), actor="budi", at=at(4))


def test_granting_an_appeal_needs_a_reason_and_is_final() -> None:
    c = given("appealed")
    with pytest.raises(ReasonRequiredError):
        c.grant_appeal(reason="", actor="kabid", at=at(8))
    c.grant_appeal(reason="Data keliru", actor="kabid", at=at(8))
    [event] = new_events(c)
    assert isinstance(event, Complaint.AppealGranted)
    assert c.is_final
    with pytest.raises(FinalStateError):
        c.deny_appeal(reason="x", actor="kabid", at=at(9))


def test_denying_an_appeal_keeps_the_uphold() -> None:
    c = given("appealed")
    c.deny_appeal(reason="Bukti kuat", actor="kabid2", at=at(8))
    assert isinstance(new_events(c)[0], Complaint.AppealDenied)
    assert c.status == "appeal_denied"


def test_the_investigator_cannot_decide_the_appeal() -> None:
    c = given("appealed")
    with pytest.raises(FourEyesError):
        c.grant_appeal(reason="x", actor="budi", at=at(8))
