"""送样 / POC (seed 002, 产品送样): a sample or a proof of concept for the customer, approved at
the level its quantity asks for ("会根据申请的样品数量走不同层级的审批"; the shipped `sample`
flow: the manager; more than 10 also the zone director; more than 100 also the executive).

A request starts `pending` with an approval request; the approval kind
(services/approval_kinds.Sample) sets it approved, rejected or withdrawn. Only an approved
request ships.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals import Facts
from domain.errors import Conflict, NotFound, RuleViolation
from repositories import opportunities as opportunities_repo
from repositories import opportunity_work as repo
from repositories.models import SampleRequest
from repositories.opportunity_work import SampleRow
from services.approval_kinds import SAMPLE, Submission
from services.approvals import ApprovalService
from services.context import Actor
from services.notifications import notify
from services.opportunity_access import OpportunityAccess

KINDS = {"sample": "送样 / Sample", "poc": "POC"}


class SampleService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.access = OpportunityAccess(session, actor)

    async def listing(self, opportunity_id: uuid.UUID) -> list[SampleRow]:
        await self.access.get(opportunity_id, "read")
        return await repo.samples(self.session, opportunity_id)

    async def request(
        self,
        opportunity_id: uuid.UUID,
        *,
        kind: str,
        product: str,
        quantity: int,
        purpose: str,
        ship_to: str | None = None,
        needed_by: date | None = None,
    ) -> SampleRow:
        opp = await self.access.get(opportunity_id, "update")
        if opp.status != "open":
            raise RuleViolation(
                f"the opportunity is {opp.status}: samples are requested for open opportunities"
            )
        customer = await repo.customer(self.session, opp.customer_id)
        sample = SampleRequest(
            id=uuid.uuid4(),
            opportunity_id=opp.id,
            kind=kind,
            product=product,
            quantity=quantity,
            purpose=purpose,
            ship_to=ship_to,
            needed_by=needed_by,
            status="pending",
            requested_by=self.actor.user_id,
        )
        self.session.add(sample)
        await self.session.flush()
        customer_name = customer.name if customer else ""
        approval = await ApprovalService(self.session, self.actor).submit(
            Submission(
                kind=SAMPLE.kind,
                subject_type="sample_request",
                subject_id=sample.id,
                title=f"{KINDS.get(kind, kind)}: {customer_name} · {product} × {quantity}",
                reason=purpose,
                changes={"status": ["pending", "approved"]},
                facts=Facts(
                    kind=SAMPLE.kind,
                    amount=None,
                    customer_level=customer.level if customer else None,
                    zone_id=opp.zone_id,
                    extra={"quantity": quantity},
                ),
                customer_id=opp.customer_id,
                owner_id=opp.owner_id,
                zone_id=opp.zone_id,
            )
        )
        sample.approval_request_id = approval.id
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)
        return await self._row(sample.id)

    async def shipped(self, opportunity_id: uuid.UUID, sample_id: uuid.UUID) -> SampleRow:
        """The approved sample left the warehouse: status shipped; the requester is told."""
        opp = await self.access.get(opportunity_id, "update")
        sample = await repo.sample(self.session, opp.id, sample_id, lock=True)
        if sample is None:
            raise NotFound("sample request", sample_id)
        if sample.status != "approved":
            raise Conflict(f"only an approved sample request can ship (it is {sample.status})")
        sample.status = "shipped"
        await self.session.flush()
        if sample.requested_by is not None and sample.requested_by != self.actor.user_id:
            notify(
                self.session,
                sample.requested_by,
                "sample_shipped",
                f"样品已发出 / Sample shipped: {sample.product} × {sample.quantity}",
                entity="opportunity",
                entity_id=opp.id,
            )
        await opportunities_repo.touch(self.session, opp.id)
        return await self._row(sample.id)

    async def _row(self, sample_id: uuid.UUID) -> SampleRow:
        row = await repo.sample_row(self.session, sample_id)
        assert row is not None
        return row
