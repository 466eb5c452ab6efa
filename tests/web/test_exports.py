"""Downloads for Indonesian Excel: the report, the case list and the household search as CSV
(byte-order mark, ``;``, Indonesian headers, decimal commas) and as .xlsx."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bratasena.application import Bratasena
from tests.builders import OTHER_VILLAGE, Clock, case_at, file, nik
from tests.web.conftest import login


def rows_of(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_report_downloads_for_indonesian_excel_as_csv_and_xlsx(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case_at(core, clock, "upheld")
    login(client, "kabid")
    answer = client.get("/laporan/2026.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="penonaktifan-2026.csv"'
    rows = rows_of(answer.content)
    assert rows[0][:3] == ["Bulan", "Target", "Dinonaktifkan"]
    assert rows[4][:3] == ["April 2026", "10", "1"]  # upheld in March, effective in April
    assert rows[13][0] == "Jumlah"
    assert rows[15] == ["Kode kecamatan", "Kecamatan", "Dinonaktifkan", "Diaktifkan kembali",
                        "Penonaktifan bersih", "Berlaku di DTSEN"]  # fmt: skip
    assert rows[16][:3] == ["331601", "Jati", "1"]

    book = load_workbook(io.BytesIO(client.get("/laporan/2026.xlsx").content))
    assert book.sheetnames == ["Bulanan 2026", "Kecamatan", "Alasan", "Belum berlaku"]
    months = list(book["Bulanan 2026"].iter_rows(values_only=True))
    assert months[0][:2] == ("Bulan", "Target")
    assert months[4][:3] == ("April 2026", 10, 1)
    reasons = list(book["Alasan"].iter_rows(values_only=True))
    assert reasons[0] == ("Alasan", "Dinonaktifkan", "Diaktifkan kembali", "Penonaktifan bersih")
    assert len(reasons) > 1


def test_the_case_list_and_household_search_download_with_their_filters(
    client: TestClient, core: Bratasena
) -> None:
    named = file(core, subject={"name": "Tukiran", "village_code": OTHER_VILLAGE})
    other = file(core, "DTKS-000001")
    login(client, "budi")
    page = client.get("/petugas", params={"q": "tukiran"}).text
    assert 'href="/petugas/kasus.csv?q=tukiran"' in page
    rows = rows_of(client.get("/petugas/kasus.csv", params={"q": "tukiran"}).content)
    assert rows[0][:3] == ["Kode lacak", "Status", "Kecamatan"]
    assert [r[0] for r in rows[1:]] == [named.tracking_code]
    assert rows[1][1] == "Diterima"
    everything = load_workbook(io.BytesIO(client.get("/petugas/kasus.xlsx").content))["Kasus"]
    codes = {row[0] for row in everything.iter_rows(min_row=2, values_only=True)}
    assert codes == {named.tracking_code, other.tracking_code}
    assert client.get("/petugas/kasus.pdf").status_code == 404

    found = rows_of(client.get("/rumah-tangga.csv", params={"registry_id": "dtks-000002"}).content)
    assert found[0][:2] == ["No. registrasi", "Kepala keluarga"]
    assert [r[0] for r in found[1:]] == ["DTKS-000002"]
    assert nik(2) not in str(found)
    assert found[1][3] == nik(2)[:4] + "********" + nik(2)[-4:]
    sheet = load_workbook(io.BytesIO(client.get("/rumah-tangga.xlsx?nama=sutrisno").content))
    assert sheet["Keluarga"].max_row == 4  # the header and the three seeded households
    client.cookies.clear()
    login(client, "rina")  # works in 33.16.02: Jati's households are not hers
    assert rows_of(client.get("/rumah-tangga.csv?nama=sutrisno").content)[1:] == []
    assert rows_of(client.get("/petugas/kasus.csv").content)[1:] == []
