"""The blob store: evidence bytes kept by their SHA-256, outside the event log, sealed at rest.

One interface, two homes. On the embedded default each blob is a file under the data directory
(``DATA_DIR/blobs/ab/abcdef…``, created mode 0600 in folders of mode 0700), written to a temporary
name and renamed, so a crash leaves either the whole blob or none. On PostgreSQL the blobs are rows
of a table in the configured schema (``blobs_files``), so one backup of the schema holds the
events and the files they name.

With ``BRATASENA_CIPHER_KEY`` set every blob is encrypted (AES-GCM, the key the event store
uses) before it is written: a copy of the disk or the database shows neither the photo nor its
EXIF. A blob's address is the SHA-256 of its plain bytes, the hash `EvidenceAttached` records;
every read checks the bytes against it, so a swapped or damaged blob is refused, never served.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Protocol

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from bratasena.domain.errors import NotFoundError
from bratasena.persistence import Database
from bratasena.settings import Settings

_ADDRESS = re.compile(r"^[0-9a-f]{64}$")


class BlobIntegrityError(RuntimeError):
    """A stored blob's bytes no longer hash to its address: it was swapped or damaged."""


class BlobStore(Protocol):
    """Bytes by their SHA-256."""

    def put(self, data: bytes) -> str:
        """Store the bytes (once: the same bytes again store nothing); their hex SHA-256."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under a hash; `NotFoundError` if none, `BlobIntegrityError` if the
        stored bytes do not hash to it."""
        ...

    def has(self, sha256: str) -> bool:
        """Whether bytes are stored under this hash."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class _Seal:
    """AES-GCM with the deployment's cipher key, or nothing without one."""

    def __init__(self, settings: Settings) -> None:
        key = settings.cipher_key
        self._cipher = (
            AESCipher(Environment(env={AESCipher.CIPHER_KEY: key.get_secret_value()}))
            if key is not None
            else None
        )

    def close(self, data: bytes) -> bytes:
        return self._cipher.encrypt(data) if self._cipher else data

    def open(self, data: bytes) -> bytes:
        return self._cipher.decrypt(data) if self._cipher else data


def _address(sha256: str) -> str:
    if not _ADDRESS.match(sha256):
        raise NotFoundError(f"no stored file {sha256[:80]!r}")
    return sha256


def _checked(sha256: str, data: bytes) -> bytes:
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BlobIntegrityError(f"the stored file {sha256[:12]}… does not match its hash")
    return data


class FileBlobs:
    """Blobs as files under the data directory (the embedded default)."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.private_data_dir() / "blobs"
        self.root.mkdir(mode=0o700, exist_ok=True)
        self._seal = _Seal(settings)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(mode=0o700, exist_ok=True)
        temporary = path.with_name(f".{sha256}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(self._seal.close(data))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        path = self._path(_address(sha256))
        try:
            stored = path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no stored file {sha256[:12]}…") from None
        return _checked(sha256, self._seal.open(stored))

    def has(self, sha256: str) -> bool:
        return bool(_ADDRESS.match(sha256)) and self._path(sha256).exists()

    def close(self) -> None:
        return None


class TableBlobs:
    """Blobs as rows of ``blobs_files`` in the configured PostgreSQL schema."""

    def __init__(self, settings: Settings) -> None:
        self.db = Database(settings, "blobs")
        self._seal = _Seal(settings)
        with self.db.setup() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS blobs_files (sha256 TEXT PRIMARY KEY, "
                "data BYTEA NOT NULL, stored_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        # One round trip: bytes already stored are left as they are (ON CONFLICT).
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO blobs_files (sha256, data) VALUES (%s, %s) "
                "ON CONFLICT (sha256) DO NOTHING",
                (sha256, self._seal.close(data)),
            )
        return sha256

    def get(self, sha256: str) -> bytes:
        rows = self.db.query("SELECT data FROM blobs_files WHERE sha256 = %s", (_address(sha256),))
        if not rows:
            raise NotFoundError(f"no stored file {sha256[:12]}…")
        return _checked(sha256, self._seal.open(bytes(rows[0][0])))

    def has(self, sha256: str) -> bool:
        if not _ADDRESS.match(sha256):
            return False
        return bool(self.db.query("SELECT 1 FROM blobs_files WHERE sha256 = %s", (sha256,)))

    def close(self) -> None:
        self.db.close()


def blob_store(settings: Settings) -> BlobStore:
    """The deployment's blob store: a table beside the events on PostgreSQL, files otherwise."""
    return TableBlobs(settings) if settings.uses_postgres else FileBlobs(settings)
