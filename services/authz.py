"""Access control: Casbin decides *may this role do this action*; the same policy rows carry a
data scope (own/team/zone/all) that repositories/scope.py turns into SQL.

Each API/worker process keeps the policy and a small organisation snapshot (users → team and
zones, the team tree, active API keys) in memory. A change bumps a version counter in Redis;
every process compares its version at most every `authz_refresh_seconds` and reloads, so a
policy edit reaches all processes without a restart and no request reloads policies itself.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import casbin
from casbin_async_sqlalchemy_adapter import Adapter
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.scope import DataScope, ScopeLevel
from repositories import access as access_repo
from repositories.access import ApiKeyRow, TeamRow, UserRow
from repositories.models import CasbinRule

CASBIN_MODEL = """
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, scope

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
"""

VERSION_KEY = "crm:authz:version"
# bumped after a committed change to reference data services cache per process (channels,
# assignment rules, lead rules and scoring): see AccessControl.reference
REFERENCE_KEY = "crm:reference:version"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user, or an integration's API key acting for a user with one role."""

    user_id: uuid.UUID
    display_name: str
    subject: str  # the Casbin subject: the user id, or the API key's role
    kind: str = "user"  # "user" | "api_key"
    api_key_id: uuid.UUID | None = None

    @property
    def audit_id(self) -> uuid.UUID:
        return self.user_id


@dataclass
class OrgSnapshot:
    users: dict[uuid.UUID, UserRow] = field(default_factory=dict)
    teams: dict[uuid.UUID, TeamRow] = field(default_factory=dict)
    children: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)
    members: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)
    api_keys: dict[str, ApiKeyRow] = field(default_factory=dict)
    led_zones: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        users: list[UserRow],
        teams: list[TeamRow],
        keys: list[ApiKeyRow],
        zone_leaders: list[tuple[uuid.UUID, uuid.UUID]] = (),  # type: ignore[assignment]
    ) -> OrgSnapshot:
        snap = cls(users={u.id: u for u in users}, teams={t.id: t for t in teams})
        for leader_id, zone_id in zone_leaders:
            snap.led_zones.setdefault(leader_id, set()).add(zone_id)
        children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for t in teams:
            if t.parent_id is not None:
                children[t.parent_id].append(t.id)
        members: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for u in users:
            if u.team_id is not None:
                members[u.team_id].append(u.id)
        snap.children, snap.members = dict(children), dict(members)
        snap.api_keys = {k.key_hash: k for k in keys}
        return snap

    def subtree(self, team_id: uuid.UUID) -> set[uuid.UUID]:
        out, stack = set(), [team_id]
        while stack:
            t = stack.pop()
            if t in out:
                continue
            out.add(t)
            stack.extend(self.children.get(t, ()))
        return out

    def teams_of(self, user_id: uuid.UUID) -> set[uuid.UUID]:
        """The user's own team plus every team they manage, with sub-teams."""
        roots = {t.id for t in self.teams.values() if t.manager_id == user_id}
        user = self.users.get(user_id)
        if user and user.team_id:
            roots.add(user.team_id)
        out: set[uuid.UUID] = set()
        for root in roots:
            out |= self.subtree(root)
        return out

    def zones_of(self, user_id: uuid.UUID) -> set[uuid.UUID]:
        user = self.users.get(user_id)
        zones = set(user.zone_ids) if user else set()
        zones |= self.led_zones.get(user_id, set())  # a zone's leader covers it
        for team_id in self.teams_of(user_id):
            zones.add(self.teams[team_id].zone_id)
        return zones

    def manager_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """Management chain: the manager of the user's team; a team's own manager reports to
        the manager of the parent team."""
        user = self.users.get(user_id)
        team_id = user.team_id if user else None
        while team_id is not None:
            team = self.teams[team_id]
            if team.manager_id is not None and team.manager_id != user_id:
                return team.manager_id
            team_id = team.parent_id
        return None


class AccessControl:
    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        refresh_seconds: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._refresh_seconds = refresh_seconds
        self._enforcer = casbin.AsyncEnforcer(
            casbin.Enforcer.new_model(text=CASBIN_MODEL), Adapter(engine, db_class=CasbinRule)
        )
        self._enforcer.enable_auto_save(False)
        self.org = OrgSnapshot()
        self._version: bytes | None = b"unset"
        self._checked_at = 0.0
        self._lock = asyncio.Lock()
        self._perm_cache: dict[str, dict[str, dict[str, ScopeLevel]]] = {}
        self._scope_cache: dict[tuple[uuid.UUID, ScopeLevel], DataScope] = {}
        self._decisions: dict[tuple[str, str, str], bool] = {}
        self._reference: dict[str, Any] = {}
        self._reference_version: bytes | None = b"unset"

    # --- loading ------------------------------------------------------------------------------

    async def reload(self) -> None:
        async with self._lock:
            version = await self._redis.get(VERSION_KEY)
            await self._enforcer.load_policy()
            async with self._sessions() as session:
                users = await access_repo.load_users(session)
                teams = await access_repo.load_teams(session)
                keys = await access_repo.load_active_api_keys(session)
                leaders = await access_repo.load_zone_leaders(session)
            self.org = OrgSnapshot.build(users, teams, keys, leaders)
            self._perm_cache = {}
            self._scope_cache = {}
            self._decisions = {}
            self._reference = {}  # zones, teams and users feed it too
            self._version = version
            self._checked_at = time.monotonic()

    async def ensure_fresh(self) -> None:
        """Called per request; asks Redis at most every `refresh_seconds`."""
        now = time.monotonic()
        if now - self._checked_at < self._refresh_seconds:
            return
        self._checked_at = now
        version, reference = await self._redis.mget(VERSION_KEY, REFERENCE_KEY)
        if version != self._version:
            await self.reload()
        if reference != self._reference_version:
            self._reference, self._reference_version = {}, reference

    async def changed(self) -> None:
        """After a committed change to policies, roles, users, teams or keys."""
        await self._redis.incr(VERSION_KEY)
        await self.reload()

    # --- reference data ---------------------------------------------------------------------

    @property
    def redis(self) -> Redis:
        return self._redis

    async def reference(self, name: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """Rarely-changing data read on every request (channels, active assignment rules, lead
        rules…), kept per process until a committed change to it calls `reference_changed` —
        every process notices within `refresh_seconds`, like policy changes."""
        if name not in self._reference:
            self._reference[name] = await load()
        return self._reference[name]

    async def reference_changed(self) -> None:
        await self._redis.incr(REFERENCE_KEY)
        self._reference = {}

    # --- decisions ----------------------------------------------------------------------------

    def allowed(self, principal: Principal, resource: str, action: str) -> bool:
        """Casbin's decision, memoised until the next policy reload (an enforce walks every
        rule through an expression evaluator: ~0.3 ms, too slow to repeat per request)."""
        key = (principal.subject, resource, action)
        decision = self._decisions.get(key)
        if decision is None:
            decision = bool(self._enforcer.enforce(principal.subject, resource, action))
            self._decisions[key] = decision
        return decision

    def permissions(self, principal: Principal) -> dict[str, dict[str, ScopeLevel]]:
        """resource → action → widest scope, from every rule the subject's roles grant.

        (enforce_ex reports only the first matching rule, so the widest scope is computed here
        from the implicit permissions.)"""
        cached = self._perm_cache.get(principal.subject)
        if cached is not None:
            return cached
        out: dict[str, dict[str, ScopeLevel]] = defaultdict(dict)
        model = self._enforcer.get_model()
        roles = self.roles(principal)
        subjects = set(roles) | {principal.subject}
        for rule in model.get_policy("p", "p"):
            sub, obj, act = rule[0], rule[1], rule[2]
            if sub not in subjects:
                continue
            level = ScopeLevel.parse(rule[3]) if len(rule) > 3 and rule[3] else ScopeLevel.OWN
            if level > out[obj].get(act, ScopeLevel.NONE):
                out[obj][act] = level
        result = {k: dict(v) for k, v in out.items()}
        self._perm_cache[principal.subject] = result
        return result

    def users_with_role(self, role: str) -> set[uuid.UUID]:
        """Users granted the role directly (Casbin g rows whose subject is a user id)."""
        out: set[uuid.UUID] = set()
        for subject in self._enforcer.get_role_manager().get_users(role):
            try:
                out.add(uuid.UUID(subject))
            except ValueError:
                continue  # a role inheriting the role, not a user
        return out

    def roles(self, principal: Principal) -> list[str]:
        if principal.kind == "api_key":
            return [principal.subject]
        rm = self._enforcer.get_role_manager()
        seen: list[str] = []
        queue = list(rm.get_roles(principal.subject))
        while queue:
            role = queue.pop(0)
            if role not in seen:
                seen.append(role)
                queue.extend(rm.get_roles(role))
        return seen

    def scope(self, principal: Principal, resource: str, action: str) -> DataScope:
        """The caller's data scope for the action; NONE when the policy does not grant it."""
        if not self.allowed(principal, resource, action):
            return DataScope(ScopeLevel.NONE, principal.user_id)
        level = self.permissions(principal).get(resource, {}).get(action, ScopeLevel.NONE)
        return self.scope_at(principal.user_id, level)

    def scope_at(self, user_id: uuid.UUID, level: ScopeLevel) -> DataScope:
        key = (user_id, level)
        cached = self._scope_cache.get(key)
        if cached is not None:
            return cached
        team_users: set[uuid.UUID] = {user_id}
        zones: set[uuid.UUID] = set()
        if level >= ScopeLevel.TEAM:
            for team_id in self.org.teams_of(user_id):
                team_users.update(self.org.members.get(team_id, ()))
        if level >= ScopeLevel.TEAM:
            # a team scope carries its teams' zones too: unassigned work waiting in those zones'
            # queues (leads now, the public pool later) is the manager's to hand out
            zones = self.org.zones_of(user_id)
        scope = DataScope(level, user_id, frozenset(team_users), frozenset(zones))
        self._scope_cache[key] = scope
        return scope

    # --- principals ---------------------------------------------------------------------------

    def user_principal(self, user_id: uuid.UUID) -> Principal | None:
        user = self.org.users.get(user_id)
        if user is None or not user.is_active:
            return None
        return Principal(user.id, user.display_name, str(user.id))

    def api_key_principal(self, key_hash: str) -> Principal | None:
        key = self.org.api_keys.get(key_hash)
        if key is None:
            return None
        user = self.org.users.get(key.user_id)
        if user is None or not user.is_active:
            return None
        return Principal(user.id, user.display_name, key.role, kind="api_key", api_key_id=key.id)
