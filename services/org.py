"""Organisation: the department tree, sales zones (战区) and the team tree.

Teams and zones feed the data scopes (a manager's team, a director's zones), so every team
change tells all processes to reload their access snapshot after the commit.

Row scope for org records: `all` sees every zone/team; narrower scopes see the zones the
caller covers (`zone_ids` plus their teams' zones) and, for teams, the teams in those zones
(`zone`) or the caller's own and managed teams with sub-teams (`team`/`own`). Out of scope is
404. Departments carry no owner or zone, so any granted scope sees them all.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import would_create_cycle
from domain.errors import DuplicateRecord, FieldError, NotFound, RuleViolation, check_version
from domain.scope import ScopeLevel
from repositories import org as org_repo
from repositories import pools as pools_repo
from repositories import regions as regions_repo
from repositories.db import after_commit
from repositories.models import Department, SalesZone, Team
from services.authz import AccessControl
from services.context import Actor

ZoneView = tuple[SalesZone, str | None]
TeamView = tuple[Team, str | None, int]

_ZONE_UNIQUE = {"uq_sales_zones_name": "name", "uq_sales_zones_code": "code"}
_TEAM_UNIQUE = {"uq_teams_zone_name": "name"}


def _field_errors(errors: list[dict[str, str]]) -> FieldError:
    exc = FieldError(errors[0]["field"], errors[0]["message"])
    exc.errors = errors
    exc.detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return exc


def visible_zone_ids(actor: Actor) -> set[uuid.UUID] | None:
    """None = every zone."""
    if actor.scope.level is ScopeLevel.ALL:
        return None
    return set(actor.access.org.zones_of(actor.user_id))


def visible_team_ids(actor: Actor) -> set[uuid.UUID] | None:
    """None = every team."""
    level = actor.scope.level
    if level is ScopeLevel.ALL:
        return None
    org = actor.access.org
    if level is ScopeLevel.ZONE:
        zones = org.zones_of(actor.user_id)
        return {t.id for t in org.teams.values() if t.zone_id in zones}
    return org.teams_of(actor.user_id)


class OrgService:
    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access

    async def _check_user(self, field: str, user_id: uuid.UUID | None) -> None:
        if user_id is not None and await org_repo.active_user_ref(self.session, user_id) is None:
            raise FieldError(field, "no such active user")

    # --- departments ----------------------------------------------------------------------------

    async def departments(self) -> list[Department]:
        return await org_repo.list_departments(self.session)

    async def department(self, department_id: uuid.UUID) -> Department:
        dept = await org_repo.get_department(self.session, department_id)
        if dept is None:
            raise NotFound("department", department_id)
        return dept

    async def _check_department_name(
        self, name: str, parent_id: uuid.UUID | None, exclude: uuid.UUID | None
    ) -> None:
        other = await org_repo.department_sibling_named(self.session, name, parent_id, exclude)
        if other is not None:
            raise DuplicateRecord(
                "name", f"a department named {name!r} already exists at this level", other.id
            )

    async def create_department(self, data: dict[str, Any]) -> Department:
        parent_id = data.get("parent_id")
        if parent_id is not None and await org_repo.get_department(self.session, parent_id) is None:
            raise FieldError("parent_id", "no such department")
        await self._check_department_name(data["name"], parent_id, None)
        dept = Department(name=data["name"], parent_id=parent_id)
        self.session.add(dept)
        await self.session.flush()
        return dept

    async def update_department(
        self, department_id: uuid.UUID, data: dict[str, Any], expected: int | None
    ) -> Department:
        dept = await self.department(department_id)
        check_version(dept.version, expected)
        parent_id = data.get("parent_id", dept.parent_id)
        if "parent_id" in data and parent_id is not None:
            if await org_repo.get_department(self.session, parent_id) is None:
                raise FieldError("parent_id", "no such department")
            if would_create_cycle(dept.id, parent_id, await org_repo.department_parents(self.session)):
                raise FieldError(
                    "parent_id", "a department cannot be placed under itself or its sub-departments"
                )
        name = data.get("name", dept.name)
        if name != dept.name or parent_id != dept.parent_id:
            await self._check_department_name(name, parent_id, dept.id)
        dept.name, dept.parent_id = name, parent_id
        await self.session.flush()
        return dept

    async def delete_department(self, department_id: uuid.UUID) -> None:
        dept = await self.department(department_id)
        children, users = await org_repo.department_usage(self.session, dept.id)
        if children or users:
            raise RuleViolation(
                f"The department still has {children} sub-department(s) and {users} user(s); move them first",
                sub_departments=children,
                users=users,
            )
        await self.session.delete(dept)
        await self.session.flush()

    # --- sales zones ----------------------------------------------------------------------------

    async def zones(
        self, actor: Actor, *, q: str | None, cursor: str | None, limit: int
    ) -> tuple[list[ZoneView], str | None]:
        return await org_repo.list_zones(
            self.session, q=q, only_ids=visible_zone_ids(actor), cursor=cursor, limit=limit
        )

    async def zone(self, actor: Actor, zone_id: uuid.UUID) -> ZoneView:
        visible = visible_zone_ids(actor)
        view = (
            await org_repo.zone_view(self.session, zone_id) if visible is None or zone_id in visible else None
        )
        if view is None:
            raise NotFound("sales zone", zone_id)
        return view

    async def _check_zone_fields(self, data: dict[str, Any], zone_id: uuid.UUID | None) -> None:
        for field in ("name", "code"):
            if field in data:
                other = await org_repo.zone_with(self.session, field, data[field], zone_id)
                if other is not None:
                    raise DuplicateRecord(field, f"another sales zone has {field} {data[field]!r}", other.id)
        errors: list[dict[str, str]] = []
        for field, level, kind in (("province_codes", 1, "province"), ("city_codes", 2, "city")):
            codes = data.get(field)
            if not codes:
                continue
            found = await regions_repo.by_codes(self.session, list(set(codes)))
            for i, code in enumerate(codes):
                region = found.get(code)
                if region is None:
                    errors.append({"field": f"{field}.{i}", "message": f"unknown region code {code}"})
                elif region.level != level:
                    errors.append(
                        {"field": f"{field}.{i}", "message": f"{code} ({region.name}) is not a {kind}"}
                    )
            data[field] = list(dict.fromkeys(codes))
        if errors:
            raise _field_errors(errors)
        if data.get("leader_id") is not None:
            await self._check_user("leader_id", data["leader_id"])

    async def create_zone(self, data: dict[str, Any]) -> ZoneView:
        await self._check_zone_fields(data, None)
        zone = SalesZone(**data)
        self.session.add(zone)
        await org_repo.flush_or_duplicate(self.session, _ZONE_UNIQUE)
        await pools_repo.add_default_pool(self.session, zone)  # every zone has its public pool
        after_commit(self.session, self.access.changed)  # the leader's zone scope
        return await self.zone_view(zone.id)

    async def zone_view(self, zone_id: uuid.UUID) -> ZoneView:
        view = await org_repo.zone_view(self.session, zone_id)
        assert view is not None
        return view

    async def update_zone(
        self, actor: Actor, zone_id: uuid.UUID, data: dict[str, Any], expected: int | None
    ) -> ZoneView:
        zone, _ = await self.zone(actor, zone_id)
        check_version(zone.version, expected)
        await self._check_zone_fields(data, zone.id)
        for key, value in data.items():
            setattr(zone, key, value)
        await org_repo.flush_or_duplicate(self.session, _ZONE_UNIQUE)
        after_commit(self.session, self.access.changed)  # the leader's zone scope
        return await self.zone_view(zone.id)

    async def delete_zone(self, actor: Actor, zone_id: uuid.UUID) -> None:
        zone, _ = await self.zone(actor, zone_id)
        usage = await org_repo.zone_usage(self.session, zone.id)
        used = [name for name, present in usage.items() if present]
        if used:
            raise RuleViolation(
                f"The sales zone is still used by {', '.join(used)}; move or reassign them first",
                used_by=used,
            )
        await self.session.delete(zone)
        await self.session.flush()
        after_commit(self.session, self.access.changed)

    # --- teams ----------------------------------------------------------------------------------

    async def teams(self, actor: Actor, zone_id: uuid.UUID | None) -> list[TeamView]:
        return await org_repo.list_teams(self.session, zone_id=zone_id, only_ids=visible_team_ids(actor))

    async def team(self, actor: Actor, team_id: uuid.UUID) -> TeamView:
        visible = visible_team_ids(actor)
        view = (
            await org_repo.team_view(self.session, team_id) if visible is None or team_id in visible else None
        )
        if view is None:
            raise NotFound("team", team_id)
        return view

    async def _team_view(self, team_id: uuid.UUID) -> TeamView:
        view = await org_repo.team_view(self.session, team_id)
        assert view is not None
        return view

    async def _check_team_name(self, zone_id: uuid.UUID, name: str, exclude: uuid.UUID | None) -> None:
        other = await org_repo.team_named(self.session, zone_id, name, exclude)
        if other is not None:
            raise DuplicateRecord("name", f"the sales zone already has a team named {name!r}", other.id)

    async def _check_parent(
        self, parent_id: uuid.UUID, zone_id: uuid.UUID, team_id: uuid.UUID | None
    ) -> None:
        parent = await org_repo.get_team(self.session, parent_id)
        if parent is None:
            raise FieldError("parent_id", "no such team")
        if parent.zone_id != zone_id:
            raise FieldError("parent_id", "a sub-team must be in the same sales zone as its parent team")
        if team_id is not None and would_create_cycle(
            team_id, parent_id, await org_repo.team_parents(self.session)
        ):
            raise FieldError("parent_id", "a team cannot be placed under itself or its sub-teams")

    async def create_team(self, actor: Actor, data: dict[str, Any]) -> TeamView:
        zone_id = data["zone_id"]
        zones = visible_zone_ids(actor)
        if (zones is not None and zone_id not in zones) or await org_repo.get_zone(
            self.session, zone_id
        ) is None:
            raise FieldError("zone_id", "no such sales zone")
        if data.get("parent_id") is not None:
            await self._check_parent(data["parent_id"], zone_id, None)
        await self._check_user("manager_id", data.get("manager_id"))
        await self._check_team_name(zone_id, data["name"], None)
        team = Team(**data)
        self.session.add(team)
        await org_repo.flush_or_duplicate(self.session, _TEAM_UNIQUE)
        after_commit(self.session, self.access.changed)
        return await self._team_view(team.id)

    async def update_team(
        self, actor: Actor, team_id: uuid.UUID, data: dict[str, Any], expected: int | None
    ) -> TeamView:
        team, _, _ = await self.team(actor, team_id)
        check_version(team.version, expected)
        zone_id = data.get("zone_id", team.zone_id)
        parent_id = data.get("parent_id", team.parent_id)
        if zone_id != team.zone_id:
            zones = visible_zone_ids(actor)
            if (zones is not None and zone_id not in zones) or await org_repo.get_zone(
                self.session, zone_id
            ) is None:
                raise FieldError("zone_id", "no such sales zone")
            usage = await org_repo.team_usage(self.session, team.id)
            if usage["members"] or usage["sub_teams"]:
                raise RuleViolation(
                    "Only a team without members or sub-teams can move to another sales zone "
                    "(their customers belong to the zone); move them first",
                    members=usage["members"],
                    sub_teams=usage["sub_teams"],
                )
        if parent_id is not None and (parent_id != team.parent_id or zone_id != team.zone_id):
            await self._check_parent(parent_id, zone_id, team.id)
        if "manager_id" in data:
            await self._check_user("manager_id", data["manager_id"])
        name = data.get("name", team.name)
        if name != team.name or zone_id != team.zone_id:
            await self._check_team_name(zone_id, name, team.id)
        for key, value in data.items():
            setattr(team, key, value)
        await org_repo.flush_or_duplicate(self.session, _TEAM_UNIQUE)
        after_commit(self.session, self.access.changed)
        return await self._team_view(team.id)

    async def delete_team(self, actor: Actor, team_id: uuid.UUID) -> None:
        team, _, _ = await self.team(actor, team_id)
        usage = await org_repo.team_usage(self.session, team.id)
        if usage["members"] or usage["sub_teams"]:
            raise RuleViolation(
                f"The team still has {usage['members']} member(s) and {usage['sub_teams']} sub-team(s); "
                "move them first",
                members=usage["members"],
                sub_teams=usage["sub_teams"],
            )
        if usage["history"]:
            raise RuleViolation(
                "The team has past members; it is kept so their team history stays readable",
                past_memberships=usage["history"],
            )
        await self.session.delete(team)
        await self.session.flush()
        after_commit(self.session, self.access.changed)
