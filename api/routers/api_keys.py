"""API keys for integrations. `X-API-Key: <key>` or `Authorization: Bearer <key>` then acts
for the key's user with exactly the key's role."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Response, status
from pydantic import Field

from api.deps import Authorize, Ctx, Session
from api.routing import ResourceRouter
from api.schemas import Input, Output, Page, UserRef
from services.api_keys import ApiKeyService, KeyView
from services.context import Actor

router = ResourceRouter(tags=["api-keys"])


class ApiKeyCreate(Input):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=64, description="the key may do exactly what this role may")
    user_id: UUID | None = Field(None, description="the user the key acts for; default: you")


class ApiKeyOut(Output):
    id: UUID
    name: str
    prefix: str
    role: str
    user: UserRef
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the secret: shown only in this response")


async def _service(session: Session, ctx: Ctx) -> ApiKeyService:
    return ApiKeyService(session, ctx.access)


Keys = Annotated[ApiKeyService, Depends(_service)]


def _out(view: KeyView) -> ApiKeyOut:
    key, display_name = view
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        role=key.role,
        user=UserRef(id=key.user_id, display_name=display_name),
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


@router.get("/api-keys", operation_id="list_api_keys", response_model=Page[ApiKeyOut])
async def list_api_keys(
    keys: Keys,
    actor: Annotated[Actor, Depends(Authorize("api_key", "read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[ApiKeyOut]:
    """Newest first, revoked keys included. Never shows the key itself."""
    rows, next_cursor = await keys.search(actor, cursor, limit)
    return Page[ApiKeyOut](items=[_out(v) for v in rows], next_cursor=next_cursor)


@router.post(
    "/api-keys",
    operation_id="create_api_key",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
)
async def create_api_key(
    body: ApiKeyCreate,
    keys: Keys,
    actor: Annotated[Actor, Depends(Authorize("api_key", "create"))],
    response: Response,
) -> ApiKeyCreated:
    view, raw = await keys.create(actor, body.model_dump())
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**_out(view).model_dump(), key=raw)


@router.delete("/api-keys/{key_id}", operation_id="revoke_api_key", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: UUID, keys: Keys, actor: Annotated[Actor, Depends(Authorize("api_key", "delete"))]
) -> None:
    """Revokes the key at once (kept in the list with revoked_at)."""
    await keys.revoke(actor, key_id)
