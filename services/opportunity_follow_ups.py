"""Follow-ups and visits on an opportunity (跟进记录 / 拜访记录, seed 003).

A follow-up logged here is a follow-up of the opportunity's customer with `opportunity_id` set,
so it shows on both timelines and moves the customer's last followed-up time (recycling counts
it). Who may log one is the opportunity's rule, not the customer's: a team member logs a visit
on a deal whose customer they do not own.

A visit may invite colleagues (申请后台业务或技术同事参与拜访): each invitee gets a task
(kind "join_visit") and a notification; an invitation does not put them on the opportunity
team. The task is due at the next visit (`next_follow_up_on`, 09:00 China time) when one is
planned, else at the visit logged.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.china_time import CHINA
from domain.customers import FollowUpKind
from domain.errors import FieldError
from repositories import customers as customers_repo
from repositories import opportunities as opportunities_repo
from repositories import opportunity_work as repo
from repositories import tasks as tasks_repo
from repositories.models import FollowUp, Opportunity, Task
from services import tasks
from services.context import Actor
from services.opportunity_access import OpportunityAccess

_GRACE = timedelta(minutes=5)  # clock skew between a phone and the server
MAX_INVITEES = 20
VISIT_HOUR = time(9, 0)


class OpportunityFollowUpService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def timeline(
        self, opportunity_id: uuid.UUID, cursor: str | None, limit: int
    ) -> tuple[list[tuple[FollowUp, str | None, list[Task]]], str | None]:
        """Newest first, each with its contact's name and the colleagues it invited."""
        await OpportunityAccess(self.session, self.actor).get(opportunity_id, "read")
        rows, next_cursor = await repo.follow_ups(self.session, opportunity_id, cursor, limit)
        invited = await self._invitations([f.id for f, _ in rows])
        return [(f, name, invited.get(f.id, [])) for f, name in rows], next_cursor

    async def log(
        self, opportunity_id: uuid.UUID, data: dict[str, Any]
    ) -> tuple[FollowUp, str | None, list[Task]]:
        opp = await OpportunityAccess(self.session, self.actor).get(opportunity_id, "update")
        now = datetime.now(UTC)
        happened_at = data.get("happened_at") or now
        if happened_at > now.replace(microsecond=0) + _GRACE:
            raise FieldError("happened_at", "cannot be in the future")
        contact_name = None
        if data.get("contact_id"):
            contact = await repo.contact_of(self.session, opp.customer_id, data["contact_id"])
            if contact is None:
                raise FieldError("contact_id", "must be a contact of the opportunity's customer")
            contact_name = contact.name
        invitees = self._invitees(data.get("kind"), data.get("invite_user_ids") or [])
        follow_up = FollowUp(
            id=uuid.uuid4(),
            customer_id=opp.customer_id,
            opportunity_id=opp.id,
            contact_id=data.get("contact_id"),
            kind=data["kind"],
            content=data["content"],
            happened_at=happened_at,
            next_step=data.get("next_step"),
            next_follow_up_on=data.get("next_follow_up_on"),
            author_id=self.actor.user_id,
        )
        self.session.add(follow_up)
        await self.session.flush()
        await customers_repo.touch_followed_up(self.session, opp.customer_id, happened_at)
        if follow_up.contact_id is not None:
            await repo.touch_chain_contact(self.session, opp.id, follow_up.contact_id, happened_at)
        invitations = await self._invite(opp, follow_up, invitees) if invitees else []
        await opportunities_repo.touch(self.session, opp.id)
        return follow_up, contact_name, invitations

    def _invitees(self, kind: str | None, user_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        if not user_ids:
            return []
        if kind != FollowUpKind.VISIT:
            raise FieldError("invite_user_ids", "only a visit invites colleagues")
        unique = list(dict.fromkeys(user_ids))
        if len(unique) > MAX_INVITEES:
            raise FieldError("invite_user_ids", f"at most {MAX_INVITEES} colleagues")
        users = self.actor.access.org.users
        for user_id in unique:
            if user_id == self.actor.user_id:
                raise FieldError("invite_user_ids", "you do not need to invite yourself")
            user = users.get(user_id)
            if user is None or not user.is_active:
                raise FieldError("invite_user_ids", f"{user_id} is not an active user")
        return unique

    async def _invite(self, opp: Opportunity, follow_up: FollowUp, invitees: list[uuid.UUID]) -> list[Task]:
        customer = await repo.customer(self.session, opp.customer_id)
        customer_name = customer.name if customer else opp.name
        if follow_up.next_follow_up_on is not None:
            due = datetime.combine(follow_up.next_follow_up_on, VISIT_HOUR, CHINA)
            when = follow_up.next_follow_up_on.isoformat()
        else:
            due = follow_up.happened_at
            when = due.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        inviter = self.actor.principal.display_name
        title = f"协助拜访 / Join a visit: {customer_name} {when}"
        detail = (
            f"{inviter} 邀请你参与拜访（商机：{opp.name}）/ {inviter} asks you to join a visit on {opp.name}"
        )
        if follow_up.next_step:
            detail += f"\n{follow_up.next_step}"
        created = [
            tasks.assign(
                self.session,
                assignee_id=user_id,
                created_by=self.actor.user_id,
                kind="join_visit",
                title=title,
                detail=detail,
                due_at=due,
                opportunity_id=opp.id,
                customer_id=opp.customer_id,
                follow_up_id=follow_up.id,
                notification_kind="visit_invitation",
            )
            for user_id in invitees
        ]
        await self.session.flush()
        return created

    async def _invitations(self, follow_up_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Task]]:
        out: dict[uuid.UUID, list[Task]] = {}
        for task in await tasks_repo.of_follow_ups(self.session, follow_up_ids, "join_visit"):
            assert task.follow_up_id is not None
            out.setdefault(task.follow_up_id, []).append(task)
        return out
