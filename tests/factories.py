"""Factory functions for test data. Org data goes straight to the database (fast); business
records go through the API like a user would."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient

from repositories import access as access_repo
from repositories import pools as pools_repo
from repositories.db import unit_of_work
from repositories.models import SalesZone, Team, User
from services.auth import hash_password

PASSWORD = "Passw0rd!2026"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


@dataclass
class TestUser:
    id: uuid.UUID
    username: str
    headers: dict[str, str]
    team_id: uuid.UUID | None = None


class Factory:
    def __init__(self, app: Any, client: AsyncClient) -> None:
        self.app = app
        self.ctx = app.state.ctx
        self.client = client

    async def zone(self, name: str | None = None, provinces: list[str] | None = None) -> SalesZone:
        n = next(_seq)
        async with unit_of_work(self.ctx.sessions) as s:
            zone = SalesZone(name=name or f"战区{n}", code=f"Z{n}", province_codes=provinces or [])
            s.add(zone)
            await s.flush()
            await pools_repo.add_default_pool(s, zone)  # as OrgService.create_zone does
        await self.ctx.access.changed()
        return zone

    async def team(
        self,
        zone: SalesZone,
        name: str | None = None,
        parent: Team | None = None,
        manager: TestUser | None = None,
    ) -> Team:
        async with unit_of_work(self.ctx.sessions) as s:
            team = Team(
                name=name or f"团队{next(_seq)}",
                zone_id=zone.id,
                parent_id=parent.id if parent else None,
                manager_id=manager.id if manager else None,
            )
            s.add(team)
        await self.ctx.access.changed()
        return team

    async def set_manager(self, team: Team, manager: TestUser) -> None:
        async with unit_of_work(self.ctx.sessions) as s:
            row = await s.get(Team, team.id)
            assert row is not None
            row.manager_id = manager.id
        await self.ctx.access.changed()

    async def user(
        self,
        *roles: str,
        team: Team | None = None,
        zones: list[SalesZone] | None = None,
        username: str | None = None,
        active: bool = True,
    ) -> TestUser:
        n = next(_seq)
        name = username or f"user{n}"
        async with unit_of_work(self.ctx.sessions) as s:
            user = User(
                username=name,
                display_name=f"用户{n}",
                password_hash=_HASH,
                team_id=team.id if team else None,
                zone_ids=[z.id for z in zones or []],
                is_active=active,
            )
            s.add(user)
            await s.flush()
            await access_repo.set_user_roles(s, user.id, list(roles))
        await self.ctx.access.changed()
        token = self.ctx.codec.issue(user.id)
        return TestUser(user.id, name, {"Authorization": f"Bearer {token}"}, team.id if team else None)

    async def admin(self) -> TestUser:
        return await self.user("admin")

    async def customer(self, owner: TestUser, **fields: Any) -> dict[str, Any]:
        body = {"kind": "enterprise", "name": f"测试客户{next(_seq)}有限公司", **fields}
        r = await self.client.post("/api/v1/customers", json=body, headers=owner.headers)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]
