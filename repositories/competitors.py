"""Competitors (竞争对手): the known companies, one per normalised name, and the ones bidding on
each opportunity with their product, relationship and quote."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.scope import DataScope
from repositories.models import Competitor, Opportunity, OpportunityCompetitor
from repositories.opportunities import visible
from repositories.pagination import keyset, page

# a result row of any shape (the columns are named; read them as attributes)
ResultRow = Row[*tuple[Any, ...]]


async def insert_new(
    session: AsyncSession, name: str, key: str, website: str | None = None, notes: str | None = None
) -> Competitor | None:
    """The new competitor, or None when one with the same key exists (a concurrent insert
    included: the unique key decides, nobody gets an error)."""
    stmt = (
        insert(Competitor)
        .values(id=uuid.uuid4(), name=name, name_key=key, website=website, notes=notes)
        .on_conflict_do_nothing(index_elements=[Competitor.name_key])
        .returning(Competitor)
    )
    return await session.scalar(stmt, execution_options={"populate_existing": True})


async def by_key(session: AsyncSession, key: str) -> Competitor | None:
    return await session.scalar(select(Competitor).where(Competitor.name_key == key))


async def get(session: AsyncSession, competitor_id: uuid.UUID) -> Competitor | None:
    return await session.get(Competitor, competitor_id)


async def search(
    session: AsyncSession, scope: DataScope, q: str | None, key: str | None, cursor: str | None, limit: int
) -> tuple[list[ResultRow], str | None]:
    """Known competitors by name, each with how many open opportunities it bids on and how many
    it took from us — counted over the opportunities the caller sees."""
    open_count = (
        select(func.count())
        .select_from(OpportunityCompetitor)
        .join(Opportunity, Opportunity.id == OpportunityCompetitor.opportunity_id)
        .where(
            OpportunityCompetitor.competitor_id == Competitor.id,
            Opportunity.status == "open",
            visible(scope),
        )
        .scalar_subquery()
    )
    lost_to_count = (
        select(func.count())
        .select_from(Opportunity)
        .where(Opportunity.lost_to_id == Competitor.id, Opportunity.status == "lost", visible(scope))
        .scalar_subquery()
    )
    stmt = select(
        Competitor.id,
        Competitor.name,
        Competitor.website,
        Competitor.notes,
        Competitor.created_at,
        open_count.label("open_count"),
        lost_to_count.label("lost_to_count"),
    )
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses = [Competitor.name.ilike(pattern)]
        if key:
            escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(Competitor.name_key.like("%" + escaped + "%"))
        stmt = stmt.where(or_(*clauses))
    rows = list(
        (await session.execute(keyset(stmt, Competitor.name, Competitor.id, False, cursor, limit))).all()
    )
    return page(rows, limit, lambda r: r.name, lambda r: r.id)


# --- on an opportunity ---------------------------------------------------------------------------


async def entries(
    session: AsyncSession, opportunity_id: uuid.UUID, entry_id: uuid.UUID | None = None
) -> list[ResultRow]:
    stmt = (
        select(OpportunityCompetitor, Competitor.name)
        .join(Competitor, Competitor.id == OpportunityCompetitor.competitor_id)
        .where(OpportunityCompetitor.opportunity_id == opportunity_id)
        .order_by(OpportunityCompetitor.created_at, Competitor.name, OpportunityCompetitor.id)
        .execution_options(populate_existing=True)  # the stored values (2-place money), not what was set
    )
    if entry_id is not None:
        stmt = stmt.where(OpportunityCompetitor.id == entry_id)
    return list((await session.execute(stmt)).all())


async def entry(
    session: AsyncSession, opportunity_id: uuid.UUID, entry_id: uuid.UUID
) -> OpportunityCompetitor | None:
    return await session.scalar(
        select(OpportunityCompetitor).where(
            OpportunityCompetitor.id == entry_id, OpportunityCompetitor.opportunity_id == opportunity_id
        )
    )


async def listed(session: AsyncSession, opportunity_id: uuid.UUID, competitor_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    OpportunityCompetitor.opportunity_id == opportunity_id,
                    OpportunityCompetitor.competitor_id == competitor_id,
                )
            )
        )
    )
