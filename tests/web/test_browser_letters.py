"""In headless Chromium: a case from filing to an upheld decision and the objection's decision,
matched, decided and lettered through the pages; every letter downloaded with "Cetak", read back
with pdftotext, and its first page rendered to PNG for a person to look at."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bratasena.application import Bratasena
from bratasena.domain.calendar import objection_deadline
from bratasena.domain.letters import letter_key
from bratasena.web.render import tanggal
from tests.builders import Clock, file
from tests.web.conftest import shoot
from tests.web.test_browser import DESK, act, log_in, log_out, open_page

pytestmark = pytest.mark.browser

LETTERS = Path("test-artifacts/letters")


def pdf_text(path: Path) -> str:
    """The text of a PDF as poppler's pdftotext reads it (one line per line of the page)."""
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (Debian's poppler-utils) is needed; .ci/run installs it"
    done = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def first_page_png(pdf: Path, name: str) -> Path:
    """The letter's first page as a PNG in test-artifacts/letters/, for review."""
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm (Debian's poppler-utils) is needed; .ci/run installs it"
    stem = LETTERS / name
    subprocess.run([tool, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(stem)], check=True)  # fmt: skip
    return stem.with_suffix(".png")


def download(page: Any, number: str, name: str) -> Path:
    """Click the letter's "Cetak" button and keep the PDF it gives."""
    LETTERS.mkdir(parents=True, exist_ok=True)
    with page.expect_download() as started:
        page.click(f"[id='surat-{letter_key(number)}'] a:has-text('Cetak')")
    target = LETTERS / f"{name}.pdf"
    started.value.save_as(str(target))
    return target


def issue(page: Any, kind_label: str) -> str:
    """Issue a letter of the kind through the form; its number, read from the case page."""
    act(page, "Terbitkan surat")
    page.check(f"#langkah-letter label:has-text('{kind_label}') input")
    page.click("button:has-text('Terbitkan surat')")
    assert "Surat sudah diterbitkan" in page.inner_text("main")
    item = page.locator("#surat li").last
    assert kind_label in item.inner_text()
    number: str = item.inner_text().split("Nomor ", 1)[1].split(" ", 1)[0]
    return number


@pytest.mark.slow  # four logins, a dozen forms and four PDFs
def test_a_case_is_matched_decided_and_lettered_and_every_letter_reads_back(
    browser: Any, live: str, core: Bratasena, clock: Clock
) -> None:
    filing = file(
        core,
        subject={"name": "Bpk. Soetrisno", "village_code": "3316012001"},
        reporter={"name": "Warga Rahasia", "phone": "081200000000"},
    )
    code = filing.tracking_code
    case = f"{live}/kasus/{filing.id}"
    page = open_page(browser, DESK, accept_downloads=True)
    numbers: dict[str, str] = {}

    log_in(page, live, "kabid")
    page.goto(case)
    act(page, "Tugaskan ke petugas")
    page.select_option("#f-officer", "budi")
    page.click("button:has-text('Tugaskan')")
    log_out(page)

    log_in(page, live, "budi")
    page.goto(case)
    act(page, "Cocokkan dengan keluarga terdaftar")
    # The complaint's own name is searched first: "Soetrisno" is today's "Sutrisno".
    candidate = page.locator("#kandidat-DTKS-000001")
    assert "Nama mirip" in candidate.inner_text()
    assert "Desa sama" in candidate.inner_text()
    shoot(page, "30-cocokkan-kandidat")
    candidate.locator("input").check()
    page.click("#langkah-identify button:has-text('Cocokkan')")
    assert "Aduan sudah dicocokkan" in page.inner_text("main")
    act(page, "Catat verifikasi lapangan")
    page.fill("#f-findings-mampu", "Rumah dua lantai, usaha toko bangunan.")
    page.fill("#f-findings-owns_car", "Ada mobil di garasi.")
    page.check("input[name=recommendation][value=uphold]")
    page.click("button:has-text('Simpan verifikasi')")
    numbers["field_report"] = issue(page, "Berita Acara Verifikasi Lapangan")
    act(page, "Kirim pemberitahuan")
    page.click("button:has-text('Catat pemberitahuan')")
    numbers["notice"] = issue(page, "Surat Pemberitahuan dan Undangan Klarifikasi")
    act(page, "Catat tanggapan keluarga")
    page.fill("#f-statement", "Mobil itu milik saudara yang menumpang.")
    page.click("button:has-text('Simpan tanggapan')")
    log_out(page)

    log_in(page, live, "kabid")
    page.goto(case)
    act(page, "Putuskan aduan")
    page.check("input[name=outcome][value=uphold]")
    page.fill("#f-reason", "Terbukti")
    page.click("button:has-text('Simpan keputusan')")
    # The refusal says what is wrong, next to the field, not "check the marked fields".
    assert page.inner_text("#err-reason").startswith("Alasan keputusan yang mencabut bantuan")
    page.check("input[name=reason_codes][value=mampu]")
    page.check("input[name=reason_codes][value=owns_car]")
    page.fill("#f-reason", "Terbukti mampu: rumah dua lantai, usaha toko bangunan dan mobil.")
    shoot(page, "31-putuskan-alasan")
    page.click("button:has-text('Simpan keputusan')")
    assert "Dikabulkan" in page.inner_text("h1")
    numbers["decision"] = issue(page, "Surat Pemberitahuan Keputusan")
    act(page, "Catat penyerahan surat")
    page.select_option("#f-number", numbers["decision"])
    page.check("input[name=method][value=via_village]")
    page.click("button:has-text('Catat penyerahan')")
    assert "Penyerahan surat sudah dicatat" in page.inner_text("main")
    deadline = objection_deadline(clock.today())
    act(page, "Catat keberatan keluarga")
    assert f"Paling lambat {tanggal(deadline)}" in page.inner_text("#langkah-appeal")
    page.fill("#f-grounds", "Mobil itu milik saudara, bukan milik kami.")
    page.click("button:has-text('Simpan keberatan')")
    act(page, "Putuskan keberatan")
    page.check("input[name=outcome][value=deny]")
    page.fill("#f-appeal-reason", "Tidak ada bukti baru yang membantah temuan lapangan.")
    page.click("button:has-text('Simpan keputusan')")
    numbers["appeal_decision"] = issue(page, "Keputusan atas Keberatan")
    shoot(page, "32-kasus-surat")

    letters = core.get_complaint(filing.id).letters
    for kind, number in numbers.items():
        pdf = download(page, number, kind)
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == letters[number].sha256
        text = " ".join(pdf_text(pdf).split())
        assert code in text, kind
        assert "Sutrisno 1" in text, kind
        assert number in text, kind
        assert "Warga Rahasia" not in text, kind  # never the complainant
        assert "081200000000" not in text, kind
        if kind == "decision":
            assert f"paling lambat tanggal {tanggal(deadline)}" in text
            assert f"Batas waktu keberatan : {tanggal(deadline)}" in text
        assert first_page_png(pdf, kind).stat().st_size > 10_000
