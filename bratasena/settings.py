"""The service's configuration: one settings class read from BRATASENA_* environment variables."""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bratasena.domain.errors import DomainError
from bratasena.domain.letters import DEFAULT_NUMBER_FORMAT, LetterKind, format_number

DEFAULT_SECRET = "development-only-secret-change-me"

DEVELOPMENT = ("development", "test")
"""Environments where weak secrets and a key file in the data directory are allowed."""

LOOKUP_KEY_FILE = "lookup.key"
"""The development lookup key in the data directory (`bratasena init` writes it, mode 0600)."""

MIN_SECRET_BYTES = 32

SECRET_ADVICE = (
    "write at least 32 random bytes as base64 or hex, e.g. the output of `bratasena keygen`"
)


def secret_bytes(text: str) -> bytes | None:
    """The bytes a secret spells as hex or base64 (either alphabet, padding optional)."""
    clean = text.strip()
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", clean):
        return bytes.fromhex(clean)
    urlsafe = "-" in clean or "_" in clean
    try:
        return base64.b64decode(
            clean + "=" * (-len(clean) % 4), altchars=b"-_" if urlsafe else None, validate=True
        )
    except (binascii.Error, ValueError):
        return None


def looks_random(raw: bytes | None, size: int = MIN_SECRET_BYTES) -> bool:
    """Whether decoded key material has ``size`` bytes that could be random.

    32 random bytes have about 30 distinct values; fewer than 16 means a pattern (``xxxx…``,
    ``0123…`` repeated) that spells 32 bytes without their entropy.
    """
    return raw is not None and len(raw) >= size and len(set(raw)) >= 16


class Settings(BaseSettings):
    """Everything that differs between a laptop demo, the tests and the office's server."""

    model_config = SettingsConfigDict(env_prefix="BRATASENA_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    database_schema: str = "public"
    # Connections per process: the event store's pool (size + overflow), and each own store's
    # (views, sync, limits); see the README's connection budget.
    event_pool_size: int = Field(default=5, ge=1)
    event_pool_overflow: int = Field(default=10, ge=0)
    store_pool_size: int = Field(default=8, ge=1)
    pool_timeout_seconds: int = Field(default=10, ge=1)
    transaction_pooler: bool = False
    read_database_url: str | None = None
    replica_wait_seconds: float = Field(default=1.0, ge=0)
    cipher_key: SecretStr | None = None
    # How events are written to and read from the store: "orjson" (bratasena/transcoder.py) or
    # "json", the library's own transcoder. Both write and read the same stored format.
    event_transcoder: Literal["orjson", "json"] = "orjson"
    regency: str = "3316"

    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    token_ttl_seconds: int = 8 * 3600
    max_body_bytes: int = 64 * 1024
    max_upload_bytes: int = 200 * 1024 * 1024
    public_rate_limit_per_minute: int = 20
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    evidence_per_case: int = Field(default=30, ge=1)
    evidence_per_filing: int = Field(default=3, ge=0)
    read_your_writes_timeout: float = 5.0
    readiness_max_lag: int = 1000

    sync_dtjateng_url: str | None = None
    sync_dtjateng_token: SecretStr | None = None
    sync_dtsen_url: str | None = None
    sync_dtsen_token: SecretStr | None = None
    sync_timeout_seconds: float = 10.0
    sync_max_attempts: int = 0
    sync_backoff_base_seconds: float = 1.0
    sync_backoff_max_seconds: float = 300.0
    # Sends in flight at once across the targets. With targets answering in 50 ms, 8 drained about
    # 50 deactivations a second (docs/benchmarks.md, issue 6): a backlog of 10,000 took minutes.
    # 64 drains 10,000 within a minute on PostgreSQL (58.8 s against 72.2 s at 32; issue 18 in
    # docs/benchmarks.md); the sending threads hold no database connection, only one keep-alive
    # connection per target each.
    sync_in_flight: int = Field(default=64, ge=1, le=256)

    projection_batch_size: int = Field(default=500, ge=1)
    # A deactivation still in an extract this many months after its effective month is "not
    # applied" (the national data lags about a month).
    reconcile_after_months: int = Field(default=1, ge=0, le=12)
    # The day of the month the proposal list (usulan penonaktifan) is gathered; 1–28 so that
    # every month has it (a value outside is refused at start-up).
    proposal_cutoff_day: int = Field(default=17, ge=1, le=28)
    poll_interval_seconds: float = 0.2

    redis_url: str | None = None
    redis_prefix: str = "bratasena"
    trusted_proxies: str = ""
    metrics_allow: str = "127.0.0.1,::1"
    api_docs: bool | None = None
    # The letterhead (kop surat) and signatory of the office's letters; see the README. Unset
    # ones print as placeholders, which production refuses.
    letter_number_format: str = DEFAULT_NUMBER_FORMAT
    letter_government: str | None = None
    letter_office: str = "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak"
    letter_address: str | None = None
    letter_contact: str = ""
    letter_city: str | None = None
    letter_office_hours: str = "Senin–Jumat, pukul 08.00–15.00 WIB"
    letter_head_title: str | None = None
    letter_head_name: str | None = None
    letter_head_nip: str | None = None

    @field_validator("regency")
    @classmethod
    def _regency_digits(cls, value: str) -> str:
        code = value.replace(".", "").strip()
        if len(code) != 4 or not code.isdigit():
            raise ValueError("BRATASENA_REGENCY must be a regency code such as 33.16")
        return code

    @field_validator("letter_number_format")
    @classmethod
    def _number_format_works(cls, value: str) -> str:
        try:
            format_number(value, seq=1, year=2026, month=3, kind=LetterKind.DECISION)
        except DomainError as error:
            raise ValueError(f"BRATASENA_LETTER_NUMBER_FORMAT: {error.message}") from None
        return value

    @field_validator("cipher_key")
    @classmethod
    def _cipher_key_is_aes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        try:
            raw = base64.b64decode(value.get_secret_value(), validate=True)
        except ValueError as error:
            raise ValueError(
                "BRATASENA_CIPHER_KEY must be base64 (bratasena keygen makes one)"
            ) from error
        if len(raw) not in (16, 24, 32):
            raise ValueError("BRATASENA_CIPHER_KEY must decode to 16, 24 or 32 bytes")
        return value

    @property
    def is_development(self) -> bool:
        """Development or tests: weak secrets and a generated local lookup key are allowed."""
        return self.environment in DEVELOPMENT

    @property
    def shows_api_docs(self) -> bool:
        """Whether /docs and /openapi.json answer: as set, else everywhere but production."""
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    def check_deployable(self) -> None:
        """Refuse to run with secrets anyone could guess or forge (outside development: any).

        Raises `RuntimeError` saying which setting is wrong and why it matters.
        """
        secret = self.secret_key.get_secret_value()
        if not secret:
            raise RuntimeError(
                "BRATASENA_SECRET_KEY is empty: anyone could sign a session cookie or a token "
                f"with the empty key and log in as any account; {SECRET_ADVICE}"
            )
        if self.is_development:
            return
        if secret == DEFAULT_SECRET or not looks_random(secret_bytes(secret)):
            raise RuntimeError(
                "BRATASENA_SECRET_KEY is too weak to run with BRATASENA_ENVIRONMENT="
                f"{self.environment}: it signs every staff token and session cookie, and one "
                f"that can be guessed lets anyone sign their own and log in as an administrator; "
                f"{SECRET_ADVICE}"
            )
        if self.cipher_key is None:
            raise RuntimeError(
                "BRATASENA_CIPHER_KEY is required with BRATASENA_ENVIRONMENT="
                f"{self.environment}: it encrypts personal data at rest and keys the NIK and KK "
                "lookup hashes; without it a copy of the database gives up every NIK by trying "
                f"the few hundred thousand numbers a mask allows; {SECRET_ADVICE}"
            )
        if not looks_random(base64.b64decode(self.cipher_key.get_secret_value())):
            raise RuntimeError(
                "BRATASENA_CIPHER_KEY must be 32 random bytes (AES-256) with "
                f"BRATASENA_ENVIRONMENT={self.environment}: a shorter or patterned key is "
                f"easier to guess than the data it protects is worth; {SECRET_ADVICE}"
            )

    def trusted_proxy_list(self) -> list[str]:
        """Addresses whose X-Forwarded-For is believed (none by default)."""
        return [a.strip() for a in self.trusted_proxies.split(",") if a.strip()]

    def metrics_allow_list(self) -> list[str]:
        """Addresses (or networks) that may read /metrics in production."""
        return [a.strip() for a in self.metrics_allow.split(",") if a.strip()]

    def private_data_dir(self) -> Path:
        """The data directory, created readable by this user only (mode 0700)."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(PermissionError):  # a directory someone else owns stays as is
            self.data_dir.chmod(0o700)
        return self.data_dir

    def private_file(self, name: str) -> Path:
        """A file in the data directory, created (or made) readable by this user only (0600).

        SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file, so creating
        that file private first keeps them private too; older ones are narrowed here.
        """
        path = self.private_data_dir() / name
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for sibling in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            with contextlib.suppress(FileNotFoundError, PermissionError):
                sibling.chmod(0o600)
        return path

    @property
    def uses_postgres(self) -> bool:
        """True when a PostgreSQL URL is configured; otherwise embedded SQLite files are used."""
        return bool(self.database_url)

    def sqlite_path(self, name: str) -> Path:
        """The SQLite file of one store (SQLite does not prefix tables: each store has its own)."""
        return self.data_dir / f"{name}.sqlite3"

    def postgres_params(self) -> dict[str, str]:
        """The connection parameters of ``database_url`` as the eventsourcing library names them."""
        assert self.database_url
        url = urlparse(self.database_url)
        if url.scheme not in ("postgresql", "postgres"):
            raise ValueError("BRATASENA_DATABASE_URL must start with postgresql://")
        query = parse_qs(url.query)
        return {
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", [self.database_schema])[0],
        }

    def lookup_key_path(self) -> Path:
        """Where development keeps its generated lookup key."""
        return self.data_dir / LOOKUP_KEY_FILE

    def lookup_secret(self) -> bytes:
        """The key that hides KK and NIK numbers inside lookup ids and view hashes.

        The cipher key when set; outside development it must be. In development a random key
        generated once into the data directory (`lookup_key_path`, mode 0600): never a constant,
        which would let a copy of the views give up a NIK by trying every number its mask allows.
        """
        if self.cipher_key is not None:
            return base64.b64decode(self.cipher_key.get_secret_value())
        if not self.is_development:
            raise RuntimeError(
                "BRATASENA_CIPHER_KEY is required outside development: it keys the NIK and KK "
                "lookup hashes (`bratasena keygen` makes one)"
            )
        return _local_key(self, self.lookup_key_path())


def _local_key(settings: Settings, path: Path) -> bytes:
    """The key in ``path``, generated first if missing (atomically: two processes or threads
    agree)."""
    if not path.exists():
        settings.private_data_dir()
        draft = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        handle = os.open(draft, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.write(handle, base64.b64encode(os.urandom(32)) + b"\n")
        finally:
            os.close(handle)
        with contextlib.suppress(FileExistsError):  # another process wrote it first: use theirs
            os.link(draft, path)
        draft.unlink()
    raw = secret_bytes(path.read_text())
    if not looks_random(raw):
        raise RuntimeError(f"{path} does not hold 32 random bytes in base64; delete it")
    assert raw is not None
    return raw


@cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
