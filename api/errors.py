"""RFC 9457 problem+json for every error the API returns."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from domain import errors as e

PROBLEM = "application/problem+json"
TYPE_BASE = "https://l2c-crm.dev/problems/"

_STATUS: list[tuple[type[e.DomainError], int]] = [
    (e.NotFound, 404),
    (e.FieldError, 422),
    (e.DuplicateRecord, 409),
    (e.Conflict, 409),
    (e.StaleVersion, 412),
    (e.PermissionDenied, 403),
    (e.AuthenticationFailed, 401),
    (e.TooManyAttempts, 429),
    (e.RuleViolation, 422),
]


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    type_: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (type_ or str(status)),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field (not allowed)"
    if kind == "missing":
        return "field required"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


async def _validation_handler(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"field": _field_path(tuple(err.get("loc", ()))), "message": _message(err)} for err in exc.errors()
    ]
    json_invalid = any(err.get("type") == "json_invalid" for err in exc.errors())
    if json_invalid:
        return problem(
            400, "Malformed JSON body", "The request body is not valid JSON", "bad-request", errors=errors
        )
    detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors[:5])
    return problem(422, "Invalid input", detail, "validation-error", errors=errors)


async def _domain_handler(request: Request, exc: e.DomainError) -> Response:
    status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 400)
    extra: dict[str, Any] = {}
    headers = None
    if isinstance(exc, e.FieldError):
        extra["errors"] = exc.errors
    if isinstance(exc, e.DuplicateRecord):
        extra["errors"] = [{"field": exc.field, "message": exc.detail}]
        if exc.existing_id:
            extra["existing_id"] = str(exc.existing_id)
    elif exc.extra:
        extra.update(exc.extra)
    if isinstance(exc, e.TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, e.AuthenticationFailed):
        headers = {"WWW-Authenticate": "Bearer"}
    return problem(status, exc.title, exc.detail, exc.code, headers=headers, **extra)


async def _http_handler(request: Request, exc: StarletteHTTPException) -> Response:
    titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
    return problem(
        exc.status_code,
        titles.get(exc.status_code, "Error"),
        str(exc.detail) if exc.detail else None,
        headers=getattr(exc, "headers", None),
    )


async def _stale_handler(request: Request, exc: StaleDataError) -> Response:
    return problem(412, "The record was changed by someone else", "Reload and try again", "stale-version")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)  # type: ignore[arg-type]
    app.add_exception_handler(e.DomainError, _domain_handler)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_handler)  # type: ignore[arg-type]
    app.add_exception_handler(StaleDataError, _stale_handler)  # type: ignore[arg-type]
