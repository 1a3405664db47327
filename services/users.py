"""User administration: accounts, roles, team moves with history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import (
    DuplicateRecord,
    FieldError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    check_version,
)
from repositories import access as access_repo
from repositories import audit, identity
from repositories import org as org_repo
from repositories import users as users_repo
from repositories.db import after_commit
from repositories.models import TeamMembership, User
from services.auth import hash_password
from services.authz import AccessControl
from services.context import Actor


class UserService:
    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access

    async def get(self, user_id: uuid.UUID) -> User:
        user = await users_repo.get(self.session, user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user

    async def roles_of(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        return await access_repo.roles_for_users(self.session, user_ids)

    def manager_of(self, user: User) -> uuid.UUID | None:
        """The management chain from the user's *current* team (OrgSnapshot.manager_of reads the
        snapshot, which does not know a user created or moved in this very request)."""
        teams = self.access.org.teams
        team_id = user.team_id
        seen: set[uuid.UUID] = set()
        while team_id is not None and team_id not in seen:
            seen.add(team_id)
            team = teams.get(team_id)
            if team is None:
                return None
            if team.manager_id is not None and team.manager_id != user.id:
                return team.manager_id
            team_id = team.parent_id
        return None

    def _check_may_grant(self, grantor: Actor | None) -> None:
        """Handing out roles is role management: without it anyone who may edit users could make
        themselves admin."""
        if grantor is not None and not grantor.access.allowed(grantor.principal, "role", "manage"):
            raise PermissionDenied("Assigning roles needs the role/manage permission")

    async def search(self, **filters: Any) -> tuple[list[User], str | None]:
        team_id = filters.pop("team_id", None)
        team_ids = sorted(self.access.org.subtree(team_id)) if team_id else None
        return await users_repo.search(self.session, team_ids=team_ids, **filters)

    async def _check_unique(
        self, username: str | None, mobile: str | None, user_id: uuid.UUID | None
    ) -> None:
        if username:
            other = await users_repo.by_username(self.session, username)
            if other is not None and other.id != user_id:
                raise DuplicateRecord("username", f"username {username!r} is taken", other.id)
        if mobile:
            other = await users_repo.by_mobile(self.session, mobile)
            if other is not None and other.id != user_id:
                raise DuplicateRecord("mobile", "another user has this mobile number", other.id)

    async def _check_refs(self, data: dict[str, Any]) -> None:
        if data.get("roles") is not None:
            known = {r.name for r in await access_repo.list_roles(self.session)}
            unknown = sorted(set(data["roles"]) - known)
            if unknown:
                raise FieldError("roles", f"unknown role(s): {', '.join(unknown)}")
        if data.get("team_id") is not None and await org_repo.get_team(self.session, data["team_id"]) is None:
            raise FieldError("team_id", "no such team")
        if (
            data.get("department_id") is not None
            and await org_repo.get_department(self.session, data["department_id"]) is None
        ):
            raise FieldError("department_id", "no such department")
        if data.get("zone_ids"):
            missing = set(data["zone_ids"]) - await org_repo.existing_zone_ids(self.session, data["zone_ids"])
            if missing:
                raise FieldError("zone_ids", "no such sales zone: " + ", ".join(sorted(map(str, missing))))

    async def create(
        self, actor_id: uuid.UUID | None, data: dict[str, Any], grantor: Actor | None = None
    ) -> User:
        if data.get("roles"):
            self._check_may_grant(grantor)
        await self._check_unique(data["username"], data.get("mobile"), None)
        await self._check_refs(data)
        roles = data.pop("roles", []) or []
        password = data.pop("password")
        user = User(**data, password_hash=hash_password(password))
        self.session.add(user)
        await self.session.flush()
        await access_repo.set_user_roles(self.session, user.id, roles)
        audit.record(self.session, "user", user.id, "set_roles", {"roles": [[], sorted(roles)]})
        if user.team_id is not None:
            await users_repo.open_membership(self.session, user.id, user.team_id, "created", actor_id)
        after_commit(self.session, self.access.changed)
        return user

    async def update(
        self,
        user_id: uuid.UUID,
        data: dict[str, Any],
        expected_version: int | None,
        grantor: Actor | None = None,
    ) -> User:
        user = await self.get(user_id)
        check_version(user.version, expected_version)
        if "team_id" in data:
            raise FieldError("team_id", "use POST /users/{id}/move to change a user's team (keeps history)")
        await self._check_unique(None, data.get("mobile"), user.id)
        await self._check_refs(data)
        roles = data.pop("roles", None)
        password = data.pop("password", None)
        for key, value in data.items():
            setattr(user, key, value)
        if password:
            user.password_hash = hash_password(password)
            user.password_changed_at = datetime.now(UTC)
            await identity.revoke_user_tokens(self.session, user.id, datetime.now(UTC))
        if data.get("is_active") is False:
            await identity.revoke_user_tokens(self.session, user.id, datetime.now(UTC))
        if roles is not None:
            before = await access_repo.user_roles(self.session, user.id)
            if before != sorted(set(roles)):
                self._check_may_grant(grantor)
                await access_repo.set_user_roles(self.session, user.id, roles)
                audit.record(
                    self.session, "user", user.id, "set_roles", {"roles": [before, sorted(set(roles))]}
                )
                user.updated_at = datetime.now(UTC)  # new version → new ETag: the roles are part of it
        await self.session.flush()
        if (roles is not None or data.get("is_active") is False) and await access_repo.count_active_holders(
            self.session, "admin"
        ) == 0:
            raise RuleViolation("This would leave no active administrator; make someone else admin first")
        after_commit(self.session, self.access.changed)
        return user

    async def move(
        self, actor_id: uuid.UUID | None, user_id: uuid.UUID, team_id: uuid.UUID, reason: str
    ) -> User:
        """Change the user's team: the old membership closes, a new one opens, and the customers
        they own move to the new team's zone so the new managers see them."""
        user = await self.get(user_id)
        team = await org_repo.get_team(self.session, team_id)
        if team is None:
            raise FieldError("team_id", "no such team")
        if user.team_id == team_id:
            raise FieldError("team_id", "the user is already in this team")
        now = datetime.now(UTC)
        await users_repo.close_membership(self.session, user.id, now)
        await users_repo.open_membership(self.session, user.id, team_id, reason, actor_id)
        user.team_id = team_id
        moved = await users_repo.move_owned_customers_to_zone(self.session, user.id, team.zone_id)
        if moved:
            audit.record(
                self.session,
                "user",
                user.id,
                "customers_moved_zone",
                {"zone_id": [None, str(team.zone_id)], "customers": [None, len(moved)]},
            )
        await self.session.flush()
        after_commit(self.session, self.access.changed)
        return user

    async def memberships(self, user_id: uuid.UUID) -> list[tuple[TeamMembership, str]]:
        await self.get(user_id)
        return await users_repo.memberships(self.session, user_id)
