"""The audit page for people, on SQLite and PostgreSQL: words not reprs, names not usernames,
the chain of the API's export, and its PDF and JSON downloads."""

from __future__ import annotations

import json
import re
import subprocess

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.canonical import export
from tests.builders import Clock, case_at
from tests.web.conftest import login


def test_the_audit_page_reads_as_indonesian_with_names_roles_and_the_last_chain_value(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "delivered")
    chain = export(core.history(case))[-1]["chain"]
    login(client, "kabid")
    page = client.get(f"/kasus/{case}/riwayat").text
    assert "<title>Riwayat kasus" in page
    # Who did it: the account's full name and role; the citizen is "Pelapor".
    assert "oleh Budi (Petugas)" in page
    assert "oleh Kabid (Kepala Bidang)" in page
    assert "oleh Pelapor" in page
    # Codes in words, dates like "12 Maret 2026, 09.00 WIB", the village by name.
    assert "Mampu secara ekonomi" in page
    assert "Surat Pemberitahuan Keputusan" in page
    assert "diserahkan langsung" in page
    assert re.search(r"\d{1,2} Maret 2026, \d\d\.\d\d WIB", page)
    assert "April 2026" in page  # the effective month of the decision
    # No reprs, no ISO dates, no ids, no English keys.
    for developer_output in ("{'", "None", "UUID(", "datetime.date", "2026-03-", "reason_codes"):
        assert developer_output not in page, developer_output
    shown = re.sub(r'href="[^"]*"', "", page)  # links may carry ids; the text does not
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", shown)
    assert "Complaint.Upheld" not in page
    assert chain in page
    # Ids only when asked.
    detailed = client.get(f"/kasus/{case}/riwayat?rinci=1").text
    assert "Complaint.Upheld" in detailed


def test_the_audit_downloads_are_the_api_export_and_a_pdf_with_the_chain(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "upheld")
    login(client, "inspektur")
    exported = client.get(f"/kasus/{case}/riwayat.json")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/json")
    assert json.loads(exported.content) == export(core.history(case))
    pdf = client.get(f"/kasus/{case}/riwayat.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Riwayat kasus" in text
    assert "Budi (Petugas)" in text
    assert export(core.history(case))[-1]["chain"][:40] in text.replace("\n", "")


def test_an_officer_gets_no_audit_page_nor_its_downloads(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "assigned")
    login(client, "budi")
    for suffix in ("", ".pdf", ".json"):
        answer = client.get(f"/kasus/{case}/riwayat{suffix}")
        assert answer.status_code == 403, suffix
        assert "Tidak berwenang" in answer.text
