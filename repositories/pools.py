"""Public pools (公海), the customers waiting in them, and the ownership events (claims,
releases, allocations…) the caps are counted from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

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


async def owned_count(session: AsyncSession, user_id: uuid.UUID) -> tuple[int, int]:
    """(customers owned, of which locked)."""
    row = (
        await session.execute(
            select(func.count(), func.count().filter(Customer.locked_at.is_not(None))).where(
                Customer.owner_id == user_id
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def events_since(session: AsyncSession, user_id: uuid.UUID, kind: str, since: datetime) -> int:
    stmt = select(func.count()).where(
        OwnershipEvent.to_owner_id == user_id, OwnershipEvent.kind == kind, OwnershipEvent.at >= since
    )
    return int(await session.scalar(stmt) or 0)


async def left_user_at(
    session: AsyncSession, customer_id: uuid.UUID, user_id: uuid.UUID, since: datetime
) -> datetime | None:
    """When the customer last left this user (released, recycled, transferred) after `since`."""
    stmt = select(func.max(OwnershipEvent.at)).where(
        OwnershipEvent.customer_id == customer_id,
        OwnershipEvent.from_owner_id == user_id,
        OwnershipEvent.at >= since,
    )
    return await session.scalar(stmt)


async def take(
    session: AsyncSession,
    customer_id: uuid.UUID,
    user_id: uuid.UUID,
    zone_id: uuid.UUID | None,
    now: datetime,
) -> bool:
    """Give an unowned customer to the user in one UPDATE … WHERE owner_id IS NULL: of two
    concurrent takers exactly one changes the row."""
    result = await session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.owner_id.is_(None))
        .values(
            owner_id=user_id,
            zone_id=func.coalesce(zone_id, Customer.zone_id),
            pool_id=None,
            claimed_at=now,
            locked_at=None,
            version=Customer.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


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
) -> list[uuid.UUID]:
    """Move the user's customers (all, or those of `ids` they own) to another in one UPDATE."""
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
