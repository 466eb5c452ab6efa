"""The registry digests (issue 18): an unchanged re-import skips households without reading their
events, and rows without validating them, and a digest is trusted only at the version it names
and under the rules it was made with, on both backends."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from bratasena.application import Bratasena
from bratasena.domain import ids
from bratasena.domain.regions import region_book
from bratasena.integration import registry_import
from bratasena.integration.registry_import import (
    COLUMNS,
    ImportReport,
    RowError,
    RowValidator,
    import_registry_file,
    rules_fingerprint,
)
from bratasena.integration.synthetic import as_record, generate_rows
from bratasena.persistence import current_versions
from tests.builders import Clock, deactivate_many, registry_row


def _import(app: Bratasena, *rows: dict[str, object]) -> tuple[int, int, int]:
    counts = app.import_registry(list(rows), source="dtks", period="2026-01", actor="t")
    return counts.registered, counts.updated, counts.unchanged


def test_an_unchanged_reimport_is_answered_by_the_digests_alone(app: Bratasena) -> None:
    rows = [registry_row(n) for n in range(1, 6)]
    assert _import(app, *rows) == (5, 0, 0)
    head = app.head()
    digests = app.registry_digests
    hids = [ids.household_id(str(row["registry_id"])) for row in rows]

    # Every household's digest is trusted now: the next import reads none of their events.
    trusted = digests.unchanged(
        app, {h: digests.digest(r) for h, r in zip(hids, rows, strict=True)}
    )
    assert trusted == set(hids)
    assert _import(app, *rows) == (0, 0, 5)
    assert app.head() == head
    # Keyed digests only: no NIK, KK number or name is stored beside them.
    stored = digests.db.query("SELECT household_id, version, digest FROM registry_digests")
    assert len(stored) == 5
    text = repr(stored)
    assert all(
        str(row["head_nik"]) not in text and str(row["head_name"]) not in text for row in rows
    )


def test_a_digest_is_not_trusted_past_the_version_it_names(app: Bratasena) -> None:
    first = registry_row(1)
    assert _import(app, first) == (1, 0, 0)
    [old] = app.registry_digests.db.query(
        "SELECT household_id, version, digest FROM registry_digests"
    )
    changed = registry_row(1, desil=5)
    assert _import(app, changed) == (0, 1, 0)
    # An older digest put back (a write lost in a crash, or two imports racing): its row matches
    # the first extract, but the household has moved on, so the row is compared in full.
    with app.registry_digests.db.transaction() as cur:
        cur.execute(
            "UPDATE registry_digests SET version = %s, digest = %s WHERE household_id = %s",
            [old[1], old[2], old[0]],
        )
    assert _import(app, first) == (0, 1, 0)
    household = app.get_household(ids.household_id(str(first["registry_id"])))
    assert household.desil == first["desil"]


def test_current_versions_reads_each_aggregates_last_version(app: Bratasena, clock: Clock) -> None:
    [deactivated] = deactivate_many(app, clock, 1, first=1)
    assert _import(app, registry_row(2)) == (1, 0, 0)
    other = ids.household_id("DTKS-000002")
    missing = ids.household_id("DTKS-999999")
    found = current_versions(app, [deactivated, other, missing])
    assert found == {
        deactivated: app.get_household(deactivated).version,
        other: app.get_household(other).version,
    }
    assert found[deactivated] == found[other] + 1


# --- rows digested as read, before validation (the registry importer) -------------------------


def _extract(tmp_path: Path, records: list[list[str]], name: str = "dtks.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(records)
    return path


def _run(app: Bratasena, path: Path) -> ImportReport:
    return import_registry_file(app, path, source="dtks", period="2025-06", actor="t")


def _counting_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lines `RowValidator.check` validates from now on."""
    checked: list[int] = []
    check = RowValidator.check

    def counted(
        self: RowValidator, line: int, record: dict[str, str]
    ) -> tuple[dict[str, Any], list[RowError]]:
        checked.append(line)
        return check(self, line, record)

    monkeypatch.setattr(RowValidator, "check", counted)
    return checked


def test_an_unchanged_row_is_skipped_before_it_is_validated(
    app: Bratasena, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [as_record(r) for r in generate_rows(30, seed=11)]
    path = _extract(tmp_path, records)
    assert _run(app, path).registered == 30
    head = app.head()
    checked = _counting_checks(monkeypatch)

    again = _run(app, path)

    assert (again.registered, again.updated, again.unchanged, again.rejected) == (0, 0, 30, 0)
    assert checked == []
    assert app.head() == head
    # One changed cell: that row alone is validated and compared, and its change recorded.
    changed = [list(r) for r in records]
    changed[4][COLUMNS.index("desil")] = "10" if records[4][6] != "10" else "9"
    later = _run(app, _extract(tmp_path, changed, "dtks-2025-07.csv"))
    assert (later.updated, later.unchanged) == (1, 29)
    assert checked == [6]  # line 6: the fifth row under the header
    household = app.get_household(ids.household_id(records[4][0]))
    assert str(household.desil) == changed[4][COLUMNS.index("desil")]


def test_a_duplicate_of_an_unchanged_row_is_still_reported(app: Bratasena, tmp_path: Path) -> None:
    records = [as_record(r) for r in generate_rows(3, seed=12)]
    assert _run(app, _extract(tmp_path, records)).registered == 3
    # The same row twice: both lines match the stored digest, the second is still a duplicate.
    again = _run(app, _extract(tmp_path, [*records, records[1]], "dtks-again.csv"))
    assert (again.unchanged, again.rejected) == (3, 1)
    assert again.error_report is not None
    with again.error_report.open(encoding="utf-8") as handle:
        [error] = list(csv.DictReader(handle))
    assert (error["line"], error["column"]) == ("5", "registry_id")
    assert "duplicate of line 3" in error["reason"]


def test_new_rules_judge_every_row_again(
    app: Bratasena, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [as_record(r) for r in generate_rows(5, seed=13)]
    path = _extract(tmp_path, records)
    assert _run(app, path).registered == 5
    # A release whose rules refuse what the last import accepted (here: names of at most five
    # characters) changes the fingerprint, so the stored digests no longer match any row.
    monkeypatch.setitem(registry_import._MAX_LENGTHS, "head_name", 5)
    monkeypatch.setattr(registry_import, "_fingerprint", lambda regency: f"stricter {regency}")
    checked = _counting_checks(monkeypatch)

    again = _run(app, path)

    assert sorted(checked) == [2, 3, 4, 5, 6]
    assert (again.unchanged, again.rejected) == (0, 5)


def test_the_rules_fingerprint_names_the_regency_and_stays_put() -> None:
    blora, batang = region_book("33.16"), region_book("33.25")
    assert rules_fingerprint(blora) == rules_fingerprint(region_book("3316"))
    assert rules_fingerprint(blora) != rules_fingerprint(batang)


def test_a_row_digest_depends_on_every_cell_and_on_the_rules(app: Bratasena) -> None:
    digests = app.registry_digests
    cells = as_record(registry_row(1))
    same = digests.digest_record(cells, "rules 1")
    assert digests.digest_record(list(cells), "rules 1") == same
    assert digests.digest_record(cells, "rules 2") != same
    for n in range(len(cells)):
        other = [*cells[:n], cells[n] + " ", *cells[n + 1 :]]
        assert digests.digest_record(other, "rules 1") != same
    # Cells are kept apart: moving a character across a boundary is another row.
    assert digests.digest_record(["ab", "c"], "r") != digests.digest_record(["a", "bc"], "r")
