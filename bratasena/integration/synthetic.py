"""A synthetic welfare registry of a regency, for the demo, the tests and the benchmarks.

Every household is invented, and says so: registry ids read ``SYN-3316-000001`` (no real DTKS or
DTSEN id starts with ``SYN``). The rest is made to look like a real extract of the regency and to
pass the importer's checks:

- villages are drawn by size; the region data has no population per village, so a village's
  weight is 3 for a kelurahan (urban wards are denser) and 1 for a desa, times a seeded
  log-normal factor (σ = 0.5) so that villages of one kind still differ;
- the head of household is 20–85 years old on 30 June 2025 (the DTKS count of June 2025), most
  often around 45; one head in five is a woman; the NIK was first issued in the household's
  district four times in five, else in another district of the regency; KK cards were issued
  since 2005, after the head turned 17, in the household's district; serials count up per place
  and date, so no two households share a number;
- names come from a short built-in list of Javanese names, addresses name a dukuh, RT and RW;
- desil 1 is the most common and desil 10 the rarest; PKH only for desil 1–4, BPNT and PBI-JK
  only for desil 1–5 (the programs' own eligibility), KIP for families with school-age members.

The same seed gives the same registry, row for row.
"""

from __future__ import annotations

import csv
import random
from bisect import bisect
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any, TextIO

from bratasena.domain.identity import make_kk, make_nik
from bratasena.domain.regions import region_book
from bratasena.integration.registry_import import COLUMNS, format_programs

REFERENCE_DAY = date(2025, 6, 30)
"""The day the synthetic extract describes (the DTKS count of June 2025)."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MEN = _words(
    "Sutrisno Suparman Sugiyono Slamet Mulyono Paijo Suparno Karno Warsito Sumarno Suyatno "
    "Sarmidi Kasmin Darmo Ngadiman Tukiran Wagiman Suwarno Joko Bambang Agus Eko Heru Teguh "
    "Widodo Yanto Purwanto Mardi Sukadi Wahyudi Sunarto Priyo Gunawan Rohmad Ngatimin Kusnan"
)
_WOMEN = _words(
    "Sri Siti Sumiyati Suparmi Wartini Ngatini Painem Tumini Sulastri Darsih Kasmini Lastri "
    "Wagiyem Sukini Endang Rini Murni Partini Juminah Sarmi Tarmini Suwarni Yatmi Kasiyem"
)
_MEN_SECOND = _words("Santoso Wibowo Susanto Prasetyo Hartono Setiawan Nugroho Purnomo Saputro")
_WOMEN_SECOND = _words("Lestari Wulandari Rahayu Handayani Astuti Wahyuni Sari Aminah")
_DUKUH = _words(
    "Krajan Kauman Ngasem Sidomulyo Tegalrejo Ngelo Karangrejo Kedungwungu Mulyorejo Sumberejo "
    "Ngampel Gondang Wotan Plosorejo Sendang Kalisari Jatisari Kedungrejo Sukorejo Ngraho"
)

_DESIL_WEIGHTS = (18, 17, 15, 13, 11, 9, 7, 5, 3, 2)
_MEMBER_WEIGHTS = (8, 14, 22, 24, 16, 9, 5, 2)  # 1 to 8 people
_FIRST_KK = date(2005, 1, 1)


def generate_rows(n: int, seed: int = 0, regency: str = "3316") -> Iterator[dict[str, Any]]:
    """``n`` synthetic households of a regency, as validated rows of `Bratasena.import_registry`.

    Rows are made one at a time, so any ``n`` fits in constant memory apart from the serial
    counters (one per place and date in use).
    """
    if n < 0:
        raise ValueError("n must not be negative")
    rng = random.Random(seed)
    book = region_book(regency)
    villages = book.villages()
    districts = [d.code for d in book.districts()]
    weights = [
        (3.0 if v.kind == "kelurahan" else 1.0) * rng.lognormvariate(0, 0.5) for v in villages
    ]
    cumulative = list(accumulate(weights))
    nik_serials: Counter[tuple[str, date, str]] = Counter()
    kk_serials: Counter[tuple[str, date]] = Counter()
    for number in range(1, n + 1):
        village = villages[bisect(cumulative, rng.random() * cumulative[-1])]
        sex = "F" if rng.random() < 0.2 else "M"
        age_days = int(rng.triangular(20, 85, 45) * 365.25)
        born = REFERENCE_DAY - timedelta(days=age_days + rng.randrange(365))
        nik_district = village.district_code if rng.random() < 0.8 else rng.choice(districts)
        nik_key = (nik_district, born, sex)
        nik_serials[nik_key] += 1
        head_nik = make_nik(regency, nik_district[4:6], born, sex, nik_serials[nik_key])
        earliest = max(_FIRST_KK, born + timedelta(days=int(17 * 365.25)))
        issued = earliest + timedelta(days=rng.randrange((REFERENCE_DAY - earliest).days + 1))
        kk_key = (village.district_code, issued)
        kk_serials[kk_key] += 1
        kk_number = make_kk(village.district_code, issued, kk_serials[kk_key])
        desil = rng.choices(range(1, 11), _DESIL_WEIGHTS)[0]
        members = rng.choices(range(1, 9), _MEMBER_WEIGHTS)[0]
        yield {
            "registry_id": f"SYN-{regency}-{number:06d}",
            "kk_number": kk_number,
            "head_nik": head_nik,
            "head_name": _name(rng, sex),
            "address": (
                f"Dukuh {rng.choice(_DUKUH)} RT {rng.randint(1, 12):03d} RW {rng.randint(1, 6):03d}"
            ),
            "village_code": village.code,
            "desil": desil,
            "programs": _programs(rng, desil, members),
            "members": members,
        }


def _name(rng: random.Random, sex: str) -> str:
    first = rng.choice(_WOMEN if sex == "F" else _MEN)
    if rng.random() < 0.4:  # many Javanese have one name only
        return first
    return f"{first} {rng.choice(_WOMEN_SECOND if sex == 'F' else _MEN_SECOND)}"


def name_of(n: int) -> str:
    """The head's name of the ``n``-th invented household, the same every time: a Javanese
    name drawn as `generate_rows` draws them (one head in five a woman), for benchmark seeds
    that need names as repetitive as a real regency's."""
    return _name(random.Random(n), "F" if n % 5 == 0 else "M")


def _programs(rng: random.Random, desil: int, members: int) -> list[str]:
    chances = {
        "PKH": 0.55 if desil <= 4 else 0.0,
        "BPNT": 0.7 if desil <= 5 else 0.0,
        "PBI-JK": 0.85 if desil <= 5 else 0.0,
        "KIP": 0.35 if members >= 3 and desil <= 6 else 0.0,
        "RTLH": 0.05 if desil <= 4 else 0.0,
        "MCK": 0.04 if desil <= 4 else 0.0,
        "CSR": 0.02,
    }
    return [name for name, chance in chances.items() if rng.random() < chance]


def as_record(row: dict[str, Any]) -> list[str]:
    """A row as the cells of an extract line, in `COLUMNS` order."""
    return [format_programs(row[c]) if c == "programs" else str(row[c]) for c in COLUMNS]


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write rows as a CSV extract (header first); returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(as_record(row))
        count += 1
    return count


def write_xlsx(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write rows as an .xlsx extract (header first, numbers as text); returns the row count."""
    import openpyxl

    # write_only streams rows to disk; cells are text so 16-digit numbers keep every digit.
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("registry")
    sheet.append(list(COLUMNS))
    count = 0
    for row in rows:
        sheet.append(as_record(row))
        count += 1
    workbook.save(path)
    return count


def write_extract(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write rows to a file as CSV, or as XLSX when the name ends in .xlsx."""
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(rows, path)
    with path.open("w", encoding="utf-8", newline="") as out:
        return write_csv(rows, out)
