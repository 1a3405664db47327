"""Users and their team history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import CasbinRule, Customer, Team, TeamMembership, User
from repositories.pagination import keyset, page


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.username) == username.lower()))


async def by_mobile(session: AsyncSession, mobile: str) -> User | None:
    return await session.scalar(select(User).where(User.mobile == mobile))


async def existing_ids(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set((await session.scalars(select(User.id).where(User.id.in_(ids)))).all())


async def search(
    session: AsyncSession,
    *,
    q: str | None,
    team_ids: list[uuid.UUID] | None,
    zone_id: uuid.UUID | None,
    role: str | None,
    is_active: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[User], str | None]:
    stmt: Select[Any] = select(User)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(User.username.ilike(like), User.display_name.ilike(like), User.mobile.ilike(like))
        )
    if team_ids is not None:
        stmt = stmt.where(User.team_id.in_(team_ids))
    if zone_id is not None:
        stmt = stmt.where(User.zone_ids.any(zone_id))  # type: ignore[arg-type]
    if role:
        holders = select(CasbinRule.v0).where(CasbinRule.ptype == "g", CasbinRule.v1 == role)
        stmt = stmt.where(func.cast(User.id, CasbinRule.v0.type).in_(holders))
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    stmt = keyset(stmt, User.username, User.id, False, cursor, limit)
    rows = list((await session.scalars(stmt)).all())
    return page(rows, limit, lambda u: u.username, lambda u: u.id)


async def open_membership(
    session: AsyncSession, user_id: uuid.UUID, team_id: uuid.UUID, reason: str | None, by: uuid.UUID | None
) -> None:
    session.add(TeamMembership(user_id=user_id, team_id=team_id, reason=reason, changed_by=by))


async def close_membership(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(TeamMembership)
        .where(TeamMembership.user_id == user_id, TeamMembership.ended_at.is_(None))
        .values(ended_at=at)
    )


async def memberships(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[TeamMembership, str]]:
    """The user's team history, newest first, with each team's name."""
    stmt = (
        select(TeamMembership, Team.name)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.user_id == user_id)
        .order_by(TeamMembership.started_at.desc(), TeamMembership.id.desc())
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def move_owned_customers_to_zone(
    session: AsyncSession, owner_id: uuid.UUID, zone_id: uuid.UUID
) -> list[uuid.UUID]:
    """Customers follow their owner into the new team's zone (nothing is orphaned)."""
    result = await session.execute(
        update(Customer)
        .where(Customer.owner_id == owner_id, Customer.zone_id.is_distinct_from(zone_id))
        .values(zone_id=zone_id, version=Customer.version + 1, updated_at=func.now())
        .returning(Customer.id)
    )
    return [r[0] for r in result]
