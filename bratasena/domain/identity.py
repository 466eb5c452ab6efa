"""Identity numbers (NIK, KK), their masking, and the tracking codes citizens follow cases by.

A *NIK* (Nomor Induk Kependudukan) is the 16-digit population number of a person; a *KK* (Kartu
Keluarga, family card) number is the 16-digit number of the card that lists a household. Both are
personal data: outside supervisor and auditor views they are shown masked, and nothing here puts a
full number into an error message, a warning or a repr.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from stdnum.id import nik as stdnum_nik

from bratasena.domain.errors import InvalidInputError
from bratasena.domain.regions import province, regency

_WIB = "Asia/Jakarta"
_NUMBER_LENGTH = 16


@dataclass(frozen=True, repr=False)
class Nik:
    """A checked NIK, ``PP RR DD DDMMYY SSSS``, and what its digits say.

    ``province_code``/``regency_code``/``district_code`` (2, 4 and 6 digits) name where the number
    was first issued, not where the person lives now. ``sex`` is "F" when the day of birth was
    written plus 40. The two-digit year is read as 19YY unless that date does not exist (so
    29-02-00 is 2000): the domain rule, and python-stdnum's. A person born since 2000 therefore
    decodes a century early: ``birth_date`` proves the number well-formed; it is not an age.
    """

    value: str
    province_code: str
    regency_code: str
    district_code: str
    birth_date: date
    sex: str
    serial: str
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Nik({mask_number(self.value)})"


@dataclass(frozen=True, repr=False)
class Kk:
    """A checked KK number, ``PP RR DD DDMMYY SSSS``: where and when the card was issued, a serial.

    The number changes whenever the card is reissued, so it names a card, not a household.
    """

    value: str
    province_code: str
    regency_code: str
    district_code: str
    issued_on: date
    serial: str
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Kk({mask_number(self.value)})"


def parse_nik(value: str, *, field: str = "nik", today: date | None = None) -> Nik:
    """Check a NIK and decode it; refuses with a message that says which digits are wrong.

    Spaces, dots and dashes are ignored. The district part is not checked: a NIK keeps the code
    of the place of first issue. A regency code unknown in a known province is only a warning,
    because old NIKs keep the codes of regencies that were later split.
    """
    digits = _sixteen_digits(value, field=field, what="NIK")
    province_code, regency_code, warnings = _issuing_place(digits, field=field, what="NIK")
    day = int(digits[6:8])
    shown = f"{digits[6:8]}-{digits[8:10]}-{digits[10:12]}"
    female = day > 40
    hint = f" (day {day} means day {day - 40} for a woman)" if female else ""
    birth_date = _two_digit_year_date(
        day - 40 if female else day,
        int(digits[8:10]),
        int(digits[10:12]),
        centuries=(1900, 2000),
        today=today,
        problem=f"{field}: the birth date {shown} in positions 7–12",
        hint=hint,
        field=field,
    )
    serial = _serial(digits, field=field, what="NIK")
    return Nik(
        value=digits,
        province_code=province_code,
        regency_code=regency_code,
        district_code=digits[:6],
        birth_date=birth_date,
        sex="F" if female else "M",
        serial=serial,
        warnings=warnings,
    )


_REGISTRY_ID = re.compile(r"[A-Za-z0-9._/-]{1,64}")


def validate_registry_id(value: str, *, field: str = "registry_id") -> str:
    """A DTKS/DTSEN registry id: 1–64 letters, digits, dots, underscores, slashes or dashes.

    Nothing else appears in real ids, and refusing the rest keeps formulas (``=HYPERLINK(…)``)
    and markup out of every list and report that shows them.
    """
    clean = value.strip()
    if not _REGISTRY_ID.fullmatch(clean):
        raise InvalidInputError(
            f"{field}: a registry id is 1–64 letters, digits, dots, dashes, underscores or slashes",
            field=field,
            rule="invalid_registry_id",
        )
    return clean


def validate_nik(value: str, *, field: str = "nik", today: date | None = None) -> str:
    """Return the NIK as its canonical 16 digits, or refuse it like `parse_nik`."""
    return parse_nik(value, field=field, today=today).value


def is_valid_nik(value: str) -> bool:
    """Whether `parse_nik` accepts the value (warnings allowed)."""
    try:
        parse_nik(value)
    except InvalidInputError:
        return False
    return True


def parse_kk(value: str, *, field: str = "kk_number", today: date | None = None) -> Kk:
    """Check a KK number and decode it; the rules of `parse_nik`, with an issue date.

    The issue date is read as 20YY first (cards are recent) and must not lie in the future.
    """
    digits = _sixteen_digits(value, field=field, what="KK number")
    province_code, regency_code, warnings = _issuing_place(digits, field=field, what="KK number")
    issued_on = _two_digit_year_date(
        int(digits[6:8]),
        int(digits[8:10]),
        int(digits[10:12]),
        centuries=(2000, 1900),
        today=today,
        problem=(
            f"{field}: the issue date {digits[6:8]}-{digits[8:10]}-{digits[10:12]} "
            "in positions 7–12"
        ),
        hint="",
        field=field,
    )
    return Kk(
        value=digits,
        province_code=province_code,
        regency_code=regency_code,
        district_code=digits[:6],
        issued_on=issued_on,
        serial=_serial(digits, field=field, what="KK number"),
        warnings=warnings,
    )


def validate_kk(value: str, *, field: str = "kk_number", today: date | None = None) -> str:
    """Return the KK number as its canonical 16 digits, or refuse it like `parse_kk`."""
    return parse_kk(value, field=field, today=today).value


def mask_number(value: str) -> str:
    """Mask a NIK or KK number for display: ``3316********0001``.

    A 16-digit number keeps its regency and serial; anything else keeps only its last 4
    characters, and a value of 4 characters or fewer is masked whole.
    """
    compact = _compact(value)
    if len(compact) == _NUMBER_LENGTH:
        return compact[:4] + "*" * 8 + compact[-4:]
    if len(compact) <= 4:
        return "*" * len(compact)
    return "*" * (len(compact) - 4) + compact[-4:]


def mask_name(name: str) -> str:
    """Mask a person's name for display, keeping each word's first letter: ``S******* H***``."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def make_nik(regency_code4: str, district2: str, birth_date: date, sex: str, serial: int) -> str:
    """Build a NIK for synthetic data and tests; checks the shape of the parts, not the places."""
    _require_digits(regency_code4.replace(".", ""), 4, "regency_code4")
    _require_digits(district2, 2, "district2")
    if sex not in ("F", "M"):
        raise ValueError(f"sex must be 'F' or 'M', not {sex!r}")
    day = birth_date.day + 40 if sex == "F" else birth_date.day
    return (
        regency_code4.replace(".", "")
        + district2
        + f"{day:02d}{birth_date:%m}{birth_date.year % 100:02d}"
        + _serial_digits(serial)
    )


def make_kk(region6: str, issued_on: date, serial: int) -> str:
    """Build a KK number for synthetic data and tests; checks the shape of the parts only."""
    region = region6.replace(".", "")
    _require_digits(region, 6, "region6")
    return region + f"{issued_on:%d%m}{issued_on.year % 100:02d}" + _serial_digits(serial)


# Tracking codes.
#
# A code is 9 random symbols (45 bits from `secrets`) and 1 check symbol, all from Crockford's
# base32 alphabet, shown as XXXX-XXXX-XX. Crockford's own check symbol is mod 37 and needs five
# extra symbols (*~$=U) that are awkward to read aloud and type, so the check here stays inside
# the 32 symbols. No weighted sum can do that: modulo 31 cannot tell 0 from Z (their values
# differ by 31), and modulo 32 no pair of weights catches both single errors (weights must be
# odd) and transpositions (weight differences must be odd). Instead the check is Damm's
# algorithm over a totally anti-symmetric quasigroup of order 32, built on the field GF(32):
#
#     interim ∘ symbol = 2·interim + symbol      (· and + in GF(2⁵), modulus x⁵ + x² + 1)
#
# Starting from 0, the check symbol is the one that brings the interim back to 0. Because
# x ↦ x∘y and y ↦ x∘y are both bijections, any single changed symbol changes the result; because
# (c∘x)∘y = (c∘y)∘x reduces to 3·(x + y) = 0, i.e. x = y, any swap of two adjacent different
# symbols (the check symbol included) changes it too. The unit tests prove both exhaustively.

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {symbol: value for value, symbol in enumerate(_ALPHABET)}
# Crockford's reading of the letters it leaves out; U is read as V, its likeliest look-alike.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = "-‐‑‒–—"
_DATA_LENGTH = 9
_CODE_LENGTH = _DATA_LENGTH + 1
_EXAMPLE = "7K3M-Q9XD-2K"


def new_tracking_code() -> str:
    """A fresh, unguessable tracking code in display form, e.g. ``7K3M-Q9XD-2K``."""
    bits = secrets.randbits(5 * _DATA_LENGTH)
    data = "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in range(_DATA_LENGTH))
    return _display(data + _ALPHABET[_double(_interim(data))])


def normalise_tracking_code(text: str) -> str:
    """Read a tracking code as a person typed it and return its display form ``XXXX-XXXX-XX``.

    Case, spaces and dashes do not matter; O is read as 0, I and L as 1, U as V. Refuses a code of
    the wrong length, with a symbol that is not used, or whose check symbol does not match.
    """
    field = "tracking_code"
    if not isinstance(text, str):
        raise InvalidInputError(
            f"{field}: must be text like {_EXAMPLE}", field=field, rule="malformed_tracking_code"
        )
    code = "".join(
        ch for ch in text.upper() if not ch.isspace() and ch not in _SEPARATORS
    ).translate(_LOOK_ALIKES)
    if not code:
        raise InvalidInputError(
            f"{field}: is empty; enter the 10-character code from your receipt, like {_EXAMPLE}",
            field=field,
            rule="malformed_tracking_code",
        )
    unknown = sorted({ch for ch in code if ch not in _VALUES})
    if unknown:
        listed = ", ".join(repr(ch) for ch in unknown)
        raise InvalidInputError(
            f"{field}: {listed} cannot appear in a tracking code; it uses only the digits 0–9 "
            f"and the letters A–Z, like {_EXAMPLE}",
            field=field,
            rule="malformed_tracking_code",
        )
    if len(code) != _CODE_LENGTH:
        raise InvalidInputError(
            f"{field}: has {len(code)} characters; a tracking code has {_CODE_LENGTH}, "
            f"like {_EXAMPLE}",
            field=field,
            rule="malformed_tracking_code",
        )
    if _interim(code) != 0:
        raise InvalidInputError(
            f"{field}: {_display(code)} is not a tracking code we issue; a character is probably "
            "mistyped, compare it with your receipt",
            field=field,
            rule="tracking_code_check_failed",
        )
    return _display(code)


def is_valid_tracking_code(text: str) -> bool:
    """Whether `normalise_tracking_code` accepts the text."""
    try:
        normalise_tracking_code(text)
    except InvalidInputError:
        return False
    return True


def _double(value: int) -> int:
    """Multiply by 2 (the polynomial x) in GF(32) with modulus x⁵ + x² + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _interim(code: str) -> int:
    interim = 0
    for symbol in code:
        interim = _double(interim) ^ _VALUES[symbol]
    return interim


def _display(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def _compact(value: str) -> str:
    # Strips spaces, dots and dashes, and maps look-alike characters (full-width digits,
    # unusual spaces and dashes) to ASCII. str() because stdnum types it loosely. A number
    # that is already 16 ASCII digits (every row of a registry extract) needs none of it.
    if len(value) == _NUMBER_LENGTH and value.isascii() and value.isdigit():
        return value
    return str(stdnum_nik.compact(value))


def _sixteen_digits(value: str, *, field: str, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field}: the {what} must be text of 16 digits, not {type(value).__name__}",
            field=field,
            rule="malformed_number",
        )
    digits = _compact(value)
    if not digits:
        raise InvalidInputError(
            f"{field}: is empty; enter the 16-digit {what}", field=field, rule="malformed_number"
        )
    # isdigit() alone would accept other scripts' digits, e.g. Arabic-Indic ones; stdnum
    # has already turned full-width digits into ASCII ones.
    strange = sorted({ch for ch in digits if not ("0" <= ch <= "9")})
    if strange:
        listed = ", ".join(repr(ch) for ch in strange)
        raise InvalidInputError(
            f"{field}: a {what} has only the digits 0–9, but this one contains {listed}",
            field=field,
            rule="malformed_number",
        )
    if len(digits) != _NUMBER_LENGTH:
        raise InvalidInputError(
            f"{field}: a {what} has 16 digits, but this one has {len(digits)}",
            field=field,
            rule="malformed_number",
        )
    return digits


def _issuing_place(digits: str, *, field: str, what: str) -> tuple[str, str, tuple[str, ...]]:
    """The province and regency of issue, from our region list, not python-stdnum's.

    stdnum's own list lacks newer regencies (Kalimantan Utara, the new Papua provinces), so its
    `validate` would refuse numbers that the domain rules accept; only its `compact` is used.
    """
    province_code, regency_code = digits[:2], digits[:4]
    home = province(province_code)
    if home is None:
        raise InvalidInputError(
            f"{field}: the province code {province_code} in positions 1–2 is not an Indonesian "
            f"province; check the first digits of the {what}",
            field=field,
            rule="unknown_province",
        )
    if digits[2:4] == "00":
        raise InvalidInputError(
            f"{field}: the regency code {province_code}.00 in positions 1–4 cannot be a regency; "
            f"check the digits of the {what}",
            field=field,
            rule="unknown_regency",
        )
    if regency(regency_code) is not None:
        return province_code, regency_code, ()
    warning = (
        f"{field}: the regency code {province_code}.{digits[2:4]} in positions 1–4 is not a "
        f"current regency of {home.name}; accepted, because a {what} keeps the code of a regency "
        "that may since have been split"
    )
    return province_code, regency_code, (warning,)


def _two_digit_year_date(
    day: int,
    month: int,
    yy: int,
    *,
    centuries: tuple[int, int],
    today: date | None,
    problem: str,
    hint: str,
    field: str,
) -> date:
    """The first century in `centuries` that makes DD-MM-YY a real date; refused if in the future.

    The century is chosen by the calendar alone (it settles 29 February of year 00), so a date
    that exists is never moved to another century to dodge the future check.
    """
    found: date | None = None
    for century in centuries:
        try:
            found = date(century + yy, month, day)
        except ValueError:
            continue
        break
    if found is None:
        raise InvalidInputError(f"{problem} is not a real date{hint}", field=field, rule="bad_date")
    if today is None:
        today = datetime.now(ZoneInfo(_WIB)).date()
    if found > today:
        raise InvalidInputError(
            f"{problem} would be {found:%d-%m-%Y}, which is in the future",
            field=field,
            rule="future_date",
        )
    return found


def _serial(digits: str, *, field: str, what: str) -> str:
    serial = digits[12:]
    if serial == "0000":
        raise InvalidInputError(
            f"{field}: the serial 0000 in positions 13–16 is never issued; check the last four "
            f"digits of the {what}",
            field=field,
            rule="zero_serial",
        )
    return serial


def _require_digits(value: str, length: int, name: str) -> None:
    if len(value) != length or not (value.isascii() and value.isdigit()):
        raise ValueError(f"{name} must be {length} digits, not {value!r}")


def _serial_digits(serial: int) -> str:
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1–9999, not {serial}")
    return f"{serial:04d}"
