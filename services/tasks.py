"""Tasks (待办, seed 002: "系统层面只要以任务的方式来跟进就好"): a to-do for one user, made by a
colleague's action — join a visit (申请后台业务或技术同事参与拜访, seed 003), answer a customer
requirement. The assignee is notified when it is made; only the assignee sees it in their list
and marks it done or declines it (anyone else: 404), and its creator is told.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, NotFound
from repositories import tasks as repo
from repositories.models import Task
from repositories.tasks import TaskRow
from services.context import Actor
from services.notifications import notify
from services.opportunity_access import OpportunityAccess


def assign(
    session: AsyncSession,
    *,
    assignee_id: uuid.UUID,
    created_by: uuid.UUID,
    kind: str,
    title: str,
    notification_kind: str,
    detail: str | None = None,
    due_at: datetime | None = None,
    opportunity_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    follow_up_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
) -> Task:
    """Make a task and tell its assignee (not when they made it themselves)."""
    task = Task(
        id=task_id or uuid.uuid4(),
        assignee_id=assignee_id,
        kind=kind,
        title=title[:200],
        detail=detail,
        due_at=due_at,
        status="open",
        opportunity_id=opportunity_id,
        customer_id=customer_id,
        follow_up_id=follow_up_id,
        created_by=created_by,
    )
    session.add(task)
    if assignee_id != created_by:
        _tell(session, assignee_id, notification_kind, task.title, detail, task)
    return task


def reopen(session: AsyncSession, task: Task, title: str, notification_kind: str, by: uuid.UUID) -> None:
    """Give a closed task back to its assignee (a requirement assigned to them again)."""
    task.status = "open"
    task.done_at = None
    task.title = title[:200]
    if task.assignee_id != by:
        _tell(session, task.assignee_id, notification_kind, task.title, task.detail, task)


def finish(task: Task, now: datetime) -> None:
    """The work the task stood for was done elsewhere (a requirement answered)."""
    if task.status == "open":
        task.status = "done"
        task.done_at = now


def _tell(
    session: AsyncSession, user_id: uuid.UUID, kind: str, title: str, body: str | None, task: Task
) -> None:
    if task.opportunity_id is not None:
        notify(session, user_id, kind, title, body, entity="opportunity", entity_id=task.opportunity_id)
    else:
        notify(session, user_id, kind, title, body, entity="task", entity_id=task.id)


class TaskService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def mine(
        self, status: str, opportunity_id: uuid.UUID | None, cursor: str | None, limit: int
    ) -> tuple[list[TaskRow], str | None]:
        return await repo.assigned_page(
            self.session, self.actor.user_id, status, opportunity_id, cursor, limit
        )

    async def of_opportunity(self, opportunity_id: uuid.UUID) -> list[TaskRow]:
        await OpportunityAccess(self.session, self.actor).get(opportunity_id, "read")
        return await repo.of_opportunity(self.session, opportunity_id)

    async def _own_open(self, task_id: uuid.UUID) -> Task:
        task = await repo.get_assigned(self.session, task_id, self.actor.user_id, lock=True)
        if task is None:
            raise NotFound("task", task_id)
        if task.status != "open":
            raise Conflict(f"the task is already {task.status}")
        return task

    async def done(self, task_id: uuid.UUID) -> TaskRow:
        task = await self._own_open(task_id)
        task.status = "done"
        task.done_at = datetime.now(UTC)
        await self.session.flush()
        self._tell_creator(task, "task_done", f"任务已完成 / Task done: {task.title}", None)
        return await self._row(task.id)

    async def decline(self, task_id: uuid.UUID, reason: str | None) -> TaskRow:
        task = await self._own_open(task_id)
        task.status = "declined"
        task.done_at = datetime.now(UTC)
        await self.session.flush()
        self._tell_creator(task, "task_declined", f"任务被婉拒 / Task declined: {task.title}", reason)
        return await self._row(task.id)

    def _tell_creator(self, task: Task, kind: str, title: str, reason: str | None) -> None:
        if task.created_by is None or task.created_by == self.actor.user_id:
            return
        who = self.actor.principal.display_name
        body = f"{who}" + (f"：{reason}" if reason else "")
        _tell(self.session, task.created_by, kind, title, body, task)

    async def _row(self, task_id: uuid.UUID) -> TaskRow:
        row = await repo.row(self.session, task_id)
        assert row is not None
        return row
