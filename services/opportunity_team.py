"""The opportunity team (跨部门商机团队, seed 002): the owner brings colleagues from sales,
presales, marketing and service onto a deal. Members see the opportunity (whatever their own
data scope) and each other's phone and e-mail, so they can work together outside the CRM; the
owner is on the team implicitly.

Who may do what: anyone who sees the opportunity sees the team; adding, changing and removing
members needs the right to update it (the owner, their managers, or a member whose role may
update opportunities); a member may always leave.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DuplicateRecord, FieldError, NotFound
from domain.opportunities import MemberRole
from repositories import opportunities as opportunities_repo
from repositories import opportunity_team as repo
from repositories.models import Opportunity, OpportunityMember
from services.context import Actor
from services.notifications import notify
from services.opportunity_access import OpportunityAccess
from services.outbox import emit

ROLE_NAMES = {
    MemberRole.SALES: "销售",
    MemberRole.PRESALES: "售前",
    MemberRole.MARKETING: "市场",
    MemberRole.SERVICE: "服务",
    MemberRole.OTHER: "其他",
}


class OpportunityTeamService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.access = OpportunityAccess(session, actor)

    async def team(self, opportunity_id: uuid.UUID) -> tuple[Row[Any] | None, list[Row[Any]]]:
        """The owner's card and the members' (contact details included: they are teammates)."""
        opp = await self.access.get(opportunity_id, "read")
        owner = await repo.card(self.session, opp.owner_id) if opp.owner_id else None
        return owner, await repo.members(self.session, opp.id)

    async def add(
        self, opportunity_id: uuid.UUID, user_id: uuid.UUID, role: MemberRole, note: str | None
    ) -> Row[Any]:
        opp = await self.access.get(opportunity_id, "update")
        if user_id == opp.owner_id:
            raise FieldError("user_id", "the owner is already on the team (the owner is always a member)")
        user = await repo.active_user(self.session, user_id)
        if user is None:
            raise FieldError("user_id", "no such active user")
        if await repo.member(self.session, opp.id, user_id) is not None:
            raise DuplicateRecord("user_id", f"{user.display_name} is already on the team", user_id)
        self.session.add(
            OpportunityMember(
                opportunity_id=opp.id,
                user_id=user_id,
                role=role.value,
                note=note,
                added_by=self.actor.user_id,
            )
        )
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:  # a concurrent add of the same person won
            raise DuplicateRecord("user_id", f"{user.display_name} is already on the team", user_id) from exc
        await opportunities_repo.touch(self.session, opp.id)
        if user_id != self.actor.user_id:
            notify(
                self.session,
                user_id,
                "opportunity_member_added",
                f"{self.actor.principal.display_name} 邀请你加入商机团队：{opp.name}",
                f"角色 / role: {ROLE_NAMES[role]} ({role.value})" + (f"\n{note}" if note else ""),
                entity="opportunity",
                entity_id=opp.id,
            )
        emit(
            self.session,
            "opportunity.member_added",
            {"opportunity_id": opp.id, "user_id": user_id, "role": role.value, "name": opp.name},
            entity="opportunity",
            entity_id=opp.id,
            actor_id=self.actor.user_id,
        )
        return await self._row(opp, user_id)

    async def update(self, opportunity_id: uuid.UUID, user_id: uuid.UUID, data: dict[str, Any]) -> Row[Any]:
        opp = await self.access.get(opportunity_id, "update")
        member = await self._member(opp, user_id)
        if "role" in data:
            if data["role"] is None:
                raise FieldError("role", "a member needs a role")
            member.role = MemberRole(data["role"]).value
        if "note" in data:
            member.note = data["note"]
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)
        return await self._row(opp, user_id)

    async def remove(self, opportunity_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """A member may leave; removing someone else needs the right to update the opportunity."""
        opp = await self.access.get(opportunity_id, "read")
        if user_id != self.actor.user_id:
            await self.access.check(opp, "update")
        member = await self._member(opp, user_id)
        await self.session.delete(member)
        await self.session.flush()
        # whoever they covered in the decision chain is uncovered now (shown as a gap to fill)
        for entry in await repo.covered_by(self.session, opp.id, user_id):
            entry.covered_by_id = None
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)

    async def _member(self, opp: Opportunity, user_id: uuid.UUID) -> OpportunityMember:
        member = await repo.member(self.session, opp.id, user_id)
        if member is None:
            raise NotFound("opportunity team member", user_id)
        return member

    async def _row(self, opp: Opportunity, user_id: uuid.UUID) -> Row[Any]:
        rows = await repo.members(self.session, opp.id, user_id)
        return rows[0]
