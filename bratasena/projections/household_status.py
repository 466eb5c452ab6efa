"""HouseholdStatus: each registered household's eligibility, complaints and sync state per target.

NIK and KK are stored only masked plus a keyed hash for lookups, and the head's name is sealed
when a cipher key is configured (see privacy.py), so the table holds no clear personal numbers.
Names are found through a blind index: each word of the head's name, normalised
(`domain.names`: spelling, titles, case), is stored only as a keyed hash in
``views_household_names`` beside the household's village and district (`by_name`).
Sync state is that of the household's latest deactivation or reactivation: ``pending`` until the
target answers, then ``synced`` (with the target's reference) or ``rejected`` (with its reason).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from uuid import UUID

from bratasena.domain import ids
from bratasena.domain.errors import InvalidInputError
from bratasena.domain.household import TARGETS, Eligibility, Household
from bratasena.domain.regions import normalise_code, region_book
from bratasena.persistence import Cursor, Reader
from bratasena.projections.household_names import NameIndex, all_words
from bratasena.projections.privacy import Privacy
from bratasena.projections.records import (
    Page,
    bulk_insert,
    check_paging,
    chunked,
    placeholders,
    rows_of,
    upsert,
)
from bratasena.projections.runner import Table, Tables, View
from bratasena.settings import Settings

COLUMNS = (
    "household_id",
    "registry_id",
    "kk_masked",
    "kk_hash",
    "nik_masked",
    "nik_hash",
    "head_name",
    "village_code",
    "district_code",
    "desil",
    "programs",
    "members",
    "status",
    "effective_month",
    "complaints_received",
    "sync",
    "name_index",
    "version",
)
_SELECT = ", ".join(COLUMNS)
_NAME_COLUMNS = (
    "household_id",
    "token",
    "village_code",
    "district_code",
    "registry_id",
    "reported",
)
_REINDEX = "_reindex"
"""Set on a row in memory whose name or village changed: its index entries are rewritten."""

_VALUES = itemgetter(*COLUMNS)
_SYNC = COLUMNS.index("sync")


@dataclass(frozen=True)
class HouseholdQuery:
    """Filters and page of the household list; KK and NIK are matched through their hashes.

    ``name`` finds the households whose head's name has every word of it (normalised, through
    the blind index); ``districts`` is the caller's scope (None: all), which filters the result,
    so an exact id never needs a district chosen first.
    """

    registry_id: str | None = None
    kk: str | None = None
    nik: str | None = None
    name: str | None = None
    village: str | None = None
    district: str | None = None
    status: str | None = None
    districts: Sequence[str] | None = None
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class SyncState:
    """Where a target system stands on the household's latest change."""

    state: str
    reference: str
    event_version: int


@dataclass(frozen=True)
class HouseholdRow:
    """A household as the status view shows it (NIK and KK masked)."""

    household_id: UUID
    registry_id: str
    kk_masked: str
    nik_masked: str
    head_name: str
    village_code: str
    village_name: str
    district_code: str
    district_name: str
    desil: int
    programs: list[str]
    members: int
    status: str
    effective_month: str | None
    complaints_received: int
    sync: dict[str, SyncState]
    version: int


Rows = dict[str, dict[str, Any]]
"""Household rows in memory by household id (``sync`` as a dict, stored as JSON)."""


class HouseholdStatus(View[Rows]):
    """Households by registry id, KK, NIK, village, district or status."""

    name = "household_status"
    tables = {  # noqa: RUF012 (a class constant read by the runner)
        "views_households": Table(
            "household_id TEXT NOT NULL, registry_id TEXT NOT NULL, kk_masked TEXT NOT NULL, "
            "kk_hash TEXT NOT NULL, nik_masked TEXT NOT NULL, nik_hash TEXT NOT NULL, "
            "head_name TEXT NOT NULL, village_code TEXT NOT NULL, district_code TEXT NOT NULL, "
            "desil INTEGER NOT NULL, programs TEXT NOT NULL, members INTEGER NOT NULL, "
            "status TEXT NOT NULL, effective_month TEXT, complaints_received INTEGER NOT NULL, "
            "sync TEXT NOT NULL, name_index TEXT NOT NULL, version INTEGER NOT NULL",
            "household_id",
            (
                "registry_id",
                "kk_hash",
                "nik_hash",
                "village_code, registry_id",
                "district_code, status, registry_id",
                "status, registry_id",
            ),
        ),
        # The blind index of names: one row per word of a head's name, the word only as a
        # keyed hash (`Privacy.lookup_hash("name", word)`), never in clear. Each entry carries
        # what a name search filters and sorts by (the area, the registry id, whether the
        # household was ever complained about), so the indexes below answer a one-word search,
        # its count and any page of it without reading the households table.
        "views_household_names": Table(
            "household_id TEXT NOT NULL, token TEXT NOT NULL, village_code TEXT NOT NULL, "
            "district_code TEXT NOT NULL, registry_id TEXT NOT NULL, reported INTEGER NOT NULL",
            "household_id, token",
            (
                "token, registry_id, household_id",
                "token, district_code, registry_id, household_id",
                "token, village_code, registry_id, household_id",
                "token, reported, household_id",
            ),
        ),
    }
    event_types = (
        Household.Registered,
        Household.RegistryUpdated,
        Household.Reported,
        Household.Unmatched,
        Household.Deactivated,
        Household.Reactivated,
        Household.Synced,
        Household.SyncRejected,
    )

    def __init__(self, db: Reader, app: Any, settings: Settings) -> None:
        super().__init__(db, app, settings)
        self.privacy = Privacy(settings)
        self.names = NameIndex(db, settings, self.privacy)

    # --- projection -----------------------------------------------------------------------------

    def empty(self) -> Rows:
        return {}

    def load(self, cur: Cursor, tables: Tables, events: Sequence[Any]) -> Rows:
        rows = rows_of(cur, tables["views_households"], COLUMNS, events)
        for row in rows.values():
            row["sync"] = json.loads(row["sync"])
        return rows

    def fold(self, rows: Rows, events: Sequence[Any]) -> None:
        for event in events:
            hid = str(event.originator_id)
            if isinstance(event, Household.Registered):
                rows[hid] = self._registered(event)
            row = rows.get(hid)
            if row is None:
                continue
            self._change(row, event)
            row["version"] = event.originator_version

    def write(self, cur: Cursor, tables: Tables, rows: Rows, *, fresh: bool) -> None:
        table, types = tables["views_households"], self.tables["views_households"].types
        values = []
        for row in rows.values():
            value = list(_VALUES(row))
            value[_SYNC] = json.dumps(value[_SYNC]) if value[_SYNC] else "{}"
            values.append(value)
        if fresh:
            bulk_insert(cur, table, COLUMNS, values, types=types)
        else:
            upsert(cur, table, COLUMNS, ("household_id",), values, types=types)
        self._write_names(cur, tables["views_household_names"], rows, fresh=fresh)

    def _write_names(self, cur: Cursor, table: str, rows: Rows, *, fresh: bool) -> None:
        # Only rows whose name or village changed in this batch, or that got their first
        # complaint or lost their last: a sync answer leaves a household's entries as they are.
        changed = [row for row in rows.values() if row.get(_REINDEX)]
        entries = [
            (
                row["household_id"],
                token,
                row["village_code"],
                row["district_code"],
                row["registry_id"],
                1 if row["complaints_received"] else 0,
            )
            for row in changed
            for token in dict.fromkeys(row["name_index"].split())
        ]
        types = self.tables["views_household_names"].types
        if fresh:
            bulk_insert(cur, table, _NAME_COLUMNS, entries, types=types)
            return
        for chunk in chunked([row["household_id"] for row in changed]):
            cur.execute(
                f"DELETE FROM {table} WHERE household_id IN ({placeholders(len(chunk))})", chunk
            )
        upsert(cur, table, _NAME_COLUMNS, ("household_id", "token"), entries, types=types)

    def _registered(self, event: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "household_id": str(event.originator_id),
            "registry_id": event.registry_id,
            "status": Eligibility.ACTIVE,
            "effective_month": None,
            "complaints_received": 0,
            "sync": {},
        }
        self._registry(row, vars(event))  # the event's fields, of which it takes the registry's
        return row

    def _registry(self, row: dict[str, Any], values: dict[str, Any]) -> None:
        if "kk_number" in values:
            row["kk_masked"] = self.privacy.mask(values["kk_number"])
            row["kk_hash"] = self.privacy.lookup_hash("kk", values["kk_number"])
        if "head_nik" in values:
            row["nik_masked"] = self.privacy.mask(values["head_nik"])
            row["nik_hash"] = self.privacy.lookup_hash("nik", values["head_nik"])
        if "head_name" in values:
            row["head_name"] = self.privacy.seal(values["head_name"])
            row["name_index"] = " ".join(self.name_hashes(values["head_name"]))
            row[_REINDEX] = True
        if "village_code" in values:
            row["village_code"] = values["village_code"]
            row["district_code"] = values["village_code"][:6]
            row[_REINDEX] = True
        for name in ("desil", "members"):
            if name in values:
                row[name] = int(values[name])
        if "programs" in values:
            row["programs"] = ",".join(values["programs"])

    def _change(self, row: dict[str, Any], event: Any) -> None:
        if isinstance(event, Household.RegistryUpdated):
            self._registry(row, event.changes)
        elif isinstance(event, Household.Reported):
            row["complaints_received"] += 1
            row[_REINDEX] = row.get(_REINDEX) or row["complaints_received"] == 1
        elif isinstance(event, Household.Unmatched):
            # The complaint turned out to concern another household.
            row["complaints_received"] = max(0, row["complaints_received"] - 1)
            row[_REINDEX] = row.get(_REINDEX) or row["complaints_received"] == 0
        elif isinstance(event, Household.Deactivated | Household.Reactivated):
            deactivated = isinstance(event, Household.Deactivated)
            row["status"] = str(Eligibility.DEACTIVATED if deactivated else Eligibility.ACTIVE)
            row["effective_month"] = event.effective_month
            row["sync"] = {
                target: {
                    "state": "pending",
                    "reference": "",
                    "event_version": event.originator_version,
                }
                for target in TARGETS
            }
        elif isinstance(event, Household.Synced | Household.SyncRejected):
            current = row["sync"].get(event.target)
            # An answer about an older change says nothing about where the latest one stands.
            if current is not None and current["event_version"] == event.event_version:
                synced = isinstance(event, Household.Synced)
                row["sync"][event.target] = {
                    "state": "synced" if synced else "rejected",
                    "reference": getattr(event, "reference" if synced else "reason_code"),
                    "event_version": event.event_version,
                }

    # --- queries --------------------------------------------------------------------------------

    def search(self, query: HouseholdQuery) -> Page[HouseholdRow]:
        """One page of the households matching the query, in registry id order."""
        page, per_page = check_paging(query.page, query.per_page)
        book = region_book(self.settings.regency)
        if (
            query.name
            and query.name.strip()
            and not (query.registry_id or query.kk or query.nik or query.status is not None)
        ):
            return self._by_words(query, page, per_page)
        clauses: list[str] = []
        params: list[Any] = []
        if query.registry_id:
            clauses.append("registry_id = %s")
            params.append(query.registry_id.strip().upper())
        for kind, value in (("kk", query.kk), ("nik", query.nik)):
            if value:
                clauses.append(f"{kind}_hash = %s")
                params.append(self.privacy.lookup_hash(kind, _sixteen_digits(value, kind)))
        if query.name is not None and query.name.strip():
            hashes = self.names.words(query.name)
            clauses.append(all_words(hashes))
            params.extend(hashes)
        if query.village:
            clauses.append("village_code = %s")
            params.append(book.village(query.village, field="village").code)
        if query.district:
            clauses.append("district_code = %s")
            params.append(book.district(normalise_code(query.district), field="district").code)
        if query.districts is not None:
            scope = [book.district(d, field="districts").code for d in query.districts]
            if not scope:
                return Page(items=[], total=0, page=page, per_page=per_page)
            clauses.append(f"district_code IN ({placeholders(len(scope))})")
            params.extend(scope)
        if query.status is not None:
            if query.status not in (Eligibility.ACTIVE, Eligibility.DEACTIVATED):
                raise InvalidInputError(
                    f"status: unknown status {query.status!r}; use active or deactivated",
                    field="status",
                )
            clauses.append("status = %s")
            params.append(query.status)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        total = int(self.db.query(f"SELECT COUNT(*) FROM views_households{where}", params)[0][0])
        rows = self.db.query(
            f"SELECT {_SELECT} FROM views_households{where} ORDER BY registry_id "
            "LIMIT %s OFFSET %s",
            [*params, per_page, (page - 1) * per_page],
        )
        return Page(items=[self.row(r) for r in rows], total=total, page=page, per_page=per_page)

    def _by_words(self, query: HouseholdQuery, page: int, per_page: int) -> Page[HouseholdRow]:
        """A name search within an area, from the name index alone (`NameIndex.page`)."""
        ids, total = self.names.page(
            query.name or "",
            village=query.village,
            district=query.district,
            districts=query.districts,
            page=page,
            per_page=per_page,
        )
        rows = {str(row.household_id): row for row in self.many(ids)}
        return Page(
            items=[rows[i] for i in ids if i in rows], total=total, page=page, per_page=per_page
        )

    def name_hashes(self, name: str) -> list[str]:
        """The keyed hashes under which a name's words are indexed (`Privacy.name_hashes`)."""
        return self.privacy.name_hashes(name)

    def by_name(
        self,
        name: str,
        *,
        district: str | None = None,
        village: str | None = None,
        limit: int = 20,
    ) -> list[HouseholdRow]:
        """Households whose head's name shares words with ``name``, most shared words first.

        Words are compared normalised (old spellings, titles and case do not matter), through
        their keyed hashes only; ``district`` or ``village`` (Kemendagri codes) narrows the
        search. Ties are in registry id order. The caller ranks finer (e.g. by
        `domain.names.similarity`) on the rows, whose names are readable again.
        """
        ids = self.names.ranked(name, district=district, village=village, limit=limit)
        rows = {row.household_id: row for row in self.many(UUID(i) for i in ids)}
        return [rows[UUID(i)] for i in ids if UUID(i) in rows]

    def many(self, household_ids: Any) -> list[HouseholdRow]:
        """The households of these ids (those that exist), in no particular order."""
        keys = [str(i) for i in household_ids]
        rows = []
        for chunk in chunked(keys):
            rows.extend(
                self.db.query(
                    f"SELECT {_SELECT} FROM views_households "
                    f"WHERE household_id IN ({placeholders(len(chunk))})",
                    list(chunk),
                )
            )
        return [self.row(r) for r in rows]

    def get(self, household_id: UUID) -> HouseholdRow | None:
        """A household by its id, or None."""
        rows = self.db.query(
            f"SELECT {_SELECT} FROM views_households WHERE household_id = %s", [str(household_id)]
        )
        return self.row(rows[0]) if rows else None

    def by_registry_id(self, registry_id: str) -> HouseholdRow | None:
        """A household by its DTKS/DTSEN registry id, or None."""
        return self.get(ids.household_id(registry_id))

    def row(self, values: Sequence[Any]) -> HouseholdRow:
        """A stored row as a HouseholdRow, the head's name unsealed."""
        data = dict(zip(COLUMNS, values, strict=True))
        book = region_book(self.settings.regency)
        village = (
            book.village(data["village_code"]) if book.has_village(data["village_code"]) else None
        )
        return HouseholdRow(
            household_id=UUID(data["household_id"]),
            registry_id=data["registry_id"],
            kk_masked=data["kk_masked"],
            nik_masked=data["nik_masked"],
            head_name=self.privacy.unseal(data["head_name"]),
            village_code=data["village_code"],
            village_name=village.name if village else "",
            district_code=data["district_code"],
            district_name=village.district_name if village else "",
            desil=int(data["desil"]),
            programs=[p for p in data["programs"].split(",") if p],
            members=int(data["members"]),
            status=data["status"],
            effective_month=data["effective_month"],
            complaints_received=int(data["complaints_received"]),
            sync={
                target: SyncState(s["state"], s["reference"], int(s["event_version"]))
                for target, s in json.loads(data["sync"]).items()
            },
            version=int(data["version"]),
        )


def _sixteen_digits(value: str, kind: str) -> str:
    digits = "".join(value.split()).replace(".", "").replace("-", "")
    if len(digits) != 16 or not (digits.isascii() and digits.isdigit()):
        raise InvalidInputError(f"{kind}: a {kind.upper()} number has 16 digits", field=kind)
    return digits
