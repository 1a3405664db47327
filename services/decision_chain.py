"""The decision chain (决策链, seed 002): the customer's contacts as they stand in this deal —
their role (decision maker, champion…), attitude, satisfaction and influence, who on our side
covers each, and when we last touched them. When an opportunity is created its customer's
contacts are copied in (`copy_customer_contacts`); from then on the chain is the
opportunity's own. The SPA draws the chain as an org chart from `chart` (reports_to edges).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DuplicateRecord, FieldError, NotFound
from repositories import audit
from repositories import contacts as contacts_repo
from repositories import decision_chain as repo
from repositories import opportunities as opportunities_repo
from repositories.models import Contact, Opportunity, OpportunityContact
from services.context import Actor
from services.opportunity_access import OpportunityAccess

__all__ = ["Chart", "DecisionChainService", "build_chart", "copy_customer_contacts"]

# what a chain entry keeps of its own (PATCH may change these)
ENTRY_FIELDS = ("role", "attitude", "satisfaction", "influence", "covered_by_id", "last_touch_at", "notes")


async def copy_customer_contacts(session: AsyncSession, opportunity: Opportunity) -> int:
    """Seed an opportunity's decision chain with its customer's contacts (decision role →
    role, attitude → attitude), set-based. Idempotent: contacts already in the chain stay as
    they are. Returns how many entries were added."""
    await session.flush()  # the opportunity row first: the entries point at it
    added = await repo.copy_from_customer(session, opportunity.id, opportunity.customer_id)
    if added:
        audit.record(
            session,
            "opportunity_contact",
            opportunity.id,
            "copy_from_customer",
            {"contact_ids": [None, [str(c) for c in added]]},
            root_entity_id=opportunity.id,
        )
    return len(added)


@dataclass(frozen=True, slots=True)
class Chart:
    """The chain as an org chart: one node per chain contact, an edge from each contact up to
    the nearest chain contact they report to (`direct` when that is their own manager, not a
    manager further up through people outside the chain), and the roots."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    roots: list[uuid.UUID] = field(default_factory=list)


def build_chart(entries: Sequence[Row[Any]], reports_to: Mapping[uuid.UUID, uuid.UUID | None]) -> Chart:
    """`reports_to`: the customer's whole org chart (contact → manager), so that a chain
    contact whose manager is not in the chain still hangs under the next one up who is."""
    in_chain = {e.contact_id for e in entries}
    chart = Chart()
    for e in entries:
        chart.nodes.append(
            {
                "id": e.contact_id,
                "entry_id": e.id,
                "name": e.name,
                "title": e.title,
                "department": e.department,
                "role": e.role,
                "attitude": e.attitude,
                "influence": e.influence,
            }
        )
        manager = reports_to.get(e.contact_id, e.reports_to_id)
        direct = True
        seen = {e.contact_id}
        while manager is not None and manager not in in_chain and manager not in seen:
            seen.add(manager)
            manager = reports_to.get(manager)
            direct = False
        if manager is not None and manager in in_chain and manager != e.contact_id:
            chart.edges.append({"source": manager, "target": e.contact_id, "direct": direct})
        else:
            chart.roots.append(e.contact_id)
    return chart


class DecisionChainService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.access = OpportunityAccess(session, actor)

    async def chain(self, opportunity_id: uuid.UUID) -> tuple[list[Row[Any]], Chart]:
        opp = await self.access.get(opportunity_id, "read")
        entries = await repo.entries(self.session, opp.id, opp.customer_id)
        reports_to = await contacts_repo.reports_to_map(self.session, opp.customer_id) if entries else {}
        return entries, build_chart(entries, reports_to)

    async def add(
        self, opportunity_id: uuid.UUID, data: dict[str, Any], new_contact: dict[str, Any] | None
    ) -> Row[Any]:
        """Add a contact of the customer (`contact_id`), or create one on the customer
        (`new_contact`, validated like the contacts API) and add it."""
        opp = await self.access.get(opportunity_id, "update")
        contact_id = data.pop("contact_id", None)
        if (contact_id is None) == (new_contact is None):
            raise FieldError("contact_id", "send either contact_id or new_contact (exactly one)")
        await self._check_covered_by(opp, data.get("covered_by_id"))
        if contact_id is not None:
            if await repo.contact_of(self.session, opp.customer_id, contact_id) is None:
                raise FieldError("contact_id", "must be a contact of the opportunity's customer")
            if await repo.in_chain(self.session, opp.id, contact_id):
                raise DuplicateRecord(
                    "contact_id", "this contact is already in the decision chain", contact_id
                )
        else:
            assert new_contact is not None
            contact_id = await self._create_contact(opp, new_contact, data)
        entry = OpportunityContact(opportunity_id=opp.id, contact_id=contact_id, **data)
        self.session.add(entry)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:  # a concurrent add of the same contact won
            raise DuplicateRecord(
                "contact_id", "this contact is already in the decision chain", contact_id
            ) from exc
        await opportunities_repo.touch(self.session, opp.id)
        return await self._row(opp, entry.id)

    async def update(self, opportunity_id: uuid.UUID, entry_id: uuid.UUID, data: dict[str, Any]) -> Row[Any]:
        opp = await self.access.get(opportunity_id, "update")
        entry = await self._entry(opp, entry_id)
        if "covered_by_id" in data:
            await self._check_covered_by(opp, data["covered_by_id"])
        for key, value in data.items():
            setattr(entry, key, value)
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)
        return await self._row(opp, entry.id)

    async def remove(self, opportunity_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        opp = await self.access.get(opportunity_id, "update")
        entry = await self._entry(opp, entry_id)
        await self.session.delete(entry)
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)

    async def _create_contact(
        self, opp: Opportunity, fields: dict[str, Any], entry: dict[str, Any]
    ) -> uuid.UUID:
        """A new contact of the customer. Its decision role and attitude default to the ones
        given for this deal, so the customer's own chain learns them too."""
        manager_id = fields.get("reports_to_id")
        if manager_id is not None:
            chart = await contacts_repo.reports_to_map(self.session, opp.customer_id)
            if manager_id not in chart:
                raise FieldError("new_contact.reports_to_id", "must be a contact of the same customer")
        fields.setdefault("decision_role", entry.get("role"))
        fields.setdefault("attitude", entry.get("attitude"))
        contact = Contact(**fields, customer_id=opp.customer_id, created_by=self.actor.user_id)
        contact.id = uuid.uuid4()
        self.session.add(contact)
        await self.session.flush()
        return contact.id

    async def _check_covered_by(self, opp: Opportunity, user_id: uuid.UUID | None) -> None:
        """Who covers a contact must be on our side of the deal: the owner or a team member."""
        if user_id is None or user_id == opp.owner_id:
            return
        if not await opportunities_repo.is_member(self.session, opp.id, user_id):
            raise FieldError("covered_by_id", "must be the owner or a member of the opportunity team")

    async def _entry(self, opp: Opportunity, entry_id: uuid.UUID) -> OpportunityContact:
        entry = await repo.entry(self.session, opp.id, entry_id)
        if entry is None:
            raise NotFound("decision chain entry", entry_id)
        return entry

    async def _row(self, opp: Opportunity, entry_id: uuid.UUID) -> Row[Any]:
        return (await repo.entries(self.session, opp.id, opp.customer_id, entry_id))[0]
