"""Letters on SQLite and PostgreSQL: numbers that never repeat or skip, PDFs that print the same
bytes again from the event's data, whatever the settings say later."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

import pytest

from bratasena.application import Bratasena
from bratasena.domain import ids
from bratasena.domain.errors import ConflictError, NotFoundError
from bratasena.settings import Settings
from bratasena.web.letters import Press
from tests.builders import Clock, case_at, open_staff, register, registry_row


@pytest.fixture
def staffed(app: Bratasena) -> Bratasena:
    register(app, *(registry_row(n) for n in range(1, 7)))
    open_staff(app)
    return app


def test_a_letter_prints_again_byte_for_byte_from_its_event_whatever_the_settings_say_later(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(
        letter_address="Jalan Pemuda No. 1, Blora",
        letter_head_name="Drs. Kepala Lama",
        letter_head_nip="197001012000031001",
    )
    first = Bratasena(settings, clock=clock, typesetter=Press())
    try:
        register(first)
        open_staff(first)
        cid = case_at(first, clock, "upheld")
        issued = first.issue_letter(cid, None, kind="decision", actor="kabid").letter
        assert issued is not None
        _, pdf = first.letter_pdf(cid, issued.number)
        assert hashlib.sha256(pdf).hexdigest() == issued.sha256
        assert issued.content["letterhead"]["address"] == "Jalan Pemuda No. 1, Blora"
    finally:
        first.close()
    # A new head of office and a new address: the letter issued before still shows the old ones.
    later = make_settings(
        letter_address="Jalan Baru No. 9, Blora",
        letter_head_name="Ir. Kepala Baru",
        letter_head_nip="198001012005011002",
    )
    second = Bratasena(later, clock=clock, typesetter=Press())
    try:
        letter, again = second.letter_pdf(cid, issued.number)
        assert again == pdf
        assert "Drs. Kepala Lama" in str(letter.content)
        assert second.letterhead().head_name == "Ir. Kepala Baru"
    finally:
        second.close()


def test_numbers_follow_each_other_across_cases_and_a_failed_save_takes_none(
    staffed: Bratasena, clock: Clock
) -> None:
    first = case_at(staffed, clock, "investigated")
    second = case_at(staffed, clock, "investigated", "DTKS-000002")
    with pytest.raises(ConflictError):
        staffed.issue_letter(first, 1, kind="field_report", actor="budi")  # a stale version
    with pytest.raises(NotFoundError):  # the year's register was never saved
        staffed.history(ids.letter_register_id(2026))
    numbers = [
        staffed.issue_letter(cid, None, kind="field_report", actor="budi").letter
        for cid in (first, second, first)
    ]
    assert [n.number for n in numbers if n] == ["400.9/1/2026", "400.9/2/2026", "400.9/3/2026"]
    register_history = staffed.history(ids.letter_register_id(2026))
    assert [e.data.get("sequence") for e in register_history] == [None, 1, 2, 3]


def test_letters_issued_at_the_same_moment_take_distinct_numbers_without_gaps(
    settings: Settings, staffed: Bratasena, clock: Clock
) -> None:
    cases = [case_at(staffed, clock, "investigated", f"DTKS-{n:06d}") for n in range(1, 7)]
    # Two processes of the office, each with its own connection to the store.
    apps = [Bratasena(settings, clock=clock, typesetter=Press()) for _ in range(2)]
    numbers: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def issue(app: Bratasena, mine: list[Any]) -> None:
        start.wait()
        for cid in mine:
            try:
                letter = app.issue_letter(cid, None, kind="field_report", actor="budi").letter
                assert letter is not None
                numbers.append(letter.number)
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)

    threads = [
        threading.Thread(target=issue, args=(app, cases[i::2])) for i, app in enumerate(apps)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for app in apps:
            app.close()
    assert failures == []
    assert sorted(numbers, key=lambda n: int(n.split("/")[1])) == [
        f"400.9/{seq}/2026" for seq in range(1, 7)
    ]


def test_letters_and_their_delivery_are_in_the_audit_history(
    staffed: Bratasena, clock: Clock
) -> None:
    cid = case_at(staffed, clock, "delivered")
    history = staffed.history(cid)
    issued, delivered = history[-2:]
    assert (issued.type, delivered.type) == ("Complaint.LetterIssued", "Complaint.LetterDelivered")
    assert issued.data["sha256"] == staffed.get_complaint(cid).letters[issued.data["number"]].sha256
    assert delivered.data["method"] == "by_hand"
