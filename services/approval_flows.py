"""Approval flow definitions (issue 5): admins define, per kind of request, which requests a
flow applies to and its ordered steps; every edit of the match or the steps is a new immutable
version (a request keeps the version it was submitted under). A preview shows who would
approve a request with given facts, step by step, through the same domain rules the running
engine uses (domain/approvals).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals import (
    ApprovalContext,
    ApproverKind,
    ApproverSpec,
    Condition,
    Facts,
    Flow,
    FlowMatch,
    InvalidFlow,
    Mode,
    Operator,
    RejectTarget,
    SelfApproval,
    Step,
    all_hold,
    resolve_approvers,
    select_flow,
)
from domain.errors import DuplicateRecord, FieldError, NotFound, check_version
from repositories import approval_flows as repo
from repositories.models import ApprovalFlow, ApprovalFlowVersion
from services.authz import AccessControl
from services.context import Actor

_DECIMAL_FIELDS = frozenset({"amount", "discount_pct", "quantity"})


# --- stored definition (JSON) → domain values ----------------------------------------------------


def _value(field: str, value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_value(field, v) for v in value)
    if field in _DECIMAL_FIELDS and value is not None:
        return Decimal(str(value))
    if field == "zone_id" and value is not None:
        return uuid.UUID(str(value))
    return value


def _decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def _set(values: Iterable[Any] | None, convert: Any = str) -> frozenset[Any] | None:
    return frozenset(convert(v) for v in values) if values else None


def to_flow(
    flow_id: uuid.UUID, kind: str, number: int, priority: int, name: str, definition: dict[str, Any]
) -> Flow:
    """A stored version as the domain's Flow; a definition the domain refuses is a 422 naming
    the step (or the match) at fault."""
    m = definition.get("match") or {}
    try:
        match = FlowMatch(
            amount_min=_decimal(m.get("amount_min")),
            amount_max=_decimal(m.get("amount_max")),
            categories=_set(m.get("categories")),
            customer_levels=_set(m.get("customer_levels")),
            zone_ids=_set(m.get("zone_ids"), uuid.UUID),
            discount_min=_decimal(m.get("discount_min")),
            discount_max=_decimal(m.get("discount_max")),
        )
    except InvalidFlow as exc:
        raise FieldError("match", str(exc)) from exc
    steps = []
    for i, s in enumerate(definition.get("steps") or []):
        try:
            steps.append(
                Step(
                    approvers=tuple(
                        ApproverSpec(
                            ApproverKind(a["kind"]),
                            user_ids=tuple(uuid.UUID(str(u)) for u in a.get("user_ids") or ()),
                            role=a.get("role"),
                            levels=int(a.get("levels") or 1),
                        )
                        for a in s["approvers"]
                    ),
                    mode=Mode(s.get("mode") or Mode.ANY),
                    conditions=tuple(
                        Condition(c["field"], Operator(c["op"]), _value(c["field"], c["value"]))
                        for c in s.get("conditions") or ()
                    ),
                    time_limit_hours=s.get("time_limit_hours"),
                    escalate_to_manager=bool(s.get("escalate_to_manager")),
                    reject_to=RejectTarget(s.get("reject_to") or RejectTarget.APPLICANT),
                    self_approval=SelfApproval(s.get("self_approval") or SelfApproval.SKIP),
                    name=s.get("name") or "",
                )
            )
        except InvalidFlow as exc:
            raise FieldError(f"steps.{i}", str(exc)) from exc
    try:
        return Flow(flow_id, kind, tuple(steps), version=number, priority=priority, match=match, name=name)
    except InvalidFlow as exc:
        raise FieldError("steps", str(exc)) from exc


# --- the organisation as approval resolution sees it ----------------------------------------------


class OrgAdapter:
    """domain.approvals.OrgView over the per-process org snapshot and the role assignments."""

    def __init__(self, access: AccessControl) -> None:
        self.access = access
        self.org = access.org

    def manager_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        return self.org.manager_of(user_id)

    def team_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        user = self.org.users.get(user_id)
        return user.team_id if user else None

    def zone_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        team = self.team_of(user_id)
        return self.org.teams[team].zone_id if team in self.org.teams else None

    def users_with_role(self, role: str) -> Iterable[uuid.UUID]:
        return sorted(self.access.users_with_role(role), key=str)

    def users_with_role_in_team(self, role: str, team_id: uuid.UUID) -> Iterable[uuid.UUID]:
        return sorted((u for u in self.access.users_with_role(role) if self.team_of(u) == team_id), key=str)

    def users_with_role_in_zone(self, role: str, zone_id: uuid.UUID) -> Iterable[uuid.UUID]:
        return sorted(
            (u for u in self.access.users_with_role(role) if zone_id in self.org.zones_of(u)), key=str
        )

    def is_available(self, user_id: uuid.UUID) -> bool:
        user = self.org.users.get(user_id)
        return bool(user and user.is_active and not user.on_leave)


@dataclass(frozen=True, slots=True)
class PreviewStep:
    index: int
    name: str
    mode: str
    applies: bool  # false: the step's condition does not hold, it is skipped
    approvers: tuple[uuid.UUID, ...]
    to_admin_queue: bool
    self_approval: str | None  # "skipped" / "auto_approved" when the applicant was an approver


# --- the use cases ---------------------------------------------------------------------------------


class ApprovalFlowService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def get(self, flow_id: uuid.UUID) -> tuple[ApprovalFlow, ApprovalFlowVersion]:
        flow = await repo.get(self.session, flow_id)
        if flow is None:
            raise NotFound("approval flow", flow_id)
        version = await repo.version(self.session, flow.id, flow.current_version)
        assert version is not None
        return flow, version

    async def _check_references(self, definition: dict[str, Any]) -> None:
        org = self.actor.access.org
        known_roles = await repo.role_names(self.session)
        for i, step in enumerate(definition["steps"]):
            for j, a in enumerate(step["approvers"]):
                for k, u in enumerate(a.get("user_ids") or ()):
                    user = org.users.get(uuid.UUID(str(u)))
                    if user is None or not user.is_active:
                        raise FieldError(f"steps.{i}.approvers.{j}.user_ids.{k}", "no such active user")
                if a.get("role") and a["role"] not in known_roles:
                    raise FieldError(f"steps.{i}.approvers.{j}.role", f"no role {a['role']!r}")
        zones = {t.zone_id for t in org.teams.values()} | await repo.zone_ids(self.session)
        for k, z in enumerate((definition.get("match") or {}).get("zone_ids") or ()):
            if uuid.UUID(str(z)) not in zones:
                raise FieldError(f"match.zone_ids.{k}", "no such sales zone")

    async def create(self, data: dict[str, Any]) -> tuple[ApprovalFlow, ApprovalFlowVersion]:
        definition = {"match": data["match"], "steps": data["steps"]}
        flow_id = uuid.uuid4()
        to_flow(flow_id, data["kind"], 1, data["priority"], data["name"], definition)  # validates
        await self._check_references(definition)
        if await repo.by_name(self.session, data["name"]) is not None:
            raise DuplicateRecord("name", "a flow with this name exists")
        flow = ApprovalFlow(
            id=flow_id,
            kind=data["kind"],
            name=data["name"],
            description=data.get("description"),
            priority=data["priority"],
            is_active=data["is_active"],
            current_version=1,
            created_by=self.actor.user_id,
        )
        self.session.add(flow)
        await self.session.flush()
        version = ApprovalFlowVersion(
            flow_id=flow.id, number=1, definition=definition, created_by=self.actor.user_id
        )
        self.session.add(version)
        await self.session.flush()
        return flow, version

    async def update(
        self, flow_id: uuid.UUID, changes: dict[str, Any], expected: int | None
    ) -> tuple[ApprovalFlow, ApprovalFlowVersion]:
        """Name, description, priority and active apply at once; a changed match or steps make
        a new version (requests already submitted keep theirs)."""
        flow, current = await self.get(flow_id)
        check_version(flow.version, expected)
        if "name" in changes and changes["name"] != flow.name:
            other = await repo.by_name(self.session, changes["name"])
            if other is not None and other.id != flow.id:
                raise DuplicateRecord("name", "a flow with this name exists")
        for key in ("name", "description", "priority", "is_active"):
            if key in changes:
                setattr(flow, key, changes[key])
        version = current
        if "match" in changes or "steps" in changes:
            definition = {
                "match": changes.get("match", current.definition.get("match") or {}),
                "steps": changes.get("steps", current.definition["steps"]),
            }
            if definition != current.definition:
                to_flow(flow.id, flow.kind, flow.current_version + 1, flow.priority, flow.name, definition)
                await self._check_references(definition)
                flow.current_version += 1
                version = ApprovalFlowVersion(
                    flow_id=flow.id,
                    number=flow.current_version,
                    definition=definition,
                    created_by=self.actor.user_id,
                )
                self.session.add(version)
        await self.session.flush()
        return flow, version

    async def active_flows(self, kind: str) -> list[Flow]:
        return [
            to_flow(f.id, f.kind, v.number, f.priority, f.name, v.definition)
            for f, v in await repo.active_with_versions(self.session, kind)
        ]

    async def preview(
        self, facts: Facts, applicant_id: uuid.UUID, owner_id: uuid.UUID | None
    ) -> tuple[Flow | None, list[PreviewStep]]:
        """Which flow a request with these facts would follow, and who would decide each step
        (previous-approver-manager steps assume the previous step's approvers decided)."""
        for field, user_id in (("applicant_id", applicant_id), ("owner_id", owner_id)):
            if user_id is not None and user_id not in self.actor.access.org.users:
                raise FieldError(field, "no such user")
        flow = select_flow(await self.active_flows(facts.kind), facts)
        if flow is None:
            return None, []
        org = OrgAdapter(self.actor.access)
        steps: list[PreviewStep] = []
        previous: tuple[uuid.UUID, ...] = ()
        for i, step in enumerate(flow.steps):
            applies = all_hold(step.conditions, facts)
            ctx = ApprovalContext(applicant_id, org, owner_id, facts.zone_id, previous)
            resolution = resolve_approvers(step, ctx)
            own = (
                "auto_approved"
                if resolution.self_approved
                else "skipped"
                if resolution.skipped_self
                else None
            )
            steps.append(
                PreviewStep(
                    i,
                    step.name,
                    step.mode.value,
                    applies,
                    resolution.approvers,
                    resolution.to_admin_queue,
                    own,
                )
            )
            if applies and resolution.approvers:
                previous = resolution.approvers
        return flow, steps
