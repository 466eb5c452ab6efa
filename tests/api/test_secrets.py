"""Secrets that anyone could guess are refused outside development; the data directory is private;
the lookup key is never a constant."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.settings import Settings
from tests.api.test_processes import ROOT, cli_env
from tests.builders import register, registry_row

STRONG = base64.b64encode(os.urandom(32)).decode()


def production(make_settings: Callable[..., Settings], **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "production",
        "secret_key": SecretStr(STRONG),
        "cipher_key": SecretStr(base64.b64encode(os.urandom(32)).decode()),
    }
    values.update(overrides)
    return make_settings(**values)


@pytest.mark.parametrize(
    "secret",
    ["", "x", "development-only-secret-change-me", "x" * 64, "0123456789abcdef" * 4,
     "correct horse battery staple", base64.b64encode(os.urandom(16)).decode()],
)  # fmt: skip
def test_production_refuses_a_secret_under_32_random_bytes_and_says_why(
    make_settings: Callable[..., Settings], secret: str
) -> None:
    with pytest.raises(RuntimeError, match="BRATASENA_SECRET_KEY") as refused:
        create_app(production(make_settings, secret_key=SecretStr(secret)))
    assert "32 random bytes" in str(refused.value)
    assert "sign" in str(refused.value)


@pytest.mark.parametrize(
    "secret",
    [base64.b64encode(os.urandom(32)).decode(), os.urandom(32).hex(),
     base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=")],
)  # fmt: skip
def test_production_starts_with_32_random_bytes_as_base64_or_hex(
    make_settings: Callable[..., Settings], secret: str
) -> None:
    with TestClient(create_app(production(make_settings, secret_key=SecretStr(secret)))) as client:
        assert client.get("/healthz").status_code == 200


def test_production_refuses_to_run_without_a_cipher_key_or_with_a_weak_one(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(RuntimeError, match="BRATASENA_CIPHER_KEY is required"):
        create_app(production(make_settings, cipher_key=None))
    short = SecretStr(base64.b64encode(os.urandom(16)).decode())
    with pytest.raises(RuntimeError, match="32 random bytes"):
        create_app(production(make_settings, cipher_key=short))
    patterned = SecretStr(base64.b64encode(b"k" * 32).decode())
    with pytest.raises(RuntimeError, match="32 random bytes"):
        create_app(production(make_settings, cipher_key=patterned))


def test_an_empty_secret_is_refused_even_in_development(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(RuntimeError, match="empty"):
        create_app(make_settings(environment="development", secret_key=SecretStr("")))


def _cookie(key: bytes, username: str) -> str:
    payload = json.dumps({"u": username, "c": "x", "t": int(time.time())}).encode()
    mac = hmac.new(key, b"web-session:" + payload, hashlib.sha256).digest()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _jwt(key: bytes, claims: dict[str, object]) -> str:
    # Signed by hand: the library rightly refuses to sign with a key this short.
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(claims).encode())
    mac = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(mac)}"


def test_a_cookie_or_token_signed_with_a_guessable_key_opens_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    settings = production(make_settings)
    api = create_app(settings)
    with TestClient(api) as client:
        api.state.service.app.open_account(
            username="admin", role="admin", districts=[], password_hash="-", actor="setup"
        )
        for key in (b"", b"x"):
            client.cookies.set("bratasena_sesi", _cookie(key, "admin"))
            page = client.get("/sinkron", follow_redirects=False)
            assert page.status_code == 303  # to the login page: nobody is logged in
            token = _jwt(key, {"sub": "admin", "exp": int(time.time()) + 60})
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 401


def test_development_generates_a_private_random_lookup_key_never_a_constant(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    key = settings.lookup_secret()
    path = settings.lookup_key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 32
    assert key != b"bratasena-lookup"
    assert settings.lookup_secret() == key  # the same key on every later run
    other = make_settings(data_dir=settings.data_dir.parent / "other")
    assert other.lookup_secret() != key


def test_a_store_whose_lookup_key_is_gone_refuses_to_start_rather_than_lose_its_lookups(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    app = Bratasena(settings)
    register(app, registry_row())
    app.close()
    settings.lookup_key_path().unlink()
    with pytest.raises(RuntimeError, match="lookup"):
        Bratasena(settings)


def test_the_lookup_hash_in_the_views_is_keyed_by_a_key_outside_them(
    make_settings: Callable[..., Settings],
) -> None:
    """The probe recovered a NIK from views.sqlite3 alone by trying every number a mask allows."""
    settings = make_settings()
    app = Bratasena(settings)
    row = registry_row()
    register(app, row)
    app.close()
    constant = hmac.new(b"bratasena-lookup", f"nik:{row['head_nik']}".encode(), "sha256")
    with TestClient(create_app(settings)) as client:
        client.get("/healthz")
        client.app.state.service.projections.run_once()  # type: ignore[attr-defined]
    stored = b"".join(p.read_bytes() for p in settings.data_dir.glob("views.sqlite3*"))
    assert constant.hexdigest().encode() not in stored
    assert constant.digest() not in stored


def test_init_makes_the_data_directory_and_its_files_private(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(data_dir=tmp_path / "fresh")
    done = subprocess.run(
        [sys.executable, "-m", "bratasena.cli", "init"], env=cli_env(settings), cwd=ROOT,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "lookup.key" in done.stdout
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    files = [p for p in settings.data_dir.iterdir() if p.is_file()]
    assert any(p.name == "lookup.key" for p in files)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
