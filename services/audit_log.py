"""Reading the audit trail within the caller's scope."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound
from domain.scope import ScopeLevel
from repositories import audit as repo
from repositories import customers as customers_repo
from repositories.models import AuditEntry
from services.context import Actor

CUSTOMER_ENTITIES = {"customer", "contact", "follow_up", "customer_tag"}


class AuditLogService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def entries(
        self,
        *,
        entity: str | None,
        entity_id: str | None,
        customer_id: uuid.UUID | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[tuple[AuditEntry, str | None]], str | None]:
        """With scope `all`, everything. Otherwise: the history of a customer the caller may
        see (customer_id, or entity=customer&entity_id=…), else only what the caller's
        own scope of people did."""
        before_id = _decode(cursor)
        root: str | None = None
        actor_ids: frozenset[uuid.UUID] | None = None
        if entity == "customer" and entity_id and customer_id is None:
            try:
                customer_id = uuid.UUID(entity_id)
            except ValueError as exc:
                raise FieldError("entity_id", "must be a customer id") from exc
            entity = entity_id = None
        if customer_id is not None:
            read_scope = self.actor.scope_for("customer", "read")
            if self.actor.scope.level < ScopeLevel.ALL and not await customers_repo.is_visible(
                self.session, customer_id, read_scope
            ):
                raise NotFound("customer", customer_id)
            root = str(customer_id)
        elif self.actor.scope.level < ScopeLevel.ALL:
            actor_ids = (
                self.actor.scope.team_user_ids
                if self.actor.scope.level >= ScopeLevel.TEAM
                else frozenset({self.actor.user_id})
            )
        rows = await repo.list_entries(
            self.session,
            entity=entity,
            entity_id=entity_id,
            root_entity_id=root,
            actor_ids=actor_ids,
            before_id=before_id,
            limit=min(limit, 200) + 1,
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = str(rows[-1][0].id)
        return rows, next_cursor


def _decode(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise FieldError("cursor", "is not a cursor returned by this list")
    return int(cursor)


def present(entry: AuditEntry, actor_name: str | None) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": {"id": entry.actor_id, "display_name": actor_name or entry.actor_kind}
        if entry.actor_id
        else None,
        "actor_kind": entry.actor_kind,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "root_entity_id": entry.root_entity_id,
        "action": entry.action,
        "changes": entry.changes,
        "request_id": entry.request_id,
    }
