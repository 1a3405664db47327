"""The opportunity team (跨部门商机团队, seed 002): members with their role on the deal and the
contact details teammates share (phone, e-mail, team, department)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from repositories.models import Department, OpportunityContact, OpportunityMember, Team, User

# a result row of any shape (the columns are named; read them as attributes)
ResultRow = Row[*tuple[Any, ...]]


def _card() -> Select[*tuple[Any, ...]]:
    """A person's card: name, phone, e-mail, team and department (one row per user)."""
    return (
        select(
            User.id.label("user_id"),
            User.display_name,
            User.mobile.label("phone"),
            User.email,
            User.is_active,
            Team.name.label("team_name"),
            Department.name.label("department_name"),
        )
        .select_from(User)
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(Department, Department.id == User.department_id)
    )


async def card(session: AsyncSession, user_id: uuid.UUID) -> ResultRow | None:
    return (await session.execute(_card().where(User.id == user_id))).first()


async def members(
    session: AsyncSession, opportunity_id: uuid.UUID, user_id: uuid.UUID | None = None
) -> list[ResultRow]:
    """The team in the order people joined, each with their card and who added them."""
    adder = aliased(User)
    stmt = (
        _card()
        .add_columns(
            OpportunityMember.role,
            OpportunityMember.note,
            OpportunityMember.added_by,
            adder.display_name.label("added_by_name"),
            OpportunityMember.added_at,
        )
        .join(OpportunityMember, OpportunityMember.user_id == User.id)
        .outerjoin(adder, adder.id == OpportunityMember.added_by)
        .where(OpportunityMember.opportunity_id == opportunity_id)
        .order_by(OpportunityMember.added_at, User.display_name, User.id)
    )
    if user_id is not None:
        stmt = stmt.where(OpportunityMember.user_id == user_id)
    return list((await session.execute(stmt)).all())


async def member(
    session: AsyncSession, opportunity_id: uuid.UUID, user_id: uuid.UUID
) -> OpportunityMember | None:
    return await session.get(OpportunityMember, (opportunity_id, user_id))


async def active_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.scalar(select(User).where(User.id == user_id, User.is_active.is_(True)))


async def covered_by(
    session: AsyncSession, opportunity_id: uuid.UUID, user_id: uuid.UUID
) -> list[OpportunityContact]:
    """The decision-chain entries of an opportunity a user covers."""
    return list(
        await session.scalars(
            select(OpportunityContact).where(
                OpportunityContact.opportunity_id == opportunity_id,
                OpportunityContact.covered_by_id == user_id,
            )
        )
    )
