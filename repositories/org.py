"""Departments, sales zones and teams."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import Department, SalesZone, Team


async def get_team(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    return await session.get(Team, team_id)


async def get_department(session: AsyncSession, department_id: uuid.UUID) -> Department | None:
    return await session.get(Department, department_id)


async def get_zone(session: AsyncSession, zone_id: uuid.UUID) -> SalesZone | None:
    return await session.get(SalesZone, zone_id)


async def existing_zone_ids(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set((await session.scalars(select(SalesZone.id).where(SalesZone.id.in_(ids)))).all())
