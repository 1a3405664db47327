"""Admin-configurable rules (app_settings) and customer tiers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import AppSetting, CustomerTier


async def get(session: AsyncSession, key: str) -> AppSetting | None:
    return await session.get(AppSetting, key)


async def put(session: AsyncSession, key: str, value: dict[str, Any]) -> AppSetting:
    row = await session.get(AppSetting, key)
    if row is None:
        row = AppSetting(key=key, value=value)
        session.add(row)
    else:
        row.value = value
    await session.flush()
    return row


async def tiers(session: AsyncSession) -> list[CustomerTier]:
    return list((await session.scalars(select(CustomerTier).order_by(CustomerTier.sort_order))).all())


async def get_tier(session: AsyncSession, code: str) -> CustomerTier | None:
    return await session.get(CustomerTier, code)
