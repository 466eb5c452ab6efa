"""The pages without a browser, on SQLite and PostgreSQL: roles, CSRF, forms, privacy, escaping."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.integration.simulator import Faults, StandInTarget
from bratasena.integration.sync import SyncWorker
from bratasena.settings import Settings
from bratasena.web import session
from tests.builders import Clock, case_at, file, production_secrets, registry_row
from tests.web.conftest import PASSWORD, STAFF, csrf_of, login, post_form, seed

ROLES = ("officer", "supervisor", "auditor", "admin", "facilitator")
ACCOUNT_OF_ROLE = {role: name for name, (role, _) in reversed(STAFF.items())}


def test_every_page_answers_its_roles_and_refuses_the_others(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "upheld")
    household = core.get_complaint(case).household_id
    pages: dict[str, set[str]] = {
        "/petugas": {"officer", "supervisor", "auditor"},
        "/tugas": {"facilitator"},
        f"/kasus/{case}": {"officer", "supervisor", "auditor"},
        f"/kasus/{case}/riwayat": {"supervisor", "auditor"},
        "/rumah-tangga?registry_id=DTKS-000001": {"officer", "supervisor", "auditor", "admin"},
        f"/rumah-tangga/{household}": {"officer", "supervisor", "auditor", "admin"},
        "/laporan": {"supervisor", "auditor"},
        "/laporan/2026.csv": {"supervisor", "auditor"},
        "/laporan/2026.xlsx": {"supervisor", "auditor"},
        "/usulan": {"supervisor", "auditor"},
        "/sinkron": {"admin"},
        "/akun": {"admin"},
        "/akun/budi": {"admin"},
        "/antrean": {"supervisor", "auditor"},
    }
    for path in pages:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/masuk?lanjut=")
    for role in ROLES:
        client.cookies.clear()
        login(client, ACCOUNT_OF_ROLE[role])
        for path, allowed in pages.items():
            answer = client.get(path, follow_redirects=False)
            # A facilitator may open case pages, but only of the cases assigned to them.
            refused = 404 if (role, path) == ("facilitator", f"/kasus/{case}") else 403
            assert answer.status_code == (200 if role in allowed else refused), (role, path)
    for path in ("/", "/aduan", "/lacak", "/masuk", "/static/bratasena.css", "/static/desa.js"):
        assert client.get(path).status_code == 200, path


def test_an_officer_sees_no_case_outside_their_districts(
    client: TestClient, core: Bratasena
) -> None:
    filing = file(core)
    login(client, "rina")  # works in 33.16.02; the case is in Jati, 33.16.01
    assert client.get(f"/kasus/{filing.id}").status_code == 404
    assert filing.tracking_code not in client.get("/petugas").text


def test_a_post_without_the_session_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "filed")
    login(client, "kabid")
    head = core.head()
    forms = {
        "/aduan": {"subject.registry_id": "DTKS-000002", "reasons": "mampu", "description": "x"},
        f"/kasus/{case}/assign": {"version": "1", "officer": "budi"},
        f"/kasus/{case}/withdraw": {"version": "1", "reason": "salah kirim"},
        "/laporan/2026/target": {"version": "0", **{f"target.{m}": "50" for m in range(1, 13)}},
        "/sinkron/ulang": {"id": "x"},
        "/keluar": {},
        "/masuk": {"username": "kabid", "password": PASSWORD},
    }
    other = TestClient(client.app)
    foreign = csrf_of(other.get("/aduan").text)  # a real token, of someone else's session
    for action, data in forms.items():
        for token in (None, "", "tebakan", foreign):
            sent = data if token is None else {**data, "csrf_token": token}
            answer = client.post(action, data=sent, follow_redirects=False)
            assert answer.status_code == 403, (action, token)
            assert "Formulir tidak sah" in answer.text
    assert core.head() == head
    assert "Keluar (Kabid)" in client.get("/").text  # still logged in: /keluar was refused too


def test_a_refused_complaint_comes_back_with_the_input_and_each_error_at_its_field(
    client: TestClient, core: Bratasena
) -> None:
    head = core.head()
    answer = post_form(
        client,
        "/aduan",
        "/aduan",
        {
            "subject.village_code": "3316012001",
            "subject.name": "Pak <Harjo>",
            "identitas": "nama",
            "reporter.phone": "0812",
        },
    )
    assert answer.status_code == 422
    page = answer.text
    assert 'value="Pak &lt;Harjo&gt;"' in page
    assert 'value="0812"' in page
    errors = dict(re.findall(r'id="err-([\w-]+)" role="alert">([^<]+)<', page))
    assert set(errors) == {"reasons", "description", "reporter-name"}
    assert errors["reasons"] == "Pilih paling sedikit satu alasan."
    bad_nik = post_form(
        client,
        "/aduan",
        "/aduan",
        {"subject.nik": "3316", "reasons": "mampu", "description": "Punya mobil."},
    )
    assert bad_nik.status_code == 422
    assert 'id="err-subject-nik" role="alert">NIK tidak valid' in bad_nik.text
    assert core.head() == head


def test_a_filed_complaint_is_confirmed_with_its_code_and_tracked_without_details(
    client: TestClient, core: Bratasena
) -> None:
    answer = post_form(
        client,
        "/aduan",
        "/aduan",
        {
            "subject.kk_number": "3316011503200001",
            "reasons": ["mampu", "owns_car"],
            "description": "Punya mobil dan toko besar.",
            "identitas": "nama",
            "reporter.name": "Siti Pelapor",
        },
    )
    assert answer.status_code == 303
    code = answer.headers["location"].rsplit("/", 1)[1]
    complaint = core.complaint_by_tracking_code(code)
    assert complaint.household_id is not None  # matched by the KK number
    assert code in client.get(answer.headers["location"]).text
    tracked = client.get(f"/lacak?kode={code.lower().replace('-', ' ')}").text
    assert "Aduan diterima" in tracked
    for secret in ("Siti", "Sutrisno", "Memiliki mobil", "3316011503200001"):
        assert secret not in tracked
    unknown = client.get("/lacak?kode=ABCD-EFGH-JK")
    assert unknown.status_code == 404
    assert "Kode lacak tidak sah" in unknown.text or "Tidak ada aduan" in unknown.text


def test_the_village_list_narrows_to_the_chosen_district_without_a_script(
    client: TestClient,
) -> None:
    every = re.findall(r'<option value="(\d{10})"', client.get("/aduan").text)
    jati = re.findall(r'<option value="(\d{10})"', client.get("/aduan?kecamatan=331601").text)
    assert len(every) == 295  # every village of Blora
    assert jati
    assert all(code.startswith("331601") for code in jati)
    assert len(jati) < len(every)
    unknown = client.get("/aduan?kecamatan=999999").text
    assert "Kecamatan tidak dikenal" in unknown


def test_a_failed_action_keeps_the_input_and_shows_the_error_at_its_field(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "assigned")
    login(client, "budi")
    version = core.get_complaint(case).version
    answer = post_form(
        client,
        f"/kasus/{case}",
        f"/kasus/{case}/investigate",
        {
            "version": str(version),
            "visited_on": clock.today().isoformat(),
            "recommendation": "uphold",
            "notes": "Tetangga <b>bersaksi</b>",
        },
    )
    assert answer.status_code == 422
    assert "Tulis temuan untuk paling sedikit satu alasan aduan." in answer.text
    assert "Tetangga &lt;b&gt;bersaksi&lt;/b&gt;" in answer.text
    assert 'id="langkah-investigate" open' in answer.text
    assert core.get_complaint(case).version == version


def test_a_stale_form_is_refused_and_the_case_is_shown_as_it_is_now(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "filed")
    login(client, "kabid")
    page = client.get(f"/kasus/{case}").text
    seen = re.search(r'name="version" value="(\d+)"', page)
    assert seen is not None
    core.assign(case, None, officer="pkh", actor="kabid")  # someone else acts meanwhile
    answer = client.post(
        f"/kasus/{case}/assign",
        data={"csrf_token": csrf_of(page), "version": seen.group(1), "officer": "budi"},
    )
    assert answer.status_code == 409
    assert "sudah diubah orang lain" in answer.text
    assert '<option value="budi" selected>' in answer.text  # what the person chose is kept
    assert "Ditugaskan kepada Pkh (Pendamping PKH)." in answer.text  # the case as it is now
    assert core.get_complaint(case).assigned_to == "pkh"


def test_an_assignment_to_an_unknown_account_is_refused_at_the_officer_field(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "filed")
    login(client, "kabid")
    page = client.get(f"/kasus/{case}").text
    answer = client.post(
        f"/kasus/{case}/assign",
        data={"csrf_token": csrf_of(page), "version": "1", "officer": "tidakada"},
    )
    assert answer.status_code == 422
    assert "Tidak ada akun dengan nama pengguna itu." in answer.text
    # A name sent that is not on the list is shown chosen, but cannot be sent again as it is.
    assert '<option value="tidakada" selected disabled>' in answer.text
    assert core.get_complaint(case).version == 1


def assign_options(page: str) -> list[tuple[str, str]]:
    """The (value, label) of each account offered by the assign form's select."""
    select = re.search(r'<select id="f-officer" name="officer"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the page has no assign select"
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    return [(value, label) for value, label in options if value]


def test_the_assign_form_offers_exactly_the_accounts_that_may_take_the_case(
    client: TestClient, core: Bratasena
) -> None:
    for username, role, districts in (
        ("tono", "officer", ["331602", "331601"]),  # works in Jati among others
        ("eko", "facilitator", ["331601"]),  # disabled below
        ("kabid2", "supervisor", ["331601"]),  # not a field role
    ):
        core.open_account(
            username=username,
            role=role,
            districts=districts,
            password_hash="-",
            actor="admin",
            full_name=f"{username.title()} Prasetyo",
        )
    core.disable_account("eko", reason="Cuti", actor="admin")
    filing = file(core)  # in Jati, 33.16.01
    login(client, "kabid")
    page = client.get(f"/kasus/{filing.id}").text
    assert assign_options(page) == [
        ("budi", "Budi (budi) — Petugas"),
        ("pkh", "Pkh (pkh) — Pendamping PKH"),
        ("tono", "Tono Prasetyo (tono) — Petugas"),
    ]
    assert '<option value="">Pilih…</option>' in page  # nobody chosen yet
    assigned = post_form(
        client,
        f"/kasus/{filing.id}",
        f"/kasus/{filing.id}/assign",
        {"version": "1", "officer": "tono"},
    )
    assert assigned.status_code == 303
    assert core.get_complaint(filing.id).assigned_to == "tono"
    page = client.get(f"/kasus/{filing.id}").text
    assert '<option value="tono" selected>' in page  # reassigning starts from the assignee
    core.enable_account("eko", actor="admin")  # the list follows the accounts
    assert ("eko", "Eko Prasetyo (eko) — Pendamping PKH") in assign_options(
        client.get(f"/kasus/{filing.id}").text
    )


def test_a_case_in_a_district_without_field_staff_says_so_instead_of_offering_the_form(
    client: TestClient, core: Bratasena
) -> None:
    core.import_registry(
        [registry_row(9, village_code="3316162001")],  # Japah, 33.16.16: nobody works there
        source="dtks",
        period="2026-01",
        actor="admin",
    )
    filing = file(core, "DTKS-000009")
    login(client, "kabid")
    page = client.get(f"/kasus/{filing.id}").text
    assert "Belum ada petugas atau pendamping PKH untuk kecamatan ini." in page
    assert f'action="/kasus/{filing.id}/assign"' not in page
    assert 'name="officer"' not in page
    sent = {"csrf_token": csrf_of(page), "version": "1", "officer": "budi"}  # a form kept open
    refused = client.post(f"/kasus/{filing.id}/assign", data=sent)
    assert refused.status_code == 422
    assert 'id="err-officer" role="alert">Akun ini tidak bertugas' in refused.text
    assert "Belum ada petugas atau pendamping PKH untuk kecamatan ini." in refused.text
    assert 'name="officer"' not in refused.text
    assert core.get_complaint(filing.id).version == 1


def test_the_actions_offered_follow_the_role_and_the_state(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "response_recorded")
    login(client, "budi")  # the investigator: may withdraw, may not decide
    page = client.get(f"/kasus/{case}").text
    # After the field check its Berita Acara may be issued; the household's documents attached.
    assert re.findall(r'action="/kasus/[^/]+/(\w+)"', page) == ["withdraw", "letter", "evidence"]
    client.cookies.clear()
    login(client, "kabid")
    page = client.get(f"/kasus/{case}").text
    assert re.findall(r'action="/kasus/[^/]+/(\w+)"', page) == [
        "reassign",
        "rematch",
        "decide",
        "withdraw",
        "letter",
    ]
    client.cookies.clear()
    login(client, "inspektur")
    assert 'action="/kasus/' not in client.get(f"/kasus/{case}").text


def test_the_complainant_and_full_numbers_only_reach_supervisors_and_auditors(
    client: TestClient, core: Bratasena
) -> None:
    filing = file(
        core,
        reporter={"name": "Siti <script>alert(1)</script>", "phone": "0812000111"},
        description="Mobil <img src=x onerror=alert(1)>",
    )
    household = core.get_complaint(filing.id).household_id
    login(client, "budi")
    officer = client.get(f"/kasus/{filing.id}").text
    assert "Siti" not in officer
    assert "0812000111" not in officer
    assert "onerror" not in officer
    officer_household = client.get(f"/rumah-tangga/{household}").text
    assert "3316********0001" in officer_household
    assert "3316011503200001" not in officer_household
    client.cookies.clear()
    login(client, "inspektur")
    auditor = client.get(f"/kasus/{filing.id}").text
    assert "Siti &lt;script&gt;alert(1)&lt;/script&gt;" in auditor
    assert "<script>alert" not in auditor
    assert "Mobil &lt;img src=x onerror=alert(1)&gt;" in auditor
    assert "3316011503200001" in client.get(f"/rumah-tangga/{household}").text
    history = client.get(f"/kasus/{filing.id}/riwayat").text
    assert "Aduan diterima" in history
    assert "0812000111" in history
    assert "Siti &lt;script&gt;" in history


def test_login_refuses_a_wrong_password_and_never_redirects_off_the_site(
    client: TestClient,
) -> None:
    wrong = post_form(client, "/masuk", "/masuk", {"username": "budi", "password": "salah"})
    assert wrong.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in wrong.text
    assert 'value="budi"' in wrong.text
    for target, expected in (("//evil.example/x", "/petugas"), ("/laporan", "/laporan")):
        client.cookies.clear()
        answer = post_form(
            client,
            "/masuk",
            "/masuk",
            {"username": "budi", "password": PASSWORD, "lanjut": target},
        )
        assert answer.headers["location"] == expected


def test_a_tampered_session_cookie_is_no_login(client: TestClient, web_settings: Settings) -> None:
    login(client, "budi")
    genuine = session.decode(web_settings, client.cookies.get(session.COOKIE))
    assert genuine is not None
    assert genuine.username == "budi"
    _body, signature = session.encode(web_settings, genuine).split(".")
    forged = session.encode(web_settings, session.Session("kabid", genuine.csrf, genuine.issued))
    client.cookies.set(session.COOKIE, forged.split(".")[0] + "." + signature)
    answer = client.get("/laporan", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/masuk")


def test_the_session_cookie_is_httponly_samesite_and_secure_outside_development(
    make_settings: Callable[..., Settings], client: TestClient
) -> None:
    local = client.get("/").headers["set-cookie"].lower()
    assert "httponly" in local
    assert "samesite=lax" in local
    assert "secure" not in local
    production = make_settings(environment="production", **production_secrets())
    with TestClient(create_app(production), base_url="https://testserver") as secure:
        cookie = secure.get("/").headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "; secure" in cookie


def test_an_admin_sees_a_refused_change_parked_and_puts_it_back_in_the_queue(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    target = StandInTarget(name="dtjateng", faults=Faults(refuse=["DTKS-000001"])).start()
    try:
        settings = make_settings(sync_dtjateng_url=target.url)
        web = create_app(settings, clock=clock)
        with TestClient(web) as client:
            core: Bratasena = web.state.service.app
            seed(core)
            case_at(core, clock, "upheld")
            worker = SyncWorker(core, settings)
            try:
                worker.run_once()
            finally:
                worker.close()
            login(client, "admin")
            page = client.get("/sinkron").text
            assert re.search(r'id="jumlah-ditahan">1<', page)
            assert "household_refused" in page
            assert "DTKS-000001" in page
            item = re.search(r'name="id" value="([^"]+)"', page)
            assert item is not None
            answer = post_form(client, "/sinkron", "/sinkron/ulang", {"id": item.group(1)})
            assert answer.status_code == 303
            after = client.get(answer.headers["location"]).text
            assert re.search(r'id="jumlah-ditahan">0<', after)
            again = post_form(client, "/sinkron", "/sinkron/ulang", {"id": item.group(1)})
            assert again.status_code == 422
    finally:
        target.stop()
