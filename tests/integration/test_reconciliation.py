"""Reconciling deactivations with the next registry extracts, on both backends."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl

from bratasena.application import Bratasena, SyncAnswer
from bratasena.domain.household import Eligibility, Household
from bratasena.integration.registry_import import ImportReport, import_registry_file
from bratasena.integration.synthetic import write_extract
from bratasena.projections import Projections
from bratasena.projections.report_files import report_csv, report_xlsx
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many, register, registry_row


def import_extract(
    app: Bratasena, tmp_path: Path, period: str, rows: list[dict[str, Any]]
) -> ImportReport:
    path = tmp_path / f"dtsen-{period}.csv"
    write_extract(rows, path)
    return import_registry_file(app, path, source="dtsen", period=period, actor="admin")


def reconciliation_events(app: Bratasena, hid: UUID) -> list[tuple[str, str, str]]:
    """(event, period, evidence) of each reconciliation fact recorded on a household."""
    kinds = (
        Household.RemovalConfirmed,
        Household.RemovalNotApplied,
        Household.ReactivationNotApplied,
        Household.LeftRegistryElsewhere,
        Household.ReturnedToRegistry,
    )
    return [
        (type(e).__name__, e.period, getattr(e, "evidence", ""))
        for e in app.events.get(hid)
        if isinstance(e, kinds)
    ]


def test_deactivations_are_confirmed_or_found_not_applied_by_the_next_extracts(
    app: Bratasena, settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    # Decided in March 2026 (the clock's month): in effect from April.
    gone, still_pkh, desil_8 = deactivate_many(app, clock, 3)
    (bystander,) = register(app, registry_row(4))
    april = [
        registry_row(2, programs=["PKH"]),
        registry_row(3, desil=8),
        registry_row(4),
    ]

    first = import_extract(app, tmp_path, "2026-04", april)

    assert reconciliation_events(app, gone) == [("RemovalConfirmed", "2026-04", "not_listed")]
    assert reconciliation_events(app, desil_8) == [("RemovalConfirmed", "2026-04", "desil_above")]
    # In the effective month itself the national data may lag: not yet "not applied".
    assert reconciliation_events(app, still_pkh) == []
    assert reconciliation_events(app, bystander) == []
    assert first.reconciled == {"RemovalConfirmed": 2}
    assert first.reconciliation_refused is None

    may = import_extract(app, tmp_path, "2026-05", april)

    assert reconciliation_events(app, still_pkh) == [("RemovalNotApplied", "2026-05", "")]
    not_applied = list(app.events.get(still_pkh))[-1]
    assert (not_applied.programs, not_applied.months) == (["PKH"], 1)
    assert may.reconciled == {"RemovalNotApplied": 1}
    # The households stay deactivated here, whatever the extract says.
    assert app.get_household(still_pkh).status == Eligibility.DEACTIVATED
    assert app.get_household(gone).status == Eligibility.DEACTIVATED

    head = app.head()
    again = import_extract(app, tmp_path, "2026-05", april)

    assert app.head() == head, "the same extract again records nothing"
    assert again.reconciled == {}
    assert again.unchanged == 3

    # The report: confirmed beside decided, and the list of those not applied with references.
    app.record_sync_answers(
        [SyncAnswer(still_pkh, "dtsen", 2, accepted=True, reference="DTSEN-REF-7")], actor="sync"
    )
    views = Projections(app, settings)
    try:
        views.refresh()
        report = views.removal_report(2026)
        april_row = next(m for m in report["months"] if m["month"] == "2026-04")
        assert (april_row["deactivations"], april_row["confirmed_removals"]) == (3, 2)
        assert report["totals"]["confirmed_removals"] == 2
        assert report["reconciled_through"] == "2026-05"
        [stuck] = report["not_applied"]
        assert stuck == {
            "registry_id": "DTKS-000002",
            "district_code": "331601",
            "kind": "removal_not_applied",
            "effective_month": "2026-04",
            "period": "2026-05",
            "months": 1,
            "dtjateng_reference": "",
            "dtsen_reference": "DTSEN-REF-7",
        }
        counts, listed = views.reconciliation.period("2026-05")
        assert counts["removal_not_applied"] == 1
        assert [(h.registry_id, h.kind) for h in listed] == [("DTKS-000002", "removal_not_applied")]
        effect = views.reconciliation.effect(gone)
        assert effect is not None
        assert (effect.state, effect.period) == ("confirmed", "2026-04")

        rows = list(csv.reader(io.StringIO(report_csv(report))))
        assert rows[0][-1] == "confirmed_removals"
        assert (rows[4][:3], rows[4][-1]) == (["2026-04", "10", "3"], "2")
        assert rows[-1][:3] == ["DTKS-000002", "331601", "removal_not_applied"]
        book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)), read_only=True)
        months = list(book["months"].iter_rows(values_only=True))
        assert (months[4][2], months[4][-1]) == (3, 2), "numbers stay numbers"
        assert list(book["not_applied"].iter_rows(values_only=True))[1][-1] == "DTSEN-REF-7"

        views.rebuild("reconciliation")
        assert views.removal_report(2026)["not_applied"] == report["not_applied"]
    finally:
        views.close()


def test_a_household_leaving_the_extract_without_a_decision_is_recorded_not_deactivated(
    app: Bratasena, tmp_path: Path
) -> None:
    left, lost, stays = register(app, registry_row(1), registry_row(2), registry_row(3))
    report = import_extract(
        app, tmp_path, "2026-02", [registry_row(2, programs=[]), registry_row(3)]
    )

    assert reconciliation_events(app, left) == [("LeftRegistryElsewhere", "2026-02", "not_listed")]
    assert reconciliation_events(app, lost) == [
        ("LeftRegistryElsewhere", "2026-02", "no_programmes")
    ]
    assert reconciliation_events(app, stays) == []
    assert report.reconciled == {"LeftRegistryElsewhere": 2}
    assert app.get_household(left).status == Eligibility.ACTIVE
    assert app.get_household(left).left_registry == "2026-02"

    back = import_extract(app, tmp_path, "2026-03", [registry_row(1), registry_row(3)])

    assert reconciliation_events(app, left)[-1] == ("ReturnedToRegistry", "2026-03", "")
    assert back.reconciled == {"ReturnedToRegistry": 1}  # the programme-less one stays out


def test_a_partial_extract_judges_only_the_districts_it_covers(
    app: Bratasena, clock: Clock, tmp_path: Path
) -> None:
    # Jati's deactivated household and an undecided one; the extract holds only Randublatung.
    jati_removed, jati_kept = deactivate_many(app, clock, 1)[0], register(app, registry_row(2))[0]
    randublatung = "3316021005"
    report = import_extract(app, tmp_path, "2026-05", [registry_row(3, village_code=randublatung)])

    # Missing from an extract of another district says nothing of a Jati household.
    assert reconciliation_events(app, jati_removed) == []
    assert reconciliation_events(app, jati_kept) == []
    assert report.reconciled == {}


def test_an_older_extract_is_imported_but_not_reconciled(app: Bratasena, tmp_path: Path) -> None:
    _, missing = register(app, registry_row(1), registry_row(2))
    import_extract(app, tmp_path, "2026-05", [registry_row(1), registry_row(2)])
    head = app.head()

    older = import_extract(app, tmp_path, "2026-04", [registry_row(1, desil=3)])

    assert older.updated == 1, "the import itself still applies"
    assert older.reconciled == {}
    assert older.reconciliation_refused is not None
    assert "2026-04 is older than the extract of 2026-05" in older.reconciliation_refused
    assert "not reconciled" in older.summary()
    assert reconciliation_events(app, missing) == []
    assert app.head() == head + 1  # the one RegistryUpdated


def test_a_reactivation_still_missing_from_the_extract_is_not_applied(
    app: Bratasena, clock: Clock, tmp_path: Path
) -> None:
    (hid,) = deactivate_many(app, clock, 1)
    import_extract(app, tmp_path, "2026-04", [registry_row(1, programs=[])])
    household = app.get_household(hid)
    household.reactivate(
        complaint_id=None,
        cause="registry_correction",
        reason="Data keliru",
        actor="kabid",
        at=clock.advance(days=45),  # late April: in effect from May
    )
    app.save(household)

    import_extract(app, tmp_path, "2026-05", [registry_row(1, programs=[])])
    assert reconciliation_events(app, hid)[-1:] == [
        ("RemovalConfirmed", "2026-04", "no_programmes")
    ]
    import_extract(app, tmp_path, "2026-06", [registry_row(1, programs=[])])

    assert reconciliation_events(app, hid)[-1] == (
        "ReactivationNotApplied",
        "2026-06",
        "no_programmes",
    )
