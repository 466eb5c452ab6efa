"""Finding households and cases by name through the keyed blind indexes, on both backends, with
and without a cipher key; the search box's reading of what was typed."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bratasena.application import Bratasena
from bratasena.domain.errors import InvalidInputError
from bratasena.projections import CaseQuery, HouseholdQuery, Projections, SearchKind
from bratasena.settings import Settings
from tests.builders import (
    OTHER_VILLAGE,
    Clock,
    case_at,
    file,
    kk,
    nik,
    open_staff,
    register,
    registry_row,
)

NAMES = ("sugeng", "riyadi", "wibowo", "wahyuni", "tukiran", "darmo")


@pytest.fixture(params=["plain", "cipher"])
def keyed(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Settings:
    """Settings without a cipher key, and with one (names sealed, tokens hashed either way)."""
    if request.param == "plain":
        return make_settings()
    return make_settings(cipher_key=base64.b64encode(os.urandom(32)).decode())


@pytest.fixture
def found(keyed: Settings, clock: Clock) -> Iterator[tuple[Bratasena, Projections]]:
    app = Bratasena(keyed, clock=clock)
    views = Projections(app, keyed)
    register(
        app,
        registry_row(1, head_name="Sugeng Riyadi"),
        registry_row(2, head_name="Hj. Sri Wahyuni", village_code=OTHER_VILLAGE),
        registry_row(3, head_name="Sugeng Wibowo"),
        registry_row(4, head_name="Darmo"),
    )
    try:
        yield app, views
    finally:
        views.close()
        app.close()


def registry_ids(page: Any) -> list[str]:
    return [row.registry_id for row in page.items]


def test_households_are_found_by_every_word_of_a_name_whatever_the_spelling(
    found: tuple[Bratasena, Projections],
) -> None:
    _, views = found
    views.run_once()
    search = views.households.search
    assert registry_ids(search(HouseholdQuery(name="Bpk. SOEGENG Riyadi, S.Pd."))) == [
        "DTKS-000001"
    ]
    assert registry_ids(search(HouseholdQuery(name="sugeng"))) == ["DTKS-000001", "DTKS-000003"]
    assert registry_ids(search(HouseholdQuery(name="Sri Wahjoeni"))) == ["DTKS-000002"]
    # Combined with the area filters, and held to the caller's districts.
    assert search(HouseholdQuery(name="sri", village="3316012001")).total == 0
    assert registry_ids(search(HouseholdQuery(name="sri", district="33.16.01"))) == ["DTKS-000002"]
    assert search(HouseholdQuery(name="sugeng", districts=["331602"])).total == 0
    assert search(HouseholdQuery(name="Sukarno")).total == 0
    with pytest.raises(InvalidInputError) as refused:
        search(HouseholdQuery(name="H. Bpk."))
    assert refused.value.field == "name"


def test_an_exact_id_needs_no_district_the_callers_scope_filters_the_result(
    found: tuple[Bratasena, Projections],
) -> None:
    _, views = found
    views.run_once()
    search = views.households.search
    assert registry_ids(search(HouseholdQuery(registry_id="dtks-000002", districts=["331601"])))
    assert registry_ids(search(HouseholdQuery(nik=nik(4), districts=["331601"]))) == ["DTKS-000004"]
    assert search(HouseholdQuery(kk=kk(4), districts=["331602"])).total == 0
    assert search(HouseholdQuery(registry_id="DTKS-000001", districts=[])).total == 0


def test_cases_are_found_by_the_name_the_complaint_gives_or_the_matched_heads(
    found: tuple[Bratasena, Projections],
) -> None:
    app, views = found
    about_sugeng = file(app, "DTKS-000001")  # no name given: the household head's is searched
    described = file(app, subject={"name": "Toekiran Hadi", "village_code": OTHER_VILLAGE})
    views.run_once()
    search = views.cases.search

    def ids(query: CaseQuery) -> set[Any]:
        return {row.complaint_id for row in search(query).items}

    assert ids(CaseQuery(name="Soegeng")) == {about_sugeng.id}
    assert ids(CaseQuery(name="tukiran")) == {described.id}
    assert ids(CaseQuery(q="Tukiran hadi")) == {described.id}
    assert ids(CaseQuery(q="tukiran", districts=["331602"])) == set()
    assert ids(CaseQuery(name="tukiran", district="33.16.02")) == set()
    assert ids(CaseQuery(q="Sugeng Wibowo")) == set()  # every word must be in one name
    # The one box: a tracking code, a registry id, a NIK or KK, a village, or a name.
    assert ids(CaseQuery(q=about_sugeng.tracking_code)) == {about_sugeng.id}
    assert ids(CaseQuery(q="dtks-000001")) == {about_sugeng.id}
    assert ids(CaseQuery(q=nik(1))) == {about_sugeng.id}
    assert ids(CaseQuery(q=kk(1))) == {about_sugeng.id}
    assert ids(CaseQuery(q="gempol")) == {described.id}  # the village of the described case
    kinds = {
        about_sugeng.tracking_code: SearchKind.TRACKING_CODE,
        "DTKS-000001": SearchKind.REGISTRY_ID,
        nik(1): SearchKind.NIK_OR_KK,
        "Gempol": SearchKind.VILLAGE_OR_NAME,
        "Tukiran": SearchKind.NAME,
        "DTKS-999999": SearchKind.REGISTRY_ID,  # by its shape: never looked up first
        "H.": SearchKind.NOTHING,
    }
    assert {text: views.cases.interpret(text) for text in kinds} == kinds
    assert search(CaseQuery(q="H.")).total == 0


def test_the_views_hold_no_clear_name_when_a_key_is_set(
    found: tuple[Bratasena, Projections], keyed: Settings
) -> None:
    app, views = found
    file(app, subject={"name": "Tukiran", "village_code": OTHER_VILLAGE})
    views.run_once()
    assert views.cases.search(CaseQuery(name="Tukiran")).total == 1
    tables = [
        "views_cases",
        "views_case_timeline",
        "views_case_names",
        "views_households",
        "views_household_names",
    ]
    text = "\n".join(repr(views.db.query(f"SELECT * FROM {name}")) for name in tables).lower()
    # Without a key the head's name is kept plain in its row (as before); the indexes never.
    index = "\n".join(
        repr(views.db.query(f"SELECT * FROM {name}"))
        for name in ("views_case_names", "views_household_names")
    ).lower()
    assert not [word for word in NAMES if word in index]
    if keyed.cipher_key is not None:
        assert not [word for word in NAMES if word in text]


def test_a_name_search_pages_in_registry_order_and_follows_a_rematch(
    found: tuple[Bratasena, Projections], clock: Clock
) -> None:
    app, views = found
    open_staff(app)
    cid = case_at(app, clock, "investigated", "DTKS-000001")  # about Sugeng Riyadi
    views.run_once()
    pages = [
        views.households.search(HouseholdQuery(name="sugeng", per_page=1, page=n)) for n in (1, 2)
    ]
    assert [(p.total, registry_ids(p)) for p in pages] == [
        (2, ["DTKS-000001"]),
        (2, ["DTKS-000003"]),
    ]
    assert {r.complaint_id for r in views.cases.search(CaseQuery(name="Riyadi")).items} == {cid}
    app.rematch_household(
        cid, None, registry_id="DTKS-000003", reason="Nomor registrasi keliru", actor="kabid",
        confirmation="Nama kepala keluarga berbeda tetapi alamat sama.",
    )  # fmt: skip
    views.run_once()
    assert views.cases.search(CaseQuery(name="Riyadi")).total == 0
    assert {r.complaint_id for r in views.cases.search(CaseQuery(name="Wibowo")).items} == {cid}
