"""CaseList: the officers' list of complaints with deadlines and overdue flags, and timelines.

Deadlines, counted in Indonesian working days from Jakarta dates:
- ``response_due``: the deadline the notice gave the household.
- ``decision_due``: 30 working days after filing; once the household objects, 30 working days
  after the objection (the appeal decision is then what is due).

Overdue flags, against today's Jakarta date: ``overdue_decision`` when a case awaiting a decision
(before the decision, or appealed) is past ``decision_due``; ``overdue_response`` when the notice's
deadline has passed with no response recorded (the supervisor may now decide without it).

The complainant's identity (the reporter, the filing account, the complaint's free text) never
enters these tables; filings and corroborations are credited to "complainant".

Cases are found by name through blind indexes: the words of the name the complaint gives
(``views_case_names``) and of the matched household's head (the household view's
``views_household_names``), each word only as a keyed hash (`Privacy.name_hashes`), never in
clear. The search box (`CaseQuery.q`) takes a tracking code, a registry id, a NIK or KK, a
village or a name; `CaseList.interpret` says which it took the text for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from operator import itemgetter
from typing import Any, Literal
from uuid import UUID

from pydantic import TypeAdapter

from bratasena.domain import ids
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import (
    AWAITING_DECISION,
    EVENTS,
    STATUSES,
    Complaint,
    Status,
    Step,
)
from bratasena.domain.errors import InvalidInputError
from bratasena.domain.identity import (
    is_valid_tracking_code,
    normalise_tracking_code,
    validate_registry_id,
)
from bratasena.domain.regions import normalise_code, region_book
from bratasena.persistence import Cursor, LoopReads, Reader
from bratasena.projections.case_steps import apply_step, decision_due, decode_fields, encode_fields
from bratasena.projections.privacy import Privacy
from bratasena.projections.records import (
    Page,
    bulk_insert,
    check_paging,
    parse_day,
    parse_ts,
    placeholders,
    rows_of,
    ts,
    upsert,
    write_counts,
)
from bratasena.projections.runner import Table, Tables, View
from bratasena.settings import Settings

OPEN_CASES = "status IN ({})".format(", ".join(f"'{s}'" for s in AWAITING_DECISION))
"""SQL true for open cases, with the statuses written out: the partial indexes on open cases
apply only to queries that repeat their condition exactly (SQLite) or whose values the planner
sees (PostgreSQL, where a prepared statement's generic plan does not)."""


class CaseSort(StrEnum):
    """The orders of the case list (``-`` for newest first)."""

    FILED_AT = "filed_at"
    FILED_AT_DESC = "-filed_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    RESPONSE_DUE = "response_due"
    DECISION_DUE = "decision_due"
    STATUS = "status"
    DISTRICT = "district"


SORTS: dict[str, str] = {
    CaseSort.FILED_AT: "filed_at",
    CaseSort.FILED_AT_DESC: "filed_at DESC",
    CaseSort.UPDATED_AT: "updated_at",
    CaseSort.UPDATED_AT_DESC: "updated_at DESC",
    CaseSort.RESPONSE_DUE: "response_due",
    CaseSort.DECISION_DUE: "decision_due",
    CaseSort.STATUS: "status_rank",
    CaseSort.DISTRICT: "district_code",
}

COLUMNS = (
    "complaint_id",
    "tracking_code",
    "tracking_key",
    "status",
    "status_rank",
    "district_code",
    "village_code",
    "reason_codes",
    "assigned_to",
    "filed_at",
    "updated_at",
    "response_due",
    "decision_due",
    "decided_at",
    "corroborations",
    "household_id",
    "version",
)
_SELECT = ", ".join(COLUMNS)
_VERSION = COLUMNS.index("version")
_KEPT_ROWS = 20_000
"""Rows' JSON kept by `CaseList.search_json` (a few MB) before it starts afresh."""
_VALUES = itemgetter(*COLUMNS)
_STEP_COLUMNS = ("complaint_id", "version", "at", "step", "actor", "fields")
_NAME_COLUMNS = ("complaint_id", "token", "district_code")


class SearchKind(StrEnum):
    """What the case search box took its text for."""

    TRACKING_CODE = "tracking_code"
    NIK_OR_KK = "nik_or_kk"
    REGISTRY_ID = "registry_id"
    VILLAGE_OR_NAME = "village_or_name"
    NAME = "name"
    NOTHING = "nothing"
    """Nothing searchable: no word of two letters or more, no known code."""


@dataclass(frozen=True)
class CaseQuery:
    """Filters, sort and page of the case list; ``districts`` is the caller's scope (None: all)."""

    status: str | None = None
    district: str | None = None
    village: str | None = None
    assigned_to: str | None = None
    overdue: bool | None = None
    q: str | None = None
    """One box: a tracking code, a registry id, a NIK or KK, a village or a name."""
    name: str | None = None
    """Every word of it in the name the complaint gives or the matched household head's."""
    districts: Sequence[str] | None = None
    page: int = 1
    per_page: int = 25
    sort: str = "-filed_at"


@dataclass(frozen=True)
class CaseRow:
    """One complaint as the case list shows it."""

    complaint_id: UUID
    tracking_code: str
    status: Status
    district_code: str
    district_name: str
    village_code: str
    village_name: str
    reason_codes: list[str]
    assigned_to: str | None
    filed_at: datetime
    updated_at: datetime
    response_due: date | None
    decision_due: date
    overdue_response: bool
    overdue_decision: bool
    corroborations: int
    household_id: UUID | None
    version: int


ROW_JSON: TypeAdapter[CaseRow] = TypeAdapter(CaseRow)
"""A case row's JSON, as an item of the API's `CasePage` (`CaseList.search_json`)."""


@dataclass(frozen=True)
class _StoredPage:
    """A page as stored: its rows' values (`COLUMNS`), the matches' count, the flags' day."""

    rows: list[Sequence[Any]]
    total: int
    page: int
    per_page: int
    today: date


@dataclass(frozen=True)
class _PageReads:
    """The statements that read one page: the rows with the count of all matches riding along,
    and the count alone, asked only for a page past the end (it has no row to carry it)."""

    rows: str
    rows_params: list[Any]
    count: str
    count_params: list[Any]
    page: int
    per_page: int
    today: date

    def stored(self, rows: list[Sequence[Any]], count: int | None) -> _StoredPage:
        """The page from the rows' answer (``count``: the count's, when it had to be asked)."""
        total = int(rows[0][-1]) if rows else count or 0
        return _StoredPage([r[:-1] for r in rows], total, self.page, self.per_page, self.today)

    @property
    def needs_count(self) -> bool:
        """Whether a page without rows must ask for the count (the first page's is 0)."""
        return self.page > 1


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a case: its code, who took it, and the fields the step records.

    Each edge words it in its own language from the code and the fields.
    """

    at: datetime
    step: Step
    actor: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class CaseDetail(CaseRow):
    """A case with its timeline."""

    timeline: list[TimelineEntry] = field(default_factory=list)


@dataclass
class CaseRows:
    """Case rows in memory by complaint id, and the timeline steps added since they were read."""

    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: list[tuple[Any, ...]] = field(default_factory=list)
    names: list[tuple[str, str, str]] = field(default_factory=list)
    """Name index entries (complaint id, word hash, district) of the cases filed since."""
    counted: Counter[tuple[str, str]] = field(default_factory=Counter)
    """The rows as read, by district and status: what `views_case_counts` holds of them."""


class CaseList(View[CaseRows]):
    """Complaints for the officers' list and case page."""

    name = "case_list"
    tables = {  # noqa: RUF012 (a class constant read by the runner)
        "views_cases": Table(
            "complaint_id TEXT NOT NULL, tracking_code TEXT NOT NULL, "
            "tracking_key TEXT NOT NULL, status TEXT NOT NULL, status_rank INTEGER NOT NULL, "
            "district_code TEXT NOT NULL, village_code TEXT NOT NULL, reason_codes TEXT NOT NULL, "
            "assigned_to TEXT, filed_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
            "response_due TEXT, decision_due TEXT NOT NULL, decided_at TEXT, "
            "corroborations INTEGER NOT NULL, household_id TEXT, version INTEGER NOT NULL",
            "complaint_id",
            (
                "tracking_key",
                # The list's orders, each with its tie-break, so a page is read in index order
                # rather than sorted (on SQLite a sort of the rows before the page's end).
                "filed_at, complaint_id",
                "filed_at DESC, complaint_id",
                "updated_at, complaint_id",
                "updated_at DESC, complaint_id",
                "decision_due, complaint_id",
                "district_code, filed_at DESC, complaint_id",
                "village_code, filed_at",
                "status, district_code, filed_at",
                "status, decision_due",
                "assigned_to, status",
                # Open cases are a few percent of all: the dashboard, the overdue list and the
                # officers' queues read only them, through these small indexes.
                f"decision_due, complaint_id WHERE {OPEN_CASES}",
                f"assigned_to, decision_due, complaint_id WHERE {OPEN_CASES}",
                f"district_code, status, assigned_to WHERE {OPEN_CASES}",
                # Whether a household is already under an open case (matching a complaint).
                f"household_id WHERE {OPEN_CASES}",
                # Every case about a household (its page), and the one-box search by id.
                "household_id, filed_at",
            ),
        ),
        "views_case_timeline": Table(
            "complaint_id TEXT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL, "
            "step TEXT NOT NULL, actor TEXT NOT NULL, fields TEXT NOT NULL",
            "complaint_id, version",
        ),
        # How many cases each district has in each status: the total of a page filtered by
        # status and districts alone (most pages: a supervisor's list, an officer's, a status
        # tab) is a sum over a few rows of it, not a count of every matching case per request.
        "views_case_counts": Table(
            "district_code TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL",
            "district_code, status",
        ),
        # The blind index of the names complaints give: one row per word, as a keyed hash.
        "views_case_names": Table(
            "complaint_id TEXT NOT NULL, token TEXT NOT NULL, district_code TEXT NOT NULL",
            "complaint_id, token",
            ("token, district_code",),
        ),
    }
    event_types = EVENTS

    def __init__(self, db: Reader, app: Any, settings: Settings) -> None:
        super().__init__(db, app, settings)
        self.privacy = Privacy(settings)
        self._place_names: dict[tuple[str, str], str] = {}
        self._row_json: dict[tuple[str, int, date], bytes] = {}
        """Each row's JSON by case, version and day (`search_json`)."""
        """District and village names by kind and stored code, looked up once each."""

    # --- projection -----------------------------------------------------------------------------

    def empty(self) -> CaseRows:
        return CaseRows()

    def load(self, cur: Cursor, tables: Tables, events: Sequence[Any]) -> CaseRows:
        cases = rows_of(cur, tables["views_cases"], COLUMNS, events)
        return CaseRows(cases, counted=_counts(cases.values()))

    def fold(self, rows: CaseRows, events: Sequence[Any]) -> None:
        cases, steps = rows.cases, rows.steps
        for event in events:
            cid = str(event.originator_id)
            if isinstance(event, Complaint.Filed):
                cases[cid] = self._filed(event)
                name = str(event.subject.get("name") or "")
                district = event.village_code[:6]
                rows.names.extend(
                    (cid, token, district)
                    for token in dict.fromkeys(self.privacy.name_hashes(name))
                )
            row = cases.get(cid)
            if row is None:
                continue
            step, actor, fields = apply_step(row, event)
            at = ts(event.timestamp)
            row["updated_at"] = at
            row["version"] = event.originator_version
            steps.append(
                (cid, event.originator_version, at, str(step), actor, encode_fields(fields))
            )

    def write(self, cur: Cursor, tables: Tables, rows: CaseRows, *, fresh: bool) -> None:
        cases = [_VALUES(r) for r in rows.cases.values()]
        case_types = self.tables["views_cases"].types
        step_types = self.tables["views_case_timeline"].types
        name_types = self.tables["views_case_names"].types
        # What the batch changed in the counts: the rows now, less the rows as they were read.
        counts = _counts(rows.cases.values())
        counts.subtract(rows.counted)
        write_counts(
            cur,
            tables["views_case_counts"],
            ("district_code", "status"),
            counts,
            types=self.tables["views_case_counts"].types,
            fresh=fresh,
        )
        if fresh:
            bulk_insert(cur, tables["views_cases"], COLUMNS, cases, types=case_types)
            bulk_insert(
                cur, tables["views_case_timeline"], _STEP_COLUMNS, rows.steps, types=step_types
            )
            bulk_insert(
                cur, tables["views_case_names"], _NAME_COLUMNS, rows.names, types=name_types
            )
            return
        upsert(
            cur,
            tables["views_case_names"],
            _NAME_COLUMNS,
            ("complaint_id", "token"),
            rows.names,
            types=name_types,
            update="",
        )
        upsert(cur, tables["views_cases"], COLUMNS, ("complaint_id",), cases, types=case_types)
        upsert(
            cur,
            tables["views_case_timeline"],
            _STEP_COLUMNS,
            ("complaint_id", "version"),
            rows.steps,
            types=step_types,
            update="",
        )

    @staticmethod
    def _filed(event: Any) -> dict[str, Any]:
        filed_on = jakarta_date(event.timestamp)
        return {
            "complaint_id": str(event.originator_id),
            "tracking_code": event.tracking_code,
            "tracking_key": _tracking_key(event.tracking_code),
            "status": str(Status.FILED),
            "status_rank": STATUSES.index(Status.FILED),
            "district_code": event.village_code[:6],
            "village_code": event.village_code,
            "reason_codes": ",".join(event.reasons),
            "assigned_to": None,
            "filed_at": ts(event.timestamp),
            "updated_at": ts(event.timestamp),
            "response_due": None,
            "decision_due": decision_due(filed_on),
            "decided_at": None,
            "corroborations": 0,
            "household_id": str(event.household_id) if event.household_id else None,
            "version": event.originator_version,
        }

    # --- queries --------------------------------------------------------------------------------

    def search(self, query: CaseQuery) -> Page[CaseRow]:
        """One page of the cases matching the query."""
        found = self._stored_page(query)
        return Page(
            items=[self.row(r, found.today) for r in found.rows],
            total=found.total,
            page=found.page,
            per_page=found.per_page,
        )

    def search_json(self, query: CaseQuery) -> bytes:
        """The page `search` gives, as the JSON `PAGE_JSON` writes of it (the API's answer).

        A row's JSON depends only on its case's version (every change to a row comes with an
        event of its case) and on the day its overdue flags are judged, so each is written once
        per case version and day and kept: a page of unchanged cases is a join of kept bytes.
        """
        return self._page_json(self._stored_page(query))

    async def search_json_on_loop(self, query: CaseQuery, reads: LoopReads) -> bytes:
        """`search_json` with its statements read on the event loop (PostgreSQL's `LoopReads`)."""
        plan = self._page_reads(query)
        if plan is None:
            return self._page_json(self._empty_page(query))
        rows = await reads.query(plan.rows, plan.rows_params)
        count = None
        if not rows and plan.needs_count:
            count = int((await reads.query(plan.count, plan.count_params))[0][0])
        return self._page_json(plan.stored(rows, count))

    def _page_json(self, found: _StoredPage) -> bytes:
        kept = self._row_json
        if len(kept) > _KEPT_ROWS:
            kept.clear()
        parts = []
        for values in found.rows:
            key = (values[0], values[_VERSION], found.today)
            part = kept.get(key)
            if part is None:
                part = kept[key] = ROW_JSON.dump_json(self.row(values, found.today))
            parts.append(part)
        return b"".join(
            (
                b'{"items":[',
                b",".join(parts),
                b'],"total":%d,"page":%d,"per_page":%d}'
                % (found.total, found.page, found.per_page),
            )
        )

    def _stored_page(self, query: CaseQuery) -> _StoredPage:
        """The stored rows of one page, the number of all matches, and the day of the flags."""
        plan = self._page_reads(query)
        if plan is None:
            return self._empty_page(query)
        rows = self.db.query(plan.rows, plan.rows_params)
        count = None
        if not rows and plan.needs_count:
            count = int(self.db.query(plan.count, plan.count_params)[0][0])
        return plan.stored(rows, count)

    def _page_reads(self, query: CaseQuery) -> _PageReads | None:
        """The statements of one page (None when the query can match nothing)."""
        page, per_page = check_paging(query.page, query.per_page)
        order = SORTS.get(query.sort)
        if order is None:
            raise InvalidInputError(
                f"sort: unknown sort {query.sort!r}; use one of {', '.join(SORTS)}", field="sort"
            )
        where, params, counted = self._where(query)
        if where is None:
            return None
        # The count rides along with the page (one statement, one round trip).
        count = (
            f"SELECT COALESCE(SUM(n), 0) FROM views_case_counts{where}"
            if counted
            else f"SELECT COUNT(*) FROM views_cases{where}"
        )
        return _PageReads(
            rows=f"SELECT {_SELECT}, ({count}) FROM views_cases{where} "
            f"ORDER BY {order}, complaint_id LIMIT %s OFFSET %s",
            rows_params=[*params, *params, per_page, (page - 1) * per_page],
            count=count,
            count_params=params,
            page=page,
            per_page=per_page,
            today=self.today(),
        )

    def _empty_page(self, query: CaseQuery) -> _StoredPage:
        page, per_page = check_paging(query.page, query.per_page)
        return _StoredPage([], 0, page, per_page, self.today())

    def get(self, complaint_id: UUID) -> CaseDetail | None:
        """A case with its timeline, or None."""
        found = self.db.query(
            f"SELECT {_SELECT} FROM views_cases WHERE complaint_id = %s", [str(complaint_id)]
        )
        if not found:
            return None
        steps = self.db.query(
            "SELECT at, step, actor, fields FROM views_case_timeline WHERE complaint_id = %s "
            "ORDER BY version",
            [str(complaint_id)],
        )
        row = self.row(found[0])
        timeline = [
            TimelineEntry(parse_ts(at), Step(step), actor, decode_fields(fields))
            for at, step, actor, fields in steps
        ]
        return CaseDetail(**vars(row), timeline=timeline)

    def of_household(self, household_id: UUID) -> list[CaseRow]:
        """Every case matched to a household, oldest first (a joined complaint included)."""
        found = self.db.query(
            f"SELECT {_SELECT} FROM views_cases WHERE household_id = %s "
            "ORDER BY filed_at, complaint_id",
            [str(household_id)],
        )
        today = self.today()
        return [self.row(r, today) for r in found]

    def open_cases_of(self, household_ids: Sequence[UUID]) -> dict[UUID, tuple[UUID, str]]:
        """The open case (id, tracking code) of each of these households that has one."""
        keys = [str(h) for h in household_ids]
        if not keys:
            return {}
        found = self.db.query(
            f"SELECT household_id, complaint_id, tracking_code FROM views_cases "
            f"WHERE household_id IN ({placeholders(len(keys))}) AND {OPEN_CASES} "
            "ORDER BY filed_at",
            keys,
        )
        return {UUID(h): (UUID(c), code) for h, c, code in found}

    def today(self) -> date:
        """Today in Jakarta, by the application's clock."""
        return jakarta_date(self.app.clock())

    def _where(self, query: CaseQuery) -> tuple[str | None, list[Any], bool]:
        """The WHERE clause and its parameters (None when the query can match nothing), and
        whether it filters by status and district alone, so `views_case_counts` has its total."""
        book = region_book(self.settings.regency)
        clauses: list[str] = []
        params: list[Any] = []
        by_rows = False  # a filter on a column `views_case_counts` lacks
        if query.status is not None:
            if query.status not in STATUSES:
                raise InvalidInputError(
                    f"status: unknown status {query.status!r}; use one of {', '.join(STATUSES)}",
                    field="status",
                )
            clauses.append("status = %s")
            params.append(query.status)
        if query.district:
            clauses.append("district_code = %s")
            params.append(book.district(normalise_code(query.district), field="district").code)
        if query.village:
            by_rows = True
            clauses.append("village_code = %s")
            params.append(book.village(query.village, field="village").code)
        if query.assigned_to:
            by_rows = True
            clauses.append("assigned_to = %s")
            params.append(query.assigned_to.strip().lower())
        if query.districts is not None:
            scope = [book.district(d, field="districts").code for d in query.districts]
            if not scope:
                return None, [], False
            clauses.append(f"district_code IN ({placeholders(len(scope))})")
            params.extend(scope)
        if query.overdue is not None:
            condition, values = overdue_condition(self.today())
            by_rows = True
            clauses.append(condition if query.overdue else f"NOT {condition}")
            params.extend(values)
        if query.name is not None and query.name.strip():
            hashes = list(dict.fromkeys(self.privacy.name_hashes(query.name)))
            if not hashes:
                raise InvalidInputError(
                    "name: give at least one word of two or more letters (titles do not count)",
                    field="name",
                )
            by_rows = True
            clauses.append(_named(hashes))
            params.extend([*hashes, *hashes])
        if query.q and query.q.strip():
            _, clause, values = self._box(query.q)
            if clause is None:
                return None, [], False
            by_rows = True
            clauses.append(clause)
            params.extend(values)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        return where, params, not by_rows

    def interpret(self, q: str) -> SearchKind:
        """What the search box takes ``q`` for (the page says it beside the results)."""
        return self._box(q)[0]

    def _box(self, q: str) -> tuple[SearchKind, str | None, list[Any]]:
        """The search box's kind, WHERE condition (None: nothing can match) and parameters."""
        text = " ".join(q.split())
        if is_valid_tracking_code(text):
            return SearchKind.TRACKING_CODE, "tracking_key = %s", [normalise_tracking_code(text)]
        digits = "".join(ch for ch in text if ch not in " .-")
        if len(digits) == 16 and digits.isascii() and digits.isdigit():
            return (
                SearchKind.NIK_OR_KK,
                "household_id IN (SELECT household_id FROM views_households "
                "WHERE nik_hash = %s OR kk_hash = %s)",
                [self.privacy.lookup_hash("nik", digits), self.privacy.lookup_hash("kk", digits)],
            )
        if any(ch.isdigit() for ch in text) and is_registry_id(text):
            # Told by its shape, never by looking it up: the answer must not say whether a
            # household outside the caller's districts has this id.
            return SearchKind.REGISTRY_ID, "household_id = %s", [str(ids.household_id(text))]
        book = region_book(self.settings.regency)
        codes = [v.code for v in book.villages() if text.lower() in v.name.lower()]
        hashes = list(dict.fromkeys(self.privacy.name_hashes(text)))
        if codes and hashes:
            return (
                SearchKind.VILLAGE_OR_NAME,
                f"(village_code IN ({placeholders(len(codes))}) OR {_named(hashes)})",
                [*codes, *hashes, *hashes],
            )
        if codes:
            return (
                SearchKind.VILLAGE_OR_NAME,
                f"village_code IN ({placeholders(len(codes))})",
                codes,
            )
        if hashes:
            return SearchKind.NAME, _named(hashes), [*hashes, *hashes]
        return SearchKind.NOTHING, None, []

    def row(self, values: Sequence[Any], today: date | None = None) -> CaseRow:
        """A stored row as a CaseRow, with names and the overdue flags of ``today`` (default:
        today; a page passes the one day all its rows are judged by)."""
        data = dict(zip(COLUMNS, values, strict=True))
        if today is None:
            today = self.today()
        response_due = parse_day(data["response_due"])
        decision_due = parse_day(data["decision_due"])
        assert decision_due is not None
        return CaseRow(
            complaint_id=UUID(data["complaint_id"]),
            tracking_code=data["tracking_code"],
            status=Status(data["status"]),
            district_code=data["district_code"],
            district_name=self._place_name("district", data["district_code"]),
            village_code=data["village_code"],
            village_name=self._place_name("village", data["village_code"]),
            reason_codes=[c for c in data["reason_codes"].split(",") if c],
            assigned_to=data["assigned_to"],
            filed_at=parse_ts(data["filed_at"]),
            updated_at=parse_ts(data["updated_at"]),
            response_due=response_due,
            decision_due=decision_due,
            overdue_response=data["status"] == Status.NOTICE_ISSUED
            and response_due is not None
            and response_due < today,
            overdue_decision=data["status"] in AWAITING_DECISION and decision_due < today,
            corroborations=int(data["corroborations"]),
            household_id=UUID(data["household_id"]) if data["household_id"] else None,
            version=int(data["version"]),
        )

    def _place_name(self, kind: Literal["district", "village"], code: str) -> str:
        """The name of the district or village of a stored code, '' if the regency has none."""
        name = self._place_names.get((kind, code))
        if name is None:
            book = region_book(self.settings.regency)
            try:
                name = book.district(code).name if kind == "district" else book.village(code).name
            except InvalidInputError:
                name = ""
            self._place_names[kind, code] = name
        return name


def _counts(rows: Iterable[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Case rows counted by district and status (`views_case_counts`)."""
    return Counter((row["district_code"], row["status"]) for row in rows)


def _tracking_key(code: str) -> str:
    # A stored code is never refused here: one odd value must not stall the runner for good.
    if is_valid_tracking_code(code):
        return normalise_tracking_code(code)
    return code.replace("-", "").upper()


def is_registry_id(text: str) -> bool:
    """Whether the text has the shape of a DTKS/DTSEN registry id (`validate_registry_id`)."""
    try:
        validate_registry_id(text)
    except InvalidInputError:
        return False
    return True


def _named(hashes: Sequence[str]) -> str:
    """SQL true for cases with every one of these name-word hashes, in the name the complaint
    gives or in the matched household head's (its parameters: the hashes twice)."""
    # Each index's key (id, token) makes COUNT(*) the number of distinct words found; of the
    # households, only those ever complained about can have a case (a few percent of them).
    words, count = placeholders(len(hashes)), len(hashes)
    return (
        f"(complaint_id IN (SELECT complaint_id FROM views_case_names WHERE token IN ({words}) "
        f"GROUP BY complaint_id HAVING COUNT(*) = {count}) "
        f"OR household_id IN (SELECT household_id FROM views_household_names "
        f"WHERE token IN ({words}) AND reported = 1 GROUP BY household_id "
        f"HAVING COUNT(*) = {count}))"
    )


def overdue_condition(today: date) -> tuple[str, list[Any]]:
    """SQL that is true for overdue cases on ``today``, and its parameters."""
    # Both kinds of overdue case are open, so the partial indexes on open cases apply.
    return (
        f"({OPEN_CASES} AND (decision_due < %s "
        f"OR (status = '{Status.NOTICE_ISSUED}' AND response_due < %s)))",
        [today.isoformat(), today.isoformat()],
    )
