"""Typed domain errors. api/errors.py maps each family to an HTTP status and an RFC 9457 body."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class. `code` is a stable machine-readable slug used as the problem `type`."""

    code = "domain-error"
    title = "Request could not be processed"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"

    def __init__(self, entity: str, entity_id: object | None = None) -> None:
        super().__init__(f"{entity} not found" if entity_id is None else f"{entity} {entity_id} not found")
        self.entity = entity


class FieldError(DomainError):
    """Input that parses but breaks a rule of a named field (422 with `errors`)."""

    code = "validation-error"
    title = "Invalid input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.errors = [{"field": field, "message": message}]


class FieldErrors(FieldError):
    """Several fields at once (e.g. the leads of a batch), each named in `errors`."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        DomainError.__init__(self, "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]))
        self.errors = errors


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class DuplicateRecord(Conflict):
    """A unique business key (USCC, mobile, username…) is already taken."""

    code = "duplicate"
    title = "Duplicate record"

    def __init__(self, field: str, message: str, existing_id: object | None = None) -> None:
        super().__init__(message, field=field, existing_id=str(existing_id) if existing_id else None)
        self.field = field
        self.existing_id = existing_id


class StaleVersion(DomainError):
    code = "stale-version"
    title = "The record was changed by someone else"


def check_version(current: int, expected: int | None) -> None:
    """If-Match: a stale version (someone saved in between) refuses the write (412)."""
    if expected is not None and expected != current:
        raise StaleVersion(f"the record is at version {current}, you sent {expected}; reload and try again")


class PermissionDenied(DomainError):
    code = "forbidden"
    title = "Forbidden"


class AuthenticationFailed(DomainError):
    code = "unauthorized"
    title = "Authentication failed"


class TooManyAttempts(DomainError):
    code = "too-many-attempts"
    title = "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many attempts, try again in {retry_after} seconds")
        self.retry_after = retry_after


class RuleViolation(DomainError):
    """A business rule refuses the action (e.g. deleting a team that still has members)."""

    code = "rule-violation"
    title = "Not allowed by a business rule"


class StageCriteriaNotMet(RuleViolation):
    """Leaving a stage whose exit criteria are unmet (422): `missing` lists each unmet criterion
    (stage, kind, item, message) and `errors` names them as fields for generic forms."""

    code = "stage-criteria-not-met"
    title = "The stage's exit criteria are not met"

    def __init__(self, stage_name: str, missing: list[dict[str, str]]) -> None:
        super().__init__(
            f"before leaving {stage_name}: " + "; ".join(m["message"] for m in missing),
            missing=missing,
            errors=[{"field": f"exit_criteria.{m['kind']}", "message": m["message"]} for m in missing],
        )
