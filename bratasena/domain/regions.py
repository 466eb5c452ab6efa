"""Kemendagri region codes: the provinces and regencies of Indonesia, a regency's villages.

Words kept from the users' language: a *kabupaten* (regency, or *kota* for a city) is split into
*kecamatan* (districts), and each district into villages, which are either a *desa* (a rural
village with its own elected head) or a *kelurahan* (an urban ward run by the regency).

Codes are Kemendagri codes (``PP.RR.DD.VVVV``), not BPS statistical codes, which number the same
places differently. Inside the service a code is canonical as undotted digits (``3316012001``);
every function here also accepts the dotted form people read off documents.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bratasena.domain.errors import InvalidInputError

VillageKind = Literal["desa", "kelurahan"]

# The digits of each level of a code: province 2, regency 4, district 6, village 10.
_CODE_LENGTHS = (2, 4, 6, 10)
_CENTRAL_JAVA = "33"


def normalise_code(value: str, *, field: str = "region_code") -> str:
    """Return a region code as undotted digits; dotted and spaced input is accepted."""
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field}: a region code must be text like 33.16.01.2001, not {type(value).__name__}",
            field=field,
            rule="malformed_region_code",
        )
    code = "".join(value.split()).replace(".", "")
    if not code:
        raise InvalidInputError(
            f"{field}: is empty; enter a Kemendagri region code like 33.16.01.2001",
            field=field,
            rule="malformed_region_code",
        )
    # isdigit() alone would let through other scripts' digits, which no code uses.
    if not (code.isascii() and code.isdigit()):
        raise InvalidInputError(
            f"{field}: {value.strip()!r} is not a region code; use only digits and dots, "
            "like 33.16.01.2001",
            field=field,
            rule="malformed_region_code",
        )
    if len(code) not in _CODE_LENGTHS:
        raise InvalidInputError(
            f"{field}: {value.strip()!r} has {len(code)} digits; a Kemendagri region code has "
            "2 (province), 4 (regency), 6 (district) or 10 (village) digits",
            field=field,
            rule="malformed_region_code",
        )
    return code


def format_code(code: str) -> str:
    """Return the dotted display form of a region code: ``3316012001`` → ``33.16.01.2001``."""
    digits = normalise_code(code)
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(part for part in parts if part)


@dataclass(frozen=True)
class Province:
    """A province (provinsi), e.g. 33 Jawa Tengah."""

    code: str
    name: str


@dataclass(frozen=True)
class Regency:
    """A regency (kabupaten) or city (kota), e.g. 3316 Kabupaten Blora."""

    code: str
    name: str
    province_code: str


@dataclass(frozen=True)
class District:
    """A district (kecamatan) of a regency, e.g. 331601 Jati."""

    code: str
    name: str
    regency_code: str


@dataclass(frozen=True)
class Village:
    """A village of a district: a desa, or a kelurahan in town (code 1xxx kelurahan, 2xxx desa)."""

    code: str
    name: str
    district_code: str
    district_name: str
    kind: VillageKind


def province(code: str) -> Province | None:
    """Return the province with this code (``33``), or None when there is none."""
    return _provinces().get(normalise_code(code, field="province_code"))


def regency(code: str) -> Regency | None:
    """Return the regency or city with this code (``3316`` or ``33.16``), or None."""
    return _regencies().get(normalise_code(code, field="regency_code"))


class RegionBook:
    """The districts and villages of one regency, for checking and listing addresses."""

    def __init__(
        self, regency: Regency, districts: Iterable[District], villages: Iterable[Village]
    ) -> None:
        self.regency = regency
        self._districts = {d.code: d for d in sorted(districts, key=lambda d: d.code)}
        self._villages = {v.code: v for v in sorted(villages, key=lambda v: v.code)}
        by_district: dict[str, list[Village]] = {code: [] for code in self._districts}
        for village in self._villages.values():
            by_district.setdefault(village.district_code, []).append(village)
        self._by_district = by_district

    def __repr__(self) -> str:
        return (
            f"RegionBook({format_code(self.regency.code)} {self.regency.name}: "
            f"{len(self._districts)} districts, {len(self._villages)} villages)"
        )

    def districts(self) -> list[District]:
        """Every district of the regency, in code order."""
        return list(self._districts.values())

    def villages(self, district_code: str | None = None) -> list[Village]:
        """Every village of the regency, or of one of its districts, in code order."""
        if district_code is None:
            return list(self._villages.values())
        district = self.district(district_code, field="district_code")
        return list(self._by_district[district.code])

    def district(self, code: str, field: str = "district") -> District:
        """The district with this code; refuses a code that is not a district of this regency."""
        digits = normalise_code(code, field=field)
        found = self._districts.get(digits)
        if found is None:
            raise InvalidInputError(
                f"{field}: {self._not_here(digits, 'district (kecamatan)', 6)}",
                field=field,
                rule="unknown_district",
            )
        return found

    def village(self, code: str, field: str = "village_code") -> Village:
        """The village with this code; refuses a code that is not a village of this regency."""
        digits = normalise_code(code, field=field)
        found = self._villages.get(digits)
        if found is None:
            raise InvalidInputError(
                f"{field}: {self._not_here(digits, 'village (desa/kelurahan)', 10)}",
                field=field,
                rule="unknown_village",
            )
        return found

    def has_village(self, code: str) -> bool:
        """Whether the code, dotted or not, names a village of this regency."""
        try:
            self.village(code)
        except InvalidInputError:
            return False
        return True

    def _not_here(self, digits: str, what: str, length: int) -> str:
        """Say why a code is not one of ours, pointing at the likeliest mistake."""
        home = f"{self.regency.name} ({format_code(self.regency.code)})"
        shown = format_code(digits)
        if len(digits) != length:
            return f"{shown} is not a {what} code; a {what} code has {length} digits"
        elsewhere = _regencies().get(digits[:4])
        if digits[:4] != self.regency.code and elsewhere is not None:
            return (
                f"{shown} belongs to {elsewhere.name} ({format_code(elsewhere.code)}), "
                f"not to {home}"
            )
        return f"there is no {what} {shown} in {home}; check the digits against the list"


def region_book(regency_code: str = "3316") -> RegionBook:
    """The region book of a Central Java regency (Blora, 3316, by default); cached."""
    digits = normalise_code(regency_code, field="regency_code")
    book = _central_java_books().get(digits)
    if book is None:
        known = _regencies().get(digits)
        if len(digits) != 4:
            reason = f"{format_code(digits)} is not a regency code; a regency code has 4 digits"
        elif known is not None:
            reason = f"{known.name} ({format_code(digits)}) is not in Central Java (33)"
        else:
            reason = f"there is no Central Java regency {format_code(digits)}"
        raise InvalidInputError(
            f"regency_code: {reason}; the service holds the districts and villages of the "
            "35 regencies and cities of Jawa Tengah only",
            field="regency_code",
            rule="unknown_regency",
        )
    return book


def _rows(filename: str) -> list[dict[str, str]]:
    text = importlib.resources.files("bratasena.data").joinpath(filename).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def _provinces() -> dict[str, Province]:
    found: dict[str, Province] = {}
    for row in _rows("wilayah_regencies.csv"):
        if row["level"] == "province":
            code = row["code"].replace(".", "")
            found[code] = Province(code=code, name=row["name"])
    return found


@functools.cache
def _regencies() -> dict[str, Regency]:
    found: dict[str, Regency] = {}
    for row in _rows("wilayah_regencies.csv"):
        if row["level"] == "regency":
            code = row["code"].replace(".", "")
            found[code] = Regency(code=code, name=row["name"], province_code=row["province_code"])
    return found


def _village_kind(value: str, code: str) -> VillageKind:
    if value == "desa":
        return "desa"
    if value == "kelurahan":
        return "kelurahan"
    raise ValueError(f"wilayah_jawa_tengah.csv: village {code} has unknown kind {value!r}")


@functools.cache
def _central_java_books() -> dict[str, RegionBook]:
    # One pass over the province file builds every book: cheaper than a pass per regency, and
    # the whole province is small (about 9,000 rows).
    regencies: dict[str, Regency] = {}
    districts: dict[str, list[District]] = {}
    district_names: dict[str, str] = {}
    villages: dict[str, list[Village]] = {}
    for row in _rows("wilayah_jawa_tengah.csv"):
        code = row["code"].replace(".", "")
        parent = row["parent_code"].replace(".", "")
        if row["level"] == "regency":
            regencies[code] = Regency(code=code, name=row["name"], province_code=_CENTRAL_JAVA)
        elif row["level"] == "district":
            districts.setdefault(code[:4], []).append(
                District(code=code, name=row["name"], regency_code=parent)
            )
            district_names[code] = row["name"]
        elif row["level"] == "village":
            villages.setdefault(code[:4], []).append(
                Village(
                    code=code,
                    name=row["name"],
                    district_code=parent,
                    # The file lists each district before its villages.
                    district_name=district_names[parent],
                    kind=_village_kind(row["kind"], code),
                )
            )
    return {
        code: RegionBook(found, districts.get(code, []), villages.get(code, []))
        for code, found in regencies.items()
    }
