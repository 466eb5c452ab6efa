"""Given an account, when a case is assigned to it, then it takes the case or is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from bratasena.domain.account import Account
from bratasena.domain.errors import InvalidInputError
from tests.builders import BLORA_VILLAGE

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
ELSEWHERE = "3316021005"  # Randublatung, district 33.16.02


def account(role: str, districts: list[str]) -> Account:
    return Account.open(
        id=uuid4(),
        username="someone",
        full_name="",
        role=role,
        districts=districts,
        password_hash="-",
        actor="admin",
        at=T0,
    )


@pytest.mark.parametrize("role", ["officer", "facilitator"])
def test_an_officer_or_facilitator_of_the_district_may_take_a_case_there(role: str) -> None:
    account(role, ["331602", "331601"]).check_assignable(BLORA_VILLAGE)


@pytest.mark.parametrize("role", ["officer", "facilitator"])
def test_an_officer_or_facilitator_of_another_district_is_refused_naming_the_field(
    role: str,
) -> None:
    with pytest.raises(InvalidInputError) as error:
        account(role, ["331601"]).check_assignable(ELSEWHERE)
    assert error.value.field == "officer"
    assert error.value.rule == "assignee_outside_districts"
    assert "331602" in error.value.message


@pytest.mark.parametrize("role", ["supervisor", "auditor", "admin"])
def test_a_case_is_never_assigned_to_an_account_that_does_no_field_checks(role: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        account(role, []).check_assignable(BLORA_VILLAGE)
    assert error.value.field == "officer"
    assert error.value.rule == "assignee_not_field_role"


def test_a_disabled_account_takes_no_case_until_it_is_enabled_again() -> None:
    officer = account("officer", ["331601"])
    officer.disable(reason="moved to another office", actor="admin", at=T0)
    with pytest.raises(InvalidInputError) as error:
        officer.check_assignable(BLORA_VILLAGE)
    assert (error.value.field, error.value.rule) == ("officer", "assignee_disabled")
    officer.enable(actor="admin", at=T0)
    officer.check_assignable(BLORA_VILLAGE)


def test_a_role_change_to_another_district_moves_where_the_account_takes_cases() -> None:
    pkh = account("facilitator", ["331601"])
    pkh.change_role(role="facilitator", districts=["331602"], actor="admin", at=T0)
    pkh.check_assignable(ELSEWHERE)
    with pytest.raises(InvalidInputError):
        pkh.check_assignable(BLORA_VILLAGE)
