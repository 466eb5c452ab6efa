"""The citizens' pages: the complaint form, its confirmation, and tracking by code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile

from bratasena import access
from bratasena.domain.errors import DomainError, InvalidInputError, NotFoundError
from bratasena.domain.filing import REASONS
from bratasena.domain.identity import is_valid_tracking_code, validate_kk, validate_nik
from bratasena.domain.regions import RegionBook, normalise_code
from bratasena.limits import ThrottledError, retry_headers
from bratasena.media import Upload
from bratasena.web import complaint_words, labels
from bratasena.web.render import (
    HERE,
    CheckedForm,
    PageError,
    PageRoute,
    redirect,
    render,
    text,
    viewer,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

STATIC = {
    "bratasena.css": "text/css",
    "desa.js": "text/javascript",
    "lokasi.js": "text/javascript",
}

SUBJECT_FIELDS = ("subject.name", "subject.village_code", "subject.address")
SUBJECT_NUMBERS = ("subject.nik", "subject.kk_number")
REPORTER_FIELDS = ("reporter.name", "reporter.phone")


@router.get("/static/{name}")
def static(name: str) -> Response:
    """The stylesheet and the two small scripts (cacheable for a day)."""
    if name not in STATIC:
        raise PageError(404, "Tidak ditemukan", "Berkas tidak ada.")
    return FileResponse(
        HERE / "static" / name,
        media_type=STATIC[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/")
def home(request: Request) -> Response:
    """What a citizen can do, and the way in for staff."""
    return render(request, "home.html")


def _form_page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str],
    district: str | None,
    status: int = 200,
) -> Response:
    book = access.app_of(request).regions
    chosen = None
    if district:
        try:
            chosen = book.district(district, field="kecamatan")
        except InvalidInputError:
            errors = {**errors, "kecamatan": "Kecamatan tidak dikenal; pilih dari daftar."}
    if chosen is None and values.get("subject.village_code"):
        try:
            chosen = book.district(values["subject.village_code"][:6])
        except InvalidInputError:
            chosen = None
    districts = book.districts()
    return render(
        request,
        "complaint_form.html",
        status=status,
        values=values,
        errors=errors,
        districts=districts,
        chosen=chosen,
        files_max=access.settings_of(request).evidence_per_filing,
        file_max_mib=f"{access.settings_of(request).evidence_max_bytes / 1048576:g}",
        groups=[(d, book.villages(d.code)) for d in districts],
        reasons=REASONS,
    )


@router.get("/aduan")
def complaint_form(request: Request, kecamatan: str | None = None) -> Response:
    """The complaint form; ``?kecamatan=`` narrows the village list (the no-script picker)."""
    return _form_page(request, {"identitas": "anonim"}, {}, kecamatan)


def _refused(check: Callable[..., object], *args: Any, **kwargs: Any) -> str | None:
    """The Indonesian message of a domain check's refusal, or None when it passes."""
    try:
        check(*args, **kwargs)
    except DomainError as error:
        return labels.error_text(error)
    return None


def _village(book: RegionBook, code: str) -> object:
    return book.village(
        normalise_code(code, field="subject.village_code"), field="subject.village_code"
    )


def _check(values: dict[str, Any], subject: dict[str, str], book: RegionBook) -> dict[str, str]:
    """Every refusal the form can find by itself, all at once, each at its field.

    The domain's own validators decide (the same ones the command runs again), so the page never
    accepts what the command would refuse; only the rules that need the store come one by one.
    """
    errors: dict[str, str] = {}
    numbered = bool(subject["nik"] or subject["kk_number"])
    if not subject["village_code"] and not numbered:
        errors["subject.village_code"] = labels.FIELD_ERROR["subject.village_code"]
    elif subject["village_code"]:
        village = _refused(_village, book, subject["village_code"])
        if village:
            errors["subject.village_code"] = village
    if not subject["name"] and not numbered:
        errors["subject.name"] = labels.FIELD_ERROR["subject.name"]
    for name, validate in (("nik", validate_nik), ("kk_number", validate_kk)):
        number = subject[name]
        if number and (refusal := _refused(validate, number, field=f"subject.{name}")):
            errors[f"subject.{name}"] = refusal
    if not values["reasons"]:
        errors["reasons"] = labels.FIELD_ERROR["reasons"]
    if not values["description"]:
        errors["description"] = complaint_words.description_error(values["reasons"])
    if values["identitas"] == "nama" and not values["reporter.name"]:
        errors["reporter.name"] = labels.FIELD_ERROR["reporter.name"]
    if values["identitas"] == "anonim" and values["reporter.phone"]:
        # A number typed while "anonymous" is chosen would be dropped: say so instead.
        errors["reporter.phone"] = complaint_words.ANONYMOUS_PHONE
    return errors


def _uploads(files: list[UploadFile], max_bytes: int) -> list[Upload]:
    """The complainant's files as uploads (one byte past the limit at most, so it is refused)."""
    uploads = []
    for file in files:
        try:
            data = file.file.read(max_bytes + 1)
        finally:
            file.file.close()
        uploads.append(Upload(data=data, name=file.filename or "", declared=file.content_type))
    return uploads


@router.post("/aduan")
def file_complaint(request: Request, form: CheckedForm) -> Response:
    """File the complaint; on a refusal, the form again with the input and the error in place."""
    values: dict[str, Any] = {
        name: text(form, name)
        for name in (*SUBJECT_FIELDS, *SUBJECT_NUMBERS, *REPORTER_FIELDS, "description")
    }
    values["identitas"] = "nama" if text(form, "identitas") == "nama" else "anonim"
    values["reasons"] = [r for r in form.getlist("reasons") if isinstance(r, str)]
    subject = {k.removeprefix("subject."): values[k] for k in (*SUBJECT_FIELDS, *SUBJECT_NUMBERS)}
    reporter = None
    if values["identitas"] == "nama":
        reporter = {k.removeprefix("reporter."): values[k] for k in REPORTER_FIELDS}
    app = access.app_of(request)
    account = viewer(request)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    uploads = _uploads(files, app.settings.evidence_max_bytes)
    if account is None:
        try:
            # Each file counts as one more filing against the address's limit.
            for _ in range(1 + len(files)):
                access.limiter_of(request).check(access.client_address(request))
        except ThrottledError as error:
            # The citizen's words stay in the form: they can send it again in a minute.
            wait = {"form": complaint_words.THROTTLED.format(seconds=error.retry_after)}
            answer = _form_page(request, values, wait, None, status=429)
            answer.headers.update(retry_headers(error))
            return answer
    errors = _check(values, subject, app.regions)
    if errors:
        return _form_page(request, values, errors, None, status=422)
    try:
        filing = app.file_complaint(
            subject=subject,
            reasons=values["reasons"],
            description=values["description"],
            reporter=reporter,
            filer=account,
            uploads=uploads,
        )
    except DomainError as error:
        field = error.field or "form"
        message = labels.error_text(error)
        if field == "description":
            message = complaint_words.description_error(values["reasons"])
        return _form_page(request, values, {field: message}, None, status=422)
    access.views_of(request).caught_up(filing.position)
    return redirect(f"/aduan/terkirim/{filing.tracking_code}")


@router.get("/aduan/terkirim/{code}")
def filed(request: Request, code: str) -> Response:
    """The confirmation: the tracking code to write down, and where to follow the complaint."""
    if not is_valid_tracking_code(code):
        raise PageError(404, "Tidak ditemukan", "Kode lacak tidak dikenal.")
    progress = access.app_of(request).progress(code)
    return render(request, "complaint_filed.html", code=progress.tracking_code)


@router.get("/lacak")
def track(request: Request, kode: str | None = None) -> Response:
    """A complaint's progress by tracking code: status and dated steps, nothing else."""
    if not kode or not kode.strip():
        return render(request, "track.html", code="", error=None, complaint=None, steps=[])
    code = kode.strip()[:40]
    error = None
    progress = None
    steps: list[tuple[str, Any]] = []
    if not is_valid_tracking_code(code):
        error = (
            "Kode lacak tidak sah. Periksa lagi: kode terdiri dari 10 huruf/angka, "
            "misalnya ABCD-EFGH-JT."
        )
    else:
        try:
            progress = access.app_of(request).progress(code)
            steps = [(labels.PUBLIC_STEP[step], at) for step, at in progress.steps]
        except NotFoundError:
            error = "Tidak ada aduan dengan kode itu. Periksa lagi kode lacak Anda."
    return render(
        request,
        "track.html",
        status=200 if error is None else 404,
        code=code,
        error=error,
        complaint=progress,
        steps=steps,
    )
