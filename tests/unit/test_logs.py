"""Request lines in the access log keep the parameters' names, never their values."""

from __future__ import annotations

import logging

from bratasena.api.logs import HideQueryValues, without_query_values


def test_query_values_are_hidden_and_names_kept() -> None:
    assert without_query_values("/api/v1/households?nik=3316014101900001&page=2") == (
        "/api/v1/households?nik=…&page=…"
    )
    assert without_query_values("/petugas?q=Sri+Wahyuni&status=") == "/petugas?q=…&status=…"
    assert without_query_values("/lacak") == "/lacak"
    assert without_query_values("/lacak?") == "/lacak"


def test_the_filter_rewrites_uvicorns_access_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/rumah-tangga?kk=3316010101200001", "1.1", 200), None,
    )  # fmt: skip
    assert HideQueryValues().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /rumah-tangga?kk=… HTTP/1.1" 200'


def test_tracking_codes_in_paths_are_hidden() -> None:
    assert without_query_values("/api/v1/complaints/track/ABCD-EFGH-JK") == (
        "/api/v1/complaints/track/…"
    )
    assert without_query_values("/aduan/terkirim/ABCDEFGHJK?x=1") == "/aduan/terkirim/…?x=…"
    assert without_query_values("/api/v1/complaints") == "/api/v1/complaints"
