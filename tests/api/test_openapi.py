"""The OpenAPI document as client generators read it: shared schemas named once, stable
operationIds, every answer typed, every error the one `Problem`, domain enums in parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bratasena import api
from bratasena.api import errors
from bratasena.bootstrap import create_app
from bratasena.domain.account import Action, Role
from bratasena.domain.complaint import AppealDecision, Decision, Status, Step
from bratasena.domain.filing import Channel, Reason
from bratasena.domain.household import Eligibility, Program, Target
from bratasena.projections.case_list import CaseSort
from bratasena.settings import Settings

Document = dict[str, Any]

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
API_PROBLEMS = {"401", "403", "404", "409", "413", "422", "429", "500"}
OPERATIONS_ROUTES = {"/healthz", "/readyz", "/metrics"}

OPERATION_IDS = {
    "getHealth", "getReadiness", "getMetrics",
    "fileComplaint", "trackComplaint", "logIn", "logOut", "getMe", "changeMyPassword",
    "listAccounts", "openAccount", "getAccount", "changeRole", "disableAccount", "enableAccount",
    "listCases", "getCase", "assignCase", "reassignCase", "identifyHousehold",
    "recordInvestigation",
    "issueNotice", "recordResponse", "decideCase", "withdrawCase", "recordAppeal", "decideAppeal",
    "searchHouseholds", "getHousehold", "importRegistry",
    "getDashboard", "getQueues", "getRemovalReport", "getReconciliationReport", "setTargets",
    "prepareProposals", "getProposals", "approveProposals",
    "getHistory", "getStateAt",
    "getSyncStatus", "getSyncStatusAlias", "listParkedSyncItems", "retrySyncItem",
    "listHouseholdCandidates", "rematchHousehold",
    "listLetters", "issueLetter", "recordLetterDelivery", "downloadLetter",
    "attachEvidence", "listEvidence", "fetchEvidence", "withdrawEvidence",
}  # fmt: skip
"""Every operation's name: a generated client's function names, so a rename breaks clients."""

BINARY = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/heic",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",  # XLSX files
}
"""Media types answered as bytes (a generated client maps them to application/octet-stream)."""


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Document:
    """The document the service serves (it does not depend on the backend)."""
    folder: Path = tmp_path_factory.mktemp("openapi")
    with TestClient(create_app(Settings(environment="test", data_dir=folder / "var"))) as client:
        served = client.get("/openapi.json")
        assert served.status_code == 200
        found: Document = served.json()
        return found


def operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def where(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object of the document with its JSON pointer."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from where(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from where(value, f"{pointer}/{index}")


def test_problem_and_field_error_are_named_once_and_nowhere_else_spelled_out(
    document: Document,
) -> None:
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    listed = problem["properties"]["errors"]["anyOf"][0]
    assert listed == {"items": {"$ref": "#/components/schemas/FieldError"}, "type": "array"}
    assert set(schemas["FieldError"]["properties"]) == {"field", "message"}
    assert set(schemas["FieldError"]["required"]) == {"field", "message"}
    # FastAPI's own validation error schemas would be a second, wrong description of a 422.
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
    problems = [p for p, o in where(document) if {"title", "status", "detail"} <= set(o)]
    assert problems == ["/components/schemas/Problem/properties"]
    field_errors = [p for p, o in where(document) if set(o) == {"field", "message"}]
    assert field_errors == ["/components/schemas/FieldError/properties"]


def test_every_operation_has_its_own_stable_camel_case_operation_id(document: Document) -> None:
    ids: list[str] = [operation.get("operationId", "") for _, _, operation in operations(document)]
    # Without operation_id FastAPI names an operation like list_cases_api_v1_cases_get.
    assert [i for i in ids if "_" in i or not i] == []
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i)] == []
    assert set(ids) == OPERATION_IDS


def test_every_error_answer_is_the_one_problem(document: Document) -> None:
    for method, path, operation in operations(document):
        answers = operation["responses"]
        errors = {code for code in answers if int(code) >= 400}
        if path in OPERATIONS_ROUTES:
            # No account and no input: only a bug fails them. Not ready is an answer, not an error;
            # /metrics is "not found" in production to addresses outside BRATASENA_METRICS_ALLOW.
            expected = {"/readyz": {"500", "503"}, "/metrics": {"404", "500"}}.get(path, {"500"})
            assert errors == expected, path
            errors.discard("503")
        else:
            assert errors == API_PROBLEMS, f"{method} {path}"
        for code in errors:
            assert answers[code]["content"] == PROBLEM, f"{method} {path} {code}"


def test_a_route_mounted_without_the_problems_still_documents_invalid_input_as_a_problem() -> None:
    app = FastAPI()

    @app.get("/probe", operation_id="probe")
    def probe(n: int) -> int:
        return n

    schema = errors.document(app.openapi())
    assert schema["paths"]["/probe"]["get"]["responses"]["422"]["content"] == PROBLEM
    assert not {"HTTPValidationError", "ValidationError"} & set(schema["components"]["schemas"])


def test_every_answer_is_typed(document: Document) -> None:
    for method, path, operation in operations(document):
        for code, answer in operation["responses"].items():
            for media, content in answer.get("content", {}).items():
                schema = content["schema"]
                if media.startswith("text/"):
                    assert schema == {"type": "string"}, f"{method} {path} {code}"
                    continue
                if media in BINARY:
                    # A document's bytes: typed by its media type, read by clients as a file.
                    assert schema == {"type": "string", "format": "binary"}, f"{method} {path}"
                    continue
                named = schema.get("$ref") or schema.get("items", {}).get("$ref")
                assert named, f"{method} {path} {code} answers an unnamed {schema}"


def test_parameters_and_schemas_with_a_fixed_set_of_values_are_the_domain_enums(
    document: Document,
) -> None:
    schemas = document["components"]["schemas"]
    enums: tuple[type[StrEnum], ...] = (
        Status, Step, Decision, AppealDecision, Reason, Channel, Role, Action, Program, Target,
        Eligibility, CaseSort,
    )  # fmt: skip
    for enum in enums:
        assert schemas[enum.__name__]["enum"] == [member.value for member in enum], enum
    parameters = {
        (operation["operationId"], parameter["name"]): parameter["schema"]
        for _, _, operation in operations(document)
        for parameter in operation.get("parameters", [])
    }
    expected = {
        ("listCases", "status"): "Status",
        ("listCases", "sort"): "CaseSort",
        ("listAccounts", "role"): "Role",
        ("searchHouseholds", "status"): "Eligibility",
    }
    for key, enum_name in expected.items():
        schema = parameters[key]
        refs = [schema.get("$ref"), *(s.get("$ref") for s in schema.get("anyOf", []))]
        assert f"#/components/schemas/{enum_name}" in refs, key
    fixed = {"status", "role", "sort", "format", "kind", "outcome", "channel", "target"}
    free = [
        key
        for key, schema in parameters.items()
        if key[1] in fixed and "enum" not in schema and key not in expected
    ]
    assert free == []


def test_the_web_pages_stay_out_of_the_document(document: Document) -> None:
    outside = [p for p in document["paths"] if not p.startswith("/api/v1/")]
    assert set(outside) == OPERATIONS_ROUTES


def test_the_paths_are_listed_by_resource_though_the_busiest_are_matched_first(
    document: Document,
) -> None:
    # Mounted in another order than the document's (else this test would check nothing).
    assert api.ROUTERS[0] not in api.MATCHED_FIRST
    in_order = [getattr(r, "path", "") for module in api.ROUTERS for r in module.router.routes]
    assert list(document["paths"]) == list(dict.fromkeys(in_order))
    assert list(document["paths"])[:3] == ["/healthz", "/readyz", "/metrics"]
