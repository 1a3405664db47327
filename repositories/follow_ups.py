"""Follow-up records (跟进记录)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.scope import DataScope
from repositories.models import Customer, FollowUp, User
from repositories.pagination import keyset, page
from repositories.scope import visible_to


async def timeline(
    session: AsyncSession, customer_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[tuple[FollowUp, str | None]], str | None]:
    """Newest first, with each author's display name."""
    stmt: Any = (
        select(FollowUp, User.display_name)
        .outerjoin(User, User.id == FollowUp.author_id)
        .where(FollowUp.customer_id == customer_id)
    )
    stmt = keyset(stmt, FollowUp.happened_at, FollowUp.id, True, cursor, limit)
    rows = [(r[0], r[1]) for r in (await session.execute(stmt)).all()]
    return page(rows, limit, lambda r: r[0].happened_at, lambda r: r[0].id)


async def get_visible(session: AsyncSession, follow_up_id: uuid.UUID, scope: DataScope) -> FollowUp | None:
    stmt = (
        select(FollowUp)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(FollowUp.id == follow_up_id, visible_to(scope, Customer.owner_id, Customer.zone_id))
    )
    return await session.scalar(stmt)
