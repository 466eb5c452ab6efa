"""Letters the office signs (surat dinas): their kinds, numbers from a yearly register, delivery.

A letter number follows the office's format of tata naskah dinas, e.g. ``400.9/123/2026``: a
classification code, the sequence in the year's register of outgoing letters (buku agenda surat
keluar), the year. The register is an aggregate per year, saved in the same transaction as the
letter: two letters numbered at the same moment conflict on its version and one is retried, and a
transaction that fails takes no number, so numbers never repeat and never skip.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.calendar import jakarta_date
from bratasena.domain.errors import InvalidInputError


class LetterKind(StrEnum):
    """The letters a case produces."""

    NOTICE = "notice"
    """Surat Pemberitahuan dan Undangan Klarifikasi: the household hears of the complaint."""
    FIELD_REPORT = "field_report"
    """Berita Acara Verifikasi Lapangan: the record of the field check."""
    DECISION = "decision"
    """Surat Pemberitahuan Keputusan: the decision, its reasons and how to object."""
    APPEAL_DECISION = "appeal_decision"
    """Keputusan atas Keberatan: the decision on the household's objection."""


LETTER_KINDS: tuple[LetterKind, ...] = tuple(LetterKind)

KIND_CODES: dict[LetterKind, str] = {
    LetterKind.NOTICE: "PBT",
    LetterKind.FIELD_REPORT: "BA",
    LetterKind.DECISION: "KEP",
    LetterKind.APPEAL_DECISION: "KBR",
}
"""Short codes a number format may include as ``{kind}``."""


class DeliveryMethod(StrEnum):
    """How a letter reached the household."""

    BY_HAND = "by_hand"
    BY_POST = "by_post"
    VIA_VILLAGE = "via_village"
    """Through the village office (kantor desa/kelurahan)."""


DELIVERY_METHODS: tuple[DeliveryMethod, ...] = tuple(DeliveryMethod)

NUMBER_FIELDS = ("seq", "year", "month", "roman_month", "kind")
"""What a letter number format may contain: ``{seq}`` (the sequence, with a format spec such as
``{seq:03d}`` if wanted), ``{year}``, ``{month}`` (01–12), ``{roman_month}`` (I–XII) and
``{kind}`` (see `KIND_CODES`)."""

DEFAULT_NUMBER_FORMAT = "400.9/{seq}/{year}"

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_NUMBER_CHARACTERS = re.compile(r"^[A-Za-z0-9./-]+$")


def format_number(pattern: str, *, seq: int, year: int, month: int, kind: LetterKind) -> str:
    """A letter number from the office's format; refused unless it is a usable format.

    A usable format names ``{seq}`` and ``{year}`` (the sequence restarts every year, so a
    number without its year would repeat) and gives only letters, digits, ``.``, ``/`` and
    ``-``: a number must stay readable and travel in a URL (see `letter_key`).
    """
    fields = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    unknown = sorted(set(fields) - set(NUMBER_FIELDS))
    if unknown or "seq" not in fields or "year" not in fields:
        raise InvalidInputError(
            f"letter_number_format: {pattern!r} must contain {{seq}} and {{year}} and only "
            f"the fields {', '.join(NUMBER_FIELDS)}",
            field="letter_number_format",
            rule="bad_number_format",
        )
    try:
        number = pattern.format(
            seq=seq,
            year=year,
            month=f"{month:02d}",
            roman_month=_ROMAN[month - 1],
            kind=KIND_CODES[kind],
        )
    except (ValueError, IndexError) as error:
        raise InvalidInputError(
            f"letter_number_format: {pattern!r} cannot be filled in: {error}",
            field="letter_number_format",
            rule="bad_number_format",
        ) from None
    if not _NUMBER_CHARACTERS.match(number):
        raise InvalidInputError(
            f"letter_number_format: {pattern!r} gives {number!r}; use only letters, digits, "
            "'.', '/' and '-'",
            field="letter_number_format",
            rule="bad_number_format",
        )
    return number


def letter_key(number: str) -> str:
    """A letter number as it travels in a URL path: each ``/`` written ``_`` (never in numbers).

    ``400.9/123/2026`` is ``400.9_123_2026``; `number_of_key` reverses it exactly.
    """
    return number.replace("/", "_")


def number_of_key(key: str) -> str:
    """The letter number a URL key stands for."""
    return key.replace("_", "/")


@dataclass(frozen=True)
class Letter:
    """A letter of a case as it stands: what was issued and, once it was, its delivery.

    ``content`` is everything the letter shows, worded as printed (letterhead, addressee,
    paragraphs, signatures), so it prints the same bytes again whatever the settings or the
    wording are today; ``sha256`` is the digest of those bytes when it was issued.
    """

    kind: LetterKind
    number: str
    issued_on: date
    sha256: str
    template: str
    content: dict[str, Any]
    delivery_on: date | None = None
    """For a letter that counts a deadline from its delivery: the day it states it is handed
    over (the deadline it prints is counted from it)."""
    delivered_on: date | None = None
    method: DeliveryMethod | None = None

    @property
    def delivered(self) -> bool:
        """Whether the household has received it."""
        return self.delivered_on is not None

    def deliverable_on(self, day: date) -> bool:
        """Whether its delivery may be recorded as happening on ``day``."""
        earliest = max(self.issued_on, self.delivery_on or self.issued_on)
        return not self.delivered and day >= earliest


class LetterRegister(Aggregate):
    """The year's register of outgoing letters (buku agenda surat keluar): one number each."""

    class Opened(Aggregate.Created):
        """The first letter of the year was numbered."""

        year: int

    class NumberTaken(Aggregate.Event):
        """A letter of a case took the next number of the year."""

        sequence: int
        number: str
        kind: str
        complaint_id: UUID
        actor: str

        def apply(self, register: LetterRegister) -> None:
            register.last = self.sequence

    def __init__(self, year: int) -> None:
        self.year = year
        self.last = 0

    @classmethod
    def open(cls, *, id: UUID, year: int, at: datetime) -> LetterRegister:
        """Open the register of a year (with the year's first letter)."""
        return cls._create(cls.Opened, id=id, timestamp=at, year=year)

    def take(
        self, *, pattern: str, kind: LetterKind, complaint_id: UUID, actor: str, at: datetime
    ) -> tuple[int, str]:
        """The next sequence of the year and the number it gives in the office's format."""
        day = jakarta_date(at)
        if day.year != self.year:
            raise InvalidInputError(
                f"the register of {self.year} cannot number a letter of {day.year}",
                rule="wrong_register_year",
            )
        sequence = self.last + 1
        number = format_number(pattern, seq=sequence, year=self.year, month=day.month, kind=kind)
        self.trigger_event(
            self.NumberTaken,
            timestamp=at,
            sequence=sequence,
            number=number,
            kind=str(kind),
            complaint_id=complaint_id,
            actor=actor,
        )
        return sequence, number
