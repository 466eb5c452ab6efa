"""A client generated from the live /openapi.json drives a case to uphold and reads refusals.

The document is part of the API's vocabulary: what openapi-python-client (a dev dependency,
pinned in pyproject.toml) makes of it must work as a client, errors included, with no hand edits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bratasena.application import Bratasena
from tests.api.conftest import PASSWORD, STAFF, password_hash
from tests.builders import Clock, register

PACKAGE = "bratasena_client"


@dataclass(frozen=True)
class Generated:
    """The generated package: its clients, its models, and one module per operation."""

    base_url: str
    package: ModuleType
    models: ModuleType
    opened: ExitStack

    def op(self, name: str) -> Any:
        """The module of an operation, by tag and operationId in snake case (`cases.get_case`)."""
        return import_module(f"{PACKAGE}.api.{name}")

    def anonymous(self) -> Any:
        """A client without a token (closed after the test, like every client made here)."""
        # Raising on an undocumented status makes every answer's status part of the test.
        client = self.package.Client(base_url=self.base_url, raise_on_unexpected_status=True)
        return self.opened.enter_context(client)

    def log_in(self, username: str) -> Any:
        """A client with the bearer token that `logIn` answered for the account."""
        form = self.models.BodyLogIn(username=username, password=PASSWORD)
        token = self.op("accounts.log_in").sync(client=self.anonymous(), body=form)
        assert isinstance(token, self.models.TokenOut), token
        client = self.package.AuthenticatedClient(
            base_url=self.base_url, token=token.access_token, raise_on_unexpected_status=True
        )
        return self.opened.enter_context(client)


@pytest.fixture
def generated(live: str, tmp_path: Path) -> Iterator[Generated]:
    """The client generated from the running service's document, importable for the test."""
    schema = tmp_path / "openapi.json"
    schema.write_bytes(httpx.get(f"{live}/openapi.json", timeout=10).raise_for_status().content)
    config = tmp_path / "generator.json"
    # No post hooks: the code is imported, not read, so no formatter needs to be on PATH.
    # A letter's PDF is bytes: the generator reads it as it reads application/octet-stream.
    config.write_text(
        json.dumps(
            {
                "post_hooks": [],
                "package_name_override": PACKAGE,
                "content_type_overrides": {"application/pdf": "application/octet-stream"},
            }
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema),
         "--output-path", str(tmp_path / PACKAGE), "--meta", "none", "--config", str(config),
         "--fail-on-warning"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        with ExitStack() as opened:
            package, models = import_module(PACKAGE), import_module(f"{PACKAGE}.models")
            yield Generated(live, package, models, opened)
    finally:
        # Each backend's run generates and imports its own copy.
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def seeded(api: FastAPI) -> Bratasena:
    """Staff accounts with the real password, and one registered household."""
    core: Bratasena = api.state.service.app
    for username, (role, districts) in STAFF.items():
        core.open_account(
            username=username,
            role=role,
            districts=districts,
            password_hash=password_hash(),
            actor="setup",
        )
    register(core)
    return core


def test_a_generated_client_drives_a_case_to_uphold_and_reads_refusals_as_problems(
    seeded: Bratasena, generated: Generated, clock: Clock
) -> None:
    m, op = generated.models, generated.op
    kabid, kabid2, budi = (generated.log_in(u) for u in ("kabid", "kabid2", "budi"))

    filed = op("complaints_public.file_complaint").sync(
        client=generated.anonymous(),
        body=m.ComplaintIn(
            subject=m.SubjectIn(registry_id="DTKS-000001"),
            reasons=[m.Reason.MAMPU, m.Reason.OWNS_CAR],
            description="Keluarga ini punya mobil dan toko besar di pasar.",
        ),
    )
    assert isinstance(filed, m.FiledOut), filed
    assert filed.status == m.Status.FILED
    cid, today = filed.complaint_id, clock.today()

    def command(name: str, who: Any, body: Any, version: int) -> Any:
        done = op(f"cases.{name}").sync(cid, client=who, body=body, if_match=f'"{version}"')
        assert isinstance(done, m.CommandOut), done
        assert done.version == done.case.version == version + 1
        return done

    command("assign_case", kabid, m.AssignmentIn(officer="budi"), 1)
    findings = m.InvestigationInFindings.from_dict(
        {"mampu": "Rumah dua lantai", "owns_car": "Mobil pribadi di garasi"}
    )
    command(
        "record_investigation",
        budi,
        m.InvestigationIn(visited_on=today, findings=findings, recommendation=m.Decision.UPHOLD),
        2,
    )
    command("issue_notice", budi, m.NoticeIn(response_due=today + timedelta(days=14)), 3)
    command("record_response", budi, m.ResponseIn(statement="Bukan", received_on=today), 4)
    # Four eyes: kabid assigned the case; another supervisor decides.
    upheld = command(
        "decide_case",
        kabid2,
        m.DecisionIn(
            outcome=m.Decision.UPHOLD,
            reason="Rumah dua lantai dan mobil pribadi, terbukti saat kunjungan lapangan",
            reason_codes=[m.Reason.MAMPU, m.Reason.OWNS_CAR],
        ),
        5,
    )
    assert upheld.case.status == m.Status.UPHELD

    case = op("cases.get_case").sync(cid, client=kabid)
    assert isinstance(case, m.CaseDetailOut), case
    assert case.status == m.Status.UPHELD
    # The decision letter comes first: the appeal window runs from its delivery (UU 30/2014).
    assert case.allowed_actions == [m.Action.ISSUE_LETTER]
    assert [entry.step for entry in case.timeline][-1] == m.Step.UPHELD
    listed = op("cases.list_cases").sync(client=kabid, status=m.Status.UPHELD)
    assert [row.complaint_id for row in listed.items] == [cid]

    # The answers that were untyped dicts now parse into their models.
    dashboard = op("reports.get_dashboard").sync(client=kabid)
    assert isinstance(dashboard, m.DashboardOut), dashboard
    assert dashboard.decided_this_month == 1
    report = op("reports.get_removal_report").sync(client=kabid, year=today.year)
    assert isinstance(report, m.RemovalReportOut), report
    assert report.totals.deactivations == 1
    assert [row.reason for row in report.by_reason] == [m.Reason.MAMPU, m.Reason.OWNS_CAR]

    # A refused command: a rule of the case (no field) …
    again = op("cases.assign_case").sync_detailed(
        cid, client=kabid, body=m.AssignmentIn(officer="sari")
    )
    assert again.status_code == 422
    assert isinstance(again.parsed, m.Problem), again.content
    assert again.parsed.type_ == "/problems/out_of_order"
    assert "upheld" in again.parsed.detail
    # … a stale version, with the version to reload …
    stale = op("cases.assign_case").sync(
        cid, client=kabid, body=m.AssignmentIn(officer="sari"), if_match='"2"'
    )
    assert isinstance(stale, m.Problem), stale
    assert (stale.status, stale.type_, stale.current_version) == (409, "/problems/stale_version", 6)
    # … and invalid input, with what is wrong with each field.
    invalid = op("cases.list_cases").sync(client=kabid, per_page=1000)
    assert isinstance(invalid, m.Problem), invalid
    assert [(e.field, type(e)) for e in invalid.errors] == [("query.per_page", m.FieldError)]
    assert invalid.errors[0].message
