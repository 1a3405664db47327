"""需求跟进 (seed 002): the customer's needs itemised on an opportunity, each assigned to someone
on the deal, confirmed with the customer (需求确认), answered (需求应答) and closed.

    open ──confirm──▶ confirmed ──respond──▶ responded ──close──▶ closed
      ▲                                          │ (respond again: revise the answer)
      └──────────────── reopen ◀─────────────────┴──────────── closed

Any of open / confirmed / responded may be closed (a need the customer dropped). The assignee
is the owner or an opportunity team member; they get a task (kind "requirement") and a
notification, and the task is done when the requirement is answered. Answering is for the
assignee, the owner and whoever manages the owner; the rest of the team may confirm, close and
reopen. The task of a requirement for one assignee has a fixed id (`requirement_task_id`), so
reassigning drops the old assignee's open task and assigning back re-opens theirs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, FieldError, NotFound, PermissionDenied, check_version
from repositories import opportunities as opportunities_repo
from repositories import opportunity_work as repo
from repositories import tasks as tasks_repo
from repositories.models import Opportunity, OpportunityRequirement
from services import tasks
from services.context import Actor
from services.notifications import notify
from services.opportunity_access import OpportunityAccess

PRIORITIES = ("high", "medium", "low")
STATUSES = ("open", "confirmed", "responded", "closed")
# action → (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "confirm": (frozenset({"open"}), "confirmed"),
    "respond": (frozenset({"confirmed", "responded"}), "responded"),
    "close": (frozenset({"open", "confirmed", "responded"}), "closed"),
    "reopen": (frozenset({"responded", "closed"}), "open"),
}
_WHY = {
    "confirm": "only an open requirement can be confirmed",
    "respond": "confirm the requirement with the customer before answering it",
    "close": "the requirement is already closed",
    "reopen": "only an answered or closed requirement can be reopened",
}
_WORKING = frozenset({"open", "confirmed"})  # the assignee still has something to do


def requirement_task_id(requirement_id: uuid.UUID, assignee_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(requirement_id, str(assignee_id))


def _task_title(req: OpportunityRequirement) -> str:
    return f"需求应答 / Answer a requirement: {req.title}"


class RequirementService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.access = OpportunityAccess(session, actor)

    async def listing(self, opportunity_id: uuid.UUID) -> tuple[list[OpportunityRequirement], dict[str, int]]:
        await self.access.get(opportunity_id, "read")
        rows = await repo.requirements(self.session, opportunity_id)
        counts = dict.fromkeys(STATUSES, 0)
        for r in rows:
            counts[r.status] += 1
        return rows, counts

    async def create(self, opportunity_id: uuid.UUID, data: dict[str, Any]) -> OpportunityRequirement:
        opp = await self.access.get(opportunity_id, "update")
        if data.get("assignee_id") is not None:
            await self._check_assignee(opp, data["assignee_id"])
        req = OpportunityRequirement(
            id=uuid.uuid4(),
            opportunity_id=opp.id,
            title=data["title"],
            detail=data.get("detail"),
            priority=data.get("priority") or "medium",
            assignee_id=data.get("assignee_id"),
            status="open",
            created_by=self.actor.user_id,
        )
        self.session.add(req)
        await self.session.flush()
        await self._give_task(opp, req)
        await opportunities_repo.touch(self.session, opp.id)
        return req

    async def update(
        self, opportunity_id: uuid.UUID, requirement_id: uuid.UUID, data: dict[str, Any], expected: int | None
    ) -> OpportunityRequirement:
        opp, req = await self._get(opportunity_id, requirement_id, expected)
        before = req.assignee_id
        if "assignee_id" in data and data["assignee_id"] != before and data["assignee_id"] is not None:
            await self._check_assignee(opp, data["assignee_id"])
        for key in ("title", "detail", "priority", "assignee_id"):
            if key in data:
                if key in ("title", "priority") and data[key] is None:
                    raise FieldError(key, "may not be empty")
                setattr(req, key, data[key])
        await self.session.flush()
        if req.assignee_id != before:
            if before is not None:
                await tasks_repo.delete_open(self.session, requirement_task_id(req.id, before))
            await self._give_task(opp, req)
        elif req.assignee_id is not None:
            task = await tasks_repo.get(self.session, requirement_task_id(req.id, req.assignee_id))
            if task is not None and task.status == "open":
                task.title = _task_title(req)[:200]
                task.detail = req.detail
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)
        return req

    async def delete(
        self, opportunity_id: uuid.UUID, requirement_id: uuid.UUID, expected: int | None
    ) -> None:
        opp, req = await self._get(opportunity_id, requirement_id, expected)
        if req.assignee_id is not None:
            await tasks_repo.delete_open(self.session, requirement_task_id(req.id, req.assignee_id))
        await self.session.delete(req)
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)

    async def transition(
        self,
        opportunity_id: uuid.UUID,
        requirement_id: uuid.UUID,
        action: str,
        expected: int | None,
        response: str | None = None,
    ) -> OpportunityRequirement:
        opp, req = await self._get(opportunity_id, requirement_id, expected)
        sources, target = TRANSITIONS[action]
        if req.status not in sources:
            raise Conflict(f"{_WHY[action]} (it is {req.status})")
        now = datetime.now(UTC)
        me = self.actor.user_id
        if action == "respond":
            await self._may_answer(opp, req)
            if not response:
                raise FieldError("response", "the answer may not be empty")
            req.response = response
            req.responded_at, req.responded_by = now, me
        elif action == "confirm":
            req.confirmed_at, req.confirmed_by = now, me
        elif action == "reopen":
            req.confirmed_at = req.confirmed_by = req.responded_at = req.responded_by = None
        req.status = target
        await self.session.flush()
        task = (
            await tasks_repo.get(self.session, requirement_task_id(req.id, req.assignee_id))
            if req.assignee_id is not None
            else None
        )
        if target in ("responded", "closed") and task is not None:
            tasks.finish(task, now)
        elif action == "reopen":
            await self._give_task(opp, req)
        if action == "respond":
            for user_id in {req.created_by, opp.owner_id} - {None, me}:
                assert user_id is not None
                notify(
                    self.session,
                    user_id,
                    "requirement_responded",
                    f"需求已应答 / Requirement answered: {req.title}",
                    response[:500] if response else None,
                    entity="opportunity",
                    entity_id=opp.id,
                )
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)
        return req

    # --- rules -----------------------------------------------------------------------------------

    async def _get(
        self, opportunity_id: uuid.UUID, requirement_id: uuid.UUID, expected: int | None
    ) -> tuple[Opportunity, OpportunityRequirement]:
        opp = await self.access.get(opportunity_id, "update")
        req = await repo.requirement(self.session, opp.id, requirement_id, lock=True)
        if req is None:
            raise NotFound("requirement", requirement_id)
        check_version(req.version, expected)
        return opp, req

    async def _check_assignee(self, opp: Opportunity, user_id: uuid.UUID) -> None:
        if user_id == opp.owner_id or user_id in await repo.member_ids(self.session, opp.id):
            return
        raise FieldError("assignee_id", "must be the opportunity's owner or on its team")

    async def _may_answer(self, opp: Opportunity, req: OpportunityRequirement) -> None:
        if req.assignee_id == self.actor.user_id:
            return
        if self.actor.scope_for("opportunity", "update").covers(opp.owner_id, opp.zone_id):
            return  # the owner, or whoever manages the owner
        raise PermissionDenied("only the assignee, the owner or their managers may answer this requirement")

    async def _give_task(self, opp: Opportunity, req: OpportunityRequirement) -> None:
        """The assignee's task for the requirement while there is work in it."""
        if req.assignee_id is None or req.status not in _WORKING:
            return
        task_id = requirement_task_id(req.id, req.assignee_id)
        task = await tasks_repo.get(self.session, task_id)
        if task is None:
            tasks.assign(
                self.session,
                task_id=task_id,
                assignee_id=req.assignee_id,
                created_by=self.actor.user_id,
                kind="requirement",
                title=_task_title(req),
                detail=req.detail,
                opportunity_id=opp.id,
                customer_id=opp.customer_id,
                notification_kind="requirement_assigned",
            )
        elif task.status != "open":
            tasks.reopen(self.session, task, _task_title(req), "requirement_assigned", self.actor.user_id)
        await self.session.flush()
