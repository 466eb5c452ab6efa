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
from bratasena.domain.names import name_tokens
from bratasena.domain.regions import normalise_code, region_book
from bratasena.persistence import Cursor, Reader
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
_NAME_COLUMNS = ("household_id", "token", "village_code", "district_code")
_REINDEX = "_reindex"
"""Set on a row in memory whose name or village changed: its index entries are rewritten."""

MAX_BY_NAME = 50
"""The most households a name search answers with (the best matches first)."""
_VALUES = itemgetter(*COLUMNS)
_SYNC = COLUMNS.index("sync")


@dataclass(frozen=True)
class HouseholdQuery:
    """Filters and page of the household list; KK and NIK are matched through their hashes."""

    registry_id: str | None = None
    kk: str | None = None
    nik: str | None = None
    village: str | None = None
    district: str | None = None
    status: str | None = None
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
        # keyed hash (`Privacy.lookup_hash("name", word)`), never in clear.
        "views_household_names": Table(
            "household_id TEXT NOT NULL, token TEXT NOT NULL, village_code TEXT NOT NULL, "
            "district_code TEXT NOT NULL",
            "household_id, token",
            ("token, district_code", "token, village_code"),
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
        # Name words repeat across a registry: each is hashed once (a rebuild hashes them all).
        self._word_hashes: dict[str, str] = {}

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
        # Only rows whose name or village changed in this batch: a sync answer or a complaint
        # leaves a household's index entries as they are.
        changed = [row for row in rows.values() if row.get(_REINDEX)]
        entries = [
            (row["household_id"], token, row["village_code"], row["district_code"])
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
        elif isinstance(event, Household.Unmatched):
            # The complaint turned out to concern another household.
            row["complaints_received"] = max(0, row["complaints_received"] - 1)
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
        clauses: list[str] = []
        params: list[Any] = []
        if query.registry_id:
            clauses.append("registry_id = %s")
            params.append(query.registry_id.strip().upper())
        for kind, value in (("kk", query.kk), ("nik", query.nik)):
            if value:
                clauses.append(f"{kind}_hash = %s")
                params.append(self.privacy.lookup_hash(kind, _sixteen_digits(value, kind)))
        if query.village:
            clauses.append("village_code = %s")
            params.append(book.village(query.village, field="village").code)
        if query.district:
            clauses.append("district_code = %s")
            params.append(book.district(normalise_code(query.district), field="district").code)
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

    def name_hashes(self, name: str) -> list[str]:
        """The keyed hashes under which a name's words are indexed (see `domain.names`).

        Truncated to 64 bits: plenty to tell a regency's name words apart, and a shorter
        digest gives away less of a leaked table.
        """
        hashes = []
        for token in name_tokens(name):
            found = self._word_hashes.get(token)
            if found is None:
                if len(self._word_hashes) > 200_000:  # bounded in a process that runs for months
                    self._word_hashes.clear()
                found = self._word_hashes[token] = self.privacy.lookup_hash("name", token)[:16]
            hashes.append(found)
        return hashes

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
        hashes = list(dict.fromkeys(self.name_hashes(name)))
        if not hashes:
            return []
        book = region_book(self.settings.regency)
        clauses = [f"n.token IN ({placeholders(len(hashes))})"]
        params: list[Any] = list(hashes)
        if village:
            clauses.append("n.village_code = %s")
            params.append(book.village(village, field="village").code)
        elif district:
            clauses.append("n.district_code = %s")
            params.append(book.district(normalise_code(district), field="district").code)
        limit = max(1, min(limit, MAX_BY_NAME))
        found = self.db.query(
            f"SELECT n.household_id, COUNT(*) AS shared, MIN(h.registry_id) AS registry_id "
            f"FROM views_household_names n JOIN views_households h "
            f"ON h.household_id = n.household_id WHERE {' AND '.join(clauses)} "
            "GROUP BY n.household_id ORDER BY shared DESC, registry_id LIMIT %s",
            [*params, limit],
        )
        ids = [row[0] for row in found]
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
