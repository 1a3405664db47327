"""Customer changes that wait for approval: financial information (seed 003) here, and the
resubmission of a rejected customer change (level or financial) with new values."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound
from repositories import customer_levels as levels_repo
from repositories import customers as customers_repo
from services.approval_kinds import FINANCE, LEVEL, Submission
from services.approvals import ApprovalService, Detail
from services.context import Actor


class CustomerChangeService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.approvals = ApprovalService(session, actor)

    async def request_finance_change(
        self, customer_id: uuid.UUID, values: dict[str, str | None], reason: str
    ) -> Detail:
        """Anyone who may update the customer asks; the values apply when approved."""
        scope = self.actor.scope_for("customer", "update")
        customer = await customers_repo.get_visible(self.session, customer_id, scope)
        if customer is None:
            raise NotFound("customer", customer_id)
        request = await self.approvals.submit(FINANCE.submission(customer, values, reason))
        return await self.approvals.detail(request.id)

    async def resubmit(
        self, request_id: uuid.UUID, reason: str | None, to_level: str | None, finance: dict[str, Any] | None
    ) -> Detail:
        """Submit a rejected request again; new values (a level change's `to_level`, a financial
        change's fields) replace the old ones, measured against the customer as it is now."""
        request = await self.approvals.get_for_applicant(request_id)
        submission: Submission | None = None
        if to_level is not None or finance is not None:
            customer = await levels_repo.lock_customer(self.session, request.subject_id)
            if customer is None:
                raise NotFound("customer", request.subject_id)
            text = reason or request.reason
            if request.kind == LEVEL.kind and to_level is not None and finance is None:
                submission = LEVEL.submission(customer, to_level, text)
            elif request.kind == FINANCE.kind and finance is not None and to_level is None:
                submission = FINANCE.submission(customer, finance, text)
            else:
                field = "to_level" if to_level is not None else "finance"
                raise FieldError(field, f"does not apply to a {request.kind} request")
        return await self.approvals.resubmit(request_id, submission, reason)
