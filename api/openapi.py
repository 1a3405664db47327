"""The OpenAPI document: every error response is documented as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details (media type application/problem+json)",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "problem type, stable per error kind"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "per-field errors (validation, duplicates)",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "description": "dotted path, e.g. contacts.0.mobile"},
                    "message": {"type": "string"},
                },
            },
        },
        "existing_id": {"type": "string", "description": "409 duplicate: the existing record, when visible"},
    },
}

_DESCRIPTIONS = {
    "400": "Malformed request (e.g. invalid JSON)",
    "401": "Not signed in, or the token / API key is invalid or expired",
    "403": "Your role may not do this",
    "404": "Not found, or outside your data scope",
    "409": "Conflict: a duplicate (USCC, mobile, name…) or a concurrent change",
    "412": "If-Match does not match the record's current ETag",
    "422": "Invalid input; `errors` names each field",
    "429": "Too many attempts; see Retry-After",
}
_PUBLIC = {
    "/api/v1/auth/token",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/public/forms/{form_key}/leads",
}


def _problem(code: str) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[code],
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM_SCHEMA
        schema["components"]["securitySchemes"] = {
            "OAuth2PasswordBearer": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
                "description": "Access token from POST /api/v1/auth/token (refresh at /api/v1/auth/refresh)",
            },
            "APIKeyHeader": {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "Integration key (also accepted as `Authorization: Bearer crm_…`)",
            },
        }
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                codes = ["400", "422"]
                if path not in _PUBLIC:
                    codes += ["401", "403"]
                if "{" in path:
                    codes.append("404")
                if method in ("post", "put", "patch"):
                    codes.append("409")
                if method in ("patch", "put", "delete"):
                    codes.append("412")
                if path in ("/api/v1/auth/token", "/api/v1/public/forms/{form_key}/leads"):
                    codes += ["401", "429"]
                if path not in _PUBLIC:
                    operation["security"] = [{"OAuth2PasswordBearer": []}, {"APIKeyHeader": []}]
                for code in sorted(set(codes)):
                    responses[code] = _problem(code)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
