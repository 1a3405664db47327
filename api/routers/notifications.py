"""The caller's in-app notifications (通知)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query
from pydantic import Field

from api.deps import Session, authenticate
from api.routing import ResourceRouter
from api.schemas import Input, Output, Page
from services.authz import Principal
from services.notifications import NotificationService

router = ResourceRouter(tags=["notifications"])


class NotificationOut(Output):
    id: UUID
    kind: str = Field(description="lead_assigned, lead_duplicate, lead_recycled, lead_import…")
    title: str
    body: str | None
    entity: str | None
    entity_id: str | None
    read_at: datetime | None
    created_at: datetime


class UnreadOut(Output):
    unread: int


class MarkReadIn(Input):
    ids: list[UUID] | None = Field(None, max_length=500, description="these; all when left out")


class MarkedOut(Output):
    marked: int


@router.get("/notifications", operation_id="list_notifications", response_model=Page[NotificationOut])
async def list_notifications(
    session: Session,
    principal: Annotated[Principal, Depends(authenticate)],
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """Your notifications, newest first (everyone signed in has their own)."""
    rows, next_cursor = await NotificationService(session, principal.user_id).page(unread, cursor, limit)
    return {"items": rows, "next_cursor": next_cursor}


@router.get(
    "/notifications/unread-count", operation_id="count_unread_notifications", response_model=UnreadOut
)
async def unread_count(
    session: Session, principal: Annotated[Principal, Depends(authenticate)]
) -> dict[str, int]:
    return {"unread": await NotificationService(session, principal.user_id).unread()}


@router.post("/notifications/read", operation_id="mark_notifications_read", response_model=MarkedOut)
async def mark_read(
    body: MarkReadIn, session: Session, principal: Annotated[Principal, Depends(authenticate)]
) -> dict[str, int]:
    return {"marked": await NotificationService(session, principal.user_id).mark_read(body.ids)}
