"""Approval requests, the approvers' inbox (tasks) and the timeline in SQL.

Who may see a request is the service's decision (`services/approvals.py`); the inbox lists here
are by construction the caller's own: their pending or decided tasks, their own submissions.
The "all" list (admins, and managers over their scope) takes the record scope as a filter.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer

from domain.scope import DataScope
from repositories.models import (
    ApprovalEvent,
    ApprovalFlow,
    ApprovalFlowVersion,
    ApprovalRequest,
    ApprovalTask,
    Customer,
    User,
)
from repositories.pagination import keyset, page
from repositories.scope import visible_to

_r = ApprovalRequest
_t = ApprovalTask
# lists show neither the engine's state nor the facts (~1.5 KB a row): not loaded, never lazily
_LIST_ONLY = (defer(_r.state, raiseload=True), defer(_r.facts, raiseload=True))
_Applicant = aliased(User, name="applicant")


# --- one request -----------------------------------------------------------------------------------


async def lock(session: AsyncSession, request_id: uuid.UUID) -> ApprovalRequest | None:
    """The request, locked for this transaction: decisions on one request happen one at a time
    (two any-of approvers at once: the second sees the step closed)."""
    stmt = select(_r).where(_r.id == request_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get(session: AsyncSession, request_id: uuid.UUID) -> ApprovalRequest | None:
    return await session.get(ApprovalRequest, request_id)


async def flow_definition(
    session: AsyncSession, flow_id: uuid.UUID, number: int
) -> tuple[ApprovalFlow, ApprovalFlowVersion] | None:
    stmt = (
        select(ApprovalFlow, ApprovalFlowVersion)
        .join(ApprovalFlowVersion, ApprovalFlowVersion.flow_id == ApprovalFlow.id)
        .where(ApprovalFlow.id == flow_id, ApprovalFlowVersion.number == number)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def customers_brief(
    session: AsyncSession, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """Name and level per customer."""
    if not customer_ids:
        return {}
    stmt = select(Customer.id, Customer.name, Customer.level).where(
        Customer.id.in_(sorted(set(customer_ids)))
    )
    return {r[0]: (r[1], r[2]) for r in (await session.execute(stmt)).all()}


async def pending_task_requests(
    session: AsyncSession, user_id: uuid.UUID, request_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these requests wait for the user's decision."""
    if not request_ids:
        return set()
    stmt = select(_t.request_id).where(
        _t.approver_id == user_id, _t.status == "pending", _t.request_id.in_(list(request_ids))
    )
    return set((await session.scalars(stmt)).all())


@dataclass(frozen=True, slots=True)
class Subject:
    """The customer a request is about, as visibility needs it."""

    owner_id: uuid.UUID | None
    zone_id: uuid.UUID | None
    name: str


async def customer_subject(session: AsyncSession, customer_id: uuid.UUID | None) -> Subject | None:
    if customer_id is None:
        return None
    row = (
        await session.execute(
            select(Customer.owner_id, Customer.zone_id, Customer.name).where(Customer.id == customer_id)
        )
    ).first()
    return Subject(row[0], row[1], row[2]) if row is not None else None


async def pending_for_subject(
    session: AsyncSession, subject_type: str, subject_id: uuid.UUID, kinds: Sequence[str] | None = None
) -> list[ApprovalRequest]:
    stmt = select(_r).where(
        _r.subject_type == subject_type, _r.subject_id == subject_id, _r.status == "pending"
    )
    if kinds is not None:
        stmt = stmt.where(_r.kind.in_(list(kinds)))
    return list((await session.scalars(stmt)).all())


# --- tasks ----------------------------------------------------------------------------------------


async def tasks(session: AsyncSession, request_id: uuid.UUID) -> list[ApprovalTask]:
    stmt = (
        select(_t)
        .where(_t.request_id == request_id)
        .order_by(_t.id)
        .execution_options(populate_existing=True)  # tasks change by UPDATE statements
    )
    return list((await session.scalars(stmt)).all())


async def has_task(session: AsyncSession, request_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    stmt = select(_t.id).where(_t.request_id == request_id, _t.approver_id == user_id).limit(1)
    return (await session.scalar(stmt)) is not None


def add_tasks(
    session: AsyncSession, request_id: uuid.UUID, approvers: Sequence[uuid.UUID], step_index: int, round_: int
) -> None:
    for approver_id in approvers:
        session.add(
            ApprovalTask(request_id=request_id, approver_id=approver_id, step_index=step_index, round=round_)
        )


async def close_tasks(session: AsyncSession, task_ids: Sequence[int], note: str, at: datetime) -> None:
    if task_ids:
        await session.execute(
            update(_t)
            .where(_t.id.in_(list(task_ids)), _t.status == "pending")
            .values(status="closed", note=note, decided_at=at)
            .execution_options(synchronize_session=False)
        )


async def finish_task(
    session: AsyncSession, task_id: int, status: str, comment: str | None, at: datetime
) -> None:
    await session.execute(
        update(_t)
        .where(_t.id == task_id)
        .values(status=status, comment=comment, decided_at=at)
        .execution_options(synchronize_session=False)
    )


# --- timeline -------------------------------------------------------------------------------------


def add_event(
    session: AsyncSession,
    request_id: uuid.UUID,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    at: datetime,
    step_index: int | None = None,
    round_: int = 1,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        ApprovalEvent(
            request_id=request_id,
            action=action,
            actor_id=actor_id,
            at=at,
            step_index=step_index,
            round=round_,
            comment=comment,
            data=data or {},
        )
    )


async def timeline(session: AsyncSession, request_id: uuid.UUID) -> list[tuple[ApprovalEvent, str | None]]:
    stmt = (
        select(ApprovalEvent, User.display_name)
        .outerjoin(User, User.id == ApprovalEvent.actor_id)
        .where(ApprovalEvent.request_id == request_id)
        .order_by(ApprovalEvent.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def user_names(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(sorted(set(ids)))))
    return {r[0]: r[1] for r in rows.all()}


# --- the inbox ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A request as a list shows it, with the caller's task on it (pending / done boxes)."""

    request: ApprovalRequest
    applicant_name: str
    task_status: str | None = None
    task_at: datetime | None = None  # assigned (pending box) or decided (done box)
    task_comment: str | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    kind: str | None = None
    status: str | None = None
    q: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    overdue: bool | None = None
    customer_id: uuid.UUID | None = None


def _filtered(stmt: Any, f: Filters, now: datetime) -> Any:
    if f.kind:
        stmt = stmt.where(_r.kind == f.kind)
    if f.status == "decided":  # approved, rejected or withdrawn
        stmt = stmt.where(_r.status != "pending")
    elif f.status:
        stmt = stmt.where(_r.status == f.status)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(_r.title.ilike(like))
    if f.submitted_from is not None:
        stmt = stmt.where(_r.submitted_at >= f.submitted_from)
    if f.submitted_to is not None:
        stmt = stmt.where(_r.submitted_at < f.submitted_to)
    if f.overdue is True:
        stmt = stmt.where(_r.status == "pending", _r.due_at < now)
    elif f.overdue is False:
        stmt = stmt.where(or_(_r.due_at.is_(None), _r.due_at >= now))
    if f.customer_id is not None:
        stmt = stmt.where(_r.customer_id == f.customer_id)
    return stmt


async def pending_box(
    session: AsyncSession, user_id: uuid.UUID, f: Filters, now: datetime, cursor: str | None, limit: int
) -> tuple[list[Row], str | None]:
    """The caller's open tasks, oldest first (what waits longest comes first)."""
    stmt = (
        select(_r, _Applicant.display_name, _t.status, _t.created_at, _t.comment, _t.id)
        .options(*_LIST_ONLY)
        .join(_r, _r.id == _t.request_id)
        .join(_Applicant, _Applicant.id == _r.applicant_id)
        .where(_t.approver_id == user_id, _t.status == "pending")
    )
    stmt = keyset(_filtered(stmt, f, now), _t.created_at, _t.id, False, cursor, limit)
    rows = (await session.execute(stmt)).all()
    items = [(Row(r[0], r[1], r[2], r[3], r[4]), r[5]) for r in rows]
    out, next_cursor = page(items, limit, lambda x: x[0].task_at, lambda x: x[1])
    return [x[0] for x in out], next_cursor


async def done_box(
    session: AsyncSession, user_id: uuid.UUID, f: Filters, now: datetime, cursor: str | None, limit: int
) -> tuple[list[Row], str | None]:
    """What the caller decided, newest decision first."""
    stmt = (
        select(_r, _Applicant.display_name, _t.status, _t.decided_at, _t.comment, _t.id)
        .options(*_LIST_ONLY)
        .join(_r, _r.id == _t.request_id)
        .join(_Applicant, _Applicant.id == _r.applicant_id)
        .where(_t.approver_id == user_id, _t.status.in_(("approved", "rejected")))
    )
    stmt = keyset(_filtered(stmt, f, now), _t.decided_at, _t.id, True, cursor, limit)
    rows = (await session.execute(stmt)).all()
    items = [(Row(r[0], r[1], r[2], r[3], r[4]), r[5]) for r in rows]
    out, next_cursor = page(items, limit, lambda x: x[0].task_at, lambda x: x[1])
    return [x[0] for x in out], next_cursor


async def submitted_box(
    session: AsyncSession, user_id: uuid.UUID, f: Filters, now: datetime, cursor: str | None, limit: int
) -> tuple[list[Row], str | None]:
    """The caller's own requests, newest first."""
    stmt = (
        select(_r, _Applicant.display_name)
        .options(*_LIST_ONLY)
        .join(_Applicant, _Applicant.id == _r.applicant_id)
        .where(_r.applicant_id == user_id)
    )
    return await _requests(session, _filtered(stmt, f, now), cursor, limit)


async def all_box(
    session: AsyncSession,
    condition: ColumnElement[bool] | None,
    f: Filters,
    now: datetime,
    cursor: str | None,
    limit: int,
    admin_queue: bool = False,
) -> tuple[list[Row], str | None]:
    """Every request the condition lets through (None: all), newest first; `admin_queue`: only
    pending steps nobody can decide."""
    stmt = (
        select(_r, _Applicant.display_name)
        .options(*_LIST_ONLY)
        .join(_Applicant, _Applicant.id == _r.applicant_id)
    )
    if condition is not None:
        stmt = stmt.where(condition)
    if admin_queue:
        stmt = stmt.where(_r.status == "pending", _r.admin_queue.is_(True))
    return await _requests(session, _filtered(stmt, f, now), cursor, limit)


async def _requests(
    session: AsyncSession, stmt: Select[Any], cursor: str | None, limit: int
) -> tuple[list[Row], str | None]:
    stmt = keyset(stmt, _r.submitted_at, _r.id, True, cursor, limit)
    rows = [Row(r[0], r[1]) for r in (await session.execute(stmt)).all()]
    return page(rows, limit, lambda x: x.request.submitted_at, lambda x: x.request.id)


def in_record_scope(
    scope: DataScope, applicants: Sequence[uuid.UUID], approver_id: uuid.UUID | None = None
) -> ColumnElement[bool]:
    """Requests about customers in the caller's scope, or filed by one of `applicants` (the
    caller and their reports): what a manager or director oversees; with `approver_id`, also
    the requests that user was asked to decide."""
    in_scope = (
        select(Customer.id)
        .where(Customer.id == _r.customer_id, visible_to(scope, Customer.owner_id, Customer.zone_id))
        .exists()
    )
    clauses = [in_scope, _r.applicant_id.in_(sorted(applicants))]
    if approver_id is not None:
        clauses.append(select(_t.id).where(_t.request_id == _r.id, _t.approver_id == approver_id).exists())
    return or_(*clauses)


async def counts(session: AsyncSession, user_id: uuid.UUID, now: datetime, admin: bool) -> dict[str, int]:
    """The daily board (seed 001 日常事项): what waits for me, what is overdue, my own open
    requests, what I decided today, and (admins) the admin queue."""
    mine = and_(_t.approver_id == user_id, _t.status == "pending")
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    stmt = select(
        select(func.count()).select_from(_t).where(mine).scalar_subquery(),
        select(func.count())
        .select_from(_t)
        .join(_r, _r.id == _t.request_id)
        .where(mine, _r.due_at < now)
        .scalar_subquery(),
        select(func.count())
        .select_from(_r)
        .where(_r.applicant_id == user_id, _r.status == "pending")
        .scalar_subquery(),
        select(func.count())
        .select_from(_t)
        .where(
            _t.approver_id == user_id,
            _t.status.in_(("approved", "rejected")),
            _t.decided_at >= day_start,
        )
        .scalar_subquery(),
        (
            select(func.count()).select_from(_r).where(_r.status == "pending", _r.admin_queue.is_(True))
        ).scalar_subquery()
        if admin
        else literal(0),
    )
    row = (await session.execute(stmt)).one()
    return {
        "pending": int(row[0]),
        "overdue": int(row[1]),
        "submitted_pending": int(row[2]),
        "decided_today": int(row[3]),
        "admin_queue": int(row[4]),
    }


# --- deadlines -------------------------------------------------------------------------------------


async def due(session: AsyncSession, now: datetime, limit: int) -> list[ApprovalRequest]:
    """Pending requests whose step is past its time limit, locked; a concurrent sweep skips them."""
    stmt = (
        select(_r)
        .where(_r.status == "pending", _r.due_at <= now)
        .order_by(_r.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


# --- level-change requests (the /level-requests view over the engine) -------------------------------


async def last_decision(
    session: AsyncSession, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID | None, str | None, str | None, datetime]]:
    """Per request: the latest approve / reject / withdraw event (actor, their name, comment, at)."""
    if not request_ids:
        return {}
    stmt = (
        select(
            ApprovalEvent.request_id,
            ApprovalEvent.actor_id,
            User.display_name,
            ApprovalEvent.comment,
            ApprovalEvent.at,
        )
        .outerjoin(User, User.id == ApprovalEvent.actor_id)
        .where(
            ApprovalEvent.request_id.in_(list(request_ids)),
            ApprovalEvent.action.in_(("approved", "rejected", "withdrawn")),
        )
        .order_by(ApprovalEvent.request_id, ApprovalEvent.id.desc())
        .ext(distinct_on(ApprovalEvent.request_id))
    )
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in (await session.execute(stmt)).all()}
