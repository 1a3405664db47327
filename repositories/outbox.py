"""Outbox events: the insert that rides on the business transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import OutboxEvent, table


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


async def add_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        await session.execute(insert(table(OutboxEvent)), rows[start : start + 5000])
