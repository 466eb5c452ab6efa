"""Every refusal the commands can raise has its own Indonesian message on the pages.

The rules are found by reading the source, not from a list kept by hand: each ``raise`` of a
`DomainError` kind in the domain and the application, with its ``rule=`` (or the kind's own rule)
and its ``field=``. A named rule needs its message in `labels.RULE_ERROR`; an error of the
generic kinds (invalid input, a broken rule) without a rule of its own needs a message for its
field in `labels.FIELD_ERROR`, so no refusal a form can meet shows the generic fallback.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from pathlib import Path

import pytest

import bratasena.domain.errors as errors_module
from bratasena.domain.errors import DomainError, InvalidInputError, RuleViolationError
from bratasena.web import labels

PACKAGE = Path(__file__).parents[2] / "bratasena"
SOURCES = [*sorted((PACKAGE / "domain").glob("*.py")), PACKAGE / "application.py"]

GENERIC = {InvalidInputError.rule, RuleViolationError.rule}
"""Rules that say only the kind of refusal: the field's message says what to do."""


def _error_kinds() -> dict[str, type[DomainError]]:
    kinds = {
        name: value
        for name, value in vars(errors_module).items()
        if inspect.isclass(value) and issubclass(value, DomainError)
    }
    from bratasena import letter_facts

    kinds["LetterheadNotConfiguredError"] = letter_facts.LetterheadNotConfiguredError
    return kinds


@dataclass(frozen=True)
class Raised:
    """One ``raise`` of a domain error in the source."""

    where: str
    rule: str
    field: str | None
    """The field named, a prefix ending in "." for f-string fields, or None."""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value  # f"findings.{code}" → "findings."
    return None


def raised_rules() -> list[Raised]:
    kinds = _error_kinds()
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            name = node.exc.func.id if isinstance(node.exc.func, ast.Name) else None
            if name not in kinds:
                continue
            keywords = {k.arg: k.value for k in node.exc.keywords}
            rule = _literal(keywords.get("rule")) or kinds[name].rule
            found.append(
                Raised(f"{path.name}:{node.lineno}", rule, _literal(keywords.get("field")))
            )
    return found


def test_the_source_is_read_and_finds_the_rules_of_this_issue() -> None:
    rules = {r.rule for r in raised_rules()}
    assert {"household_deactivated", "match_unconfirmed", "reason_too_short"} <= rules
    assert {"already_deactivated", "decision_not_delivered", "four_eyes"} <= rules


@pytest.mark.parametrize("raised", raised_rules(), ids=lambda r: f"{r.where}:{r.rule}")
def test_every_refusal_has_its_own_indonesian_message(raised: Raised) -> None:
    if raised.rule not in GENERIC:
        assert raised.rule in labels.RULE_ERROR, f"{raised.where}: no message for {raised.rule}"
        return
    assert raised.field is not None, f"{raised.where}: a generic refusal must name its field"
    if raised.field.endswith("."):
        assert any(key.startswith(raised.field) for key in labels.FIELD_PREFIX_ERROR), raised
    else:
        assert raised.field in labels.FIELD_ERROR, f"{raised.where}: no message for {raised}"


def test_a_known_rule_never_gets_the_generic_message() -> None:
    for raised in raised_rules():
        error = DomainError("x", field=raised.field, rule=raised.rule)
        assert labels.error_text(error) != labels.GENERIC_ERROR, raised
