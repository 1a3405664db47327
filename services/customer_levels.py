"""Customer levels (客户等级, seed 001): admin-edited definitions with their criteria, and the
level-change request (客户升级申请) a rep files and a manager decides.

Who decides: the applicant's manager (management chain of the org snapshot), or anyone whose
`customer:approve_level` scope covers the customer (sales_manager: team, sales_director: zone,
admin: all) — never the applicant. Approving changes the customer's level in the same
transaction. Each step is audited, written to the outbox (customer.level_change_requested /
customer.level_change_decided) and notified in-app: the deciders when requested, the applicant
when decided. The general approval engine of a later issue will take the decision over.

The level itself is no longer a free field: PATCH /customers refuses `level` except for callers
whose approve_level scope is `all` (admins), who may still set it directly (audited like any
customer change).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import LevelRequestStatus, is_upgrade, level_change_error, may_decide_level_request
from domain.errors import Conflict, FieldError, NotFound, PermissionDenied
from repositories import audit
from repositories import customer_levels as repo
from repositories import customers as customers_repo
from repositories.customer_levels import RequestView
from repositories.models import CustomerLevelDefinition, CustomerLevelRequest
from services.context import Actor
from services.notifications import notify
from services.outbox import emit

APPROVE = ("customer", "approve_level")
LEVEL_NAMES = {"normal": "普通客户", "KA": "KA", "SKA": "SKA"}


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


class LevelRequestService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    # --- who -----------------------------------------------------------------------------------

    def _reports(self) -> set[uuid.UUID]:
        """The caller and the people whose manager they are."""
        org = self.actor.access.org
        me = self.actor.user_id
        return {me} | {u for u in org.users if org.manager_of(u) == me}

    def _can_see(self, view: RequestView) -> bool:
        read = self.actor.scope_for("customer", "read")
        return read.covers(view.owner_id, view.zone_id) or view.request.requested_by in self._reports()

    def can_decide(self, view: RequestView) -> bool:
        if view.request.status != LevelRequestStatus.PENDING:
            return False
        org = self.actor.access.org
        return may_decide_level_request(
            self.actor.user_id,
            view.request.requested_by,
            org.manager_of(view.request.requested_by),
            self.actor.scope_for(*APPROVE).covers(view.owner_id, view.zone_id),
        )

    def can_withdraw(self, view: RequestView) -> bool:
        return (
            view.request.status == LevelRequestStatus.PENDING
            and view.request.requested_by == self.actor.user_id
        )

    def _deciders(self, applicant: uuid.UUID, zone_id: uuid.UUID | None) -> set[uuid.UUID]:
        """Who hears of a new request: the applicant's manager, else the leaders of the
        customer's zone."""
        org = self.actor.access.org
        manager = org.manager_of(applicant)
        if manager is not None:
            return {manager}
        return {u for u, zones in org.led_zones.items() if zone_id in zones and u != applicant}

    # --- reads ---------------------------------------------------------------------------------

    async def get(self, request_id: uuid.UUID) -> RequestView:
        view = await repo.request_view(self.session, request_id)
        if view is None or not self._can_see(view):
            raise NotFound("level request", request_id)
        return view

    async def search(
        self, status: str | None, customer_id: uuid.UUID | None, cursor: str | None, limit: int
    ) -> tuple[list[RequestView], str | None]:
        return await repo.search_requests(
            self.session,
            self.actor.scope_for("customer", "read"),
            self._reports(),
            status=status,
            customer_id=customer_id,
            cursor=cursor,
            limit=limit,
        )

    # --- writes --------------------------------------------------------------------------------

    async def request(self, customer_id: uuid.UUID, to_level: str, reason: str) -> RequestView:
        """A rep (anyone who may update the customer) asks for another level."""
        scope = self.actor.scope_for("customer", "update")
        customer = await customers_repo.get_visible(self.session, customer_id, scope)
        if customer is None:
            raise NotFound("customer", customer_id)
        problem = level_change_error(customer.level, to_level)
        if problem:
            raise FieldError("to_level", problem)
        if await repo.pending_for(self.session, customer.id) is not None:
            raise Conflict("this customer already has a pending level-change request")
        req = CustomerLevelRequest(
            customer_id=customer.id,
            from_level=customer.level,
            to_level=to_level,
            reason=reason,
            requested_by=self.actor.user_id,
        )
        self.session.add(req)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # a concurrent request won the partial unique index
            raise Conflict("this customer already has a pending level-change request") from exc
        audit.record(
            self.session,
            "customer_level_request",
            req.id,
            "create",
            {"from_level": [None, req.from_level], "to_level": [None, to_level], "reason": [None, reason]},
            root_entity_id=customer.id,
        )
        data = self._event(req)
        emit(
            self.session,
            "customer.level_change_requested",
            data,
            entity="customer",
            entity_id=customer.id,
            actor_id=self.actor.user_id,
        )
        word = "升级" if is_upgrade(req.from_level, to_level) else "降级"
        for user_id in self._deciders(self.actor.user_id, customer.zone_id):
            notify(
                self.session,
                user_id,
                "level_change_requested",
                f"客户等级{word}申请：{customer.name} {LEVEL_NAMES[req.from_level]} → {LEVEL_NAMES[to_level]}"
                f" / level change requested: {customer.name} {req.from_level} → {to_level}",
                f"{self.actor.principal.display_name}: {reason}",
                "customer_level_request",
                req.id,
            )
        return await self.get(req.id)

    async def approve(self, request_id: uuid.UUID, comment: str | None) -> RequestView:
        return await self._decide(request_id, LevelRequestStatus.APPROVED, comment)

    async def reject(self, request_id: uuid.UUID, comment: str | None) -> RequestView:
        return await self._decide(request_id, LevelRequestStatus.REJECTED, comment)

    async def withdraw(self, request_id: uuid.UUID) -> RequestView:
        view = await self.get(request_id)
        if view.request.requested_by != self.actor.user_id:
            raise PermissionDenied("only the applicant may withdraw a level-change request")
        closed = await repo.close_if_pending(
            self.session, request_id, LevelRequestStatus.WITHDRAWN, self.actor.user_id, None
        )
        if closed is None:
            raise Conflict(f"the request is already {view.request.status}")
        audit.record(
            self.session,
            "customer_level_request",
            request_id,
            "withdraw",
            {"status": ["pending", "withdrawn"]},
            root_entity_id=closed.customer_id,
        )
        return await self.get(request_id)

    async def _decide(
        self, request_id: uuid.UUID, status: LevelRequestStatus, comment: str | None
    ) -> RequestView:
        view = await self.get(request_id)
        if view.request.status != LevelRequestStatus.PENDING:
            raise Conflict(f"the request is already {view.request.status}")
        if not self.can_decide(view):
            raise PermissionDenied("you may not decide this level-change request")
        closed = await repo.close_if_pending(self.session, request_id, status, self.actor.user_id, comment)
        if closed is None:  # someone decided (or the applicant withdrew) in between
            raise Conflict("the request was decided or withdrawn in the meantime")
        audit.record(
            self.session,
            "customer_level_request",
            request_id,
            "approve" if status is LevelRequestStatus.APPROVED else "reject",
            {"status": ["pending", status.value], "comment": [None, comment]},
            root_entity_id=closed.customer_id,
        )
        if status is LevelRequestStatus.APPROVED:
            customer = await repo.lock_customer(self.session, closed.customer_id)
            if customer is not None and customer.level != closed.to_level:
                customer.level = closed.to_level  # audited as a customer update
                await self.session.flush()
        emit(
            self.session,
            "customer.level_change_decided",
            {**self._event(closed), "decided_by": self.actor.user_id, "comment": comment},
            entity="customer",
            entity_id=closed.customer_id,
            actor_id=self.actor.user_id,
        )
        verdict = "已通过 / approved" if status is LevelRequestStatus.APPROVED else "被驳回 / rejected"
        notify(
            self.session,
            closed.requested_by,
            "level_change_decided",
            f"客户等级申请{verdict}：{view.customer_name} {closed.from_level} → {closed.to_level}",
            comment,
            "customer",
            closed.customer_id,
        )
        return await self.get(request_id)

    @staticmethod
    def _event(req: CustomerLevelRequest) -> dict[str, Any]:
        return {
            "request_id": req.id,
            "customer_id": req.customer_id,
            "from_level": req.from_level,
            "to_level": req.to_level,
            "status": req.status,
            "requested_by": req.requested_by,
        }
