"""Converting a lead (线索转化): it becomes a customer with its contact, or is linked to the
customer that already exists for that company."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, FieldError, PermissionDenied, RuleViolation, check_version
from domain.leads import LeadStatus
from domain.opportunities import OpportunitySource
from domain.scope import ScopeLevel
from repositories import customers as customers_repo
from repositories.models import Contact, Customer, Lead, Opportunity
from services.context import Actor
from services.leads import LeadService
from services.outbox import emit


@dataclass(frozen=True, slots=True)
class Conversion:
    lead: Lead
    customer_id: uuid.UUID
    created: bool  # False: linked to a customer that already existed
    opportunity_id: uuid.UUID | None = None


class LeadConversionService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def convert(
        self,
        lead_id: uuid.UUID,
        customer_id: uuid.UUID | None,
        expected: int | None,
        opportunity: dict[str, Any] | None = None,
    ) -> Conversion:
        lead = await LeadService(self.session, self.actor).get(lead_id)
        check_version(lead.version, expected)
        if lead.status == LeadStatus.CONVERTED:
            raise Conflict(
                f"the lead was already converted (customer {lead.customer_id})",
                customer_id=str(lead.customer_id),
            )
        if lead.status == LeadStatus.INVALID:
            raise RuleViolation("an invalid lead cannot be converted; reopen it first")
        existing = await self._existing_customer(lead, customer_id)
        created = existing is None
        customer = existing or await self._new_customer(lead)
        if lead.contact_name and created:
            self.session.add(
                Contact(
                    customer_id=customer.id,
                    name=lead.contact_name,
                    title=lead.title,
                    mobile=lead.mobile,
                    email=lead.email,
                    is_key_person=True,
                    created_by=self.actor.user_id,
                )
            )
        lead.status = LeadStatus.CONVERTED
        lead.customer_id = customer.id
        emit(
            self.session,
            "lead.converted",
            {
                "lead_id": lead.id,
                "customer_id": customer.id,
                "customer_created": created,
                "owner_id": lead.owner_id,
            },
            entity="lead",
            entity_id=lead.id,
            actor_id=self.actor.user_id,
        )
        await self.session.flush()
        opportunity_id = None
        if opportunity is not None:
            opportunity_id = (await self._opportunity(lead, customer, opportunity)).id
        return Conversion(lead, customer.id, created, opportunity_id)

    async def _opportunity(self, lead: Lead, customer: Customer, data: dict[str, Any]) -> Opportunity:
        """The lead's need becomes an opportunity of the customer, owned by the lead's owner."""
        from services.opportunities import OpportunityService

        if self.actor.scope_for("opportunity", "create").level is ScopeLevel.NONE:
            raise PermissionDenied("your role may not create opportunities")
        product = data.get("product") or lead.product
        return await OpportunityService(self.session, self.actor).create(
            {
                **data,
                "customer_id": customer.id,
                "product": product,
                "products": [{"name": product}] if product else [],
                "name": data.get("name") or " - ".join(p for p in (customer.name, product) if p),
            },
            source=OpportunitySource.LEAD.value,
            lead_id=lead.id,
            owner_id=lead.owner_id or self.actor.user_id,
            reason="线索转化 / converted from a lead",
            customer=customer,
        )

    async def _existing_customer(self, lead: Lead, customer_id: uuid.UUID | None) -> Customer | None:
        read = self.actor.scope_for("customer", "read")
        if customer_id is not None:
            chosen = await customers_repo.get_visible(self.session, customer_id, read)
            if chosen is None:
                raise FieldError("customer_id", "no such customer")
            return chosen
        if lead.customer_id is not None:  # matched when the lead was captured
            matched = await customers_repo.get_visible(self.session, lead.customer_id, read)
            if matched is not None:
                return matched
        return await LeadService(self.session, self.actor).existing_customer(lead)

    async def _new_customer(self, lead: Lead) -> Customer:
        owner_id = lead.owner_id or self.actor.user_id
        customer = Customer(
            kind="enterprise",
            name=lead.company_name,
            uscc=lead.uscc,
            province_code=lead.province_code,
            city_code=lead.city_code,
            industry=lead.industry,
            size=lead.company_size,
            owner_id=owner_id,
            zone_id=lead.zone_id,
            claimed_at=datetime.now(UTC),  # the recycling clock starts
            created_by=self.actor.user_id,
            level="normal",
            notes=f"由线索转化 / converted from lead {lead.id}",
        )
        self.session.add(customer)
        await self.session.flush()
        return customer
