"""Opportunities: who sees which (the owner's management scope plus the opportunity team), the
list and the kanban, and the facts the stage rules and the detail page read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, any_, exists, false, func, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.scope import DataScope, ScopeLevel
from repositories.models import (
    BusinessLine,
    Competitor,
    Customer,
    FollowUp,
    Opportunity,
    OpportunityAssignment,
    OpportunityContact,
    OpportunityDocument,
    OpportunityMember,
    OpportunityStageChange,
    PipelineStage,
    Team,
    User,
)
from repositories.pagination import keyset, page
from repositories.scope import visible_to


def member_of(user_id: uuid.UUID, opportunity_col: Any = Opportunity.id) -> ColumnElement[bool]:
    return exists(
        select(OpportunityMember.opportunity_id).where(
            OpportunityMember.opportunity_id == opportunity_col, OpportunityMember.user_id == user_id
        )
    )


def visible(scope: DataScope) -> ColumnElement[bool]:
    """The owner's management scope (own / team / zone / all) or the opportunity team (seed 002:
    跨部门商机团队 — a member sees the opportunity whatever their scope)."""
    if scope.level is ScopeLevel.ALL:
        return true()
    if scope.level is ScopeLevel.NONE or scope.user_id is None:
        return false()
    return or_(visible_to(scope, Opportunity.owner_id, Opportunity.zone_id), member_of(scope.user_id))


def visible_indexed(scope: DataScope) -> ColumnElement[bool]:
    """visible(), written so that each arm can use an index and be estimated: the team arm is
    `id = ANY(ARRAY(SELECT opportunity_id … WHERE user_id = me))` (one InitPlan, then the primary
    key) instead of a correlated EXISTS, which PostgreSQL can only apply as a filter over every
    candidate row (estimated at half of them). Same rows as visible(); the kanban uses it."""
    if scope.level is ScopeLevel.ALL:
        return true()
    if scope.level is ScopeLevel.NONE or scope.user_id is None:
        return false()
    teams = select(OpportunityMember.opportunity_id).where(OpportunityMember.user_id == scope.user_id)
    return or_(
        visible_to(scope, Opportunity.owner_id, Opportunity.zone_id),
        Opportunity.id == any_(func.array(teams.scalar_subquery())),
    )


async def get_visible(
    session: AsyncSession, opportunity_id: uuid.UUID, scope: DataScope, *, lock: bool = False
) -> Opportunity | None:
    stmt = select(Opportunity).where(Opportunity.id == opportunity_id, visible(scope))
    if lock:
        stmt = stmt.with_for_update(of=Opportunity)
    return await session.scalar(stmt)


async def is_member(session: AsyncSession, opportunity_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    OpportunityMember.opportunity_id == opportunity_id, OpportunityMember.user_id == user_id
                )
            )
        )
    )


async def open_for(
    session: AsyncSession, customer_id: uuid.UUID, product: str | None, exclude: uuid.UUID | None = None
) -> Opportunity | None:
    """An open opportunity of the customer for the same product (registration conflicts); with
    no product, any open one of the customer."""
    stmt = select(Opportunity).where(Opportunity.customer_id == customer_id, Opportunity.status == "open")
    if product:
        stmt = stmt.where(func.lower(Opportunity.product) == product.strip().lower())
    if exclude is not None:
        stmt = stmt.where(Opportunity.id != exclude)
    return await session.scalar(stmt.order_by(Opportunity.created_at).limit(1))


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    business_line_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    status: str | None = None
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    zone_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    grade: str | None = None
    source: str | None = None
    q: str | None = None
    close_from: date | None = None
    close_to: date | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    amount_min: Any = None
    amount_max: Any = None
    queue: bool | None = None  # only the zone leader's queue
    conflict: bool | None = None  # only registrations flagged as conflicts
    mine: bool = False  # owned by me or on my team
    open_or_closed_since: datetime | None = None  # the kanban: open ones, and this month's closes


_SORTS = {
    "updated_at": (Opportunity.updated_at, False),
    "created_at": (Opportunity.created_at, False),
    "amount": (Opportunity.amount, False),
    "expected_close_date": (Opportunity.expected_close_date, True),
    "name": (Opportunity.name, False),
}


def filtered(
    scope: DataScope, f: Filters, me: uuid.UUID, visibility: ColumnElement[bool] | None = None
) -> Select[Any]:
    stmt = select(Opportunity).where(visible(scope) if visibility is None else visibility)
    if f.business_line_id:
        stmt = stmt.where(Opportunity.business_line_id == f.business_line_id)
    if f.stage_id:
        stmt = stmt.where(Opportunity.stage_id == f.stage_id)
    if f.status:
        stmt = stmt.where(Opportunity.status == f.status)
    if f.owner_id:
        stmt = stmt.where(Opportunity.owner_id == f.owner_id)
    if f.team_id:
        stmt = stmt.where(Opportunity.team_id == f.team_id)
    if f.zone_id:
        stmt = stmt.where(Opportunity.zone_id == f.zone_id)
    if f.customer_id:
        stmt = stmt.where(Opportunity.customer_id == f.customer_id)
    if f.grade:
        stmt = stmt.where(Opportunity.grade == f.grade)
    if f.source:
        stmt = stmt.where(Opportunity.source == f.source)
    if f.close_from:
        stmt = stmt.where(Opportunity.expected_close_date >= f.close_from)
    if f.close_to:
        stmt = stmt.where(Opportunity.expected_close_date <= f.close_to)
    if f.created_from:
        stmt = stmt.where(Opportunity.created_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(Opportunity.created_at < f.created_to)
    if f.amount_min is not None:
        stmt = stmt.where(Opportunity.amount >= f.amount_min)
    if f.amount_max is not None:
        stmt = stmt.where(Opportunity.amount <= f.amount_max)
    if f.queue:
        stmt = stmt.where(Opportunity.queue.is_not(None))
    if f.conflict:
        stmt = stmt.where(Opportunity.conflict_with_id.is_not(None), Opportunity.conflict_status == "open")
    if f.open_or_closed_since is not None:
        stmt = stmt.where(or_(Opportunity.status == "open", Opportunity.closed_at >= f.open_or_closed_since))
    if f.mine:
        stmt = stmt.where(or_(Opportunity.owner_id == me, member_of(me)))
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Opportunity.name.ilike(pattern),
                Opportunity.customer_id.in_(
                    select(Customer.id).where(Customer.name.ilike(pattern)).limit(500)
                ),
            )
        )
    return stmt


async def list_page(
    session: AsyncSession,
    scope: DataScope,
    f: Filters,
    me: uuid.UUID,
    sort: str,
    descending: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[Opportunity], str | None]:
    col, nullable = _SORTS[sort]
    stmt = keyset(filtered(scope, f, me), col, Opportunity.id, descending, cursor, limit, nullable)
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda o: getattr(o, sort), lambda o: o.id)


async def board(
    session: AsyncSession, scope: DataScope, f: Filters, me: uuid.UUID, per_stage: int
) -> tuple[list[Opportunity], dict[uuid.UUID, tuple[int, Any]]]:
    """The kanban: the newest `per_stage` cards of each stage, and each stage's count and amount.
    One pass over the scoped, filtered rows (windows: every stage with a row has its first card,
    which carries the stage's totals) picks the cards; a second statement loads them by primary
    key (joined in the first, the planner — which cannot estimate the window's filter — would
    hash-join the whole table). Visibility through visible_indexed(): a rep's board reads their
    own rows and their team's by index, not every open row of the line."""
    base = filtered(scope, f, me, visible_indexed(scope)).subquery()
    stage = base.c.stage_id
    ranked = select(
        base.c.id,
        base.c.stage_id,
        func.row_number().over(partition_by=stage, order_by=(base.c.updated_at.desc(), base.c.id)).label("n"),
        func.count().over(partition_by=stage).label("stage_count"),
        func.coalesce(func.sum(base.c.amount).over(partition_by=stage), 0).label("stage_amount"),
    ).subquery()
    picked = (
        await session.execute(
            select(ranked.c.id, ranked.c.stage_id, ranked.c.stage_count, ranked.c.stage_amount).where(
                ranked.c.n <= per_stage
            )
        )
    ).all()
    totals = {stage_id: (int(count), amount) for _, stage_id, count, amount in picked}
    if not picked:
        return [], totals
    cards = list(
        await session.scalars(
            select(Opportunity)
            .where(Opportunity.id.in_([row[0] for row in picked]))
            .order_by(Opportunity.updated_at.desc(), Opportunity.id)
        )
    )
    return cards, totals


# --- what the pages and the rules read -------------------------------------------------------


async def names(
    session: AsyncSession, opportunities: Sequence[Opportunity]
) -> dict[str, dict[uuid.UUID, str]]:
    """Customer and user names for a page of opportunities, in two statements."""
    customers = {o.customer_id for o in opportunities}
    users = {u for o in opportunities for u in (o.owner_id,) if u}
    out: dict[str, dict[uuid.UUID, str]] = {"customer": {}, "user": {}}
    if customers:
        out["customer"] = dict(
            (
                await session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(customers)))
            ).all()
        )
    out["user"] = await user_names(session, users)
    return out


async def chain_roles(session: AsyncSession, opportunity_id: uuid.UUID) -> list[str | None]:
    return list(
        await session.scalars(
            select(OpportunityContact.role).where(OpportunityContact.opportunity_id == opportunity_id)
        )
    )


async def document_kinds(session: AsyncSession, opportunity_id: uuid.UUID) -> frozenset[str]:
    return frozenset(
        await session.scalars(
            select(OpportunityDocument.kind)
            .where(OpportunityDocument.opportunity_id == opportunity_id)
            .distinct()
        )
    )


async def stage_history(session: AsyncSession, opportunity_id: uuid.UUID) -> list[OpportunityStageChange]:
    return list(
        await session.scalars(
            select(OpportunityStageChange)
            .where(OpportunityStageChange.opportunity_id == opportunity_id)
            .order_by(OpportunityStageChange.id)
        )
    )


async def assignments(session: AsyncSession, opportunity_id: uuid.UUID) -> list[OpportunityAssignment]:
    return list(
        await session.scalars(
            select(OpportunityAssignment)
            .where(OpportunityAssignment.opportunity_id == opportunity_id)
            .order_by(OpportunityAssignment.id)
        )
    )


async def stage(session: AsyncSession, stage_id: uuid.UUID) -> PipelineStage | None:
    return await session.get(PipelineStage, stage_id)


async def touch(session: AsyncSession, opportunity_id: uuid.UUID) -> None:
    """A change under the opportunity (a member, a document…) moves it up the lists."""
    await session.execute(
        update(Opportunity)
        .where(Opportunity.id == opportunity_id)
        .values(updated_at=func.now())
        .execution_options(synchronize_session=False)
    )


async def follow_ups(
    session: AsyncSession, opportunity_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[FollowUp], str | None]:
    stmt = keyset(
        select(FollowUp).where(FollowUp.opportunity_id == opportunity_id),
        FollowUp.happened_at,
        FollowUp.id,
        True,
        cursor,
        limit,
    )
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda r: r.happened_at, lambda r: r.id)


async def user_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return dict(rows.all())


async def latest_special_request(session: AsyncSession, opportunity_id: uuid.UUID) -> uuid.UUID | None:
    from repositories.models import ApprovalRequest

    return await session.scalar(
        select(ApprovalRequest.id)
        .where(
            ApprovalRequest.subject_type == "opportunity",
            ApprovalRequest.subject_id == opportunity_id,
            ApprovalRequest.kind == "special_opportunity",
        )
        .order_by(ApprovalRequest.submitted_at.desc())
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class DetailNames:
    """What one opportunity's detail names, read in one statement."""

    line: Any  # the business line's name (zh / en)
    customer: str | None
    owner: str | None
    team: str | None
    lost_to: str | None
    conflict_with: str | None


async def detail_names(session: AsyncSession, opp: Opportunity) -> DetailNames:
    """The line, customer, owner, team, winning competitor and conflicting opportunity names of
    one opportunity: one round trip (a stage move answers with the detail)."""

    def name_of(column: Any, key: Any, value: uuid.UUID | None) -> Any:
        return select(column).where(key == value).scalar_subquery() if value else literal(None)

    Other = aliased(Opportunity)
    row = (
        await session.execute(
            select(
                name_of(BusinessLine.name, BusinessLine.id, opp.business_line_id),
                name_of(Customer.name, Customer.id, opp.customer_id),
                name_of(User.display_name, User.id, opp.owner_id),
                name_of(Team.name, Team.id, opp.team_id),
                name_of(Competitor.name, Competitor.id, opp.lost_to_id),
                name_of(Other.name, Other.id, opp.conflict_with_id),
            )
        )
    ).one()
    return DetailNames(*row)


async def named(session: AsyncSession, model: Any, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """id → name of rows of a model with a `name` column (teams, competitors, opportunities…)."""
    if not ids:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    return dict(rows.all())
