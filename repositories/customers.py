"""Customers: scoped reads, search, and the few writes that are not plain ORM changes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, Text, and_, bindparam, func, literal, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import CustomerFilters
from domain.scope import DataScope, ScopeLevel
from repositories.models import (
    ApprovalRequest,
    AppSetting,
    Contact,
    Customer,
    CustomerProtection,
    CustomerTag,
    FollowUp,
    SalesZone,
    Tag,
    User,
)
from repositories.pagination import keyset, page
from repositories.scope import scope_params, visible_to, visible_to_bound

_SORT_COLUMNS = {
    "name": (Customer.name, False),
    "created_at": (Customer.created_at, False),
    "updated_at": (Customer.updated_at, False),
    "last_followed_up_at": (Customer.last_followed_up_at, True),
    "level": (Customer.level, False),
    "tier": (Customer.tier, True),
}


def statement_visible_to(scope: DataScope) -> Select[Any]:
    return select(Customer).where(visible_to(scope, Customer.owner_id, Customer.zone_id))


@lru_cache(maxsize=16)
def _by_id(level: ScopeLevel) -> Select[Any]:
    """SELECT customer WHERE id = :customer_id AND <scope at this level>, built once per level."""
    return select(Customer).where(
        Customer.id == bindparam("customer_id"), visible_to_bound(level, Customer.owner_id, Customer.zone_id)
    )


@lru_cache(maxsize=16)
def _id_if_visible(level: ScopeLevel) -> Select[Any]:
    return select(Customer.id).where(
        Customer.id == bindparam("customer_id"), visible_to_bound(level, Customer.owner_id, Customer.zone_id)
    )


async def get_visible(session: AsyncSession, customer_id: uuid.UUID, scope: DataScope) -> Customer | None:
    params = {"customer_id": customer_id, **scope_params(scope)}
    return (await session.execute(_by_id(scope.level), params)).scalar_one_or_none()


async def is_visible(session: AsyncSession, customer_id: uuid.UUID, scope: DataScope) -> bool:
    params = {"customer_id": customer_id, **scope_params(scope)}
    # Core statement on the session's connection: no ORM entities, so skip the ORM layer
    conn = await session.connection()
    return (await conn.execute(_id_if_visible(scope.level), params)).scalar_one_or_none() is not None


def _key(name: str) -> Any:
    """A constant written into the SQL rather than sent as a parameter (fewer binds to build
    on every execution of a cached statement)."""
    return literal_column(f"'{name}'")


def _tags_json(customer_id_col: Any) -> Any:
    return (
        select(
            func.coalesce(
                func.json_agg(
                    func.json_build_object(
                        _key("id"),
                        Tag.id,
                        _key("name"),
                        Tag.name,
                        _key("color"),
                        Tag.color,
                        _key("count"),
                        CustomerTag.count,
                        _key("weight"),
                        CustomerTag.weight,
                    )
                ),
                literal_column("'[]'::json"),
            )
        )
        .select_from(CustomerTag)
        .join(Tag, Tag.id == CustomerTag.tag_id)
        .where(CustomerTag.customer_id == customer_id_col)
        .scalar_subquery()
    )


_PARENT = Customer.__table__.alias("parent")
_CHILD = Customer.__table__.alias("child")


_DETAIL_COLUMNS = tuple(c for c in Customer.__table__.c if c.key != "name_bigrams")


@lru_cache(maxsize=16)
def _detail(level: ScopeLevel) -> Select[Any]:
    """The customer with everything its page shows, in one statement (built once per level).
    Plain columns rather than an ORM object: the page only reads them."""
    extras: list[Any] = [
        select(func.count())
        .select_from(Contact)
        .where(Contact.customer_id == Customer.id)
        .scalar_subquery()
        .label("contact_count"),
        _tags_json(Customer.id).label("tags"),
        select(_PARENT.c.name)
        .where(_PARENT.c.id == Customer.parent_id)
        .scalar_subquery()
        .label("parent_name"),
        select(
            func.coalesce(
                func.json_agg(func.json_build_object(_key("id"), _CHILD.c.id, _key("name"), _CHILD.c.name)),
                literal_column("'[]'::json"),
            )
        )
        .where(_CHILD.c.parent_id == Customer.id)
        .scalar_subquery()
        .label("subsidiaries"),
        select(AppSetting.value.op("->>")(_key("min_contacts_enterprise")))
        .where(AppSetting.key == _key("customer_rules"))
        .scalar_subquery()
        .label("min_contacts"),
        select(User.display_name).where(User.id == Customer.owner_id).scalar_subquery().label("owner_name"),
        select(SalesZone.name).where(SalesZone.id == Customer.zone_id).scalar_subquery().label("zone_name"),
        # every protection from recycling (contracts, late-stage opportunities), oldest first
        select(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_object(
                        _key("source"),
                        CustomerProtection.source,
                        _key("source_id"),
                        CustomerProtection.source_id,
                        _key("starts_at"),
                        CustomerProtection.starts_at,
                        _key("ends_at"),
                        CustomerProtection.ends_at,
                        _key("note"),
                        CustomerProtection.note,
                    ),
                    CustomerProtection.starts_at,
                )
            )
        )
        .where(CustomerProtection.customer_id == Customer.id)
        .scalar_subquery()
        .label("protections"),
        # requests waiting for approval that lock some of its fields (level, financial info)
        select(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_object(
                        _key("id"),
                        ApprovalRequest.id,
                        _key("kind"),
                        ApprovalRequest.kind,
                        _key("title"),
                        ApprovalRequest.title,
                        _key("changes"),
                        ApprovalRequest.changes,
                        _key("submitted_at"),
                        ApprovalRequest.submitted_at,
                    ),
                    ApprovalRequest.submitted_at,
                )
            )
        )
        .where(
            ApprovalRequest.subject_type == _key("customer"),
            ApprovalRequest.subject_id == Customer.id,
            ApprovalRequest.status == _key("pending"),
        )
        .scalar_subquery()
        .label("pending_approvals"),
    ]
    return select(*_DETAIL_COLUMNS, *extras).where(
        Customer.id == bindparam("customer_id"), visible_to_bound(level, Customer.owner_id, Customer.zone_id)
    )


async def detail(session: AsyncSession, customer_id: uuid.UUID, scope: DataScope) -> dict[str, Any] | None:
    """{"customer": row of the customer's columns, "contact_count", "tags", "parent_name",
    "subsidiaries", "min_contacts", "owner_name", "zone_name", "protections" (JSON rows)} or
    None when out of scope."""
    params = {"customer_id": customer_id, **scope_params(scope)}
    conn = await session.connection()  # plain columns: the Core path is enough
    row = (await conn.execute(_detail(scope.level), params)).first()
    if row is None:
        return None
    return {
        "customer": row,
        "owner_name": row.owner_name,
        "zone_name": row.zone_name,
        "contact_count": row.contact_count,
        "tags": row.tags or [],
        "parent_name": row.parent_name,
        "subsidiaries": row.subsidiaries or [],
        "min_contacts": int(row.min_contacts) if row.min_contacts is not None else 2,
        "protections": row.protections or [],
        "pending_approvals": row.pending_approvals or [],
    }


# what a list row (and an export line) shows: plain columns, no ORM objects to build
_LIST_COLUMNS = (
    Customer.id,
    Customer.kind,
    Customer.name,
    Customer.short_name,
    Customer.industry,
    Customer.uscc,
    Customer.mobile,
    Customer.phone,
    Customer.email,
    Customer.level,
    Customer.tier,
    Customer.province_code,
    Customer.city_code,
    Customer.district_code,
    Customer.owner_id,
    Customer.zone_id,
    Customer.last_followed_up_at,
    Customer.claimed_at,
    Customer.locked_at,
    Customer.created_at,
    Customer.updated_at,
    Customer.version,
)


def _filtered(scope: DataScope, f: CustomerFilters) -> Select[Any]:
    columns: list[Any] = [
        *_LIST_COLUMNS,
        User.display_name.label("owner_name"),
        SalesZone.name.label("zone_name"),
    ]
    stmt: Select[Any] = (
        select(*columns)
        .outerjoin(User, User.id == Customer.owner_id)
        .outerjoin(SalesZone, SalesZone.id == Customer.zone_id)
    )
    conds = [visible_to(scope, Customer.owner_id, Customer.zone_id)]
    if f.q:
        needle = f.q.strip()
        compact = "".join(needle.split()).lower()
        grams = sorted({compact[i : i + 2] for i in range(len(compact) - 1)})
        if grams:
            conds.append(Customer.name_bigrams.contains(literal(grams, ARRAY(Text))))
        conds.append(Customer.name.ilike(f"%{_escape_like(needle)}%", escape="\\"))
    if f.uscc:
        conds.append(Customer.uscc == f.uscc)
    if f.mobile:
        conds.append(Customer.mobile == f.mobile)
    if f.kind:
        conds.append(Customer.kind == f.kind)
    if f.level:
        conds.append(Customer.level == f.level)
    if f.tier:
        conds.append(Customer.tier == f.tier)
    if f.owner_id:
        conds.append(Customer.owner_id == f.owner_id)
    if f.owner_ids is not None:
        conds.append(Customer.owner_id.in_(sorted(f.owner_ids)))
    if f.zone_id:
        conds.append(Customer.zone_id == f.zone_id)
    if f.industry:
        conds.append(Customer.industry == f.industry)
    if f.province_code:
        conds.append(Customer.province_code == f.province_code)
    if f.tag_id:
        conds.append(
            select(CustomerTag.customer_id)
            .where(CustomerTag.customer_id == Customer.id, CustomerTag.tag_id == f.tag_id)
            .exists()
        )
    if f.last_followed_up_from:
        conds.append(Customer.last_followed_up_at >= f.last_followed_up_from)
    if f.last_followed_up_to:
        conds.append(Customer.last_followed_up_at < f.last_followed_up_to)
    if f.created_from:
        conds.append(Customer.created_at >= f.created_from)
    if f.created_to:
        conds.append(Customer.created_at < f.created_to)
    return stmt.where(and_(*conds))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    session: AsyncSession,
    scope: DataScope,
    filters: CustomerFilters,
    sort: str,
    descending: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row[Any]], str | None]:
    """A page of list rows (the list columns plus owner_name and zone_name), keyset-paginated
    on (sort column, id)."""
    column, nullable = _SORT_COLUMNS[sort]
    stmt = keyset(_filtered(scope, filters), column, Customer.id, descending, cursor, limit, nullable)
    rows = list((await session.execute(stmt)).all())
    return page(rows, limit, lambda r: getattr(r, sort), lambda r: r.id)


async def stream(
    session: AsyncSession,
    scope: DataScope,
    filters: CustomerFilters,
    sort: str,
    descending: bool,
    max_rows: int,
) -> AsyncIterator[tuple[Row[Any], str | None, str | None]]:
    """Every matching row (for export), fetched in chunks from a server-side cursor."""
    column, nullable = _SORT_COLUMNS[sort]
    order = column.desc() if descending else column.asc()
    stmt = (
        _filtered(scope, filters)
        .order_by(order.nulls_last() if nullable else order, Customer.id)
        .limit(max_rows)
    )
    result = await session.stream(stmt.execution_options(yield_per=2000))
    async for row in result:
        yield row, row.owner_name, row.zone_name


async def tags_for(
    session: AsyncSession, customer_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    out: dict[uuid.UUID, list[dict[str, Any]]] = {cid: [] for cid in customer_ids}
    if not customer_ids:
        return out
    rows = await session.execute(
        select(CustomerTag.customer_id, Tag.id, Tag.name, Tag.color, CustomerTag.count, CustomerTag.weight)
        .join(Tag, Tag.id == CustomerTag.tag_id)
        .where(CustomerTag.customer_id.in_(customer_ids))
        .order_by(CustomerTag.weight.desc(), CustomerTag.count.desc(), Tag.name)
    )
    for cid, tid, name, color, count, weight in rows:
        out[cid].append({"id": tid, "name": name, "color": color, "count": count, "weight": weight})
    return out


@dataclass(frozen=True, slots=True)
class Match:
    id: uuid.UUID
    uscc: str | None
    name_key: str | None
    owner_id: uuid.UUID | None
    zone_id: uuid.UUID | None


async def matching(session: AsyncSession, usccs: Sequence[str], name_keys: Sequence[str]) -> list[Match]:
    """Customers with one of the USCCs or normalised company names (name_key is the SQL twin
    of domain.leads.normalize_company_name), oldest first."""
    conds: list[Any] = []
    if usccs:
        conds.append(Customer.uscc == func.any(literal(sorted(set(usccs)), ARRAY(Text))))
    if name_keys:
        conds.append(Customer.name_key == func.any(literal(sorted(set(name_keys)), ARRAY(Text))))
    if not conds:
        return []
    stmt = (
        select(Customer.id, Customer.uscc, Customer.name_key, Customer.owner_id, Customer.zone_id)
        .where(or_(*conds))
        .order_by(Customer.created_at, Customer.id)
    )
    return [Match(*row) for row in await session.execute(stmt)]


async def by_uscc(session: AsyncSession, uscc: str) -> Customer | None:
    return await session.scalar(select(Customer).where(Customer.uscc == uscc))


async def by_mobile(session: AsyncSession, mobile: str) -> Customer | None:
    return await session.scalar(select(Customer).where(Customer.mobile == mobile))


async def exists(session: AsyncSession, customer_id: uuid.UUID) -> bool:
    return await session.scalar(select(Customer.id).where(Customer.id == customer_id)) is not None


async def parent_chain(session: AsyncSession, customer_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    """id → parent_id for the ancestors of a customer (to refuse cycles)."""
    base = select(Customer.id, Customer.parent_id).where(Customer.id == customer_id).cte(recursive=True)
    base = base.union_all(select(Customer.id, Customer.parent_id).where(Customer.id == base.c.parent_id))
    rows = await session.execute(select(base.c.id, base.c.parent_id))
    return {r[0]: r[1] for r in rows}


async def recompute_followed_up(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """After a follow-up is deleted: the latest remaining one (or none) counts."""
    latest = (
        select(func.max(FollowUp.happened_at)).where(FollowUp.customer_id == customer_id).scalar_subquery()
    )
    await session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(last_followed_up_at=latest)
        .execution_options(synchronize_session=False)
    )


async def touch_followed_up(session: AsyncSession, customer_id: uuid.UUID, at: datetime) -> None:
    """Move last_followed_up_at forward (never back), without bumping the record's version:
    logging a follow-up must not make someone's open edit form stale."""
    await session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(last_followed_up_at=func.greatest(func.coalesce(Customer.last_followed_up_at, at), at))
        .execution_options(synchronize_session=False)
    )


async def name_candidates(session: AsyncSession, name_key: str, limit: int = 50) -> list[Customer]:
    """Customers whose name shares the first characters of a normalised company name (the
    caller compares normalised names; this narrows through the bigram index)."""
    head = "".join(name_key.split())[:4].lower()
    grams = sorted({head[i : i + 2] for i in range(len(head) - 1)})
    if not grams:
        return []
    stmt = select(Customer).where(Customer.name_bigrams.contains(literal(grams, ARRAY(Text)))).limit(limit)
    return list((await session.scalars(stmt)).all())
