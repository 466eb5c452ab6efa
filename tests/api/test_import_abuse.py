"""Extracts made to hurt: a zip bomb refused before it is parsed, oversized cells reported by a
bounded prefix, formulas neutralised in every CSV the service writes, odd registry ids refused."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.domain.spreadsheet import cell
from bratasena.integration.registry_import import COLUMNS, import_registry_file
from bratasena.integration.synthetic import as_record, generate_rows, write_extract
from tests.api.conftest import Headers
from tests.builders import Clock, case_at, register

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def zip_bomb(tmp_path: Path) -> bytes:
    """A real small extract whose shared strings hold one 80 MB string (about 80 KB zipped)."""
    path = tmp_path / "real.xlsx"
    write_extract(generate_rows(3, 1, "3316"), path)
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if not item.filename.endswith("sharedStrings.xml"):
                bomb.writestr(item, source.read(item))
        with bomb.open("xl/sharedStrings.xml", "w") as strings:
            strings.write(
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            strings.write(b"<si><t>")
            for _ in range(80):
                strings.write(b"A" * (1 << 20))
            strings.write(b"</t></si></sst>")
    return out.getvalue()


def upload(client: TestClient, headers: Headers, name: str, content: bytes) -> dict[str, object]:
    answer = client.post(
        "/api/v1/registry/imports",
        files={"file": (name, content, "application/octet-stream")},
        data={"source": "dtks", "period": "2026-03"}, headers=headers,
    )  # fmt: skip
    return {"status": answer.status_code, **answer.json()}


def test_an_xlsx_zip_bomb_is_refused_with_422_before_it_is_parsed(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], tmp_path: Path
) -> None:
    bomb = zip_bomb(tmp_path)
    assert len(bomb) < 1_000_000
    head = core.head()
    answer = upload(client, staff["admin"], "dtks.xlsx", bomb)
    assert answer["status"] == 422, answer
    assert answer["errors"][0]["field"] == "file"  # type: ignore[index]
    assert "sharedStrings.xml" in str(answer["detail"])
    assert core.head() == head


def test_a_malformed_upload_form_is_invalid_input_on_the_body_and_imports_nothing(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    head = core.head()
    fields = {f"extra{n}": "x" for n in range(11)}  # more fields than the form takes
    answer = client.post(
        "/api/v1/registry/imports",
        files={"file": ("dtks.csv", csv_extract(records(2, 7)), "text/csv")},
        data={"source": "dtks", "period": "2026-03", **fields},
        headers=staff["admin"],
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "body"
    assert "Too many fields" in answer.json()["detail"]
    assert core.head() == head


def records(count: int, seed: int) -> list[dict[str, str]]:
    return [
        dict(zip(COLUMNS, as_record(row), strict=True))
        for row in generate_rows(count, seed, "3316")
    ]


def csv_extract(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_an_oversized_or_formula_registry_id_is_refused_and_echoed_bounded_and_inert(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    good = records(len(FORMULAS) + 2, 7)
    good[0]["registry_id"] = "X" * 100_000
    for index, formula in enumerate(FORMULAS, start=1):
        good[index]["registry_id"] = formula
    answer = upload(client, staff["admin"], "dtks.csv", csv_extract(good))
    assert answer["status"] == 201, answer
    assert (answer["registered"], answer["rejected"]) == (1, len(FORMULAS) + 1)
    errors = answer["errors"]
    assert isinstance(errors, list)
    assert all(len(e["registry_id"]) < 120 for e in errors)
    echoed = [e["registry_id"] for e in errors if e["column"] == "registry_id"]
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in echoed)
    assert {e["column"] for e in errors} == {"registry_id"}


def test_the_error_report_on_disk_starts_no_cell_with_a_formula(
    app: Bratasena, tmp_path: Path
) -> None:
    rows = records(len(FORMULAS), 3)
    for row, formula in zip(rows, FORMULAS, strict=True):
        row["registry_id"] = formula
        row["desil"] = formula
    path = tmp_path / "dtks.csv"
    path.write_bytes(csv_extract(rows))
    report = import_registry_file(app, path, source="dtks", period="2026-03", actor="t")
    assert report.error_report is not None
    with report.error_report.open(encoding="utf-8", newline="") as handle:
        cells = [value for row in csv.reader(handle) for value in row]
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in cells)


def test_the_removal_report_csv_neutralises_text_and_keeps_numbers(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core)
    case_at(core, clock, "upheld")
    answer = client.get("/api/v1/reports/removals?year=2026&format=csv", headers=staff["kabid"])
    assert answer.status_code == 200
    assert cell("=1+1") == "'=1+1"
    assert cell(-3) == -3
    assert not any(
        value.startswith(("=", "+", "@")) for row in csv.reader(io.StringIO(answer.text))
        for value in row
    )  # fmt: skip
