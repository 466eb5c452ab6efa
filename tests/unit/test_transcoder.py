"""OrjsonTranscoder against the library's JSONTranscoder, for all values an event may hold: what
either writes, the other reads back to the same values of the same types."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import given, settings
from hypothesis import strategies as st

from bratasena.application import DateAsISO
from bratasena.transcoder import OrjsonTranscoder


class Colour(StrEnum):
    RED = "merah"
    GREEN = "hijau"


class Level(IntEnum):
    LOW = 1
    HIGH = 10


class Plain(Enum):
    """An enum of neither str nor int: no transcoding is registered for it."""

    ONE = object()


def transcoders() -> tuple[JSONTranscoder, OrjsonTranscoder]:
    """The library's transcoder and the fast one, with the application's transcodings."""
    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

    pair = (JSONTranscoder(), OrjsonTranscoder())
    for transcoder in pair:
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
            transcoder.register(transcoding)
    return pair


LIBRARY, FAST = transcoders()


def shape(value: Any) -> Any:
    """The value with every part's type spelled out (NaN equal to NaN, -0.0 not 0.0)."""
    if isinstance(value, dict):
        return (type(value), tuple((shape(k), shape(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(shape(v) for v in value))
    if isinstance(value, float | datetime | Decimal):
        return (type(value), repr(value))
    return (type(value), value)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # past 64 bits too
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(),  # NaN and the infinities too
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e30, max_value=1e30),
    st.text(),
    st.text(alphabet="0123456789", min_size=16, max_size=25),
    st.uuids(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=7)), None])),
    st.dates(),
    st.decimals(allow_nan=False),
    st.sampled_from([*Colour, *Level]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
        st.dictionaries(st.sampled_from(["_type_", "_data_"]), st.text(max_size=3), max_size=2),
    ),
    max_leaves=8,
)
states = st.dictionaries(st.text(max_size=12), values, max_size=6)
examples = settings(max_examples=60, deadline=None)
"""Generating nested values is the slow part, and a busy machine must not fail a test."""


def library_reading(data: bytes) -> Any:
    try:
        return shape(LIBRARY.decode(data))
    except Exception as error:  # what the library refuses, the fast one must refuse too
        return type(error)


def fast_reading(data: bytes) -> Any:
    try:
        return shape(FAST.decode(data))
    except Exception as error:
        return type(error)


@examples
@given(states)
def test_what_the_library_wrote_reads_back_the_same_through_orjson(state: dict[str, Any]) -> None:
    stored = LIBRARY.encode(state)
    assert fast_reading(stored) == library_reading(stored)


@examples
@given(states)
def test_what_orjson_writes_the_library_reads_back_as_it_would_its_own(
    state: dict[str, Any],
) -> None:
    assert library_reading(FAST.encode(state)) == library_reading(LIBRARY.encode(state))


@examples
@given(states)
def test_without_floats_orjson_writes_the_librarys_very_bytes(state: dict[str, Any]) -> None:
    if "float" not in repr(shape(state)):
        assert FAST.encode(state) == LIBRARY.encode(state)


@pytest.mark.parametrize(
    "value",
    [
        2**64,
        -(2**63) - 1,
        12345678901234567890123,
        math.nan,
        math.inf,
        -math.inf,
        1e-7,
        {"1": 2, 3: "non-str key"},
        (Colour.RED, Level.HIGH, [date(2026, 1, 31)]),
        {"_type_": "uuid_hex", "_data_": "0" * 32, "extra": 1},
    ],
)
def test_edge_values_read_back_as_the_library_reads_its_own(value: Any) -> None:
    state = {"value": value}
    assert library_reading(FAST.encode(state)) == library_reading(LIBRARY.encode(state))
    assert fast_reading(LIBRARY.encode(state)) == library_reading(LIBRARY.encode(state))


def test_an_unregistered_type_is_refused_as_the_library_refuses_it() -> None:
    for transcoder in (LIBRARY, FAST):
        with pytest.raises(TranscodingNotRegisteredError):
            transcoder.encode({"value": Plain.ONE})
        with pytest.raises(UnicodeEncodeError):
            transcoder.encode({"value": "a lone surrogate \ud800"})
        with pytest.raises(TranscodingNotRegisteredError):
            transcoder.decode(b'{"value":{"_type_":"no_such_type","_data_":"x"}}')


def test_bytes_the_library_cannot_read_are_refused_alike() -> None:
    for data in (b"", b"{", b'{"a":1}x', b"\xff\xfe"):
        assert fast_reading(data) is library_reading(data)
        assert isinstance(fast_reading(data), type)


def test_a_tagged_uuid_and_time_come_back_as_themselves() -> None:
    key = UUID("6f1c1e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6")
    moment = datetime(2026, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    stored = FAST.encode({"id": key, "at": moment, "on": date(2026, 3, 10), "n": Decimal("1.50")})
    assert stored == (
        b'{"id":{"_type_":"uuid_hex","_data_":"6f1c1e1a2b3c4d5e8f90a1b2c3d4e5f6"},'
        b'"at":{"_type_":"datetime_iso","_data_":"2026-03-10T09:00:00+07:00"},'
        b'"on":{"_type_":"date_iso","_data_":"2026-03-10"},'
        b'"n":{"_type_":"decimal_str","_data_":"1.50"}}'
    )
    assert shape(FAST.decode(stored)) == shape(
        {"id": key, "at": moment, "on": date(2026, 3, 10), "n": Decimal("1.50")}
    )
