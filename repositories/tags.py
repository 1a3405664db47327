"""Tag categories, tags and tags on customers (with count and weight, seed 003)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import CustomerTag, Tag, TagCategory


async def categories(session: AsyncSession) -> list[TagCategory]:
    return list((await session.scalars(select(TagCategory).order_by(TagCategory.name))).all())


async def category_by_name(session: AsyncSession, name: str) -> TagCategory | None:
    return await session.scalar(select(TagCategory).where(func.lower(TagCategory.name) == name.lower()))


async def get_category(session: AsyncSession, category_id: uuid.UUID) -> TagCategory | None:
    return await session.get(TagCategory, category_id)


async def tags(session: AsyncSession, category_id: uuid.UUID | None) -> list[Tag]:
    stmt = select(Tag).order_by(Tag.category_id, Tag.weight.desc(), Tag.name)
    if category_id is not None:
        stmt = stmt.where(Tag.category_id == category_id)
    return list((await session.scalars(stmt)).all())


async def get_tag(session: AsyncSession, tag_id: uuid.UUID) -> Tag | None:
    return await session.get(Tag, tag_id)


async def tag_by_name(session: AsyncSession, category_id: uuid.UUID, name: str) -> Tag | None:
    return await session.scalar(select(Tag).where(Tag.category_id == category_id, Tag.name == name))


async def apply(
    session: AsyncSession, customer_id: uuid.UUID, tag: Tag, weight: int | None, by: uuid.UUID
) -> tuple[int, int]:
    """Tag the customer, or count one more application (次数). Returns (count, weight)."""
    stmt = insert(CustomerTag).values(
        customer_id=customer_id,
        tag_id=tag.id,
        count=1,
        weight=weight if weight is not None else tag.weight,
        last_tagged_by=by,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[CustomerTag.customer_id, CustomerTag.tag_id],
        set_={
            "count": CustomerTag.count + 1,
            "weight": stmt.excluded.weight if weight is not None else CustomerTag.weight,
            "last_tagged_at": func.now(),
            "last_tagged_by": by,
        },
    ).returning(CustomerTag.count, CustomerTag.weight)
    row = (await session.execute(upsert)).one()
    return int(row[0]), int(row[1])


async def remove(session: AsyncSession, customer_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(CustomerTag).where(CustomerTag.customer_id == customer_id, CustomerTag.tag_id == tag_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
