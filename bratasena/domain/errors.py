"""The domain's error kinds: every refusal names the field or rule that was broken."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the business model raises on purpose.

    ``rule`` is a short stable name of the broken rule (for machines and logs), ``field`` the input
    that broke it when there is one, and the message says in plain words what to do.
    """

    rule = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if rule is not None:
            self.rule = rule


class NotFoundError(DomainError):
    """The thing asked for does not exist (HTTP 404)."""

    rule = "not_found"


class ConflictError(DomainError):
    """The caller acted on a version that is no longer current (HTTP 409)."""

    rule = "stale_version"

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class RuleViolationError(DomainError):
    """A business rule forbids the command in this state or with this input (HTTP 422)."""

    rule = "rule_violated"


class InvalidInputError(RuleViolationError):
    """A value is malformed or unknown: a bad NIK, an unknown village, an empty reason."""

    rule = "invalid_input"


class OutOfOrderError(RuleViolationError):
    """A lifecycle step was attempted before the steps it depends on."""

    rule = "out_of_order"


class FinalStateError(RuleViolationError):
    """Nothing may happen to a case after it reached a final state."""

    rule = "final_state"


class FourEyesError(RuleViolationError):
    """The supervisor who decides must not be the officer who investigated."""

    rule = "four_eyes"


class NotHeardError(RuleViolationError):
    """No uphold before the household's response is recorded or its deadline has passed."""

    rule = "household_not_heard"


class ReasonRequiredError(RuleViolationError):
    """Rejections, withdrawals and appeal decisions must say why."""

    rule = "reason_required"


class ObjectionWindowError(RuleViolationError):
    """An appeal is only accepted within the objection window (21 working days)."""

    rule = "objection_window_closed"


class NotAllowedError(DomainError):
    """The acting account may not do this (HTTP 403)."""

    rule = "not_allowed"
