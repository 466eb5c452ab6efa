"""Logging in, tokens that expire or die with their account, slowed guessing, and the secret."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bratasena.access import issue_token, read_token
from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.limits import LoginThrottle
from bratasena.settings import Settings
from tests.api.conftest import PASSWORD, Headers


def login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    return response.status_code, response.json()


def test_a_staff_member_logs_in_and_the_token_names_their_account(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    status, token = login(client, "Budi", PASSWORD)
    assert status == 200
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 8 * 3600
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["username"] == "budi"
    assert me.json()["role"] == "officer"
    assert me.json()["districts"] == ["331601"]


def test_a_wrong_password_or_unknown_user_gets_the_same_401_problem(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    wrong = login(client, "budi", "not-the-password")
    unknown = login(client, "nobody", PASSWORD)
    assert wrong[0] == unknown[0] == 401
    assert wrong[1]["detail"] == unknown[1]["detail"]
    assert wrong[1]["type"] == "/problems/login_failed"


def test_repeated_failed_logins_are_locked_out_with_retry_after(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    for _ in range(5):
        assert login(client, "budi", "guess")[0] == 401
    assert login(client, "budi", "guess")[0] == 401  # the sixth failure starts the lockout
    locked = client.post("/api/v1/auth/token", data={"username": "budi", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1
    assert login(client, "sari", PASSWORD)[0] == 200  # other accounts are not affected


@pytest.mark.parametrize("typed", ["\x00", "budi\x00", "b\u00fc\u0000di\t"])
def test_a_username_no_account_can_have_is_a_failed_login_and_is_throttled_too(
    client: TestClient, staff: dict[str, Headers], typed: str
) -> None:
    # A NUL byte went into the login throttle's key and PostgreSQL's text refused it: a 500
    # (found by the schemathesis run). It is a wrong username like any other.
    for _ in range(6):
        status, problem = login(client, typed, PASSWORD)
        assert status == 401, problem
        assert problem["type"] == "/problems/login_failed"
    locked = client.post("/api/v1/auth/token", data={"username": typed, "password": PASSWORD})
    assert locked.status_code == 429
    assert login(client, "budi", PASSWORD)[0] == 200


def test_the_lockout_grows_exponentially_and_a_good_login_clears_it() -> None:
    now = [1000.0]
    throttle = LoginThrottle(free=2, base=1.0, cap=60.0, clock=lambda: now[0])
    waits = []
    for _ in range(6):
        throttle.failed("budi", "10.0.0.1")
        waits.append(throttle.retry_after("budi", "10.0.0.1"))
    assert waits == [0, 0, 1, 2, 4, 8]
    assert throttle.retry_after("budi", "10.0.0.2") == 0
    now[0] += 8
    assert throttle.retry_after("budi", "10.0.0.1") == 0
    throttle.succeeded("budi", "10.0.0.1")
    throttle.failed("budi", "10.0.0.1")
    assert throttle.retry_after("budi", "10.0.0.1") == 0


def test_a_disabled_accounts_token_stops_working_at_once(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    assert client.get("/api/v1/me", headers=staff["budi"]).status_code == 200
    disabled = client.post(
        "/api/v1/accounts/budi/disable", json={"reason": "pindah tugas"}, headers=staff["admin"]
    )
    assert disabled.json()["enabled"] is False
    refused = client.get("/api/v1/me", headers=staff["budi"])
    assert refused.status_code == 401
    assert "disabled" in refused.json()["detail"]
    assert login(client, "budi", PASSWORD)[0] == 401


def test_a_role_change_applies_to_the_next_request(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    assert (
        client.get("/api/v1/reports/removals?year=2026", headers=staff["sari"]).status_code == 403
    )
    changed = client.put(
        "/api/v1/accounts/sari/role",
        json={"role": "supervisor", "districts": []},
        headers={**staff["admin"], "If-Match": '"1"'},
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    # A role change ends the account's tokens (issue 13); the next login carries the new role.
    assert client.get("/api/v1/me", headers=staff["sari"]).status_code == 401
    _, token = login(client, "sari", PASSWORD)
    fresh = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/reports/removals?year=2026", headers=fresh).status_code == 200


def test_an_expired_or_forged_token_is_refused(
    client: TestClient, staff: dict[str, Headers], api_settings: Settings
) -> None:
    expired = issue_token(api_settings, "budi", now=time.time() - 9 * 3600)
    forged = issue_token(
        api_settings.model_copy(update={"secret_key": SecretStr("x" * 40)}), "budi"
    )
    for token in (expired, forged):
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


def test_a_token_read_before_still_expires_on_time_and_stays_in_its_regency(
    api_settings: Settings,
) -> None:
    # Its signature is checked once; its expiry and regency on every read.
    ttl = api_settings.token_ttl_seconds
    token = issue_token(api_settings, "budi", now=time.time() - ttl + 1.5)
    assert read_token(api_settings, token) == ("budi", 0)
    assert read_token(api_settings.model_copy(update={"regency": "33.25"}), token) is None
    assert read_token(api_settings, token) == ("budi", 0)
    time.sleep(2)
    assert read_token(api_settings, token) is None


def test_an_admin_opens_an_account_that_can_then_log_in(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    body = {"username": "Wati", "password": "sandi-baru-panjang", "role": "officer",
            "districts": ["33.16.03"]}  # fmt: skip
    opened = client.post("/api/v1/accounts", json=body, headers=staff["admin"])
    assert opened.status_code == 201, opened.text
    assert opened.json()["districts"] == ["331603"]
    assert "password" not in opened.text
    again = client.post("/api/v1/accounts", json=body, headers=staff["admin"])
    assert again.status_code == 409
    assert login(client, "wati", "sandi-baru-panjang")[0] == 200


def test_the_service_refuses_to_start_in_production_with_the_default_secret(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(RuntimeError, match="BRATASENA_SECRET_KEY"):
        create_app(make_settings(environment="production"))


@pytest.mark.parametrize("variant", [" budi", "budi ", "\tbudi", "\xa0budi", "budi\n", "ＢＵＤＩ"])
def test_a_variant_of_a_locked_username_is_locked_too(
    client: TestClient, staff: dict[str, Headers], variant: str
) -> None:
    for _ in range(6):
        assert login(client, "budi", "guess")[0] == 401
    assert login(client, "budi", PASSWORD)[0] == 429
    # Space, case and look-alike forms name the same account, so they share its lockout.
    assert login(client, variant, "guess")[0] == 429
    assert login(client, variant, PASSWORD)[0] == 429


def test_a_variant_of_a_locked_username_is_locked_on_the_login_page_too(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    page = client.get("/masuk").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]

    def web_login(username: str, password: str) -> int:
        data = {"csrf_token": token, "username": username, "password": password}
        return client.post("/masuk", data=data, follow_redirects=False).status_code

    for _ in range(6):
        assert web_login("budi", "guess") == 401
    assert web_login("\xa0Budi ", PASSWORD) == 429
    assert login(client, "budi\t", PASSWORD)[0] == 429  # the API and the pages share it


@pytest.mark.parametrize("name", ["аdmin", "bud i", "budi!", "bü", "admín"])
def test_usernames_are_plain_ascii_letters_digits_dots_dashes_underscores(
    client: TestClient, staff: dict[str, Headers], name: str
) -> None:
    body = {"username": name, "password": "sandi-baru-panjang", "role": "auditor"}
    refused = client.post("/api/v1/accounts", json=body, headers=staff["admin"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "username"
