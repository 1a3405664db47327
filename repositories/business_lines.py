"""Business lines (业务线) and their stages: the reads every pipeline feature shares. Admin writes
(services/business_lines.py) change rows through the ORM."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.opportunities import ExitCriteria, Stage, StageKind
from repositories.models import BusinessLine, PipelineStage


def to_stage(row: PipelineStage) -> Stage:
    return Stage(
        id=row.id,
        code=row.code,
        name=row.name,
        position=row.position,
        kind=StageKind(row.kind),
        win_rate=Decimal(row.win_rate),
        forecast_category=row.forecast_category,
        criteria=ExitCriteria.parse(row.exit_criteria),
        protects_customer=row.protects_customer,
        is_active=row.is_active,
    )


async def get(session: AsyncSession, line_id: uuid.UUID) -> BusinessLine | None:
    return await session.get(BusinessLine, line_id)


async def default_line(session: AsyncSession) -> BusinessLine | None:
    return await session.scalar(
        select(BusinessLine)
        .where(BusinessLine.is_active)
        .order_by(BusinessLine.is_default.desc(), BusinessLine.position, BusinessLine.name)
        .limit(1)
    )


async def all_lines(session: AsyncSession, active_only: bool = False) -> list[BusinessLine]:
    stmt = select(BusinessLine).order_by(BusinessLine.position, BusinessLine.name)
    if active_only:
        stmt = stmt.where(BusinessLine.is_active)
    return list(await session.scalars(stmt))


async def stage_rows(session: AsyncSession, line_ids: list[uuid.UUID] | None = None) -> list[PipelineStage]:
    stmt = select(PipelineStage).order_by(PipelineStage.business_line_id, PipelineStage.position)
    if line_ids is not None:
        stmt = stmt.where(PipelineStage.business_line_id.in_(line_ids))
    return list(await session.scalars(stmt))


async def stages(session: AsyncSession, line_id: uuid.UUID) -> list[Stage]:
    """The line's stages in order (inactive ones included: opportunities may still sit there)."""
    return [to_stage(r) for r in await stage_rows(session, [line_id])]
