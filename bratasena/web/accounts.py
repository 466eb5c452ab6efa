"""Staff accounts for administrators: the list with filters, opening an account, changing its
role and districts, disabling and enabling it, and setting a new password.

Each form calls the same application command as the API and the CLI (`open_account`,
`change_role`, `disable_account`, `enable_account`, `change_password`), then waits for the staff
directory to take it in, so the list shows the change at once. A refusal re-renders the form with
the input and the message next to its field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from bratasena import access
from bratasena.domain.account import ROLES, Account, Role, check_new_password, normalise_username
from bratasena.domain.errors import ConflictError, DomainError, NotFoundError
from bratasena.projections import StaffQuery
from bratasena.web import labels
from bratasena.web.render import CheckedForm, PageError, PageRoute, need, redirect, render, text

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DONE = {
    "baru": "Akun sudah dibuka.",
    "peran": "Peran dan kecamatan sudah diubah; berlaku pada permintaan berikutnya akun itu.",
    "nonaktifkan": "Akun sudah dinonaktifkan; sesinya berakhir.",
    "aktifkan": "Akun sudah diaktifkan kembali.",
    "sandi": "Kata sandi baru sudah disimpan; semua sesi akun itu berakhir.",
}
"""The message after each form succeeded."""


@router.get("/akun")
def accounts(
    request: Request, peran: str = "", kecamatan: str = "", aktif: str = "", hal: int = 1
) -> Response:
    """The staff accounts, filtered by role, district covered and whether they may log in."""
    need(request, Role.ADMIN)
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    filters = {"peran": peran, "kecamatan": kecamatan, "aktif": aktif}
    errors: dict[str, str] = {}
    found = None
    try:
        found = views.staff.search(
            StaffQuery(
                role=peran or None,
                district=kecamatan or None,
                enabled={"ya": True, "tidak": False}.get(aktif),
                page=max(1, min(hal, 100_000)),
                per_page=25,
            )
        )
    except DomainError as error:
        errors[{"role": "peran", "district": "kecamatan"}.get(error.field or "", "peran")] = (
            labels.error_text(error)
        )
    return render(
        request,
        "accounts.html",
        found=found,
        filters=filters,
        errors=errors,
        query={k: v for k, v in filters.items() if v},
        roles=ROLES,
        districts=app.regions.districts(),
        district_names={d.code: d.name for d in app.regions.districts()},
    )


def _account_page(
    request: Request,
    account: Account | None,
    *,
    status: int = 200,
    message: str | None = None,
    failed: dict[str, Any] | None = None,
) -> Response:
    app = access.app_of(request)
    return render(
        request,
        "account.html",
        status=status,
        account=account,
        roles=ROLES,
        districts=app.regions.districts(),
        message=message,
        failed=failed or {"form": None, "values": {}, "errors": {}},
    )


def _refused(
    request: Request, account: Account | None, form_name: str, form: FormData, error: DomainError
) -> Response:
    values: dict[str, Any] = {
        k: v for k, v in form.multi_items() if isinstance(v, str) and "password" not in k
    }
    values["districts"] = [d for d in form.getlist("districts") if isinstance(d, str)]
    if form_name == "baru" and isinstance(error, ConflictError):
        field, message = "username", "Nama pengguna itu sudah dipakai akun lain."
    elif isinstance(error, ConflictError):
        field, message = "form", labels.ACCOUNT_STALE
    else:
        field, message = error.field or "form", labels.error_text(error)
    return _account_page(
        request,
        account,
        status=access.http_status(error),
        failed={"form": form_name, "values": values, "errors": {field: message}},
    )


@router.get("/akun/baru")
def new_account(request: Request) -> Response:
    """The form that opens a staff account."""
    need(request, Role.ADMIN)
    return _account_page(request, None)


@router.post("/akun/baru")
def open_account(request: Request, form: CheckedForm) -> Response:
    """Open the account with the first password the administrator gives it."""
    who = need(request, Role.ADMIN)
    app, views = access.app_of(request), access.views_of(request)
    username = text(form, "username")
    password = form.get("password")
    try:
        hashed = access.hash_password(
            check_new_password(
                password if isinstance(password, str) else "", username=username, field="password"
            )
        )
        outcome = app.open_account(
            username=username,
            role=text(form, "role"),
            districts=[d for d in form.getlist("districts") if isinstance(d, str)],
            password_hash=hashed,
            full_name=text(form, "full_name"),
            actor=who.username,
        )
    except DomainError as error:
        return _refused(request, None, "baru", form, error)
    views.caught_up(outcome.position)
    return redirect(f"/akun/{normalise_username(username)}?ok=baru")


@router.get("/akun/{username}")
def account_page(request: Request, username: str, ok: str = "") -> Response:
    """One account: its role, districts and state, and the forms that change them."""
    need(request, Role.ADMIN)
    return _account_page(request, _account(request, username), message=DONE.get(ok))


def _account(request: Request, username: str) -> Account:
    try:
        return access.app_of(request).get_account(normalise_username(username))
    except NotFoundError:
        raise PageError(
            404, "Tidak ditemukan", "Tidak ada akun dengan nama pengguna itu."
        ) from None


def _change_role(app: Any, account: Account, form: FormData, who: Account) -> Any:
    try:
        seen = int(text(form, "version"))
    except ValueError:
        raise PageError(400, "Formulir tidak lengkap", "Muat ulang halaman akun.") from None
    return app.change_role(
        account.username,
        role=text(form, "role"),
        districts=[d for d in form.getlist("districts") if isinstance(d, str)],
        actor=who.username,
        expected_version=seen,
    )


def _set_password(app: Any, account: Account, form: FormData, who: Account) -> Any:
    password = form.get("password")
    new = check_new_password(
        password if isinstance(password, str) else "", username=account.username, field="password"
    )
    return app.change_password(
        account.username, password_hash=access.hash_password(new), actor=who.username
    )


COMMANDS = {
    "peran": _change_role,
    "nonaktifkan": lambda app, account, form, who: app.disable_account(
        account.username, reason=text(form, "reason"), actor=who.username
    ),
    "aktifkan": lambda app, account, form, who: app.enable_account(
        account.username, actor=who.username
    ),
    "sandi": _set_password,
}
"""Each account form's one application call."""


@router.post("/akun/{username}/{action}")
def change_account(request: Request, username: str, action: str, form: CheckedForm) -> Response:
    """Change the role and districts, disable, enable, or set a new password."""
    who = need(request, Role.ADMIN)
    if action not in COMMANDS:
        raise PageError(404, "Tidak ditemukan", "Langkah itu tidak dikenal.")
    app, views = access.app_of(request), access.views_of(request)
    account = _account(request, username)
    try:
        outcome = COMMANDS[action](app, account, form, who)
    except DomainError as error:
        return _refused(request, _account(request, username), action, form, error)
    views.caught_up(outcome.position)
    return redirect(f"/akun/{account.username}?ok={action}")
