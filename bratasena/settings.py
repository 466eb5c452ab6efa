"""The service's configuration: one settings class read from BRATASENA_* environment variables."""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bratasena.domain.errors import DomainError
from bratasena.domain.letters import DEFAULT_NUMBER_FORMAT, LetterKind, format_number

DEFAULT_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Everything that differs between a laptop demo, the tests and the office's server."""

    model_config = SettingsConfigDict(env_prefix="BRATASENA_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    database_schema: str = "public"
    cipher_key: SecretStr | None = None
    regency: str = "3316"

    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    token_ttl_seconds: int = 8 * 3600
    max_body_bytes: int = 64 * 1024
    max_upload_bytes: int = 200 * 1024 * 1024
    public_rate_limit_per_minute: int = 20
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

    projection_batch_size: int = Field(default=500, ge=1)
    poll_interval_seconds: float = 0.2

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

    def lookup_secret(self) -> bytes:
        """The key that hides KK and NIK numbers inside lookup ids."""
        if self.cipher_key is not None:
            return base64.b64decode(self.cipher_key.get_secret_value())
        return b"bratasena-lookup"


@cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
