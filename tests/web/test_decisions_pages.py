"""The case page's matching, decision and letter forms: candidates with their checks, each refusal's
own message at its field, and letters printed with the "Cetak" button."""

from __future__ import annotations

import hashlib
import re
from uuid import UUID

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.builders import OTHER_VILLAGE, Clock, case_at, file, registry_row
from tests.web.conftest import login, post_form


def unmatched(core: Bratasena, name: str = "Bpk. Soetrisno") -> UUID:
    filing = file(
        core,
        subject={"name": name, "village_code": "3316012001"},
        reporter={"name": "Warga Rahasia", "phone": "081200000000"},
    )
    cid: UUID = filing.id
    return cid


def form_values(html: str, action: str) -> dict[str, str]:
    """The hidden version of the case page's form for ``action``."""
    form = html.split(f'action="{action}"', 1)[1]
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version, f"no form for {action}"
    return {"version": version.group(1)}


def test_the_match_form_lists_candidates_with_what_matches_and_needs_a_reason_elsewhere(
    client: TestClient, core: Bratasena
) -> None:
    core.import_registry(
        [registry_row(4, head_name="Soetrisno Wibowo", village_code=OTHER_VILLAGE)],
        source="dtks",
        period="2026-01",
        actor="admin",
    )
    cid = unmatched(core)
    login(client, "budi")
    page = client.get(f"/kasus/{cid}").text
    # Nothing typed: the complaint's name is searched in its district.
    assert 'id="kandidat-DTKS-000001"' in page
    candidate = page.split('id="kandidat-DTKS-000004"', 1)[1].split("</label>", 1)[0]
    assert "Desa berbeda" in candidate
    assert "Kecamatan sama" in candidate
    searched = client.get(f"/kasus/{cid}", params={"cari": "DTKS-000004"}).text
    assert 'id="kandidat-DTKS-000004"' in searched
    assert 'id="kandidat-DTKS-000001"' not in searched
    case = f"/kasus/{cid}"
    refused = post_form(
        client,
        case,
        f"{case}/identify",
        {**form_values(page, f"{case}/identify"), "registry_id": "DTKS-000004"},
    )
    assert refused.status_code == 422
    assert 'id="err-confirmation" role="alert">Keluarga ini berbeda dari aduan' in refused.text
    assert "Langkah belum tersimpan: Keluarga ini berbeda" in refused.text
    assert core.get_complaint(cid).household_id is None
    done = post_form(
        client,
        case,
        f"{case}/identify",
        {
            **form_values(page, f"{case}/identify"),
            "registry_id": "DTKS-000004",
            "confirmation": "Dicek di kantor desa: keluarga pindah ke Gempol.",
        },
    )
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "Aduan sudah dicocokkan" in shown
    assert "Dikonfirmasi walau desa berbeda dari aduan" in shown


def test_a_deactivated_household_is_shown_but_cannot_be_chosen_and_says_why(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    darmo = core.find_households(registry_id="DTKS-000002")[0]
    darmo.deactivate(complaint_id=darmo.id, reason_codes=["mampu"], actor="kabid", at=clock())
    core.save(darmo)
    cid = unmatched(core, name="Sugeng Riyadi")
    login(client, "kabid")
    case = f"/kasus/{cid}"
    page = client.get(case, params={"cari": "DTKS-000002"}).text
    candidate = page.split('id="kandidat-DTKS-000002"', 1)[1].split("</label>", 1)[0]
    assert "disabled" in candidate
    assert "Sudah dinonaktifkan" in candidate
    # A form sent anyway (an old page, a hand-made request) gets the rule's own message.
    refused = post_form(
        client,
        case,
        f"{case}/identify",
        {
            **form_values(page, f"{case}/identify"),
            "registry_id": "DTKS-000002",
            "confirmation": "Nomor registrasi dari pelapor lewat telepon.",
        },
    )
    assert 'id="err-registry_id" role="alert">Keluarga ini sudah dinonaktifkan' in refused.text


def test_an_uphold_states_its_reasons_and_each_refusal_speaks_at_its_field(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    cid = case_at(core, clock, "response_recorded")
    login(client, "kabid")
    case = f"/kasus/{cid}"
    page = client.get(case).text
    assert 'name="reason_codes" value="mampu"' in page
    assert 'name="reason_codes" value="owns_car"' in page
    base = {**form_values(page, f"{case}/decide"), "outcome": "uphold"}
    short = post_form(client, case, f"{case}/decide", {**base, "reason": "Terbukti"})
    assert short.status_code == 422
    assert 'id="err-reason" role="alert">Alasan keputusan yang mencabut bantuan' in short.text
    reason = "Terbukti mampu: rumah dua lantai dan mobil di garasi."
    no_codes = post_form(client, case, f"{case}/decide", {**base, "reason": reason})
    assert 'id="err-reason_codes" role="alert">Pilih alasan aduan yang terbukti' in no_codes.text
    assert "Isian tidak dapat diterima" not in no_codes.text
    # The demo's story: the household was taken off aid by another decision meanwhile.
    household = core.find_households(registry_id="DTKS-000001")[0]
    household.deactivate(complaint_id=household.id, reason_codes=["mampu"], actor="x", at=clock())
    core.save(household)
    twice = post_form(
        client, case, f"{case}/decide", {**base, "reason": reason, "reason_codes": "mampu"}
    )
    assert twice.status_code == 422
    assert "Langkah belum tersimpan: Keluarga ini sudah dinonaktifkan oleh keputusan lain" in (
        twice.text
    )
    assert 'name="reason_codes" value="mampu" checked' in twice.text


def test_letters_are_issued_and_printed_from_the_case_page(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    cid = case_at(core, clock, "investigated")
    login(client, "budi")
    case = f"/kasus/{cid}"
    page = client.get(case).text
    issued = post_form(
        client,
        case,
        f"{case}/letter",
        {**form_values(page, f"{case}/letter"), "kind": "field_report"},
    )
    assert issued.status_code == 303
    shown = client.get(issued.headers["location"]).text
    assert "Berita Acara Verifikasi Lapangan" in shown
    link = re.search(r'href="(/kasus/[^"]+/surat/400\.9_1_2026\.pdf)"[^>]*>Cetak', shown)
    assert link, "no Cetak button for the letter"
    pdf = client.get(link.group(1))
    assert pdf.headers["content-type"] == "application/pdf"
    letter = core.get_complaint(cid).letters["400.9/1/2026"]
    assert hashlib.sha256(pdf.content).hexdigest() == letter.sha256
    client.cookies.clear()
    login(client, "pkh")
    assert client.get(link.group(1)).status_code == 403
    client.cookies.clear()
    assert client.get(link.group(1), follow_redirects=False).status_code == 303  # to the login
