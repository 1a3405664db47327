"""Tasks (待办): the caller's own to-dos (join a colleague's visit, answer a requirement), and
every task about an opportunity for its detail page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Query
from pydantic import Field

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Input, Items, NamedRef, Output, Page, UserRef
from repositories.tasks import TaskRow
from services.context import Actor
from services.tasks import TaskService

router = ResourceRouter(tags=["tasks"])

TaskStatus = Literal["open", "done", "declined"]


class TaskOut(Output):
    id: UUID
    kind: Literal["join_visit", "requirement", "other"]
    title: str
    detail: str | None
    status: TaskStatus
    due_at: datetime | None
    done_at: datetime | None = Field(description="when it was done or declined")
    created_at: datetime
    assignee: UserRef
    created_by: UserRef | None
    opportunity: NamedRef | None
    customer: NamedRef | None
    follow_up_id: UUID | None = Field(description="join_visit: the visit that invited")


class DeclineIn(Input):
    reason: str | None = Field(None, max_length=500, description="told to the task's creator")


def task_out(actor: Actor, row: TaskRow) -> TaskOut:
    task, opportunity_name, customer_name = row
    users = actor.access.org.users

    def ref(user_id: UUID | None) -> dict[str, object] | None:
        if user_id is None:
            return None
        user = users.get(user_id)
        return {"id": user_id, "display_name": user.display_name if user else ""}

    return TaskOut.model_validate(
        {
            **{k: getattr(task, k) for k in TaskOut.model_fields if hasattr(task, k)},
            "assignee": ref(task.assignee_id),
            "created_by": ref(task.created_by),
            "opportunity": {"id": task.opportunity_id, "name": opportunity_name or ""}
            if task.opportunity_id
            else None,
            "customer": {"id": task.customer_id, "name": customer_name or ""} if task.customer_id else None,
        }
    )


Mine = Annotated[Actor, Depends(Authorize("task", "read"))]


@router.get("/tasks", operation_id="list_tasks", response_model=Page[TaskOut])
async def list_tasks(
    session: Session,
    actor: Mine,
    status: TaskStatus = "open",
    opportunity_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[TaskOut]:
    """The caller's tasks of one status: open ones soonest due first (undated last); done and
    declined ones most recently closed first."""
    rows, next_cursor = await TaskService(session, actor).mine(status, opportunity_id, cursor, limit)
    return Page[TaskOut](items=[task_out(actor, r) for r in rows], next_cursor=next_cursor)


@router.post("/tasks/{task_id}/done", operation_id="complete_task", response_model=TaskOut)
async def complete_task(task_id: UUID, session: Session, actor: Mine) -> TaskOut:
    """Done (a join_visit task: "I'll join"). Only the assignee (anyone else: 404); a task no
    longer open: 409. The creator is notified."""
    return task_out(actor, await TaskService(session, actor).done(task_id))


@router.post("/tasks/{task_id}/decline", operation_id="decline_task", response_model=TaskOut)
async def decline_task(
    task_id: UUID, session: Session, actor: Mine, body: DeclineIn | None = None
) -> TaskOut:
    """Decline with an optional reason (sent to the creator in the notification)."""
    return task_out(actor, await TaskService(session, actor).decline(task_id, body.reason if body else None))


@router.get(
    "/opportunities/{opportunity_id}/tasks",
    operation_id="list_opportunity_tasks",
    response_model=Items[TaskOut],
)
async def list_opportunity_tasks(
    opportunity_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("opportunity", "read"))]
) -> Items[TaskOut]:
    """Every task about the opportunity (anyone's), newest first — for the detail page."""
    rows = await TaskService(session, actor).of_opportunity(opportunity_id)
    return Items[TaskOut](items=[task_out(actor, r) for r in rows])
