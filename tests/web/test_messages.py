"""Form messages, on SQLite and PostgreSQL: every error at once and at its field (aria-invalid,
aria-describedby), the right field named, reason-specific words, no silently dropped input."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.domain.identity import is_valid_tracking_code
from bratasena.web import labels
from tests.builders import Clock, case_at
from tests.web.conftest import csrf_of, login, post_form


def errors_of(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="err-([\w-]+)" role="alert">([^<]+)<', page))


def test_the_complaint_form_reports_every_error_at_once_each_at_its_field(
    client: TestClient, core: Bratasena
) -> None:
    head = core.head()
    answer = post_form(
        client,
        "/aduan",
        "/aduan",
        {"subject.nik": "33160115", "identitas": "anonim", "reporter.phone": "081234567890"},
    )
    assert answer.status_code == 422
    page = answer.text
    errors = errors_of(page)
    # An 8-digit NIK is reported together with the rest, not after them.
    assert set(errors) == {"subject-nik", "reasons", "description", "reporter-phone"}
    assert errors["subject-nik"].startswith("NIK tidak valid")
    # The phone typed while "anonymous" is chosen is kept and the choice explained.
    assert "tanpa nama" in errors["reporter-phone"]
    assert 'value="081234567890"' in page
    for name in ("subject-nik", "reporter-phone", "description"):
        control = re.search(rf'<(?:input|textarea) id="f-{name}"[^>]*>', page)
        assert control, name
        assert 'aria-invalid="true"' in control.group(0), name
        assert f'aria-describedby="err-{name}"' in control.group(0), name
    # The number keypad opens: the attributes are markup, not escaped text.
    assert 'id="f-subject-nik" name="subject.nik"' in page
    assert re.search(r'id="f-subject-kk_number"[^>]* inputmode="numeric" autocomplete="off">', page)
    assert "&#34;numeric" not in page
    assert core.head() == head


def test_the_description_message_speaks_of_the_reason_chosen(client: TestClient) -> None:
    token = csrf_of(client.get("/aduan").text)
    deceased = client.post(
        "/aduan",
        data={
            "csrf_token": token,
            "subject.village_code": "3316012001",
            "subject.name": "Sutrisno",
            "reasons": "deceased",
        },
    )
    message = errors_of(deceased.text)["description"]
    assert message == "Jelaskan singkat siapa yang meninggal dunia dan kapan."
    assert "mampu" not in deceased.text.split("<fieldset")[0] + message


def test_the_tracking_code_example_is_itself_a_valid_code(client: TestClient) -> None:
    assert is_valid_tracking_code(labels.TRACKING_EXAMPLE)
    assert labels.TRACKING_EXAMPLE in labels.RULE_ERROR["malformed_tracking_code"]
    page = client.get("/lacak?kode=XX").text
    assert labels.TRACKING_EXAMPLE in page
    assert 'aria-invalid="true" aria-describedby="err-kode"' in page
    assert "ABCD-EFGH-JK" not in page


def test_an_empty_household_response_names_the_statement_and_marks_the_field(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    case = case_at(core, clock, "notice_issued")
    login(client, "budi")
    version = core.get_complaint(case).version
    answer = post_form(
        client,
        f"/kasus/{case}",
        f"/kasus/{case}/response",
        {"version": str(version), "statement": "", "received_on": clock.today().isoformat()},
    )
    assert answer.status_code == 422
    page = answer.text
    assert errors_of(page)["statement"] == labels.FIELD_ERROR["statement"]
    assert "Alasan wajib diisi" not in page
    assert '<div class="field invalid"><label for="f-statement">' in page
    assert re.search(
        r'<textarea id="f-statement" name="statement" aria-invalid="true" '
        r'aria-describedby="err-statement"',
        page,
    )
    assert "Versi" not in page  # staff never see the store's version numbers


def test_a_stale_form_says_so_once(client: TestClient, core: Bratasena, clock: Clock) -> None:
    case = case_at(core, clock, "filed")
    login(client, "kabid")
    page = client.get(f"/kasus/{case}").text
    core.assign(case, None, officer="pkh", actor="kabid")
    answer = client.post(
        f"/kasus/{case}/assign",
        data={"csrf_token": csrf_of(page), "version": "1", "officer": "budi"},
    )
    assert answer.status_code == 409
    assert answer.text.count("sudah diubah orang lain") == 1


def test_search_fields_with_errors_are_marked_for_assistive_technology(
    client: TestClient,
) -> None:
    login(client, "kabid")
    households = client.get("/rumah-tangga?kk=123").text
    assert re.search(
        r'<input id="f-kk" name="kk" aria-invalid="true" aria-describedby="err-kk"', households
    )
    assert 'id="err-kk" role="alert"' in households
    cases = client.get("/petugas?status=bukan").text
    assert re.search(
        r'<select id="f-status" name="status" aria-invalid="true" '
        r'aria-describedby="err-status"',
        cases,
    )
