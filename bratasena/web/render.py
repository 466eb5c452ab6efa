"""What every page shares: templates, the logged-in account, role checks, checked forms, errors."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from bratasena import access
from bratasena.domain.account import Account, Role
from bratasena.domain.errors import DomainError, InvalidInputError, NotAllowedError, NotFoundError
from bratasena.limits import ThrottledError, retry_headers
from bratasena.web import labels, people, session

HERE = Path(__file__).parent
WIB = ZoneInfo("Asia/Jakarta")


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
"""The pages' policy: scripts, styles and forms from this site only, and nothing inline, so an
injected ``<script>`` or ``style=`` would not run even if escaping ever failed."""


PAGE: dict[int, tuple[str, str]] = {
    400: ("Permintaan tidak dapat dibaca", "Kiriman dari peramban tidak dapat dibaca."),
    403: ("Tidak berwenang", "Anda tidak berwenang membuka halaman ini."),
    404: (
        "Halaman tidak ditemukan",
        "Alamat ini tidak ada, atau data yang dicari tidak ditemukan. Periksa lagi alamatnya.",
    ),
    405: ("Tidak dapat diproses", "Halaman ini tidak menerima permintaan seperti itu."),
    413: (
        "Kiriman terlalu besar",
        "Isian atau berkas yang dikirim melebihi batas ukuran. Kurangi isinya lalu kirim lagi.",
    ),
    422: ("Isian tidak sah", "Isian tidak dapat diterima; periksa lagi lalu kirim ulang."),
    429: (
        "Mohon tunggu",
        "Terlalu banyak permintaan dari alamat Anda; coba lagi beberapa menit lagi.",
    ),
    500: (
        "Terjadi kesalahan",
        "Terjadi kesalahan di sistem kami dan sudah dicatat. Silakan coba lagi nanti.",
    ),
}
"""The title and the message of each status a page can answer with."""


class LoginRequired(Exception):
    """The page needs a staff account and nobody is logged in: go to the login page."""


class PageError(Exception):
    """A refusal shown as a page (not found, not allowed, a form without its CSRF token)."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def tanggal(value: date | datetime | None) -> str:
    """A date in Indonesian: ``10 Maret 2026`` (a moment is read in Jakarta time)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(WIB).date()
    return f"{value.day} {labels.MONTH[value.month - 1]} {value.year}"


def waktu(value: datetime | None) -> str:
    """A moment in Jakarta time: ``10 Maret 2026, 09.00 WIB``."""
    if value is None:
        return "–"
    local = value.astimezone(WIB)
    return f"{tanggal(local.date())}, {local:%H.%M} WIB"


def angka(value: float | int | None) -> str:
    """A number with Indonesian thousands dots: ``150.000``."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def lama(seconds: float | None) -> str:
    """A duration in plain Indonesian: ``kurang dari 1 menit``, ``12 menit``, ``2 jam 5 menit``,
    ``3 hari 4 jam`` (whole units: a queue's age needs no decimals)."""
    if not seconds or seconds < 60:
        return "kurang dari 1 menit"
    minutes = int(seconds // 60)
    days, hours, rest = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{angka(days)} hari" + (f" {hours} jam" if hours else "")
    if hours:
        return f"{hours} jam" + (f" {rest} menit" if rest else "")
    return f"{rest} menit"


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, autoescaped (every value is HTML-escaped unless marked safe)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(tanggal=tanggal, waktu=waktu, angka=angka, lama=lama, urlq=quote)
    env.globals.update(labels=labels)
    return env


def viewer(request: Request) -> Account | None:
    """The logged-in staff account, read from the event store on every request.

    A disabled account or a changed role takes effect on the very next page, as in the API.
    """
    if hasattr(request.state, "web_account"):
        found: Account | None = request.state.web_account
        return found
    current = session.current(request)
    app = access.app_of(request)
    account = (
        access.active_account(app, current.username, current.version) if current.username else None
    )
    request.state.web_account = account
    return account


def need(request: Request, *roles: Role) -> Account:
    """The logged-in account if its role is one of ``roles``; otherwise to login or a 403 page."""
    account = viewer(request)
    if account is None:
        raise LoginRequired()
    if account.role not in roles:
        raise PageError(
            403,
            "Tidak berwenang",
            f"Halaman ini untuk {', '.join(labels.ROLE[r] for r in roles)}; "
            f"Anda masuk sebagai {labels.ROLE[account.role]}.",
        )
    return account


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from a template, with the account, the CSRF token and the path in its context."""
    app = access.app_of(request)
    base = {
        "who": viewer(request),
        "csrf": session.current(request).csrf,
        "path": request.url.path,
        "regency": app.regions.regency.name,
        # Lists name accounts and households, each read once per page and only when shown.
        "person": people.Names(app).actor,
        "households_of": functools.partial(_households_of, access.views_of(request)),
        "assignees_of": functools.partial(people.assignees, access.views_of(request).staff),
    }
    html = environment().get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status)


def _households_of(views: Any, rows: list[Any]) -> dict[Any, Any]:
    """The matched households of a list's case rows by id, read in one query."""
    wanted = {row.household_id for row in rows if row.household_id}
    return {h.household_id: h for h in views.households.many(wanted)} if wanted else {}


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (reloading does not send it again)."""
    return RedirectResponse(url, status_code=303)


async def checked_form(request: Request) -> AsyncIterator[FormData]:
    """The submitted form, refused unless it carries this session's CSRF token; its uploaded
    files (evidence) are closed once the page has answered."""
    form = await request.form()
    try:
        if not session.csrf_ok(request, form.get("csrf_token")):
            raise PageError(
                403,
                "Formulir tidak sah",
                "Formulir ini kedaluwarsa atau tidak dikirim dari halaman ini. Muat ulang halaman "
                "lalu kirim lagi.",
            )
        yield form
    finally:
        await form.close()


CheckedForm = Annotated[FormData, Depends(checked_form)]


def text(form: FormData, name: str) -> str:
    """A text field of a form, stripped ('' when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_date(form: FormData, name: str) -> date:
    """A date field (``YYYY-MM-DD``, what ``<input type=date>`` sends)."""
    try:
        return date.fromisoformat(text(form, name))
    except ValueError:
        raise InvalidInputError(f"{name}: give a date", field=name) from None


class PageRoute(APIRoute):
    """A route whose refusals become pages, and which sets the session cookie on every answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                back = target if request.method == "GET" else "/petugas"
                response = redirect(f"/masuk?lanjut={quote(back, safe='')}")
            except PageError as error:
                response = error_page(request, error.status, error.title, error.message)
            except ThrottledError as error:
                response = error_page(request, 429)
                response.headers.update(retry_headers(error))
            except NotFoundError:
                response = error_page(request, 404)
            except NotAllowedError as error:
                response = error_page(request, 403, "Tidak berwenang", labels.error_text(error))
            except DomainError as error:
                response = error_page(
                    request,
                    access.http_status(error),
                    "Tidak dapat diproses",
                    labels.error_text(error),
                )
            except HTTPException as error:
                response = error_page(
                    request, error.status_code if error.status_code in PAGE else 400
                )
                response.headers.update(error.headers or {})
            session.store(request, response)
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            return response

        return page


def error_page(
    request: Request, status: int, title: str | None = None, message: str | None = None
) -> HTMLResponse:
    """The error page of a status, with the account's menu when it can still be read."""
    default_title, default_message = PAGE.get(status, PAGE[400 if status < 500 else 500])
    words = {"title": title or default_title, "message": message or default_message}
    try:
        return render(request, "error.html", status=status, **words)
    except Exception:  # the store itself may be what failed: the page without the menu
        html = (
            environment()
            .get_template("error.html")
            .render(who=None, csrf="", path=request.url.path, regency="", **words)
        )
        return HTMLResponse(html, status_code=status)
