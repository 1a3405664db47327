"""Leads (线索): capture with de-duplication and grading, scoped reads, key actions, status.

New leads come in through services/lead_intake.py (de-dup, customer match, grading, routing).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DuplicateRecord, FieldError, NotFound, RuleViolation, check_version
from domain.leads import LeadStatus, Score, can_move, normalize_company_name, score_lead
from repositories import customers as customers_repo
from repositories import leads as repo
from repositories.models import Channel, Customer, Lead, LeadAction
from services.authz import AccessControl
from services.context import Actor
from services.lead_intake import LeadIntake, NewLead, apply_score, scored_fields
from services.lead_reference import lead_reference, lead_reference_changed

CONTACT_ACTIONS = {"call", "visit", "meeting"}


class ChannelService:
    """Every change is announced after commit (channels are cached per process for grading)."""

    def __init__(self, session: AsyncSession, access: AccessControl) -> None:
        self.session = session
        self.access = access

    async def create(self, data: dict[str, Any]) -> Channel:
        if await repo.channel_by_code_or_name(self.session, data["code"], data["name"]) is not None:
            raise DuplicateRecord("code", "a channel with this code or name exists")
        channel = Channel(**data)
        lead_reference_changed(self.session, self.access)
        self.session.add(channel)
        await self.session.flush()
        return channel

    async def update(self, channel_id: uuid.UUID, data: dict[str, Any], expected: int | None) -> Channel:
        channel = await repo.get_channel(self.session, channel_id)
        if channel is None:
            raise NotFound("channel", channel_id)
        check_version(channel.version, expected)
        lead_reference_changed(self.session, self.access)
        for key, value in data.items():
            setattr(channel, key, value)
        await self.session.flush()
        return channel


class LeadService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def get(self, lead_id: uuid.UUID) -> Lead:
        lead = await repo.get_visible(self.session, lead_id, self.actor.scope)
        if lead is None:
            raise NotFound("lead", lead_id)
        return lead

    async def score(self, lead: Lead) -> Score:
        ref = await lead_reference(self.session, self.actor.access)
        channel = ref.channels.get(lead.channel_id) if lead.channel_id else None
        counts = await repo.action_counts(self.session, lead.id) if lead.id else {}
        return score_lead(channel.weight if channel else 0, scored_fields(lead), counts, ref.scoring)

    async def _check_refs(self, data: dict[str, Any]) -> None:
        errors = (await LeadIntake(self.session, self.actor).check_refs([data]))[0]
        if errors:
            raise FieldError(*errors[0])

    async def capture(self, data: dict[str, Any], action: str | None = "form_submit") -> Lead:
        """A new lead: graded, checked for duplicates (kept and linked, never dropped), and
        placed with an owner or in a zone's queue (services/lead_intake.py)."""
        taken = (await LeadIntake(self.session, self.actor).ingest([NewLead(data, action)]))[0]
        if taken.errors:
            raise FieldError(*taken.errors[0])
        assert taken.lead is not None
        return taken.lead

    async def existing_customer(self, lead: Lead) -> Customer | None:
        """The customer this lead's company already is: same USCC, or same normalised name."""
        found = await customers_repo.matching(
            self.session, [lead.uscc] if lead.uscc else [], [lead.company_key]
        )
        same = next((c for c in found if lead.uscc and c.uscc == lead.uscc), None) or next(
            (c for c in found if c.name_key == lead.company_key), None
        )
        return await self.session.get(Customer, same.id) if same else None

    async def update(self, lead_id: uuid.UUID, data: dict[str, Any], expected: int | None) -> Lead:
        lead = await self.get(lead_id)
        check_version(lead.version, expected)
        if lead.status == LeadStatus.CONVERTED:
            raise RuleViolation("a converted lead cannot be changed")
        await self._check_refs({**data, "province_code": data.get("province_code", lead.province_code)})
        for key, value in data.items():
            setattr(lead, key, value)
        if "company_name" in data:
            lead.company_key = normalize_company_name(lead.company_name)
        apply_score(lead, await self.score(lead))
        await self.session.flush()
        return lead

    async def log_action(self, lead_id: uuid.UUID, kind: str, note: str | None, at: datetime | None) -> Lead:
        """A key action raises the score; a call, visit or meeting also marks the lead contacted."""
        lead = await self.get(lead_id)
        if lead.status in (LeadStatus.CONVERTED, LeadStatus.INVALID):
            raise RuleViolation(f"the lead is {lead.status}: actions are closed")
        happened = at or datetime.now(UTC)
        self.session.add(
            LeadAction(
                lead_id=lead.id, kind=kind, note=note, happened_at=happened, author_id=self.actor.user_id
            )
        )
        await self.session.flush()
        if kind in CONTACT_ACTIONS:
            lead.last_contacted_at = max(filter(None, (lead.last_contacted_at, happened)))
            if lead.status == LeadStatus.NEW:
                lead.status = LeadStatus.CONTACTED
        apply_score(lead, await self.score(lead))
        await self.session.flush()
        return lead

    async def set_status(
        self, lead_id: uuid.UUID, status: LeadStatus, reason: str | None, expected: int | None
    ) -> Lead:
        lead = await self.get(lead_id)
        check_version(lead.version, expected)
        if status == LeadStatus.CONVERTED:
            raise FieldError("status", "use POST /leads/{id}/convert to convert a lead")
        if not can_move(LeadStatus(lead.status), status):
            raise RuleViolation(f"a {lead.status} lead cannot become {status}")
        if status == LeadStatus.INVALID and not reason:
            raise FieldError("reason", "an invalid lead needs a reason (fake data, no need, unreachable…)")
        lead.status = status
        lead.invalid_reason = reason if status == LeadStatus.INVALID else None
        await self.session.flush()
        return lead
