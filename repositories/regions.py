from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import Region


async def children_of(session: AsyncSession, parent_code: str | None) -> list[Region]:
    stmt = select(Region).order_by(Region.code)
    stmt = stmt.where(
        Region.parent_code.is_(None) if parent_code is None else Region.parent_code == parent_code
    )
    return list((await session.scalars(stmt)).all())


async def by_codes(session: AsyncSession, codes: list[str]) -> dict[str, Region]:
    if not codes:
        return {}
    rows = await session.scalars(select(Region).where(Region.code.in_(codes)))
    return {r.code: r for r in rows}
