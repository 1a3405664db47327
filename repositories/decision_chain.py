"""The decision chain (决策链) of an opportunity: the customer's contacts with their part in
this deal, who on our side covers each, and when we last touched them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, exists, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import Contact, FollowUp, OpportunityContact, User, table

# a result row of any shape (the columns are named; read them as attributes)
ResultRow = Row[*tuple[Any, ...]]


async def copy_from_customer(
    session: AsyncSession, opportunity_id: uuid.UUID, customer_id: uuid.UUID
) -> list[uuid.UUID]:
    """One chain entry per contact of the customer (its decision role and attitude carried
    over), in one INSERT … SELECT; contacts already in the chain are left as they are. Returns
    the contact ids added."""
    oc = table(OpportunityContact)
    source = select(
        func.gen_random_uuid(),
        literal(opportunity_id, oc.c.opportunity_id.type),
        Contact.id,
        Contact.decision_role,
        Contact.attitude,
    ).where(Contact.customer_id == customer_id)
    stmt = (
        insert(oc)
        .from_select(["id", "opportunity_id", "contact_id", "role", "attitude"], source)
        .on_conflict_do_nothing(constraint="uq_opportunity_contacts_pair")
        .returning(oc.c.contact_id)
    )
    return list(await session.scalars(stmt))


def _latest_follow_up(customer_id: uuid.UUID) -> Any:
    """Each contact's latest follow-up on the customer (one grouped pass over its follow-ups)."""
    return (
        select(FollowUp.contact_id, func.max(FollowUp.happened_at).label("at"))
        .where(FollowUp.customer_id == customer_id, FollowUp.contact_id.is_not(None))
        .group_by(FollowUp.contact_id)
        .subquery("latest")
    )


async def entries(
    session: AsyncSession,
    opportunity_id: uuid.UUID,
    customer_id: uuid.UUID,
    entry_id: uuid.UUID | None = None,
) -> list[ResultRow]:
    """The chain with each contact's card, the name of who covers them and the last touch:
    the later of the stored value and the contact's latest follow-up (GREATEST skips NULLs)."""
    latest = _latest_follow_up(customer_id)
    stmt = (
        select(
            OpportunityContact.id,
            OpportunityContact.contact_id,
            Contact.name,
            Contact.title,
            Contact.department,
            Contact.mobile,
            Contact.email,
            Contact.reports_to_id,
            OpportunityContact.role,
            OpportunityContact.attitude,
            OpportunityContact.satisfaction,
            OpportunityContact.influence,
            OpportunityContact.covered_by_id,
            User.display_name.label("covered_by_name"),
            func.greatest(OpportunityContact.last_touch_at, latest.c.at).label("last_touch_at"),
            OpportunityContact.notes,
            OpportunityContact.created_at,
            OpportunityContact.updated_at,
        )
        .join(Contact, Contact.id == OpportunityContact.contact_id)
        .outerjoin(User, User.id == OpportunityContact.covered_by_id)
        .outerjoin(latest, latest.c.contact_id == OpportunityContact.contact_id)
        .where(OpportunityContact.opportunity_id == opportunity_id)
        .order_by(OpportunityContact.created_at, Contact.name, OpportunityContact.id)
    )
    if entry_id is not None:
        stmt = stmt.where(OpportunityContact.id == entry_id)
    return list((await session.execute(stmt)).all())


async def entry(
    session: AsyncSession, opportunity_id: uuid.UUID, entry_id: uuid.UUID
) -> OpportunityContact | None:
    return await session.scalar(
        select(OpportunityContact).where(
            OpportunityContact.id == entry_id, OpportunityContact.opportunity_id == opportunity_id
        )
    )


async def in_chain(session: AsyncSession, opportunity_id: uuid.UUID, contact_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    OpportunityContact.opportunity_id == opportunity_id,
                    OpportunityContact.contact_id == contact_id,
                )
            )
        )
    )


async def contact_of(session: AsyncSession, customer_id: uuid.UUID, contact_id: uuid.UUID) -> Contact | None:
    return await session.scalar(
        select(Contact).where(Contact.id == contact_id, Contact.customer_id == customer_id)
    )
