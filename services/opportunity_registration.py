"""Registration (商机报备, seed 002): someone reports an opportunity for a company; the sales
division's rules (the lead routing engine) decide whose it is, and a company without the
routing fields waits in the zone leader's queue. A registration for a customer and product that
already has an open opportunity is kept, flagged as a conflict for the manager to decide —
never silently duplicated, never silently dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, RuleViolation
from domain.leads import normalize_company_name
from domain.opportunities import OpportunitySource, StageKind
from repositories import customers as customers_repo
from repositories import opportunities as repo
from repositories.models import Customer, Opportunity, OpportunityMember
from services.context import Actor
from services.lead_routing import LeadRouter
from services.notifications import notify
from services.opportunities import DUPLICATE, LostData, OpportunityService
from services.outbox import emit

Resolution = Literal["accept", "reject", "merge"]


class RegistrationService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.opportunities = OpportunityService(session, actor)

    async def register(self, data: Mapping[str, Any]) -> Opportunity:
        data = dict(data)
        company = data.pop("company", None)
        customer = await self._customer(data.get("customer_id"), company)
        data["customer_id"] = customer.id
        router = LeadRouter(self.session, self.actor.access)
        decision = await router.route(
            {
                "province_code": customer.province_code,
                "city_code": customer.city_code,
                "industry": customer.industry,
                "company_size": customer.size,
                "product": data.get("product"),
                "grade": None,
            }
        )
        queued = decision.owner_id is None
        opp = await self.opportunities.create(
            data,
            source=OpportunitySource.REGISTRATION.value,
            owner_id=decision.owner_id,
            queue="leader" if queued else None,
            zone_id=decision.zone_id or customer.zone_id,
            reason=f"报备分配 / registration routed: {decision.rule_name or decision.reason or decision.action}",
            customer=customer,
        )
        opp.routing_trace = decision.trace
        if customer.owner_id is None and not queued and customer.pool_id is None:
            customer.owner_id, customer.claimed_at = decision.owner_id, datetime.now(UTC)
        existing = await repo.open_for(self.session, customer.id, data.get("product"), exclude=opp.id)
        if existing is not None:
            opp.conflict_with_id, opp.conflict_status = existing.id, "open"
            self._tell_managers(opp, existing)
        if queued and opp.zone_id is not None:
            for leader in _leaders(self.actor, opp.zone_id):
                notify(
                    self.session,
                    leader,
                    "opportunity_queued",
                    f"报备商机待分配 / A registered opportunity waits for dispatch: {opp.name}",
                    body=decision.reason,
                    entity="opportunity",
                    entity_id=opp.id,
                )
        await self.session.flush()
        emit(
            self.session,
            "opportunity.registered",
            {
                "opportunity_id": opp.id,
                "customer_id": customer.id,
                "owner_id": opp.owner_id,
                "queue": opp.queue,
                "conflict_with_id": opp.conflict_with_id,
            },
            entity="opportunity",
            entity_id=opp.id,
            actor_id=self.actor.user_id,
        )
        return opp

    async def _customer(self, customer_id: uuid.UUID | None, company: Mapping[str, Any] | None) -> Customer:
        """The customer the registration is for: one the registrant sees, or the company named —
        matched by USCC or normalised name against every customer (a registrant may not see the
        customer another rep owns: that is exactly the conflict to catch), else created."""
        if customer_id is not None:
            found = await customers_repo.get_visible(
                self.session, customer_id, self.actor.scope_for("customer", "read")
            )
            if found is None:
                raise FieldError("customer_id", "no such customer")
            return found
        if not company:
            raise FieldError("customer_id", "name a customer, or the company in `company`")
        key = normalize_company_name(company["name"])
        matches = await customers_repo.matching(
            self.session, [company["uscc"]] if company.get("uscc") else [], [key]
        )
        same = next((m for m in matches if company.get("uscc") and m.uscc == company["uscc"]), None) or next(
            (m for m in matches if m.name_key == key), None
        )
        if same is not None:
            customer = await self.session.get(Customer, same.id)
            assert customer is not None
            return customer
        customer = Customer(
            kind="enterprise",
            name=company["name"],
            uscc=company.get("uscc"),
            province_code=company.get("province_code"),
            city_code=company.get("city_code"),
            industry=company.get("industry"),
            size=company.get("company_size"),
            address=company.get("address"),
            level="normal",
            created_by=self.actor.user_id,
            notes="由商机报备创建 / created by an opportunity registration",
        )
        self.session.add(customer)
        await self.session.flush()
        if company.get("contact_name"):
            from repositories.models import Contact

            self.session.add(
                Contact(
                    customer_id=customer.id,
                    name=company["contact_name"],
                    title=company.get("contact_title"),
                    mobile=company.get("contact_mobile"),
                    is_key_person=True,
                    created_by=self.actor.user_id,
                )
            )
            await self.session.flush()
        return customer

    def _tell_managers(self, opp: Opportunity, existing: Opportunity) -> None:
        org = self.actor.access.org
        people: set[uuid.UUID] = set()
        for owner in (existing.owner_id, opp.owner_id):
            manager = org.manager_of(owner) if owner else None
            if manager:
                people.add(manager)
        if existing.zone_id:
            people |= _leaders(self.actor, existing.zone_id)
        for user_id in people:
            notify(
                self.session,
                user_id,
                "opportunity_conflict",
                f"商机报备冲突 / Registration conflict: {opp.name}",
                body=f"与进行中的商机重复 / overlaps the open opportunity {existing.name}",
                entity="opportunity",
                entity_id=opp.id,
            )

    async def resolve(
        self, opportunity_id: uuid.UUID, resolution: Resolution, note: str | None
    ) -> Opportunity:
        """The manager's call on a conflict: accept (both go on), reject (the registration is
        closed as a duplicate) or merge (closed, and its registrant joins the existing team)."""
        opp = await self.opportunities.get(opportunity_id, "reassign", lock=True)
        if opp.conflict_status != "open" or opp.conflict_with_id is None:
            raise RuleViolation("this opportunity has no open registration conflict")
        if resolution == "accept":
            opp.conflict_status = "accepted"
            await self.session.flush()
        else:
            opp.conflict_status = "rejected" if resolution == "reject" else "merged"
            await self.session.flush()
            stages = await self.opportunities.stages(opp.business_line_id)
            lost_stage = next(s for s in stages if s.kind is StageKind.LOST)
            opp = await self.opportunities.move(
                opp.id,
                stage_id=lost_stage.id,
                lost=LostData(DUPLICATE, note=note or "重复报备 / duplicate registration"),
            )
            if resolution == "merge" and opp.created_by:
                existing = await self.session.get(Opportunity, opp.conflict_with_id)
                if existing is not None and opp.created_by != existing.owner_id:
                    member = await self.session.get(OpportunityMember, (existing.id, opp.created_by))
                    if member is None:
                        self.session.add(
                            OpportunityMember(
                                opportunity_id=existing.id,
                                user_id=opp.created_by,
                                role="sales",
                                note="报备合并 / merged registration",
                                added_by=self.actor.user_id,
                            )
                        )
                        await self.session.flush()
        if opp.created_by and opp.created_by != self.actor.user_id:
            notify(
                self.session,
                opp.created_by,
                "opportunity_conflict_resolved",
                f"商机报备冲突已处理 / Registration conflict decided ({resolution}): {opp.name}",
                body=note,
                entity="opportunity",
                entity_id=opp.id,
            )
        emit(
            self.session,
            "opportunity.conflict_resolved",
            {"opportunity_id": opp.id, "conflict_with_id": opp.conflict_with_id, "resolution": resolution},
            entity="opportunity",
            entity_id=opp.id,
            actor_id=self.actor.user_id,
        )
        return opp


def _leaders(actor: Actor, zone_id: uuid.UUID) -> set[uuid.UUID]:
    """The zone's leaders (who dispatch its queue by hand)."""
    return {leader for leader, zones in actor.access.org.led_zones.items() if zone_id in zones}
