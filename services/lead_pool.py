"""The lead pool (线索池): unowned leads waiting in a sales zone's pool, which the zone's reps may
claim (领取) under the same limits as customers — at most `max_open_leads_per_rep` open leads,
`max_daily_claims` claims a day (China time), and no reclaiming a lead that left you less than
`reclaim_cooldown_days` ago — and release (释放) back with a reason.

Claims are atomic: the lead row is locked and checked, so of two reps claiming one lead at once
exactly one wins (the other gets 409); a rep's own claims are serialised by an advisory lock, so
parallel claims never pass a cap."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.china_time import CHINA, midnight
from domain.errors import Conflict, NotFound, RuleViolation
from domain.leads import LeadStatus
from domain.scope import ScopeLevel
from repositories import audit
from repositories import lead_routing as routing_repo
from repositories import leads as repo
from repositories.db import advisory_xact_lock
from repositories.models import Lead, LeadClaim
from services.context import Actor
from services.lead_settings import lead_rules
from services.outbox import emit

OPEN = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class LeadPoolService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def pool_zones(self) -> frozenset[uuid.UUID] | None:
        """The pools the caller sees: every zone's for company-wide roles (None), else the
        zones they work in or manage."""
        if self.actor.scope.level is ScopeLevel.ALL:
            return None
        org = self.actor.access.org
        return frozenset(org.zones_of(self.actor.user_id) | set(self.actor.scope.zone_ids))

    async def claim(self, lead_id: uuid.UUID) -> Lead:
        user_id = self.actor.user_id
        await advisory_xact_lock(self.session, f"claim:{user_id}")
        lead = await repo.get_for_update(self.session, lead_id)
        zones = self.pool_zones()
        if lead is None or (zones is not None and lead.zone_id not in zones):
            raise NotFound("lead", lead_id)
        if lead.owner_id is not None:
            raise Conflict(
                "the lead has already been claimed" if lead.owner_id != user_id else "the lead is yours"
            )
        if lead.queue != "pool" or lead.status not in OPEN:
            raise NotFound("lead", lead_id)
        rules = await lead_rules(self.session)
        now = datetime.now(UTC)
        open_leads = (await routing_repo.open_lead_counts(self.session, [user_id])).get(user_id, 0)
        if open_leads >= rules.max_open_leads_per_rep:
            raise RuleViolation(
                f"you have {open_leads} open leads: the limit is {rules.max_open_leads_per_rep}"
            )
        today = await repo.claims_since(self.session, user_id, midnight())
        if today >= rules.max_daily_claims:
            raise RuleViolation(
                f"you have claimed {today} leads today: the limit is {rules.max_daily_claims}"
            )
        since = now - timedelta(days=rules.reclaim_cooldown_days)
        left = await repo.left_owner_since(self.session, lead.id, user_id, since)
        if left is not None:
            raise RuleViolation(
                f"this lead left you on {left.astimezone(CHINA):%Y-%m-%d}: it can be claimed again "
                f"{rules.reclaim_cooldown_days} days after that"
            )
        lead.owner_id = user_id
        lead.assigned_at = now
        lead.queue = None
        self.session.add(LeadClaim(lead_id=lead.id, user_id=user_id))
        audit.record(self.session, "lead", lead.id, "claim", {"owner_id": [None, str(user_id)]})
        emit(
            self.session,
            "lead.assigned",
            {"lead_id": lead.id, "company_name": lead.company_name, "owner_id": user_id, "how": "claim"},
            entity="lead",
            entity_id=lead.id,
            actor_id=user_id,
        )
        await self.session.flush()
        return lead

    async def release(self, lead_id: uuid.UUID, reason: str) -> Lead:
        """The owner gives the lead back to the pool of its zone."""
        lead = await repo.get_visible(self.session, lead_id, self.actor.scope)
        if lead is None:
            raise NotFound("lead", lead_id)
        if lead.status not in OPEN:
            raise RuleViolation(f"the lead is {lead.status}")
        if lead.owner_id is None:
            raise Conflict("the lead is already in the pool")
        if lead.zone_id is None:
            raise RuleViolation("the lead has no sales zone, so no pool to go back to")
        previous = lead.owner_id
        lead.owner_id, lead.assigned_at, lead.queue = None, None, "pool"
        audit.record(
            self.session,
            "lead",
            lead.id,
            "release",
            {"owner_id": [str(previous), None], "reason": [None, reason]},
        )
        await self.session.flush()
        return lead
