"""Registry import: DTKS/DTSEN extracts (CSV or XLSX) streamed, checked by row, saved in batches.

An extract has one household per row under the header ``registry_id, kk_number, head_nik,
head_name, address, village_code, desil, programs, members`` (names matched case-insensitively, in
any order, other columns ignored). Good rows are saved in batches of a few hundred households per
transaction through `Bratasena.import_registry`, which records nothing for an unchanged row: so an
import that crashed or was interrupted is completed, without duplicates, by running it again. Each
bad row is written to an error report (line, column, reason) beside the input; the report never
repeats a NIK or KK number, only says what is wrong with it.

Every import is also reconciled (see `domain.reconciliation`): each household decided here is
compared with its row, or its absence, in the extract, and what the extract shows is recorded on
it. Rows are reconciled in their import batch; the households the extract does not list, after the
last batch. An extract older than one already reconciled is imported but not reconciled.

An unchanged row is skipped before it is validated: each row is digested as read, under a
fingerprint of the rules that judge rows (`rules_fingerprint`), and the digests of a few thousand
rows are compared with the stored ones in one pair of reads (`registry_digests`). A row that
matches was accepted before by the same rules and left its household at the version the digest
names, which is still its version: validating and comparing it again would find nothing. Bad rows
never get a digest, so they are still found and reported on every import.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import importlib.resources
import itertools
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import stdnum

from bratasena.application import Bratasena
from bratasena.domain import household, identity, ids, regions
from bratasena.domain.errors import InvalidInputError, OutOfOrderError
from bratasena.domain.household import PROGRAMS
from bratasena.domain.identity import parse_kk, parse_nik, validate_registry_id
from bratasena.domain.regions import RegionBook, normalise_code
from bratasena.domain.spreadsheet import SafeWriter

COLUMNS: tuple[str, ...] = (
    "registry_id",
    "kk_number",
    "head_nik",
    "head_name",
    "address",
    "village_code",
    "desil",
    "programs",
    "members",
)
"""The columns of an extract, in the order the generator writes them."""

OPTIONAL: frozenset[str] = frozenset({"programs"})
"""Columns that must be present but may be blank (a household may receive no aid this period)."""

SOURCES: tuple[str, ...] = ("dtks", "dtsen")
"""Where an extract comes from: the old DTKS, or DTSEN which replaced it in 2025."""

PROGRAM_SEPARATOR = ";"
BATCH_SIZE = 500
"""Households per transaction: large enough to amortise a commit, small enough to lose little."""
READ_AHEAD = 2000
"""Rows whose digests are compared with the stored ones together (a pair of indexed reads)."""

_MAX_LENGTHS = {"registry_id": 64, "head_name": 200, "address": 300}
MAX_CELL_CHARS = 1000
"""A cell longer than this is refused unread: no column of an extract needs more."""
ECHO_CHARS = 80
"""At most this much of a refused value is repeated in the error report."""
MAX_MEMBER_BYTES = 256 * 1024 * 1024
"""An .xlsx member (a sheet, the shared strings) may unpack to this much: a 150,000-household
extract's sheet is about a tenth of it; more is a zip bomb, refused before it is parsed."""
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
"""openpyxl holds the shared strings in memory (the rows themselves are streamed): capped lower."""
MAX_MEMBERS = 1000
_MAX_MEMBERS = 99
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_XLSX_MAGIC = b"PK\x03\x04"


class RegistryFileError(InvalidInputError):
    """The extract cannot be read at all (wrong format, missing columns): nothing is stored."""

    rule = "registry_file_unreadable"


@dataclass(frozen=True)
class RowError:
    """Why one cell of one row was refused; ``line`` counts the header as line 1."""

    line: int
    column: str
    reason: str
    registry_id: str = ""


@dataclass
class ImportReport:
    """What an import did: its counts, the error report if any row was refused, the log position."""

    path: Path
    source: str
    period: str
    total_rows: int | None = None
    rows_read: int = 0
    registered: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    batches: int = 0
    position: int = 0
    error_report: Path | None = None
    errors: int = 0
    reconciled: dict[str, int] = field(default_factory=dict)
    """Reconciliation events recorded, by event class name (``RemovalConfirmed``…)."""
    reconciliation_refused: str | None = None
    """Why the extract was not reconciled (an older period than one already reconciled)."""

    @property
    def accepted(self) -> int:
        """Rows that passed validation (saved as registered, updated or unchanged)."""
        return self.registered + self.updated + self.unchanged

    @property
    def exit_status(self) -> int:
        """0 when every row was accepted, 1 when some were rejected (2 is for a refused file)."""
        return 1 if self.rejected else 0

    def summary(self) -> str:
        """One line for people: what happened to the rows."""
        text = (
            f"{self.rows_read:,} rows read: {self.registered:,} registered, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged, {self.rejected:,} rejected"
        )
        if self.error_report is not None:
            text += f"; error report: {self.error_report}"
        if self.reconciliation_refused is not None:
            text += f"; not reconciled: {self.reconciliation_refused}"
        else:
            found = ", ".join(f"{n:,} {name}" for name, n in sorted(self.reconciled.items()))
            text += f"; reconciled: {found or 'nothing new'}"
        return text


Progress = Callable[[ImportReport], None]


def check_source(source: str) -> str:
    """The extract's source as stored (``dtks`` or ``dtsen``)."""
    clean = source.strip().lower()
    if clean not in SOURCES:
        raise InvalidInputError(
            f"source: {source!r} is not a registry source; use one of {', '.join(SOURCES)}",
            field="source",
        )
    return clean


def check_period(period: str) -> str:
    """The extract's period as ``YYYY-MM``."""
    clean = period.strip()
    if not _PERIOD.match(clean):
        raise InvalidInputError(
            f"period: {period!r} is not a month; write it as YYYY-MM, e.g. 2026-03",
            field="period",
        )
    return clean


def clip(text: str) -> str:
    """A value as the error report may repeat it: a bounded prefix."""
    return text if len(text) <= ECHO_CHARS else f"{text[:ECHO_CHARS]}… ({len(text):,} characters)"


def error_report_path(path: Path) -> Path:
    """Where the error report of an extract goes: beside it, ``NAME.errors.csv``."""
    return path.with_name(f"{path.stem}.errors.csv")


def import_registry_file(
    app: Bratasena,
    path: Path,
    *,
    source: str,
    period: str,
    actor: str,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    error_report: Path | None = None,
    reconcile: bool = True,
) -> ImportReport:
    """Import an extract file into the event store; see the module docstring.

    Raises `RegistryFileError` before storing anything when the file cannot be read. ``progress``
    is called after each committed batch (the report so far); an exception it raises stops the
    import with every earlier batch kept, and the extract unreconciled until it is imported again.
    ``reconcile=False`` imports without reconciling (to measure what reconciling costs).
    """
    path = Path(path)
    report = ImportReport(path=path, source=check_source(source), period=check_period(period))
    report_path = error_report or error_report_path(path)
    validator = RowValidator(app.regions)
    digests, rules = app.registry_digests, rules_fingerprint(app.regions)
    batch: list[dict[str, Any]] = []
    batch_digests: list[str] = []
    # The households the extract lists: the ids the batches compute anyway, and those of the
    # refused rows that name a registry id (a bad row still says the household is listed).
    listed: set[UUID] = set()
    # The districts the extract covers: a household of another district is not in it because the
    # extract is partial, not because it left the registry, so it is not judged by it.
    covered: set[str] = set()
    compare: set[UUID] = set()
    if reconcile:
        try:
            app.check_reconcilable(report.period)
        except OutOfOrderError as refusal:
            report.reconciliation_refused = refusal.message
            reconcile = False
        else:
            compare = app.reconciliation_candidates()

    def flush() -> None:
        counts = app.import_registry(
            batch,
            source=report.source,
            period=report.period,
            actor=actor,
            reconcile=reconcile,
            compare=compare,
            digested=batch_digests,
        )
        _count_reconciled(report, counts.reconciled)
        listed.update(counts.listed)
        report.registered += counts.registered
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        report.position = max(report.position, counts.position)
        report.batches += 1
        batch.clear()
        batch_digests.clear()
        if progress is not None:
            progress(report)

    # One batch at a time: a second batch in flight on another thread was measured slower on
    # both backends (the work is Python, and the GIL and the event store's lock serialise it).
    with open_extract(path) as table, _ErrorWriter(report_path) as errors:
        report.total_rows = table.total_rows
        while chunk := list(itertools.islice(table.records, READ_AHEAD)):
            read = [
                (
                    line,
                    record,
                    ids.household_id(record["registry_id"]),
                    digests.digest_record(list(record.values()), rules),
                )
                for line, record in chunk
            ]
            unchanged = digests.unchanged(
                app,
                {hid: digest for _, _, hid, digest in read if not (reconcile and hid in compare)},
            )
            skipped = False
            for line, record, hid, digest in read:
                report.rows_read += 1
                # A registry id seen earlier in the file goes through validation, which reports
                # the duplicate, even when the row itself is unchanged.
                if hid in unchanged and validator.first_sighting(line, record):
                    report.unchanged += 1
                    skipped = True
                    listed.add(hid)
                    covered.add(normalise_code(record["village_code"])[:6])
                    continue
                row, problems = validator.check(line, record)
                if problems:
                    report.rejected += 1
                    errors.write(problems)
                    if reconcile and problems[0].registry_id:
                        listed.add(ids.household_id(problems[0].registry_id))
                    continue
                batch.append(row)
                batch_digests.append(digest)
                covered.add(str(row["village_code"])[:6])
                if len(batch) >= batch_size:
                    flush()
            if skipped and progress is not None:
                progress(report)
        if batch:
            flush()
        report.errors = errors.count
        report.error_report = report_path if errors.count else None
    if report.error_report is None:
        # A report left by an earlier run of the same file would describe errors now fixed.
        report_path.unlink(missing_ok=True)
    if reconcile:
        counts = app.reconcile_unlisted(
            listed, covered, period=report.period, actor=actor, batch_size=batch_size
        )
        _count_reconciled(report, counts.reconciled)
        logged = app.record_reconciled(period=report.period, source=report.source, actor=actor)
        report.position = max(report.position, counts.position, logged)
    return report


def _count_reconciled(report: ImportReport, found: dict[str, int]) -> None:
    for name, count in found.items():
        report.reconciled[name] = report.reconciled.get(name, 0) + count


def rules_fingerprint(book: RegionBook) -> str:
    """A fingerprint of everything that decides whether a row is accepted and what it becomes.

    The rules are code (this module, the domain's NIK, KK, region and household rules, the NIK
    library's release) and data (the region lists, the configured regency): their bytes are
    hashed, so that no release can change a rule and forget to say so. A row digest made under
    other rules never matches (`RegistryDigests.digest_record`), and the next import judges every
    row again. The one rule that moves with time (a NIK or KK date must not be in the future)
    only ever accepts more, never less, so an accepted row stays accepted.
    """
    return _fingerprint(book.regency.code)


@functools.cache
def _fingerprint(regency_code: str) -> str:
    hashed = hashlib.sha256(f"{regency_code}\n{stdnum.__version__}\n".encode())
    for module in (sys.modules[__name__], identity, regions, household):
        hashed.update(Path(str(module.__file__)).read_bytes())
    data = importlib.resources.files("bratasena.data")
    for name in sorted(entry.name for entry in data.iterdir() if entry.name.endswith(".csv")):
        hashed.update(data.joinpath(name).read_bytes())
    return hashed.hexdigest()


class RowValidator:
    """Checks extract rows one by one and remembers registry ids to catch duplicates in a file."""

    def __init__(self, regions: RegionBook) -> None:
        self.regions = regions
        # Only ids are kept (a few tens of bytes a row), so memory grows with the registry's
        # households, never with the file's size in bytes.
        self._seen: dict[str, int] = {}

    def first_sighting(self, line: int, record: dict[str, str]) -> bool:
        """Note the row's registry id as seen at this line; False when an earlier line had it."""
        return self._sighted(line, _registry_id(record)) == line

    def _sighted(self, line: int, registry_id: str) -> int:
        return self._seen.setdefault(registry_id.upper(), line)

    def check(self, line: int, record: dict[str, str]) -> tuple[dict[str, Any], list[RowError]]:
        """The row as `Bratasena.import_registry` takes it, and what is wrong with it."""
        problems: list[RowError] = []
        registry_id = _registry_id(record)
        row: dict[str, Any] = {}

        def refuse(column: str, reason: str) -> None:
            prefix = f"{column}: "
            reason = reason[len(prefix) :] if reason.startswith(prefix) else reason
            problems.append(RowError(line, column, reason, registry_id))

        for column in COLUMNS:
            value = record.get(column, "")
            if len(value) > MAX_CELL_CHARS:
                refuse(column, f"is {len(value):,} characters long; at most {MAX_CELL_CHARS:,}")
                continue
            value = value.strip()
            if not value and column not in OPTIONAL:
                refuse(column, f"is empty; every row needs a {column}")
                continue
            try:
                row[column] = self._clean(column, value)
            except InvalidInputError as error:
                refuse(column, error.message)
        if registry_id:
            first = self._sighted(line, registry_id)
            if first != line:
                refuse(
                    "registry_id",
                    f"duplicate of line {first}; each household appears once in an extract",
                )
        return row, problems

    def _clean(self, column: str, value: str) -> Any:
        limit = _MAX_LENGTHS.get(column)
        if limit is not None:
            value = " ".join(value.split())
            if len(value) > limit:
                raise InvalidInputError(f"is {len(value)} characters long; at most {limit}")
            if column == "registry_id":
                return validate_registry_id(value, field=column)
            return value
        if column == "kk_number":
            return parse_kk(value, field=column).value
        if column == "head_nik":
            # A NIK from a regency since split is accepted with a warning: not a row error.
            return parse_nik(value, field=column).value
        if column == "village_code":
            return self.regions.village(normalise_code(value, field=column), field=column).code
        if column == "desil":
            return _whole_number(value, column, low=1, high=10)
        if column == "members":
            return _whole_number(value, column, low=1, high=_MAX_MEMBERS)
        if column == "programs":
            return parse_programs(value)
        raise AssertionError(f"no rule for column {column}")


def _registry_id(record: dict[str, str]) -> str:
    """The row's registry id as the error report names it (whitespace runs made one space)."""
    return " ".join(record.get("registry_id", "")[: MAX_CELL_CHARS + 1].split())


def parse_programs(value: str) -> list[str]:
    """``PKH; bpnt`` → ``["PKH", "BPNT"]``: known programs, each once, in the canonical order.

    The canonical order keeps a re-import of a file that lists programs in another order from
    recording a change that is not one.
    """
    names = {p.strip().upper() for p in value.split(PROGRAM_SEPARATOR) if p.strip()}
    unknown = sorted(names - set(PROGRAMS))
    if unknown:
        raise InvalidInputError(
            f"unknown program {', '.join(unknown)}; known are {', '.join(PROGRAMS)}, "
            f"separated by '{PROGRAM_SEPARATOR}'"
        )
    return [p for p in PROGRAMS if p in names]


def format_programs(programs: list[str]) -> str:
    """Programs as an extract cell."""
    return PROGRAM_SEPARATOR.join(programs)


def _whole_number(value: str, column: str, *, low: int, high: int) -> int:
    try:
        number = float(value)
    except ValueError:
        raise InvalidInputError(f"{value!r} is not a number; give a whole number") from None
    if not number.is_integer():
        raise InvalidInputError(f"{value!r} is not a whole number")
    if not low <= number <= high:
        raise InvalidInputError(f"{int(number)} is outside {low}–{high}")
    return int(number)


# --- reading files ------------------------------------------------------------------------------


@dataclass
class Extract:
    """An open extract: an estimate of its data rows and its records with their line numbers."""

    total_rows: int | None
    records: Iterator[tuple[int, dict[str, str]]]
    columns: list[str] = field(default_factory=list)


@contextmanager
def open_extract(path: Path) -> Iterator[Extract]:
    """Open a CSV or XLSX extract, refusing it (`RegistryFileError`) when it cannot be read."""
    if not path.is_file():
        raise RegistryFileError(f"file: {path} does not exist or is not a file", field="file")
    with path.open("rb") as probe:
        magic = probe.read(len(_XLSX_MAGIC))
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise RegistryFileError(
            f"file: {path.name} is an old Excel (.xls) workbook; save it as .xlsx or as "
            "CSV UTF-8 and import that",
            field="file",
        )
    if magic == _XLSX_MAGIC or suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path) as extract:
            yield extract
    else:
        with _open_csv(path) as extract:
            yield extract


def _header_map(cells: list[Any], path: Path) -> dict[str, int]:
    """Where each required column is; refuses a header that lacks some."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _text(cell).strip().lstrip("\ufeff").lower()
        positions.setdefault(name, index)
    missing = [c for c in COLUMNS if c not in positions]
    if missing:
        raise RegistryFileError(
            f"file: {path.name} lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; the first row must name the columns {', '.join(COLUMNS)}",
            field="file",
        )
    return {c: positions[c] for c in COLUMNS}


def _records(
    rows: Iterator[tuple[int, list[str]]], header: dict[str, int]
) -> Iterator[tuple[int, dict[str, str]]]:
    width = max(header.values()) + 1
    for line, cells in rows:
        if not "".join(cells).strip():
            continue  # blank lines between records are not households
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        yield line, {c: cells[i] for c, i in header.items()}


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel keeps numbers as floats: 3.0 is desil 3
    return str(cell)


@contextmanager
def _open_csv(path: Path) -> Iterator[Extract]:
    lines = _check_utf8(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        # Excel in an Indonesian locale saves "CSV" with semicolons, since the comma is the
        # decimal separator there.
        delimiter = ";" if first.count(";") > first.count(",") else ","
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise RegistryFileError(
                f"file: {path.name} is empty; the first row must name the columns "
                f"{', '.join(COLUMNS)}",
                field="file",
            ) from None
        except csv.Error as error:
            raise RegistryFileError(
                f"file: {path.name} is not a CSV file ({error})", field="file"
            ) from None
        positions = _header_map(header, path)

        def rows() -> Iterator[tuple[int, list[str]]]:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise RegistryFileError(
                        f"file: {path.name} line {reader.line_num} cannot be read as CSV "
                        f"({error}); rows before it were imported, fix it and import again",
                        field="file",
                    ) from None
                yield reader.line_num, cells

        yield Extract(total_rows=max(lines - 1, 0), records=_records(rows(), positions))


def _check_utf8(path: Path) -> int:
    """The file's number of lines, after making sure all of it is UTF-8 text.

    Checked before the import starts, so that a file that is not text is refused whole instead of
    failing halfway; reading bytes in chunks keeps memory constant and costs a fraction of a
    second for Blora's registry.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    ends_with_newline = True
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                near = lines + chunk.count(b"\n", 0, max(error.start, 0)) + 1
                raise RegistryFileError(
                    f"file: {path.name} is neither an .xlsx workbook nor CSV text in UTF-8 "
                    f"(line {near}); save it from Excel as 'CSV UTF-8' or as .xlsx",
                    field="file",
                ) from None
            lines += chunk.count(b"\n")
            ends_with_newline = chunk.endswith(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise RegistryFileError(
            f"file: {path.name} ends in the middle of a character; it is not UTF-8 text",
            field="file",
        ) from None
    return lines + (0 if ends_with_newline else 1)


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Extract]:
    from zipfile import BadZipFile

    import openpyxl

    _check_zip(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise RegistryFileError(
            f"file: {path.name} cannot be opened as an .xlsx workbook ({type(error).__name__}); "
            "save it from Excel as .xlsx or as 'CSV UTF-8'",
            field="file",
        ) from None
    try:
        sheet = workbook.worksheets[0]
        numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
        first = next(numbered, None)
        if first is None:
            raise RegistryFileError(
                f"file: the first sheet of {path.name} is empty; its first row must name the "
                f"columns {', '.join(COLUMNS)}",
                field="file",
            )
        positions = _header_map(list(first[1]), path)
        rows = ((line, [_text(c) for c in cells]) for line, cells in numbered)
        total = sheet.max_row - 1 if sheet.max_row else None
        yield Extract(total_rows=total, records=_records(rows, positions))
    finally:
        workbook.close()


def _check_zip(path: Path) -> None:
    """Refuse a workbook whose members would unpack to more than an extract can need.

    Read from the zip's directory before anything is unpacked: the sizes it declares bound what
    Python's zip reader will ever produce for each member.
    """
    from zipfile import BadZipFile, ZipFile

    try:
        with ZipFile(path) as archive:
            members = archive.infolist()
    except (BadZipFile, OSError) as error:
        raise RegistryFileError(
            f"file: {path.name} cannot be opened as an .xlsx workbook ({type(error).__name__}); "
            "save it from Excel as .xlsx or as 'CSV UTF-8'",
            field="file",
        ) from None
    if len(members) > MAX_MEMBERS:
        raise RegistryFileError(
            f"file: {path.name} holds {len(members):,} parts; an extract has a few", field="file"
        )
    for member in members:
        limit = (
            MAX_SHARED_STRINGS_BYTES
            if member.filename.lower().endswith("sharedstrings.xml")
            else MAX_MEMBER_BYTES
        )
        if member.file_size > limit:
            raise RegistryFileError(
                f"file: {path.name} is refused: its part {clip(member.filename)} unpacks to "
                f"{member.file_size:,} bytes, more than the {limit:,} an extract can need; "
                "export the extract again, or as 'CSV UTF-8'",
                field="file",
            )


class _ErrorWriter:
    """The error report, created at the first bad row so a clean import leaves no file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def __enter__(self) -> _ErrorWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, problems: list[RowError]) -> None:
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = SafeWriter(self._handle)
            self._writer.writerow(["line", "column", "registry_id", "reason"])
        for problem in problems:
            self._writer.writerow(
                [problem.line, problem.column, clip(problem.registry_id), clip(problem.reason)]
            )
        self.count += len(problems)
