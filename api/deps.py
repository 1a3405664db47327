"""Dependencies named as types: the session, the caller, and the permission gate."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.context import AppContext
from domain.errors import AuthenticationFailed, FieldError, PermissionDenied
from repositories.audit import AuditActor, current_actor
from services.auth import note_api_key_use, sha256
from services.authz import Principal
from services.context import Actor


async def get_ctx(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


async def get_session(request: Request) -> AsyncSession:
    """The request's session, opened and committed by api.routing.TransactionalRoute."""
    return request.state.session  # type: ignore[no-any-return]


Ctx = Annotated[AppContext, Depends(get_ctx)]
Session = Annotated[AsyncSession, Depends(get_session)]


async def authenticate_optional(request: Request) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    ctx: AppContext = request.app.state.ctx
    await ctx.access.ensure_fresh()
    principal: Principal | None = None
    auth = request.headers.get("authorization", "")
    scheme, _, credential = auth.partition(" ")
    if scheme.lower() == "bearer" and credential:
        if credential.startswith("crm_"):
            principal = ctx.access.api_key_principal(sha256(credential))
        else:
            user_id = ctx.codec.user_id(credential)
            principal = ctx.access.user_principal(user_id) if user_id else None
        if principal is None:
            raise AuthenticationFailed("Invalid or expired credentials")
    elif api_key := request.headers.get("x-api-key"):
        principal = ctx.access.api_key_principal(sha256(api_key))
        if principal is None:
            raise AuthenticationFailed("Invalid API key")
    if principal is not None and principal.api_key_id is not None:
        await note_api_key_use(ctx.redis, ctx.sessions, principal.api_key_id)
    if principal is not None:
        request.state.principal = principal
        current_actor.set(
            AuditActor(principal.user_id, principal.kind, getattr(request.state, "request_id", None))
        )
    return principal


async def authenticate(request: Request) -> Principal:
    """The caller, or 401. (The bearer / X-API-Key schemes are declared in the OpenAPI document
    by api/openapi.py rather than as dependencies: each dependency costs time per request.)"""
    principal = await authenticate_optional(request)
    if principal is None:
        raise AuthenticationFailed("Not signed in")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


class Authorize:
    """Function-level gate: `Depends(Authorize("customer", "update"))` → the caller and their
    data scope for that action. A role without the rule gets 403; rows outside the scope are
    the repositories' business (404)."""

    def __init__(self, resource: str, action: str) -> None:
        self.resource = resource
        self.action = action

    async def __call__(self, request: Request) -> Actor:
        principal = await authenticate(request)
        ctx: AppContext = request.app.state.ctx
        scope = ctx.access.scope(principal, self.resource, self.action)
        if scope.sees_nothing:
            raise PermissionDenied(f"Your role may not {self.action} {self.resource}")
        return Actor(principal, scope, ctx.access)


async def if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """`If-Match: "7"` (or W/"7") → 7. Absent → None (no precondition)."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise FieldError("If-Match", 'must be the ETag of the record, e.g. "3"')
    return int(raw)


IfMatch = Annotated[int | None, Depends(if_match)]


def etag(version: int) -> str:
    return f'"{version}"'
