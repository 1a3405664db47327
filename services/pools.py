"""Public pools (公海) — seed 004: reps claim (领取) customers from their zone's pool and release
(释放) them back with a reason; managers allocate (分配) pool customers at random and evenly
across chosen reps, within the zone's weekly quota.

Claim rules (PRODUCT.md, configurable by admins, per role and per user): at most 200 owned
customers, 20 claims a day (China time), no re-claiming a customer that left you in the last
7 days, at most 20 locked customers. A claim is one UPDATE … WHERE owner_id IS NULL, so of two
reps claiming one customer exactly one wins (the other gets 409); a rep's own claims are
serialised by an advisory lock, so parallel claims never pass a cap. Every change of hands is an
ownership event (the caps, the cooldown and the lost-customer board read them) and audited.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.china_time import CHINA, midnight, week_start
from domain.errors import Conflict, DuplicateRecord, FieldError, NotFound, PermissionDenied, RuleViolation
from domain.scope import ScopeLevel
from repositories import audit
from repositories import customers as customers_repo
from repositories import pools as repo
from repositories import settings as settings_repo
from repositories.db import advisory_xact_lock
from repositories.models import Customer, Pool, PoolPermission, SalesZone
from services.authz import AccessControl
from services.context import Actor
from services.notifications import notify
from services.outbox import emit, emit_many

POOL_RULES = "pool_rules"

# pool permission (公海池权限设置) → the casbin action a pool without permission rows falls back to
POOL_ACTIONS = {"view": "read", "claim": "claim", "allocate": "allocate"}


@dataclass(frozen=True, slots=True)
class ClaimLimits:
    max_owned: int = 200
    max_daily_claims: int = 20
    reclaim_cooldown_days: int = 7
    max_locked: int = 20


LIMIT_FIELDS = ("max_owned", "max_daily_claims", "reclaim_cooldown_days", "max_locked")


async def pool_rules(session: AsyncSession) -> dict[str, Any]:
    """{defaults: limits, by_role: {role: partial limits}, by_user: {user id: partial limits}}."""
    row = await settings_repo.get(session, POOL_RULES)
    value = row.value if row else {}
    base = ClaimLimits()
    return {
        "defaults": {f: int((value.get("defaults") or {}).get(f, getattr(base, f))) for f in LIMIT_FIELDS},
        "by_role": value.get("by_role") or {},
        "by_user": value.get("by_user") or {},
    }


async def claim_rules(session: AsyncSession, access: AccessControl) -> dict[str, Any]:
    """pool_rules() from the per-process reference cache: callers of update_pool_rules announce
    the change (`after_commit(session, access.reference_changed)`)."""

    async def load() -> dict[str, Any]:
        return await pool_rules(session)

    rules: dict[str, Any] = await access.reference(POOL_RULES, load)
    return rules


async def update_pool_rules(session: AsyncSession, changes: dict[str, Any]) -> dict[str, Any]:
    """Fields left out of `defaults` keep their value; `by_role` / `by_user`, when sent, replace
    the stored ones. The caller announces the change after the commit (claim_rules caches them)."""
    current = await pool_rules(session)

    def limits(values: dict[str, Any]) -> dict[str, int]:
        return {k: int(v) for k, v in values.items() if v is not None and k in LIMIT_FIELDS}

    if "defaults" in changes:
        current["defaults"] = {**current["defaults"], **limits(changes["defaults"])}
    if "by_role" in changes:
        current["by_role"] = {role: limits(v) for role, v in changes["by_role"].items()}
    if "by_user" in changes:
        current["by_user"] = {str(user): limits(v) for user, v in changes["by_user"].items()}
    await settings_repo.put(session, POOL_RULES, current)
    return current


def limits_for(rules: dict[str, Any], user_id: uuid.UUID, roles: list[str]) -> ClaimLimits:
    """Defaults, raised (or lowered) by the user's roles — the most generous role wins — then
    by an override for the user."""
    limits = ClaimLimits(**rules["defaults"])
    role_values: dict[str, int] = {}
    for role in roles:
        for f, v in (rules["by_role"].get(role) or {}).items():
            if f in LIMIT_FIELDS:
                generous = max if f != "reclaim_cooldown_days" else min
                role_values[f] = generous(role_values[f], int(v)) if f in role_values else int(v)
    limits = replace(limits, **role_values)
    user = {f: int(v) for f, v in (rules["by_user"].get(str(user_id)) or {}).items() if f in LIMIT_FIELDS}
    return replace(limits, **user)


class PoolService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    # --- what the caller sees -----------------------------------------------------------------

    def zones(self) -> frozenset[uuid.UUID] | None:
        """Pools of every zone for company-wide roles (None); else the caller's zones."""
        if self.actor.scope.level is ScopeLevel.ALL:
            return None
        org = self.actor.access.org
        return frozenset(org.zones_of(self.actor.user_id) | set(self.actor.scope.zone_ids))

    def manages(self) -> bool:
        """Pool administrators (pool:manage) see every pool of their zones, whatever the pool's
        view permissions, and may list inactive ones."""
        return self.actor.access.allowed(self.actor.principal, "pool", "manage")

    def may(self, rows: list[PoolPermission] | None, action: str) -> bool:
        """公海池权限设置: a pool with permission rows lets only the roles listed with the flag
        view / claim / allocate; a pool without rows follows the roles' pool policy. Either way
        the caller's zones still bound what they reach (zones(), pool())."""
        if not rows:
            return self.actor.access.allowed(self.actor.principal, "pool", POOL_ACTIONS[action])
        roles = set(self.actor.access.roles(self.actor.principal))
        return any(r.role in roles and getattr(r, f"can_{action}") for r in rows)

    async def visible(self, status: str = "active") -> list[tuple[Pool, int]]:
        """The pools the caller may view; administrators may ask for inactive ones too
        (status: active / inactive / all) — everyone else sees active pools only."""
        manages = self.manages()
        active = {"active": True, "inactive": False}.get(status) if manages else True
        found = await repo.pools(self.session, self.zones(), active)
        if not manages:
            perms = await repo.permissions(self.session, [p.id for p in found])
            found = [p for p in found if self.may(perms.get(p.id), "view")]
        counts = await repo.counts(self.session, [p.id for p in found])
        return [(p, counts.get(p.id, 0)) for p in found]

    async def create(self, data: dict[str, Any]) -> Pool:
        """An extra pool (e.g. by industry); every zone has its default pool already."""
        if await repo.by_name(self.session, data["name"]) is not None:
            raise DuplicateRecord("name", "a pool with this name exists")
        if data.get("zone_id") and await self.session.get(SalesZone, data["zone_id"]) is None:
            raise FieldError("zone_id", "no such sales zone")
        pool = Pool(**data)
        self.session.add(pool)
        await self.session.flush()
        return pool

    async def pool(self, pool_id: uuid.UUID, action: str = "view") -> Pool:
        """An active pool of the caller's zones that they may view (else 404) and do `action`
        on (else 403)."""
        pool = await repo.get(self.session, pool_id)
        if pool is None:
            raise NotFound("pool", pool_id)
        rows = (await repo.permissions(self.session, [pool.id])).get(pool.id)
        self._check_pool(pool.id, pool.name, pool.zone_id, pool.is_active, rows, action)
        return pool

    def _check_pool(
        self,
        pool_id: uuid.UUID,
        name: str | None,
        zone_id: uuid.UUID | None,
        active: bool | None,
        rows: list[PoolPermission] | None,
        action: str,
    ) -> None:
        """pool()'s rules on a pool read elsewhere (name None: no such pool)."""
        zones = self.zones()
        if name is None or not active or (zones is not None and zone_id is not None and zone_id not in zones):
            raise NotFound("pool", pool_id)
        if not (self.manages() or self.may(rows, "view")):
            raise NotFound("pool", pool_id)
        if action != "view" and not self.may(rows, action):
            raise PermissionDenied(f"your role may not {action} customers of the pool {name}")

    async def customers(
        self, pool_id: uuid.UUID, filters: dict[str, Any], cursor: str | None, limit: int
    ) -> tuple[list[Any], str | None]:
        pool = await self.pool(pool_id)
        return await repo.customers_in(self.session, pool.id, filters, cursor, limit)

    # --- claim / release / lock ---------------------------------------------------------------

    async def claim(self, customer_id: uuid.UUID) -> uuid.UUID:
        """Take the customer for the caller; returns its id. Under the caller's claim lock: one
        statement reads the customer, its pool and the caller's counts (claim_facts), one takes
        it and records the ownership event; the audit row and the outbox event go with the
        commit."""
        user_id = self.actor.user_id
        roles = self.actor.access.roles(self.actor.principal)
        limits = limits_for(await claim_rules(self.session, self.actor.access), user_id, roles)
        await advisory_xact_lock(self.session, f"claim:{user_id}")
        now = datetime.now(UTC)
        facts = await repo.claim_facts(
            self.session,
            customer_id,
            user_id,
            midnight(),
            now - timedelta(days=limits.reclaim_cooldown_days),
        )
        if facts is None:
            raise NotFound("customer", customer_id)
        if facts.owner_id is not None:
            if facts.owner_id == user_id:
                raise Conflict("the customer is already yours")
            raise Conflict("another rep has already claimed this customer")
        pool_id = facts.pool_id
        if pool_id is None:
            raise NotFound("customer", customer_id)
        # a pool the caller may see (or 404) and claim from, as pool() decides
        self._check_pool(
            pool_id,
            facts.pool_name,
            facts.pool_zone_id,
            facts.pool_active,
            repo.permission_rows(pool_id, facts.permissions),
            "claim",
        )
        if facts.owned >= limits.max_owned:
            raise RuleViolation(f"you own {facts.owned} customers: the limit is {limits.max_owned}")
        if facts.claimed_today >= limits.max_daily_claims:
            raise RuleViolation(
                f"you have claimed {facts.claimed_today} customers today: the limit is "
                f"{limits.max_daily_claims}"
            )
        if facts.left_at is not None:
            raise RuleViolation(
                f"this customer left you on {facts.left_at.astimezone(CHINA):%Y-%m-%d}: it can be claimed "
                f"again {limits.reclaim_cooldown_days} days after that"
            )
        if not await repo.take(self.session, customer_id, user_id, self.zone_of(user_id), pool_id, now):
            raise Conflict("another rep has already claimed this customer")
        audit.record(self.session, "customer", customer_id, "claim", {"owner_id": [None, str(user_id)]})
        emit(
            self.session,
            "customer.claimed",
            {"customer_id": customer_id, "name": facts.name, "owner_id": user_id, "pool_id": pool_id},
            entity="customer",
            entity_id=customer_id,
            actor_id=user_id,
        )
        return customer_id

    async def release(self, customer_id: uuid.UUID, reason: str) -> Customer:
        """The owner (or their manager) gives the customer back: to the pool the target rules
        name for it, else its zone's pool, else the company pool."""
        customer = await customers_repo.get_visible(self.session, customer_id, self.actor.scope)
        if customer is None:
            raise NotFound("customer", customer_id)
        if customer.owner_id is None:
            raise Conflict("the customer is already in the pool")
        pool_id = await repo.target_of(self.session, customer.id)
        previous = customer.owner_id
        now = datetime.now(UTC)
        customer.owner_id, customer.pool_id, customer.previous_owner_id = None, pool_id, previous
        customer.claimed_at, customer.locked_at = None, None
        await self.session.flush()
        await repo.record(
            self.session,
            [
                {
                    "customer_id": customer.id,
                    "kind": "release",
                    "from_owner_id": previous,
                    "pool_id": pool_id,
                    "actor_id": self.actor.user_id,
                    "reason": reason,
                    "at": now,
                }
            ],
        )
        emit(
            self.session,
            "customer.released",
            {
                "customer_id": customer.id,
                "name": customer.name,
                "previous_owner_id": previous,
                "pool_id": pool_id,
                "reason": reason,
            },
            entity="customer",
            entity_id=customer.id,
            actor_id=self.actor.user_id,
        )
        return customer

    async def set_lock(self, customer_id: uuid.UUID, locked: bool) -> Customer:
        """A locked customer is exempt from recycling; a rep may lock at most `max_locked`."""
        customer = await customers_repo.get_visible(self.session, customer_id, self.actor.scope)
        if customer is None:
            raise NotFound("customer", customer_id)
        if customer.owner_id is None:
            raise RuleViolation("only an owned customer can be locked")
        if locked and customer.locked_at is None:
            await advisory_xact_lock(self.session, f"claim:{customer.owner_id}")
            limits = limits_for(
                await claim_rules(self.session, self.actor.access),
                customer.owner_id,
                self.actor.access.roles(self.actor.principal),
            )
            locked_now = await repo.locked_count(self.session, customer.owner_id)
            if locked_now >= limits.max_locked:
                raise RuleViolation(
                    f"{locked_now} customers are locked already: the limit is {limits.max_locked}"
                )
            customer.locked_at = datetime.now(UTC)
        elif not locked:
            customer.locked_at = None
        await self.session.flush()
        return customer

    # --- allocation ---------------------------------------------------------------------------

    async def allocate(
        self,
        pool_id: uuid.UUID,
        user_ids: list[uuid.UUID],
        customer_ids: list[uuid.UUID] | None,
        count: int | None,
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """N pool customers (or the chosen ones) to the chosen reps, at random and evenly —
        counts differ by at most 1 — within the zone's weekly quota."""
        pool = await self.pool(pool_id, "allocate")
        org = self.actor.access.org
        for i, user_id in enumerate(user_ids):
            user = org.users.get(user_id)
            if user is None or not user.is_active or user.on_leave:
                raise FieldError(f"user_ids.{i}", "no such active, present user")
            if (
                self.actor.scope.level is not ScopeLevel.ALL
                and user_id not in self.actor.scope.team_user_ids
                and not (org.zones_of(user_id) & set(self.actor.scope.zone_ids))
            ):
                raise FieldError(f"user_ids.{i}", "outside the teams you manage")
        wanted = len(customer_ids) if customer_ids is not None else int(count or 0)
        if pool.zone_id is not None:
            zone = await self.session.get(SalesZone, pool.zone_id)
            used = await repo.allocated_this_week(self.session, pool.zone_id, week_start())
            left = (zone.weekly_quota if zone else 0) - used
            if wanted > left:
                raise RuleViolation(
                    f"the zone's weekly allocation quota has {max(left, 0)} customers left this week "
                    f"({used} allocated of {zone.weekly_quota if zone else 0})"
                )
        chosen = await repo.pool_candidates(self.session, pool.id, customer_ids, wanted)
        if customer_ids is not None and len(chosen) != len(set(customer_ids)):
            raise Conflict("some of the chosen customers are no longer in the pool")
        random.shuffle(chosen)
        order = list(user_ids)
        random.shuffle(order)
        out: dict[uuid.UUID, list[uuid.UUID]] = {u: [] for u in user_ids}
        for i, customer_id in enumerate(chosen):
            out[order[i % len(order)]].append(customer_id)
        pairs = [(c, u) for u, cs in out.items() for c in cs]
        now = datetime.now(UTC)
        await repo.assign(self.session, pairs, {u: self.zone_of(u) for u in user_ids}, now)
        await repo.record(
            self.session,
            [
                {
                    "customer_id": c,
                    "kind": "allocate",
                    "to_owner_id": u,
                    "pool_id": pool.id,
                    "actor_id": self.actor.user_id,
                    "at": now,
                }
                for c, u in pairs
            ],
        )
        await audit.record_many(
            self.session, "customer", "allocate", [(c, {"owner_id": [None, str(u)]}) for c, u in pairs]
        )
        await emit_many(
            self.session,
            "customer.allocated",
            [(c, {"customer_id": c, "owner_id": u, "pool_id": pool.id}) for c, u in pairs],
            entity="customer",
            actor_id=self.actor.user_id,
        )
        for user_id, ids in out.items():
            if ids and user_id != self.actor.user_id:
                notify(
                    self.session,
                    user_id,
                    "customer_allocated",
                    f"{len(ids)} 个公海客户分配给你 / {len(ids)} pool customers allocated to you",
                    pool.name,
                    "pool",
                    pool.id,
                )
        return out

    def zone_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        org = self.actor.access.org
        user = org.users.get(user_id)
        team = org.teams.get(user.team_id) if user and user.team_id else None
        return team.zone_id if team else None


class TransferService:
    """A manager moves a rep's customers to another rep (someone leaves, territories change):
    all of them or a chosen set, with their open leads. Set-based; each move is an ownership
    event and audited; both reps are told."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def _check(self, user_id: uuid.UUID, field: str, present: bool) -> None:
        org = self.actor.access.org
        user = org.users.get(user_id)
        if user is None or (present and (not user.is_active or user.on_leave)):
            raise FieldError(field, "no such active, present user" if present else "no such user")
        scope = self.actor.scope
        if scope.level is ScopeLevel.ALL:
            return
        if scope.level < ScopeLevel.TEAM:
            raise RuleViolation("only managers transfer customers")
        if user_id not in scope.team_user_ids and not (org.zones_of(user_id) & set(scope.zone_ids)):
            raise FieldError(field, "outside the teams you manage")

    async def transfer(
        self,
        from_user: uuid.UUID,
        to_user: uuid.UUID,
        customer_ids: list[uuid.UUID] | None,
        with_leads: bool,
        reason: str,
        where: dict[str, list[str]] | None = None,
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        if from_user == to_user:
            raise FieldError("to_user_id", "choose another rep")
        self._check(from_user, "from_user_id", present=False)
        self._check(to_user, "to_user_id", present=True)
        now = datetime.now(UTC)
        zone = PoolService(self.session, self.actor).zone_of(to_user)
        moved = await repo.transfer_customers(
            self.session, from_user, to_user, zone, customer_ids, now, where
        )
        if customer_ids is not None and len(moved) != len(set(customer_ids)):
            raise Conflict("some of the chosen customers are not owned by that rep")
        leads = (
            await repo.transfer_leads(
                self.session, from_user, to_user, None if customer_ids is None and not where else moved, now
            )
            if with_leads
            else []
        )
        await repo.record(
            self.session,
            [
                {
                    "customer_id": c,
                    "kind": "transfer",
                    "from_owner_id": from_user,
                    "to_owner_id": to_user,
                    "actor_id": self.actor.user_id,
                    "reason": reason,
                    "at": now,
                }
                for c in moved
            ],
        )
        change = {"owner_id": [str(from_user), str(to_user)], "reason": [None, reason]}
        await audit.record_many(self.session, "customer", "transfer", [(c, change) for c in moved])
        await audit.record_many(self.session, "lead", "transfer", [(i, change) for i in leads])
        await emit_many(
            self.session,
            "customer.transferred",
            [
                (c, {"customer_id": c, "from_owner_id": from_user, "to_owner_id": to_user, "reason": reason})
                for c in moved
            ],
            entity="customer",
            actor_id=self.actor.user_id,
        )
        if moved or leads:
            notify(
                self.session,
                to_user,
                "customer_transferred",
                f"{len(moved)} 个客户、{len(leads)} 条线索转给你 / {len(moved)} customers and {len(leads)} leads transferred to you",
                reason,
            )
        return moved, leads
