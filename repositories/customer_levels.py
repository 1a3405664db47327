"""Customer level definitions (客户等级); level-change requests are approval requests
(repositories/approvals.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import Customer, CustomerLevelDefinition

# --- level definitions --------------------------------------------------------------------------


async def levels(session: AsyncSession) -> list[CustomerLevelDefinition]:
    stmt = select(CustomerLevelDefinition).order_by(CustomerLevelDefinition.sort_order)
    return list((await session.scalars(stmt)).all())


async def get_level(session: AsyncSession, code: str) -> CustomerLevelDefinition | None:
    return await session.get(CustomerLevelDefinition, code)


# --- the customer whose level or financial information an approval changes ----------------------


async def lock_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    """The customer, locked for this transaction (its level is about to change)."""
    stmt = (
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()
