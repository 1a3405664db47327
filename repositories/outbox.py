"""Outbox events: the insert that rides on the business transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import OutboxEvent


def add(
    session: AsyncSession,
    *,
    event_type: str,
    data: dict[str, Any],
    entity: str | None,
    entity_id: str | None,
    actor_id: uuid.UUID | None,
) -> None:
    session.add(
        OutboxEvent(
            id=uuid.uuid4(), type=event_type, data=data, entity=entity, entity_id=entity_id, actor_id=actor_id
        )
    )
