"""Sales targets (销售目标): a month's amount for a rep, a team or a zone. Writes go through the
ORM (audited); the pipeline's target sums them here."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import BusinessLine, SalesTarget, SalesZone, Team, User


@dataclass(frozen=True, slots=True)
class Reach:
    """The targets a caller may see or set: everything, or these users, teams and zones."""

    all: bool = False
    users: frozenset[uuid.UUID] = frozenset()
    teams: frozenset[uuid.UUID] = frozenset()
    zones: frozenset[uuid.UUID] = frozenset()

    def has(self, scope_type: str, scope_id: uuid.UUID) -> bool:
        if self.all:
            return True
        return scope_id in {"user": self.users, "team": self.teams, "zone": self.zones}.get(
            scope_type, frozenset()
        )

    def __or__(self, other: Reach) -> Reach:
        return Reach(
            self.all or other.all,
            self.users | other.users,
            self.teams | other.teams,
            self.zones | other.zones,
        )


def reached(reach: Reach) -> ColumnElement[bool]:
    if reach.all:
        return true()
    clauses = [
        and_(SalesTarget.scope_type == kind, SalesTarget.scope_id.in_(sorted(ids)))
        for kind, ids in (("user", reach.users), ("team", reach.teams), ("zone", reach.zones))
        if ids
    ]
    return or_(*clauses) if clauses else false()


def _same_line(line_id: uuid.UUID | None) -> ColumnElement[bool]:
    return (
        SalesTarget.business_line_id.is_(None) if line_id is None else SalesTarget.business_line_id == line_id
    )


async def get(session: AsyncSession, target_id: uuid.UUID, *, lock: bool = False) -> SalesTarget | None:
    stmt = select(SalesTarget).where(SalesTarget.id == target_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def find(
    session: AsyncSession, scope_type: str, scope_id: uuid.UUID, month: date, line_id: uuid.UUID | None
) -> SalesTarget | None:
    """The target of one scope, month and line, row-locked for the upsert."""
    return await session.scalar(
        select(SalesTarget)
        .where(
            SalesTarget.scope_type == scope_type,
            SalesTarget.scope_id == scope_id,
            SalesTarget.month == month,
            _same_line(line_id),
        )
        .with_for_update()
    )


async def listed(
    session: AsyncSession,
    reach: Reach,
    month: date | None,
    scope_type: str | None,
    scope_id: uuid.UUID | None,
    line_id: uuid.UUID | None,
    limit: int = 5000,
) -> list[SalesTarget]:
    stmt = select(SalesTarget).where(reached(reach))
    if month is not None:
        stmt = stmt.where(SalesTarget.month == month)
    if scope_type is not None:
        stmt = stmt.where(SalesTarget.scope_type == scope_type)
    if scope_id is not None:
        stmt = stmt.where(SalesTarget.scope_id == scope_id)
    if line_id is not None:
        stmt = stmt.where(SalesTarget.business_line_id == line_id)
    stmt = stmt.order_by(SalesTarget.month, SalesTarget.scope_type, SalesTarget.scope_id).limit(limit)
    return list(await session.scalars(stmt))


async def total(
    session: AsyncSession,
    scope_type: str,
    scope_ids: Collection[uuid.UUID] | None,
    months: list[date],
    line_id: uuid.UUID,
    currency: str,
) -> Decimal | None:
    """The sum of the targets of these scopes (None: every scope of the type) over the months,
    for one business line: a scope's target for the line itself wins over its all-lines target
    (business_line_id NULL) of the same month. None when no target is set at all."""
    if scope_ids is not None and not scope_ids:
        return None
    one = (
        select(SalesTarget.amount)
        .where(
            SalesTarget.scope_type == scope_type,
            SalesTarget.month.in_(months),
            SalesTarget.currency == currency,
            or_(SalesTarget.business_line_id == line_id, SalesTarget.business_line_id.is_(None)),
        )
        .ext(distinct_on(SalesTarget.scope_id, SalesTarget.month))
        .order_by(SalesTarget.scope_id, SalesTarget.month, SalesTarget.business_line_id.nulls_last())
    )
    if scope_ids is not None:
        one = one.where(SalesTarget.scope_id.in_(sorted(scope_ids)))
    sub = one.subquery()
    row = (await session.execute(select(func.count(), func.sum(sub.c.amount)))).one()
    return Decimal(row[1]) if row[0] else None


async def scope_names(
    session: AsyncSession, users: Iterable[uuid.UUID], teams: Iterable[uuid.UUID], zones: Iterable[uuid.UUID]
) -> dict[tuple[str, uuid.UUID], str]:
    """Names of the users, teams and zones targets are set for, one statement each kind."""
    out: dict[tuple[str, uuid.UUID], str] = {}
    for kind, model, column, ids in (
        ("user", User, User.display_name, set(users)),
        ("team", Team, Team.name, set(teams)),
        ("zone", SalesZone, SalesZone.name, set(zones)),
    ):
        if ids:
            rows = await session.execute(select(model.id, column).where(model.id.in_(sorted(ids))))  # type: ignore[attr-defined]
            out.update({(kind, i): name for i, name in rows})
    return out


async def zone_exists(session: AsyncSession, zone_id: uuid.UUID) -> bool:
    return await session.scalar(select(SalesZone.id).where(SalesZone.id == zone_id)) is not None


async def line_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return set(await session.scalars(select(BusinessLine.id).where(BusinessLine.id.in_(wanted))))
