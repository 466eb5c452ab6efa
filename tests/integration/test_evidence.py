"""Evidence on both backends: the bytes stored under the hash the log records, EXIF-free copies,
sealed at rest with a cipher key, nothing stored for a refused upload, withdrawal as an event."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bratasena.application import Bratasena
from bratasena.blobs import BlobIntegrityError, FileBlobs, TableBlobs
from bratasena.domain.account import Role
from bratasena.domain.errors import DomainError, NotAllowedError, RuleViolationError
from bratasena.media import Upload
from bratasena.settings import Settings
from bratasena.web.letters import Press
from tests.builders import (
    Clock,
    case_at,
    file,
    heic,
    open_staff,
    pdf,
    photo,
    png_bomb,
    register,
)


def stored_blobs(app: Bratasena) -> list[bytes]:
    """Every blob as it lies at rest (sealed or not)."""
    blobs = app.blobs
    if isinstance(blobs, FileBlobs):
        return [p.read_bytes() for p in sorted(blobs.root.rglob("*")) if p.is_file()]
    assert isinstance(blobs, TableBlobs)
    return [bytes(row[0]) for row in blobs.db.query("SELECT data FROM blobs_files")]


def assigned_case(app: Bratasena, clock: Clock) -> Any:
    register(app)
    open_staff(app)
    return case_at(app, clock, "assigned")


def test_a_field_photo_is_stored_under_the_hash_its_event_records(
    app: Bratasena, clock: Clock
) -> None:
    cid = assigned_case(app, clock)
    original = photo()
    attached = app.attach_evidence(
        cid,
        None,
        upload=Upload(original, name="IMG_0001.JPG", kind="house_front", caption="Depan"),
        role=Role.OFFICER,
        actor="budi",
    )
    [event] = [e for e in app.history(cid) if e.type == "Complaint.EvidenceAttached"]
    assert event.data["sha256"] == hashlib.sha256(original).hexdigest()
    assert app.blobs.get(event.data["sha256"]) == original
    assert event.data["media_type"] == "image/jpeg"
    assert event.data["size"] == len(original)
    assert event.data["stage"] == "field_check"
    assert event.data["location_source"] == "exif"
    assert (event.data["latitude"], event.data["longitude"]) == (-6.9701389, 111.4169444)
    assert event.data["taken_at_source"] == "exif"
    assert event.actor == "budi"
    evidence = attached.evidence
    assert evidence is not None
    for size, longest in (("thumb", 480), ("screen", 1200)):
        copy = app.evidence_bytes(evidence, size)
        assert hashlib.sha256(copy).hexdigest() == event.data["derived"][size]
        image = Image.open(io.BytesIO(copy))
        assert max(image.size) == longest
        assert not image.getexif()
        assert b"TestPhone" not in copy
        assert b"Exif" not in copy


def test_a_swapped_file_is_detected_not_served(app: Bratasena, clock: Clock) -> None:
    cid = assigned_case(app, clock)
    attached = app.attach_evidence(
        cid,
        None,
        upload=Upload(pdf(), name="sk.pdf", kind="document"),
        role=Role.OFFICER,
        actor="budi",
    )
    assert attached.evidence is not None
    sha = attached.evidence.attachment.sha256
    blobs = app.blobs
    if isinstance(blobs, FileBlobs):
        (blobs.root / sha[:2] / sha).write_bytes(pdf(script=False) + b"% swapped\n")
    else:
        assert isinstance(blobs, TableBlobs)
        with blobs.db.transaction() as cur:
            cur.execute("UPDATE blobs_files SET data = %s WHERE sha256 = %s", (b"swapped", sha))
    with pytest.raises(BlobIntegrityError):
        app.evidence_bytes(attached.evidence, "original")


BAD: list[tuple[str, Upload, str]] = [
    ("empty", Upload(b"", name="a.jpg", kind="house_front"), "empty_file"),
    (
        "a PDF named .jpg",
        Upload(pdf(), name="rumah.jpg", kind="house_front"),
        "file_not_what_it_claims",
    ),
    (
        "a JPEG declared as PDF",
        Upload(photo(), name="x", declared="application/pdf", kind="document"),
        "file_not_what_it_claims",
    ),
    ("not a photo", Upload(b"MZ\x90\x00 not a photo", name="a.exe"), "unsupported_file"),
    ("truncated", Upload(photo()[:4000], name="a.jpg"), "broken_file"),
    ("PDF with JavaScript", Upload(pdf(script=True), name="a.pdf"), "pdf_has_script"),
    (
        "PDF with hidden JavaScript",
        Upload(pdf(script=True).replace(b"/JavaScript", b"/J#61vaScript"), name="a.pdf"),
        "pdf_has_script",
    ),
    ("encrypted PDF", Upload(pdf(encrypted=True), name="a.pdf"), "pdf_encrypted"),
    ("decompression bomb", Upload(png_bomb(), name="a.png"), "too_many_pixels"),
    ("PDF cut short", Upload(pdf()[:-40], name="a.pdf"), "broken_file"),
    ("a path in the name", Upload(photo(), name="../../etc/rumah.jpg"), "file_name_has_path"),
    ("a Windows path", Upload(photo(), name="C:\\foto\\rumah.jpg"), "file_name_has_path"),
    ("too large", Upload(photo(size=(3000, 3000)), name="a.jpg"), "file_too_large"),
    ("unknown kind", Upload(photo(), name="a.jpg", kind="selfie"), "invalid_input"),
    (
        "latitude out of range",
        Upload(photo(gps=None), name="a.jpg", latitude=95.0, longitude=111.0),
        "invalid_input",
    ),
]


def test_every_bad_upload_is_refused_naming_the_file_and_stores_nothing(
    make_settings: Any, clock: Clock
) -> None:
    settings: Settings = make_settings(evidence_max_bytes=200_000)
    app = Bratasena(settings, clock=clock, typesetter=Press())
    try:
        cid = assigned_case(app, clock)
        version = app.get_complaint(cid).version
        for what, upload, rule in BAD:
            with pytest.raises(RuleViolationError) as refused:
                app.attach_evidence(cid, None, upload=upload, role=Role.OFFICER, actor="budi")
            assert refused.value.rule == rule, what
            assert refused.value.field in ("file", "kind", "latitude"), what
        assert stored_blobs(app) == []
        assert app.get_complaint(cid).version == version
    finally:
        app.close()


def test_only_the_assigned_officer_attaches_field_evidence_before_reading_it(
    app: Bratasena, clock: Clock
) -> None:
    cid = assigned_case(app, clock)
    with pytest.raises(NotAllowedError):
        app.attach_evidence(cid, None, upload=Upload(photo()), role=Role.OFFICER, actor="sari")
    # Refused before the bytes are read: even a broken file gets the permission answer.
    with pytest.raises(NotAllowedError):
        app.attach_evidence(cid, None, upload=Upload(b"junk"), role=Role.SUPERVISOR, actor="kabid")
    assert stored_blobs(app) == []


def test_the_households_documents_come_with_its_response_and_withdrawal_is_an_event(
    app: Bratasena, clock: Clock
) -> None:
    register(app)
    open_staff(app)
    cid = case_at(app, clock, "notice_issued")
    attached = app.attach_evidence(
        cid,
        None,
        upload=Upload(pdf(), name="surat-phk.pdf", kind="document", caption="Surat PHK"),
        role=Role.OFFICER,
        actor="sari",
    )
    assert attached.evidence is not None
    assert attached.evidence.stage == "response"
    assert attached.evidence.attachment.derived == {}
    with pytest.raises(DomainError):
        app.withdraw_evidence(
            cid, None, evidence_id=str(attached.evidence.id), reason=" ", actor="kabid"
        )
    app.withdraw_evidence(
        cid, None, evidence_id=str(attached.evidence.id), reason="Salah berkas", actor="kabid"
    )
    case = app.get_complaint(cid)
    assert case.evidence[str(attached.evidence.id)].withdrawn
    assert case.evidence_count == 0
    types = [e.type for e in app.history(cid)]
    assert types[-2:] == ["Complaint.EvidenceAttached", "Complaint.EvidenceWithdrawn"]
    # The bytes stay until retention says otherwise.
    assert app.evidence_bytes(case.evidence[str(attached.evidence.id)], "original") == pdf()


def test_a_complainant_files_at_most_three_files_and_the_public_sees_only_their_number(
    app: Bratasena, clock: Clock
) -> None:
    register(app)
    uploads = [Upload(photo(), name=f"rumah{n}.jpg", kind="house_front") for n in range(4)]
    with pytest.raises(RuleViolationError) as refused:
        file(app, uploads=uploads)
    assert refused.value.rule == "too_many_files"
    assert stored_blobs(app) == []
    filing = file(app, uploads=uploads[:3])
    case = app.get_complaint(filing.id)
    assert {e.stage for e in case.evidence.values()} == {"filing"}
    assert app.progress(filing.tracking_code).evidence == 3


def test_with_a_cipher_key_no_photo_or_exif_is_at_rest_in_plain(
    make_settings: Any, clock: Clock
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings: Settings = make_settings(cipher_key=key)
    app = Bratasena(settings, clock=clock, typesetter=Press())
    try:
        cid = assigned_case(app, clock)
        original = photo()
        attached = app.attach_evidence(
            cid, None, upload=Upload(original, name="a.jpg"), role=Role.OFFICER, actor="budi"
        )
        at_rest = stored_blobs(app)
        assert len(at_rest) == 3  # the original, the screen copy, the thumbnail
        for sealed in at_rest:
            assert b"\xff\xd8\xff" not in sealed
            assert b"Exif" not in sealed
            assert b"TestPhone" not in sealed
            assert b"JFIF" not in sealed
        assert attached.evidence is not None
        assert app.evidence_bytes(attached.evidence, "original") == original
        if isinstance(app.blobs, FileBlobs):
            for path in Path(app.blobs.root).rglob("*"):
                expected = 0o600 if path.is_file() else 0o700
                assert path.stat().st_mode & 0o777 == expected
    finally:
        app.close()


def test_the_field_report_lists_the_field_checks_attachments_by_kind_day_and_hash(
    app: Bratasena, clock: Clock
) -> None:
    import json

    cid = assigned_case(app, clock)
    kept = app.attach_evidence(
        cid, None, upload=Upload(photo(), kind="vehicle"), role=Role.OFFICER, actor="budi"
    )
    dropped = app.attach_evidence(
        cid, None, upload=Upload(pdf(), kind="document"), role=Role.OFFICER, actor="budi"
    )
    assert kept.evidence is not None
    assert dropped.evidence is not None
    app.withdraw_evidence(
        cid, None, evidence_id=str(dropped.evidence.id), reason="Bukan rumah ini", actor="kabid"
    )
    app.record_investigation(
        cid,
        None,
        visited_on=clock.today(),
        findings={"owns_car": "Ada mobil di garasi"},
        recommendation="uphold",
        actor="budi",
    )
    issued = app.issue_letter(cid, None, kind="field_report", actor="budi")
    assert issued.letter is not None
    content = json.dumps(issued.letter.content, ensure_ascii=False)
    assert f"Foto kendaraan, 10 Maret 2026, SHA-256 {kept.evidence.attachment.sha256[:12]}" in (
        content
    )
    assert dropped.evidence.attachment.sha256[:12] not in content
    assert "tidak ada lampiran" not in content


def test_an_iphone_heic_photo_is_accepted_and_a_cut_short_one_refused(
    app: Bratasena, clock: Clock
) -> None:
    cid = assigned_case(app, clock)
    photo_heic = heic()
    with pytest.raises(RuleViolationError) as refused:
        app.attach_evidence(
            cid,
            None,
            upload=Upload(photo_heic[:-200], name="IMG_1.HEIC"),
            role=Role.OFFICER,
            actor="budi",
        )
    assert refused.value.rule == "broken_file"
    attached = app.attach_evidence(
        cid, None, upload=Upload(photo_heic, name="IMG_1.HEIC"), role=Role.OFFICER, actor="budi"
    )
    assert attached.evidence is not None
    assert attached.evidence.attachment.media_type == "image/heic"
    thumb = Image.open(io.BytesIO(app.evidence_bytes(attached.evidence, "thumb")))
    assert (thumb.format, thumb.size) == ("JPEG", (480, 360))


def test_a_case_at_its_limit_of_attachments_refuses_one_more_and_stores_nothing(
    make_settings: Any, clock: Clock
) -> None:
    settings: Settings = make_settings(evidence_per_case=2)
    app = Bratasena(settings, clock=clock, typesetter=Press())
    try:
        cid = assigned_case(app, clock)
        for n in range(2):
            app.attach_evidence(
                cid, None, upload=Upload(pdf(), name=f"{n}.pdf"), role=Role.OFFICER, actor="budi"
            )
        before = stored_blobs(app)
        with pytest.raises(RuleViolationError) as refused:
            app.attach_evidence(
                cid, None, upload=Upload(photo(), name="3.jpg"), role=Role.OFFICER, actor="budi"
            )
        assert (refused.value.rule, refused.value.field) == ("too_many_attachments", "file")
        assert stored_blobs(app) == before
    finally:
        app.close()
