"""The audit trail: who changed what, when, field by field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Output, Page, UserRef
from services.audit_log import AuditLogService, present
from services.context import Actor

router = ResourceRouter(tags=["audit"])


class AuditEntryOut(Output):
    id: int
    at: datetime
    actor: UserRef | None
    actor_kind: str
    entity: str
    entity_id: str
    root_entity_id: str | None
    action: str
    changes: dict[str, Any]
    request_id: str | None


@router.get("/audit-log", operation_id="list_audit_log", response_model=Page[AuditEntryOut])
async def list_audit_log(
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("audit_log", "read"))],
    entity: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    customer_id: Annotated[
        UUID | None, Query(description="a customer's whole history: itself, contacts, follow-ups, tags")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[AuditEntryOut]:
    rows, next_cursor = await AuditLogService(session, actor).entries(
        entity=entity, entity_id=entity_id, customer_id=customer_id, cursor=cursor, limit=limit
    )
    return Page[AuditEntryOut](
        items=[AuditEntryOut.model_validate(present(e, n)) for e, n in rows], next_cursor=next_cursor
    )
