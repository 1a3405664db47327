"""Leads (线索): capture with de-duplication and grading, scoped reads, key actions, status.

Routing by assignment rules (services/lead_routing.py) is the next slice of issue 3; until it
lands a lead created by a salesperson is theirs, and any other lead waits, unassigned, in the
queue of the sales zone covering its region (or the default queue when none does).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DuplicateRecord, FieldError, NotFound, RuleViolation, check_version
from domain.leads import LeadStatus, Score, can_move, normalize_company_name, score_lead
from repositories import customers as customers_repo
from repositories import leads as repo
from repositories import regions as regions_repo
from repositories.models import Channel, Customer, Lead, LeadAction
from services.context import Actor
from services.lead_routing import Decision, LeadRouter

DEDUP_WINDOW = timedelta(days=90)  # seed 000: re-submitting half a month later is still a duplicate
CONTACT_ACTIONS = {"call", "visit", "meeting"}
SCORED_FIELDS = (
    "company_name",
    "contact_name",
    "mobile",
    "email",
    "title",
    "province_code",
    "industry",
    "company_size",
    "product",
)


class ChannelService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, data: dict[str, Any]) -> Channel:
        if await repo.channel_by_code_or_name(self.session, data["code"], data["name"]) is not None:
            raise DuplicateRecord("code", "a channel with this code or name exists")
        channel = Channel(**data)
        self.session.add(channel)
        await self.session.flush()
        return channel

    async def update(self, channel_id: uuid.UUID, data: dict[str, Any], expected: int | None) -> Channel:
        channel = await repo.get_channel(self.session, channel_id)
        if channel is None:
            raise NotFound("channel", channel_id)
        check_version(channel.version, expected)
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
        channel = await repo.get_channel(self.session, lead.channel_id) if lead.channel_id else None
        counts = await repo.action_counts(self.session, lead.id) if lead.id else {}
        fields = {name: getattr(lead, name) for name in SCORED_FIELDS}
        return score_lead(channel.weight if channel else 0, fields, counts)

    @staticmethod
    def apply_score(lead: Lead, score: Score) -> None:
        lead.score = score.total
        lead.grade = score.grade
        lead.score_breakdown = {
            "channel": score.channel,
            "completeness": score.completeness,
            "actions": score.actions,
            "total": score.total,
            "explain": score.explain(),
        }

    async def _check_refs(self, data: dict[str, Any]) -> None:
        if data.get("channel_id"):
            channel = await repo.get_channel(self.session, data["channel_id"])
            if channel is None or not channel.is_active:
                raise FieldError("channel_id", "no such active channel")
        codes = [c for c in (data.get("province_code"), data.get("city_code")) if c]
        found = await regions_repo.by_codes(self.session, codes)
        if data.get("province_code") and found.get(data["province_code"], None) is None:
            raise FieldError("province_code", "not a province code (GB/T 2260)")
        if data.get("city_code"):
            city = found.get(data["city_code"])
            if city is None or city.level != 2:
                raise FieldError("city_code", "not a city code (GB/T 2260)")
            if data.get("province_code") and city.parent_code != data["province_code"]:
                raise FieldError("city_code", "city is not in the chosen province")

    async def capture(self, data: dict[str, Any], action: str | None = "form_submit") -> Lead:
        """A new lead: graded, checked for duplicates (kept and linked, never dropped), and
        placed with an owner or in a zone's queue."""
        await self._check_refs(data)
        creator = None if self.actor.principal.kind == "public_form" else self.actor.user_id
        lead = Lead(**data, company_key=normalize_company_name(data["company_name"]), created_by=creator)
        lead.id = uuid.uuid4()
        original = await repo.find_original(
            self.session,
            company_key=lead.company_key,
            product=lead.product,
            mobile=lead.mobile,
            email=lead.email,
            uscc=lead.uscc,
            since=datetime.now(UTC) - DEDUP_WINDOW,
        )
        customer = await self.existing_customer(lead)
        if original is not None:
            # the duplicate goes to whoever has the original (the channel still gets the credit)
            lead.duplicate_of_id = original.id
            lead.owner_id, lead.zone_id = original.owner_id, original.zone_id
        elif customer is not None and customer.owner_id is not None:
            # the company is already a customer: its owner follows it up
            lead.customer_id = customer.id
            lead.owner_id, lead.zone_id = customer.owner_id, customer.zone_id
            lead.routing_trace = {"result": "customer_owner", "customer_id": str(customer.id)}
        else:
            lead.customer_id = customer.id if customer is not None else None
            lead.owner_id, lead.zone_id = await self._placement(lead)
        if lead.owner_id is not None:
            lead.assigned_at = datetime.now(UTC)
        self.session.add(lead)
        await self.session.flush()
        if action:
            self.session.add(LeadAction(lead_id=lead.id, kind=action, happened_at=datetime.now(UTC)))
            await self.session.flush()
        self.apply_score(lead, await self.score(lead))
        await self.session.flush()
        return lead

    async def existing_customer(self, lead: Lead) -> Customer | None:
        """The customer this lead's company already is: same USCC, or same normalised name."""
        if lead.uscc:
            same = await customers_repo.by_uscc(self.session, lead.uscc)
            if same is not None:
                return same
        for candidate in await customers_repo.name_candidates(self.session, lead.company_key):
            if normalize_company_name(candidate.name) == lead.company_key:
                return candidate
        return None

    async def _placement(self, lead: Lead) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """The assignment rules decide (services/lead_routing.py) and the trace is kept on the
        lead. With no rules at all: a salesperson's own lead is theirs; any other lead waits in
        the queue of the zone covering its region (or the default queue)."""
        router = LeadRouter(self.session, self.actor.access)
        if await router.has_rules():
            fields = {name: getattr(lead, name) for name in SCORED_FIELDS}
            fields.update(channel_id=lead.channel_id, city_code=lead.city_code)
            fields["grade"] = (await self.score(lead)).grade  # before the capture action counts
            decision = await router.route(fields)
            lead.routing_trace = decision.trace
            return decision.owner_id, decision.zone_id
        org = self.actor.access.org
        user = org.users.get(self.actor.user_id)
        if self.actor.principal.kind == "user" and user is not None and user.team_id is not None:
            zone_id = org.teams[user.team_id].zone_id
            lead.routing_trace = Decision(user.id, zone_id, "creator", reason="no rules: their own").trace
            return user.id, zone_id
        queue = await repo.zone_covering(self.session, lead.province_code, lead.city_code)
        lead.routing_trace = Decision(
            None, queue, "default_queue", "zone", "no rules: the zone's queue"
        ).trace
        return None, queue

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
        self.apply_score(lead, await self.score(lead))
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
        self.apply_score(lead, await self.score(lead))
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
