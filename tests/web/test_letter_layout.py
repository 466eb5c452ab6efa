"""A letter's bytes depend only on its content and layout version: no dates, no random ids, no
fonts of the machine; and layout v1 prints a stored letter as it did when v1 was released."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bratasena.domain.letters import LetterKind
from bratasena.letter_facts import (
    AppealDecision,
    Decision,
    FieldCheck,
    HouseholdOnPaper,
    LetterFacts,
    Letterhead,
)
from bratasena.web import letters
from bratasena.web.letters import Press

HEAD = Letterhead(
    government="PEMERINTAH KABUPATEN BLORA",
    office="Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak",
    address="Jalan Contoh No. 1, Blora 58211",
    contact="Telepon (0296) 000000",
    city="Blora",
    office_hours="Senin–Jumat, pukul 08.00–15.00 WIB",
    head_title="Kepala Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Blora",
    head_name="Drs. Contoh Nama, M.Si.",
    head_nip="19700101 199503 1 001",
)
FINDINGS = {"mampu": "Rumah dua lantai.", "owns_car": "Ada mobil di garasi."}


def facts(kind: LetterKind) -> LetterFacts:
    return LetterFacts(
        kind=kind,
        number="400.9/12/2026",
        issued_on=date(2026, 3, 16),
        letterhead=HEAD,
        tracking_code="ABCD-EFGH-JK",
        household=HouseholdOnPaper("DTKS-000001", "Sugeng Riyadi", "RT 02", "Bangkleyan", "Jati"),
        reasons=("mampu", "owns_car"),
        response_due=date(2026, 3, 27),
        field_check=FieldCheck(date(2026, 3, 12), "Budi Santoso", FINDINGS, "uphold", ""),
        decision=Decision("uphold", date(2026, 3, 16), "Terbukti mampu menurut verifikasi.",
                          ("mampu", "owns_car"), FINDINGS, "2026-04"),
        delivery_on=date(2026, 3, 17),
        objection_deadline=date(2026, 4, 17),
        appeal=AppealDecision("deny", date(2026, 3, 25), "x", date(2026, 4, 2),
                              "Tidak ada bukti baru.", None),
    )  # fmt: skip


V1_SHA256 = {
    LetterKind.NOTICE: "53d3929c30f7d8d96527b10c22b1ffdc23db0cdd2cd9b07a859579f57696edf0",
    LetterKind.FIELD_REPORT: "61aa35a18a0503499d1504da99b356c908731a27ac0beeba642a56c0b1dfe249",
    LetterKind.DECISION: "1a0e6f6708f77a99aeecc689f61cba2b45d1d7d92cd773c87a03552a87f5c26a",
    LetterKind.APPEAL_DECISION: "3bd4d1bf43c5576c9d4ac44c6866bb27d972c5129b335662f19de25759d15631",
}
"""The digests layout v1 gave these contents when it was released. If one changes, stored
letters no longer print as issued: leave v1 as it was and add a v2, or find what changed in the
pinned WeasyPrint, its libraries or the bundled fonts."""


@pytest.mark.parametrize("kind", list(LetterKind))
def test_layout_v1_still_prints_the_bytes_it_printed_when_released(kind: LetterKind) -> None:
    press = Press()
    content = press.compose(facts(kind))
    assert hashlib.sha256(press.render(content, "v1")).hexdigest() == V1_SHA256[kind]


def test_a_letter_prints_the_same_bytes_in_another_process_and_carries_no_dates(
    tmp_path: Path,
) -> None:
    content = Press().compose(facts(LetterKind.DECISION))
    here = Press().render(content, "v1")
    script = (
        "import json, sys, hashlib; from bratasena.web.letters import Press; "
        "print(hashlib.sha256(Press().render(json.load(sys.stdin), 'v1')).hexdigest())"
    )
    import json

    there = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(content).encode(),
        capture_output=True,
        check=True,
    )
    assert there.stdout.decode().strip() == hashlib.sha256(here).hexdigest()
    (tmp_path / "surat.pdf").write_bytes(here)
    info = _pdfinfo(tmp_path / "surat.pdf")
    assert "CreationDate" not in info
    assert "ModDate" not in info
    assert b"/ID" not in here


def test_letters_use_only_their_own_fonts(tmp_path: Path) -> None:
    content = Press().compose(facts(LetterKind.NOTICE))
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(Press().render(content, "v1"))
    fonts = subprocess.run(
        [_tool("pdffonts"), str(pdf)], capture_output=True, check=True
    ).stdout.decode()
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded
    # Only the faces of the layout's @font-face (the bundled Liberation Sans), embedded.
    assert all("Surat-Sans" in line and " yes yes " in line for line in embedded), fonts
    with pytest.raises(ValueError, match="only their own fonts"):
        letters._own_files()("https://example.org/font.ttf")


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown letter layout"):
        Press().render({}, "v0")


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} (Debian's poppler-utils) is needed; .ci/run installs it"
    return found


def _pdfinfo(pdf: Path) -> str:
    done: Any = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, check=True)
    return str(done.stdout.decode())
