"""Customer levels (客户等级, seed 001): admin-edited definitions with their criteria, and the
level-change request (客户升级申请) a rep files — decided by the approval engine under the
customer-level-change flow (by default the applicant's manager, and the zone's director for SKA;
admins edit it in the approval-flow settings).

`/level-requests` is the level-change view of the approval requests: the same request (same id)
is in the approvers' inbox (`/approvals`). Approving changes the customer's level in the same
transaction; the old events (customer.level_change_requested / _decided) still go out for
webhook subscribers, next to the approval.* events.

The level itself is no longer a free field: PATCH /customers refuses `level` except for admins
(approval:manage), and not while a level change is pending.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals import Decision
from domain.errors import NotFound
from repositories import approvals as approvals_repo
from repositories import audit
from repositories import customer_levels as repo
from repositories import customers as customers_repo
from repositories.approvals import Filters
from repositories.models import ApprovalRequest, CustomerLevelDefinition
from services.approval_kinds import LEVEL
from services.approvals import ApprovalService, Detail
from services.context import Actor
from services.outbox import emit


async def update_level_definition(
    session: AsyncSession, code: str, changes: dict[str, Any]
) -> CustomerLevelDefinition:
    """Admins edit a level's names and criteria; the change is audited."""
    level = await repo.get_level(session, code)
    if level is None:
        raise NotFound("customer level", code)
    before = {k: getattr(level, k) for k in changes}
    for key, value in changes.items():
        setattr(level, key, value)
    await session.flush()
    diff = {k: [before[k], v] for k, v in changes.items() if before[k] != v}
    if diff:
        audit.record(session, "customer_level", code, "update", diff)
    return level


@dataclass(frozen=True, slots=True)
class LevelRequestView:
    id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    customer_level: str
    from_level: str
    to_level: str
    reason: str
    status: str
    requested_by: uuid.UUID
    requested_by_name: str
    decided_by: uuid.UUID | None
    decided_by_name: str | None
    decided_at: datetime | None
    comment: str | None
    created_at: datetime
    can_decide: bool
    can_withdraw: bool


class LevelRequestService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.approvals = ApprovalService(session, actor)

    async def _views(self, requests: list[tuple[ApprovalRequest, str]]) -> list[LevelRequestView]:
        ids = [r.id for r, _ in requests]
        decisions = await approvals_repo.last_decision(self.session, ids)
        customers = await approvals_repo.customers_brief(self.session, [r.subject_id for r, _ in requests])
        mine = await approvals_repo.pending_task_requests(self.session, self.actor.user_id, ids)
        manager = self.approvals.is_manager()
        out = []
        for r, applicant_name in requests:
            name, level = customers.get(r.subject_id, ("", ""))
            decided = decisions.get(r.id) if r.status != "pending" else None
            pending = r.status == "pending"
            out.append(
                LevelRequestView(
                    id=r.id,
                    customer_id=r.subject_id,
                    customer_name=name,
                    customer_level=level,
                    from_level=r.changes["level"][0],
                    to_level=r.changes["level"][1],
                    reason=r.reason,
                    status=r.status,
                    requested_by=r.applicant_id,
                    requested_by_name=applicant_name,
                    decided_by=decided[0] if decided else None,
                    decided_by_name=decided[1] if decided else None,
                    decided_at=r.decided_at,
                    comment=decided[2] if decided else None,
                    created_at=r.submitted_at,
                    can_decide=pending and (r.id in mine or manager),
                    can_withdraw=pending and r.applicant_id == self.actor.user_id,
                )
            )
        return out

    async def _view(self, detail: Detail) -> LevelRequestView:
        if detail.request.kind != LEVEL.kind:
            raise NotFound("level request", detail.request.id)
        return (await self._views([(detail.request, detail.applicant_name)]))[0]

    # --- reads ---------------------------------------------------------------------------------

    async def get(self, request_id: uuid.UUID) -> LevelRequestView:
        return await self._view(await self.approvals.detail(request_id))

    async def search(
        self, status: str | None, customer_id: uuid.UUID | None, cursor: str | None, limit: int
    ) -> tuple[list[LevelRequestView], str | None]:
        """Level changes the caller oversees (customers in scope, their own and their reports'
        requests) and those they are asked to decide."""
        rows, next_cursor = await self.approvals.inbox(
            "all",
            Filters(kind=LEVEL.kind, status=status, customer_id=customer_id),
            cursor,
            limit,
            with_tasks=True,
        )
        return await self._views([(row.request, row.applicant_name) for row in rows]), next_cursor

    # --- writes --------------------------------------------------------------------------------

    async def request(self, customer_id: uuid.UUID, to_level: str, reason: str) -> LevelRequestView:
        """A rep (anyone who may update the customer) asks for another level."""
        scope = self.actor.scope_for("customer", "update")
        customer = await customers_repo.get_visible(self.session, customer_id, scope)
        if customer is None:
            raise NotFound("customer", customer_id)
        request = await self.approvals.submit(LEVEL.submission(customer, to_level, reason))
        emit(
            self.session,
            "customer.level_change_requested",
            {
                "request_id": request.id,
                "customer_id": customer.id,
                "from_level": customer.level,
                "to_level": to_level,
                "status": request.status,
                "requested_by": self.actor.user_id,
            },
            entity="customer",
            entity_id=customer.id,
            actor_id=self.actor.user_id,
        )
        return await self.get(request.id)

    async def approve(self, request_id: uuid.UUID, comment: str | None) -> LevelRequestView:
        await self.get(request_id)
        return await self._view(await self.approvals.decide(request_id, Decision.APPROVE, comment, None))

    async def reject(self, request_id: uuid.UUID, comment: str | None) -> LevelRequestView:
        await self.get(request_id)
        return await self._view(await self.approvals.decide(request_id, Decision.REJECT, comment, None))

    async def withdraw(self, request_id: uuid.UUID) -> LevelRequestView:
        await self.get(request_id)
        return await self._view(await self.approvals.withdraw(request_id, None))
