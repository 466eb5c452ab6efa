"""The kabid's queues and reassignment over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.api.conftest import Headers
from tests.builders import Clock, case_at, file, register, registry_row


def test_a_supervisor_reassigns_a_checked_case_with_a_reason_recorded_as_a_step(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core)
    cid = case_at(core, clock, "investigated")
    version = core.get_complaint(cid).version

    def reassign(body: dict[str, str], who: str = "kabid") -> tuple[int, dict[str, object]]:
        answer = client.post(
            f"/api/v1/cases/{cid}/reassignment",
            json=body,
            headers={**staff[who], "If-Match": f'"{version}"'},
        )
        return answer.status_code, answer.json()

    refusals = {
        "officer": ({"officer": "sari", "reason": " "}, "reason"),
        "stranger": ({"officer": "nobody", "reason": "Cuti"}, "officer"),
        "elsewhere": ({"officer": "rina", "reason": "Cuti"}, "officer"),  # works in 33.16.02
        "same": ({"officer": "budi", "reason": "Cuti"}, "officer"),
    }
    for name, (body, field) in refusals.items():
        status, problem = reassign(body)
        assert status == 422, (name, problem)
        errors = problem["errors"]
        assert isinstance(errors, list)
        assert [e["field"] for e in errors] == [field], name
    assert reassign({"officer": "sari", "reason": "Cuti"}, who="budi")[0] == 403
    assert core.get_complaint(cid).version == version

    status, done = reassign({"officer": "sari", "reason": "Budi cuti dua minggu"})
    assert status == 200, done
    case = client.get(f"/api/v1/cases/{cid}", headers=staff["kabid"]).json()
    assert (case["status"], case["assigned_to"]) == ("investigated", "sari")
    last = case["timeline"][-1]
    assert last["step"] == "reassigned"
    assert last["text"] == "Reassigned from budi to sari: Budi cuti dua minggu"


def test_the_queues_count_what_waits_to_be_assigned_decided_or_decided_on_appeal(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core, *(registry_row(n) for n in range(1, 6)))
    waiting = file(core, "DTKS-000001").id
    heard = case_at(core, clock, "response_recorded", "DTKS-000002")
    unanswered = case_at(core, clock, "notice_issued", "DTKS-000003")
    appealed = case_at(core, clock, "delivered", "DTKS-000004")
    core.appeal(appealed, None, grounds="Mobil pinjaman", filed_on=clock.today(), actor="budi")
    case_at(core, clock, "assigned", "DTKS-000005")
    clock.advance(days=15)  # the notice's deadline (14 days) has passed without a response

    answer = client.get("/api/v1/queues", headers=staff["kabid"])
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["counts"] == {"to_assign": 1, "to_decide": 2, "appeals": 1, "overdue": 1}
    ids = {queue: [c["complaint_id"] for c in rows] for queue, rows in found["cases"].items()}
    assert ids["to_assign"] == [str(waiting)]
    assert set(ids["to_decide"]) == {str(heard), str(unanswered)}
    assert ids["appeals"] == [str(appealed)]
    assert ids["overdue"] == [str(unanswered)]
    load = {w["username"]: (w["open"], w["overdue"]) for w in found["workload"]}
    assert load == {"budi": (4, 1), "sari": (0, 0), "pkh": (0, 0), "rina": (0, 0)}
    assert found["workload"][0]["username"] == "budi"

    assert client.get("/api/v1/queues", headers=staff["budi"]).status_code == 403
