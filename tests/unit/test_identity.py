"""NIK and KK numbers, their masking, and the tracking codes citizens follow their cases by."""

from __future__ import annotations

import csv
import importlib.resources
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

from bratasena.domain.errors import InvalidInputError
from bratasena.domain.identity import (
    Kk,
    Nik,
    _interim,
    is_valid_nik,
    is_valid_tracking_code,
    make_kk,
    make_nik,
    mask_name,
    mask_number,
    new_tracking_code,
    normalise_tracking_code,
    parse_kk,
    parse_nik,
    validate_kk,
    validate_nik,
)

TODAY = date(2025, 6, 30)
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DISPLAY_FORM = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$")


def _known_regency_codes() -> list[str]:
    text = importlib.resources.files("bratasena.data").joinpath("wilayah_regencies.csv")
    rows = csv.DictReader(text.read_text("utf-8").splitlines())
    return [row["code"].replace(".", "") for row in rows if row["level"] == "regency"]


KNOWN_REGENCIES = _known_regency_codes()


def refusal(value: str, *, field: str = "nik", today: date = TODAY) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as refused:
        parse_nik(value, field=field, today=today)
    return refused.value


# NIK


def test_a_blora_nik_is_decoded_into_place_birth_date_sex_and_serial() -> None:
    nik = parse_nik("3316011708450001", today=TODAY)

    assert nik == Nik(
        value="3316011708450001",
        province_code="33",
        regency_code="3316",
        district_code="331601",
        birth_date=date(1945, 8, 17),
        sex="M",
        serial="0001",
        warnings=(),
    )


def test_spaces_dots_and_dashes_in_a_nik_are_ignored() -> None:
    assert validate_nik(" 3316.01-170845 0001 ", today=TODAY) == "3316011708450001"


def test_full_width_digits_typed_on_some_phones_are_read_as_digits() -> None:
    assert validate_nik("３３１６０１１７０８４５０００１", today=TODAY) == "3316011708450001"


def test_a_womans_nik_has_forty_added_to_the_day_of_birth() -> None:
    nik = parse_nik("3316015708850001", today=TODAY)

    assert nik.birth_date == date(1985, 8, 17)
    assert nik.sex == "F"


def test_an_impossible_womans_day_is_explained() -> None:
    problem = refusal("3316017102850001")

    assert problem.rule == "bad_date"
    assert problem.message == (
        "nik: the birth date 71-02-85 in positions 7–12 is not a real date "
        "(day 71 means day 31 for a woman)"
    )


@pytest.mark.parametrize("day", ["00", "40", "72", "99", "32"])
def test_days_that_are_neither_a_mans_nor_a_womans_are_refused(day: str) -> None:
    assert refusal(f"331601{day}0185" + "0001").rule == "bad_date"


def test_a_birth_date_that_does_not_exist_is_refused_naming_the_positions() -> None:
    problem = refusal("3316013102850001")

    assert problem.field == "nik"
    assert problem.message == "nik: the birth date 31-02-85 in positions 7–12 is not a real date"


def test_the_year_is_read_as_19yy_first() -> None:
    assert parse_nik("3316011708450001", today=TODAY).birth_date.year == 1945
    assert parse_nik("3316010101050001", today=TODAY).birth_date.year == 1905


def test_29_february_00_is_read_as_2000_because_1900_was_not_a_leap_year() -> None:
    assert parse_nik("3316012902000001", today=TODAY).birth_date == date(2000, 2, 29)
    assert parse_nik("3316016902000001", today=TODAY).birth_date == date(2000, 2, 29)


def test_29_february_is_accepted_in_leap_years_only() -> None:
    assert parse_nik("3316012902840001", today=TODAY).birth_date == date(1984, 2, 29)
    assert refusal("3316012902850001").rule == "bad_date"
    assert refusal("3316012902010001").rule == "bad_date"


def test_a_birth_date_in_the_future_is_refused() -> None:
    problem = refusal("3316012902000001", today=date(1999, 12, 31))

    assert problem.rule == "future_date"
    assert "29-02-2000" in problem.message
    assert "in the future" in problem.message


def test_a_birth_date_of_today_is_accepted() -> None:
    assert parse_nik("3316011708650001", today=date(1965, 8, 17)).birth_date == date(1965, 8, 17)
    assert refusal("3316011808650001", today=date(1965, 8, 17)).rule == "future_date"


def test_today_defaults_to_the_date_in_jakarta() -> None:
    assert parse_nik("3316012902000001").birth_date == date(2000, 2, 29)


def test_serial_0000_is_refused() -> None:
    problem = refusal("3316011708450000")

    assert problem.rule == "zero_serial"
    assert "positions 13–16" in problem.message


def test_an_unknown_province_is_refused() -> None:
    problem = refusal("9916011708450001")

    assert problem.rule == "unknown_province"
    assert "province code 99" in problem.message


def test_an_unknown_regency_of_a_known_province_is_accepted_with_a_warning() -> None:
    nik = parse_nik("3399011708450001", today=TODAY)

    assert nik.regency_code == "3399"
    assert len(nik.warnings) == 1
    assert "33.99" in nik.warnings[0]
    assert "Jawa Tengah" in nik.warnings[0]
    assert is_valid_nik("3399011708450001")


def test_regency_00_is_never_a_regency() -> None:
    assert refusal("3300011708450001").rule == "unknown_regency"


def test_the_district_part_is_not_checked() -> None:
    assert parse_nik("3316991708450001", today=TODAY).district_code == "331699"


def test_a_nik_from_a_regency_that_stdnum_does_not_know_is_accepted() -> None:
    # 65.01 Bulungan, Kalimantan Utara: missing from python-stdnum's place list.
    with pytest.raises(ValidationError):
        stdnum_nik.validate("6501011708450001")

    nik = parse_nik("6501011708450001", today=TODAY)

    assert nik.regency_code == "6501"
    assert nik.warnings == ()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("331601170845001", "has 15"),
        ("33160117084500011", "has 17"),
        ("3316O11708450001", "'O'"),
        ("٣٣١٦٠١١٧٠٨٤٥٠٠٠١", "'٠'"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_a_wrong_length_or_a_non_digit_is_refused_with_the_field_named(
    value: str, words: str
) -> None:
    problem = refusal(value, field="head_nik")

    assert problem.field == "head_nik"
    assert problem.message.startswith("head_nik:")
    assert words in problem.message
    assert problem.rule == "malformed_number"


def test_a_parsed_nik_shows_only_its_masked_form() -> None:
    nik = parse_nik("3316015708850001", today=TODAY)

    assert repr(nik) == "Nik(3316********0001)"
    assert "3316015708850001" not in str(nik)


def test_is_valid_nik_says_yes_or_no() -> None:
    assert is_valid_nik("3316011708450001")
    assert not is_valid_nik("3316011708450000")
    assert not is_valid_nik("not a nik")


@settings(deadline=None)
@given(
    regency_code=st.sampled_from(KNOWN_REGENCIES),
    district=st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}"),
    birth_date=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["F", "M"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_any_nik_made_from_a_known_regency_and_a_past_date_validates_and_round_trips(
    regency_code: str, district: str, birth_date: date, sex: str, serial: int
) -> None:
    value = make_nik(regency_code, district, birth_date, sex, serial)

    nik = parse_nik(value, today=TODAY)

    assert nik.value == value
    assert nik.regency_code == regency_code
    assert nik.district_code == regency_code + district
    assert nik.sex == sex
    assert nik.serial == f"{serial:04d}"
    assert nik.warnings == ()
    # Two year digits cannot tell 1925 from 2025: the 19YY reading wins unless it does not exist.
    if birth_date.year < 2000 or birth_date == date(2000, 2, 29):
        assert nik.birth_date == birth_date
    else:
        assert nik.birth_date == birth_date.replace(year=birth_date.year - 100)


def outcome(value: str) -> Nik | InvalidInputError:
    """The parsed NIK or its refusal; any other exception escapes and fails the test."""
    try:
        return parse_nik(value, today=TODAY)
    except InvalidInputError as refused:
        return refused


@settings(deadline=None)
@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_any_sixteen_digits_either_validate_or_are_refused_without_revealing_the_number(
    value: str,
) -> None:
    result = outcome(value)

    if isinstance(result, Nik):
        assert result.value == value
        assert all(value not in warning for warning in result.warnings)
    else:
        assert result.field == "nik"
        assert value not in result.message


@settings(deadline=None)
@given(st.text())
def test_any_text_is_either_a_nik_or_refused_as_invalid_input(value: str) -> None:
    assert isinstance(outcome(value), Nik | InvalidInputError)


# KK


def test_a_kk_number_is_decoded_into_place_issue_date_and_serial() -> None:
    kk = parse_kk("3316011505090001", today=TODAY)

    assert kk == Kk(
        value="3316011505090001",
        province_code="33",
        regency_code="3316",
        district_code="331601",
        issued_on=date(2009, 5, 15),
        serial="0001",
        warnings=(),
    )
    assert repr(kk) == "Kk(3316********0001)"


def test_a_kk_issue_date_is_read_as_20yy() -> None:
    assert parse_kk("3316010101990001", today=date(2100, 1, 1)).issued_on == date(2099, 1, 1)


def test_a_kk_issued_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_kk("3316011505300001", today=TODAY)

    assert refused.value.field == "kk_number"
    assert refused.value.rule == "future_date"
    assert "issue date 15-05-30" in refused.value.message


def test_a_kk_issue_date_does_not_have_the_womans_forty() -> None:
    with pytest.raises(InvalidInputError, match="not a real date"):
        parse_kk("3316015505090001", today=TODAY)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("3316011505090000", "zero_serial"),
        ("9916011505090001", "unknown_province"),
        ("331601150509001", "malformed_number"),
        ("3316013102090001", "bad_date"),
    ],
)
def test_a_bad_kk_number_is_refused_with_the_field_named(value: str, rule: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        validate_kk(value, field="household.kk_number", today=TODAY)

    assert refused.value.rule == rule
    assert refused.value.field == "household.kk_number"
    assert refused.value.message.startswith("household.kk_number:")


def test_a_kk_from_an_unknown_regency_of_a_known_province_is_accepted_with_a_warning() -> None:
    kk = parse_kk("3399011505090001", today=TODAY)

    assert kk.warnings
    assert validate_kk("3399-01-150509-0001", today=TODAY) == "3399011505090001"


@settings(deadline=None)
@given(
    regency_code=st.sampled_from(KNOWN_REGENCIES),
    issued_on=st.dates(min_value=date(2000, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_any_kk_made_from_a_known_regency_and_a_past_date_round_trips(
    regency_code: str, issued_on: date, serial: int
) -> None:
    kk = parse_kk(make_kk(regency_code + "01", issued_on, serial), today=TODAY)

    assert kk.issued_on == issued_on
    assert kk.serial == f"{serial:04d}"


# Generators


def test_make_nik_adds_forty_to_a_womans_day() -> None:
    assert make_nik("33.16", "01", date(1985, 8, 17), "F", 1) == "3316015708850001"
    assert make_nik("3316", "01", date(1985, 8, 17), "M", 42) == "3316011708850042"


def test_make_kk_writes_the_issue_date_as_ddmmyy() -> None:
    assert make_kk("33.16.01", date(2009, 5, 15), 7) == "3316011505090007"


@pytest.mark.parametrize(
    "args",
    [
        ("331", "01", date(1985, 1, 1), "M", 1),
        ("3316", "1", date(1985, 1, 1), "M", 1),
        ("3316", "01", date(1985, 1, 1), "X", 1),
        ("3316", "01", date(1985, 1, 1), "M", 0),
        ("3316", "01", date(1985, 1, 1), "M", 10000),
    ],
)
def test_make_nik_refuses_parts_of_the_wrong_shape(args: tuple[str, str, date, str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        make_nik(*args)


# Masking


def test_a_nik_or_kk_is_masked_to_its_regency_and_serial() -> None:
    assert mask_number("3316015708850001") == "3316********0001"
    assert mask_number("3316 0157 0885 0001") == "3316********0001"


def test_anything_else_keeps_only_its_last_four_characters() -> None:
    assert mask_number("331601570885001") == "***********5001"
    assert mask_number("1234") == "****"
    assert mask_number("") == ""


def test_a_name_keeps_the_first_letter_of_each_word() -> None:
    assert mask_name("Sutrisno Hadi") == "S******* H***"
    assert mask_name("  Siti   Nur'aini ") == "S*** N*******"
    assert mask_name("") == ""


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_a_masked_number_never_shows_the_middle_digits(value: str) -> None:
    masked = mask_number(value)

    assert len(masked) == 16
    assert masked[4:12] == "********"


# Tracking codes


def complete(data: str) -> str:
    """The one valid code for nine data symbols, found through the public API alone."""
    valid = [data + check for check in CROCKFORD if is_valid_tracking_code(data + check)]
    assert len(valid) == 1, valid
    return valid[0]


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


data_symbols = st.text(alphabet=CROCKFORD, min_size=9, max_size=9)


def test_new_tracking_codes_are_in_display_form_and_valid() -> None:
    codes = [new_tracking_code() for _ in range(500)]

    assert all(DISPLAY_FORM.match(code) for code in codes)
    assert all(normalise_tracking_code(code) == code for code in codes)
    assert len(set(codes)) == len(codes)


def test_a_typed_code_is_read_forgivingly() -> None:
    code = complete("10VK3M9XD")

    typed = f" io u{code[3:].lower()} "
    assert normalise_tracking_code(typed) == display(code)
    assert normalise_tracking_code(display(code).replace("-", " ")) == display(code)


@pytest.mark.parametrize(
    ("text", "words", "rule"),
    [
        ("", "empty", "malformed_tracking_code"),
        (" - ", "empty", "malformed_tracking_code"),
        ("7K3M-Q9XD-2", "has 9 characters", "malformed_tracking_code"),
        ("7K3M-Q9XD-2KK", "has 11 characters", "malformed_tracking_code"),
        ("7K3M-Q9XD-2!", "'!'", "malformed_tracking_code"),
        ("7K3M-Q9XD-2Z", "mistyped", "tracking_code_check_failed"),
    ],
)
def test_a_bad_tracking_code_is_refused_saying_what_is_wrong(
    text: str, words: str, rule: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        normalise_tracking_code(text)

    assert refused.value.field == "tracking_code"
    assert refused.value.rule == rule
    assert words in refused.value.message
    assert not is_valid_tracking_code(text)


@given(data_symbols)
def test_exactly_one_check_symbol_completes_any_nine_data_symbols(data: str) -> None:
    complete(data)


@given(st.text())
def test_normalising_is_idempotent_and_refuses_only_with_invalid_input(text: str) -> None:
    try:
        once = normalise_tracking_code(text)
    except InvalidInputError:
        return
    assert normalise_tracking_code(once) == once
    assert DISPLAY_FORM.match(once)


@given(data_symbols, st.integers(min_value=0, max_value=9), st.sampled_from(CROCKFORD))
def test_every_single_symbol_substitution_is_detected(
    data: str, position: int, replacement: str
) -> None:
    code = complete(data)
    changed = code[:position] + replacement + code[position + 1 :]

    assert is_valid_tracking_code(changed) == (changed == code)


@given(data_symbols, st.integers(min_value=0, max_value=8))
def test_every_adjacent_transposition_is_detected(data: str, position: int) -> None:
    code = complete(data)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]

    assert is_valid_tracking_code(swapped) == (swapped == code)


def test_the_check_detects_all_single_errors_and_transpositions_exhaustively() -> None:
    """A proof by exhaustion over the check's quasigroup, which the properties above sample.

    A code is valid when its running interim ends at 0, and a leading "0" leaves the interim at
    0, so every interim value c is reached by the one-symbol prefix with value c. Each step is
    a bijection in both arguments, so a difference at any step survives to the end: it is enough
    that one step separates changed symbols (single errors) and that swapping two adjacent
    different symbols gives a different interim (transpositions), for every interim before them.
    """
    assert _interim("0") == 0
    for c in CROCKFORD:
        assert len({_interim(c + y) for y in CROCKFORD}) == 32
        assert len({_interim(x + c) for x in CROCKFORD}) == 32
        for x in CROCKFORD:
            for y in CROCKFORD:
                if x != y:
                    assert _interim(c + x + y) != _interim(c + y + x)
