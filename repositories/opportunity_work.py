"""The work under an opportunity: requirements (需求跟进), solution documents and their versions,
sample / POC requests with their approval, follow-ups and the decision chain's last touch.

Callers have already resolved the opportunity through services.opportunity_access (the scope
check); every statement here is keyed by that opportunity's id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import (
    ApprovalRequest,
    Contact,
    Customer,
    FollowUp,
    OpportunityContact,
    OpportunityDocument,
    OpportunityMember,
    OpportunityRequirement,
    SampleRequest,
)
from repositories.pagination import keyset, page

# --- the opportunity's people and customer ------------------------------------------------------


async def member_ids(session: AsyncSession, opportunity_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        await session.scalars(
            select(OpportunityMember.user_id).where(OpportunityMember.opportunity_id == opportunity_id)
        )
    )


async def customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    return await session.get(Customer, customer_id)


# --- requirements --------------------------------------------------------------------------------


async def requirements(session: AsyncSession, opportunity_id: uuid.UUID) -> list[OpportunityRequirement]:
    """All of an opportunity's requirements, oldest first (a handful per deal)."""
    return list(
        await session.scalars(
            select(OpportunityRequirement)
            .where(OpportunityRequirement.opportunity_id == opportunity_id)
            .order_by(OpportunityRequirement.created_at, OpportunityRequirement.id)
        )
    )


async def requirement(
    session: AsyncSession, opportunity_id: uuid.UUID, requirement_id: uuid.UUID, *, lock: bool = False
) -> OpportunityRequirement | None:
    stmt = select(OpportunityRequirement).where(
        OpportunityRequirement.id == requirement_id, OpportunityRequirement.opportunity_id == opportunity_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


# --- documents -----------------------------------------------------------------------------------


async def document_versions(session: AsyncSession, opportunity_id: uuid.UUID) -> list[OpportunityDocument]:
    """Every version of every document of the opportunity: documents by their first upload,
    each document's versions newest first."""
    first = (
        select(OpportunityDocument.document_id, func.min(OpportunityDocument.uploaded_at).label("first_at"))
        .where(OpportunityDocument.opportunity_id == opportunity_id)
        .group_by(OpportunityDocument.document_id)
        .subquery()
    )
    return list(
        await session.scalars(
            select(OpportunityDocument)
            .join(first, first.c.document_id == OpportunityDocument.document_id)
            .where(OpportunityDocument.opportunity_id == opportunity_id)
            .order_by(
                first.c.first_at,
                OpportunityDocument.document_id,
                OpportunityDocument.version_number.desc(),
            )
        )
    )


async def versions_of(
    session: AsyncSession, opportunity_id: uuid.UUID, document_id: uuid.UUID
) -> list[OpportunityDocument]:
    """One document's versions, newest first."""
    return list(
        await session.scalars(
            select(OpportunityDocument)
            .where(
                OpportunityDocument.opportunity_id == opportunity_id,
                OpportunityDocument.document_id == document_id,
            )
            .order_by(OpportunityDocument.version_number.desc())
        )
    )


async def document_version(
    session: AsyncSession, opportunity_id: uuid.UUID, version_id: uuid.UUID
) -> OpportunityDocument | None:
    return await session.scalar(
        select(OpportunityDocument).where(
            OpportunityDocument.id == version_id, OpportunityDocument.opportunity_id == opportunity_id
        )
    )


# --- samples -------------------------------------------------------------------------------------

# a sample with its approval's status and open step (None without a request)
SampleRow = tuple[SampleRequest, str | None, str | None]


def _samples() -> Any:
    return select(SampleRequest, ApprovalRequest.status, ApprovalRequest.step_name).outerjoin(
        ApprovalRequest, ApprovalRequest.id == SampleRequest.approval_request_id
    )


async def samples(session: AsyncSession, opportunity_id: uuid.UUID) -> list[SampleRow]:
    """The opportunity's sample requests, newest first, with their approval's progress."""
    rows = await session.execute(
        _samples()
        .where(SampleRequest.opportunity_id == opportunity_id)
        .order_by(SampleRequest.created_at.desc(), SampleRequest.id.desc())
    )
    return [(r[0], r[1], r[2]) for r in rows.all()]


async def sample_row(session: AsyncSession, sample_id: uuid.UUID) -> SampleRow | None:
    row = (await session.execute(_samples().where(SampleRequest.id == sample_id))).first()
    return (row[0], row[1], row[2]) if row is not None else None


async def sample(
    session: AsyncSession, opportunity_id: uuid.UUID, sample_id: uuid.UUID, *, lock: bool = False
) -> SampleRequest | None:
    stmt = select(SampleRequest).where(
        SampleRequest.id == sample_id, SampleRequest.opportunity_id == opportunity_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


# --- follow-ups ----------------------------------------------------------------------------------


async def follow_ups(
    session: AsyncSession, opportunity_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[tuple[FollowUp, str | None]], str | None]:
    """The opportunity's follow-ups newest first, with each one's contact name."""
    stmt: Any = (
        select(FollowUp, Contact.name)
        .outerjoin(Contact, Contact.id == FollowUp.contact_id)
        .where(FollowUp.opportunity_id == opportunity_id)
    )
    stmt = keyset(stmt, FollowUp.happened_at, FollowUp.id, True, cursor, limit)
    rows = [(r[0], r[1]) for r in (await session.execute(stmt)).all()]
    return page(rows, limit, lambda r: r[0].happened_at, lambda r: r[0].id)


async def contact_of(session: AsyncSession, customer_id: uuid.UUID, contact_id: uuid.UUID) -> Contact | None:
    return await session.scalar(
        select(Contact).where(Contact.id == contact_id, Contact.customer_id == customer_id)
    )


async def touch_chain_contact(
    session: AsyncSession, opportunity_id: uuid.UUID, contact_id: uuid.UUID, at: datetime
) -> None:
    """A follow-up with a contact in the opportunity's decision chain moves its last touch
    forward (never back)."""
    await session.execute(
        update(OpportunityContact)
        .where(
            OpportunityContact.opportunity_id == opportunity_id, OpportunityContact.contact_id == contact_id
        )
        .values(last_touch_at=func.greatest(func.coalesce(OpportunityContact.last_touch_at, at), at))
        .execution_options(synchronize_session=False)
    )
