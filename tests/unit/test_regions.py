"""Region codes: normalising, formatting, and the region books of Blora and other regencies."""

from __future__ import annotations

import csv
import importlib.resources
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bratasena.domain.errors import InvalidInputError
from bratasena.domain.regions import (
    District,
    Province,
    Regency,
    Village,
    format_code,
    normalise_code,
    province,
    regency,
    region_book,
)


def test_dotted_and_spaced_codes_normalise_to_undotted_digits() -> None:
    assert normalise_code("33.16.01.2001") == "3316012001"
    assert normalise_code(" 33 16 01 2001 ") == "3316012001"
    assert normalise_code("3316") == "3316"


@pytest.mark.parametrize("value", ["", "  ", "33.16.A1", "33-16", "３３１６", "331601200"])
def test_a_code_that_is_not_digits_of_a_region_level_is_refused_with_the_field_named(
    value: str,
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        normalise_code(value, field="village_code")
    assert refused.value.field == "village_code"
    assert refused.value.message.startswith("village_code:")


def test_codes_are_displayed_dotted_at_every_level() -> None:
    assert format_code("3316012001") == "33.16.01.2001"
    assert format_code("331601") == "33.16.01"
    assert format_code("3316") == "33.16"
    assert format_code("33") == "33"
    assert format_code("33.16.01.2001") == "33.16.01.2001"


@given(
    st.sampled_from([2, 4, 6, 10]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
)
def test_formatting_then_normalising_gives_the_code_back(code: str) -> None:
    assert normalise_code(format_code(code)) == code


def test_provinces_and_regencies_of_all_indonesia_are_known() -> None:
    assert province("33") == Province(code="33", name="Jawa Tengah")
    assert regency("33.16") == Regency(code="3316", name="Kabupaten Blora", province_code="33")
    assert regency("6501") is not None  # Kalimantan Utara, newer than some code lists
    assert regency("9601") is not None  # Papua Barat Daya, created in 2022


def test_unknown_provinces_and_regencies_are_none() -> None:
    assert province("99") is None
    assert regency("3399") is None


def test_blora_has_16_districts_and_295_villages_of_which_24_are_kelurahan() -> None:
    book = region_book()

    assert book.regency.code == "3316"
    assert len(book.districts()) == 16
    assert len(book.villages()) == 295
    assert Counter(v.kind for v in book.villages()) == {"desa": 271, "kelurahan": 24}


def test_districts_and_villages_are_listed_in_code_order() -> None:
    book = region_book("3316")

    codes = [d.code for d in book.districts()]
    assert codes == sorted(codes)
    assert codes[0] == "331601"
    village_codes = [v.code for v in book.villages()]
    assert village_codes == sorted(village_codes)


def test_a_village_carries_its_district_and_kind() -> None:
    village = region_book().village("3316012001")

    assert village == Village(
        code="3316012001",
        name="Bangkleyan",
        district_code="331601",
        district_name="Jati",
        kind="desa",
    )


def test_dotted_and_undotted_codes_name_the_same_village() -> None:
    book = region_book()

    assert book.village("33.16.01.2001") == book.village("3316012001")
    assert book.has_village("33.16.01.2001")
    assert book.has_village("3316012001")


def test_villages_of_one_district_all_belong_to_it() -> None:
    book = region_book()

    villages = book.villages("33.16.01")

    assert villages
    assert {v.district_code for v in villages} == {"331601"}
    assert {v.district_name for v in villages} == {"Jati"}
    assert sum(len(book.villages(d.code)) for d in book.districts()) == 295


def test_a_district_is_found_by_dotted_code() -> None:
    assert region_book().district("33.16.01") == District(
        code="331601", name="Jati", regency_code="3316"
    )


def test_an_unknown_village_is_refused_naming_the_code_and_the_regency() -> None:
    with pytest.raises(InvalidInputError) as refused:
        region_book().village("33.16.01.2999")

    assert refused.value.rule == "unknown_village"
    assert refused.value.field == "village_code"
    assert "33.16.01.2999" in refused.value.message
    assert "Kabupaten Blora" in refused.value.message


def test_a_village_of_another_regency_is_refused_saying_where_it_belongs() -> None:
    with pytest.raises(InvalidInputError) as refused:
        region_book().village("3325012001", field="address.village")

    assert refused.value.field == "address.village"
    assert refused.value.rule == "unknown_village"
    assert "Kabupaten Batang" in refused.value.message


def test_a_district_code_is_not_accepted_as_a_village() -> None:
    with pytest.raises(InvalidInputError, match="10 digits") as refused:
        region_book().village("331601")
    assert refused.value.rule == "unknown_village"


def test_an_unknown_district_is_refused_naming_the_code() -> None:
    with pytest.raises(InvalidInputError) as refused:
        region_book().district("33.16.99")

    assert refused.value.rule == "unknown_district"
    assert refused.value.field == "district"
    assert "33.16.99" in refused.value.message


def test_listing_the_villages_of_an_unknown_district_is_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        region_book().villages("331699")
    assert refused.value.rule == "unknown_district"


@pytest.mark.parametrize("code", ["3316012999", "3325012001", "garbage", "", "331601"])
def test_has_village_says_no_instead_of_raising(code: str) -> None:
    assert not region_book().has_village(code)


def test_batang_loads_as_well() -> None:
    book = region_book("33.25")

    assert book.regency.name == "Kabupaten Batang"
    assert len(book.districts()) == 15
    assert all(v.code.startswith("3325") for v in book.villages())
    assert book.has_village(book.villages()[0].code)
    assert not book.has_village("3316012001")


def test_every_central_java_regency_has_a_book_and_the_same_book_is_reused() -> None:
    assert region_book("3316") is region_book("33.16")
    assert region_book("3374").regency.name == "Kota Semarang"


@pytest.mark.parametrize(
    ("code", "words"),
    [("3516", "not in Central Java"), ("3399", "no Central Java regency"), ("33", "4 digits")],
)
def test_a_regency_outside_central_java_has_no_book(code: str, words: str) -> None:
    with pytest.raises(InvalidInputError, match=words) as refused:
        region_book(code)
    assert refused.value.field == "regency_code"


def test_blora_from_the_province_file_matches_the_blora_file() -> None:
    text = importlib.resources.files("bratasena.data").joinpath("wilayah_blora.csv").read_text()
    rows = [row for row in csv.DictReader(text.splitlines()) if row["level"] == "village"]
    expected = {(row["code"].replace(".", ""), row["name"], row["kind"]) for row in rows}

    assert {(v.code, v.name, v.kind) for v in region_book().villages()} == expected


def test_kelurahan_and_desa_follow_the_first_digit_of_the_village_part() -> None:
    for village in region_book().villages():
        assert village.kind == ("kelurahan" if village.code[6] == "1" else "desa")
