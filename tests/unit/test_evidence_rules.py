"""Evidence rules in the domain: names, places, stages, and who attaches when."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from bratasena.domain.account import Action, Role
from bratasena.domain.errors import (
    InvalidInputError,
    NotAllowedError,
    OutOfOrderError,
    RuleViolationError,
)
from bratasena.domain.evidence import Attachment, check_file_name, check_location
from tests.builders import new_complaint

AT = datetime(2026, 3, 12, 3, 0, tzinfo=UTC)


def attachment(**overrides: object) -> Attachment:
    values: dict[str, object] = {
        "id": uuid4(),
        "kind": "vehicle",
        "media_type": "image/jpeg",
        "size": 1000,
        "sha256": "a" * 64,
        "name": "mobil.jpg",
    }
    values.update(overrides)
    return Attachment(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["../x.jpg", "a/b.jpg", "C:\\x.jpg", "..", "a\x00.jpg"])
def test_a_file_name_with_a_path_or_control_characters_is_refused(name: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        check_file_name(name)
    assert refused.value.field == "file"


def test_a_plain_file_name_is_kept_and_a_missing_one_gets_a_default() -> None:
    assert check_file_name(" IMG_0001.HEIC ") == "IMG_0001.HEIC"
    assert check_file_name("") == "lampiran"


@pytest.mark.parametrize(
    ("lat", "lon"), [(91.0, 111.0), (-6.9, 181.0), (float("nan"), 111.0), (-6.9, None)]
)
def test_a_place_out_of_range_or_half_given_is_refused(lat: float, lon: float | None) -> None:
    with pytest.raises(InvalidInputError):
        check_location(lat, lon)


def test_field_evidence_is_attached_by_the_assigned_officer_only() -> None:
    complaint = new_complaint(AT)
    with pytest.raises(OutOfOrderError):
        complaint.attach_evidence(role=Role.OFFICER, attachment=attachment(), actor="budi", at=AT)
    complaint.assign(officer="budi", actor="kabid", at=AT)
    assert complaint.evidence_action() == Action.ATTACH_FIELD_EVIDENCE
    with pytest.raises(NotAllowedError):
        complaint.attach_evidence(role=Role.OFFICER, attachment=attachment(), actor="sari", at=AT)
    with pytest.raises(NotAllowedError):
        complaint.attach_evidence(
            role=Role.SUPERVISOR, attachment=attachment(), actor="kabid", at=AT
        )
    complaint.attach_evidence(role=Role.OFFICER, attachment=attachment(), actor="budi", at=AT)
    [evidence] = complaint.evidence.values()
    assert evidence.stage == "field_check"
    assert evidence.attached_by == "budi"


def test_a_case_holds_at_most_its_limit_of_attachments() -> None:
    complaint = new_complaint(AT)
    complaint.assign(officer="budi", actor="kabid", at=AT)
    for _ in range(2):
        complaint.attach_field_evidence(attachment=attachment(), actor="budi", at=AT, limit=2)
    with pytest.raises(RuleViolationError) as refused:
        complaint.attach_field_evidence(attachment=attachment(), actor="budi", at=AT, limit=2)
    assert refused.value.rule == "too_many_attachments"
