"""Customer level definitions (客户等级) and level-change requests (客户升级申请).

A request is visible to whoever sees its customer (customer:read scope) and to its applicant
and the applicant's manager; `visible_requests` is the one place that filter is built.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.customers import LevelRequestStatus
from domain.scope import DataScope
from repositories.models import Customer, CustomerLevelDefinition, CustomerLevelRequest, User
from repositories.pagination import keyset, page
from repositories.scope import visible_to

# --- level definitions --------------------------------------------------------------------------


async def levels(session: AsyncSession) -> list[CustomerLevelDefinition]:
    stmt = select(CustomerLevelDefinition).order_by(CustomerLevelDefinition.sort_order)
    return list((await session.scalars(stmt)).all())


async def get_level(session: AsyncSession, code: str) -> CustomerLevelDefinition | None:
    return await session.get(CustomerLevelDefinition, code)


# --- requests ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request with what its page and the permission decisions need."""

    request: CustomerLevelRequest
    customer_name: str
    customer_level: str
    owner_id: uuid.UUID | None
    zone_id: uuid.UUID | None
    requested_by_name: str
    decided_by_name: str | None


_Requester = aliased(User, name="requester")
_Decider = aliased(User, name="decider")


_r = CustomerLevelRequest
_VIEWS = (  # the request with its customer's name, level, owner and zone, and the two users' names
    select(
        _r,
        Customer.name,
        Customer.level,
        Customer.owner_id,
        Customer.zone_id,
        _Requester.display_name,
        _Decider.display_name,
    )
    .join(Customer, Customer.id == _r.customer_id)
    .join(_Requester, _Requester.id == _r.requested_by)
    .outerjoin(_Decider, _Decider.id == _r.decided_by)
)


def _view(row: Any) -> RequestView:
    return RequestView(row[0], row[1], row[2], row[3], row[4], row[5], row[6])


def visible_requests(scope: DataScope, applicants: Collection[uuid.UUID]) -> ColumnElement[bool]:
    """Requests for customers in the caller's scope, or made by one of `applicants` (the caller
    and the people they manage)."""
    return or_(
        visible_to(scope, Customer.owner_id, Customer.zone_id),
        CustomerLevelRequest.requested_by.in_(sorted(applicants)),
    )


async def request_view(session: AsyncSession, request_id: uuid.UUID) -> RequestView | None:
    """Unscoped: the service decides who may see and act on it."""
    row = (await session.execute(_VIEWS.where(CustomerLevelRequest.id == request_id))).first()
    return _view(row) if row is not None else None


async def search_requests(
    session: AsyncSession,
    scope: DataScope,
    applicants: Collection[uuid.UUID],
    *,
    status: str | None,
    customer_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[RequestView], str | None]:
    """Newest first, keyset-paginated. `status` "decided": every status but pending."""
    stmt: Select[Any] = _VIEWS.where(visible_requests(scope, applicants))  # type: ignore[assignment]
    if status == "decided":
        stmt = stmt.where(CustomerLevelRequest.status != LevelRequestStatus.PENDING.value)
    elif status is not None:
        stmt = stmt.where(CustomerLevelRequest.status == status)
    if customer_id is not None:
        stmt = stmt.where(CustomerLevelRequest.customer_id == customer_id)
    stmt = keyset(stmt, CustomerLevelRequest.created_at, CustomerLevelRequest.id, True, cursor, limit)
    rows = [_view(r) for r in (await session.execute(stmt)).all()]
    return page(rows, limit, lambda v: v.request.created_at, lambda v: v.request.id)


async def pending_for(session: AsyncSession, customer_id: uuid.UUID) -> CustomerLevelRequest | None:
    stmt = select(CustomerLevelRequest).where(
        CustomerLevelRequest.customer_id == customer_id,
        CustomerLevelRequest.status == LevelRequestStatus.PENDING.value,
    )
    return (await session.scalars(stmt)).first()


async def close_if_pending(
    session: AsyncSession,
    request_id: uuid.UUID,
    status: LevelRequestStatus,
    by: uuid.UUID | None,
    comment: str | None,
    at: datetime | None = None,
) -> CustomerLevelRequest | None:
    """UPDATE … WHERE status = 'pending' RETURNING: of two concurrent decisions exactly one
    finds the request still pending (the other waits on the row lock, then matches nothing)."""
    stmt = (
        update(CustomerLevelRequest)
        .where(
            CustomerLevelRequest.id == request_id,
            CustomerLevelRequest.status == LevelRequestStatus.PENDING.value,
        )
        .values(status=status.value, decided_by=by, decided_at=at or func.now(), comment=comment)
        .returning(CustomerLevelRequest)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return (await session.scalars(stmt)).first()


async def lock_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    """The customer, locked for this transaction (its level is about to change)."""
    stmt = (
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).first()
