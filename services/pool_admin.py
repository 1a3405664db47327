"""Pool administration (公海池管理, issue 4): edit and deactivate pools, the per-role pool
permissions (公海池权限设置, seed 004: view / claim / allocate) and the target rules that
decide which pool a released or recycled customer goes to.

A default pool (a zone's, or the company's) cannot be deactivated: released and recycled
customers fall back to it. Deactivating a pool that still holds customers needs a pool to move
them to (one UPDATE, audited per customer); a pool that target rules still send customers to
cannot be deactivated until the rules change.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, DuplicateRecord, FieldError, FieldErrors, NotFound, check_version
from repositories import access as access_repo
from repositories import audit
from repositories import pools as repo
from repositories import settings as settings_repo
from repositories.models import Pool, SalesZone
from services.context import Actor
from services.pools import POOL_ACTIONS, PoolService

PERMISSION_FLAGS = ("can_view", "can_claim", "can_allocate")
TARGET_CONDITIONS = ("industries", "tiers", "levels", "zone_ids")
TARGETS_SETTING = "pool_targets"  # the audit entity id of the target rules


class PoolAdminService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.pools = PoolService(session, actor)

    async def _managed(self, pool_id: uuid.UUID) -> Pool:
        """A pool of the administrator's zones (any state), else 404."""
        pool = await repo.get(self.session, pool_id)
        zones = self.pools.zones()
        if pool is None or (zones is not None and pool.zone_id is not None and pool.zone_id not in zones):
            raise NotFound("pool", pool_id)
        return pool

    async def count(self, pool_id: uuid.UUID) -> int:
        return (await repo.counts(self.session, [pool_id])).get(pool_id, 0)

    # --- edit / deactivate --------------------------------------------------------------------

    async def update(
        self,
        pool_id: uuid.UUID,
        data: dict[str, Any],
        expected_version: int | None,
        move_to: uuid.UUID | None = None,
    ) -> Pool:
        """Name, description, active. Deactivating: never a default pool (422 `is_active`);
        a pool target rules send customers to → 409; a pool holding customers → 409 with the
        count unless `move_to` names an active pool to move them to."""
        pool = await self._managed(pool_id)
        check_version(pool.version, expected_version)
        if data.get("name") and data["name"] != pool.name:
            other = await repo.by_name(self.session, data["name"])
            if other is not None and other.id != pool.id:
                raise DuplicateRecord("name", "a pool with this name exists", other.id)
        if "is_active" in data and data["is_active"] is None:
            raise FieldError("is_active", "true or false")
        if "name" in data and not data["name"]:
            raise FieldError("name", "field required")
        if data.get("is_active") is False and pool.is_active:
            await self._deactivate(pool, move_to)
        elif move_to is not None:
            raise FieldError("move_to_pool_id", "only when deactivating the pool (is_active: false)")
        for key, value in data.items():
            setattr(pool, key, value)
        await self.session.flush()
        return pool

    async def _deactivate(self, pool: Pool, move_to: uuid.UUID | None) -> None:
        if pool.is_default:
            raise FieldError(
                "is_active",
                "a default pool (a zone's or the company's) cannot be deactivated: released and "
                "recycled customers fall back to it",
            )
        rules = await repo.targeting(self.session, pool.id)
        if rules:
            raise Conflict(
                "pool target rules "
                + ", ".join(str(p + 1) for p in rules)
                + " send customers to this pool: change them first",
                rules=[p + 1 for p in rules],
            )
        held = await repo.held(self.session, pool.id)
        if not held:
            if move_to is not None:
                await self._target(pool, move_to)  # still a valid choice, nothing to move
            return
        if move_to is None:
            raise Conflict(
                f"the pool holds {held} customers: choose a pool to move them to (move_to_pool_id)",
                customers=held,
            )
        target = await self._target(pool, move_to)
        now = datetime.now(UTC)
        moved = await repo.move_customers(self.session, pool.id, target.id, now)
        change = {"pool_id": [str(pool.id), str(target.id)], "reason": [None, "pool deactivated"]}
        await audit.record_many(self.session, "customer", "move_pool", [(c, change) for c in moved])

    async def _target(self, pool: Pool, move_to: uuid.UUID) -> Pool:
        target = await repo.get(self.session, move_to)
        if target is None or not target.is_active or target.id == pool.id:
            raise FieldError("move_to_pool_id", "choose another, active pool")
        return target

    # --- per-role permissions -----------------------------------------------------------------

    async def permissions(self, pool_id: uuid.UUID) -> dict[str, Any]:
        """Every role with its view / claim / allocate on the pool: the pool's own rows when it
        has any (`custom`), else what each role's pool policy grants."""
        pool = await self._managed(pool_id)
        rows = (await repo.permissions(self.session, [pool.id])).get(pool.id) or []
        roles = await access_repo.list_roles(self.session)
        if rows:
            by_role = {r.role: r for r in rows}
            flags = {
                role.name: {f: bool(getattr(by_role[role.name], f, False)) for f in PERMISSION_FLAGS}
                if role.name in by_role
                else dict.fromkeys(PERMISSION_FLAGS, False)
                for role in roles
            }
        else:
            granted = {
                (role, action)
                for role, resource, action, _ in await access_repo.role_policies(self.session)
                if resource == "pool"
            }
            flags = {
                role.name: {f"can_{k}": (role.name, a) in granted for k, a in POOL_ACTIONS.items()}
                for role in roles
            }
        return {
            "pool_id": pool.id,
            "custom": bool(rows),
            "roles": [{"role": r.name, "label": r.label, **flags[r.name]} for r in roles],
        }

    async def set_permissions(self, pool_id: uuid.UUID, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Replace the pool's rows; an empty list returns the pool to the roles' pool policy.
        Claim and allocate need view; each role once."""
        pool = await self._managed(pool_id)
        known = {r.name for r in await access_repo.list_roles(self.session)}
        errors: list[dict[str, str]] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            role = item["role"]
            if role not in known:
                errors.append({"field": f"roles.{i}.role", "message": f"no role {role!r}"})
            elif role in seen:
                errors.append(
                    {"field": f"roles.{i}.role", "message": f"{role} is already roles.{seen[role]}"}
                )
            else:
                seen[role] = i
            if (item["can_claim"] or item["can_allocate"]) and not item["can_view"]:
                errors.append({"field": f"roles.{i}.can_view", "message": "claim and allocate need view"})
        if errors:
            raise FieldErrors(errors)
        before = await self.permissions(pool.id)
        rows = [{"role": i["role"], **{f: bool(i[f]) for f in PERMISSION_FLAGS}} for i in items]
        await repo.replace_permissions(self.session, pool.id, rows)
        audit.record(
            self.session,
            "pool",
            pool.id,
            "permissions",
            {"permissions": [before["roles"] if before["custom"] else None, rows or None]},
        )
        return await self.permissions(pool.id)

    # --- target rules -------------------------------------------------------------------------

    async def target_rules(self) -> list[dict[str, Any]]:
        return [
            {"pool_id": r.pool_id, **{c: list(getattr(r, c)) for c in TARGET_CONDITIONS}}
            for r in await repo.target_rules(self.session)
        ]

    async def set_target_rules(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replace the ordered list. Each rule's pool must exist and be active (422
        `rules.N.pool_id`); zones and tiers must exist."""
        errors: list[dict[str, str]] = []
        tiers = {t.code for t in await settings_repo.tiers(self.session)}
        for i, rule in enumerate(rules):
            pool = await repo.get(self.session, rule["pool_id"])
            if pool is None or not pool.is_active:
                errors.append({"field": f"rules.{i}.pool_id", "message": "no such active pool"})
            for z in rule["zone_ids"]:
                if await self.session.get(SalesZone, z) is None:
                    errors.append({"field": f"rules.{i}.zone_ids", "message": f"no sales zone {z}"})
                    break
            unknown = [t for t in rule["tiers"] if t not in tiers]
            if unknown:
                errors.append({"field": f"rules.{i}.tiers", "message": f"no tier {', '.join(unknown)}"})
        if errors:
            raise FieldErrors(errors)
        clean = [
            {c: list(dict.fromkeys(rule[c])) for c in TARGET_CONDITIONS} | {"pool_id": rule["pool_id"]}
            for rule in rules
        ]
        before = await self.target_rules()
        await repo.replace_target_rules(self.session, clean)
        after = await self.target_rules()
        audit.record(self.session, "setting", TARGETS_SETTING, "update", {"rules": [before, after]})
        return after
