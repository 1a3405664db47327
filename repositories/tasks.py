"""Tasks (待办): one user's to-dos — join a colleague's visit, answer a requirement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import Customer, Opportunity, Task
from repositories.pagination import keyset, page

# a task with its opportunity's and customer's names
TaskRow = tuple[Task, str | None, str | None]


def _with_names() -> Any:
    return (
        select(Task, Opportunity.name, Customer.name)
        .outerjoin(Opportunity, Opportunity.id == Task.opportunity_id)
        .outerjoin(Customer, Customer.id == Task.customer_id)
    )


def _rows(result: Any) -> list[TaskRow]:
    return [(r[0], r[1], r[2]) for r in result.all()]


async def get(session: AsyncSession, task_id: uuid.UUID, *, lock: bool = False) -> Task | None:
    stmt = select(Task).where(Task.id == task_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def get_assigned(
    session: AsyncSession, task_id: uuid.UUID, assignee_id: uuid.UUID, *, lock: bool = False
) -> Task | None:
    """The task if it is the user's own (someone else's task is not found)."""
    stmt = select(Task).where(Task.id == task_id, Task.assignee_id == assignee_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def row(session: AsyncSession, task_id: uuid.UUID) -> TaskRow | None:
    rows = _rows(await session.execute(_with_names().where(Task.id == task_id)))
    return rows[0] if rows else None


async def assigned_page(
    session: AsyncSession,
    assignee_id: uuid.UUID,
    status: str,
    opportunity_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[TaskRow], str | None]:
    """A user's tasks of one status: open ones soonest due first (undated last), done and
    declined ones most recently closed first."""
    stmt = _with_names().where(Task.assignee_id == assignee_id, Task.status == status)
    if opportunity_id is not None:
        stmt = stmt.where(Task.opportunity_id == opportunity_id)
    if status == "open":
        stmt = keyset(stmt, Task.due_at, Task.id, False, cursor, limit, nullable=True)
        rows = _rows(await session.execute(stmt))
        return page(rows, limit, lambda r: r[0].due_at, lambda r: r[0].id)
    stmt = keyset(stmt, Task.done_at, Task.id, True, cursor, limit, nullable=True)
    rows = _rows(await session.execute(stmt))
    return page(rows, limit, lambda r: r[0].done_at, lambda r: r[0].id)


async def of_opportunity(session: AsyncSession, opportunity_id: uuid.UUID) -> list[TaskRow]:
    """Every task about the opportunity, newest first (the detail page's list)."""
    return _rows(
        await session.execute(
            _with_names()
            .where(Task.opportunity_id == opportunity_id)
            .order_by(Task.created_at.desc(), Task.id.desc())
            .limit(500)
        )
    )


async def of_follow_ups(session: AsyncSession, follow_up_ids: Sequence[uuid.UUID], kind: str) -> list[Task]:
    if not follow_up_ids:
        return []
    return list(
        await session.scalars(
            select(Task)
            .where(Task.follow_up_id.in_(follow_up_ids), Task.kind == kind)
            .order_by(Task.created_at, Task.id)
        )
    )


async def delete_open(session: AsyncSession, task_id: uuid.UUID) -> None:
    """Drop a task nobody needs any more, unless its assignee already acted on it."""
    task = await session.scalar(select(Task).where(Task.id == task_id, Task.status == "open"))
    if task is not None:
        await session.delete(task)  # through the unit of work: audited
