"""The caller's account on every request: kept in memory, never trusted past its version.

Another `Bratasena` over the same store stands for another process (a second `bratasena api`, or
the administrator's CLI): what it records must count on this one's very next check.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bratasena.access import NotAuthenticatedError, kept_token_account, token_account
from bratasena.application import Bratasena
from bratasena.domain.errors import NotFoundError
from bratasena.settings import Settings
from tests.builders import Clock, open_staff


@pytest.fixture
def other(settings: Settings, clock: Clock) -> Iterator[Bratasena]:
    """A second application over the same store: another process."""
    application = Bratasena(settings, clock=clock)
    yield application
    application.close()


def test_an_unchanged_account_is_read_once_and_then_kept(app: Bratasena) -> None:
    open_staff(app)
    first = app.calling_account("budi")
    assert app.calling_account("budi") is first
    assert (first.username, first.role, first.enabled) == ("budi", "officer", True)


def test_the_kept_caller_is_given_only_while_it_is_the_newest(
    app: Bratasena, other: Bratasena
) -> None:
    # What the HTTP layer checks on the event loop; anything else goes to `calling_account`.
    open_staff(app)
    assert app.kept_caller("budi") is None  # never read yet
    first = app.calling_account("budi")
    assert app.kept_caller("budi") is first
    other.change_role("budi", role="supervisor", districts=[], actor="admin")
    assert app.kept_caller("budi") is None
    assert app.calling_account("budi").role == "supervisor"
    assert app.kept_caller("budi") is app.calling_account("budi")
    current = app.calling_account("budi").token_version
    assert kept_token_account(app, "budi", current) is app.calling_account("budi")
    with pytest.raises(NotAuthenticatedError, match="ended"):
        kept_token_account(app, "budi", current + 1)
    other.disable_account("budi", reason="pindah tugas", actor="admin")
    assert app.calling_account("budi").enabled is False
    with pytest.raises(NotAuthenticatedError, match="disabled"):
        kept_token_account(app, "budi", current)


def test_an_account_disabled_elsewhere_is_out_on_the_next_check(
    app: Bratasena, other: Bratasena
) -> None:
    open_staff(app)
    assert token_account(app, "budi").enabled
    other.disable_account("budi", reason="pindah tugas", actor="admin")
    assert app.calling_account("budi").enabled is False
    with pytest.raises(NotAuthenticatedError, match="disabled"):
        token_account(app, "budi")


def test_threads_that_checked_before_a_disable_each_see_it_on_their_next_check(
    app: Bratasena, other: Bratasena
) -> None:
    # Each request thread reads the version on a connection of its own, kept between requests.
    open_staff(app)
    with ThreadPoolExecutor(4) as threads:
        assert all(threads.map(lambda _: app.calling_account("budi").enabled, range(16)))
        other.disable_account("budi", reason="pindah tugas", actor="admin")
        assert not any(threads.map(lambda _: app.calling_account("budi").enabled, range(16)))


def test_a_token_version_moved_on_elsewhere_ends_the_old_token_on_the_next_check(
    app: Bratasena, other: Bratasena
) -> None:
    open_staff(app)
    assert token_account(app, "budi", 0).token_version == 0
    other.sign_out("budi", actor="budi")
    with pytest.raises(NotAuthenticatedError, match="ended"):
        token_account(app, "budi", 0)
    assert token_account(app, "budi", 1).token_version == 1


def test_a_role_changed_elsewhere_applies_on_the_next_check(
    app: Bratasena, other: Bratasena
) -> None:
    open_staff(app)
    assert app.calling_account("budi").districts == ("331601",)
    other.change_role("budi", role="supervisor", districts=[], actor="admin")
    changed = app.calling_account("budi")
    assert (changed.role, changed.districts) == ("supervisor", ())
    assert app.calling_account("budi") is changed


def test_an_unknown_username_is_not_found(app: Bratasena) -> None:
    with pytest.raises(NotFoundError):
        app.calling_account("nobody")
    with pytest.raises(NotAuthenticatedError, match="no account"):
        token_account(app, "nobody")
