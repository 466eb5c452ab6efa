"""The month's proposal list (usulan penonaktifan) on both backends: gathered, approved, printed."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from pydantic import ValidationError

from bratasena.application import Bratasena
from bratasena.domain.errors import InvalidInputError, OutOfOrderError
from bratasena.integration.proposal_files import bnba_xlsx
from bratasena.settings import Settings
from tests.builders import (
    Clock,
    case_at,
    deactivate_many,
    deliver_decision,
    kk,
    nik,
    open_staff,
    register,
    registry_row,
)


@pytest.mark.parametrize("day", [0, 29, 31])
def test_a_cutoff_day_outside_1_to_28_is_refused_at_start_up(day: int) -> None:
    with pytest.raises(ValidationError, match="proposal_cutoff_day"):
        Settings(environment="test", proposal_cutoff_day=day)


def test_the_months_upheld_deactivations_are_gathered_once_and_approved_once(
    app: Bratasena, clock: Clock
) -> None:
    open_staff(app)
    register(app, *(registry_row(n) for n in range(1, 4)))
    case = case_at(app, clock, "upheld")  # upheld 15 March
    letter = deliver_decision(app, case, on=clock.today())
    deactivate_many(app, clock, 2, first=4)  # two more, on 15 March too
    clock.now = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)

    with pytest.raises(OutOfOrderError) as early:
        app.prepare_proposals(actor="kabid")
    assert (early.value.rule, early.value.field) == ("before_cutoff", "month")

    clock.now = datetime(2026, 3, 17, 1, 0, tzinfo=UTC)  # the 17th, 08:00 WIB
    outcome = app.prepare_proposals(actor="kabid")

    proposal = app.proposal_list(outcome.id)
    assert (proposal.month, proposal.number, proposal.cutoff) == (
        "2026-03",
        "03/USUL-NONAKTIF/2026",
        date(2026, 3, 17),
    )
    assert [i["registry_id"] for i in proposal.items] == [
        "DTKS-000001",
        "DTKS-000004",
        "DTKS-000005",
    ]
    first = proposal.items[0]
    assert (first["head_nik"], first["kk_number"]) == (nik(1), kk(1))  # in full: BNBA
    assert (first["decision_number"], first["reason_codes"]) == (letter, ["mampu", "owns_car"])
    with pytest.raises(OutOfOrderError) as again:
        app.prepare_proposals("2026-03", actor="kabid")
    assert again.value.rule == "already_prepared"
    clock.now = datetime(2026, 4, 20, 1, 0, tzinfo=UTC)
    with pytest.raises(OutOfOrderError) as nothing:
        app.prepare_proposals(actor="kabid")  # everyone is in March's list already
    assert nothing.value.rule == "nothing_to_propose"

    for number, day, field in (("  ", date(2026, 4, 1), "sk_number"),
                               ("188.4/12/2026", date(2026, 3, 1), "approved_on"),
                               ("188.4/12/2026", date(2026, 4, 21), "approved_on")):  # fmt: skip
        with pytest.raises(InvalidInputError) as refused:
            app.approve_proposals("2026-03", approved_on=day, sk_number=number, actor="kabid")
        assert refused.value.field == field
    app.approve_proposals(
        "2026-03", approved_on=date(2026, 4, 2), sk_number=" 188.4/12/2026 ", actor="kabid"
    )
    with pytest.raises(OutOfOrderError) as twice:
        app.approve_proposals(
            "2026-03", approved_on=date(2026, 4, 3), sk_number="188.4/13/2026", actor="kabid"
        )
    assert twice.value.rule == "already_approved"
    approved = app.get_proposals("2026-03")
    assert (approved.sk_number, approved.approved_on) == ("188.4/12/2026", date(2026, 4, 2))

    sheet = openpyxl.load_workbook(io.BytesIO(bnba_xlsx(approved, app.regions))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:2] == ("SK Bupati", "188.4/12/2026")
    assert rows[5][:4] == (1, "DTKS-000001", kk(1), nik(1))  # 16 digits kept as text
    assert rows[5][-1] == letter
    assert len(rows) == 5 + 3
