"""Importing DTKS/DTSEN extracts (CSV and XLSX) on both backends: counts, idempotency, bad rows."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bratasena.application import Bratasena
from bratasena.domain import ids
from bratasena.integration.registry_import import (
    COLUMNS,
    ImportReport,
    RegistryFileError,
    import_registry_file,
)
from bratasena.integration.synthetic import as_record, generate_rows, write_extract
from bratasena.settings import Settings


def extract(tmp_path: Path, rows: list[dict[str, Any]], name: str = "dtks.csv") -> Path:
    path = tmp_path / name
    write_extract(rows, path)
    return path


def write_lines(path: Path, header: list[str], records: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(records)
    return path


def run(app: Bratasena, path: Path, **options: Any) -> ImportReport:
    return import_registry_file(
        app, path, source="dtks", period="2025-06", actor="admin", **options
    )


def topics_after(app: Bratasena, position: int) -> list[tuple[Any, str]]:
    """(aggregate id, event class) of every event stored after a position."""
    found = app.recorder.select_notifications(position, 100_000, inclusive_of_start=False)
    return [(n.originator_id, n.topic.rsplit(":", 1)[1]) for n in found]


def test_an_extract_registers_every_household_and_finds_them_by_nik_and_kk(
    app: Bratasena, tmp_path: Path
) -> None:
    rows = list(generate_rows(30, seed=3))
    report = run(app, extract(tmp_path, rows))
    assert (report.registered, report.updated, report.unchanged, report.rejected) == (30, 0, 0, 0)
    assert report.exit_status == 0
    assert report.error_report is None
    assert not (tmp_path / "dtks.errors.csv").exists()
    kinds = Counter(kind for _, kind in topics_after(app, 0))
    assert kinds == {
        "Household.Registered": 30,
        "HouseholdLookup.Started": 60,
        "ReconciliationLog.Opened": 1,  # the first period reconciled
    }
    household = app.find_households(nik=rows[7]["head_nik"])[0]
    assert household.registry_id == rows[7]["registry_id"]
    assert household.programs == tuple(rows[7]["programs"])
    assert app.find_households(kk=rows[7]["kk_number"])[0].id == household.id
    assert report.position == app.head()


def test_reimporting_the_same_file_adds_no_events(app: Bratasena, tmp_path: Path) -> None:
    path = extract(tmp_path, list(generate_rows(40, seed=4)))
    run(app, path)
    head = app.head()
    again = run(app, path, batch_size=7)
    assert (again.registered, again.updated, again.unchanged) == (0, 0, 40)
    assert app.head() == head
    assert topics_after(app, head) == []


def test_a_changed_extract_records_registry_updated_for_the_changed_rows_only(
    app: Bratasena, tmp_path: Path
) -> None:
    rows = list(generate_rows(25, seed=5))
    run(app, extract(tmp_path, rows))
    head = app.head()
    changed = [dict(r) for r in rows]
    changed[3]["desil"] = 10 if rows[3]["desil"] != 10 else 9
    changed[3]["programs"] = ["CSR"] if rows[3]["programs"] != ["CSR"] else []
    changed[11]["kk_number"] = "3316011506240042"  # the card was reissued
    report = run(app, extract(tmp_path, changed, "dtks-2025-07.csv"))
    assert (report.registered, report.updated, report.unchanged) == (0, 2, 23)
    household_events = [
        (oid, kind) for oid, kind in topics_after(app, head) if kind.startswith("Household.")
    ]
    assert sorted(household_events) == sorted(
        [
            (ids.household_id(rows[3]["registry_id"]), "Household.RegistryUpdated"),
            (ids.household_id(rows[11]["registry_id"]), "Household.RegistryUpdated"),
        ]
    )
    history = app.history(ids.household_id(rows[3]["registry_id"]))
    assert history[-1].data["changes"] == {
        "desil": changed[3]["desil"],
        "programs": changed[3]["programs"],
    }
    reissued = app.get_household(ids.household_id(rows[11]["registry_id"]))
    assert reissued.kk_history == (rows[11]["kk_number"],)
    assert app.find_households(kk=rows[11]["kk_number"]) == []
    assert app.find_households(kk="3316011506240042")[0].id == reissued.id


def test_bad_rows_are_reported_by_line_column_and_reason_and_good_rows_still_import(
    app: Bratasena, tmp_path: Path
) -> None:
    good = [as_record(r) for r in generate_rows(6, seed=6)]

    def bad(n: int, **cells: str) -> list[str]:
        record = dict(zip(COLUMNS, good[n], strict=True))
        record.update(cells)
        return [record[c] for c in COLUMNS]

    records = [
        good[0],  # line 2
        bad(1, head_nik="3316010000000001"),  # line 3: no such birth date
        bad(2, kk_number="33160112"),  # line 4: too short
        bad(3, village_code="3316999999"),  # line 5
        good[4],  # line 6
        bad(5, desil="11", programs="PKH;BLT"),  # line 7: two problems
        bad(0, head_name="Duplikat"),  # line 8: registry id of line 2
        [*bad(4, registry_id="DTKS-X-1")[:3], "", *bad(4)[4:]],  # line 9: no head_name
    ]
    path = write_lines(tmp_path / "extract.csv", list(COLUMNS), records)
    report = run(app, path)
    assert (report.registered, report.rejected) == (2, 6)
    assert report.exit_status == 1
    assert report.error_report == tmp_path / "extract.errors.csv"
    with report.error_report.open(encoding="utf-8") as handle:
        errors = [(int(r["line"]), r["column"], r["reason"]) for r in csv.DictReader(handle)]
    assert [(line, column) for line, column, _ in errors] == [
        (3, "head_nik"),
        (4, "kk_number"),
        (5, "village_code"),
        (7, "desil"),
        (7, "programs"),
        (8, "registry_id"),
        (9, "head_name"),
    ]
    reasons = {(line, column): reason for line, column, reason in errors}
    assert "not a real date" in reasons[3, "head_nik"]
    assert "16 digits" in reasons[4, "kk_number"]
    assert "no village" in reasons[5, "village_code"]
    assert "outside 1–10" in reasons[7, "desil"]
    assert "BLT" in reasons[7, "programs"]
    assert "duplicate of line 2" in reasons[8, "registry_id"]
    assert "empty" in reasons[9, "head_name"]
    assert "3316010000000001" not in report.error_report.read_text()  # no NIK repeated
    stored = {h.registry_id for r in (good[0], good[4]) for h in app.find_households(nik=r[2])}
    assert stored == {good[0][0], good[4][0]}
    assert app.find_households(registry_id=good[5][0]) == []
    assert app.get_household(ids.household_id(good[0][0])).head_name == good[0][3]

    # Again: the good rows are skipped unvalidated by their digests, the bad ones are found anew.
    first_report = report.error_report.read_text()
    head = app.head()
    again = run(app, path)
    assert (again.registered, again.unchanged, again.rejected) == (0, 2, 6)
    assert again.error_report is not None
    assert again.error_report.read_text() == first_report
    assert app.head() == head


def test_headers_match_in_any_case_and_order_and_semicolon_files_are_read(
    app: Bratasena, tmp_path: Path
) -> None:
    rows = list(generate_rows(5, seed=7))
    header = [c.upper() for c in reversed(COLUMNS)] + ["Keterangan"]
    path = tmp_path / "excel-id.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        for row in rows:
            writer.writerow([*reversed(as_record(row)), "catatan"])
    report = run(app, path)
    assert (report.registered, report.rejected) == (5, 0)
    assert app.get_household(ids.household_id(rows[0]["registry_id"])).programs == tuple(
        rows[0]["programs"]
    )


def test_a_file_missing_columns_is_refused_naming_them_and_nothing_is_stored(
    app: Bratasena, tmp_path: Path
) -> None:
    records = [as_record(r)[:6] for r in generate_rows(3, seed=8)]
    path = write_lines(tmp_path / "partial.csv", list(COLUMNS[:6]), records)
    with pytest.raises(RegistryFileError, match="desil, programs, members") as refused:
        run(app, path)
    assert refused.value.field == "file"
    assert app.head() == 0
    assert not (tmp_path / "partial.errors.csv").exists()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary", "UTF-8"),
        ("broken.xlsx", b"registry_id,kk_number\n", "cannot be opened as an .xlsx"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old Excel"),
        ("empty.csv", b"", "is empty"),
    ],
)
def test_a_file_that_is_not_an_extract_is_refused_and_nothing_is_stored(
    app: Bratasena, tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RegistryFileError, match=says):
        run(app, path)
    assert app.head() == 0


def test_an_interrupted_import_loses_no_committed_batch_and_a_rerun_completes_it(
    app: Bratasena, tmp_path: Path
) -> None:
    rows = list(generate_rows(600, seed=9))
    path = extract(tmp_path, rows)

    def crash_after_three_batches(report: ImportReport) -> None:
        if report.batches == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(app, path, batch_size=50, progress=crash_after_three_batches)
    committed = Counter(kind for _, kind in topics_after(app, 0))["Household.Registered"]
    assert committed == 150  # the three whole batches before the interruption

    resumed = run(app, path, batch_size=50)
    assert (resumed.registered, resumed.unchanged) == (600 - committed, committed)
    registered = [oid for oid, kind in topics_after(app, 0) if kind == "Household.Registered"]
    assert len(registered) == len(set(registered)) == 600
    assert all(app.get_household(oid).version == 1 for oid in registered[::37])


def test_an_xlsx_extract_imports_like_a_csv_one(app: Bratasena, tmp_path: Path) -> None:
    rows = list(generate_rows(12, seed=10))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([c.title() for c in COLUMNS])
    for row in rows:
        record: list[Any] = as_record(row)
        # Spreadsheets hold desil and members as numbers; the 16-digit numbers stay text.
        record[COLUMNS.index("desil")] = row["desil"]
        record[COLUMNS.index("members")] = float(row["members"])
        sheet.append(record)
    sheet.append([None] * len(COLUMNS))  # a blank row at the end is not a household
    path = tmp_path / "siks-ng.xlsx"
    workbook.save(path)

    report = run(app, path)
    assert (report.registered, report.rejected, report.rows_read) == (12, 0, 12)
    household = app.get_household(ids.household_id(rows[5]["registry_id"]))
    assert (household.desil, household.members) == (rows[5]["desil"], rows[5]["members"])
    assert run(app, path).unchanged == 12


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRATASENA_")}
    env["BRATASENA_DATA_DIR"] = str(settings.data_dir)
    env["BRATASENA_ENVIRONMENT"] = "test"
    if settings.database_url:
        env["BRATASENA_DATABASE_URL"] = settings.database_url
        env["BRATASENA_DATABASE_SCHEMA"] = settings.database_schema
    return subprocess.run(
        [sys.executable, "-m", "bratasena.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )


def test_generate_then_import_round_trips_with_exit_status_0_1_and_2(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "blora.csv"
    made = run_cli(
        settings, "generate-registry", "--households", "40", "--seed", "2", "--out", str(path)
    )
    assert made.returncode == 0, made.stderr
    imported = run_cli(settings, "import-registry", str(path), "--period", "2025-06")
    assert imported.returncode == 0, imported.stderr
    assert "40 registered, 0 updated, 0 unchanged, 0 rejected" in imported.stdout
    assert imported.stderr == ""  # no progress bar when stderr is not a terminal

    with path.open("a", encoding="utf-8") as out:
        out.write("SYN-BAD-1,3316010101010001,123,Tukiran,Dukuh Krajan,3316012001,2,PKH,3\n")
    partly = run_cli(settings, "import-registry", str(path), "--source", "dtsen")
    assert partly.returncode == 1
    assert "40 unchanged, 1 rejected" in partly.stdout
    assert "reconciled: nothing new" in partly.stdout  # this month's extract: nobody left it
    assert str(tmp_path / "blora.errors.csv") in partly.stdout

    (tmp_path / "notes.csv").write_text("nama,alamat\nSutrisno,Krajan\n", encoding="utf-8")
    refused = run_cli(settings, "import-registry", str(tmp_path / "notes.csv"))
    assert refused.returncode == 2
    assert "lacks the columns registry_id, kk_number" in refused.stderr

    older = run_cli(settings, "import-registry", str(path), "--period", "2025-05")
    assert older.returncode == 1
    assert "not reconciled: period: the extract of 2025-05 is older than" in older.stdout

    bad_period = run_cli(settings, "import-registry", str(path), "--period", "2025-13")
    assert bad_period.returncode == 2
    assert "period" in bad_period.stderr
