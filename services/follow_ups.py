"""Follow-ups (跟进记录): logging one moves the customer's last followed-up time forward."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound, PermissionDenied, check_version
from domain.scope import ScopeLevel
from repositories import contacts as contacts_repo
from repositories import customers as customers_repo
from repositories import follow_ups as repo
from repositories.models import FollowUp
from services.context import Actor

_GRACE = timedelta(minutes=5)  # clock skew between a phone and the server


class FollowUpService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def _customer_in_scope(self, customer_id: uuid.UUID) -> None:
        if not await customers_repo.is_visible(self.session, customer_id, self.actor.scope):
            raise NotFound("customer", customer_id)

    async def timeline(
        self, customer_id: uuid.UUID, cursor: str | None, limit: int
    ) -> tuple[list[tuple[FollowUp, str | None]], str | None]:
        await self._customer_in_scope(customer_id)
        return await repo.timeline(self.session, customer_id, cursor, limit)

    async def log(self, customer_id: uuid.UUID, data: dict[str, Any]) -> FollowUp:
        await self._customer_in_scope(customer_id)
        happened_at = data.pop("happened_at", None) or datetime.now(UTC)
        if happened_at > datetime.now(UTC).replace(microsecond=0) + _GRACE:
            raise FieldError("happened_at", "cannot be in the future")
        if data.get("contact_id"):
            contact = await contacts_repo.get_visible(self.session, data["contact_id"], self.actor.scope)
            if contact is None or contact.customer_id != customer_id:
                raise FieldError("contact_id", "must be a contact of this customer")
        follow_up = FollowUp(
            **data, customer_id=customer_id, happened_at=happened_at, author_id=self.actor.user_id
        )
        self.session.add(follow_up)
        await self.session.flush()
        await customers_repo.touch_followed_up(self.session, customer_id, happened_at)
        return follow_up

    async def _own(self, follow_up_id: uuid.UUID) -> FollowUp:
        follow_up = await repo.get_visible(self.session, follow_up_id, self.actor.scope)
        if follow_up is None:
            raise NotFound("follow-up", follow_up_id)
        if self.actor.scope.level < ScopeLevel.TEAM and follow_up.author_id != self.actor.user_id:
            raise PermissionDenied("only the author or a manager may change a follow-up record")
        return follow_up

    async def update(
        self, follow_up_id: uuid.UUID, data: dict[str, Any], expected_version: int | None
    ) -> FollowUp:
        follow_up = await self._own(follow_up_id)
        check_version(follow_up.version, expected_version)
        for key, value in data.items():
            setattr(follow_up, key, value)
        await self.session.flush()
        return follow_up

    async def delete(self, follow_up_id: uuid.UUID) -> None:
        follow_up = await self._own(follow_up_id)
        customer_id = follow_up.customer_id
        await self.session.delete(follow_up)
        await self.session.flush()
        await customers_repo.recompute_followed_up(self.session, customer_id)
