"""The client of the DTJateng/DTSEN change contract: the payload sent and the answers read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import httpx
from eventsourcing.application import project_aggregate

from bratasena.application import Bratasena
from bratasena.domain.errors import NotFoundError
from bratasena.domain.household import Household
from bratasena.settings import Settings

CHANGES_PATH = "/v1/changes"
"""Where a target takes changes, below its configured base URL."""

TRANSIENT_STATUSES = frozenset({401, 403, 404, 405, 408, 425, 429})
"""4xx answers that say nothing about the change itself (auth, routing, throttling): retried."""

AnswerKind = Literal["accepted", "rejected", "transient"]


@dataclass(frozen=True)
class Target:
    """One enabled target system: its name in the domain, base URL and bearer token."""

    name: str
    url: str
    token: str | None


def enabled_targets(settings: Settings) -> list[Target]:
    """The targets whose URL is set, in a fixed order (province first, then nation)."""
    configured = (
        ("dtjateng", settings.sync_dtjateng_url, settings.sync_dtjateng_token),
        ("dtsen", settings.sync_dtsen_url, settings.sync_dtsen_token),
    )
    return [
        Target(name, url.rstrip("/"), token.get_secret_value() if token else None)
        for name, url, token in configured
        if url
    ]


@dataclass(frozen=True)
class Answer:
    """What a target said about one change; ``detail`` explains a transient answer for the logs."""

    kind: AnswerKind
    reference: str = ""
    reason_code: str = ""
    message: str = ""
    detail: str = ""


def idempotency_key(household_id: UUID, event_version: int) -> str:
    """The key that makes a resent change apply once: the event's ``originator_id:version``."""
    return f"{household_id}:{event_version}"


def build_payload(app: Bratasena, household_id: UUID, event_version: int) -> dict[str, Any]:
    """The JSON body of the change made by the household's event at ``event_version``.

    Built from the stored history only (the event and the household as it stood at that version,
    as ``app.state_at`` gives it),
    so a resend after a crash carries exactly the same body.
    """
    # One read of the history up to the version gives both the event and the state it left.
    events = list(app.events.get(household_id, lte=event_version))
    event = events[-1] if events else None
    if isinstance(event, Household.Proposed | Household.ProposalApproved):
        return _update_payload(app, household_id, events)
    if (
        event is None
        or event.originator_version != event_version
        or not isinstance(event, Household.Deactivated | Household.Reactivated)
    ):
        raise NotFoundError(
            f"event_version: household {household_id} has no deactivation or reactivation at "
            f"version {event_version}",
            field="event_version",
        )
    household = project_aggregate(None, events)
    assert isinstance(household, Household)
    deactivation = isinstance(event, Household.Deactivated)
    complaint_reference: str | None = None
    if event.complaint_id is not None:
        try:
            complaint_reference = app.get_complaint(event.complaint_id).tracking_code
        except NotFoundError:
            complaint_reference = None
    return {
        "idempotency_key": idempotency_key(household_id, event_version),
        "change": "deactivation" if deactivation else "reactivation",
        "registry_id": household.registry_id,
        "kk_number": household.kk_number,
        "head_nik": household.head_nik,
        "reason_codes": (
            list(event.reason_codes) if isinstance(event, Household.Deactivated) else [event.cause]
        ),
        "effective_month": event.effective_month,
        "complaint_reference": complaint_reference,
        "decided_by": event.actor,
        "decided_at": event.timestamp.isoformat(),
        "regency": app.settings.regency,
        "source": "bratasena",
    }


def _update_payload(app: Bratasena, household_id: UUID, events: list[Any]) -> dict[str, Any]:
    """An update of a deactivation already sent: its proposal list's number, and the number and
    date of the Bupati's SK once approved (null before)."""
    event = events[-1]
    household = project_aggregate(None, events)
    assert isinstance(household, Household)
    deactivation = next(e for e in events if e.originator_version == event.event_version)
    approved = isinstance(event, Household.ProposalApproved)
    return {
        "idempotency_key": idempotency_key(household_id, event.originator_version),
        "change": "update",
        "updates": idempotency_key(household_id, event.event_version),
        "registry_id": household.registry_id,
        "effective_month": deactivation.effective_month,
        "proposal_number": event.list_number,
        "sk_number": event.sk_number if approved else None,
        "sk_date": event.approved_on.isoformat() if approved else None,
        "decided_by": event.actor,
        "decided_at": event.timestamp.isoformat(),
        "regency": app.settings.regency,
        "source": "bratasena",
    }


class TargetClient:
    """Sends changes to one target over HTTP (a pooled ``httpx.Client``, safe across threads)."""

    def __init__(self, target: Target, *, timeout: float, connections: int = 8) -> None:
        self.target = target
        headers = {"User-Agent": "bratasena-sync/1"}
        if target.token:
            headers["Authorization"] = f"Bearer {target.token}"
        self._http = httpx.Client(
            base_url=target.url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    def send(self, payload: dict[str, Any]) -> Answer:
        """Post one change; every failure to get a clear answer comes back as ``transient``."""
        try:
            response = self._http.post(
                CHANGES_PATH,
                json=payload,
                headers={"Idempotency-Key": str(payload["idempotency_key"])},
            )
        except httpx.HTTPError as error:
            return Answer("transient", detail=f"{type(error).__name__}: {error}"[:300])
        return read_answer(response.status_code, response.content)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()


def read_answer(status: int, body: bytes) -> Answer:
    """Classify a target's HTTP answer by the contract (docs/integration.md)."""
    if status >= 500 or status in TRANSIENT_STATUSES or status < 200 or 300 <= status < 400:
        return Answer("transient", detail=f"HTTP {status}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Answer("transient", detail=f"HTTP {status} with a body that is not JSON")
    if not isinstance(data, dict):
        return Answer("transient", detail=f"HTTP {status} with JSON that is not an object")
    outcome = data.get("status")
    if status < 300 and outcome == "accepted":
        reference = data.get("reference")
        if isinstance(reference, str) and reference.strip():
            return Answer("accepted", reference=reference.strip())
        return Answer("transient", detail="accepted without an external reference")
    if outcome == "rejected":
        code = data.get("reason_code")
        message = data.get("message")
        if isinstance(code, str) and code.strip():
            text = message if isinstance(message, str) else ""
            return Answer("rejected", reason_code=code.strip(), message=text[:500])
        return Answer("transient", detail="rejected without a reason code")
    return Answer("transient", detail=f"HTTP {status} with an unknown status {outcome!r}"[:300])
