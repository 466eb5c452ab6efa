"""The event store's format across transcoders, on both backends: a store written by the library's
JSON transcoder reads back identically through orjson (events, their values' types, aggregates),
and one written through orjson reads back identically through the library's, sealed or not."""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder

from bratasena.application import Bratasena
from bratasena.domain.account import Role
from bratasena.media import Upload
from bratasena.settings import Settings
from bratasena.transcoder import OrjsonTranscoder
from bratasena.web.letters import Press
from tests.builders import Clock, case_at, file, open_staff, photo, register, registry_row

MakeSettings = Callable[..., Settings]


def a_history(app: Bratasena, clock: Clock) -> None:
    """Events of every kind of value the store holds: UUIDs, times with their zone, dates,
    enums, floats (a photo's place), nested dicts and lists, a letter, a joined complaint."""
    register(app, registry_row(1), registry_row(2))
    open_staff(app)
    case_at(app, clock, "delivered", "DTKS-000001")
    second = case_at(app, clock, "assigned", "DTKS-000002")
    app.attach_evidence(
        second,
        None,
        upload=Upload(photo(), name="IMG_0001.JPG", kind="house_front", caption="Depan"),
        role=Role.OFFICER,
        actor="budi",
    )
    clock.advance(hours=3)
    file(app, "DTKS-000002", reporter={"name": "Tetangga", "phone": "081298765432"})
    app.file_complaint(
        subject={"name": "Keluarga tanpa nomor", "village_code": "3316012001"},
        reasons=["mampu"],
        description="Tidak tahu nomornya, rumahnya besar dekat balai desa.",
        reporter=None,
    )


def shape(value: Any) -> Any:
    """``value`` with the type of every part spelled out, so equal shapes mean equal values of
    equal types (a str is not a StrEnum, a list not a tuple, a time keeps its zone)."""
    if isinstance(value, dict):
        return (type(value), tuple((shape(k), shape(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(shape(v) for v in value))
    if isinstance(value, set | frozenset):
        return (type(value), tuple(sorted(repr(shape(v)) for v in value)))
    if isinstance(value, datetime | date | float):
        return (type(value), repr(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value), tuple((f.name, shape(getattr(value, f.name))) for f in fields))
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return (type(value), shape(vars(value)))
    return (type(value), value)


def everything(settings: Settings) -> tuple[list[Any], dict[UUID, Any]]:
    """Every stored event and every aggregate, as this store's transcoder reads them."""
    app = Bratasena(settings, typesetter=Press())
    try:
        notifications = app.recorder.select_notifications(0, 100_000)
        events = [
            (n.id, shape(vars(app.mapper.to_domain_event(n))), type(app.mapper.to_domain_event(n)))
            for n in notifications
        ]
        ids = {UUID(str(n.originator_id)) for n in notifications}
        aggregates = {key: shape(vars(app.repository.get(key))) for key in ids}
        return events, aggregates
    finally:
        app.close()


def cipher_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.mark.parametrize(
    ("writer", "reader", "sealed"),
    [("json", "orjson", False), ("orjson", "json", False), ("json", "orjson", True)],
    ids=["library-then-orjson", "orjson-then-library", "library-then-orjson-sealed"],
)
def test_a_store_reads_back_identically_whichever_transcoder_wrote_it(
    make_settings: MakeSettings, clock: Clock, writer: str, reader: str, sealed: bool
) -> None:
    extra = {"cipher_key": cipher_key()} if sealed else {}
    written = make_settings(event_transcoder=writer, **extra)
    app = Bratasena(written, clock=clock, typesetter=Press())
    a_history(app, clock)
    app.close()

    as_written = everything(written)
    as_read = everything(make_settings(event_transcoder=reader, **extra))

    events, aggregates = as_written
    assert len(events) >= 30
    assert len(aggregates) >= 10
    assert as_read == as_written


def test_orjson_writes_the_very_bytes_the_library_wrote(
    make_settings: MakeSettings, clock: Clock
) -> None:
    settings = make_settings(event_transcoder="json")
    app = Bratasena(settings, clock=clock, typesetter=Press())
    a_history(app, clock)
    library, fast = JSONTranscoder(), OrjsonTranscoder()
    app.register_transcodings(library)
    app.register_transcodings(fast)
    try:
        stored = [n.state for n in app.recorder.select_notifications(0, 100_000)]
        assert len(stored) >= 30
        assert [fast.encode(library.decode(state)) for state in stored] == stored
    finally:
        app.close()


def test_the_store_uses_orjson_unless_told_otherwise(make_settings: MakeSettings) -> None:
    for overrides, kind in (({}, OrjsonTranscoder), ({"event_transcoder": "json"}, JSONTranscoder)):
        app = Bratasena(make_settings(**overrides))
        try:
            assert type(app.mapper.transcoder) is kind
        finally:
            app.close()


def test_a_filing_read_back_through_orjson_keeps_its_types(
    make_settings: MakeSettings, clock: Clock
) -> None:
    app = Bratasena(make_settings(), clock=clock)
    try:
        [household] = register(app)
        clock.advance(days=1, hours=2)
        filing = file(app)
        stored = app.recorder.select_events(filing.id)
        filed = app.mapper.to_domain_event(stored[0])
        assert b'"household_id":{"_type_":"uuid_hex"' in stored[0].state
        assert type(filed.timestamp) is datetime
        assert (filed.timestamp, filed.timestamp.utcoffset()) == (clock.now, timedelta(0))
        assert (type(filed.originator_id), filed.originator_id) == (UUID, filing.id)
        assert (type(filed.household_id), filed.household_id) == (UUID, household)
        assert type(filed.subject) is dict
        assert type(filed.reasons) is list
    finally:
        app.close()
