"""Leads, channels and lead actions."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from domain.scope import DataScope, ScopeLevel
from repositories.models import (
    AuditEntry,
    Channel,
    Lead,
    LeadAction,
    LeadClaim,
    LeadForm,
    SalesZone,
    Team,
    User,
    table,
)
from repositories.pagination import keyset, page
from repositories.scope import visible_to


async def channels(session: AsyncSession) -> list[Channel]:
    return list((await session.scalars(select(Channel).order_by(Channel.weight.desc(), Channel.name))).all())


async def get_channel(session: AsyncSession, channel_id: uuid.UUID) -> Channel | None:
    return await session.get(Channel, channel_id)


async def channel_by_code_or_name(session: AsyncSession, code: str, name: str) -> Channel | None:
    return await session.scalar(select(Channel).where(or_(Channel.code == code, Channel.name == name)))


def _visible(scope: DataScope) -> Any:
    """The scope's leads, plus — for managers and above — the unassigned leads waiting in the
    queues of their zones (theirs to dispatch)."""
    owned = visible_to(scope, Lead.owner_id, Lead.zone_id)
    if scope.level >= ScopeLevel.TEAM and scope.level < ScopeLevel.ALL and scope.zone_ids:
        return or_(owned, and_(Lead.owner_id.is_(None), Lead.zone_id.in_(sorted(scope.zone_ids))))
    return owned


async def get_visible(session: AsyncSession, lead_id: uuid.UUID, scope: DataScope) -> Lead | None:
    return await session.scalar(select(Lead).where(Lead.id == lead_id, _visible(scope)))


@dataclass(frozen=True, slots=True)
class Earlier:
    """A lead a new one may duplicate (what de-duplication needs of it)."""

    id: uuid.UUID
    company_key: str
    product: str | None
    mobile: str | None
    email: str | None
    uscc: str | None
    owner_id: uuid.UUID | None
    zone_id: uuid.UUID | None
    queue: str | None


async def originals(
    session: AsyncSession,
    *,
    company_keys: Sequence[str],
    mobiles: Sequence[str],
    emails: Sequence[str],
    usccs: Sequence[str],
    since: datetime,
) -> list[Earlier]:
    """Leads within the window that share a normalised company name, mobile, e-mail or USCC
    with any of a batch (each key served by its index), oldest first; the caller decides which
    one each new lead duplicates (same company needs the same product too)."""
    matches: list[Any] = []
    for column, values in (
        (Lead.company_key, company_keys),
        (Lead.mobile, mobiles),
        (Lead.email, emails),
        (Lead.uscc, usccs),
    ):
        if values:
            matches.append(column == func.any(literal(sorted(set(values)), ARRAY(Text))))
    if not matches:
        return []
    # the arrays differ in size per batch: a cached generic plan (which asyncpg's prepared
    # statements get after five runs) would scan the table; plan this with its real arrays
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    stmt = (
        select(
            Lead.id,
            Lead.company_key,
            Lead.product,
            Lead.mobile,
            Lead.email,
            Lead.uscc,
            Lead.owner_id,
            Lead.zone_id,
            Lead.queue,
        )
        .where(or_(*matches), Lead.created_at >= since, Lead.duplicate_of_id.is_(None))
        .order_by(Lead.created_at, Lead.id)
    )
    return [Earlier(*row) for row in await session.execute(stmt)]


_LEAD_COLUMNS = tuple(table(Lead).columns.keys())
_JSON_COLUMNS = frozenset(c.key for c in table(Lead).columns if isinstance(c.type, JSONB))


async def insert_leads(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Many new leads (every row has every column) through COPY, in the session's transaction:
    about twice as fast as multi-row INSERTs for an import. Foreign keys are checked when the
    COPY ends, so an original and its duplicates may come in any order."""
    if not rows:
        return
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    records = [
        tuple(
            json.dumps(row[c], ensure_ascii=False, default=str) if c in _JSON_COLUMNS else row[c]
            for c in _LEAD_COLUMNS
        )
        for row in rows
    ]
    await raw.copy_records_to_table("leads", records=records, columns=list(_LEAD_COLUMNS))


async def insert_actions(
    session: AsyncSession, actions: Sequence[tuple[uuid.UUID, str]], happened_at: datetime
) -> None:
    if actions:
        await session.execute(
            insert(table(LeadAction)),
            [{"lead_id": i, "kind": k, "happened_at": happened_at} for i, k in actions],
        )


async def get_for_update(session: AsyncSession, lead_id: uuid.UUID) -> Lead | None:
    return await session.scalar(
        select(Lead).where(Lead.id == lead_id).with_for_update().execution_options(populate_existing=True)
    )


async def claims_since(session: AsyncSession, user_id: uuid.UUID, since: datetime) -> int:
    stmt = select(func.count()).where(LeadClaim.user_id == user_id, LeadClaim.claimed_at >= since)
    return int(await session.scalar(stmt) or 0)


async def left_owner_since(
    session: AsyncSession, lead_id: uuid.UUID, user_id: uuid.UUID, since: datetime
) -> datetime | None:
    """When the lead last left this user (recycled, released, transferred or dispatched away)
    after `since`, from its history."""
    stmt = select(func.max(AuditEntry.at)).where(
        AuditEntry.root_entity_id == str(lead_id),
        AuditEntry.entity == "lead",
        AuditEntry.action.in_(("recycle", "release", "transfer", "dispatch")),
        AuditEntry.changes["owner_id"][0].astext == str(user_id),
        AuditEntry.at >= since,
    )
    return await session.scalar(stmt)


async def action_counts(session: AsyncSession, lead_id: uuid.UUID) -> dict[str, int]:
    rows = await session.execute(
        select(LeadAction.kind, func.count()).where(LeadAction.lead_id == lead_id).group_by(LeadAction.kind)
    )
    return {kind: int(n) for kind, n in rows}


async def actions(session: AsyncSession, lead_id: uuid.UUID) -> list[tuple[LeadAction, str | None]]:
    rows = await session.execute(
        select(LeadAction, User.display_name)
        .outerjoin(User, User.id == LeadAction.author_id)
        .where(LeadAction.lead_id == lead_id)
        .order_by(LeadAction.happened_at.desc())
    )
    return [(r[0], r[1]) for r in rows]


async def duplicates_of(session: AsyncSession, lead_id: uuid.UUID) -> list[Lead]:
    stmt = select(Lead).where(Lead.duplicate_of_id == lead_id).order_by(Lead.created_at)
    return list((await session.scalars(stmt)).all())


async def search(
    session: AsyncSession,
    scope: DataScope,
    *,
    status: str | None,
    grade: str | None,
    channel_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
    q: str | None,
    unassigned: bool | None,
    by_grade: bool,
    cursor: str | None,
    limit: int,
    pool: bool = False,
    pool_zones: frozenset[uuid.UUID] | None = None,
) -> tuple[list[Lead], str | None]:
    """Newest first, or best grade first (A before D) so reps start with the best leads."""
    stmt = _filtered(scope, status, grade, channel_id, owner_id, q, unassigned, pool, pool_zones)
    if by_grade:
        stmt = keyset(stmt, Lead.grade, Lead.id, False, cursor, limit)
        rows = list((await session.scalars(stmt)).all())
        return page(rows, limit, lambda r: r.grade, lambda r: r.id)
    stmt = keyset(stmt, Lead.created_at, Lead.id, True, cursor, limit)
    rows = list((await session.scalars(stmt)).all())
    return page(rows, limit, lambda r: r.created_at, lambda r: r.id)


async def stream(
    session: AsyncSession, scope: DataScope, max_rows: int, **filters: Any
) -> AsyncIterator[Lead]:
    """Every matching lead, newest first (for export), from a server-side cursor."""
    stmt = _filtered(scope, **filters).order_by(Lead.created_at.desc(), Lead.id).limit(max_rows)
    result = await session.stream_scalars(stmt.execution_options(yield_per=2000))
    async for lead in result:
        yield lead


def _filtered(
    scope: DataScope,
    status: str | None,
    grade: str | None,
    channel_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
    q: str | None,
    unassigned: bool | None,
    pool: bool = False,
    pool_zones: frozenset[uuid.UUID] | None = None,
) -> Select[Any]:
    """`pool`: instead of the caller's leads, the open leads waiting in the pools of
    `pool_zones` (None: every zone's)."""
    if pool:
        stmt: Select[Any] = select(Lead).where(
            Lead.owner_id.is_(None), Lead.queue == "pool", Lead.status.in_(("new", "contacted", "qualified"))
        )
        if pool_zones is not None:
            stmt = stmt.where(Lead.zone_id.in_(sorted(pool_zones)))
    else:
        stmt = select(Lead).where(_visible(scope))
    if status:
        stmt = stmt.where(Lead.status == status)
    if grade:
        stmt = stmt.where(Lead.grade == grade)
    if channel_id:
        stmt = stmt.where(Lead.channel_id == channel_id)
    if owner_id:
        stmt = stmt.where(Lead.owner_id == owner_id)
    if unassigned is not None:
        stmt = stmt.where(Lead.owner_id.is_(None) if unassigned else Lead.owner_id.is_not(None))
    if q:
        stmt = stmt.where(Lead.company_name.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    return stmt


async def forms(session: AsyncSession) -> list[LeadForm]:
    return list((await session.scalars(select(LeadForm).order_by(LeadForm.name))).all())


async def get_form(session: AsyncSession, form_id: uuid.UUID) -> LeadForm | None:
    return await session.get(LeadForm, form_id)


async def form_by_key(session: AsyncSession, key: str) -> LeadForm | None:
    return await session.scalar(select(LeadForm).where(LeadForm.key == key))


def _due_for_recycling(now: datetime, hours_by_grade: dict[str, int]) -> Any:
    hours = case(
        *[(Lead.grade == grade, literal(h)) for grade, h in sorted(hours_by_grade.items())],
        else_=literal(max(hours_by_grade.values())),
    )
    return (
        (Lead.status == "new")
        & Lead.owner_id.is_not(None)
        & Lead.last_contacted_at.is_(None)
        & (Lead.assigned_at < now - func.make_interval(0, 0, 0, 0, hours))
    )


async def due_for_recycling(
    session: AsyncSession, now: datetime, hours_by_grade: dict[str, int], limit: int
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(lead, owner, grade) of owned leads nobody contacted in time (dry run)."""
    stmt = (
        select(Lead.id, Lead.owner_id, Lead.grade)
        .where(_due_for_recycling(now, hours_by_grade))
        .order_by(Lead.assigned_at)
        .limit(limit)
    )
    return [(r[0], r[1], r[2]) for r in await session.execute(stmt) if r[1] is not None]


async def recycle(
    session: AsyncSession, now: datetime, hours_by_grade: dict[str, int]
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """Take the due leads back into their zone's queue in one statement. Rows another run is
    already taking are skipped (SKIP LOCKED), and a taken lead no longer matches, so running
    twice, or after an interrupted run, ends in the same state."""
    due = (
        select(Lead.id, Lead.owner_id, Lead.grade)
        .where(_due_for_recycling(now, hours_by_grade))
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    stmt = (
        update(Lead)
        .where(Lead.id == due.c.id)
        .values(
            owner_id=None,
            assigned_at=None,
            queue="pool",
            version=Lead.version + 1,
            updated_at=now,
            routing_trace=func.jsonb_build_object(
                literal_column("'result'"),
                literal_column("'recycled'"),
                literal_column("'from_owner'"),
                cast(due.c.owner_id, Text),
                literal_column("'at'"),
                literal(now.isoformat()),
            ),
        )
        .returning(Lead.id, due.c.owner_id, due.c.grade)
        .execution_options(synchronize_session=False)
    )
    return [(r[0], r[1], r[2]) for r in await session.execute(stmt)]


_GROUPS: dict[str, Any] = {
    "channel": Lead.channel_id,
    "zone": Lead.zone_id,
    "owner": Lead.owner_id,
    "grade": Lead.grade,
    # the owner's current team (a correlated lookup on the users primary key)
    "team": select(User.team_id).where(User.id == Lead.owner_id).scalar_subquery(),
    # periods are calendar days / ISO weeks / months in China time
    **{
        period: func.to_char(
            func.date_trunc(period, func.timezone("Asia/Shanghai", Lead.created_at)), "YYYY-MM-DD"
        )
        for period in ("day", "week", "month")
    },
}
PERIODS = ("day", "week", "month")


async def board(
    session: AsyncSession, scope: DataScope, since: datetime | None, until: datetime | None, group_by: str
) -> dict[str, Any]:
    """The lead board's numbers in three grouped statements over the caller's leads: totals by
    status, a breakdown by channel / zone / team / owner / grade / period, and the reasons leads were invalid."""
    conds = [_visible(scope)]
    if since is not None:
        conds.append(Lead.created_at >= since)
    if until is not None:
        conds.append(Lead.created_at < until)
    where = and_(*conds)

    def counts() -> list[Any]:
        return [
            func.count().label("leads"),
            func.count().filter(Lead.status == "contacted").label("contacted"),
            func.count().filter(Lead.status == "qualified").label("qualified"),
            func.count().filter(Lead.status == "converted").label("converted"),
            func.count().filter(Lead.status == "invalid").label("invalid"),
            func.count().filter(Lead.duplicate_of_id.is_not(None)).label("duplicates"),
        ]

    totals = (await session.execute(select(*counts()).where(where))).one()
    key = _GROUPS[group_by].label("key")
    order = key if group_by in PERIODS else func.count().desc()  # periods read as a time series
    groups = (await session.execute(select(key, *counts()).where(where).group_by(key).order_by(order))).all()
    reasons = (
        await session.execute(
            select(Lead.invalid_reason, func.count())
            .where(where, Lead.status == "invalid")
            .group_by(Lead.invalid_reason)
            .order_by(func.count().desc())
        )
    ).all()
    return {
        "totals": totals._asdict(),
        "groups": [g._asdict() for g in groups],
        "invalid_reasons": [{"reason": r or "", "count": int(n)} for r, n in reasons],
    }


async def zone_names(session: AsyncSession, ids: list[uuid.UUID]) -> dict[Any, str]:
    if not ids:
        return {}
    rows = await session.execute(select(SalesZone.id, SalesZone.name).where(SalesZone.id.in_(ids)))
    return {r[0]: r[1] for r in rows}


async def team_names(session: AsyncSession, ids: list[uuid.UUID]) -> dict[Any, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Team.id, Team.name).where(Team.id.in_(ids)))
    return {r[0]: r[1] for r in rows}
