"""Assignment rules, zone coverage, and the load/availability facts routing needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.lead_routing import OPEN_STATUSES
from repositories.models import AssignmentRule, Lead, SalesZone, Team, User


@dataclass(frozen=True, slots=True)
class Candidate:
    id: uuid.UUID
    is_active: bool
    on_leave: bool
    team_id: uuid.UUID | None


async def rules(session: AsyncSession, *, active_only: bool = False) -> list[AssignmentRule]:
    stmt = select(AssignmentRule).order_by(AssignmentRule.position, AssignmentRule.created_at)
    if active_only:
        stmt = stmt.where(AssignmentRule.is_active)
    return list((await session.scalars(stmt)).all())


async def any_rule(session: AsyncSession) -> bool:
    return (await session.scalar(select(AssignmentRule.id).limit(1))) is not None


async def get_rule(session: AsyncSession, rule_id: uuid.UUID) -> AssignmentRule | None:
    return await session.get(AssignmentRule, rule_id)


async def next_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(AssignmentRule.position), -1) + 1)) or 0)


async def delete_rule(session: AsyncSession, rule: AssignmentRule) -> None:
    await session.delete(rule)
    await session.flush()


@dataclass(frozen=True, slots=True)
class ZoneCoverage:
    id: uuid.UUID
    province_codes: frozenset[str]
    city_codes: frozenset[str]


async def zone_coverage(session: AsyncSession) -> list[ZoneCoverage]:
    """Every sales zone's provinces and cities (a few dozen rows), in a stable order."""
    rows = await session.execute(
        select(SalesZone.id, SalesZone.province_codes, SalesZone.city_codes).order_by(
            SalesZone.created_at, SalesZone.id
        )
    )
    return [ZoneCoverage(r[0], frozenset(r[1] or ()), frozenset(r[2] or ())) for r in rows]


async def team_members(session: AsyncSession, team_id: uuid.UUID) -> list[Candidate]:
    """The team's members in a stable order (by id), so round robin turns are reproducible."""
    rows = await session.execute(
        select(User.id, User.is_active, User.on_leave, User.team_id)
        .where(User.team_id == team_id)
        .order_by(User.id)
    )
    return [Candidate(r.id, r.is_active, r.on_leave, r.team_id) for r in rows]


async def open_lead_counts(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Open leads (new, contacted, qualified) per owner, in one grouped query."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.owner_id.in_(user_ids), Lead.status.in_(OPEN_STATUSES))
        .group_by(Lead.owner_id)
    )
    return {owner: int(n) for owner, n in rows if owner is not None}


async def team(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    return await session.get(Team, team_id)


async def zone(session: AsyncSession, zone_id: uuid.UUID) -> SalesZone | None:
    return await session.get(SalesZone, zone_id)


async def existing_users(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set((await session.scalars(select(User.id).where(User.id.in_(ids)))).all())
