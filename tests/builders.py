"""Plain functions that build the things tests need: a clock, registry rows, cases at a stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from bratasena.application import Bratasena

BLORA_VILLAGE = "3316012001"  # Bangkleyan, Jati
OTHER_VILLAGE = "3316012002"  # Gempol, Jati

UPHOLD_REASON = "Terbukti mampu: rumah dua lantai dan mobil pribadi di garasi."
"""A stated reason long enough for an uphold (30 characters or more)."""


@dataclass
class Clock:
    """A clock the test moves by hand; starts on a Tuesday morning in Jakarta."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 10, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def today(self) -> date:
        return (self.now + timedelta(hours=7)).date()


def nik(
    serial: int = 1, *, day: int = 17, month: int = 8, year: int = 80, district: str = "01"
) -> str:
    """A valid Blora NIK (regency 33.16) with the given serial."""
    return f"3316{district}{day:02d}{month:02d}{year:02d}{serial:04d}"


def kk(serial: int = 1, *, issued: str = "150320") -> str:
    """A valid Blora KK number issued in district 01."""
    return f"331601{issued}{serial:04d}"


def registry_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A validated extract row for household number ``n``."""
    row: dict[str, Any] = {
        "registry_id": f"DTKS-{n:06d}",
        "kk_number": kk(n),
        "head_nik": nik(n),
        "head_name": f"Sutrisno {n}",
        "address": f"RT 0{n % 9 + 1} RW 02, Dukuh Krajan",
        "village_code": BLORA_VILLAGE,
        "desil": 2,
        "programs": ["PKH", "BPNT"],
        "members": 4,
    }
    row.update(overrides)
    return row


def register(app: Bratasena, *rows: dict[str, Any]) -> list[UUID]:
    """Import rows (default: one household) and return the household ids."""
    counts = app.import_registry(
        list(rows) or [registry_row()], source="dtks", period="2026-01", actor="admin"
    )
    return counts.household_ids


def open_staff(app: Bratasena) -> None:
    """Accounts for an officer, a second officer, a supervisor and an admin."""
    for username, role in (
        ("budi", "officer"),
        ("sari", "officer"),
        ("kabid", "supervisor"),
        ("kabid2", "supervisor"),
        ("admin", "admin"),
    ):
        districts = ["3316" + "01"] if role == "officer" else []
        app.open_account(
            username=username, role=role, districts=districts, password_hash="-", actor="setup"
        )


def file(app: Bratasena, registry_id: str = "DTKS-000001", **overrides: Any) -> Any:
    """File a complaint about a registered household."""
    values: dict[str, Any] = {
        "subject": {"registry_id": registry_id},
        "reasons": ["mampu", "owns_car"],
        "description": "Keluarga ini punya mobil dan toko besar di pasar.",
        "reporter": {"name": "Warga Desa", "phone": "081234567890"},
    }
    values.update(overrides)
    return app.file_complaint(**values)


STAGES = (
    "filed",
    "assigned",
    "investigated",
    "notice_issued",
    "response_recorded",
    "upheld",
    "delivered",
)
"""``delivered``: upheld, and the decision letter delivered the same day (the objection window
runs); it needs an application with a typesetter (`tests.conftest`'s ``app`` has one)."""


def case_at(app: Bratasena, clock: Clock, stage: str, registry_id: str = "DTKS-000001") -> UUID:
    """A complaint about a registered household, driven through the lifecycle up to ``stage``."""
    filing = file(app, registry_id)
    cid = filing.id
    steps = STAGES[1 : STAGES.index(stage) + 1]
    for step in steps:
        if step != "delivered":  # handed over the day of the decision
            clock.advance(days=1)
        if step == "assigned":
            app.assign(cid, None, officer="budi", actor="kabid")
        elif step == "investigated":
            app.record_investigation(
                cid,
                None,
                visited_on=clock.today(),
                findings={"mampu": "Rumah permanen dua lantai", "owns_car": "Ada mobil di garasi"},
                recommendation="uphold",
                actor="budi",
            )
        elif step == "notice_issued":
            app.issue_notice(
                cid, None, response_due=clock.today() + timedelta(days=14), actor="budi"
            )
        elif step == "response_recorded":
            app.record_response(
                cid,
                None,
                statement="Mobil itu milik saudara.",
                received_on=clock.today(),
                actor="budi",
            )
        elif step == "upheld":
            app.uphold(
                cid, None, reason=UPHOLD_REASON, reason_codes=["mampu", "owns_car"], actor="kabid"
            )
        elif step == "delivered":
            deliver_decision(app, cid, on=clock.today())
    return cid


def deliver_decision(app: Bratasena, cid: UUID, *, on: date, method: str = "by_hand") -> str:
    """Issue the decision letter of a decided case and record its delivery on ``on``; its
    number."""
    issued = app.issue_letter(cid, None, kind="decision", actor="kabid")
    assert issued.letter is not None
    app.record_delivery(
        cid, None, number=issued.letter.number, delivered_on=on, method=method, actor="budi"
    )
    return issued.letter.number


T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB
"""The domain tests' day 0."""


def at(days: float) -> datetime:
    """``days`` after `T0`."""
    return T0 + timedelta(days=days)


def investigate(c: Any) -> Any:
    """Assign ``c`` to budi and record his field check recommending an uphold (events taken)."""
    c.assign(officer="budi", actor="kabid", at=at(1))
    c.record_investigation(
        visited_on=at(2).date(),
        findings={"mampu": "Rumah dua lantai"},
        recommendation="uphold",
        notes="",
        actor="budi",
        at=at(2),
    )
    c.collect_events()
    return c


def new_complaint(at: datetime, *, keep_events: bool = False, **overrides: Any) -> Any:
    """A freshly filed complaint aggregate (unit tests; nothing saved)."""
    from uuid import uuid4

    from bratasena.domain.complaint import Complaint

    values: dict[str, Any] = {
        "id": uuid4(),
        "tracking_code": "ABCD-EFGH-JK",
        "channel": "web",
        "household_id": uuid4(),
        "village_code": BLORA_VILLAGE,
        "subject": {"registry_id": "DTKS-000001"},
        "reasons": ["mampu", "owns_car"],
        "description": "Punya mobil dan toko.",
        "reporter": None,
        "actor": "public",
        "at": at,
    }
    values.update(overrides)
    complaint = Complaint.file(**values)
    if not keep_events:
        complaint.collect_events()
    return complaint


def deactivate_many(app: Bratasena, clock: Clock, count: int, *, first: int = 1) -> list[UUID]:
    """Register ``count`` households and deactivate each straight through the domain (fast).

    The deactivations name a complaint that does not exist, so they carry no complaint reference.
    """
    from uuid import uuid4

    rows = [registry_row(n) for n in range(first, first + count)]
    hids = register(app, *rows) if rows else []
    for hid in hids:
        household = app.get_household(hid)
        household.deactivate(
            complaint_id=uuid4(), reason_codes=["mampu"], actor="kabid", at=clock()
        )
        app.save(household)
    return hids


def production_secrets() -> dict[str, Any]:
    """A secret key and a cipher key strong enough to run with BRATASENA_ENVIRONMENT=production."""
    import base64
    import os

    return {
        "secret_key": base64.b64encode(os.urandom(32)).decode(),
        "cipher_key": base64.b64encode(os.urandom(32)).decode(),
    }


def photo(
    *,
    size: tuple[int, int] = (1200, 900),
    gps: tuple[float, float] | None = (-6.9701389, 111.4169444),
    taken: str | None = "2026:03:10 09:15:00",
    model: str = "TestPhone X",
    kind: str = "JPEG",
) -> bytes:
    """A photo made here with Pillow, with a camera model, a time and a place in its EXIF.

    ``gps`` is (latitude, longitude) in degrees; Blora's town square by default.
    """
    import io

    from PIL import Image

    image = Image.new("RGB", size, (120, 90, 60))
    for x in range(0, size[0], 40):  # some detail, so the encoders have work to do
        image.paste((200, 180, 40), (x, 0, x + 20, size[1]))
    exif = Image.Exif()
    exif[0x0110] = model
    if taken is not None:
        exif[306] = taken
    if gps is not None:
        lat, lon = gps
        exif[0x8825] = {
            1: "S" if lat < 0 else "N",
            2: _dms(abs(lat)),
            3: "W" if lon < 0 else "E",
            4: _dms(abs(lon)),
        }
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def pdf(*, script: bool = False, encrypted: bool = False) -> bytes:
    """A one-page PDF made here with pypdf; with a JavaScript open action, or a password."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if script:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1)"),
            }
        )
    if encrypted:
        writer.encrypt("rahasia", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def heic(size: tuple[int, int] = (640, 480)) -> bytes:
    """An iPhone-style HEIC photo, encoded here by pillow-heif."""
    import io

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (90, 120, 60)).save(out, "HEIF")
    return out.getvalue()


def png_bomb(width: int = 9000, height: int = 8000) -> bytes:
    """A small, well-formed PNG whose header claims more pixels than any photo has."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (1 + width * 3) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
