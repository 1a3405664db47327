"""Who may see and change an opportunity — one rule for the opportunity and everything under it
(team, decision chain, competitors, requirements, documents, samples, follow-ups).

- see: the owner's management scope for `opportunity:read` (own / team / zone / all), or being
  on the opportunity team (seed 002). Anything else is 404, never 403.
- change (action update / move / reassign / delete): the role must hold the action, and its
  scope must cover the owner or zone — or, for update and move, the caller is on the team.
  Someone who sees the opportunity but may not change it gets 403.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound, PermissionDenied
from domain.scope import ScopeLevel
from repositories import opportunities as repo
from repositories.models import Opportunity
from services.context import Actor

MEMBER_ACTIONS = frozenset({"update", "move"})


class OpportunityAccess:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def get(
        self, opportunity_id: uuid.UUID, action: str = "read", *, lock: bool = False
    ) -> Opportunity:
        """The opportunity if the caller sees it (404 otherwise) and may do `action` on it (403)."""
        read = self.actor.scope_for("opportunity", "read")
        opp = await repo.get_visible(self.session, opportunity_id, read, lock=lock)
        if opp is None:
            raise NotFound("opportunity", opportunity_id)
        if action != "read":
            await self.check(opp, action)
        return opp

    async def check(self, opp: Opportunity, action: str) -> None:
        scope = self.actor.scope_for("opportunity", action)
        if scope.level is ScopeLevel.NONE:
            raise PermissionDenied(f"your role may not {action} opportunities")
        if scope.covers(opp.owner_id, opp.zone_id):
            return
        if action in MEMBER_ACTIONS and await repo.is_member(self.session, opp.id, self.actor.user_id):
            return
        raise PermissionDenied(f"only the owner, the opportunity team or their managers may {action} it")

    async def can(self, opp: Opportunity, action: str) -> bool:
        try:
            await self.check(opp, action)
        except PermissionDenied:
            return False
        return True
