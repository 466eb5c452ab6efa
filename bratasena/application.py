"""The use cases: one method per command, each loading aggregates, calling them and saving once."""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from bratasena.blobs import BlobStore, blob_store
from bratasena.domain import ids
from bratasena.domain.account import Account, Role
from bratasena.domain.calendar import jakarta_date, next_month, now_utc, objection_deadline
from bratasena.domain.complaint import EVENTS as COMPLAINT_EVENTS
from bratasena.domain.complaint import Complaint, Decision, Status, Step
from bratasena.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OutOfOrderError,
)
from bratasena.domain.evidence import Evidence, EvidenceStage
from bratasena.domain.filing import (
    PUBLIC,
    channel_for,
    clean_reporter,
    clean_subject,
)
from bratasena.domain.household import Eligibility, Household, ReactivationCause
from bratasena.domain.identity import new_tracking_code, normalise_tracking_code
from bratasena.domain.letters import Letter, LetterKind, LetterRegister
from bratasena.domain.lookup import HouseholdLookup
from bratasena.domain.matching import HouseholdFacts
from bratasena.domain.proposals import ProposalList, cutoff_date
from bratasena.domain.reconciliation import ReconciliationLog
from bratasena.domain.regions import RegionBook, normalise_code, region_book
from bratasena.domain.targets import DEFAULT_MONTHLY_TARGET, RemovalTargets
from bratasena.domain.tracking import JoinedCase
from bratasena.letter_facts import (
    AppealDecision,
    Exhibit,
    FieldCheck,
    HouseholdOnPaper,
    LetterFacts,
    Letterhead,
    LetterheadNotConfiguredError,
    Typesetter,
)
from bratasena.letter_facts import Decision as DecisionFacts
from bratasena.media import Inspected, Upload, attachment_of, inspect
from bratasena.persistence import (
    LoopReads,
    create_event_table,
    current_version,
    current_version_on_loop,
    event_store_env,
    fold,
    history,
    history_on_loop,
    insert_in_one_statement,
    load_many,
    originators_of,
    put_unchecked,
    without_prepared_statements,
)
from bratasena.registry_digests import RegistryDigests
from bratasena.settings import Settings

A = TypeVar("A", bound=Aggregate)


class DateAsISO(Transcoding):
    """Stores calendar dates as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class Outcome:
    """What a command changed: the aggregate, its new version, and the log position to wait for."""

    id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class Match(Outcome):
    """A complaint matched to a household; ``joined`` when it joined that household's open case."""

    joined: UUID | None = None


@dataclass(frozen=True)
class IssuedLetter(Outcome):
    """A letter issued: its number and the digest of its PDF."""

    letter: Letter | None = None


class LetterMismatchError(RuntimeError):
    """A stored letter printed again gave other bytes than were issued (see `letter_pdf`)."""


@dataclass(frozen=True)
class Filing(Outcome):
    """A filed complaint: the case it opened or joined (``id``), and the filer's own code.

    ``tracking_code`` is the filer's alone, new for every filing; ``tracking_id`` is the id it
    names. Whether the complaint joined an open case (``corroborated``) is for staff only.
    """

    tracking_code: str = ""
    tracking_id: UUID | None = None
    status: Status = Status.FILED
    corroborated: bool = False


@dataclass(frozen=True)
class Progress:
    """A complaint as the public may follow it: its status and dated public steps, nothing else."""

    tracking_code: str
    status: Status
    steps: list[tuple[Step, datetime]]
    evidence: int = 0
    """How many attachments the case holds (never which)."""


@dataclass(frozen=True)
class Attached(Outcome):
    """An attachment recorded on a case."""

    evidence: Evidence | None = None


@dataclass(frozen=True)
class AuditEvent:
    """One stored event as an auditor reads it."""

    version: int
    type: str
    recorded_at: datetime
    actor: str
    data: dict[str, Any]
    step: Step | None = None
    """The timeline step of a complaint event (None for other aggregates' events)."""


@dataclass
class ImportCounts:
    """How the rows of one import batch were taken."""

    registered: int = 0
    updated: int = 0
    unchanged: int = 0
    position: int = 0
    household_ids: list[UUID] = field(default_factory=list)
    reconciled: Counter[str] = field(default_factory=Counter)
    """Reconciliation events recorded, by event class name (``RemovalConfirmed``…)."""
    listed: list[UUID] = field(default_factory=list)
    """The household ids of every row of the batch, changed or not (the extract lists them)."""

    def add(self, other: ImportCounts) -> None:
        self.registered += other.registered
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.position = max(self.position, other.position)
        self.reconciled.update(other.reconciled)


@dataclass(frozen=True)
class SyncAnswer:
    """A target system's answer to one change of a household (for `record_sync_answers`)."""

    household_id: UUID
    target: str
    event_version: int
    """The household's version whose event made the change (its deactivation or reactivation)."""
    accepted: bool
    reference: str = ""
    """The target's reference of the applied change (when accepted)."""
    reason_code: str = ""
    """Why the target refused the change (when refused), with its ``message``."""
    message: str = ""


def _meaningful(events: Iterable[Any]) -> list[Any]:
    """The complaint events among these: they carry their meaning (step, public, …); see
    `Complaint`."""
    return [e for e in events if isinstance(e, COMPLAINT_EVENTS)]


class Bratasena(Application[UUID]):
    """The complaint, eligibility and account use cases over one event store."""

    name = "bratasena"

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = now_utc,
        typesetter: Typesetter | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        new_key = settings.cipher_key is None and not settings.lookup_key_path().exists()
        self.typesetter = typesetter
        """Words and prints letters (None: this process issues no letters)."""
        super().__init__(env=event_store_env(settings))
        create_event_table(settings, self.recorder)
        insert_in_one_statement(self.recorder)
        if settings.transaction_pooler:
            without_prepared_statements(self.recorder)
        if new_key and settings.is_development and self.head() > 0:
            raise RuntimeError(
                f"{settings.lookup_key_path()} is missing but the store already holds events: "
                "their KK and NIK lookups were made with another key. Put that key back, set "
                "BRATASENA_CIPHER_KEY, or start from an empty data directory."
            )
        self._lookup_secret = settings.lookup_secret()
        self._digests: RegistryDigests | None = None
        self._callers: dict[UUID, Account] = {}

    @property
    def registry_digests(self) -> RegistryDigests:
        """The digest of each household's last registry row (opened on the first import)."""
        if self._digests is None:
            self._digests = RegistryDigests(self.settings, self._lookup_secret)
        return self._digests

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def regions(self) -> RegionBook:
        """Districts (kecamatan) and villages (desa/kelurahan) of the configured regency."""
        return region_book(self.settings.regency)

    # --- complaints -----------------------------------------------------------------------------

    def file_complaint(
        self,
        *,
        subject: dict[str, Any],
        reasons: list[str],
        description: str,
        reporter: dict[str, Any] | None,
        filer: Account | None = None,
        channel: str | None = None,
        uploads: Sequence[Upload] = (),
    ) -> Filing:
        """File a complaint; one about a household with an open case corroborates that case.

        ``filer`` is the staff account filing it (None: a citizen); the channel follows from it.
        ``uploads``: the complainant's own photos or documents (at most
        ``BRATASENA_EVIDENCE_PER_FILING``), every one checked before anything is stored.
        """
        recorded_channel = channel_for(filer.role if filer else None, channel)
        actor = filer.username if filer else PUBLIC
        subject = clean_subject(subject, self.regions)
        reporter = clean_reporter(reporter, self.regions)
        limit = self.settings.evidence_per_filing
        if len(uploads) > limit:
            raise InvalidInputError(
                f"files: at most {limit} files with one complaint ({len(uploads)} sent)",
                field="files",
                rule="too_many_files",
            )
        files = [(upload, self._inspect(upload)) for upload in uploads]
        attempt = 0
        while True:
            try:
                return self._file_once(
                    subject, reasons, description, reporter, recorded_channel, actor, files
                )
            except ConflictError:
                # A filer sent no version, so there is nothing to refuse: read and file again.
                # Each conflict means another filing about the household was stored, so racing
                # filers finish one by one; the short random pause spreads their next tries.
                attempt += 1
                time.sleep(random.uniform(0, min(0.01 * attempt, 0.2)))

    def _file_once(
        self,
        subject: dict[str, Any],
        reasons: list[str],
        description: str,
        reporter: dict[str, Any] | None,
        channel: str,
        actor: str,
        files: list[tuple[Upload, Inspected]],
    ) -> Filing:
        now = self.clock()
        household = self._match_household(subject)
        if household is not None and household.open_complaint_id is not None:
            open_case = self._get(Complaint, household.open_complaint_id)
            if open_case.is_open:
                open_case.corroborate(
                    channel=channel,
                    reasons=reasons,
                    description=description,
                    reporter=reporter,
                    actor=actor,
                    at=now,
                )
                own_code = new_tracking_code()
                own_id = ids.complaint_id(normalise_tracking_code(own_code))
                joined = JoinedCase.issue(
                    id=own_id,
                    tracking_code=own_code,
                    complaint_id=open_case.id,
                    joined_at_version=open_case.version,
                    at=now,
                )
                self._attach_filed(open_case, files, actor, now)
                position = self._save(open_case, joined)
                return Filing(
                    id=open_case.id,
                    version=open_case.version,
                    position=position,
                    tracking_code=own_code,
                    tracking_id=own_id,
                    status=open_case.status,
                    corroborated=True,
                )
        tracking_code = new_tracking_code()
        complaint = Complaint.file(
            id=ids.complaint_id(normalise_tracking_code(tracking_code)),
            tracking_code=tracking_code,
            channel=channel,
            household_id=household.id if household else None,
            # Held for matching without a village when only numbers named it: an officer finds
            # the household and its village later (`identify_household`).
            village_code=household.village_code if household else subject.get("village_code", ""),
            subject=subject,
            reasons=reasons,
            description=description,
            reporter=reporter,
            actor=actor,
            at=now,
        )
        if household is not None:
            household.report(complaint_id=complaint.id, actor=actor, at=now)
        self._attach_filed(complaint, files, actor, now)
        position = self._save(complaint, household)
        return Filing(
            id=complaint.id,
            version=complaint.version,
            position=position,
            tracking_code=tracking_code,
            tracking_id=complaint.id,
            status=complaint.status,
        )

    def _match_household(self, subject: dict[str, Any]) -> Household | None:
        """The registered household a complaint names, if its identifiers match exactly one.

        None otherwise (no match, or a number several households carry): the complaint is held
        for an officer to match. Never a refusal: an answer that differed by whether a number
        is registered would tell anyone who tries a NIK whether that family receives aid.
        """
        if subject.get("registry_id"):
            found = self._find(Household, ids.household_id(subject["registry_id"]))
            if found is not None:
                return found
        for kind, key in (("nik", "nik"), ("kk", "kk_number")):
            if subject.get(key):
                matches = self.find_households(**{kind: subject[key]})
                if len(matches) == 1:
                    return matches[0]
        return None

    def identify_household(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        registry_id: str,
        confirmation: str = "",
        actor: str,
    ) -> Match:
        """Match an unmatched complaint to a registered household.

        A household under another open case is matched by joining that case: this complaint
        records `Joined` and the open case a corroboration carrying this complaint's filing, in
        one transaction.
        """
        complaint = self._load(Complaint, complaint_id, expected_version)
        household, facts = self._matchable(complaint, registry_id, actor)
        now = self.clock()
        complaint.identify_household(
            household=facts, confirmation=confirmation, actor=actor, at=now
        )
        return self._matched(complaint, household, facts, None, actor, now)

    def rematch_household(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        registry_id: str,
        reason: str,
        confirmation: str = "",
        actor: str,
    ) -> Match:
        """Match the case to another household: the field check, notice and hearing start over."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        household, facts = self._matchable(complaint, registry_id, actor)
        previous = self._get(Household, complaint.household_id) if complaint.household_id else None
        now = self.clock()
        complaint.rematch_household(
            household=facts, reason=reason, confirmation=confirmation, actor=actor, at=now
        )
        return self._matched(complaint, household, facts, previous, actor, now)

    def household_facts(self, household: Household, complaint_id: UUID | None) -> HouseholdFacts:
        """What a match needs to know of a household: taken off aid, under another open case."""
        open_case: Complaint | None = None
        if household.open_complaint_id not in (None, complaint_id):
            assert household.open_complaint_id is not None
            found = self._find(Complaint, household.open_complaint_id)
            open_case = found if found is not None and found.is_open else None
        return HouseholdFacts(
            household_id=household.id,
            registry_id=household.registry_id,
            head_name=household.head_name,
            village_code=household.village_code,
            deactivated=household.status == Eligibility.DEACTIVATED,
            open_case_id=open_case.id if open_case else None,
            open_case_tracking_code=open_case.tracking_code if open_case else "",
        )

    def _matchable(
        self, complaint: Complaint, registry_id: str, actor: str
    ) -> tuple[Household, HouseholdFacts]:
        household = self._find(Household, ids.household_id(registry_id))
        account = self._find(Account, ids.account_id(actor))
        if household is not None and account is not None:
            # An officer matches only households of their own districts, wherever the case is;
            # one outside them is answered as one that does not exist, so the command is no
            # oracle of other districts' registry ids.
            household = household if account.works_in(household.village_code) else None
        if household is None:
            raise InvalidInputError(
                f"registry_id: no registered household has the registry id {registry_id!r}",
                field="registry_id",
                rule="unknown_household",
            )
        return household, self.household_facts(household, complaint.id)

    def _matched(
        self,
        complaint: Complaint,
        household: Household,
        facts: HouseholdFacts,
        previous: Household | None,
        actor: str,
        now: datetime,
    ) -> Match:
        changed: list[Aggregate] = [complaint]
        if previous is not None:
            previous.unmatch(complaint_id=complaint.id, actor=actor, at=now)
            changed.append(previous)
        if facts.open_case_id is not None:
            # Nothing of the joining complaint is lost: the open case records its filing as a
            # corroboration (channel, reasons, words, complainant), naming where it came from.
            open_case = self._get(Complaint, facts.open_case_id)
            filed = self._complaint_events(complaint.id)[0]
            open_case.corroborate(
                channel=filed.channel,
                reasons=list(complaint.reasons),
                description=filed.description,
                reporter=filed.reporter,
                joined_from=complaint.tracking_code,
                actor=actor,
                at=now,
            )
            changed.append(open_case)
        else:
            household.report(complaint_id=complaint.id, actor=actor, at=now)
            changed.append(household)
        position = self._save(*changed)
        return Match(
            id=complaint.id,
            version=complaint.version,
            position=position,
            joined=facts.open_case_id,
        )

    def assign(
        self, complaint_id: UUID, expected_version: int | None, *, officer: str, actor: str
    ) -> Outcome:
        """Give a case to an officer or a facilitator who works in the case's district."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        officer_account = self._assignee(officer, complaint.village_code)
        complaint.assign(officer=officer_account.username, actor=actor, at=self.clock())
        return self._outcome(complaint)

    def reassign(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        officer: str,
        reason: str,
        actor: str,
    ) -> Outcome:
        """Give a case to another officer or facilitator of its district at any undecided step."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.reassign(
            officer=self._assignee(officer, complaint.village_code).username,
            reason=reason,
            actor=actor,
            at=self.clock(),
        )
        return self._outcome(complaint)

    def _assignee(self, officer: str, village_code: str) -> Account:
        """The account a case may be given to: existing, enabled, a field role of the district."""
        officer_account = self._find(Account, ids.account_id(officer))
        if officer_account is None:
            raise InvalidInputError(
                f"officer: there is no account named {officer!r}; assign the case to an officer "
                "or a facilitator by their username",
                field="officer",
                rule="unknown_assignee",
            )
        officer_account.check_assignable(village_code)
        return officer_account

    def record_investigation(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        visited_on: date,
        findings: dict[str, str],
        recommendation: str,
        notes: str = "",
        actor: str,
    ) -> Outcome:
        """Record the field check and the officer's recommendation."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.record_investigation(
            visited_on=visited_on,
            findings=findings,
            recommendation=recommendation,
            notes=notes,
            actor=actor,
            at=self.clock(),
        )
        return self._outcome(complaint)

    def issue_notice(
        self, complaint_id: UUID, expected_version: int | None, *, response_due: date, actor: str
    ) -> Outcome:
        """Tell the household of the complaint and the deadline to respond."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.issue_notice(response_due=response_due, actor=actor, at=self.clock())
        return self._outcome(complaint)

    def record_response(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        statement: str,
        received_on: date,
        actor: str,
    ) -> Outcome:
        """Record the household's answer to the notice."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.record_response(
            statement=statement, received_on=received_on, actor=actor, at=self.clock()
        )
        return self._outcome(complaint)

    def uphold(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        reason: str,
        reason_codes: list[str],
        actor: str,
    ) -> Outcome:
        """Uphold the complaint on the confirmed reasons and deactivate its household, in one
        transaction."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        now = self.clock()
        complaint.uphold(reason=reason, reason_codes=reason_codes, actor=actor, at=now)
        assert complaint.household_id is not None
        household = self._get(Household, complaint.household_id)
        household.deactivate(
            complaint_id=complaint.id,
            reason_codes=list(complaint.upheld_reasons),
            actor=actor,
            at=now,
        )
        return self._outcome(complaint, household)

    def reject(
        self, complaint_id: UUID, expected_version: int | None, *, reason: str, actor: str
    ) -> Outcome:
        """Reject the complaint: the household keeps its aid."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.reject(reason=reason, actor=actor, at=self.clock())
        return self._outcome(complaint)

    def withdraw(
        self, complaint_id: UUID, expected_version: int | None, *, reason: str, actor: str
    ) -> Outcome:
        """Withdraw a complaint before its decision."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.withdraw(reason=reason, actor=actor, at=self.clock())
        return self._outcome(complaint)

    def appeal(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        grounds: str,
        filed_on: date,
        actor: str,
    ) -> Outcome:
        """Record the household's objection (keberatan) to an uphold."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.appeal(grounds=grounds, filed_on=filed_on, actor=actor, at=self.clock())
        return self._outcome(complaint)

    def grant_appeal(
        self, complaint_id: UUID, expected_version: int | None, *, reason: str, actor: str
    ) -> Outcome:
        """Grant the objection and reactivate the household, in one transaction."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        now = self.clock()
        complaint.grant_appeal(reason=reason, actor=actor, at=now)
        assert complaint.household_id is not None
        household = self._get(Household, complaint.household_id)
        household.reactivate(
            complaint_id=complaint.id,
            cause=ReactivationCause.APPEAL_GRANTED,
            reason=reason,
            actor=actor,
            at=now,
        )
        return self._outcome(complaint, household)

    def deny_appeal(
        self, complaint_id: UUID, expected_version: int | None, *, reason: str, actor: str
    ) -> Outcome:
        """Deny the objection: the uphold stands."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.deny_appeal(reason=reason, actor=actor, at=self.clock())
        return self._outcome(complaint)

    # --- letters --------------------------------------------------------------------------------

    def issue_letter(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        kind: str,
        delivery_on: date | None = None,
        actor: str,
    ) -> IssuedLetter:
        """Number, word and print a letter of the case, and record it with its PDF's digest.

        The number comes from the year's register, saved in the same transaction as the letter:
        when another letter takes the same number at the same moment, one save fails on the
        register's version and is numbered (and printed) again, so numbers neither repeat nor
        skip. ``delivery_on``: for a decision letter that starts the objection window, the day it
        will be handed over (default: its date), from which the deadline it prints is counted.
        """
        typesetter = self._typesetter()
        for attempt in range(5):
            complaint = self._load(Complaint, complaint_id, expected_version)
            now = self.clock()
            today = jakarta_date(now)
            stated = complaint.check_letter(
                kind=kind, delivery_on=delivery_on, actor=actor, today=today
            )
            letter_kind = LetterKind(kind)
            register_id = ids.letter_register_id(today.year)
            register = self._find(LetterRegister, register_id) or LetterRegister.open(
                id=register_id, year=today.year, at=now
            )
            sequence, number = register.take(
                pattern=self.settings.letter_number_format,
                kind=letter_kind,
                complaint_id=complaint.id,
                actor=actor,
                at=now,
            )
            facts = self._letter_facts(complaint, letter_kind, number, today, stated)
            content = typesetter.compose(facts)
            pdf = typesetter.render(content, typesetter.template)
            complaint.issue_letter(
                kind=letter_kind,
                number=number,
                sequence=sequence,
                delivery_on=stated,
                sha256=hashlib.sha256(pdf).hexdigest(),
                template=typesetter.template,
                content=content,
                actor=actor,
                at=now,
            )
            try:
                position = self._save(complaint, register)
            except ConflictError:
                # With an If-Match, a case changed meanwhile fails the next `_load`; otherwise
                # the register moved on and the letter is numbered again.
                if attempt == 4:
                    raise
                continue
            return IssuedLetter(
                id=complaint.id,
                version=complaint.version,
                position=position,
                letter=complaint.letters[number],
            )
        raise AssertionError("unreachable")

    def record_delivery(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        number: str,
        delivered_on: date,
        method: str,
        actor: str,
    ) -> IssuedLetter:
        """Record that a letter reached the household (a decision letter opens the objection
        window that day)."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.record_delivery(
            number=number, delivered_on=delivered_on, method=method, actor=actor, at=self.clock()
        )
        position = self._save(complaint)
        return IssuedLetter(
            id=complaint.id,
            version=complaint.version,
            position=position,
            letter=complaint.letters[number],
        )

    def letter_pdf(self, complaint_id: UUID, number: str) -> tuple[Letter, bytes]:
        """A letter of the case and its PDF, printed again from what its `LetterIssued` keeps.

        The bytes are checked against the digest recorded at issue: a letter is a fact, and a
        download that differs from what was signed is refused rather than served.
        """
        letter = self.get_complaint(complaint_id).letters.get(number)
        if letter is None:
            raise NotFoundError(f"the case has no letter numbered {number!r}", field="number")
        pdf = self._typesetter().render(letter.content, letter.template)
        if hashlib.sha256(pdf).hexdigest() != letter.sha256:
            raise LetterMismatchError(
                f"letter {number} printed again differs from the PDF issued; check the letter "
                f"layout {letter.template!r} and the pinned WeasyPrint and fonts"
            )
        return letter, pdf

    def letterhead(self) -> Letterhead:
        """The kop surat and signatory as configured now (placeholders refused in production)."""
        s = self.settings
        regency = self.regions.regency.name
        unset = [
            f"BRATASENA_{name.upper()}"
            for name in ("letter_address", "letter_head_name", "letter_head_nip")
            if not getattr(s, name)
        ]
        if unset and s.environment == "production":
            raise LetterheadNotConfiguredError(
                f"letters need the office's letterhead: set {', '.join(unset)}"
            )
        return Letterhead(
            government=s.letter_government or f"PEMERINTAH {regency.upper()}",
            office=s.letter_office,
            address=s.letter_address or "Alamat kantor belum diatur (BRATASENA_LETTER_ADDRESS)",
            contact=s.letter_contact,
            city=s.letter_city or regency.split(" ", 1)[-1],
            office_hours=s.letter_office_hours,
            head_title=s.letter_head_title
            or f"Kepala Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak {regency}",
            head_name=s.letter_head_name or "(nama kepala dinas belum diatur)",
            head_nip=s.letter_head_nip or "(NIP belum diatur)",
        )

    def _typesetter(self) -> Typesetter:
        if self.typesetter is None:
            raise RuntimeError("this application was built without a typesetter for letters")
        return self.typesetter

    def _letter_facts(
        self,
        complaint: Complaint,
        kind: LetterKind,
        number: str,
        today: date,
        delivery_on: date | None,
    ) -> LetterFacts:
        """What the letter may say, from the case's events since its household was last matched
        (never the complainant's identity or words)."""
        events: list[Any] = []
        for event in self._complaint_events(complaint.id):
            events = [] if isinstance(event, Complaint.HouseholdRematched) else [*events, event]

        def last(*kinds: type) -> Any:
            return next((e for e in reversed(events) if isinstance(e, kinds)), None)

        assert complaint.household_id is not None
        household = self._get(Household, complaint.household_id)
        book = self.regions
        village = (
            book.village(household.village_code)
            if book.has_village(household.village_code)
            else None
        )
        investigated = last(Complaint.Investigated)
        field_check = None
        if investigated is not None:
            field_check = FieldCheck(
                visited_on=investigated.visited_on,
                officer_name=self._full_name(investigated.actor),
                findings=dict(investigated.findings),
                recommendation=investigated.recommendation,
                notes=investigated.notes,
                attachments=tuple(
                    Exhibit(
                        kind=e.attachment.kind,
                        day=jakarta_date(e.attachment.taken_at or e.attached_at),
                        sha256=e.attachment.sha256,
                    )
                    for e in complaint.evidence.values()
                    if e.stage == EvidenceStage.FIELD_CHECK and not e.withdrawn
                ),
            )
        decided = last(Complaint.Upheld, Complaint.Rejected)
        decision = None
        if decided is not None:
            upheld = isinstance(decided, Complaint.Upheld)
            decision = DecisionFacts(
                outcome=Decision.UPHOLD if upheld else Decision.REJECT,
                decided_on=jakarta_date(decided.timestamp),
                reason=decided.reason,
                reason_codes=tuple(decided.reason_codes) if upheld else (),
                findings=dict(investigated.findings) if investigated else {},
                effective_month=decided.effective_month if upheld else None,
            )
        appealed = last(Complaint.Appealed)
        appeal_decided = last(Complaint.AppealGranted, Complaint.AppealDenied)
        appeal = None
        if appealed is not None and appeal_decided is not None:
            granted = isinstance(appeal_decided, Complaint.AppealGranted)
            appeal = AppealDecision(
                outcome="grant" if granted else "deny",
                filed_on=appealed.filed_on,
                grounds=appealed.grounds,
                decided_on=jakarta_date(appeal_decided.timestamp),
                reason=appeal_decided.reason,
                effective_month=next_month(appeal_decided.timestamp) if granted else None,
            )
        return LetterFacts(
            kind=kind,
            number=number,
            issued_on=today,
            letterhead=self.letterhead(),
            tracking_code=complaint.tracking_code,
            household=HouseholdOnPaper(
                registry_id=household.registry_id,
                head_name=household.head_name,
                address=household.address,
                village=village.name if village else household.village_code,
                district=village.district_name if village else "",
            ),
            reasons=tuple(complaint.reasons),
            response_due=complaint.response_due,
            field_check=field_check,
            decision=decision,
            delivery_on=delivery_on,
            objection_deadline=objection_deadline(delivery_on) if delivery_on else None,
            appeal=appeal,
        )

    def _full_name(self, username: str) -> str:
        account = self._find(Account, ids.account_id(username))
        return account.full_name if account is not None else username

    # --- evidence -------------------------------------------------------------------------------

    @cached_property
    def blobs(self) -> BlobStore:
        """Where attachments' bytes are kept (files under the data directory, or a table)."""
        return blob_store(self.settings)

    def attach_evidence(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        upload: Upload,
        role: Role,
        actor: str,
    ) -> Attached:
        """Attach a photo or document as the case's stage calls for (`Complaint.evidence_action`).

        Whether this person may attach now is checked before the file is read; the file is
        checked before anything is stored; the bytes are stored before the event that names
        them, so a recorded hash always has its bytes.
        """
        complaint = self._load(Complaint, complaint_id, expected_version)
        now = self.clock()
        complaint.check_attach(role, actor, jakarta_date(now))
        found = self._inspect(upload)
        attachment = attachment_of(upload, found, uuid4())
        complaint.attach_evidence(
            role=role,
            attachment=attachment,
            actor=actor,
            at=now,
            limit=self.settings.evidence_per_case,
        )
        self._store(found, upload)
        outcome = self._outcome(complaint)
        return Attached(**vars(outcome), evidence=complaint.evidence[str(attachment.id)])

    def withdraw_evidence(
        self,
        complaint_id: UUID,
        expected_version: int | None,
        *,
        evidence_id: str,
        reason: str,
        actor: str,
    ) -> Attached:
        """Withdraw an attachment, with a reason; its record and its bytes stay."""
        complaint = self._load(Complaint, complaint_id, expected_version)
        complaint.withdraw_evidence(
            evidence_id=evidence_id, reason=reason, actor=actor, at=self.clock()
        )
        outcome = self._outcome(complaint)
        return Attached(**vars(outcome), evidence=complaint.evidence[str(evidence_id)])

    def evidence_bytes(self, evidence: Evidence, size: str) -> bytes:
        """An attachment's bytes: the ``original``, or a photo's ``screen`` or ``thumb`` copy
        (a document has no copies: its ``screen`` and ``thumb`` are the document).

        Who may fetch which is the caller's to decide (`access.visible_evidence`).
        """
        address = evidence.attachment.sha256
        if size != "original":
            address = evidence.attachment.derived.get(size, address)
        return self.blobs.get(address)

    def _inspect(self, upload: Upload) -> Inspected:
        return inspect(
            upload.data,
            name=upload.name,
            declared=upload.declared,
            max_bytes=self.settings.evidence_max_bytes,
        )

    def _attach_filed(
        self,
        complaint: Complaint,
        files: list[tuple[Upload, Inspected]],
        actor: str,
        now: datetime,
    ) -> None:
        for upload, found in files:
            complaint.attach_filing_evidence(
                attachment=attachment_of(upload, found, uuid4()),
                actor=actor,
                at=now,
                limit=self.settings.evidence_per_case,
            )
        for upload, found in files:
            self._store(found, upload)

    def _store(self, found: Inspected, upload: Upload) -> None:
        self.blobs.put(upload.data)
        for data in found.derived.values():
            self.blobs.put(data)

    def close(self) -> None:
        if "blobs" in vars(self):
            self.blobs.close()
        if self._digests is not None:
            self._digests.close()
        super().close()

    def get_complaint(self, complaint_id: UUID) -> Complaint:
        """The complaint as it stands."""
        return self._get(Complaint, complaint_id)

    def complaint_by_tracking_code(self, tracking_code: str) -> Complaint:
        """The complaint a citizen follows by its tracking code."""
        code = normalise_tracking_code(tracking_code)
        return self._get(Complaint, ids.complaint_id(code))

    def progress(self, tracking_code: str) -> Progress:
        """What the public may see of a complaint: its status and its public steps, dated.

        A code given to a complaint that joined an open case (`JoinedCase`) shows that filing,
        then only the case's public steps after it: never that a case was open before.
        """
        key = ids.complaint_id(normalise_tracking_code(tracking_code))
        # The code's own aggregate, read once (`history`, which the HTTP layer may call on the
        # event loop): the complaint, or the record of its joining; then the joined case.
        own = history(self, key)
        found = fold(None, own)
        joined_case = history(self, found.complaint_id) if isinstance(found, JoinedCase) else []
        return _progress(key, own, found, joined_case)

    async def progress_on_loop(self, tracking_code: str, reads: LoopReads) -> Progress:
        """`progress` with its reads made on the event loop (PostgreSQL's `LoopReads`)."""
        key = ids.complaint_id(normalise_tracking_code(tracking_code))
        own = await history_on_loop(self, reads, key)
        found = fold(None, own)
        joined_case = (
            await history_on_loop(self, reads, found.complaint_id)
            if isinstance(found, JoinedCase)
            else []
        )
        return _progress(key, own, found, joined_case)

    def _complaint_events(self, complaint_id: UUID) -> list[Any]:
        return _meaningful(self.events.get(complaint_id))

    # --- households -----------------------------------------------------------------------------

    def get_household(self, household_id: UUID) -> Household:
        """The household as it stands."""
        return self._get(Household, household_id)

    def find_households(
        self, *, registry_id: str | None = None, kk: str | None = None, nik: str | None = None
    ) -> list[Household]:
        """Households by registry id, KK or head-of-household NIK, read from the event store."""
        if registry_id:
            try:
                return [self._get(Household, ids.household_id(registry_id))]
            except NotFoundError:
                return []
        kind, value = ("kk", kk) if kk else ("nik", nik)
        if not value:
            raise InvalidInputError("give a registry id, KK or NIK to look up", field="query")
        lookup = self._find(HouseholdLookup, ids.lookup_id(kind, value, self._lookup_secret))
        if lookup is None:
            return []
        return [self._get(Household, hid) for hid in lookup.household_ids]

    def import_registry(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        source: str,
        period: str,
        actor: str,
        reconcile: bool = False,
        compare: Container[UUID] = (),
        digested: Sequence[str] | None = None,
    ) -> ImportCounts:
        """Register new households and record what changed for known ones, in one transaction.

        Rows must already be validated field by field (see the registry importer); an unchanged
        row records nothing, so importing the same extract twice adds no events. With
        ``reconcile`` each known household is also reconciled with its row (`Household.reconcile`)
        in the same transaction. The households in ``compare`` (those reconciliation may record
        something on: see `reconciliation_candidates`) are loaded even when their row is
        unchanged, since a removal still not applied is an unchanged row.

        ``digested``: each row's digest as the caller already compared it with the stored ones
        (the registry importer digests a row as read, before validating it); these are recorded
        after the commit, and no row is compared again. Without it each row's own digest is
        compared and recorded.
        """
        now = self.clock()
        counts = ImportCounts()
        pending: list[Aggregate] = []
        # An unchanged household is skipped before any of its events is read, when the digest of
        # its last row is this row's at its current version (`registry_digests`). A registry id
        # twice in one batch is always compared in full.
        digests = self.registry_digests
        all_hids = [ids.household_id(row["registry_id"]) for row in rows]
        times = Counter(all_hids)
        row_digests = {
            hid: digests.digest(row) if digested is None else digested[n]
            for n, (row, hid) in enumerate(zip(rows, all_hids, strict=True))
            if times[hid] == 1 and not (reconcile and hid in compare)
        }
        skipped = digests.unchanged(self, row_digests) if digested is None else set()
        counts.unchanged += len(skipped)
        rows = [row for row, hid in zip(rows, all_hids, strict=True) if hid not in skipped]
        # Everything the batch touches is read up front in two queries (households, then the
        # lookups of their old and new numbers) instead of one query per aggregate: at registry
        # scale the per-aggregate round trips, not the writes, dominated the import.
        counts.listed = all_hids
        hids = [ids.household_id(row["registry_id"]) for row in rows]
        households = load_many(self, Household, hids)
        lookup_ids: dict[tuple[str, str], UUID] = {}

        def lookup_id(kind: str, value: str) -> UUID:
            key = (kind, value)
            if key not in lookup_ids:
                lookup_ids[key] = ids.lookup_id(kind, value, self._lookup_secret)
            return lookup_ids[key]

        for row, hid in zip(rows, hids, strict=True):
            lookup_id("kk", row["kk_number"])
            lookup_id("nik", row["head_nik"])
            known = households.get(hid)
            if known is not None:
                lookup_id("kk", known.kk_number)
                lookup_id("nik", known.head_nik)
        lookups: dict[UUID, HouseholdLookup | None] = dict.fromkeys(lookup_ids.values())
        lookups.update(load_many(self, HouseholdLookup, lookups))

        def lookup(kind: str, value: str) -> tuple[UUID, HouseholdLookup | None]:
            lid = lookup_id(kind, value)
            if lid not in lookups:
                lookups[lid] = self._find(HouseholdLookup, lid)
            return lid, lookups[lid]

        def link(kind: str, value: str, household_id: UUID) -> None:
            lid, found = lookup(kind, value)
            if found is None:
                lookups[lid] = HouseholdLookup.start(
                    id=lid, kind=kind, household_id=household_id, at=now
                )
            else:
                found.link(household_id=household_id, at=now)

        def unlink(kind: str, value: str, household_id: UUID) -> None:
            _, found = lookup(kind, value)
            if found is not None:
                found.unlink(household_id=household_id, at=now)

        for row, hid in zip(rows, hids, strict=True):
            household = households.get(hid)
            if household is None:
                household = Household.register(
                    id=hid, source=source, period=period, actor=actor, at=now, **row
                )
                # A registry id twice in one batch is one household, updated by its later row.
                households[hid] = household
                link("kk", household.kk_number, hid)
                link("nik", household.head_nik, hid)
                counts.registered += 1
            else:
                old_kk, old_nik = household.kk_number, household.head_nik
                had_programmes = bool(household.programs)
                changed = household.update_registry(
                    row=row, source=source, period=period, actor=actor, at=now
                )
                counts.updated += changed
                counts.unchanged += not changed
                if reconcile and self._reconcile(
                    household, counts, period, True, had_programmes, actor=actor, at=now
                ):
                    changed = True
                if not changed:
                    continue
                if household.kk_number != old_kk:
                    unlink("kk", old_kk, hid)
                    link("kk", household.kk_number, hid)
                if household.head_nik != old_nik:
                    unlink("nik", old_nik, hid)
                    link("nik", household.head_nik, hid)
            pending.append(household)
            counts.household_ids.append(hid)
        pending.extend(lk for lk in lookups.values() if lk is not None)
        # Past save()'s checks (see `put_unchecked`): at registry scale they cost more than the
        # inserts. A household twice in `pending` gives its events once: collecting empties it.
        try:
            positions = put_unchecked(self, pending)
        except IntegrityError:
            raise ConflictError(
                "someone else changed these households at the same moment; import the batch again"
            ) from None
        counts.position = max(positions, default=self.head())
        # After the commit: a digest names the version it describes, so one lost here (a crash)
        # or overtaken by another writer only costs the next import a full comparison.
        digests.record(
            [(hid, households[hid].version, row_digests[hid]) for hid in hids if hid in row_digests]
        )
        return counts

    def check_reconcilable(self, period: str) -> None:
        """Refuse (rule ``older_extract``) an extract older than one already reconciled."""
        log = self._find(ReconciliationLog, ids.reconciliation_log_id())
        if log is not None:
            log.check(period)

    def reconciliation_candidates(self) -> set[UUID]:
        """The households an extract's unchanged row may still tell something: those decided
        here (deactivated or reactivated) and those that left the registry elsewhere."""
        kinds = (Household.Deactivated, Household.Reactivated, Household.LeftRegistryElsewhere)
        return set(originators_of(self, *kinds))

    def reconcile_unlisted(
        self,
        listed: set[UUID],
        districts: set[str],
        *,
        period: str,
        actor: str,
        batch_size: int = 500,
    ) -> ImportCounts:
        """Reconcile every registered household the extract of ``period`` does not list.

        ``listed`` holds the ids of the households the extract has a row for (valid or not): the
        others of the ``districts`` it covers left it, which is recorded on them and never
        deactivates them. A household of a district the extract has no row for is not judged: a
        partial extract says nothing of it. Saved in batches.
        """
        counts = ImportCounts()
        unlisted = originators_of(self, Household.Registered, excluding=listed)
        for batch in iter_batches(unlisted, batch_size):
            now = self.clock()
            households = load_many(self, Household, batch)
            changed = [
                h
                for h in households.values()
                if h.village_code[:6] in districts
                and self._reconcile(h, counts, period, False, False, actor=actor, at=now)
            ]
            if changed:
                counts.position = max(counts.position, *put_unchecked(self, changed))
        return counts

    def record_reconciled(self, *, period: str, source: str, actor: str) -> int:
        """Note the period reconciled (once per period); the log position of the note, or 0."""
        log_id = ids.reconciliation_log_id()
        log = self._find(ReconciliationLog, log_id)
        now = self.clock()
        if log is None:
            log = ReconciliationLog.open(
                id=log_id, period=period, source=source, actor=actor, at=now
            )
        elif not log.record(period=period, source=source, actor=actor, at=now):
            return 0
        return self._save(log)

    def _reconcile(
        self,
        household: Household,
        counts: ImportCounts,
        period: str,
        listed: bool,
        had_programmes: bool,
        *,
        actor: str,
        at: datetime,
    ) -> bool:
        if not household.reconcile(
            period=period,
            listed=listed,
            had_programmes=had_programmes,
            after_months=self.settings.reconcile_after_months,
            actor=actor,
            at=at,
        ):
            return False
        counts.reconciled[type(household.pending_events[-1]).__name__] += 1
        return True

    # --- proposal lists -------------------------------------------------------------------------

    def prepare_proposals(self, month: str | None = None, *, actor: str) -> Outcome:
        """Gather the month's list of upheld deactivations not yet proposed (see domain.proposals).

        A household is proposed once per deactivation: decided on or before the cut-off day (in
        Asia/Jakarta), still deactivated, and in no earlier list. Its decision letter's number is
        taken from its complaint. Each household records `Household.Proposed`, which the sync
        sends on as an update of its deactivation.
        """
        today = jakarta_date(self.clock())
        month = _month(month or today.strftime("%Y-%m"))
        cutoff = cutoff_date(month, self.settings.proposal_cutoff_day)
        pid = ids.proposal_id(month)
        if self._find(ProposalList, pid) is not None:
            raise OutOfOrderError(
                f"month: the list of {month} was already gathered",
                field="month",
                rule="already_prepared",
            )
        households = load_many(self, Household, originators_of(self, Household.Deactivated))
        due = sorted(
            (
                h
                for h in households.values()
                if h.status == Eligibility.DEACTIVATED
                and h.deactivated_at is not None
                and jakarta_date(h.deactivated_at) <= cutoff
                and (h.proposal is None or h.proposal[0] != h.status_changes[-1])
            ),
            key=lambda h: (h.village_code, h.registry_id),
        )
        complaints = load_many(
            self, Complaint, [h.deactivated_by_complaint for h in due if h.deactivated_by_complaint]
        )
        items = [
            _proposal_item(h, complaints.get(h.deactivated_by_complaint))
            if h.deactivated_by_complaint
            else _proposal_item(h, None)
            for h in due
        ]
        now = self.clock()
        proposal = ProposalList.prepare(
            id=pid, month=month, cutoff=cutoff, today=today, items=items, actor=actor, at=now
        )
        for household in due:
            household.propose(list_number=proposal.number, actor=actor, at=now)
        # One transaction: a household is in a list exactly when its Proposed event is stored.
        return self._outcome(proposal, *due)

    def approve_proposals(
        self, month: str, *, approved_on: date, sk_number: str, actor: str
    ) -> Outcome:
        """Record the Bupati's approval of a month's list: the SK's date and number, once."""
        proposal = self.get_proposals(month)
        now = self.clock()
        proposal.approve(
            approved_on=approved_on,
            sk_number=sk_number,
            today=jakarta_date(now),
            actor=actor,
            at=now,
        )
        households = load_many(self, Household, [UUID(i["household_id"]) for i in proposal.items])
        for household in households.values():
            household.record_proposal_approval(
                sk_number=proposal.sk_number or "", approved_on=approved_on, actor=actor, at=now
            )
        return self._outcome(proposal, *households.values())

    def proposal_list(self, proposal_id: UUID) -> ProposalList:
        """A proposal list by its id (a command's outcome names it)."""
        return self._get(ProposalList, proposal_id)

    def get_proposals(self, month: str) -> ProposalList:
        """A month's proposal list."""
        found = self._find(ProposalList, ids.proposal_id(_month(month)))
        if found is None:
            raise NotFoundError(f"month: no proposal list for {month}", field="month")
        return found

    def record_sync_answers(
        self, answers: Sequence[SyncAnswer], *, actor: str
    ) -> list[tuple[str, str]]:
        """Record targets' answers on their households (`Synced`, `SyncRejected`) in one save.

        An answer the household already holds (a resend after a crash: the domain's rule
        ``already_synced``) records nothing and counts as done. Returns, per answer, what its
        household holds for that change afterwards: ("synced", reference) or ("rejected", reason
        code). When another writer changed one of the households meanwhile, the whole batch is
        read and decided again.
        """
        for _ in range(10):
            households = load_many(self, Household, [a.household_id for a in answers])
            at = self.clock()
            for answer in answers:
                household = households.get(answer.household_id)
                if household is None:
                    raise NotFoundError(f"no household with id {answer.household_id}")
                try:
                    if answer.accepted:
                        household.record_synced(
                            target=answer.target,
                            event_version=answer.event_version,
                            reference=answer.reference,
                            actor=actor,
                            at=at,
                        )
                    else:
                        household.record_sync_rejected(
                            target=answer.target,
                            event_version=answer.event_version,
                            reason_code=answer.reason_code,
                            message=answer.message,
                            actor=actor,
                            at=at,
                        )
                except OutOfOrderError as error:
                    if error.rule != "already_synced":
                        raise
            try:
                # `save` minus its runtime-protocol checks per aggregate (see `put_unchecked`).
                put_unchecked(self, households.values())
            except IntegrityError:
                continue  # another writer changed one of these households: read, decide again
            return [
                households[a.household_id].sync_state[(a.target, a.event_version)] for a in answers
            ]
        raise ConflictError("households kept changing while their sync answers were recorded")

    # --- targets --------------------------------------------------------------------------------

    def set_targets(
        self, year: int, monthly: list[int], *, actor: str, expected_version: int | None = None
    ) -> Outcome:
        """Set or change a year's monthly removal targets."""
        targets = self._find(RemovalTargets, ids.targets_id(year))
        if targets is None:
            if expected_version not in (None, 0):
                raise ConflictError(
                    f"the targets of {year} were never set (version 0), not version "
                    f"{expected_version}; reload and try again",
                    current_version=0,
                )
            targets = RemovalTargets.set(
                id=ids.targets_id(year), year=year, monthly=monthly, actor=actor, at=self.clock()
            )
        else:
            self._check_version(targets, expected_version)
            targets.change(monthly=monthly, actor=actor, at=self.clock())
        return self._outcome(targets)

    def monthly_targets(self, year: int) -> list[int]:
        """A year's monthly targets: as set, or the office's default of 10 a month."""
        targets = self._find(RemovalTargets, ids.targets_id(year))
        return list(targets.monthly) if targets else [DEFAULT_MONTHLY_TARGET] * 12

    def targets_version(self, year: int) -> int:
        """The version of a year's targets, to send back when changing them (0: never set)."""
        targets = self._find(RemovalTargets, ids.targets_id(year))
        return targets.version if targets else 0

    # --- accounts -------------------------------------------------------------------------------

    def open_account(
        self,
        *,
        username: str,
        role: str,
        districts: list[str],
        password_hash: str,
        actor: str,
        full_name: str = "",
    ) -> Outcome:
        """Open a staff account; the username must be new."""
        if self._find(Account, ids.account_id(username)) is not None:
            raise ConflictError(f"username: an account named {username!r} already exists")
        for code in districts:
            self.regions.district(normalise_code(code), field="districts")
        account = Account.open(
            id=ids.account_id(username),
            username=username,
            full_name=full_name,
            role=role,
            districts=[normalise_code(c) for c in districts],
            password_hash=password_hash,
            actor=actor,
            at=self.clock(),
        )
        return self._outcome(account)

    def get_account(self, username: str) -> Account:
        """The account of a username."""
        account = self._find(Account, ids.account_id(username))
        if account is None:
            raise NotFoundError(f"no account named {username!r}", field="username")
        return account

    def calling_account(self, username: str) -> Account:
        """The account of a username as it stands now, for checking the caller of a request.

        Replaying the account's events on every request cost more than the check needs: the
        account is kept in memory and trusted only while its version is still the newest in the
        event store (one indexed read), so a disabled account, a role change or a new token
        version (signed out, password changed) counts on the very next request, whichever
        process recorded it. The account returned is shared between requests: read it, never
        change it (commands load their own through `get_account`).
        """
        kept = self.kept_caller(username)
        if kept is not None:
            return kept
        account = self.get_account(username)
        self._callers[ids.account_id(username)] = account
        return account

    def kept_caller(self, username: str) -> Account | None:
        """The account `calling_account` kept, while its version is still the newest; None when
        it must be read (not kept yet, or changed since).

        One indexed read and nothing else, which on SQLite never waits (`current_version`): the
        HTTP layer makes it on the event loop there.
        """
        key = ids.account_id(username)
        known = self._callers.get(key)
        if known is None or current_version(self, key) != known.version:
            return None
        return known

    async def kept_caller_on_loop(self, username: str, reads: LoopReads) -> Account | None:
        """`kept_caller` with its one read made on the event loop (PostgreSQL's `LoopReads`)."""
        key = ids.account_id(username)
        known = self._callers.get(key)
        if known is None or await current_version_on_loop(self, reads, key) != known.version:
            return None
        return known

    def change_role(
        self,
        username: str,
        *,
        role: str,
        districts: list[str],
        actor: str,
        expected_version: int | None = None,
    ) -> Outcome:
        """Change an account's role and districts."""
        account = self._check_version(self.get_account(username), expected_version)
        for code in districts:
            self.regions.district(normalise_code(code), field="districts")
        account.change_role(
            role=role,
            districts=[normalise_code(c) for c in districts],
            actor=actor,
            at=self.clock(),
        )
        return self._outcome(account)

    def change_password(self, username: str, *, password_hash: str, actor: str) -> Outcome:
        """Replace an account's password hash."""
        account = self.get_account(username)
        account.change_password(password_hash=password_hash, actor=actor, at=self.clock())
        return self._outcome(account)

    def sign_out(self, username: str, *, actor: str) -> Outcome:
        """End every session and token of an account (logging out, everywhere)."""
        account = self.get_account(username)
        account.sign_out(actor=actor, at=self.clock())
        return self._outcome(account)

    def disable_account(self, username: str, *, reason: str, actor: str) -> Outcome:
        """Stop an account from logging in."""
        account = self.get_account(username)
        account.disable(reason=reason, actor=actor, at=self.clock())
        return self._outcome(account)

    def enable_account(self, username: str, *, actor: str) -> Outcome:
        """Let a disabled account log in again."""
        account = self.get_account(username)
        account.enable(actor=actor, at=self.clock())
        return self._outcome(account)

    # --- audit ----------------------------------------------------------------------------------

    def history(self, aggregate_id: UUID) -> list[AuditEvent]:
        """Every stored event of an aggregate, oldest first, as an auditor reads it."""
        events = list(self.events.get(aggregate_id))
        if not events:
            raise NotFoundError(f"nothing is recorded under id {aggregate_id}")
        return [_audit_event(e) for e in events]

    def state_at(
        self, aggregate_id: UUID, *, version: int | None = None, at: datetime | None = None
    ) -> Aggregate:
        """The aggregate as it stood at a version, or at a moment (the last event before it)."""
        if at is not None:
            if at.tzinfo is None:
                raise InvalidInputError("at: give a time with its UTC offset", field="at")
            earlier = [e for e in self.history(aggregate_id) if e.recorded_at <= at]
            if not earlier:
                raise NotFoundError(f"{aggregate_id} did not exist yet at {at.isoformat()}")
            version = earlier[-1].version
        if version is not None and version < 1:
            raise InvalidInputError("version: versions start at 1", field="version")
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFoundError(f"nothing is recorded under id {aggregate_id}") from None
        if version is not None and aggregate.version != version:
            raise NotFoundError(f"{aggregate_id} has no version {version}", field="version")
        return aggregate

    def head(self) -> int:
        """The id of the newest event in the log (0 when the log is empty)."""
        return self.recorder.max_notification_id() or 0

    # --- plumbing -------------------------------------------------------------------------------

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        aggregate = fold(None, history(self, aggregate_id))
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        aggregate = self._find(cls, aggregate_id)
        if aggregate is None:
            raise NotFoundError(f"no {cls.__name__.lower()} with id {aggregate_id}")
        return aggregate

    def _check_version(self, aggregate: A, expected_version: int | None) -> A:
        if expected_version is not None and aggregate.version != expected_version:
            raise ConflictError(
                f"this {type(aggregate).__name__.lower()} changed since you saw it: you saw "
                f"version {expected_version}, it is now at version {aggregate.version}; reload "
                "and try again",
                current_version=aggregate.version,
            )
        return aggregate

    def _load(self, cls: type[A], aggregate_id: UUID, expected_version: int | None) -> A:
        return self._check_version(self._get(cls, aggregate_id), expected_version)

    def _save(self, *aggregates: Aggregate | None) -> int:
        try:
            # `save` minus its runtime-protocol checks per aggregate (see `put_unchecked`).
            positions = put_unchecked(self, [a for a in aggregates if a is not None])
        except IntegrityError:
            current = {a.id: self._find(Aggregate, a.id) for a in aggregates if a is not None}
            versions = [v.version for v in current.values() if v is not None]
            raise ConflictError(
                "someone else changed this at the same moment; reload and try again",
                current_version=versions[0] if versions else None,
            ) from None
        if not positions:
            return self.head()  # nothing new to wait for: the log as it stands
        return max(positions)

    def _outcome(self, primary: Aggregate, *others: Aggregate) -> Outcome:
        position = self._save(primary, *others)
        return Outcome(id=primary.id, version=primary.version, position=position)


def _progress(key: UUID, own: list[Any], found: Any, case_events: list[Any]) -> Progress:
    """What `Bratasena.progress` answers from the code's own events folded (``found``) and, for
    a code that joined an open case, the case's events."""
    if not isinstance(found, JoinedCase):
        if not isinstance(found, Complaint):
            raise NotFoundError(f"no complaint with id {key}")
        events = [e for e in _meaningful(own) if e.public]
        steps = [(event.step, event.timestamp) for event in events]
        return Progress(found.tracking_code, found.status, steps, found.evidence_count)
    joined = found
    case = fold(None, case_events)
    if not isinstance(case, Complaint):
        raise NotFoundError(f"no complaint with id {joined.complaint_id}")
    since_joined = [
        e for e in _meaningful(case_events) if e.originator_version > joined.joined_at_version
    ]
    later = [e for e in since_joined if e.public]
    steps = [(Step.FILED, joined.created_on), *((e.step, e.timestamp) for e in later)]
    status = next((e.leads_to for e in reversed(later) if e.leads_to), Status.FILED)
    # Only what was attached since this filing joined (its own files included): a count
    # from before would tell the filer that the case was open before them.
    since = {str(e.evidence_id) for e in since_joined if isinstance(e, Complaint.EvidenceAttached)}
    count = sum(1 for evidence in since if not case.evidence[evidence].withdrawn)
    return Progress(joined.tracking_code, status, steps, count)


def _audit_event(event: Any) -> AuditEvent:
    # Fields an upcaster gave an event stored before they existed are left out, so an exported
    # history is what was stored and its hash chain verifies against values kept before.
    upcast = set(vars(event).get("_upcast_added", ()))
    data = {
        k: v
        for k, v in vars(event).items()
        if k not in ("originator_id", "originator_version", "timestamp", "originator_topic")
        and k != "_upcast_added"
        and k not in upcast
    }
    return AuditEvent(
        version=event.originator_version,
        type=type(event).__qualname__,
        recorded_at=event.timestamp,
        actor=str(data.get("actor", "system")),
        data=data,
        step=event.step if isinstance(event, COMPLAINT_EVENTS) else None,
    )


def _month(month: str) -> str:
    text = month.strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        raise InvalidInputError(f"month: {month!r} is not a month; write YYYY-MM", field="month")
    if not 1 <= int(text[5:]) <= 12:
        raise InvalidInputError(f"month: {month!r} is not a month; write YYYY-MM", field="month")
    return text


def _proposal_item(household: Household, complaint: Complaint | None) -> dict[str, Any]:
    """A household as the proposal list names it (BNBA), with its decision letter's number."""
    decision = ""
    if complaint is not None:
        letters = [x for x in complaint.letters.values() if x.kind == LetterKind.DECISION]
        decision = max(letters, key=lambda x: x.issued_on).number if letters else ""
    return {
        "household_id": str(household.id),
        "event_version": household.status_changes[-1],
        "registry_id": household.registry_id,
        "kk_number": household.kk_number,
        "head_nik": household.head_nik,
        "head_name": household.head_name,
        "address": household.address,
        "village_code": household.village_code,
        "reason_codes": list(household.deactivation_reasons),
        "decision_number": decision,
    }


def iter_batches(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    """Items in lists of at most ``size``."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
