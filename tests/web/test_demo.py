"""The demo behind `make run`: seeded once, every role can log in, cases at every stage."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.demo import prepare
from bratasena.domain.calendar import jakarta_date
from bratasena.projections import CaseQuery, Projections
from bratasena.settings import Settings
from tests.web.conftest import csrf_of


@pytest.mark.slow  # seeds a registry and a case at every stage, 4–6 s
def test_the_demo_seeds_once_and_prints_passwords_that_log_in(
    make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, targets = prepare(make_settings(), base_url="http://demo", households=400)
    try:
        printed = capsys.readouterr().out
        assert "STAND-IN" in printed
        passwords = dict(re.findall(r"^  (\w+)\s+\w+\s+(\S+)$", printed, re.MULTILINE))
        assert set(passwords) == {"admin", "kabid", "kabid2", "petugas", "inspektur", "pendamping"}
        assert settings.sync_dtjateng_url == targets[0].url

        app = Bratasena(settings)
        views = Projections(app, settings)
        try:
            views.run_once()
            statuses = {row.status for row in views.cases.search(CaseQuery(per_page=100)).items}
            assert {"filed", "assigned", "investigated", "upheld", "rejected"} <= statuses
            field = views.cases.search(CaseQuery(assigned_to="pendamping")).items
            assert [row.status for row in field] == ["assigned"]  # the facilitator's queue
            checked = views.cases.search(CaseQuery(status="investigated")).items[0]
            [photo] = app.get_complaint(checked.complaint_id).evidence.values()
            assert photo.attachment.latitude is not None  # the gallery has a place to show
            # Three monthly extracts: some removals confirmed, some stuck.
            year = jakarta_date(app.clock()).year
            confirmed = sum(
                sum(views.reconciliation.confirmed(y)[0].values()) for y in (year - 1, year)
            )
            assert confirmed > 0
            assert views.reconciliation.not_applied()
            assert len(list((settings.data_dir / "extracts").glob("dtsen-*.csv"))) == 3
            head = app.head()
        finally:
            views.close()
            app.close()

        again, more = prepare(settings, base_url="http://demo", households=400)
        for target in more:
            target.stop()
        assert "already seeded" in capsys.readouterr().out
        check = Bratasena(again)
        try:
            assert check.head() == head  # the second start added nothing
        finally:
            check.close()

        with TestClient(create_app(settings)) as client:
            token = csrf_of(client.get("/masuk").text)
            answer = client.post(
                "/masuk",
                data={"csrf_token": token, "username": "kabid", "password": passwords["kabid"]},
                follow_redirects=False,
            )
            assert answer.headers["location"] == "/petugas"
            assert client.get("/laporan").status_code == 200
    finally:
        for target in targets:
            target.stop()
