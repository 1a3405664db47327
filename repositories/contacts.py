"""Contacts, always reached through a customer the caller may see."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.scope import DataScope
from repositories.models import Contact, Customer
from repositories.scope import visible_to


async def for_customer(session: AsyncSession, customer_id: uuid.UUID) -> list[Contact]:
    stmt = (
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.is_key_person.desc(), Contact.name, Contact.id)
    )
    return list((await session.scalars(stmt)).all())


async def get_visible(session: AsyncSession, contact_id: uuid.UUID, scope: DataScope) -> Contact | None:
    stmt = (
        select(Contact)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(Contact.id == contact_id, visible_to(scope, Customer.owner_id, Customer.zone_id))
    )
    return await session.scalar(stmt)


async def reports_to_map(session: AsyncSession, customer_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(
        select(Contact.id, Contact.reports_to_id).where(Contact.customer_id == customer_id)
    )
    return {r[0]: r[1] for r in rows}
