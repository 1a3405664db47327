"""Approval requests (issue 5): the inbox (pending / submitted / done, plus all and the admin
queue for admins), the daily counts, a request's page (steps, timeline, changes before → after)
and the actions: approve, reject, withdraw, delegate, add an approver (加签), resubmit. Customer
financial-information changes are requested here too (level changes: /customers/{id}/level-requests).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, status
from pydantic import Field, field_validator

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Input, NamedRef, Output, Page, PhoneNumber, UserRef
from domain.approvals import Decision, RequestKind
from domain.customers import CustomerLevel, normalize_bank_account, normalize_tax_number
from repositories.approvals import Filters, Row
from services.approvals import KIND_LABELS, ApprovalService, Detail, describe_steps
from services.context import Actor
from services.customer_changes import CustomerChangeService

router = ResourceRouter(tags=["approvals"])

Box = Literal["pending", "submitted", "done", "all", "admin_queue"]
Status = Literal["pending", "approved", "rejected", "withdrawn"]
Reader = Annotated[Actor, Depends(Authorize("approval", "read"))]


# --- schemas ------------------------------------------------------------------------------------------


class MyTask(Output):
    status: Literal["pending", "approved", "rejected", "closed"]
    at: datetime | None = Field(description="assigned (pending) or decided (done)")
    comment: str | None


class ApprovalItem(Output):
    id: UUID
    kind: RequestKind
    kind_label: str
    title: str
    reason: str
    status: Status
    applicant: UserRef
    customer_id: UUID | None
    current_step: int | None
    step_name: str | None
    due_at: datetime | None = Field(description="the open step's time limit")
    overdue: bool
    admin_queue: bool = Field(description="nobody can decide the open step: an admin assigns someone")
    round: int = Field(description="1, +1 per resubmission")
    submitted_at: datetime
    decided_at: datetime | None
    my_task: MyTask | None = Field(description="pending and done boxes: the caller's task")


class ChangeOut(Output):
    field: str
    before: Any
    after: Any


class StepApprover(Output):
    user: UserRef
    decision: Literal["approve", "reject"] | None
    comment: str | None
    auto: bool = Field(description="approved for the applicant by the flow's self-approval policy")
    override: bool = Field(False, description="an admin decided the step")
    decided_at: datetime | None


class StepCondition(Output):
    field: str
    op: str
    value: Any


class StepOut(Output):
    index: int
    name: str
    mode: Literal["any", "all"]
    status: Literal["approved", "rejected", "skipped", "withdrawn", "pending", "not_reached"]
    note: str | None = Field(description="why skipped: condition (it did not hold) or self (the applicant)")
    to_admin_queue: bool
    time_limit_hours: int | None
    conditions: list[StepCondition]
    approvers: list[StepApprover]


class TimelineEntry(Output):
    id: int
    at: datetime
    action: str = Field(
        description="submitted, step_opened, admin_queue, skipped, auto_approved, approved, rejected, "
        "delegated, approver_added, reminded, escalated, withdrawn, resubmitted, applied"
    )
    actor: UserRef | None
    step_index: int | None
    round: int
    comment: str | None
    data: dict[str, Any]


class FlowRef(Output):
    id: UUID
    name: str
    version: int


class ApprovalDetail(ApprovalItem):
    flow: FlowRef
    customer: NamedRef | None
    changes: list[ChangeOut] = Field(description="the record's fields, before → after")
    steps: list[StepOut]
    timeline: list[TimelineEntry]
    can_decide: bool
    can_withdraw: bool
    can_resubmit: bool
    can_manage: bool = Field(description="admin: decide any step, delegate anyone's place, add approvers")
    people: list[UserRef] = Field(description="everyone the steps and the timeline name (ids in `data`)")


class Counts(Output):
    pending: int = Field(description="waiting for my decision")
    overdue: int = Field(description="of those, past the step's time limit")
    submitted_pending: int = Field(description="my requests still pending")
    decided_today: int
    admin_queue: int = Field(description="admins: steps nobody can decide")


class ApproveIn(Input):
    comment: str | None = Field(None, max_length=1000)
    step: int | None = Field(
        None, ge=0, description="the step index the approver saw; if it moved on meanwhile: 409"
    )


class RejectIn(Input):
    comment: str = Field(min_length=1, max_length=1000, description="why (the applicant sees it)")
    step: int | None = Field(None, ge=0)


class WithdrawIn(Input):
    comment: str | None = Field(None, max_length=1000)


class DelegateIn(Input):
    to_user_id: UUID
    from_user_id: UUID | None = Field(None, description="admins: whose place moves (default: the caller's)")
    comment: str | None = Field(None, max_length=1000)


class AddApproverIn(Input):
    user_id: UUID
    comment: str | None = Field(None, max_length=1000)


class FinanceValues(Input):
    billing_title: str | None = Field(None, max_length=200, description="开票抬头")
    tax_number: str | None = Field(None, max_length=32, description="纳税人识别号 (15–20 letters and digits)")
    bank_name: str | None = Field(None, max_length=100, description="开户行")
    bank_account: str | None = Field(None, max_length=40, description="银行账号 (digits; spaces allowed)")
    billing_address: str | None = Field(None, max_length=300)
    billing_phone: PhoneNumber = None

    @field_validator("tax_number")
    @classmethod
    def _tax(cls, value: str | None) -> str | None:
        return normalize_tax_number(value) if value else None

    @field_validator("bank_account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        return normalize_bank_account(value) if value else None

    @field_validator("billing_title", "bank_name", "billing_address")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


class FinanceRequestIn(FinanceValues):
    reason: str = Field(min_length=1, max_length=1000)


class ResubmitIn(Input):
    reason: str | None = Field(None, min_length=1, max_length=1000)
    to_level: CustomerLevel | None = Field(None, description="a level change: the level asked for now")
    finance: FinanceValues | None = Field(None, description="a financial change: the values asked for now")


# --- mapping ------------------------------------------------------------------------------------------


def _item(row: Row, now: datetime) -> dict[str, Any]:
    r = row.request
    return {
        "id": r.id,
        "kind": r.kind,
        "kind_label": KIND_LABELS.get(r.kind, r.kind),
        "title": r.title,
        "reason": r.reason,
        "status": r.status,
        "applicant": {"id": r.applicant_id, "display_name": row.applicant_name},
        "customer_id": r.customer_id,
        "current_step": r.current_step,
        "step_name": r.step_name,
        "due_at": r.due_at,
        "overdue": bool(r.status == "pending" and r.due_at is not None and r.due_at < now),
        "admin_queue": r.admin_queue,
        "round": r.round,
        "submitted_at": r.submitted_at,
        "decided_at": r.decided_at,
        "my_task": (
            {"status": row.task_status, "at": row.task_at, "comment": row.task_comment}
            if row.task_status is not None
            else None
        ),
    }


def _user(names: dict[UUID, str], user_id: UUID | None) -> dict[str, Any] | None:
    return None if user_id is None else {"id": user_id, "display_name": names.get(user_id, "")}


def _detail(d: Detail) -> dict[str, Any]:
    r = d.request
    now = datetime.now(r.submitted_at.tzinfo)
    steps = describe_steps(d.state, d.tasks)
    for step in steps:
        for a in step["approvers"]:
            a["user"] = _user(d.names, a.pop("user_id"))
    return {
        **_item(Row(r, d.applicant_name), now),
        "flow": {"id": r.flow_id, "name": d.state.flow.name, "version": r.flow_version},
        "customer": {"id": r.customer_id, "name": d.subject.name} if d.subject and r.customer_id else None,
        "changes": [{"field": k, "before": v[0], "after": v[1]} for k, v in r.changes.items()],
        "steps": steps,
        "timeline": [
            {
                "id": e.id,
                "at": e.at,
                "action": e.action,
                "actor": {"id": e.actor_id, "display_name": name or ""} if e.actor_id else None,
                "step_index": e.step_index,
                "round": e.round,
                "comment": e.comment,
                "data": e.data,
            }
            for e, name in d.timeline
        ],
        "can_decide": d.can_decide,
        "can_withdraw": d.can_withdraw,
        "can_resubmit": d.can_resubmit,
        "can_manage": d.can_manage,
        "people": [{"id": k, "display_name": v} for k, v in sorted(d.names.items(), key=lambda kv: kv[1])],
    }


# --- routes -------------------------------------------------------------------------------------------


@router.get("/approvals", operation_id="list_approvals", response_model=Page[ApprovalItem])
async def list_approvals(
    session: Session,
    actor: Reader,
    box: Annotated[
        Box,
        Query(
            description="pending: waiting for me (oldest first); submitted: mine; done: what I decided; "
            "all: what I oversee (admins: everything); admin_queue: admins, steps nobody can decide"
        ),
    ] = "pending",
    kind: RequestKind | None = None,
    status: Annotated[Status | Literal["decided"] | None, Query(description="decided: not pending")] = None,
    q: Annotated[str | None, Query(max_length=100, description="in the title")] = None,
    submitted_from: datetime | None = None,
    submitted_to: Annotated[datetime | None, Query(description="exclusive")] = None,
    overdue: Annotated[bool | None, Query(description="past the open step's time limit")] = None,
    customer_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = Filters(
        kind=kind.value if kind else None,
        status=status,
        q=q.strip() if q and q.strip() else None,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        overdue=overdue,
        customer_id=customer_id,
    )
    rows, next_cursor = await ApprovalService(session, actor).inbox(box, filters, cursor, limit)
    now = datetime.now().astimezone()
    return {"items": [_item(r, now) for r in rows], "next_cursor": next_cursor}


@router.get("/approvals/counts", operation_id="approval_counts", response_model=Counts)
async def approval_counts(session: Session, actor: Reader) -> dict[str, int]:
    """The daily board's numbers (seed 001 日常事项) and the inbox badges."""
    return await ApprovalService(session, actor).counts()


@router.get("/approvals/{request_id}", operation_id="get_approval", response_model=ApprovalDetail)
async def get_approval(request_id: UUID, session: Session, actor: Reader) -> dict[str, Any]:
    """Visible to the applicant, every approver asked (even outside their record scope: this
    request only), whoever oversees the record or the applicant, and admins."""
    return _detail(await ApprovalService(session, actor).detail(request_id))


@router.post(
    "/approvals/{request_id}/approve", operation_id="approve_approval", response_model=ApprovalDetail
)
async def approve(request_id: UUID, body: ApproveIn, session: Session, actor: Reader) -> dict[str, Any]:
    """Approve the open step (或签: closes it; 会签: one more approval). An admin without a task
    decides the step outright. Already decided / moved on: 409."""
    service = ApprovalService(session, actor)
    return _detail(await service.decide(request_id, Decision.APPROVE, body.comment, body.step))


@router.post("/approvals/{request_id}/reject", operation_id="reject_approval", response_model=ApprovalDetail)
async def reject(request_id: UUID, body: RejectIn, session: Session, actor: Reader) -> dict[str, Any]:
    """Reject with a reason: back to the applicant (who may resubmit) or to the previous step,
    as the flow's step says."""
    service = ApprovalService(session, actor)
    return _detail(await service.decide(request_id, Decision.REJECT, body.comment, body.step))


@router.post(
    "/approvals/{request_id}/withdraw", operation_id="withdraw_approval", response_model=ApprovalDetail
)
async def withdraw(request_id: UUID, body: WithdrawIn, session: Session, actor: Reader) -> dict[str, Any]:
    """The applicant takes back a pending request; the record unlocks."""
    return _detail(await ApprovalService(session, actor).withdraw(request_id, body.comment))


@router.post(
    "/approvals/{request_id}/delegate", operation_id="delegate_approval", response_model=ApprovalDetail
)
async def delegate(request_id: UUID, body: DelegateIn, session: Session, actor: Reader) -> dict[str, Any]:
    """转交: hand my place on the open step to someone else (admins: anyone's place)."""
    service = ApprovalService(session, actor)
    return _detail(await service.delegate(request_id, body.to_user_id, body.from_user_id, body.comment))


@router.post(
    "/approvals/{request_id}/approvers", operation_id="add_approval_approver", response_model=ApprovalDetail
)
async def add_approver(
    request_id: UUID, body: AddApproverIn, session: Session, actor: Reader
) -> dict[str, Any]:
    """加签: one more approver on the open step (by one of its approvers, or an admin — which
    also takes a step out of the admin queue)."""
    return _detail(await ApprovalService(session, actor).add_approver(request_id, body.user_id, body.comment))


@router.post(
    "/approvals/{request_id}/resubmit", operation_id="resubmit_approval", response_model=ApprovalDetail
)
async def resubmit(request_id: UUID, body: ResubmitIn, session: Session, actor: Reader) -> dict[str, Any]:
    """After a rejection, the applicant submits again from the first step (same flow version),
    optionally with new values."""
    finance = body.finance.model_dump(exclude_unset=True) if body.finance is not None else None
    service = CustomerChangeService(session, actor)
    to_level = body.to_level.value if body.to_level else None
    return _detail(await service.resubmit(request_id, body.reason, to_level, finance))


@router.post(
    "/customers/{customer_id}/finance-requests",
    operation_id="request_customer_finance_change",
    response_model=ApprovalDetail,
    status_code=status.HTTP_201_CREATED,
)
async def request_finance_change(
    customer_id: UUID,
    body: FinanceRequestIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "update"))],
) -> dict[str, Any]:
    """Ask for the customer's financial information to change (fields sent; an empty string
    clears one). It applies when the flow approves; meanwhile it is locked (409 on a second)."""
    values = body.model_dump(exclude_unset=True, exclude={"reason"})
    service = CustomerChangeService(session, actor)
    return _detail(await service.request_finance_change(customer_id, values, body.reason))
