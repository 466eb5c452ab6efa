"""The Household aggregate: one registered household's eligibility in the welfare data."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from bratasena.domain.calendar import next_month
from bratasena.domain.errors import InvalidInputError, OutOfOrderError
from bratasena.domain.reconciliation import Evidence, months_between, removal_evidence


class Program(StrEnum):
    """Aid programs that read the welfare data."""

    PKH = "PKH"
    """Program Keluarga Harapan: conditional cash."""
    BPNT = "BPNT"
    """Bantuan Pangan Non Tunai (Sembako): food."""
    PBI_JK = "PBI-JK"
    """Penerima Bantuan Iuran Jaminan Kesehatan: health insurance premiums."""
    KIP = "KIP"
    """Kartu Indonesia Pintar: school."""
    RTLH = "RTLH"
    """Rumah Tidak Layak Huni: house renovation."""
    MCK = "MCK"
    """Sanitation."""
    CSR = "CSR"
    """Company programmes."""


PROGRAMS: tuple[Program, ...] = tuple(Program)


class Target(StrEnum):
    """Systems each deactivation and reactivation is synced to."""

    DTJATENG = "dtjateng"
    """The province's data system (Central Java)."""
    DTSEN = "dtsen"
    """The national single social-economic data."""


TARGETS: tuple[Target, ...] = tuple(Target)


class Eligibility(StrEnum):
    """Whether a household is in the welfare data for aid."""

    ACTIVE = "active"
    DEACTIVATED = "deactivated"


class ReactivationCause(StrEnum):
    """Why a deactivated household was restored."""

    APPEAL_GRANTED = "appeal_granted"
    REGISTRY_CORRECTION = "registry_correction"


REGISTRY_FIELDS: tuple[str, ...] = (
    "kk_number",
    "head_nik",
    "head_name",
    "address",
    "village_code",
    "desil",
    "programs",
    "members",
)
"""What an extract says of a household besides its registry id; a later extract may change any."""


class Household(Aggregate):
    """A household's membership of the welfare data, and its syncing to the province and nation.

    desil: the household's welfare decile (1 = poorest tenth) in the national ranking.
    KK (Kartu Keluarga): the family card number, reissued when the family changes, so the
    household is keyed on its registry id and the KK history is kept.
    """

    class Registered(Aggregate.Created):
        """The household entered Bratasena from a DTKS/DTSEN extract."""

        registry_id: str
        kk_number: str
        head_nik: str
        head_name: str
        address: str
        village_code: str
        desil: int
        programs: list[str]
        members: int
        source: str
        period: str
        actor: str

    class RegistryUpdated(Aggregate.Event):
        """A later extract changed what the registry says of the household (only what changed)."""

        changes: dict[str, Any]
        source: str
        period: str
        actor: str

        def apply(self, household: Household) -> None:
            for name, value in self.changes.items():
                if name == "kk_number" and value != household.kk_number:
                    household.kk_history = (*household.kk_history, household.kk_number)
                setattr(household, name, tuple(value) if name == "programs" else value)

    class Reported(Aggregate.Event):
        """A complaint was opened about the household."""

        complaint_id: UUID
        actor: str

        def apply(self, household: Household) -> None:
            household.open_complaint_id = self.complaint_id
            household.complaints_received += 1

    class Unmatched(Aggregate.Event):
        """A complaint matched to the household was matched to another household instead."""

        complaint_id: UUID
        actor: str

        def apply(self, household: Household) -> None:
            if household.open_complaint_id == self.complaint_id:
                household.open_complaint_id = None

    class Deactivated(Aggregate.Event):
        """An upheld complaint removed the household from the welfare data from a month on."""

        complaint_id: UUID
        reason_codes: list[str]
        effective_month: str
        actor: str

        def apply(self, household: Household) -> None:
            household.status = Eligibility.DEACTIVATED
            household.effective_month = self.effective_month
            household.deactivated_by_complaint = self.complaint_id
            household.deactivated_at = self.timestamp
            household.deactivation_reasons = tuple(self.reason_codes)
            household.status_changes = (*household.status_changes, self.originator_version)

    class Reactivated(Aggregate.Event):
        """The household was restored (appeal granted, or a registry correction)."""

        complaint_id: UUID | None
        cause: str
        reason: str
        effective_month: str
        actor: str

        def apply(self, household: Household) -> None:
            household.status = Eligibility.ACTIVE
            household.effective_month = self.effective_month
            household.deactivated_by_complaint = None
            household.status_changes = (*household.status_changes, self.originator_version)

    class Synced(Aggregate.Event):
        """A target system acknowledged a deactivation or reactivation."""

        target: str
        event_version: int
        reference: str
        actor: str

        def apply(self, household: Household) -> None:
            household.sync_state = {
                **household.sync_state,
                (self.target, self.event_version): ("synced", self.reference),
            }

    class SyncRejected(Aggregate.Event):
        """A target system refused a deactivation or reactivation: a person must look at it."""

        target: str
        event_version: int
        reason_code: str
        message: str
        actor: str

        def apply(self, household: Household) -> None:
            household.sync_state = {
                **household.sync_state,
                (self.target, self.event_version): ("rejected", self.reason_code),
            }

    class RemovalConfirmed(Aggregate.Event):
        """An extract shows the deactivation in effect: gone, no programme, or desil above them."""

        period: str
        event_version: int
        effective_month: str
        evidence: str
        actor: str

        def apply(self, household: Household) -> None:
            household.removal_in_effect = (self.event_version, self.period)

    class RemovalNotApplied(Aggregate.Event):
        """N months after its effective month an extract still lists the household in programmes."""

        period: str
        event_version: int
        effective_month: str
        programs: list[str]
        months: int
        actor: str

        def apply(self, household: Household) -> None:
            household.removal_in_effect = None
            household.not_applied = (self.event_version, self.period)

    class ReactivationNotApplied(Aggregate.Event):
        """N months after its effective month an extract still shows the household out of aid."""

        period: str
        event_version: int
        effective_month: str
        evidence: str
        months: int
        actor: str

        def apply(self, household: Household) -> None:
            household.not_applied = (self.event_version, self.period)

    class LeftRegistryElsewhere(Aggregate.Event):
        """An extract dropped the household, or its programmes, with no decision here: a fact
        about that extract, never a deactivation."""

        period: str
        evidence: str
        actor: str

        def apply(self, household: Household) -> None:
            household.left_registry = self.period

    class ReturnedToRegistry(Aggregate.Event):
        """An extract lists the household in a programme again after it had left the registry."""

        period: str
        actor: str

        def apply(self, household: Household) -> None:
            household.left_registry = None

    class Proposed(Aggregate.Event):
        """The deactivation was put in the month's proposal list to the Bupati (usulan)."""

        list_number: str
        event_version: int
        actor: str

        def apply(self, household: Household) -> None:
            household.proposal = (self.event_version, self.list_number, None)
            household.sync_updates = (*household.sync_updates, self.originator_version)

    class ProposalApproved(Aggregate.Event):
        """The Bupati approved the list holding the deactivation: the decree's (SK's) number."""

        list_number: str
        sk_number: str
        approved_on: date
        event_version: int
        actor: str

        def apply(self, household: Household) -> None:
            household.proposal = (self.event_version, self.list_number, self.sk_number)
            household.sync_updates = (*household.sync_updates, self.originator_version)

    def __init__(
        self,
        registry_id: str,
        kk_number: str,
        head_nik: str,
        head_name: str,
        address: str,
        village_code: str,
        desil: int,
        programs: list[str],
        members: int,
        source: str,
        period: str,
        actor: str,
    ) -> None:
        self.registry_id = registry_id
        self.kk_number = kk_number
        self.head_nik = head_nik
        self.head_name = head_name
        self.address = address
        self.village_code = village_code
        self.desil = desil
        self.programs = tuple(programs)
        self.members = members
        self.kk_history: tuple[str, ...] = ()
        self.status = Eligibility.ACTIVE
        self.effective_month: str | None = None
        self.deactivated_by_complaint: UUID | None = None
        self.deactivated_at: datetime | None = None
        self.deactivation_reasons: tuple[str, ...] = ()
        self.open_complaint_id: UUID | None = None
        self.complaints_received = 0
        self.sync_state: dict[tuple[str, int], tuple[str, str]] = {}
        self.status_changes: tuple[int, ...] = ()
        self.removal_in_effect: tuple[int, str] | None = None
        """(deactivation's version, the extract's period) once an extract confirmed it."""
        self.not_applied: tuple[int, str] | None = None
        """(change's version, the extract's period) of the latest extract that did not apply it."""
        self.left_registry: str | None = None
        self.proposal: tuple[int, str, str | None] | None = None
        """(deactivation's version, proposal list number, SK number once approved)."""
        self.sync_updates: tuple[int, ...] = ()
        """Versions of events that update a change at the targets (its proposal, its approval)."""
        """The period of the extract that dropped the household with no decision here."""

    # --- commands -------------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        registry_id: str,
        kk_number: str,
        head_nik: str,
        head_name: str,
        address: str,
        village_code: str,
        desil: int,
        programs: list[str],
        members: int,
        source: str,
        period: str,
        actor: str,
        at: datetime,
    ) -> Household:
        """Enter a household from an extract row that has been validated field by field."""
        _check_registry_values(desil=desil, programs=programs, members=members)
        return cls._create(
            cls.Registered,
            id=id,
            timestamp=at,
            registry_id=registry_id,
            kk_number=kk_number,
            head_nik=head_nik,
            head_name=head_name,
            address=address,
            village_code=village_code,
            desil=desil,
            programs=list(programs),
            members=members,
            source=source,
            period=period,
            actor=actor,
        )

    def registry_changes(self, row: dict[str, Any]) -> dict[str, Any]:
        """What a new extract row says differently from the household as it stands."""
        changes: dict[str, Any] = {}
        for name in REGISTRY_FIELDS:
            if name not in row:
                continue
            new = list(row[name]) if name == "programs" else row[name]
            old = list(self.programs) if name == "programs" else getattr(self, name)
            if new != old:
                changes[name] = new
        return changes

    def update_registry(
        self, *, row: dict[str, Any], source: str, period: str, actor: str, at: datetime
    ) -> bool:
        """Record what a later extract changed; an unchanged row records nothing (returns False)."""
        changes = self.registry_changes(row)
        if not changes:
            return False
        _check_registry_values(
            desil=changes.get("desil", self.desil),
            programs=changes.get("programs", list(self.programs)),
            members=changes.get("members", self.members),
        )
        self.trigger_event(
            self.RegistryUpdated,
            timestamp=at,
            changes=changes,
            source=source,
            period=period,
            actor=actor,
        )
        return True

    def report(self, *, complaint_id: UUID, actor: str, at: datetime) -> None:
        """Note that a complaint was opened about the household."""
        self.trigger_event(self.Reported, timestamp=at, complaint_id=complaint_id, actor=actor)

    def unmatch(self, *, complaint_id: UUID, actor: str, at: datetime) -> None:
        """Note that a complaint once matched to the household concerns another household."""
        self.trigger_event(self.Unmatched, timestamp=at, complaint_id=complaint_id, actor=actor)

    def deactivate(
        self, *, complaint_id: UUID, reason_codes: list[str], actor: str, at: datetime
    ) -> None:
        """Remove the household from the first day of the next month (Asia/Jakarta)."""
        if self.status == Eligibility.DEACTIVATED:
            raise OutOfOrderError(
                f"household {self.registry_id} is already deactivated",
                rule="already_deactivated",
            )
        self.trigger_event(
            self.Deactivated,
            timestamp=at,
            complaint_id=complaint_id,
            reason_codes=list(reason_codes),
            effective_month=next_month(at),
            actor=actor,
        )

    def reactivate(
        self,
        *,
        complaint_id: UUID | None,
        cause: str,
        reason: str,
        actor: str,
        at: datetime,
    ) -> None:
        """Restore the household from the first day of the next month (Asia/Jakarta)."""
        if self.status != Eligibility.DEACTIVATED:
            raise OutOfOrderError(
                f"household {self.registry_id} is not deactivated", rule="not_deactivated"
            )
        if cause not in tuple(ReactivationCause):
            raise InvalidInputError(f"cause: unknown cause {cause!r}", field="cause")
        if not reason.strip():
            raise InvalidInputError("reason: say why the household is reactivated", field="reason")
        self.trigger_event(
            self.Reactivated,
            timestamp=at,
            complaint_id=complaint_id,
            cause=cause,
            reason=reason.strip(),
            effective_month=next_month(at),
            actor=actor,
        )

    def reconcile(
        self,
        *,
        period: str,
        listed: bool,
        had_programmes: bool,
        after_months: int,
        actor: str,
        at: datetime,
    ) -> bool:
        """Record what the extract of ``period`` shows of the latest decision here, if anything.

        ``listed``: the extract has a row for the household (already applied to it as
        `RegistryUpdated`); ``had_programmes``: it held a programme before that row. A decision
        whose effective month is after the extract's period is not judged by it. Each fact is
        recorded once per decision (confirmed) or per decision and period (not applied), so an
        extract imported again records nothing (returns False).
        """
        if not self.status_changes:
            return self._reconcile_undecided(period, listed, had_programmes, actor, at)
        change = self.status_changes[-1]
        if self.effective_month is None or period < self.effective_month:
            return False
        late = months_between(self.effective_month, period)
        evidence = removal_evidence(listed=listed, programs=self.programs, desil=self.desil)
        fields = {
            "timestamp": at,
            "period": period,
            "event_version": change,
            "effective_month": self.effective_month,
            "actor": actor,
        }
        if self.status == Eligibility.DEACTIVATED:
            if evidence is not None:
                if self.removal_in_effect is not None and self.removal_in_effect[0] == change:
                    return False
                self.trigger_event(self.RemovalConfirmed, evidence=evidence, **fields)
                return True
            if late < after_months or self.not_applied == (change, period):
                return False
            self.trigger_event(
                self.RemovalNotApplied, programs=list(self.programs), months=late, **fields
            )
            return True
        out = Evidence.NO_PROGRAMMES if listed and not self.programs else None
        out = Evidence.NOT_LISTED if not listed else out
        if out is None or late < after_months or self.not_applied == (change, period):
            return False
        self.trigger_event(self.ReactivationNotApplied, evidence=out, months=late, **fields)
        return True

    def _reconcile_undecided(
        self, period: str, listed: bool, had_programmes: bool, actor: str, at: datetime
    ) -> bool:
        if self.left_registry is None:
            if not listed or (had_programmes and not self.programs):
                evidence = Evidence.NOT_LISTED if not listed else Evidence.NO_PROGRAMMES
                self.trigger_event(
                    self.LeftRegistryElsewhere,
                    timestamp=at,
                    period=period,
                    evidence=evidence,
                    actor=actor,
                )
                return True
            return False
        if listed and self.programs:
            self.trigger_event(self.ReturnedToRegistry, timestamp=at, period=period, actor=actor)
            return True
        return False

    def propose(self, *, list_number: str, actor: str, at: datetime) -> None:
        """Note that the current deactivation is in a proposal list (sent on as an update)."""
        if self.status != Eligibility.DEACTIVATED:
            raise OutOfOrderError(
                f"household {self.registry_id} is not deactivated", rule="not_deactivated"
            )
        self.trigger_event(
            self.Proposed,
            timestamp=at,
            list_number=list_number,
            event_version=self.status_changes[-1],
            actor=actor,
        )

    def record_proposal_approval(
        self, *, sk_number: str, approved_on: date, actor: str, at: datetime
    ) -> None:
        """Note the Bupati's approval of the list holding the deactivation (sent as an update)."""
        if self.proposal is None:
            raise OutOfOrderError(
                f"household {self.registry_id} is in no proposal list", rule="not_proposed"
            )
        self.trigger_event(
            self.ProposalApproved,
            timestamp=at,
            list_number=self.proposal[1],
            sk_number=sk_number,
            approved_on=approved_on,
            event_version=self.proposal[0],
            actor=actor,
        )

    def sync_outcome(self, target: str, event_version: int) -> tuple[str, str] | None:
        """("synced", reference) or ("rejected", reason) once a target answered for a change."""
        return self.sync_state.get((target, event_version))

    def record_synced(
        self, *, target: str, event_version: int, reference: str, actor: str, at: datetime
    ) -> None:
        """Record that a target acknowledged the change made by the event at ``event_version``."""
        self._check_sync(target, event_version)
        self.trigger_event(
            self.Synced,
            timestamp=at,
            target=target,
            event_version=event_version,
            reference=reference,
            actor=actor,
        )

    def record_sync_rejected(
        self,
        *,
        target: str,
        event_version: int,
        reason_code: str,
        message: str,
        actor: str,
        at: datetime,
    ) -> None:
        """Record that a target refused the change made by the event at ``event_version``."""
        self._check_sync(target, event_version, allow_rejected=False)
        self.trigger_event(
            self.SyncRejected,
            timestamp=at,
            target=target,
            event_version=event_version,
            reason_code=reason_code,
            message=message,
            actor=actor,
        )

    def _check_sync(self, target: str, event_version: int, *, allow_rejected: bool = True) -> None:
        if target not in TARGETS:
            raise InvalidInputError(f"target: unknown target system {target!r}", field="target")
        if event_version not in self.status_changes and event_version not in self.sync_updates:
            raise InvalidInputError(
                f"event_version: version {event_version} of household {self.registry_id} "
                "is not a deactivation, a reactivation or an update of one",
                field="event_version",
            )
        outcome = self.sync_outcome(target, event_version)
        if outcome and (outcome[0] == "synced" or not allow_rejected):
            raise OutOfOrderError(
                f"{target} already answered for version {event_version}: {outcome[0]}",
                rule="already_synced",
            )


def _check_registry_values(*, desil: int, programs: list[str], members: int) -> None:
    if not 1 <= desil <= 10:
        raise InvalidInputError(f"desil: {desil} is outside 1–10", field="desil")
    unknown = [p for p in programs if p not in PROGRAMS]
    if unknown:
        raise InvalidInputError(
            f"programs: unknown program {', '.join(unknown)}; known are {', '.join(PROGRAMS)}",
            field="programs",
        )
    if members < 1:
        raise InvalidInputError(f"members: {members} must be at least 1", field="members")
