"""Departments, sales zones and teams."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, any_, exists, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.errors import DuplicateRecord
from repositories.models import Customer, Department, SalesZone, Team, TeamMembership, User
from repositories.pagination import keyset, page


async def get_team(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    return await session.get(Team, team_id)


async def get_department(session: AsyncSession, department_id: uuid.UUID) -> Department | None:
    return await session.get(Department, department_id)


async def get_zone(session: AsyncSession, zone_id: uuid.UUID) -> SalesZone | None:
    return await session.get(SalesZone, zone_id)


async def existing_zone_ids(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set((await session.scalars(select(SalesZone.id).where(SalesZone.id.in_(ids)))).all())


async def flush_or_duplicate(session: AsyncSession, fields: dict[str, str]) -> None:
    """Flush; a unique violation on one of `fields` (constraint name → field) becomes a 409
    (the pre-checks catch the common case, this catches two writers racing)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)
        for constraint, field in fields.items():
            if constraint in text:
                raise DuplicateRecord(field, f"{field} is already taken") from exc
        raise


async def active_user_ref(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.scalar(select(User).where(User.id == user_id, User.is_active.is_(True)))


# --- departments ----------------------------------------------------------------------------


async def list_departments(session: AsyncSession) -> list[Department]:
    return list((await session.scalars(select(Department).order_by(Department.name, Department.id))).all())


async def department_parents(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(select(Department.id, Department.parent_id))
    return {r[0]: r[1] for r in rows}


async def department_sibling_named(
    session: AsyncSession, name: str, parent_id: uuid.UUID | None, exclude: uuid.UUID | None
) -> Department | None:
    stmt = select(Department).where(
        func.lower(Department.name) == name.lower(),
        Department.parent_id.is_(None) if parent_id is None else Department.parent_id == parent_id,
    )
    if exclude is not None:
        stmt = stmt.where(Department.id != exclude)
    return await session.scalar(stmt.limit(1))


async def department_usage(session: AsyncSession, department_id: uuid.UUID) -> tuple[int, int]:
    """(sub-departments, users) referencing the department."""
    children = select(func.count()).select_from(Department).where(Department.parent_id == department_id)
    users = select(func.count()).select_from(User).where(User.department_id == department_id)
    row = (await session.execute(select(children.scalar_subquery(), users.scalar_subquery()))).one()
    return int(row[0]), int(row[1])


# --- sales zones ----------------------------------------------------------------------------


def _zone_stmt() -> Select[Any]:
    stmt = select(SalesZone, User.display_name).outerjoin(User, User.id == SalesZone.leader_id)
    return stmt  # type: ignore[return-value]


async def list_zones(
    session: AsyncSession,
    *,
    q: str | None,
    only_ids: Iterable[uuid.UUID] | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[SalesZone, str | None]], str | None]:
    stmt = _zone_stmt()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(SalesZone.name.ilike(like) | SalesZone.code.ilike(like))
    if only_ids is not None:
        stmt = stmt.where(SalesZone.id.in_(sorted(only_ids)))
    stmt = keyset(stmt, SalesZone.name, SalesZone.id, False, cursor, limit)
    rows = [(r[0], r[1]) for r in (await session.execute(stmt)).all()]
    return page(rows, limit, lambda r: r[0].name, lambda r: r[0].id)


async def zone_view(session: AsyncSession, zone_id: uuid.UUID) -> tuple[SalesZone, str | None] | None:
    row = (await session.execute(_zone_stmt().where(SalesZone.id == zone_id))).first()
    return (row[0], row[1]) if row else None


async def zone_with(
    session: AsyncSession, column: str, value: str, exclude: uuid.UUID | None
) -> SalesZone | None:
    col = getattr(SalesZone, column)
    stmt = select(SalesZone).where(func.lower(col) == value.lower())
    if exclude is not None:
        stmt = stmt.where(SalesZone.id != exclude)
    return await session.scalar(stmt.limit(1))


async def zone_usage(session: AsyncSession, zone_id: uuid.UUID) -> dict[str, bool]:
    """Which records still point at the zone."""
    row = (
        await session.execute(
            select(
                exists().where(Team.zone_id == zone_id),
                exists().where(Customer.zone_id == zone_id),
                exists().where(literal(zone_id) == any_(User.zone_ids)),
            )
        )
    ).one()
    return {"teams": bool(row[0]), "customers": bool(row[1]), "users": bool(row[2])}


# --- teams ----------------------------------------------------------------------------------


def _team_stmt() -> Select[Any]:
    manager = aliased(User)
    members = (
        select(func.count())
        .select_from(User)
        .where(User.team_id == Team.id)
        .correlate(Team)
        .scalar_subquery()
    )
    return select(Team, manager.display_name, members.label("member_count")).outerjoin(
        manager, manager.id == Team.manager_id
    )


async def list_teams(
    session: AsyncSession, *, zone_id: uuid.UUID | None, only_ids: Iterable[uuid.UUID] | None
) -> list[tuple[Team, str | None, int]]:
    """Teams with their manager's name and member count, in one query."""
    stmt = _team_stmt()
    if zone_id is not None:
        stmt = stmt.where(Team.zone_id == zone_id)
    if only_ids is not None:
        stmt = stmt.where(Team.id.in_(sorted(only_ids)))
    stmt = stmt.order_by(Team.name, Team.id)
    return [(r[0], r[1], int(r[2])) for r in (await session.execute(stmt)).all()]


async def team_view(session: AsyncSession, team_id: uuid.UUID) -> tuple[Team, str | None, int] | None:
    row = (await session.execute(_team_stmt().where(Team.id == team_id))).first()
    return (row[0], row[1], int(row[2])) if row else None


async def team_parents(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(select(Team.id, Team.parent_id))
    return {r[0]: r[1] for r in rows}


async def team_named(
    session: AsyncSession, zone_id: uuid.UUID, name: str, exclude: uuid.UUID | None
) -> Team | None:
    stmt = select(Team).where(Team.zone_id == zone_id, Team.name == name)
    if exclude is not None:
        stmt = stmt.where(Team.id != exclude)
    return await session.scalar(stmt.limit(1))


async def team_usage(session: AsyncSession, team_id: uuid.UUID) -> dict[str, int]:
    """Users, sub-teams and membership-history rows referencing the team."""
    users = select(func.count()).select_from(User).where(User.team_id == team_id)
    children = select(func.count()).select_from(Team).where(Team.parent_id == team_id)
    history = select(func.count()).select_from(TeamMembership).where(TeamMembership.team_id == team_id)
    row = (
        await session.execute(
            select(users.scalar_subquery(), children.scalar_subquery(), history.scalar_subquery())
        )
    ).one()
    return {"members": int(row[0]), "sub_teams": int(row[1]), "history": int(row[2])}
