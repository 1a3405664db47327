"""Public pools (公海), the customers waiting in them, and the ownership events (claims,
releases, allocations…) the caps are counted from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from repositories.models import (
    Customer,
    Lead,
    OwnershipEvent,
    Pool,
    PoolPermission,
    PoolTargetRule,
    SalesZone,
    table,
)
from repositories.pagination import keyset, page

# The pool a customer `c` (a customers row) goes to when released or recycled: the first target
# rule, by position, whose conditions all hold (an empty list matches anything) and whose pool is
# active; else the customer's zone's default pool; else the company pool. One SQL expression, so
# the set-based recycle statement and a single release route alike.
TARGET_POOL_SQL = """coalesce(
    (SELECT r.pool_id FROM pool_target_rules r JOIN pools tp ON tp.id = r.pool_id AND tp.is_active
     WHERE (cardinality(r.industries) = 0 OR c.industry = ANY(r.industries))
       AND (cardinality(r.tiers) = 0 OR c.tier = ANY(r.tiers))
       AND (cardinality(r.levels) = 0 OR c.level = ANY(r.levels))
       AND (cardinality(r.zone_ids) = 0 OR c.zone_id = ANY(r.zone_ids))
     ORDER BY r.position LIMIT 1),
    (SELECT p.id FROM pools p WHERE p.zone_id = c.zone_id AND p.is_default),
    (SELECT p.id FROM pools p WHERE p.zone_id IS NULL AND p.is_default))"""

_TARGET_OF = text(f"SELECT {TARGET_POOL_SQL} FROM customers c WHERE c.id = :id")


async def add_default_pool(session: AsyncSession, zone: SalesZone) -> Pool:
    name = f"{zone.name} 公海"
    if await session.scalar(select(Pool.id).where(Pool.name == name)) is not None:
        name = f"{zone.name} 公海 ({zone.code})"
    pool = Pool(name=name, zone_id=zone.id, is_default=True)
    session.add(pool)
    await session.flush()
    return pool


async def pools(
    session: AsyncSession, zone_ids: frozenset[uuid.UUID] | None, active: bool | None = True
) -> list[Pool]:
    """Every pool (zone_ids None), or those of the zones plus company-wide ones; active only
    (True), inactive only (False) or both (None)."""
    stmt = select(Pool).order_by(Pool.is_default.desc(), Pool.name)
    if active is not None:
        stmt = stmt.where(Pool.is_active.is_(active))
    if zone_ids is not None:
        stmt = stmt.where((Pool.zone_id.is_(None)) | Pool.zone_id.in_(sorted(zone_ids)))
    return list((await session.scalars(stmt)).all())


async def get(session: AsyncSession, pool_id: uuid.UUID) -> Pool | None:
    return await session.get(Pool, pool_id)


async def by_name(session: AsyncSession, name: str) -> Pool | None:
    return await session.scalar(select(Pool).where(Pool.name == name))


async def target_of(session: AsyncSession, customer_id: uuid.UUID) -> uuid.UUID | None:
    """Where the customer goes when released (TARGET_POOL_SQL)."""
    return await session.scalar(_TARGET_OF, {"id": customer_id})


async def held(session: AsyncSession, pool_id: uuid.UUID) -> int:
    """Customers whose pool this is."""
    return int(await session.scalar(select(func.count()).where(Customer.pool_id == pool_id)) or 0)


async def move_customers(
    session: AsyncSession, from_pool: uuid.UUID, to_pool: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Every customer of one pool to another, in one UPDATE."""
    stmt = (
        update(Customer)
        .where(Customer.pool_id == from_pool)
        .values(pool_id=to_pool, version=Customer.version + 1, updated_at=now)
        .returning(Customer.id)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(stmt)).all())


async def targeting(session: AsyncSession, pool_id: uuid.UUID) -> list[int]:
    """Positions of the target rules that send customers to the pool."""
    stmt = select(PoolTargetRule.position).where(PoolTargetRule.pool_id == pool_id)
    return list((await session.scalars(stmt.order_by(PoolTargetRule.position))).all())


async def permissions(
    session: AsyncSession, pool_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PoolPermission]]:
    """pool → its per-role permission rows (a pool without rows is absent)."""
    if not pool_ids:
        return {}
    rows = await session.scalars(
        select(PoolPermission).where(PoolPermission.pool_id.in_(pool_ids)).order_by(PoolPermission.role)
    )
    out: dict[uuid.UUID, list[PoolPermission]] = {}
    for row in rows:
        out.setdefault(row.pool_id, []).append(row)
    return out


async def replace_permissions(
    session: AsyncSession, pool_id: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    await session.execute(delete(PoolPermission).where(PoolPermission.pool_id == pool_id))
    if rows:
        await session.execute(insert(table(PoolPermission)), [{**r, "pool_id": pool_id} for r in rows])


async def target_rules(session: AsyncSession) -> list[PoolTargetRule]:
    return list((await session.scalars(select(PoolTargetRule).order_by(PoolTargetRule.position))).all())


async def replace_target_rules(session: AsyncSession, rules: Sequence[dict[str, Any]]) -> None:
    """The ordered list as a whole: position is the index in `rules`."""
    await session.execute(delete(PoolTargetRule))
    if rules:
        await session.execute(
            insert(table(PoolTargetRule)),
            [{**r, "id": uuid.uuid4(), "position": i} for i, r in enumerate(rules)],
        )


async def counts(session: AsyncSession, pool_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not pool_ids:
        return {}
    rows = await session.execute(
        select(Customer.pool_id, func.count())
        .where(Customer.pool_id.in_(pool_ids), Customer.owner_id.is_(None))
        .group_by(Customer.pool_id)
    )
    return {r[0]: int(r[1]) for r in rows if r[0] is not None}


def _pool_filters(stmt: Any, filters: dict[str, Any]) -> Any:
    if filters.get("level"):
        stmt = stmt.where(Customer.level == filters["level"])
    if filters.get("tier"):
        stmt = stmt.where(Customer.tier == filters["tier"])
    if filters.get("industry"):
        stmt = stmt.where(Customer.industry == filters["industry"])
    if filters.get("province_code"):
        stmt = stmt.where(Customer.province_code == filters["province_code"])
    if filters.get("city_code"):
        stmt = stmt.where(Customer.city_code == filters["city_code"])
    if filters.get("followed_before"):
        stmt = stmt.where(Customer.last_followed_up_at < filters["followed_before"])
    if filters.get("q"):
        stmt = stmt.where(Customer.name.ilike(f"%{filters['q'].replace('%', '').replace('_', '')}%"))
    return stmt


async def customers_in(
    session: AsyncSession, pool_id: uuid.UUID, filters: dict[str, Any], cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """The pool's customers, most recently changed first, with what a rep chooses by."""
    stmt = select(
        Customer.id,
        Customer.name,
        Customer.kind,
        Customer.level,
        Customer.tier,
        Customer.industry,
        Customer.province_code,
        Customer.city_code,
        Customer.last_followed_up_at,
        Customer.recycle_count,
        Customer.previous_owner_id,
        Customer.updated_at,
    ).where(Customer.pool_id == pool_id, Customer.owner_id.is_(None))
    stmt = keyset(_pool_filters(stmt, filters), Customer.updated_at, Customer.id, True, cursor, limit)
    rows = list((await session.execute(stmt)).all())
    return page(rows, limit, lambda r: r.updated_at, lambda r: r.id)


async def locked_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    """The user's locked customers (ix_customers_locked)."""
    stmt = select(func.count()).where(Customer.owner_id == user_id, Customer.locked_at.is_not(None))
    return int(await session.scalar(stmt) or 0)


async def claim_facts(
    session: AsyncSession,
    customer_id: uuid.UUID,
    user_id: uuid.UUID,
    day_start: datetime,
    cooldown_since: datetime,
) -> Row[Any] | None:
    """What a claim decides on, in one statement (None: no such customer): the customer's
    owner_id, pool_id and name; its pool (pool_name, pool_zone_id, pool_active; NULL without
    one) and the pool's permission rows (`permissions`, None without rows); the user's owned
    customers (`owned`, index-only on owner_id), claims since `day_start` (`claimed_today`) and
    when the customer last left them after `cooldown_since` (`left_at`).

    Read it after taking the user's claim lock: a statement sees what was committed when it
    started, so the counts include every claim that held the lock before."""
    params = {
        "customer_id": customer_id,
        "user_id": user_id,
        "day_start": day_start,
        "cooldown_since": cooldown_since,
    }
    return (await session.execute(_CLAIM_FACTS, params)).first()


def _claim_facts() -> Select[Any]:
    """Built once (an alias and a statement per call cost more than the query)."""
    customer_id = bindparam("customer_id", type_=Customer.id.type)
    user_id = bindparam("user_id", type_=Customer.owner_id.type)
    mine = aliased(Customer, name="mine")
    owned = select(func.count()).select_from(mine).where(mine.owner_id == user_id)
    today = select(func.count()).where(
        OwnershipEvent.to_owner_id == user_id,
        OwnershipEvent.kind == "claim",
        OwnershipEvent.at >= bindparam("day_start", type_=OwnershipEvent.at.type),
    )
    left = select(func.max(OwnershipEvent.at)).where(
        OwnershipEvent.customer_id == customer_id,  # the parameter, not customers.id: ix_ownership_customer
        OwnershipEvent.from_owner_id == user_id,
        OwnershipEvent.at >= bindparam("cooldown_since", type_=OwnershipEvent.at.type),
    )
    row = func.jsonb_build_object(
        literal_column("'role'"),
        PoolPermission.role,
        literal_column("'can_view'"),
        PoolPermission.can_view,
        literal_column("'can_claim'"),
        PoolPermission.can_claim,
        literal_column("'can_allocate'"),
        PoolPermission.can_allocate,
    )
    permissions = select(func.jsonb_agg(aggregate_order_by(row, PoolPermission.role), type_=JSONB)).where(
        PoolPermission.pool_id == Pool.id
    )
    return (
        select(
            Customer.owner_id,
            Customer.pool_id,
            Customer.name,
            Pool.name.label("pool_name"),
            Pool.zone_id.label("pool_zone_id"),
            Pool.is_active.label("pool_active"),
            permissions.scalar_subquery().label("permissions"),
            owned.scalar_subquery().label("owned"),
            today.scalar_subquery().label("claimed_today"),
            left.scalar_subquery().label("left_at"),
        )
        .outerjoin(Pool, Pool.id == Customer.pool_id)
        .where(Customer.id == customer_id)
    )


_CLAIM_FACTS = _claim_facts()


def permission_rows(pool_id: uuid.UUID, data: list[dict[str, Any]] | None) -> list[PoolPermission] | None:
    """claim_facts' `permissions` as (transient) PoolPermission rows, like permissions() gives."""
    if not data:
        return None
    return [PoolPermission(pool_id=pool_id, **row) for row in data]


async def take(
    session: AsyncSession,
    customer_id: uuid.UUID,
    user_id: uuid.UUID,
    zone_id: uuid.UUID | None,
    pool_id: uuid.UUID,
    now: datetime,
) -> bool:
    """Give an unowned customer to the user and record the claim (an ownership event) in one
    statement: UPDATE … WHERE owner_id IS NULL, the event inserted only for the row it changed,
    so of two concurrent takers exactly one changes the row and gets an event."""
    return (
        await session.execute(_TAKE, {"c": customer_id, "u": user_id, "z": zone_id, "p": pool_id, "now": now})
    ).first() is not None


_TAKE = text(
    "WITH taken AS ("
    "UPDATE customers SET owner_id = CAST(:u AS uuid), zone_id = coalesce(CAST(:z AS uuid), zone_id), "
    "pool_id = NULL, claimed_at = :now, locked_at = NULL, version = version + 1, updated_at = :now "
    "WHERE id = CAST(:c AS uuid) AND owner_id IS NULL RETURNING id) "
    "INSERT INTO customer_ownership_events (customer_id, kind, to_owner_id, pool_id, actor_id) "
    "SELECT id, 'claim', CAST(:u AS uuid), CAST(:p AS uuid), CAST(:u AS uuid) FROM taken RETURNING customer_id"
)


async def pool_candidates(
    session: AsyncSession, pool_id: uuid.UUID, ids: Sequence[uuid.UUID] | None, count: int
) -> list[uuid.UUID]:
    """Unowned customers of the pool to allocate: the given ones (those still there), or `count`
    at random, locked (SKIP LOCKED) so a parallel allocation picks others."""
    stmt = select(Customer.id).where(Customer.pool_id == pool_id, Customer.owner_id.is_(None))
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(ids))
    else:
        stmt = stmt.order_by(func.random()).limit(count)
    return list((await session.scalars(stmt.with_for_update(skip_locked=True))).all())


async def assign(
    session: AsyncSession,
    pairs: Sequence[tuple[uuid.UUID, uuid.UUID]],
    zones: dict[uuid.UUID, uuid.UUID | None],
    now: datetime,
) -> int:
    """(customer, user) pairs in one statement; a customer someone took meanwhile is skipped.
    Returns how many changed hands."""
    if not pairs:
        return 0
    result = await session.execute(
        _ASSIGN,
        {
            "cs": [c for c, _ in pairs],
            "us": [u for _, u in pairs],
            "zs": [zones.get(u) for _, u in pairs],
            "now": now,
        },
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_ASSIGN = text(
    "UPDATE customers c SET owner_id = v.u, zone_id = coalesce(v.z, c.zone_id), pool_id = NULL, "
    "claimed_at = :now, locked_at = NULL, version = c.version + 1, updated_at = :now "
    "FROM unnest(CAST(:cs AS uuid[]), CAST(:us AS uuid[]), CAST(:zs AS uuid[])) AS v(c, u, z) "
    "WHERE c.id = v.c AND c.owner_id IS NULL"
)


async def allocated_this_week(session: AsyncSession, zone_id: uuid.UUID, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(OwnershipEvent)
        .join(Pool, Pool.id == OwnershipEvent.pool_id)
        .where(Pool.zone_id == zone_id, OwnershipEvent.kind == "allocate", OwnershipEvent.at >= since)
    )
    return int(await session.scalar(stmt) or 0)


async def record(session: AsyncSession, events: Sequence[dict[str, Any]]) -> None:
    if events:
        await session.execute(insert(table(OwnershipEvent)), list(events))


async def lost_by(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], since: datetime, until: datetime
) -> list[Any]:
    """How many customers each user lost in the period, by how (release / recycle / transfer)
    and rule — the data of the 遗失看板."""
    stmt = (
        select(OwnershipEvent.from_owner_id, OwnershipEvent.kind, OwnershipEvent.rule, func.count())
        .where(
            OwnershipEvent.from_owner_id.in_(user_ids),
            OwnershipEvent.kind.in_(("release", "recycle", "transfer")),
            and_(OwnershipEvent.at >= since, OwnershipEvent.at < until),
        )
        .group_by(OwnershipEvent.from_owner_id, OwnershipEvent.kind, OwnershipEvent.rule)
        .order_by(func.count().desc())
    )
    return list((await session.execute(stmt)).all())


async def transfer_customers(
    session: AsyncSession,
    from_user: uuid.UUID,
    to_user: uuid.UUID,
    zone_id: uuid.UUID | None,
    ids: Sequence[uuid.UUID] | None,
    now: datetime,
    where: dict[str, list[str]] | None = None,
) -> list[uuid.UUID]:
    """Move the user's customers (all, those of `ids` they own, or those matching `where`:
    levels, tiers, industries, province codes) to another in one UPDATE."""
    stmt = (
        update(Customer)
        .where(Customer.owner_id == from_user)
        .values(
            owner_id=to_user,
            previous_owner_id=from_user,
            zone_id=func.coalesce(zone_id, Customer.zone_id),
            claimed_at=now,
            version=Customer.version + 1,
            updated_at=now,
        )
        .returning(Customer.id)
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(ids))
    columns = {
        "levels": Customer.level,
        "tiers": Customer.tier,
        "industries": Customer.industry,
        "province_codes": Customer.province_code,
    }
    for key, values in (where or {}).items():
        if values:
            stmt = stmt.where(columns[key].in_(values))
    return list((await session.scalars(stmt)).all())


async def transfer_leads(
    session: AsyncSession,
    from_user: uuid.UUID,
    to_user: uuid.UUID,
    customer_ids: Sequence[uuid.UUID] | None,
    now: datetime,
) -> list[uuid.UUID]:
    """The user's open leads (all, or those of the moved customers) go along."""
    stmt = (
        update(Lead)
        .where(Lead.owner_id == from_user, Lead.status.in_(("new", "contacted", "qualified")))
        .values(owner_id=to_user, assigned_at=now, version=Lead.version + 1, updated_at=now)
        .returning(Lead.id)
        .execution_options(synchronize_session=False)
    )
    if customer_ids is not None:
        stmt = stmt.where(Lead.customer_id.in_(customer_ids))
    return list((await session.scalars(stmt)).all())
