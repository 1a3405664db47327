"""Roles and their permission rules (Casbin `p` rows: role, resource, action, scope).

Rules are replaced as a set in SQL (repositories.access.replace_role_policies) inside the
request's transaction, audited with the before/after sets; after the commit every process
reloads its policy through the Redis version (AccessControl.changed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import RESOURCES
from domain.errors import DuplicateRecord, FieldError, NotFound, RuleViolation
from domain.scope import SCOPE_NAMES
from repositories import access as access_repo
from repositories import audit, identity
from repositories.db import after_commit
from repositories.models import Role
from services.authz import AccessControl

Rule = tuple[str, str, str]

ADMIN_ROLE = "admin"
# rules the admin role keeps whatever is PUT, so nobody can lock everyone out of role management
LOCKED_ADMIN_RULES = (("role", "manage"),)


def validate_rules(rules: list[dict[str, str]]) -> list[Rule]:
    """Each rule names a known resource, one of its actions and a scope; one rule per
    resource/action. Errors name the item: `policies.2.action`."""
    errors: list[dict[str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    out: list[Rule] = []
    for i, rule in enumerate(rules):
        resource, action, scope = rule["resource"], rule["action"], rule["scope"]
        actions = RESOURCES.get(resource)
        if actions is None:
            errors.append({"field": f"policies.{i}.resource", "message": f"unknown resource {resource!r}"})
            continue
        if action not in actions:
            errors.append(
                {
                    "field": f"policies.{i}.action",
                    "message": f"{resource} has no action {action!r} (one of: {', '.join(actions)})",
                }
            )
            continue
        if scope not in SCOPE_NAMES:
            errors.append(
                {"field": f"policies.{i}.scope", "message": f"scope must be one of: {', '.join(SCOPE_NAMES)}"}
            )
            continue
        if (resource, action) in seen:
            errors.append(
                {
                    "field": f"policies.{i}",
                    "message": f"duplicate rule for {resource}/{action} "
                    f"(already policies.{seen[resource, action]})",
                }
            )
            continue
        seen[resource, action] = i
        out.append((resource, action, scope))
    if errors:
        exc = FieldError(errors[0]["field"], errors[0]["message"])
        exc.errors = errors
        exc.detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise exc
    return sorted(out)


class RoleService:
    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access

    async def all(self) -> list[tuple[Role, list[Rule]]]:
        roles = await access_repo.list_roles(self.session)
        rules: dict[str, list[Rule]] = {r.name: [] for r in roles}
        for role, resource, action, scope in await access_repo.role_policies(self.session):
            if role in rules:
                rules[role].append((resource, action, scope))
        return [(r, rules[r.name]) for r in roles]

    async def get(self, name: str) -> tuple[Role, list[Rule]]:
        role = await access_repo.get_role(self.session, name)
        if role is None:
            raise NotFound("role", name)
        return role, await access_repo.policies_of(self.session, name)

    async def create(self, data: dict[str, Any]) -> tuple[Role, list[Rule]]:
        if await access_repo.get_role(self.session, data["name"]) is not None:
            raise DuplicateRecord("name", f"a role named {data['name']!r} already exists", data["name"])
        role = Role(name=data["name"], label=data["label"], builtin=False)
        self.session.add(role)
        await self.session.flush()
        return role, []

    async def update_label(self, name: str, label: str) -> tuple[Role, list[Rule]]:
        role = await access_repo.lock_role(self.session, name)
        if role is None:
            raise NotFound("role", name)
        role.label = label
        await self.session.flush()
        return role, await access_repo.policies_of(self.session, name)

    async def delete(self, name: str) -> None:
        role = await access_repo.lock_role(self.session, name)
        if role is None:
            raise NotFound("role", name)
        if role.builtin:
            raise RuleViolation(f"{name} is a built-in role and cannot be deleted; change its rules instead")
        before = await access_repo.policies_of(self.session, name)
        holders = await access_repo.users_with_role(self.session, name)
        await access_repo.delete_role_rules(self.session, name)
        # keys bound to the role would otherwise come back to life if the name were reused
        revoked = await identity.revoke_role_api_keys(self.session, name, datetime.now(UTC))
        audit.record(
            self.session,
            "role",
            name,
            "delete_rules",
            {
                "policies": [[list(r) for r in before], []],
                "users": [sorted(map(str, holders)), []],
                "revoked_api_keys": [None, sorted(map(str, revoked))],
            },
        )
        for user_id in holders:
            audit.record(self.session, "user", user_id, "set_roles", {"removed_role": [name, None]})
        await self.session.delete(role)
        await self.session.flush()
        after_commit(self.session, self.access.changed)

    async def replace_policies(self, name: str, rules: list[dict[str, str]]) -> tuple[Role, list[Rule]]:
        new = validate_rules(rules)
        role = await access_repo.lock_role(self.session, name)
        if role is None:
            raise NotFound("role", name)
        if name == ADMIN_ROLE:
            kept = {(r, a) for r, a, _ in new}
            missing = [f"{r}/{a}" for r, a in LOCKED_ADMIN_RULES if (r, a) not in kept]
            if missing:
                raise RuleViolation(
                    f"The admin role must keep {', '.join(missing)} so that someone can still manage roles",
                    errors=[{"field": "policies", "message": f"admin must keep {', '.join(missing)}"}],
                )
        before = await access_repo.policies_of(self.session, name)
        if before != new:
            await access_repo.replace_role_policies(self.session, name, new)
            audit.record(
                self.session,
                "role",
                name,
                "set_policies",
                {"policies": [[list(r) for r in before], [list(r) for r in new]]},
            )
            after_commit(self.session, self.access.changed)
        return role, new
