"""Customer levels (客户等级: normal / KA / SKA) with their criteria, and level-change requests
(客户升级申请): the level-change view of the approval engine's requests (same ids as /approvals)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, status
from pydantic import Field

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Input, Items, NamedRef, Output, Page, UserRef
from domain.customers import CompanySize, CustomerLevel
from repositories import customer_levels as levels_repo
from services.context import Actor
from services.customer_levels import LevelRequestService, LevelRequestView, update_level_definition

router = ResourceRouter(tags=["customer levels"])

LevelCode = Literal["normal", "KA", "SKA"]
RequestStatus = Literal["pending", "approved", "rejected", "withdrawn"]


class LevelOut(Output):
    code: LevelCode
    name: str = Field(description="中文名")
    name_en: str
    sort_order: int
    company_sizes: list[str] = Field(description="company sizes that qualify (empty: any size)")
    min_annual_amount: Decimal | None = Field(
        description="minimum annual opportunity / contract amount, CNY, a decimal string"
    )
    min_cooperation_years: int | None
    cooperation_depth: str | None = Field(description="合作深度: what working together looks like")
    description: str | None
    updated_at: datetime


class LevelUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=50)
    name_en: str | None = Field(None, min_length=1, max_length=50)
    company_sizes: list[CompanySize] | None = Field(None, max_length=5)
    min_annual_amount: Decimal | None = Field(
        None, ge=0, max_digits=18, decimal_places=2, description='CNY as a decimal string, e.g. "1000000.00"'
    )
    min_cooperation_years: int | None = Field(None, ge=0, le=100)
    cooperation_depth: str | None = Field(None, max_length=2000)
    description: str | None = Field(None, max_length=2000)


class LevelRequestIn(Input):
    to_level: CustomerLevel
    reason: str = Field(min_length=1, max_length=1000)


class DecisionIn(Input):
    comment: str | None = Field(None, max_length=1000)


class LevelRequestOut(Output):
    id: UUID
    customer: NamedRef
    customer_level: LevelCode = Field(description="the customer's level now")
    from_level: LevelCode
    to_level: LevelCode
    reason: str
    status: RequestStatus
    requested_by: UserRef
    decided_by: UserRef | None
    decided_at: datetime | None
    comment: str | None
    created_at: datetime
    can_decide: bool = Field(description="the caller may approve or reject it now")
    can_withdraw: bool = Field(description="the caller (its applicant) may withdraw it now")


def _out(view: LevelRequestView) -> dict[str, Any]:
    return {
        "id": view.id,
        "customer": {"id": view.customer_id, "name": view.customer_name},
        "customer_level": view.customer_level,
        "from_level": view.from_level,
        "to_level": view.to_level,
        "reason": view.reason,
        "status": view.status,
        "requested_by": {"id": view.requested_by, "display_name": view.requested_by_name},
        "decided_by": (
            {"id": view.decided_by, "display_name": view.decided_by_name or ""} if view.decided_by else None
        ),
        "decided_at": view.decided_at,
        "comment": view.comment,
        "created_at": view.created_at,
        "can_decide": view.can_decide,
        "can_withdraw": view.can_withdraw,
    }


# --- level definitions --------------------------------------------------------------------------


@router.get("/customer-levels", operation_id="list_customer_levels", response_model=Items[LevelOut])
async def list_levels(  # reference data for customer forms and filters: customer:read
    session: Session, _: Annotated[Actor, Depends(Authorize("customer", "read"))]
) -> dict[str, Any]:
    return {"items": await levels_repo.levels(session)}


@router.patch("/customer-levels/{code}", operation_id="update_customer_level", response_model=LevelOut)
async def update_level(
    code: LevelCode,
    body: LevelUpdate,
    session: Session,
    _: Annotated[Actor, Depends(Authorize("setting", "update"))],
) -> Any:
    """Change a level's names and criteria (fields left out keep their value; audited)."""
    changes = body.model_dump(exclude_unset=True)
    for required in ("name", "name_en", "company_sizes"):
        if required in changes and changes[required] is None:
            changes.pop(required)
    return await update_level_definition(session, code, changes)


# --- level-change requests ------------------------------------------------------------------------


@router.post(
    "/customers/{customer_id}/level-requests",
    operation_id="request_customer_level_change",
    response_model=LevelRequestOut,
    status_code=status.HTTP_201_CREATED,
)
async def request_level_change(
    customer_id: UUID,
    body: LevelRequestIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "update"))],
) -> dict[str, Any]:
    """Ask for the customer's level to change (upgrade or downgrade); one pending request per
    customer (409). It runs under the customer-level-change approval flow (by default the
    applicant's manager, and the zone's director for SKA), who are notified."""
    service = LevelRequestService(session, actor)
    return _out(await service.request(customer_id, body.to_level.value, body.reason))


@router.get("/level-requests", operation_id="list_level_requests", response_model=Page[LevelRequestOut])
async def list_level_requests(
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "read"))],
    status: Annotated[
        RequestStatus | Literal["decided"] | None,
        Query(description="one status, or decided: approved, rejected or withdrawn"),
    ] = None,
    customer_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """Newest first: requests for customers in the caller's scope, their own, and those of the
    people they manage."""
    service = LevelRequestService(session, actor)
    views, next_cursor = await service.search(status, customer_id, cursor, limit)
    return {"items": [_out(v) for v in views], "next_cursor": next_cursor}


@router.get("/level-requests/{request_id}", operation_id="get_level_request", response_model=LevelRequestOut)
async def get_level_request(
    request_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("customer", "read"))]
) -> dict[str, Any]:
    service = LevelRequestService(session, actor)
    return _out(await service.get(request_id))


@router.post(
    "/level-requests/{request_id}/approve",
    operation_id="approve_level_request",
    response_model=LevelRequestOut,
)
async def approve_level_request(
    request_id: UUID,
    body: DecisionIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "read"))],
) -> dict[str, Any]:
    """Approve the open step (same as POST /approvals/{id}/approve); on the last step the
    customer's level changes. Only a pending approver of the step (or an admin) decides; a step
    already decided is 409."""
    service = LevelRequestService(session, actor)
    return _out(await service.approve(request_id, body.comment))


@router.post(
    "/level-requests/{request_id}/reject", operation_id="reject_level_request", response_model=LevelRequestOut
)
async def reject_level_request(
    request_id: UUID,
    body: DecisionIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "read"))],
) -> dict[str, Any]:
    """Reject: the level stays; the applicant is told why (comment)."""
    service = LevelRequestService(session, actor)
    return _out(await service.reject(request_id, body.comment))


@router.post(
    "/level-requests/{request_id}/withdraw",
    operation_id="withdraw_level_request",
    response_model=LevelRequestOut,
)
async def withdraw_level_request(
    request_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("customer", "read"))]
) -> dict[str, Any]:
    """The applicant takes back a pending request."""
    service = LevelRequestService(session, actor)
    return _out(await service.withdraw(request_id))
