"""Each role's main path on a phone (390×844) and the states the other browser tests do not
reach on a desktop: lists as cards, nothing scrolling sideways, chart labels of 12 px or more,
and axe-core on every state (`shoot` runs it before each screenshot)."""

from __future__ import annotations

from typing import Any

import pytest

from bratasena.application import Bratasena
from tests.builders import Clock, case_at, file
from tests.web.conftest import shoot
from tests.web.test_browser import DESK, fits_the_screen, log_in, log_out, open_page, phone_page

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = """() => [...document.querySelectorAll('.table-wrap, table, pre, dl')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName)"""
"""Every list or block that would scroll sideways (none should)."""

SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll('svg.chart')]
  .flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')]
      .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  }))"""
"""The rendered size in CSS pixels of the smallest label of the report's charts."""


def reads_on_a_phone(page: Any, name: str) -> None:
    shoot(page, name)
    assert fits_the_screen(page), name
    assert page.evaluate(NO_SIDEWAYS_SCROLL) == [], name


def test_every_role_works_from_a_phone(
    browser: Any, live: str, core: Bratasena, clock: Clock
) -> None:
    decided = case_at(core, clock, "upheld", "DTKS-000001")
    visit = file(core, "DTKS-000002")
    core.assign(visit.id, None, officer="pkh", actor="kabid")
    mine = file(core, "DTKS-000003")
    core.assign(mine.id, None, officer="budi", actor="kabid")
    page = phone_page(browser)

    page.goto(f"{live}/aduan")
    page.click("summary:has-text('Tahu nomor KK')")
    page.fill("#f-subject-nik", "33160115")
    page.fill("#f-reporter-phone", "081234567890")
    page.click("button:has-text('Kirim aduan')")
    assert page.locator("[aria-invalid=true]").count() == 3  # NIK, description, phone at once
    reads_on_a_phone(page, "50-aduan-semua-salah-hp")
    page.goto(f"{live}/halaman-yang-tidak-ada")
    reads_on_a_phone(page, "51-tidak-ditemukan-hp")

    log_in(page, live, "budi")
    reads_on_a_phone(page, "52-petugas-hp")
    card = page.locator("table.cases tbody tr:not(.empty)").first
    code = card.locator("td.lead").inner_text()
    assert "\n" not in code  # the tracking code on one line
    assert card.locator("td.lead").bounding_box()["height"] < 40
    assert mine.tracking_code in code
    assert "Budi (Petugas)" in card.inner_text()
    page.goto(f"{live}/kasus/{decided}")
    reads_on_a_phone(page, "53-kasus-petugas-hp")
    page.goto(f"{live}/rumah-tangga?registry_id=DTKS-000001")
    reads_on_a_phone(page, "54-cari-keluarga-hp")
    log_out(page)

    log_in(page, live, "pkh")
    row = page.locator("table.cases tbody tr:not(.empty)").first.inner_text()
    assert visit.tracking_code in row
    assert "Bangkleyan" in row  # the village in full, not cut off
    assert "2026" in row  # the deadline
    reads_on_a_phone(page, "55-tugas-pendamping-kartu-hp")
    log_out(page)

    log_in(page, live, "kabid")
    page.goto(f"{live}/antrean")
    reads_on_a_phone(page, "56-antrean-hp")
    page.goto(f"{live}/laporan?tahun=2026")
    assert page.evaluate(SMALLEST_CHART_TEXT) >= 12
    reads_on_a_phone(page, "56-laporan-hp")
    log_out(page)

    log_in(page, live, "inspektur")
    reads_on_a_phone(page, "57-beranda-auditor-hp")
    page.goto(f"{live}/kasus/{decided}/riwayat")
    assert "Budi (Petugas)" in page.inner_text("ol.audit")
    reads_on_a_phone(page, "57-riwayat-auditor-hp")
    log_out(page)

    log_in(page, live, "admin")
    reads_on_a_phone(page, "58-akun-hp")
    page.goto(f"{live}/sinkron")
    reads_on_a_phone(page, "59-sinkron-hp")


def test_the_states_only_a_phone_test_reached_also_pass_on_a_desktop(
    browser: Any, live: str, core: Bratasena
) -> None:
    visit = file(core, "DTKS-000002")
    core.assign(visit.id, None, officer="pkh", actor="kabid")
    page = open_page(browser, DESK)
    page.goto(f"{live}/aduan")
    page.click("summary:has-text('Tahu nomor KK')")
    page.fill("#f-subject-nik", "33160115")
    page.click("button:has-text('Kirim aduan')")
    shoot(page, "60-aduan-semua-salah")
    page.goto(f"{live}/kasus/bukan-kode")
    shoot(page, "61-tidak-ditemukan")
    log_in(page, live, "pkh")
    shoot(page, "62-tugas-pendamping")
    assert page.evaluate(NO_SIDEWAYS_SCROLL) == []
