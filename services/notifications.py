"""In-app notifications (通知): written in the same transaction as the change they report, so a
rolled-back change never notifies anyone. Delivery to other channels (e-mail, WeCom, webhooks)
goes through the outbox of the public-pool issue."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import notifications as repo
from repositories.models import Notification
from services.outbox import kick_after_commit


def notify(
    session: AsyncSession,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str | None = None,
    entity: str | None = None,
    entity_id: object | None = None,
) -> None:
    session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            title=title[:200],
            body=body,
            entity=entity,
            entity_id=str(entity_id) if entity_id is not None else None,
        )
    )
    kick_after_commit(session)  # the worker sends it on to the message channels right away


class NotificationService:
    def __init__(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        self.session = session
        self.user_id = user_id

    async def page(
        self, unread_only: bool, cursor: str | None, limit: int
    ) -> tuple[list[Notification], str | None]:
        return await repo.for_user(
            self.session, self.user_id, unread_only=unread_only, cursor=cursor, limit=limit
        )

    async def unread(self) -> int:
        return await repo.unread_count(self.session, self.user_id)

    async def mark_read(self, ids: list[uuid.UUID] | None) -> int:
        return await repo.mark_read(self.session, self.user_id, ids, datetime.now(UTC))
