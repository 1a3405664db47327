"""Lead routing (分配规则): ordered rules decide who gets a new lead, or which queue it waits in.

Active rules are tried in position order. A rule whose required fields the lead lacks sends it
to the leader's queue of the zone covering its region, for manual dispatch; otherwise the first
rule whose conditions match picks the assignee (a named user, a team by round robin / weight /
least load, or a zone's pool or leader queue). Inactive, on-leave and full (open leads ≥
`max_open_leads_per_rep`) reps are skipped; when nobody is left the lead waits in the leader
queue. No match → the default queue (`lead_rules.default_zone_id`, or no zone): never lost.
Every decision carries a trace — the rule, each candidate considered and why it was skipped.

Rule administration (create/update/reorder/delete) lives here too, as `AssignmentRuleService`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound, check_version
from domain.lead_routing import (
    FIELDS,
    Action,
    InvalidConditions,
    least_loaded_order,
    matches,
    missing_fields,
    rotation,
    validate_conditions,
    weighted_order,
)
from repositories import lead_routing as repo
from repositories.lead_routing import Candidate, ZoneCoverage
from repositories.models import AssignmentRule
from services.authz import AccessControl
from services.lead_reference import RuleInfo, lead_reference, lead_reference_changed

DEFAULT_MAX_OPEN = 200
TURN_KEY = "crm:routing:turn:"


@dataclass
class Decision:
    """Where a lead goes and why. `trace` is what is stored on the lead (routing_trace)."""

    owner_id: uuid.UUID | None
    zone_id: uuid.UUID | None
    action: str
    queue: str | None = None  # "leader" | "pool" | "default" when nobody owns the lead
    reason: str | None = None
    rule_id: uuid.UUID | None = None
    rule_name: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    missing_fields: list[str] = field(default_factory=list)

    @property
    def trace(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": str(self.rule_id) if self.rule_id else None,
            "rule_name": self.rule_name,
            "action": self.action,
            "candidates": self.candidates,
            "result": {
                "owner_id": str(self.owner_id) if self.owner_id else None,
                "zone_id": str(self.zone_id) if self.zone_id else None,
                "queue": self.queue,
                "reason": self.reason,
            },
        }
        if self.missing_fields:
            out["missing_fields"] = self.missing_fields
        return out


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


_TURN_TAKING = (Action.TEAM_ROUND_ROBIN, Action.TEAM_WEIGHTED)


class LeadRouter:
    """Routes one lead or a whole batch. Everything the rules need (rules, settings, zone
    coverage, team members, open-lead loads) is read once per batch in a handful of grouped
    statements; each rule's turns for the batch are taken with one counter update; loads grow
    in memory as leads are handed out, so a batch respects capacity and spreads least-loaded
    assignments like leads routed one by one."""

    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access
        self.max_open = DEFAULT_MAX_OPEN
        self.default_zone: uuid.UUID | None = None
        self._rules: tuple[RuleInfo, ...] | None = None
        self._any_rule = False
        self._zones: tuple[ZoneCoverage, ...] = ()

    async def has_rules(self) -> bool:
        """Any rule at all (active or not): without any, capture keeps its built-in placement."""
        await self.load()
        return self._any_rule

    async def load(self) -> None:
        """What routing needs: rules, settings and zone coverage from the per-process reference
        cache; teams and their members from the organisation snapshot."""
        if self._rules is not None:
            return
        ref = await lead_reference(self.session, self.access)
        self.max_open, self.default_zone = ref.rules.max_open_leads_per_rep, ref.rules.default_zone_id
        self._rules, self._any_rule, self._zones = ref.active_rules, ref.any_rule, ref.zones

    def _candidate(self, user_id: uuid.UUID) -> Candidate | None:
        user = self.access.org.users.get(user_id)
        return Candidate(user.id, user.is_active, user.on_leave, user.team_id) if user else None

    def _members(self, team_id: uuid.UUID) -> list[Candidate]:
        """The team's members in a stable order (by id), so round-robin turns are reproducible."""
        ids = sorted(self.access.org.members.get(team_id, ()))
        return [c for c in (self._candidate(i) for i in ids) if c is not None]

    def covering(self, province_code: str | None, city_code: str | None) -> uuid.UUID | None:
        """The sales zone whose coverage includes the city, else the province."""
        if city_code:
            for zone in self._zones:
                if city_code in zone.city_codes:
                    return zone.id
        if province_code:
            for zone in self._zones:
                if province_code in zone.province_codes:
                    return zone.id
        return None

    async def route(self, lead: Mapping[str, Any], dry_run: bool = False) -> Decision:
        """Route a lead given as its fields (province_code, city_code, channel_id, industry,
        company_size, product, grade). A dry run takes no round-robin turn and writes nothing."""
        return (await self.route_many([lead], dry_run))[0]

    async def route_many(self, leads: Sequence[Mapping[str, Any]], dry_run: bool = False) -> list[Decision]:
        await self.load()
        facts = []
        for lead in leads:
            fact: dict[str, Any] = {name: lead.get(name) for name in FIELDS if name != "zone"}
            fact["zone"] = self.covering(lead.get("province_code"), lead.get("city_code"))
            facts.append(fact)
        matched = [self._match(f) for f in facts]
        wanted = Counter(
            r.id
            for r, missing in matched
            if r is not None and not missing and Action(r.action_type) in _TURN_TAKING
        )
        turns = {rule_id: await self._turns(rule_id, n, dry_run) for rule_id, n in sorted(wanted.items())}
        people: set[uuid.UUID] = set()  # whose load matters: candidates of the rules that matched
        for rule, missing in matched:
            if rule is not None and not missing:
                target = rule.action_target
                team_id, user_id = _uuid(target.get("team_id")), _uuid(target.get("user_id"))
                people |= {c.id for c in self._members(team_id)} if team_id else set()
                people |= {user_id} if user_id else set()
        loads = Counter(await repo.open_lead_counts(self.session, sorted(people)))
        out = []
        for fact, (rule, missing) in zip(facts, matched, strict=True):
            covering = fact["zone"]
            if rule is None:
                decision = Decision(
                    None, self.default_zone, "default_queue", queue="default", reason="no rule matched"
                )
            elif missing:
                decision = Decision(
                    None,
                    covering or self.default_zone,
                    Action.ZONE_LEADER_QUEUE,
                    queue="leader",
                    reason=f"missing {', '.join(missing)}: dispatch by hand",
                    missing_fields=missing,
                )
            else:
                counter = turns.get(rule.id, 0)
                if rule.id in turns:
                    turns[rule.id] += 1
                decision = self._apply(rule, covering, counter, loads)
            if rule is not None:
                decision.rule_id, decision.rule_name = rule.id, rule.name
            if decision.owner_id is not None:
                loads[decision.owner_id] += 1
            out.append(decision)
        return out

    def _match(self, facts: Mapping[str, Any]) -> tuple[RuleInfo | None, list[str]]:
        """The first active rule that takes the lead: one whose required fields the lead lacks
        (→ the leader's queue) or whose conditions match."""
        for rule in self._rules or ():
            missing = missing_fields(facts, rule.required_fields)
            if missing or matches(rule.conditions, facts):
                return rule, missing
        return None, []

    def _apply(
        self, rule: RuleInfo, covering: uuid.UUID | None, counter: int, loads: Mapping[uuid.UUID, int]
    ) -> Decision:
        target = rule.action_target
        action = Action(rule.action_type)
        if action in (Action.ZONE_POOL, Action.ZONE_LEADER_QUEUE):
            zone_id = _uuid(target.get("zone_id")) or covering or self.default_zone
            queue = "pool" if action == Action.ZONE_POOL else "leader"
            return Decision(None, zone_id, action, queue=queue, reason=f"rule sends it to the zone's {queue}")
        if action == Action.USER:
            user_id = _uuid(target.get("user_id"))
            candidate = self._candidate(user_id) if user_id else None
            zone_id = self._zone_of_team(candidate.team_id if candidate else None) or covering
            if candidate is None:
                trace = [{"user_id": str(user_id) if user_id else None, "skipped_reason": "no such user"}]
                return self._nobody(action, zone_id, trace)
            return self._pick(action, [candidate], zone_id, loads)
        team_id = _uuid(target.get("team_id"))
        team = self.access.org.teams.get(team_id) if team_id else None
        if team is None:
            return self._nobody(action, covering, [], reason="the rule's team no longer exists")
        members = self._members(team.id)
        team_zone = team.zone_id
        if action == Action.TEAM_ROUND_ROBIN:
            return self._pick(action, rotation(members, counter), team_zone, loads)
        if action == Action.TEAM_WEIGHTED:
            by_id = {m.id: m for m in members}
            weights = sorted(
                (
                    (uid, int(w))
                    for uid, w in ((_uuid(k), w) for k, w in (target.get("weights") or {}).items())
                    if uid
                ),
                key=lambda kv: str(kv[0]),
            )
            order = [
                by_id.get(uid) or Candidate(uid, False, False, None)
                for uid in weighted_order(weights, counter)
            ]
            return self._pick(action, order, team_zone, loads, team_id=team_id)
        by_id = {m.id: m for m in members}
        order = [by_id[i] for i in least_loaded_order(list(by_id), loads)]
        return self._pick(action, order, team_zone, loads)

    def _zone_of_team(self, team_id: uuid.UUID | None) -> uuid.UUID | None:
        team = self.access.org.teams.get(team_id) if team_id else None
        return team.zone_id if team else None

    async def _turns(self, rule_id: uuid.UUID, count: int, dry_run: bool) -> int:
        """The first of `count` consecutive turns of the rule (a dry run only peeks). The
        counter lives in Redis: one atomic INCRBY, no database connection or row lock, so
        concurrent routings each get distinct turns and never wait on one another. Should
        Redis lose it, the rotation just starts again at the team's first member."""
        key = f"{TURN_KEY}{rule_id}"
        if dry_run:
            return int(await self.access.redis.get(key) or 0)
        return int(await self.access.redis.incrby(key, count)) - count

    def _pick(
        self,
        action: str,
        order: Sequence[Candidate],
        zone_id: uuid.UUID | None,
        loads: Mapping[uuid.UUID, int],
        team_id: uuid.UUID | None = None,
    ) -> Decision:
        """The first available candidate in order; each one passed over says why."""
        tried: list[dict[str, Any]] = []
        for c in order:
            reason = None
            if team_id is not None and c.team_id != team_id:
                reason = "not in the team"
            elif not c.is_active:
                reason = "inactive"
            elif c.on_leave:
                reason = "on leave"
            elif loads.get(c.id, 0) >= self.max_open:
                reason = f"at capacity ({loads.get(c.id, 0)}/{self.max_open} open leads)"
            tried.append({"user_id": str(c.id), "open_leads": loads.get(c.id, 0), "skipped_reason": reason})
            if reason is None:
                return Decision(c.id, zone_id, action, candidates=tried)
        return self._nobody(action, zone_id, tried)

    def _nobody(
        self,
        action: str,
        zone_id: uuid.UUID | None,
        tried: list[dict[str, Any]],
        reason: str = "no available candidate: dispatch by hand",
    ) -> Decision:
        return Decision(
            None, zone_id or self.default_zone, action, queue="leader", reason=reason, candidates=tried
        )


# --- administration -------------------------------------------------------------------------

TARGET_FIELDS = {
    Action.USER: ("user_id",),
    Action.TEAM_ROUND_ROBIN: ("team_id",),
    Action.TEAM_WEIGHTED: ("team_id", "weights"),
    Action.TEAM_LEAST_LOADED: ("team_id",),
    Action.ZONE_POOL: (),
    Action.ZONE_LEADER_QUEUE: (),
}


class AssignmentRuleService:
    """Every change is announced after commit, so routing everywhere uses the new rules."""

    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access

    def _changed(self) -> None:
        lead_reference_changed(self.session, self.access)

    async def get(self, rule_id: uuid.UUID) -> AssignmentRule:
        rule = await repo.get_rule(self.session, rule_id)
        if rule is None:
            raise NotFound("assignment_rule", rule_id)
        return rule

    async def _validate(self, data: dict[str, Any]) -> None:
        try:
            validate_conditions(data.get("conditions") or {})
        except InvalidConditions as exc:
            raise FieldError("conditions", str(exc)) from exc
        unknown = set(data.get("required_fields") or ()) - set(FIELDS)
        if unknown:
            raise FieldError("required_fields", f"unknown fields: {', '.join(sorted(unknown))}")
        action = Action(data["action_type"])
        target = data.get("action_target") or {}
        allowed = (
            {*TARGET_FIELDS[action], "zone_id"}
            if action in (Action.ZONE_POOL, Action.ZONE_LEADER_QUEUE)
            else set(TARGET_FIELDS[action])
        )
        for name in TARGET_FIELDS[action]:
            if target.get(name) in (None, "", {}):
                raise FieldError(f"action_target.{name}", f"{action} needs {name}")
        extra = set(target) - allowed
        if extra:
            raise FieldError(
                "action_target", f"{action} takes only {', '.join(sorted(allowed)) or 'nothing'}"
            )
        if "user_id" in target:
            user_id = _uuid(target["user_id"])
            if user_id is None or not await repo.existing_users(self.session, [user_id]):
                raise FieldError("action_target.user_id", "no such user")
        if "team_id" in target:
            team_id = _uuid(target["team_id"])
            if team_id is None or await repo.team(self.session, team_id) is None:
                raise FieldError("action_target.team_id", "no such team")
        if target.get("zone_id") is not None:
            zone_id = _uuid(target["zone_id"])
            if zone_id is None or await repo.zone(self.session, zone_id) is None:
                raise FieldError("action_target.zone_id", "no such sales zone")
        if "weights" in target:
            weights = target["weights"]
            ids = [_uuid(k) for k in weights] if isinstance(weights, dict) else [None]
            if (
                not isinstance(weights, dict)
                or None in ids
                or not all(isinstance(w, int) and 0 <= w <= 100 for w in weights.values())
                or not any(weights.values())
            ):
                raise FieldError(
                    "action_target.weights", "an object {user_id: weight 0–100}, some weight > 0"
                )
            team_id = _uuid(target["team_id"])
            members = {m.id for m in await repo.team_members(self.session, team_id)} if team_id else set()
            strangers = [str(i) for i in ids if i not in members]
            if strangers:
                raise FieldError("action_target.weights", f"not members of the team: {', '.join(strangers)}")

    async def create(self, data: dict[str, Any]) -> AssignmentRule:
        await self._validate(data)
        if data.get("position") is None:
            data["position"] = await repo.next_position(self.session)
        rule = AssignmentRule(**data)
        self._changed()
        self.session.add(rule)
        await self.session.flush()
        return rule

    async def update(self, rule_id: uuid.UUID, data: dict[str, Any], expected: int | None) -> AssignmentRule:
        rule = await self.get(rule_id)
        check_version(rule.version, expected)
        merged = {
            "conditions": rule.conditions,
            "required_fields": rule.required_fields,
            "action_type": rule.action_type,
            "action_target": rule.action_target,
            **data,
        }
        if "action_type" in data and "action_target" not in data and data["action_type"] != rule.action_type:
            raise FieldError("action_target", "a new action type needs its target")
        await self._validate(merged)
        self._changed()
        for key, value in data.items():
            setattr(rule, key, value)
        await self.session.flush()
        return rule

    async def delete(self, rule_id: uuid.UUID) -> None:
        await repo.delete_rule(self.session, await self.get(rule_id))
        self._changed()

    async def reorder(self, ids: list[uuid.UUID]) -> list[AssignmentRule]:
        rules = await repo.rules(self.session)
        if len(set(ids)) != len(ids) or set(ids) != {r.id for r in rules}:
            raise FieldError("ids", "list every rule exactly once")
        by_id = {r.id: r for r in rules}
        self._changed()
        for position, rule_id in enumerate(ids):
            if by_id[rule_id].position != position:
                by_id[rule_id].position = position
        await self.session.flush()
        return await repo.rules(self.session)
