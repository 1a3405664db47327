"""Contacts (联系人): belong to exactly one customer; reports_to forms the customer's org chart."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import would_create_cycle
from domain.errors import FieldError, NotFound, check_version
from repositories import contacts as repo
from repositories import customers as customers_repo
from repositories.models import Contact
from services.context import Actor


class ContactService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def _customer_in_scope(self, customer_id: uuid.UUID) -> None:
        if not await customers_repo.is_visible(self.session, customer_id, self.actor.scope):
            raise NotFound("customer", customer_id)

    async def list(self, customer_id: uuid.UUID) -> list[Contact]:
        await self._customer_in_scope(customer_id)
        return await repo.for_customer(self.session, customer_id)

    async def get(self, contact_id: uuid.UUID) -> Contact:
        contact = await repo.get_visible(self.session, contact_id, self.actor.scope)
        if contact is None:
            raise NotFound("contact", contact_id)
        return contact

    async def create(self, customer_id: uuid.UUID, data: dict[str, Any]) -> Contact:
        await self._customer_in_scope(customer_id)
        contact = Contact(**data, customer_id=customer_id, created_by=self.actor.user_id)
        contact.id = uuid.uuid4()
        if data.get("reports_to_id"):
            await self._check_reports_to(contact, data["reports_to_id"])
        self.session.add(contact)
        await self.session.flush()
        return contact

    async def update(
        self, contact_id: uuid.UUID, data: dict[str, Any], expected_version: int | None
    ) -> Contact:
        contact = await self.get(contact_id)
        check_version(contact.version, expected_version)
        if data.get("reports_to_id"):
            await self._check_reports_to(contact, data["reports_to_id"])
        for key, value in data.items():
            setattr(contact, key, value)
        await self.session.flush()
        return contact

    async def delete(self, contact_id: uuid.UUID, expected_version: int | None) -> None:
        contact = await self.get(contact_id)
        check_version(contact.version, expected_version)
        await self.session.delete(contact)
        await self.session.flush()

    async def _check_reports_to(self, contact: Contact, manager_id: uuid.UUID) -> None:
        chart = await repo.reports_to_map(self.session, contact.customer_id)
        if manager_id not in chart:
            raise FieldError("reports_to_id", "must be a contact of the same customer")
        if would_create_cycle(contact.id, manager_id, chart):
            raise FieldError("reports_to_id", "would make the org chart circular")
