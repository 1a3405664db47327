"""Who approves a step: approver specs resolved against the organisation (OrgView)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.approvals.flows import ApproverKind, ApproverSpec, SelfApproval, Step

# --- approver resolution ----------------------------------------------------------------------


class OrgView(Protocol):
    """The organisation as approval resolution needs it (adapt `OrgSnapshot` to it)."""

    def manager_of(self, user_id: UUID) -> UUID | None:
        """The manager of the user's team; for a team's own manager, the manager of the
        nearest parent team with another manager (OrgSnapshot.manager_of)."""
        ...

    def team_of(self, user_id: UUID) -> UUID | None: ...

    def zone_of(self, user_id: UUID) -> UUID | None:
        """The zone of the user's team."""
        ...

    def users_with_role(self, role: str) -> Iterable[UUID]: ...

    def users_with_role_in_team(self, role: str, team_id: UUID) -> Iterable[UUID]: ...

    def users_with_role_in_zone(self, role: str, zone_id: UUID) -> Iterable[UUID]: ...

    def is_available(self, user_id: UUID) -> bool:
        """Active and not on leave."""
        ...


@dataclass(frozen=True, slots=True)
class ApprovalContext:
    applicant_id: UUID
    org: OrgView
    owner_id: UUID | None = None  # the record's owner (e.g. the customer's owner)
    zone_id: UUID | None = None  # the request's zone (start: else facts.zone_id), else the applicant's
    previous_approver_ids: tuple[UUID, ...] = ()  # who approved the previous step


@dataclass(frozen=True, slots=True)
class Resolution:
    approvers: tuple[UUID, ...]  # ordered, de-duplicated, available, never the applicant
    skipped_self: bool = False  # the applicant was an approver and the policy is SKIP
    self_approved: bool = False  # the applicant was an approver and the policy is AUTO_APPROVE

    @property
    def to_admin_queue(self) -> bool:
        """Nobody can decide: the step waits in the admin queue instead of stalling silently."""
        return not self.approvers and not self.skipped_self and not self.self_approved


def available_manager(org: OrgView, user_id: UUID, levels: int) -> UUID | None:
    """`levels` up the chain; an unavailable manager there passes to the next one up."""
    current: UUID | None = user_id
    for _ in range(levels):
        current = org.manager_of(current) if current is not None else None
        if current is None:
            return None
    seen = {user_id}
    while current is not None and not org.is_available(current):
        if current in seen:
            return None
        seen.add(current)
        current = org.manager_of(current)
    return current


def _candidates(spec: ApproverSpec, ctx: ApprovalContext) -> list[UUID]:
    org = ctx.org
    match spec.kind:
        case ApproverKind.USERS:
            return [u for u in spec.user_ids if org.is_available(u)]
        case ApproverKind.ROLE:
            if spec.role is None:
                return []
            return sorted(u for u in org.users_with_role(spec.role) if org.is_available(u))
        case ApproverKind.TEAM_ROLE:
            team_id = org.team_of(ctx.applicant_id)
            if team_id is None or spec.role is None:
                return []
            return sorted(u for u in org.users_with_role_in_team(spec.role, team_id) if org.is_available(u))
        case ApproverKind.ZONE_ROLE:
            zone_id = ctx.zone_id or org.zone_of(ctx.applicant_id)
            if zone_id is None or spec.role is None:
                return []
            return sorted(u for u in org.users_with_role_in_zone(spec.role, zone_id) if org.is_available(u))
        case ApproverKind.MANAGER:
            manager = available_manager(org, ctx.applicant_id, spec.levels)
            return [manager] if manager else []
        case ApproverKind.OWNER_MANAGER:
            manager = available_manager(org, ctx.owner_id, 1) if ctx.owner_id else None
            return [manager] if manager else []
        case ApproverKind.PREVIOUS_APPROVER_MANAGER:
            found = [available_manager(org, u, 1) for u in ctx.previous_approver_ids]
            return [m for m in found if m is not None]
    raise AssertionError(spec.kind)  # pragma: no cover


def resolve_approvers(step: Step, ctx: ApprovalContext) -> Resolution:
    ordered: list[UUID] = []
    for spec in step.approvers:
        for user_id in _candidates(spec, ctx):
            if user_id not in ordered:
                ordered.append(user_id)
    if ctx.applicant_id not in ordered:
        return Resolution(tuple(ordered))
    others = tuple(u for u in ordered if u != ctx.applicant_id)
    if step.self_approval is SelfApproval.AUTO_APPROVE:
        return Resolution(others, self_approved=True)
    return Resolution(others, skipped_self=True)
