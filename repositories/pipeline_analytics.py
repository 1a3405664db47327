"""The pipeline board's statements (商机漏斗 / 加权 / 存量增量 / 输单): a handful of grouped,
set-based queries over one business line in the caller's scope, and the drill-down that lists
the very rows each number counted.

Every statement shares one slice: the line, the currency, the caller's visibility and the
owner / team / zone filters. Visibility is repositories.opportunities.visible_indexed (the same
rows as visible(): the owner's management scope or the opportunity team, seed 002, with the
team arm as `id = ANY(ARRAY(...))` so each arm can use an index).

The statements (reference scale: 500,000 opportunities):
- `funnel`: the line's opportunities of all time by stage, furthest position and status, summed
  from their running totals (opportunity_funnel_deltas, repositories.pipeline_funnel) in the
  caller's management scope, plus the few opportunities seen only through their team;
- `recent`: the rows created or closed since the period began (ix_opportunities_created OR
  ix_opportunities_closed), grouped by outcome, loss reason and competitor;
- `days_in_stage`: the period's moves (ix_opportunity_stage_changes_line), grouped by stage.
A stage's weighted value is its amount at its win rate, to the cent (the service applies
domain.opportunities.weighted per stage).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    any_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.scope import DataScope, ScopeLevel
from repositories.models import (
    Competitor,
    Customer,
    Opportunity,
    OpportunityFunnelDelta,
    OpportunityMember,
    OpportunityStageChange,
    User,
)
from repositories.opportunities import visible_indexed
from repositories.pagination import keyset, page
from repositories.scope import visible_to

Opp = Opportunity
Change = OpportunityStageChange
ZERO = Decimal("0")


def _moves_seen(scope: DataScope) -> ColumnElement[bool]:
    """Visibility on the stage history: the owner and zone the opportunity had at the move in
    the caller's management scope, or an opportunity whose team the caller is on. The team arm
    is an uncorrelated IN (SELECT …): PostgreSQL hashes it once and probes it per move, where
    an array parameter would be searched row by row."""
    if scope.level is ScopeLevel.ALL:
        return true()
    if scope.level is ScopeLevel.NONE or scope.user_id is None:
        return false()
    teams = select(OpportunityMember.opportunity_id).where(OpportunityMember.user_id == scope.user_id)
    return or_(visible_to(scope, Change.owner_id, Change.zone_id), Change.opportunity_id.in_(teams))


@dataclass(frozen=True, slots=True)
class Slice:
    """Which opportunities the board looks at, and the period [start, end)."""

    line_id: uuid.UUID
    currency: str
    start: datetime
    end: datetime
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    zone_id: uuid.UUID | None = None


def _where(scope: DataScope, s: Slice) -> list[ColumnElement[bool]]:
    return [visible_indexed(scope), *_sliced(s)]


def _sliced(s: Slice) -> list[ColumnElement[bool]]:
    """The slice's line, currency and filters, without visibility."""
    conds: list[ColumnElement[bool]] = [Opp.business_line_id == s.line_id, Opp.currency == s.currency]
    if s.owner_id is not None:
        conds.append(Opp.owner_id == s.owner_id)
    if s.team_id is not None:
        conds.append(Opp.team_id == s.team_id)
    if s.zone_id is not None:
        conds.append(Opp.zone_id == s.zone_id)
    return conds


def _sum(value: Any, cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(value).filter(cond), literal(ZERO))


# --- the board -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageCell:
    """The line's opportunities in one stage, with one furthest position and status."""

    stage_id: uuid.UUID
    furthest_position: int
    status: str
    count: int
    amount: Decimal


async def funnel(session: AsyncSession, scope: DataScope, s: Slice) -> list[StageCell]:
    """Every opportunity of the line (all time): what sits in each stage now, and how far each
    got (conversion). The management scope is summed from the running totals (a few thousand
    rows, kept by triggers); an opportunity seen only through its team is not in them by owner
    or zone, so those few are read one by one and added."""
    D = OpportunityFunnelDelta
    conds: list[ColumnElement[bool]] = [
        D.business_line_id == s.line_id,
        D.currency == s.currency,
        visible_to(scope, D.owner_id, D.zone_id),
    ]
    for column, value in ((D.owner_id, s.owner_id), (D.team_id, s.team_id), (D.zone_id, s.zone_id)):
        if value is not None:
            conds.append(column == value)
    totals = (
        select(D.stage_id, D.furthest_position, D.status, func.sum(D.n), func.sum(D.amount))
        .where(*conds)
        .group_by(D.stage_id, D.furthest_position, D.status)
    )
    cells: dict[tuple[uuid.UUID, int, str], list[Any]] = {}
    rows = list(await session.execute(totals))
    if scope.level not in (ScopeLevel.ALL, ScopeLevel.NONE) and scope.user_id is not None:
        teams = select(OpportunityMember.opportunity_id).where(OpportunityMember.user_id == scope.user_id)
        managed = func.coalesce(visible_to(scope, Opp.owner_id, Opp.zone_id), false())
        team_only = (
            select(Opp.stage_id, Opp.furthest_position, Opp.status, func.count(), func.sum(Opp.amount))
            .where(
                Opp.id == any_(func.array(teams.scalar_subquery())),
                ~managed,
                *_sliced(s),
            )
            .group_by(Opp.stage_id, Opp.furthest_position, Opp.status)
        )
        rows += list(await session.execute(team_only))
    for stage_id, furthest, status, n, amount in rows:
        cell = cells.setdefault((stage_id, furthest, status), [0, ZERO])
        cell[0] += int(n)
        cell[1] += amount
    return [
        StageCell(stage_id, furthest, status, n, amount)
        for (stage_id, furthest, status), (n, amount) in cells.items()
        if n
    ]


@dataclass(frozen=True, slots=True)
class RecentCell:
    """Opportunities created or closed since the period began, by status, reason, competitor."""

    status: str
    lost_reason: str | None
    lost_to_id: uuid.UUID | None
    new_count: int  # created in the period
    new_amount: Decimal
    open_since_count: int  # open now, created at or after the period's start (not stock)
    open_since_amount: Decimal
    closed_count: int  # won / lost in the period
    closed_amount: Decimal  # won: the deal's amount (won_amount, else amount); lost: amount
    stock_closed_count: int  # created before the period, closed since its start (open at it)
    stock_closed_amount: Decimal


async def recent(session: AsyncSession, scope: DataScope, s: Slice) -> list[RecentCell]:
    """One grouped pass over what was created or closed since the period's start: new, the
    outcomes and the loss board, and what to correct the open stock by."""
    closed = Opp.status.in_(("won", "lost"))
    since = Opp.created_at >= s.start
    is_new = and_(since, Opp.created_at < s.end)
    open_since = and_(Opp.status == "open", since)
    closed_in = and_(closed, Opp.closed_at >= s.start, Opp.closed_at < s.end)
    stock_closed = and_(closed, Opp.closed_at >= s.start, Opp.created_at < s.start)
    deal = case((Opp.status == "won", func.coalesce(Opp.won_amount, Opp.amount)), else_=Opp.amount)
    stmt = (
        select(
            Opp.status,
            Opp.lost_reason,
            Opp.lost_to_id,
            func.count().filter(is_new),
            _sum(Opp.amount, is_new),
            func.count().filter(open_since),
            _sum(Opp.amount, open_since),
            func.count().filter(closed_in),
            _sum(deal, closed_in),
            func.count().filter(stock_closed),
            _sum(Opp.amount, stock_closed),
        )
        .where(*_where(scope, s), or_(since, and_(closed, Opp.closed_at >= s.start)))
        .group_by(Opp.status, Opp.lost_reason, Opp.lost_to_id)
    )
    return [RecentCell(*row) for row in (await session.execute(stmt))]


async def days_in_stage(
    session: AsyncSession, scope: DataScope, s: Slice
) -> dict[uuid.UUID, tuple[int, Decimal]]:
    """Per stage left during the period: how many moves, and the average seconds spent there.
    One range of ix_opportunity_stage_changes_line (the period's moves of the line, stored in
    time order), filtered on what the move recorded: the owner, zone and team the opportunity
    had then, or the caller's opportunity team. Any currency: days are not money."""
    conds = [
        Change.business_line_id == s.line_id,
        Change.moved_at >= s.start,
        Change.moved_at < s.end,
        Change.from_stage_id.is_not(None),
        Change.seconds_in_from.is_not(None),
        _moves_seen(scope),
    ]
    if s.owner_id is not None:
        conds.append(Change.owner_id == s.owner_id)
    if s.team_id is not None:
        conds.append(Change.team_id == s.team_id)
    if s.zone_id is not None:
        conds.append(Change.zone_id == s.zone_id)
    stmt = (
        select(Change.from_stage_id, func.count(), func.avg(Change.seconds_in_from))
        .where(*conds)
        .group_by(Change.from_stage_id)
    )
    return {sid: (int(n), Decimal(avg)) for sid, n, avg in (await session.execute(stmt))}


async def competitor_names(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Competitor.id, Competitor.name).where(Competitor.id.in_(sorted(set(ids))))
    )
    return dict(rows.all())


# --- the drill-down ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drill:
    """What one number counted. All given conditions hold together; none: the open pipeline."""

    stage_ids: Sequence[uuid.UUID] | None = None  # open in these stages (a stage, a forecast category)
    bucket: str | None = None  # new | stock | won | lost
    lost_reason: str | None = None  # lost in the period for this reason
    competitor_id: uuid.UUID | None = None  # lost in the period to this competitor


def _drill_conditions(s: Slice, d: Drill) -> list[ColumnElement[bool]]:
    is_open = Opp.status == "open"
    lost_in_period = and_(Opp.status == "lost", Opp.closed_at >= s.start, Opp.closed_at < s.end)
    conds: list[ColumnElement[bool]] = []
    if d.stage_ids is not None:
        conds += [is_open, Opp.stage_id.in_(list(d.stage_ids)) if d.stage_ids else false()]
    if d.bucket == "new":
        conds += [Opp.created_at >= s.start, Opp.created_at < s.end]
    elif d.bucket == "stock":
        conds += [Opp.created_at < s.start, or_(is_open, Opp.closed_at >= s.start)]
    elif d.bucket == "won":
        conds += [Opp.status == "won", Opp.closed_at >= s.start, Opp.closed_at < s.end]
    elif d.bucket == "lost":
        conds.append(lost_in_period)
    if d.lost_reason is not None:
        conds += [lost_in_period, Opp.lost_reason == d.lost_reason]
    if d.competitor_id is not None:
        conds += [lost_in_period, Opp.lost_to_id == d.competitor_id]
    if not conds:
        conds.append(is_open)
    return conds


@dataclass(slots=True)
class DrillRow:
    id: uuid.UUID
    name: str
    customer_id: uuid.UUID
    owner_id: uuid.UUID | None
    stage_id: uuid.UUID
    amount: Decimal
    currency: str
    won_amount: Decimal | None
    expected_close_date: Any
    status: str
    closed_at: datetime | None
    lost_reason: str | None
    lost_to_id: uuid.UUID | None
    created_at: datetime
    customer_name: str = ""
    owner_name: str | None = None


async def drill_page(
    session: AsyncSession, scope: DataScope, s: Slice, d: Drill, cursor: str | None, limit: int
) -> tuple[list[DrillRow], str | None]:
    """The opportunities behind a number, biggest amount first (keyset on amount, id). The page
    is cut first and named after (customer and owner names for its rows only)."""
    columns: list[Any] = [
        Opp.id,
        Opp.name,
        Opp.customer_id,
        Opp.owner_id,
        Opp.stage_id,
        Opp.amount,
        Opp.currency,
        Opp.won_amount,
        Opp.expected_close_date,
        Opp.status,
        Opp.closed_at,
        Opp.lost_reason,
        Opp.lost_to_id,
        Opp.created_at,
    ]
    stmt = select(*columns).where(*_where(scope, s), *_drill_conditions(s, d))
    # the cursor holds whole cents (exact, and a JSON integer)
    cents = cast(Opp.amount * 100, BigInteger)
    paged = keyset(stmt, cents, Opp.id, True, cursor, limit)
    rows, next_cursor = page(
        [DrillRow(*r) for r in (await session.execute(paged))],
        limit,
        lambda r: int(r.amount * 100),
        lambda r: r.id,
    )
    customers: dict[uuid.UUID, str] = {}
    owners: dict[uuid.UUID, str] = {}
    if rows:
        wanted = sorted({r.customer_id for r in rows})
        found = await session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(wanted)))
        customers = dict(found.all())
        people = sorted({r.owner_id for r in rows if r.owner_id})
        if people:
            found_users = await session.execute(select(User.id, User.display_name).where(User.id.in_(people)))
            owners = dict(found_users.all())
    for r in rows:
        r.customer_name = customers.get(r.customer_id, "—")
        r.owner_name = owners.get(r.owner_id) if r.owner_id else None
    return rows, next_cursor
