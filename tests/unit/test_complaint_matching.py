"""Given a complaint, when it is matched (or matched again) to a registered household, then these
events follow, or this refusal: the right household is the one checked, heard and deactivated."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from bratasena.application import DateAsISO, _audit_event
from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import (
    FinalStateError,
    OutOfOrderError,
    ReasonRequiredError,
    RuleViolationError,
)
from bratasena.domain.matching import Concern, HouseholdFacts, concerns
from tests.builders import BLORA_VILLAGE, OTHER_VILLAGE, T0, at, investigate, new_complaint

TAMBAKSARI = "3316092022"  # a village of another district


def household(**overrides: Any) -> HouseholdFacts:
    values: dict[str, Any] = {
        "household_id": uuid4(),
        "registry_id": "DTKS-000001",
        "head_name": "Sugeng Riyadi",
        "village_code": BLORA_VILLAGE,
        "deactivated": False,
    }
    values.update(overrides)
    return HouseholdFacts(**values)


def unmatched() -> Complaint:
    """A complaint about "Sugeng Riyadi" of Bangkleyan that no number matched."""
    c = new_complaint(
        T0,
        household_id=None,
        subject={"name": "Bpk. Soegeng Rijadi", "village_code": BLORA_VILLAGE},
        village_code=BLORA_VILLAGE,
    )
    c.collect_events()
    return c


def new_events(c: Complaint) -> list[Any]:
    return list(c.collect_events())


# --- what differs ---------------------------------------------------------------------------


def test_old_spellings_and_titles_are_the_same_name_but_another_village_is_a_concern() -> None:
    same = household(head_name="SUGENG RIYADI")
    assert concerns("Bpk. Soegeng Rijadi", BLORA_VILLAGE, same) == []
    assert concerns("H. Soegeng Riyadi, S.Pd.", BLORA_VILLAGE, same) == []
    assert concerns("Sugeng Wibowo", BLORA_VILLAGE, same) == [Concern.NAME_MISMATCH]
    moved = household(village_code=OTHER_VILLAGE)
    assert concerns("Sugeng Riyadi", BLORA_VILLAGE, moved) == [Concern.OTHER_VILLAGE]
    darmo = household(head_name="Darmo", village_code=TAMBAKSARI)
    assert concerns("Sugeng Riyadi", BLORA_VILLAGE, darmo) == [
        Concern.OTHER_VILLAGE,
        Concern.NAME_MISMATCH,
    ]


def test_a_complaint_that_names_nobody_has_no_name_to_mismatch() -> None:
    assert concerns("", BLORA_VILLAGE, household(head_name="Darmo")) == []


# --- identify -------------------------------------------------------------------------------


def test_matching_the_named_household_records_it_without_concerns() -> None:
    c = unmatched()
    found = household(head_name="Sugeng Riyadi")
    c.identify_household(household=found, actor="budi", at=at(1))
    [event] = new_events(c)
    assert isinstance(event, Complaint.HouseholdIdentified)
    assert (event.household_id, event.concerns, event.confirmation) == (found.household_id, [], "")
    assert c.household_id == found.household_id


def test_a_match_with_a_different_village_without_confirmation_is_refused() -> None:
    c = unmatched()
    elsewhere = household(head_name="Sugeng Riyadi", village_code=OTHER_VILLAGE)
    with pytest.raises(RuleViolationError) as error:
        c.identify_household(household=elsewhere, confirmation="ok", actor="budi", at=at(1))
    assert (error.value.rule, error.value.field) == ("match_unconfirmed", "confirmation")
    assert "other_village" in error.value.message
    assert new_events(c) == []
    assert c.village_code == BLORA_VILLAGE


def test_a_confirmed_match_with_a_different_village_keeps_the_reason_in_the_event() -> None:
    c = unmatched()
    elsewhere = household(head_name="Sugeng Riyadi", village_code=OTHER_VILLAGE)
    why = "KK di lapangan cocok; keluarga pindah ke Gempol tahun lalu."
    c.identify_household(household=elsewhere, confirmation=f"  {why} ", actor="budi", at=at(1))
    [event] = new_events(c)
    assert event.concerns == ["other_village"]
    assert event.confirmation == why
    assert c.village_code == OTHER_VILLAGE


def test_a_name_that_does_not_match_needs_a_confirmation() -> None:
    c = unmatched()
    with pytest.raises(RuleViolationError, match="name_mismatch") as error:
        c.identify_household(household=household(head_name="Darmo"), actor="budi", at=at(1))
    assert error.value.rule == "match_unconfirmed"


def test_matching_a_deactivated_household_is_refused_even_when_confirmed() -> None:
    c = unmatched()
    darmo = household(head_name="Darmo", village_code=TAMBAKSARI, deactivated=True)
    with pytest.raises(RuleViolationError) as error:
        c.identify_household(
            household=darmo,
            confirmation="Nomor registrasi dari pelapor, dicek di kantor desa.",
            actor="budi",
            at=at(1),
        )
    assert (error.value.rule, error.value.field) == ("household_deactivated", "registry_id")
    assert new_events(c) == []


def test_a_household_under_another_open_case_is_matched_by_joining_that_case() -> None:
    c = unmatched()
    other_case = uuid4()
    busy = household(open_case_id=other_case, open_case_tracking_code="WXYZ-2345-AB")
    c.identify_household(household=busy, actor="budi", at=at(1))
    identified, joined = new_events(c)
    assert isinstance(identified, Complaint.HouseholdIdentified)
    assert isinstance(joined, Complaint.Joined)
    assert (joined.case_id, joined.tracking_code) == (other_case, "WXYZ-2345-AB")
    assert c.status == "joined"
    assert c.is_final
    assert c.joined_case_id == other_case


def test_the_household_is_matched_before_the_field_check() -> None:
    c = investigate(new_complaint(T0))
    c2 = unmatched()
    c2.assign(officer="budi", actor="kabid", at=at(1))
    c2.identify_household(household=household(head_name="Sugeng Riyadi"), actor="budi", at=at(1))
    assert c2.status == "assigned"
    with pytest.raises(OutOfOrderError) as error:
        c.identify_household(household=household(), actor="budi", at=at(3))
    assert error.value.rule == "already_matched"


def test_no_first_match_after_the_field_check_of_a_legacy_case() -> None:
    # Before matching came first, an unmatched complaint could be investigated.
    c = unmatched()
    c.assign(officer="budi", actor="kabid", at=at(1))
    legacy = Complaint.Investigated(
        originator_id=c.id,
        originator_version=c.version + 1,
        timestamp=at(2),
        visited_on=at(2).date(),
        findings={"mampu": "x"},
        recommendation="uphold",
        notes="",
        actor="budi",
    )
    legacy.mutate(c)
    with pytest.raises(OutOfOrderError) as error:
        c.identify_household(household=household(), actor="budi", at=at(3))
    assert error.value.rule == "match_after_field_check"


# --- rematch --------------------------------------------------------------------------------


def test_a_rematch_after_the_investigation_sends_the_case_back_to_assigned() -> None:
    c = investigate(new_complaint(T0))
    c.issue_notice(response_due=at(20).date(), actor="budi", at=at(3))
    c.collect_events()
    previous = c.household_id
    right = household(head_name="Sugeng Riyadi")
    c.rematch_household(
        household=right, reason="Nomor registrasi dari pelapor keliru", actor="kabid", at=at(4)
    )
    [event] = new_events(c)
    assert isinstance(event, Complaint.HouseholdRematched)
    assert (event.previous_household_id, event.household_id) == (previous, right.household_id)
    assert event.reason == "Nomor registrasi dari pelapor keliru"
    assert c.status == "assigned"
    assert c.assigned_to == "budi"
    # The field check, the notice and the hearing start again for the new household.
    assert (c.investigated_by, c.findings, c.response_due, c.noticed_household_id) == (
        None,
        {},
        None,
        None,
    )
    with pytest.raises(OutOfOrderError):
        c.issue_notice(response_due=at(20).date(), actor="budi", at=at(5))
    assert c.issuable_letters() == []


def test_a_rematch_needs_a_reason_and_another_household() -> None:
    c = investigate(new_complaint(T0))
    with pytest.raises(ReasonRequiredError):
        c.rematch_household(household=household(), reason=" ", actor="kabid", at=at(3))
    same = household(household_id=c.household_id)
    with pytest.raises(RuleViolationError) as error:
        c.rematch_household(household=same, reason="Salah", actor="kabid", at=at(3))
    assert error.value.rule == "same_household"


def test_a_rematch_is_refused_before_assignment_and_after_the_decision() -> None:
    c = new_complaint(T0)
    with pytest.raises(OutOfOrderError):
        c.rematch_household(household=household(), reason="Salah", actor="kabid", at=at(1))
    c = investigate(new_complaint(T0))
    c.reject(reason="Tidak terbukti", actor="kabid", at=at(3))
    with pytest.raises(FinalStateError):
        c.rematch_household(household=household(), reason="Salah", actor="kabid", at=at(4))


# --- the household heard is the household deactivated ---------------------------------------


def test_notice_and_response_carry_the_household() -> None:
    c = investigate(new_complaint(T0))
    c.issue_notice(response_due=at(20).date(), actor="budi", at=at(3))
    c.record_response(statement="Tidak benar", received_on=at(4).date(), actor="budi", at=at(4))
    notice, response = new_events(c)
    assert notice.household_id == response.household_id == c.household_id


def test_an_uphold_is_refused_when_the_household_differs_from_the_one_noticed() -> None:
    # A history from before matching came first: noticed unmatched, matched afterwards.
    c = unmatched()
    history: list[Any] = [
        (Complaint.Assigned, {"officer": "budi", "actor": "kabid"}),
        (
            Complaint.Investigated,
            {
                "visited_on": at(2).date(),
                "findings": {"mampu": "x"},
                "recommendation": "uphold",
                "notes": "",
                "actor": "budi",
            },
        ),
        (Complaint.NoticeIssued, {"response_due": at(9).date(), "household_id": None}),
        (
            Complaint.ResponseRecorded,
            {"statement": "x", "received_on": at(4).date(), "household_id": None},
        ),
        (
            Complaint.HouseholdIdentified,
            {
                "household_id": uuid4(),
                "village_code": BLORA_VILLAGE,
                "concerns": [],
                "confirmation": "",
            },
        ),
    ]
    for number, (kind, fields) in enumerate(history, start=2):
        fields.setdefault("actor", "budi")
        kind(originator_id=c.id, originator_version=number, timestamp=at(number), **fields).mutate(
            c
        )
    assert c.household_id is not None
    assert c.noticed_household_id is None
    with pytest.raises(RuleViolationError) as error:
        c.uphold(
            reason="Terbukti mampu: rumah dua lantai dan mobil.",
            reason_codes=["mampu"],
            actor="kabid",
            at=at(8),
        )
    assert error.value.rule == "household_not_noticed"
    assert "uphold" not in c.available_actions(_supervisor(), "kabid", at(8).date())


def _supervisor() -> Any:
    from bratasena.domain.account import Role

    return Role.SUPERVISOR


# --- events stored before these fields existed ----------------------------------------------


def _stored_v1(kind: type, originator: UUID, version: int, state: dict[str, Any]) -> Any:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    mapper: Mapper[UUID] = Mapper(transcoder=transcoder)
    topic = f"{kind.__module__}:{kind.__qualname__}"
    stored = StoredEvent(
        originator_id=originator,
        originator_version=version,
        topic=topic,
        state=transcoder.encode(state),
    )
    return mapper.to_domain_event(stored)


def test_old_notices_are_upcast_and_export_as_they_were_stored() -> None:
    c = investigate(new_complaint(T0))
    stored = {
        "timestamp": at(3),
        "response_due": date(2026, 3, 30),
        "actor": "budi",
    }
    notice = _stored_v1(Complaint.NoticeIssued, c.id, c.version + 1, stored)
    assert notice.household_id is None
    notice.mutate(c)
    # The household noticed is the one the complaint was matched to at the time.
    assert c.noticed_household_id == c.household_id
    exported = _audit_event(notice)
    assert exported.data == {"response_due": date(2026, 3, 30), "actor": "budi"}


def test_old_matches_are_upcast_without_concerns() -> None:
    c = unmatched()
    hid = uuid4()
    stored = {"timestamp": at(1), "household_id": hid, "village_code": BLORA_VILLAGE, "actor": "b"}
    identified = _stored_v1(Complaint.HouseholdIdentified, c.id, c.version + 1, stored)
    assert (identified.concerns, identified.confirmation) == ([], "")
    identified.mutate(c)
    assert c.household_id == hid
    assert set(_audit_event(identified).data) == {"household_id", "village_code", "actor"}
