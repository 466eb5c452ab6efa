"""The registry digests (issue 18): an unchanged re-import skips households without reading their
events, and a digest is trusted only at the version it names, on both backends."""

from __future__ import annotations

from bratasena.application import Bratasena
from bratasena.domain import ids
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
