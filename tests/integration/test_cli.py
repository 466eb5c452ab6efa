"""The `bratasena` command on both backends: init, history, keygen, and clear errors."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bratasena import deployment
from bratasena.application import Bratasena
from bratasena.settings import Settings
from tests.builders import Clock, case_at, deactivate_many, open_staff, register


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRATASENA_")}
    env["BRATASENA_DATA_DIR"] = str(settings.data_dir)
    env["BRATASENA_ENVIRONMENT"] = "test"
    env["BRATASENA_REGENCY"] = settings.regency
    if settings.database_url:
        env["BRATASENA_DATABASE_URL"] = settings.database_url
        env["BRATASENA_DATABASE_SCHEMA"] = settings.database_schema
    return subprocess.run(
        [sys.executable, "-m", "bratasena.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )


def test_help_lists_the_commands(settings: Settings) -> None:
    out = run_cli(settings, "--help")
    assert out.returncode == 0
    for command in ("init", "history", "keygen"):
        assert command in out.stdout


def test_init_creates_the_store(settings: Settings) -> None:
    out = run_cli(settings, "init")
    assert out.returncode == 0, out.stderr
    assert "Event store ready for regency 33.16" in out.stdout


def test_init_refuses_a_store_that_holds_another_regencys(
    settings: Settings, make_settings: Callable[..., Settings]
) -> None:
    assert run_cli(settings, "init").returncode == 0
    assert run_cli(settings, "init").returncode == 0  # its own store, again: fine
    batang = make_settings(regency="33.25")  # the same schema (or data directory)
    refused = run_cli(batang, "init")
    assert refused.returncode == 2
    assert "holds the store of regency 33.16, not of BRATASENA_REGENCY=33.25" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert deployment.owner(settings) == "3316"  # unchanged
    serve = run_cli(batang, "api", "--port", "9")
    assert serve.returncode == 2
    assert "holds the store of regency 33.16" in serve.stderr


def test_history_prints_a_case_as_a_timeline(
    app: Bratasena, settings: Settings, clock: Clock
) -> None:
    register(app)
    open_staff(app)
    cid = case_at(app, clock, "upheld")
    tracking_code = app.get_complaint(cid).tracking_code
    for handle in (str(cid), tracking_code):
        out = run_cli(settings, "history", handle)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0].startswith("v1 ")
        assert "Complaint.Filed" in lines[0]
        assert any("Complaint.Upheld" in line and "by kabid" in line for line in lines)
    household = run_cli(settings, "history", "DTKS-000001")
    assert "Household.Deactivated" in household.stdout


def test_history_of_an_unknown_id_says_so(settings: Settings) -> None:
    out = run_cli(settings, "history", "DTKS-999999")
    assert out.returncode == 2
    assert "nothing is recorded" in out.stderr


def test_keygen_prints_an_aes_key(settings: Settings) -> None:
    out = run_cli(settings, "keygen")
    assert len(base64.b64decode(out.stdout.strip())) == 32


def test_prepare_proposals_gathers_the_list_once_and_writes_its_bnba(
    app: Bratasena, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    deactivate_many(app, clock, 2)  # on 10 March 2026, before that month's cut-off
    out = run_cli(
        settings, "prepare-proposals", "--month", "2026-03", "--xlsx", str(tmp_path / "b.xlsx")
    )
    assert out.returncode == 0, out.stderr
    assert "list 03/USUL-NONAKTIF/2026: 2 households (cut-off 2026-03-17)" in out.stdout
    assert (tmp_path / "b.xlsx").read_bytes()[:4] == b"PK\x03\x04"
    again = run_cli(settings, "prepare-proposals", "--month", "2026-03")
    assert again.returncode == 0  # a daily run says so and goes on
    assert "already gathered" in again.stdout
