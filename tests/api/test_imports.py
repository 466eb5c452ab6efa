"""Registry extracts over HTTP: good rows imported, bad rows reported, re-imports add nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.domain import ids
from bratasena.settings import Settings
from tests.api.conftest import Headers, bearer
from tests.builders import BLORA_VILLAGE, Clock, kk, nik

HEADER = "registry_id,kk_number,head_nik,head_name,address,village_code,desil,programs,members"


def extract(*numbers: int, bad: bool = False) -> bytes:
    lines = [HEADER]
    for n in numbers:
        lines.append(
            f"DTKS-{n:06d},{kk(n)},{nik(n)},Sutrisno {n},RT 01 RW 02,{BLORA_VILLAGE},2,PKH;BPNT,4"
        )
    if bad:
        lines.append(f"DTKS-999999,{kk(9)},1234567890123456,Salah,RT 01,{BLORA_VILLAGE},11,PKH,4")
    return ("\n".join(lines) + "\n").encode()


def upload(
    client: TestClient, headers: Headers, content: bytes, period: str = "2026-03"
) -> tuple[int, dict[str, Any]]:
    response = client.post(
        "/api/v1/registry/imports",
        files={"file": (f"dtks-{period}.csv", content, "text/csv")},
        data={"source": "dtks", "period": period},
        headers=headers,
    )
    return response.status_code, response.json()


def test_an_admin_uploads_an_extract_and_bad_rows_come_back_with_their_lines(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    status, report = upload(client, staff["admin"], extract(1, 2, bad=True))
    assert status == 201, report
    assert (report["rows_read"], report["registered"], report["rejected"]) == (3, 2, 1)
    errors = report["errors"]
    assert isinstance(errors, list)
    assert {e["line"] for e in errors} == {4}
    assert {e["column"] for e in errors} >= {"head_nik", "desil"}
    assert "1234567890123456" not in str(errors)
    found = client.get("/api/v1/households?registry_id=DTKS-000002", headers=staff["kabid"])
    assert found.json()["total"] == 1  # projected before the answer came back

    head = core.head()
    status, again = upload(client, staff["admin"], extract(1, 2))
    assert (status, again["unchanged"], again["registered"]) == (201, 2, 0)
    assert core.head() == head


def test_an_upload_is_reconciled_and_an_older_period_is_imported_without_it(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    upload(client, staff["admin"], extract(1, 2, 3))
    status, april = upload(client, staff["admin"], extract(1, 2), period="2026-04")
    assert status == 201, april
    assert april["reconciliation"] == {
        "reconciled": True,
        "refused": None,
        "removals_confirmed": 0,
        "removals_not_applied": 0,
        "reactivations_not_applied": 0,
        "left_registry_elsewhere": 1,
        "returned_to_registry": 0,
    }
    assert core.get_household(ids.household_id("DTKS-000003")).status == "active"

    status, march = upload(client, staff["admin"], extract(1, 3), period="2026-03")
    assert (status, march["registered"], march["unchanged"]) == (201, 0, 2)
    assert march["reconciliation"]["reconciled"] is False
    assert "older than the extract of 2026-04" in march["reconciliation"]["refused"]
    assert march["reconciliation"]["returned_to_registry"] == 0

    answer = client.get("/api/v1/reports/reconciliation?period=2026-04", headers=staff["kabid"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["left_registry_elsewhere"] == 1
    assert answer.json()["households"] == []  # nobody was decided here: nothing to list
    bad = client.get("/api/v1/reports/reconciliation?period=April", headers=staff["kabid"])
    assert bad.status_code == 422
    assert "period" in bad.text
    report = client.get("/api/v1/reports/removals?year=2026", headers=staff["kabid"]).json()
    assert (report["reconciled_through"], report["not_applied"]) == ("2026-04", [])
    assert report["totals"]["confirmed_removals"] == 0
    workbook = client.get("/api/v1/reports/removals?year=2026&format=xlsx", headers=staff["kabid"])
    assert workbook.status_code == 200
    assert workbook.content[:4] == b"PK\x03\x04"


def test_an_unreadable_extract_or_a_bad_period_is_refused_whole(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    head = core.head()
    status, problem = upload(client, staff["admin"], b"name,village\nA,B\n")
    assert status == 422
    assert problem["errors"][0]["field"] == "file"
    response = client.post(
        "/api/v1/registry/imports",
        files={"file": ("x.csv", extract(3), "text/csv")},
        data={"source": "dtks", "period": "March"},
        headers=staff["admin"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "period"
    assert core.head() == head


def test_an_upload_over_the_upload_limit_gets_413(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(max_upload_bytes=500)
    api = create_app(settings, clock=clock)
    with TestClient(api) as client:
        core: Bratasena = api.state.service.app
        core.open_account(
            username="admin", role="admin", districts=[], password_hash="-", actor="setup"
        )
        head = core.head()
        status, problem = upload(client, bearer(settings, "admin"), extract(*range(1, 20)))
        assert problem["type"] == "/problems/body_too_large"
        assert status == 413
        assert core.head() == head
