"""The kinds of request the approval engine runs today, and what each does when it ends.

A kind's owning service builds a `Submission` (the change as field → [before, after], and the
facts the flow is chosen on) and hands it to `ApprovalService.submit`; the engine calls the
kind's handler when the request ends: `apply` on final approval (same transaction), `closed`
for the kind's own events. Quotes, contracts, samples and payments register here when they
exist.

Customer changes (level, financial information) are field changes on the customer: approval
writes the "after" values (audited as a customer update like any other).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals import Facts, RequestKind
from domain.customers import FINANCE_FIELDS, is_upgrade, level_change_error
from domain.errors import FieldError
from repositories import customer_levels as levels_repo
from repositories.models import ApprovalRequest, Customer, Opportunity, SampleRequest
from services.notifications import notify
from services.outbox import emit


@dataclass(frozen=True, slots=True)
class Submission:
    """What a kind's service hands the engine."""

    kind: str
    subject_type: str
    subject_id: uuid.UUID
    title: str
    reason: str
    changes: dict[str, list[Any]]  # field → [before, after]
    facts: Facts
    customer_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None  # the record's owner, for owner_manager approvers
    zone_id: uuid.UUID | None = None  # the record's zone, for zone roles


class KindHandler(Protocol):
    kind: str

    async def apply(self, session: AsyncSession, request: ApprovalRequest) -> None:
        """The change takes effect (final approval), in the same transaction."""
        ...

    def closed(self, session: AsyncSession, request: ApprovalRequest, actor_id: uuid.UUID | None) -> None:
        """The request ended (approved, rejected or withdrawn)."""
        ...

    async def ended(self, session: AsyncSession, request: ApprovalRequest) -> None:
        """The request ended without approval (rejected or withdrawn): undo what waiting held."""
        ...


LEVEL_NAMES = {"normal": "普通客户", "KA": "KA", "SKA": "SKA"}


class _CustomerChange:
    """Approval writes the requested values onto the customer (locked for the write)."""

    kind: str

    async def apply(self, session: AsyncSession, request: ApprovalRequest) -> None:
        customer = await levels_repo.lock_customer(session, request.subject_id)
        if customer is None:  # deleted meanwhile: nothing to apply to
            return
        for name, (_before, after) in request.changes.items():
            if getattr(customer, name) != after:
                setattr(customer, name, after)
        await session.flush()

    def closed(self, session: AsyncSession, request: ApprovalRequest, actor_id: uuid.UUID | None) -> None:
        return None

    async def ended(self, session: AsyncSession, request: ApprovalRequest) -> None:
        return None  # nothing was held: the customer keeps its values


class LevelChange(_CustomerChange):
    """客户升级申请: normal → KA → SKA and down."""

    kind = RequestKind.CUSTOMER_LEVEL_CHANGE.value

    def submission(self, customer: Customer, to_level: str, reason: str) -> Submission:
        problem = level_change_error(customer.level, to_level)
        if problem:
            raise FieldError("to_level", problem)
        word = "升级" if is_upgrade(customer.level, to_level) else "降级"
        return Submission(
            kind=self.kind,
            subject_type="customer",
            subject_id=customer.id,
            title=f"客户等级{word} / Level change: {customer.name} {customer.level} → {to_level}",
            reason=reason,
            changes={"level": [customer.level, to_level]},
            facts=Facts(
                kind=self.kind,
                customer_level=customer.level,
                zone_id=customer.zone_id,
                extra={"to_level": to_level},
            ),
            customer_id=customer.id,
            owner_id=customer.owner_id,
            zone_id=customer.zone_id,
        )

    def closed(self, session: AsyncSession, request: ApprovalRequest, actor_id: uuid.UUID | None) -> None:
        before, after = request.changes["level"]
        emit(
            session,
            "customer.level_change_decided",
            {
                "request_id": request.id,
                "customer_id": request.subject_id,
                "from_level": before,
                "to_level": after,
                "status": request.status,
                "requested_by": request.applicant_id,
                "decided_by": actor_id,
            },
            entity="customer",
            entity_id=request.subject_id,
            actor_id=actor_id,
        )


class FinanceChange(_CustomerChange):
    """客户财务信息修改 (seed 003): billing title, tax number, bank and account, billing address
    and phone change only when approved."""

    kind = RequestKind.CUSTOMER_FINANCE_CHANGE.value

    def submission(self, customer: Customer, values: dict[str, str | None], reason: str) -> Submission:
        changes = {
            name: [getattr(customer, name), value]
            for name, value in values.items()
            if name in FINANCE_FIELDS and getattr(customer, name) != value
        }
        if not changes:
            raise FieldError(
                next(iter(values), "billing_title"), "nothing changes: give at least one new value"
            )
        return Submission(
            kind=self.kind,
            subject_type="customer",
            subject_id=customer.id,
            title=f"客户财务信息变更 / Financial information: {customer.name}",
            reason=reason,
            changes=changes,
            facts=Facts(kind=self.kind, customer_level=customer.level, zone_id=customer.zone_id),
            customer_id=customer.id,
            owner_id=customer.owner_id,
            zone_id=customer.zone_id,
        )


class SpecialOpportunity:
    """特殊商机 (seed 001): a key-customer, multi-party-bidding or cross-zone opportunity waits for
    approval before it may move on; approval lets it proceed, rejection keeps it stopped."""

    kind = RequestKind.SPECIAL_OPPORTUNITY.value

    async def apply(self, session: AsyncSession, request: ApprovalRequest) -> None:
        opp = await session.get(Opportunity, request.subject_id, with_for_update=True)
        if opp is not None:
            opp.approval_status = "approved"
            await session.flush()

    def closed(self, session: AsyncSession, request: ApprovalRequest, actor_id: uuid.UUID | None) -> None:
        emit(
            session,
            "opportunity.special_decided",
            {"request_id": request.id, "opportunity_id": request.subject_id, "status": request.status},
            entity="opportunity",
            entity_id=request.subject_id,
            actor_id=actor_id,
        )

    async def ended(self, session: AsyncSession, request: ApprovalRequest) -> None:
        """Rejected or withdrawn: the opportunity stays stopped until a new request is approved."""
        opp = await session.get(Opportunity, request.subject_id, with_for_update=True)
        if opp is not None and opp.approval_status == "pending":
            opp.approval_status = "rejected" if request.status == "rejected" else "none"
            await session.flush()


class Sample:
    """送样 / POC (seed 002), tiered by quantity in the flow: approval lets the sample ship."""

    kind = RequestKind.SAMPLE.value

    async def apply(self, session: AsyncSession, request: ApprovalRequest) -> None:
        sample = await session.get(SampleRequest, request.subject_id, with_for_update=True)
        if sample is not None and sample.status == "pending":
            sample.status = "approved"
            await session.flush()

    def closed(self, session: AsyncSession, request: ApprovalRequest, actor_id: uuid.UUID | None) -> None:
        emit(
            session,
            "sample.decided",
            {"request_id": request.id, "sample_id": request.subject_id, "status": request.status},
            entity="sample_request",
            entity_id=request.subject_id,
            actor_id=actor_id,
        )

    async def ended(self, session: AsyncSession, request: ApprovalRequest) -> None:
        sample = await session.get(SampleRequest, request.subject_id, with_for_update=True)
        if sample is not None and sample.status == "pending":
            sample.status = request.status  # rejected | withdrawn
            await session.flush()
            if sample.requested_by is not None:
                notify(
                    session,
                    sample.requested_by,
                    "sample_decided",
                    f"送样申请未通过 / Sample request {request.status}: {sample.product} × {sample.quantity}",
                    entity="opportunity",
                    entity_id=sample.opportunity_id,
                )


LEVEL = LevelChange()
FINANCE = FinanceChange()
SPECIAL = SpecialOpportunity()
SAMPLE = Sample()
HANDLERS: dict[str, KindHandler] = {h.kind: h for h in (LEVEL, FINANCE, SPECIAL, SAMPLE)}
# the customer fields each kind covers: locked for direct edits while a request is pending
CUSTOMER_FIELDS: dict[str, tuple[str, ...]] = {LEVEL.kind: ("level",), FINANCE.kind: FINANCE_FIELDS}
# customer field → the kinds of request whose pending requests lock it
LOCKING_KINDS: dict[str, tuple[str, ...]] = {
    name: tuple(kind for kind, names in CUSTOMER_FIELDS.items() if name in names)
    for names in CUSTOMER_FIELDS.values()
    for name in names
}
