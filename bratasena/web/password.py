"""The staff's own password: change it (the current one first), which ends every other session."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.access import NotAuthenticatedError
from bratasena.domain.account import Role, check_new_password
from bratasena.domain.errors import InvalidInputError
from bratasena.limits import ThrottledError
from bratasena.web import labels, session
from bratasena.web.render import CheckedForm, PageRoute, need, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/sandi")
def password_form(request: Request, ok: str = "") -> Response:
    """The form: current password, new password twice."""
    need(request, *Role)
    done = labels.PASSWORD_PAGE["done"] if ok else None
    return render(request, "password.html", errors={}, done=done)


@router.post("/sandi")
def change_password(request: Request, form: CheckedForm) -> Response:
    """Check the current password (throttled like a login), then store the new one."""
    who = need(request, *Role)
    app = access.app_of(request)
    fields = {k: form.get(k) for k in ("current", "new", "repeat")}
    current, new, repeat = (v if isinstance(v, str) else "" for v in fields.values())
    try:
        access.authenticate(
            app, access.throttle_of(request), who.username, current, access.client_address(request)
        )
        if new != repeat:
            raise InvalidInputError("repeat: the two new passwords differ", rule="passwords_differ")
        check_new_password(new, username=who.username)
    except ThrottledError as error:
        message = labels.PASSWORD_PAGE["throttled"].format(seconds=error.retry_after)
        return render(request, "password.html", status=429, errors={"current": message}, done=None)
    except NotAuthenticatedError as error:
        errors = {"current": labels.error_text(error)}
        return render(request, "password.html", status=401, errors=errors, done=None)
    except InvalidInputError as error:
        field = "repeat" if error.rule == "passwords_differ" else "new"
        errors = {field: labels.error_text(error)}
        return render(request, "password.html", status=422, errors=errors, done=None)
    app.change_password(who.username, password_hash=access.hash_password(new), actor=who.username)
    # This session goes on under the account's new token version; every other one has ended.
    renewed = app.get_account(who.username)
    session.replace(request, session.Session.fresh(renewed.username, renewed.token_version))
    return redirect("/sandi?ok=1")
