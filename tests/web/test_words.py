"""Words and figures, on SQLite and PostgreSQL: names and roles instead of usernames, one word per
actor, acronyms kept, Indonesian numbers on /sinkron, one target card, months not yet begun."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.web import labels
from bratasena.web.render import lama
from tests.builders import Clock, case_at, file
from tests.web.conftest import login


def test_durations_and_reasons_read_as_indonesian() -> None:
    assert lama(0.0) == "kurang dari 1 menit"
    assert lama(12 * 60 + 30) == "12 menit"
    assert lama(2 * 3600 + 5 * 60) == "2 jam 5 menit"
    assert lama(3 * 86400 + 4 * 3600) == "3 hari 4 jam"
    assert labels.reason_phrase("wage_above_umk") == "penghasilan di atas UMK"
    assert labels.reason_phrase("asn_tni_polri").startswith("ASN, TNI")
    assert labels.reason_phrase("mampu") == "mampu secara ekonomi"
    assert labels.ROLE["public"] == "Pelapor"


def test_the_case_names_its_assignee_by_name_and_role_and_keeps_acronyms(
    client: TestClient, core: Bratasena
) -> None:
    filing = file(core, reasons=["wage_above_umk"])
    core.assign(filing.id, None, officer="pkh", actor="kabid")
    login(client, "kabid")
    page = client.get(f"/kasus/{filing.id}").text
    assert '<dd id="penerima-tugas">Pkh (Pendamping PKH)</dd>' in page
    assert "Ditugaskan kepada Pkh (Pendamping PKH)." in page  # the timeline, not "pkh"
    assert "Kabid (Kepala Bidang)" in page  # who assigned it
    assert "Ditugaskan ke petugas" not in page
    assert "penghasilan di atas UMK" in page
    assert "umk" not in page
    assert "Masyarakat" not in page
    client.cookies.clear()
    public = client.get(f"/lacak?kode={filing.tracking_code}").text
    assert "Ditugaskan untuk verifikasi lapangan" in public  # true for a facilitator too
    assert "Pkh" not in public


def test_the_sync_page_speaks_plain_indonesian(client: TestClient) -> None:
    login(client, "admin")
    page = client.get("/sinkron").text
    assert '<b id="tertua">kurang dari 1 menit</b>' in page
    assert "peristiwa belum dibaca" not in page
    assert not re.search(r"\d\.\d", page.split("<main>")[1])  # no English decimal point


def test_the_dashboard_has_one_target_card_and_the_report_marks_months_not_begun(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case_at(core, clock, "upheld")  # decided in March 2026, effective in April
    login(client, "kabid")
    dashboard = client.get("/petugas").text
    card = re.search(
        r'<div class="stat target-card" id="kartu-target">(.*?)</div>', dashboard, re.S
    )
    assert card is not None
    assert dashboard.count("target-card") == 1
    assert "0 dari 10</b> keluarga nonaktif mulai bulan ini (Maret 2026)" in card.group(1)
    assert "1 dari 10</b> untuk bulan depan" in card.group(1)
    report = client.get("/laporan?tahun=2026").text
    # March is running; April (where the decision takes effect) onwards have not begun.
    assert report.count('class="bar future"') == 9
    assert "April: 1 dinonaktifkan, target 10 (belum berjalan)" in report
    assert report.count(" (belum berjalan)</td>") == 9
    past = client.get("/laporan?tahun=2025").text
    assert 'class="bar future"' not in past
