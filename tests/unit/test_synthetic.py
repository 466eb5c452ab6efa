"""The synthetic registry: valid for the importer, plausible, and the same for the same seed."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bratasena.domain.regions import region_book
from bratasena.integration.registry_import import COLUMNS, RowValidator
from bratasena.integration.synthetic import REFERENCE_DAY, as_record, generate_rows, write_csv

BLORA = region_book("3316")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), n=st.integers(min_value=1, max_value=60))
def test_every_generated_row_passes_the_importers_validation_unchanged(seed: int, n: int) -> None:
    validator = RowValidator(BLORA)
    for line, row in enumerate(generate_rows(n, seed=seed), start=2):
        checked, problems = validator.check(line, dict(zip(COLUMNS, as_record(row), strict=True)))
        assert problems == []
        assert checked == row


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_aid_follows_the_programs_desil_rules_and_heads_are_20_to_85(seed: int) -> None:
    for row in generate_rows(80, seed=seed):
        assert row["registry_id"].startswith("SYN-3316-")
        if "PKH" in row["programs"]:
            assert row["desil"] <= 4
        if {"BPNT", "PBI-JK"} & set(row["programs"]):
            assert row["desil"] <= 5
        nik = row["head_nik"]
        day, month, yy = int(nik[6:8]) % 40, int(nik[8:10]), int(nik[10:12])
        # The NIK has a two-digit year: one of its centuries gives an age of 20–85.
        ages = {
            (REFERENCE_DAY - date(century + yy, month, day)).days / 365.25
            for century in (1900, 2000)
            if _exists(century + yy, month, day)
        }
        assert any(20 <= age < 86 for age in ages), (row["registry_id"], ages)
        assert nik[:4] == row["kk_number"][:4] == "3316"
        assert row["kk_number"][:6] == row["village_code"][:6]


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def test_the_same_seed_gives_the_same_registry_and_another_seed_another() -> None:
    first = list(generate_rows(50, seed=7))
    assert first == list(generate_rows(50, seed=7))
    assert first != list(generate_rows(50, seed=8))


def test_numbers_are_unique_and_villages_are_weighted_towards_kelurahan() -> None:
    rows = list(generate_rows(6000, seed=1))
    assert len({r["head_nik"] for r in rows}) == len({r["kk_number"] for r in rows}) == 6000
    per_village = Counter(r["village_code"] for r in rows)
    kinds = {v.code: v.kind for v in BLORA.villages()}
    assert set(per_village) <= set(kinds)
    assert len(per_village) > 250  # spread over (nearly) every one of the 295 villages

    def mean(kind: str) -> float:
        codes = [c for c, k in kinds.items() if k == kind]
        return sum(per_village[c] for c in codes) / len(codes)

    assert mean("kelurahan") > 1.5 * mean("desa")
    desil = Counter(r["desil"] for r in rows)
    assert desil[1] > desil[5] > desil[10]


def test_the_csv_is_exactly_the_import_format() -> None:
    out = io.StringIO()
    assert write_csv(generate_rows(3, seed=0), out) == 3
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 4
