"""How view rows hold personal data: NIK/KK only masked plus a keyed hash, names sealed by key."""

from __future__ import annotations

import base64
import hashlib
import hmac

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from bratasena.domain.identity import mask_number
from bratasena.domain.names import name_tokens
from bratasena.settings import Settings

_SEALED = "aes:"


class Privacy:
    """Masks, lookup hashes and sealing of names for the view tables.

    The hash is HMAC-SHA256 keyed with the service's lookup secret, so a leaked view table does
    not let anyone recover a NIK by hashing every possible number. Names are encrypted with the
    same AES-GCM key as the events when one is configured, and kept plain otherwise.
    """

    def __init__(self, settings: Settings) -> None:
        self._keyed = hmac.new(settings.lookup_secret(), digestmod=hashlib.sha256)
        self._cipher: AESCipher | None = None
        if settings.cipher_key is not None:
            key = settings.cipher_key.get_secret_value()
            self._cipher = AESCipher(Environment(env={AESCipher.CIPHER_KEY: key}))
        # Name words repeat across a registry: each is hashed once (a rebuild hashes them all).
        self._word_hashes: dict[str, str] = {}

    def lookup_hash(self, kind: str, number: str) -> str:
        """The keyed hash under which a KK or NIK is found (``kind`` is "kk" or "nik")."""
        # A copy of an HMAC already keyed skips preparing the key each time: a rebuild hashes
        # two numbers per household.
        digest = self._keyed.copy()
        digest.update(f"{kind}:{number}".encode())
        return digest.hexdigest()

    def name_hashes(self, name: str) -> list[str]:
        """The keyed hashes under which a name's words are indexed (see `domain.names`).

        Households (the head's name) and cases (the name a complaint gives) share these hashes,
        so one search finds both. Truncated to 64 bits: plenty to tell a regency's name words
        apart, and a shorter digest gives away less of a leaked table.
        """
        hashes = []
        for token in name_tokens(name):
            found = self._word_hashes.get(token)
            if found is None:
                if len(self._word_hashes) > 200_000:  # bounded in a process that runs for months
                    self._word_hashes.clear()
                found = self._word_hashes[token] = self.lookup_hash("name", token)[:16]
            hashes.append(found)
        return hashes

    @staticmethod
    def mask(number: str) -> str:
        """A NIK or KK as it may be shown: ``3316********0001``."""
        # Stored numbers are already canonical digits: mask them directly, which is much
        # cheaper than the general cleaner when a rebuild masks a million of them.
        if len(number) == 16 and number.isascii() and number.isdigit():
            return number[:4] + "********" + number[-4:]
        return mask_number(number) if number else ""

    def seal(self, text: str) -> str:
        """A name as stored: encrypted when a key is configured."""
        if self._cipher is None:
            return text
        return _SEALED + base64.b64encode(self._cipher.encrypt(text.encode())).decode()

    def unseal(self, stored: str) -> str:
        """The name behind a stored value."""
        if not stored.startswith(_SEALED):
            return stored
        if self._cipher is None:
            raise ValueError("a sealed name needs BRATASENA_CIPHER_KEY to be read")
        return self._cipher.decrypt(base64.b64decode(stored[len(_SEALED) :])).decode()
