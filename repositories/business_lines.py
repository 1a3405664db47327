"""Business lines (业务线) and their stages: the reads every pipeline feature shares. Admin writes
(services/business_lines.py) change rows through the ORM."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from domain.opportunities import ExitCriteria, Stage, StageKind
from repositories.models import BusinessLine, Opportunity, OpportunityStageChange, PipelineStage, SalesTarget


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


# --- admin writes (services/business_lines.py) ------------------------------------------------


async def get_for_update(session: AsyncSession, line_id: uuid.UUID) -> BusinessLine | None:
    """The line, row-locked: stage edits and default switches on one line run one at a time."""
    return await session.get(BusinessLine, line_id, with_for_update=True, populate_existing=True)


async def by_code_or_name(session: AsyncSession, code: str | None, name: str | None) -> list[BusinessLine]:
    conditions = []
    if code is not None:
        conditions.append(BusinessLine.code == code)
    if name is not None:
        conditions.append(BusinessLine.name == name)
    if not conditions:
        return []
    return list(await session.scalars(select(BusinessLine).where(or_(*conditions))))


async def defaults(session: AsyncSession) -> list[BusinessLine]:
    return list(await session.scalars(select(BusinessLine).where(BusinessLine.is_default)))


@dataclass(frozen=True, slots=True)
class StageCount:
    open: int = 0
    total: int = 0


async def stage_counts(session: AsyncSession, line_ids: list[uuid.UUID]) -> dict[uuid.UUID, StageCount]:
    """Opportunities sitting in each stage of the given lines (open ones, all), in one grouped
    query (the funnel index covers it)."""
    if not line_ids:
        return {}
    rows = await session.execute(
        select(
            Opportunity.stage_id,
            func.count().filter(Opportunity.status == "open"),
            func.count(),
        )
        .where(Opportunity.business_line_id.in_(line_ids))
        .group_by(Opportunity.stage_id)
    )
    return {stage_id: StageCount(int(n_open), int(n_all)) for stage_id, n_open, n_all in rows}


async def opportunity_count(session: AsyncSession, line_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).where(Opportunity.business_line_id == line_id)) or 0)


async def target_count(session: AsyncSession, line_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).where(SalesTarget.business_line_id == line_id)) or 0)


async def referenced_stages(session: AsyncSession, stage_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the stages an opportunity sits in or a stage change names (from or to)."""
    if not stage_ids:
        return set()
    sits = select(Opportunity.stage_id).where(Opportunity.stage_id.in_(stage_ids))
    left = select(OpportunityStageChange.from_stage_id).where(
        OpportunityStageChange.from_stage_id.in_(stage_ids)
    )
    went = select(OpportunityStageChange.to_stage_id).where(OpportunityStageChange.to_stage_id.in_(stage_ids))
    return {i for i in await session.scalars(union(sits, left, went)) if i is not None}


async def next_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(BusinessLine.position), -1) + 1)) or 0)
