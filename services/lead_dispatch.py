"""Dispatch (分发) and transfer (转交) of leads."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound, RuleViolation
from domain.leads import LeadStatus
from domain.scope import ScopeLevel
from repositories import audit
from repositories import leads as repo
from repositories.models import Lead
from services.context import Actor
from services.notifications import notify
from services.outbox import emit

CLOSED = (LeadStatus.CONVERTED, LeadStatus.INVALID)


class LeadDispatchService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def _check_assignee(self, user_id: uuid.UUID, field: str) -> uuid.UUID | None:
        """An active, present salesperson the caller manages; returns their zone."""
        org = self.actor.access.org
        user = org.users.get(user_id)
        if user is None or not user.is_active:
            raise FieldError(field, "no such active user")
        if user.on_leave:
            raise FieldError(field, f"{user.display_name} is on leave")
        scope = self.actor.scope
        in_scope = (
            scope.level is ScopeLevel.ALL
            or user.id in scope.team_user_ids
            or (scope.level is ScopeLevel.ZONE and bool(org.zones_of(user.id) & scope.zone_ids))
        )
        if not in_scope:
            raise FieldError(field, "outside the teams you manage")
        return org.teams[user.team_id].zone_id if user.team_id else None

    async def dispatch(
        self, lead_ids: list[uuid.UUID], user_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Hand the leads to the chosen reps evenly at random (counts differ by at most 1).
        All or nothing: one lead out of scope or closed refuses the whole request."""
        zones = {u: self._check_assignee(u, f"user_ids.{i}") for i, u in enumerate(user_ids)}
        leads: list[Lead] = []
        for i, lead_id in enumerate(lead_ids):
            lead = await repo.get_visible(self.session, lead_id, self.actor.scope)
            if lead is None:
                raise NotFound("lead", lead_id)
            if lead.status in CLOSED:
                raise FieldError(f"lead_ids.{i}", f"the lead is {lead.status}")
            leads.append(lead)
        random.shuffle(leads)
        order = list(user_ids)
        random.shuffle(order)
        out: dict[uuid.UUID, list[uuid.UUID]] = {u: [] for u in user_ids}
        for index, lead in enumerate(leads):
            owner = order[index % len(order)]
            self._assign(lead, owner, zones[owner], "dispatch", None, tell=False)
            out[owner].append(lead.id)
        for owner, ids in out.items():
            if ids and owner != self.actor.user_id:
                notify(
                    self.session,
                    owner,
                    "lead_assigned",
                    f"{len(ids)} 条线索分配给你 / {len(ids)} leads dispatched to you",
                )
        await self.session.flush()
        return out

    async def transfer(self, lead_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> Lead:
        """A rep hands a lead to a colleague, with a reason."""
        lead = await repo.get_visible(self.session, lead_id, self.actor.scope)
        if lead is None:
            raise NotFound("lead", lead_id)
        if lead.status in CLOSED:
            raise RuleViolation(f"the lead is {lead.status}")
        if user_id == lead.owner_id:
            raise FieldError("user_id", "the lead is already theirs")
        org = self.actor.access.org
        user = org.users.get(user_id)
        if user is None or not user.is_active or user.on_leave:
            raise FieldError("user_id", "no such active user")
        zone = org.teams[user.team_id].zone_id if user.team_id else lead.zone_id
        self._assign(lead, user_id, zone, "transfer", reason)
        await self.session.flush()
        return lead

    def _assign(
        self,
        lead: Lead,
        owner: uuid.UUID,
        zone: uuid.UUID | None,
        how: str,
        reason: str | None,
        tell: bool = True,
    ) -> None:
        previous = lead.owner_id
        lead.owner_id = owner
        lead.assigned_at = datetime.now(UTC)
        lead.zone_id = zone or lead.zone_id
        lead.queue = None
        if tell and owner != self.actor.user_id:
            notify(
                self.session,
                owner,
                "lead_assigned",
                f"新线索 / New lead: {lead.company_name} ({lead.grade})",
                reason,
                "lead",
                lead.id,
            )
        emit(
            self.session,
            "lead.assigned",
            {
                "lead_id": lead.id,
                "company_name": lead.company_name,
                "owner_id": owner,
                "previous_owner_id": previous,
                "how": how,
                "reason": reason,
            },
            entity="lead",
            entity_id=lead.id,
            actor_id=self.actor.user_id,
        )
        audit.record(
            self.session,
            "lead",
            lead.id,
            how,
            {
                "owner_id": [str(previous) if previous else None, str(owner)],
                **({"reason": [None, reason]} if reason else {}),
            },
        )
