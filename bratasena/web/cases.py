"""The case page: facts, timeline, the actions the person's role and the case's state allow; audit.

Action forms call the application directly with the version the person saw; a stale version
re-renders the page with the case as it is now and says so. The complainant's identity is read
from the events only for supervisors and auditors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData, UploadFile

from bratasena import access
from bratasena.application import Bratasena, Match, Outcome
from bratasena.domain.account import Account, Action, Role, roles_for
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import AppealDecision, Complaint, Decision
from bratasena.domain.errors import ConflictError, DomainError, InvalidInputError
from bratasena.domain.evidence import EvidenceKind, Source
from bratasena.domain.letters import DELIVERY_METHODS, letter_key, number_of_key
from bratasena.media import Upload
from bratasena.projections import Candidate, StaffRow, Within
from bratasena.web import complaint_words, labels, people, timeline
from bratasena.web.render import (
    CheckedForm,
    PageError,
    PageRoute,
    need,
    parse_date,
    redirect,
    render,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CASE_READERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.FACILITATOR)
"""Who may open a case page; a facilitator only the cases assigned to them."""

FORMS: dict[str, tuple[Action, ...]] = {
    "assign": (Action.ASSIGN,),
    "reassign": (Action.REASSIGN,),
    "identify": (Action.IDENTIFY_HOUSEHOLD,),
    "rematch": (Action.REMATCH_HOUSEHOLD,),
    "investigate": (Action.RECORD_INVESTIGATION,),
    "notice": (Action.ISSUE_NOTICE,),
    "response": (Action.RECORD_RESPONSE,),
    "decide": (Action.UPHOLD, Action.REJECT),
    "withdraw": (Action.WITHDRAW,),
    "appeal": (Action.APPEAL,),
    "appeal_decision": (Action.GRANT_APPEAL, Action.DENY_APPEAL),
    "letter": (Action.ISSUE_LETTER,),
    "delivery": (Action.RECORD_DELIVERY,),
    "evidence": (Action.ATTACH_FIELD_EVIDENCE, Action.ATTACH_RESPONSE_EVIDENCE),
    "withdraw_evidence": (Action.WITHDRAW_EVIDENCE,),
}
"""The case page's forms and the actions each can take: a form is shown when the case offers
one of its actions (`Complaint.available_actions`), and the decision forms offer the outcomes
the case allows."""

DONE: dict[str, str] = {
    "assign": "Kasus sudah ditugaskan.",
    "reassign": "Kasus sudah dialihkan ke petugas lain; alasannya tercatat di riwayat kasus.",
    "identify": "Aduan sudah dicocokkan dengan keluarga terdaftar.",
    "joined": (
        "Keluarga ini sedang diperiksa dalam kasus lain: aduan ini sudah digabungkan ke kasus "
        "tersebut sebagai aduan tambahan."
    ),
    "rematch": (
        "Kasus sudah dicocokkan ulang. Verifikasi lapangan, pemberitahuan dan tanggapan keluarga "
        "diulang untuk keluarga ini."
    ),
    "investigate": "Hasil verifikasi lapangan sudah dicatat.",
    "notice": "Pemberitahuan kepada keluarga sudah dicatat.",
    "response": "Tanggapan keluarga sudah dicatat.",
    "decide": "Keputusan sudah dicatat.",
    "withdraw": "Aduan sudah dicabut.",
    "appeal": "Keberatan keluarga sudah dicatat.",
    "appeal_decision": "Keputusan atas keberatan sudah dicatat.",
    "letter": "Surat sudah diterbitkan dan bernomor; cetak dengan tombol Cetak.",
    "delivery": "Penyerahan surat sudah dicatat.",
    "evidence": "Bukti sudah dilampirkan dan tercatat.",
    "withdraw_evidence": "Lampiran sudah ditarik; catatannya tetap tersimpan.",
}
"""The message after each form succeeded."""


def forms_for(actions: list[Action]) -> list[str]:
    """The forms to show for the actions the case offers this person.

    While the plain assignment form is offered (before the field check), it already gives the
    case to someone else; the reassignment form with its reason is shown from then on.
    """
    forms = [form for form, taken in FORMS.items() if any(a in actions for a in taken)]
    return [f for f in forms if not (f == "reassign" and "assign" in forms)]


def _case_page(
    request: Request,
    who: Account,
    complaint_id: UUID,
    *,
    status: int = 200,
    message: str | None = None,
    failed: dict[str, Any] | None = None,
    search: tuple[str, str] | None = None,
) -> Response:
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    case = access.visible_complaint(app, who, complaint_id)
    row = views.cases.get(complaint_id)
    history = app.history(complaint_id)
    today = jakarta_date(app.clock())
    household = views.households.get(case.household_id) if case.household_id else None
    effect = None
    if household is not None and household.status == "deactivated":
        effect = labels.effect_line(
            views.reconciliation.effect(household.household_id),
            views.reconciliation.latest_period(),
        )
    book = app.regions
    village = book.village(case.village_code) if book.has_village(case.village_code) else None
    available = case.available_actions(who.role, who.username, today)
    names = people.Names(app)
    forms = forms_for(available)
    matching = "identify" in forms or "rematch" in forms
    query, within = search or ("", Within.DISTRICT)
    if failed and failed.get("action") in ("identify", "rematch"):
        query, within = failed["values"].get("cari", ""), failed["values"].get("lingkup", within)
    return render(
        request,
        "case.html",
        status=status,
        case=case,
        row=row,
        village=village,
        household=household,
        effect=effect,
        subject=timeline.subject_of(history, full_numbers=who.sees_reporter),
        steps=timeline.steps(
            access.visible_steps(who, row.timeline) if row else [], book, names.actor
        ),
        reports=timeline.reports(history, names.actor) if who.sees_reporter else None,
        assignee=names.actor(case.assigned_to) if case.assigned_to else None,
        name_of=names.actor,
        actions=forms,
        assignees=_assignees(app, views.staff, case)
        if "assign" in forms or "reassign" in forms
        else [],
        may_uphold=Action.UPHOLD in available,
        candidates=_candidates(views, case, who, query, within) if matching else [],
        search={"q": query, "within": within, "open": search is not None},
        letters=list(case.letters.values()),
        letter_key=letter_key,
        issuable=case.issuable_letters(),
        dated_kinds=[k for k in case.issuable_letters() if case.counts_from_delivery(k)],
        deliverable=[n for n, lt in case.letters.items() if lt.deliverable_on(today)],
        methods=DELIVERY_METHODS,
        may_print=who.role != Role.FACILITATOR,
        evidence=access.visible_evidence(who, case),
        sees_originals=who.sees_reporter,
        evidence_stage=case.evidence_action(),
        evidence_kinds=list(EvidenceKind),
        evidence_max_mib=f"{app.settings.evidence_max_bytes / 1048576:g}",
        today=today,
        default_due=today + timedelta(days=14),
        message=message,
        failed=failed or {"action": None, "values": {}, "errors": {}, "codes": []},
    )


def _candidates(
    views: Any, case: Complaint, who: Account, query: str, within: str
) -> list[Candidate]:
    """The households the complaint may be about, for the matching forms."""
    scope = Within(within) if within in tuple(Within) else Within.DISTRICT
    found: list[Candidate] = views.candidates.find(
        case, q=query, within=scope, districts=access.districts_of(who)
    )
    return found


def _assignees(app: Bratasena, staff: Any, case: Complaint) -> list[StaffRow]:
    """Who the case may go to: the enabled officers and facilitators of its district.

    Read from the staff directory for the form's choices only; the command checks the account
    itself against the event store, so a choice that lagged behind a change is still refused.
    """
    if not app.regions.has_village(case.village_code):
        return []  # a village the configured regency does not know has no district to staff
    rows: list[StaffRow] = staff.assignable(case.village_code[:6])
    return rows


@router.get("/kasus/{complaint_id}")
def case_page(
    request: Request,
    complaint_id: UUID,
    ok: str = "",
    cari: str | None = None,
    lingkup: str = Within.DISTRICT,
) -> Response:
    """One case: facts, household, timeline, and the forms for the allowed actions.

    ``cari`` searches the households the complaint may be about (NIK, KK, registry id or a
    name), ``lingkup`` where a name is searched (``village`` or ``district``).
    """
    who = need(request, *CASE_READERS)
    search = (cari[:100], lingkup) if cari is not None else None
    return _case_page(request, who, complaint_id, message=DONE.get(ok), search=search)


@router.get("/kasus/{complaint_id}/surat/{key}.pdf")
def letter_pdf(request: Request, complaint_id: UUID, key: str) -> Response:
    """A letter of the case, printed again byte for byte as issued (the "Cetak" button)."""
    who = need(request, Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR)
    app = access.app_of(request)
    access.visible_complaint(app, who, complaint_id)
    letter, pdf = app.letter_pdf(complaint_id, number_of_key(key))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="surat-{letter_key(letter.number)}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/kasus/{complaint_id}/bukti/{evidence_id}/{size}")
def evidence_file(request: Request, complaint_id: UUID, evidence_id: str, size: str) -> Response:
    """An attachment for the gallery: the EXIF-free copies for everyone who sees it, the
    original for supervisors and auditors (`access.evidence_for`)."""
    who = need(request, *CASE_READERS)
    if size not in access.EVIDENCE_SIZES:
        raise PageError(404, "Tidak ditemukan", "Ukuran itu tidak dikenal.")
    app = access.app_of(request)
    case = access.visible_complaint(app, who, complaint_id)
    evidence = access.evidence_for(who, case, evidence_id, size)
    a = evidence.attachment
    media = a.media_type if size == access.ORIGINAL or not a.derived else "image/jpeg"
    return Response(
        app.evidence_bytes(evidence, size),
        media_type=media,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


def _coordinate(form: FormData, name: str) -> float | None:
    value = text(form, name).replace(",", ".")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInputError(f"{name}: {value!r} is not a number", field=name) from None


def _evidence(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    file = f.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InvalidInputError("file: choose a photo or a PDF", field="file", rule="empty_file")
    limit = app.settings.evidence_max_bytes
    try:
        data = file.file.read(limit + 1)
    finally:
        file.file.close()  # the page form is read whole by the CSRF check; its file ends here
    upload = Upload(
        data=data,
        name=file.filename,
        declared=file.content_type,
        kind=text(f, "kind") or EvidenceKind.OTHER,
        caption=text(f, "caption"),
        latitude=_coordinate(f, "latitude"),
        longitude=_coordinate(f, "longitude"),
        location_source=text(f, "location_source") or Source.TYPED,
    )
    return app.attach_evidence(cid, v, upload=upload, role=who.role, actor=who.username)


def _investigate(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    case = app.get_complaint(cid)
    findings = {code: text(f, f"findings.{code}") for code in case.reasons}
    return app.record_investigation(
        cid,
        v,
        visited_on=parse_date(f, "visited_on"),
        findings={code: finding for code, finding in findings.items() if finding},
        recommendation=text(f, "recommendation"),
        notes=text(f, "notes"),
        actor=who.username,
    )


def _chosen_household(f: FormData) -> str:
    registry_id = text(f, "registry_id")
    if not registry_id:
        raise InvalidInputError(
            "registry_id: choose a household", field="registry_id", rule="household_not_chosen"
        )
    return registry_id


def _identify(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    return app.identify_household(
        cid,
        v,
        registry_id=_chosen_household(f),
        confirmation=text(f, "confirmation"),
        actor=who.username,
    )


def _rematch(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    return app.rematch_household(
        cid,
        v,
        registry_id=_chosen_household(f),
        reason=text(f, "reason"),
        confirmation=text(f, "confirmation"),
        actor=who.username,
    )


def _decide(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    outcome = text(f, "outcome")
    if outcome not in tuple(Decision):
        raise InvalidInputError("outcome: choose uphold or reject", field="outcome")
    if outcome == Decision.UPHOLD:
        codes = [c for c in f.getlist("reason_codes") if isinstance(c, str)]
        return app.uphold(cid, v, reason=text(f, "reason"), reason_codes=codes, actor=who.username)
    return app.reject(cid, v, reason=text(f, "reason"), actor=who.username)


def _letter(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    stated = parse_date(f, "delivery_on") if text(f, "delivery_on") else None
    return app.issue_letter(cid, v, kind=text(f, "kind"), delivery_on=stated, actor=who.username)


def _delivery(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    return app.record_delivery(
        cid,
        v,
        number=text(f, "number"),
        delivered_on=parse_date(f, "delivered_on"),
        method=text(f, "method"),
        actor=who.username,
    )


def _decide_appeal(app: Bratasena, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    outcome = text(f, "outcome")
    if outcome not in tuple(AppealDecision):
        raise InvalidInputError("outcome: choose grant or deny", field="outcome")
    decide = app.grant_appeal if outcome == AppealDecision.GRANT else app.deny_appeal
    return decide(cid, v, reason=text(f, "reason"), actor=who.username)


COMMANDS: dict[str, Callable[[Bratasena, UUID, int, FormData, Account], Outcome]] = {
    "assign": lambda app, cid, v, f, who: app.assign(
        cid, v, officer=text(f, "officer").lower(), actor=who.username
    ),
    "reassign": lambda app, cid, v, f, who: app.reassign(
        cid, v, officer=text(f, "officer").lower(), reason=text(f, "reason"), actor=who.username
    ),
    "identify": _identify,
    "rematch": _rematch,
    "investigate": _investigate,
    "notice": lambda app, cid, v, f, who: app.issue_notice(
        cid, v, response_due=parse_date(f, "response_due"), actor=who.username
    ),
    "response": lambda app, cid, v, f, who: app.record_response(
        cid,
        v,
        statement=text(f, "statement"),
        received_on=parse_date(f, "received_on"),
        actor=who.username,
    ),
    "decide": _decide,
    "withdraw": lambda app, cid, v, f, who: app.withdraw(
        cid, v, reason=text(f, "reason"), actor=who.username
    ),
    "appeal": lambda app, cid, v, f, who: app.appeal(
        cid, v, grounds=text(f, "grounds"), filed_on=parse_date(f, "filed_on"), actor=who.username
    ),
    "appeal_decision": _decide_appeal,
    "letter": _letter,
    "delivery": _delivery,
    "evidence": _evidence,
    "withdraw_evidence": lambda app, cid, v, f, who: app.withdraw_evidence(
        cid, v, evidence_id=text(f, "evidence_id"), reason=text(f, "reason"), actor=who.username
    ),
}
"""Each form's one application call, with the version the person saw."""


@router.post("/kasus/{complaint_id}/{action}")
def act(request: Request, complaint_id: UUID, action: str, form: CheckedForm) -> Response:
    """Take one action; a refusal re-renders the case with the input and the error in place."""
    if action not in COMMANDS:
        raise PageError(404, "Tidak ditemukan", "Langkah itu tidak dikenal.")
    who = need(request, *sorted({r for a in FORMS[action] for r in roles_for(a)}))
    app, views = access.app_of(request), access.views_of(request)
    access.visible_complaint(app, who, complaint_id)
    values = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"}
    try:
        seen = int(text(form, "version"))
    except ValueError:
        raise PageError(400, "Formulir tidak lengkap", "Muat ulang halaman kasus.") from None
    try:
        outcome = COMMANDS[action](app, complaint_id, seen, form, who)
    except DomainError as error:
        stale = isinstance(error, ConflictError)
        field = error.field or "form"
        return _case_page(
            request,
            who,
            complaint_id,
            status=access.http_status(error),
            failed={
                "action": action,
                # A stale form is shown again with what the person typed, against the new state.
                "values": values,
                "errors": {field: complaint_words.step_error(action, error)},
                "codes": [c for c in form.getlist("reason_codes") if isinstance(c, str)],
                "stale": stale,
            },
        )
    views.caught_up(outcome.position)
    done = "joined" if isinstance(outcome, Match) and outcome.joined else action
    return redirect(f"/kasus/{complaint_id}?ok={done}")
