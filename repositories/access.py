"""Reads that build the in-memory access snapshot, and writes to casbin_rule / roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import String, cast, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import ApiKey, CasbinRule, Role, SalesZone, Team, User


@dataclass(frozen=True, slots=True)
class UserRow:
    id: uuid.UUID
    username: str
    display_name: str
    is_active: bool
    team_id: uuid.UUID | None
    zone_ids: tuple[uuid.UUID, ...]
    on_leave: bool = False


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    zone_id: uuid.UUID
    manager_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    id: uuid.UUID
    key_hash: str
    role: str
    user_id: uuid.UUID


async def load_users(session: AsyncSession) -> list[UserRow]:
    rows = await session.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            User.is_active,
            User.team_id,
            User.zone_ids,
            User.on_leave,
        )
    )
    return [UserRow(r[0], r[1], r[2], r[3], r[4], tuple(r[5] or ()), r[6]) for r in rows]


async def load_teams(session: AsyncSession) -> list[TeamRow]:
    rows = await session.execute(select(Team.id, Team.parent_id, Team.zone_id, Team.manager_id))
    return [TeamRow(*r) for r in rows]


async def load_zone_leaders(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(leader user id, zone id) for every zone that has a leader."""
    rows = await session.execute(
        select(SalesZone.leader_id, SalesZone.id).where(SalesZone.leader_id.is_not(None))
    )
    return [(r[0], r[1]) for r in rows if r[0] is not None]


async def load_active_api_keys(session: AsyncSession) -> list[ApiKeyRow]:
    rows = await session.execute(
        select(ApiKey.id, ApiKey.key_hash, ApiKey.role, ApiKey.user_id).where(ApiKey.revoked_at.is_(None))
    )
    return [ApiKeyRow(*r) for r in rows]


async def list_roles(session: AsyncSession) -> list[Role]:
    return list((await session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name))).all())


async def get_role(session: AsyncSession, name: str) -> Role | None:
    return await session.get(Role, name)


async def role_policies(session: AsyncSession) -> list[tuple[str, str, str, str]]:
    rows = await session.execute(
        select(CasbinRule.v0, CasbinRule.v1, CasbinRule.v2, CasbinRule.v3)
        .where(CasbinRule.ptype == "p")
        .order_by(CasbinRule.v0, CasbinRule.v1, CasbinRule.v2)
    )
    return [(r[0] or "", r[1] or "", r[2] or "", r[3] or "") for r in rows]


async def replace_role_policies(session: AsyncSession, role: str, rules: list[tuple[str, str, str]]) -> None:
    """Delete the role's rows one statement, insert the new set (never casbin's remove_policies,
    which deletes too much with several rules)."""
    await session.execute(delete(CasbinRule).where(CasbinRule.ptype == "p", CasbinRule.v0 == role))
    if rules:
        await session.execute(
            insert(CasbinRule),
            [{"ptype": "p", "v0": role, "v1": r, "v2": a, "v3": s} for r, a, s in rules],
        )


async def delete_role_rules(session: AsyncSession, role: str) -> None:
    await session.execute(delete(CasbinRule).where(CasbinRule.ptype == "p", CasbinRule.v0 == role))
    await session.execute(delete(CasbinRule).where(CasbinRule.ptype == "g", CasbinRule.v1 == role))


async def user_roles(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(CasbinRule.v1)
        .where(CasbinRule.ptype == "g", CasbinRule.v0 == str(user_id))
        .order_by(CasbinRule.v1)
    )
    return [r for r in rows if r]


async def set_user_roles(session: AsyncSession, user_id: uuid.UUID, roles: list[str]) -> None:
    await session.execute(delete(CasbinRule).where(CasbinRule.ptype == "g", CasbinRule.v0 == str(user_id)))
    if roles:
        await session.execute(
            insert(CasbinRule),
            [{"ptype": "g", "v0": str(user_id), "v1": role} for role in sorted(set(roles))],
        )


async def users_with_role(session: AsyncSession, role: str) -> list[uuid.UUID]:
    rows = await session.scalars(select(CasbinRule.v0).where(CasbinRule.ptype == "g", CasbinRule.v1 == role))
    return [uuid.UUID(r) for r in rows if r]


async def roles_for_users(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {u: [] for u in user_ids}
    if not user_ids:
        return out
    rows = await session.execute(
        select(CasbinRule.v0, CasbinRule.v1)
        .where(CasbinRule.ptype == "g", CasbinRule.v0.in_([str(u) for u in user_ids]))
        .order_by(CasbinRule.v1)
    )
    for subject, role in rows:
        if subject and role:
            out[uuid.UUID(subject)].append(role)
    return out


async def lock_role(session: AsyncSession, name: str) -> Role | None:
    """The role row, locked until commit: serialises concurrent policy edits of one role (two
    delete+insert replacements would otherwise leave the union of both sets)."""
    return await session.scalar(select(Role).where(Role.name == name).with_for_update())


async def policies_of(session: AsyncSession, role: str) -> list[tuple[str, str, str]]:
    rows = await session.execute(
        select(CasbinRule.v1, CasbinRule.v2, CasbinRule.v3)
        .where(CasbinRule.ptype == "p", CasbinRule.v0 == role)
        .order_by(CasbinRule.v1, CasbinRule.v2, CasbinRule.v3)
    )
    return [(r[0] or "", r[1] or "", r[2] or "") for r in rows]


async def count_active_holders(session: AsyncSession, role: str) -> int:
    """Active users who hold `role` directly."""
    holders = select(CasbinRule.v0).where(CasbinRule.ptype == "g", CasbinRule.v1 == role)
    stmt = (
        select(func.count())
        .select_from(User)
        .where(User.is_active.is_(True), cast(User.id, String).in_(holders))
    )
    return int(await session.scalar(stmt) or 0)
