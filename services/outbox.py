"""The outbox: business events written in the same transaction as the change they describe.

A rolled-back change never announces itself, and a committed one is never lost: the worker
(`drain_outbox`, services/deliveries.py) fans each event out to the webhook subscriptions that
want its type and marks it dispatched. After the commit the session's `outbox_kick` (set by
the API and the worker on their session factories) queues a drain right away; a cron sweep
catches whatever a lost Redis message or a dead worker left behind.

Event types are the catalogue in `domain/events.py`; data is small JSON (ids, names, the rule)
— receivers fetch the full record through the API if they need it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import EVENT_TYPES
from repositories import outbox as repo
from repositories.audit import jsonable
from repositories.db import after_commit

OUTBOX_KICK = "outbox_kick"  # session.info key: async () -> None, queues a drain


def emit(
    session: AsyncSession,
    event_type: str,
    data: dict[str, Any],
    *,
    entity: str | None = None,
    entity_id: object | None = None,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Write one event with the current transaction (JSON-safe `data`: ids become strings)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r} (add it to domain/events.py)")
    repo.add(
        session,
        event_type=event_type,
        data=jsonable(data),
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        actor_id=actor_id,
    )
    kick_after_commit(session)


async def emit_many(
    session: AsyncSession,
    event_type: str,
    items: list[tuple[object, dict[str, Any]]],
    *,
    entity: str,
    actor_id: uuid.UUID | None = None,
) -> None:
    """One event per (entity id, data), in one multi-row INSERT (allocations, transfers)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r} (add it to domain/events.py)")
    if not items:
        return
    await repo.add_many(
        session,
        [
            {
                "id": uuid.uuid4(),
                "type": event_type,
                "entity": entity,
                "entity_id": str(entity_id),
                "data": jsonable(data),
                "actor_id": actor_id,
            }
            for entity_id, data in items
        ],
    )
    kick_after_commit(session)


def kick_after_commit(session: AsyncSession) -> None:
    """Queue a drain once this transaction commits (once per transaction). Set-based writers
    that insert events or notifications in SQL call this themselves."""
    kick: Callable[[], Awaitable[None]] | None = session.info.get(OUTBOX_KICK)
    if kick is None or session.info.get("outbox_kick_armed"):
        return
    session.info["outbox_kick_armed"] = True

    async def fire() -> None:
        session.info.pop("outbox_kick_armed", None)
        await kick()

    after_commit(session, fire)
