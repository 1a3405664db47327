"""Approval flows and their versions."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import ApprovalFlow, ApprovalFlowVersion, Role, SalesZone


async def flows(session: AsyncSession, kind: str | None, active: bool | None) -> list[ApprovalFlow]:
    stmt = select(ApprovalFlow).order_by(ApprovalFlow.kind, ApprovalFlow.priority.desc(), ApprovalFlow.name)
    if kind:
        stmt = stmt.where(ApprovalFlow.kind == kind)
    if active is not None:
        stmt = stmt.where(ApprovalFlow.is_active.is_(active))
    return list((await session.scalars(stmt)).all())


async def get(session: AsyncSession, flow_id: uuid.UUID) -> ApprovalFlow | None:
    return await session.get(ApprovalFlow, flow_id)


async def by_name(session: AsyncSession, name: str) -> ApprovalFlow | None:
    return await session.scalar(select(ApprovalFlow).where(ApprovalFlow.name == name))


async def version(session: AsyncSession, flow_id: uuid.UUID, number: int) -> ApprovalFlowVersion | None:
    return await session.scalar(
        select(ApprovalFlowVersion).where(
            ApprovalFlowVersion.flow_id == flow_id, ApprovalFlowVersion.number == number
        )
    )


async def versions(session: AsyncSession, flow_id: uuid.UUID) -> list[ApprovalFlowVersion]:
    stmt = (
        select(ApprovalFlowVersion)
        .where(ApprovalFlowVersion.flow_id == flow_id)
        .order_by(ApprovalFlowVersion.number.desc())
    )
    return list((await session.scalars(stmt)).all())


async def active_with_versions(
    session: AsyncSession, kind: str
) -> list[tuple[ApprovalFlow, ApprovalFlowVersion]]:
    """The active flows of a kind, each with its current version (one statement)."""
    stmt = (
        select(ApprovalFlow, ApprovalFlowVersion)
        .join(
            ApprovalFlowVersion,
            and_(
                ApprovalFlowVersion.flow_id == ApprovalFlow.id,
                ApprovalFlowVersion.number == ApprovalFlow.current_version,
            ),
        )
        .where(ApprovalFlow.kind == kind, ApprovalFlow.is_active.is_(True))
    )
    return [(f, v) for f, v in (await session.execute(stmt)).all()]


async def current_versions(
    session: AsyncSession, flow_ids: list[uuid.UUID]
) -> dict[uuid.UUID, ApprovalFlowVersion]:
    """Each flow's current version (one statement)."""
    if not flow_ids:
        return {}
    stmt = (
        select(ApprovalFlowVersion)
        .join(
            ApprovalFlow,
            and_(
                ApprovalFlowVersion.flow_id == ApprovalFlow.id,
                ApprovalFlowVersion.number == ApprovalFlow.current_version,
            ),
        )
        .where(ApprovalFlow.id.in_(flow_ids))
    )
    return {v.flow_id: v for v in (await session.scalars(stmt)).all()}


async def role_names(session: AsyncSession) -> set[str]:
    return set((await session.scalars(select(Role.name))).all())


async def zone_ids(session: AsyncSession) -> set[uuid.UUID]:
    return set((await session.scalars(select(SalesZone.id))).all())
