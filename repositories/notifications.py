"""In-app notifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import Notification
from repositories.pagination import keyset, page


async def for_user(
    session: AsyncSession, user_id: uuid.UUID, *, unread_only: bool, cursor: str | None, limit: int
) -> tuple[list[Notification], str | None]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = keyset(stmt, Notification.created_at, Notification.id, True, cursor, limit)
    rows = list((await session.scalars(stmt)).all())
    return page(rows, limit, lambda r: r.created_at, lambda r: r.id)


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return int(await session.scalar(stmt) or 0)


async def mark_read(
    session: AsyncSession, user_id: uuid.UUID, ids: list[uuid.UUID] | None, now: datetime
) -> int:
    """Mark the user's notifications read (the given ones, or all); returns how many changed."""
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
