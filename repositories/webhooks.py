"""Webhook subscriptions, their delivery log, message channels and their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import (
    MessageChannel,
    MessageDelivery,
    Notification,
    OutboxEvent,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from repositories.pagination import keyset, page


async def subscriptions(session: AsyncSession) -> list[WebhookSubscription]:
    return list((await session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.name))).all())


async def subscription(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription | None:
    return await session.get(WebhookSubscription, subscription_id)


async def health(
    session: AsyncSession, ids: list[uuid.UUID], since: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """Per subscription: deliveries pending and failed, and delivered/failed since `since`."""
    if not ids:
        return {}
    d = WebhookDelivery
    stmt = (
        select(
            d.subscription_id,
            func.count().filter(d.status == "pending").label("pending"),
            func.count().filter(d.status == "failed").label("failed"),
            func.count().filter(d.status == "delivered", d.delivered_at >= since).label("delivered_recent"),
            func.max(d.delivered_at).label("last_delivered_at"),
        )
        .where(d.subscription_id.in_(ids))
        .group_by(d.subscription_id)
    )
    return {r.subscription_id: dict(r._mapping) for r in await session.execute(stmt)}


async def deliveries(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    *,
    status: str | None,
    event_type: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[WebhookDelivery], str | None]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    if event_type:
        stmt = stmt.where(WebhookDelivery.event_type == event_type)
    stmt = keyset(stmt, WebhookDelivery.created_at, WebhookDelivery.id, True, cursor, limit)
    rows = list((await session.scalars(stmt)).all())
    return page(rows, limit, lambda r: r.created_at, lambda r: r.id)


async def delivery(session: AsyncSession, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    return await session.get(WebhookDelivery, delivery_id)


async def event(session: AsyncSession, event_id: uuid.UUID) -> OutboxEvent | None:
    return await session.get(OutboxEvent, event_id)


async def attempts(session: AsyncSession, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.id)
    return list((await session.scalars(stmt)).all())


async def redeliver(session: AsyncSession, delivery_id: uuid.UUID, now: datetime) -> None:
    """Send again now, with a fresh round of retries (the log keeps the earlier attempts)."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status="pending", attempts=0, next_attempt_at=now, manual=True)
        .execution_options(synchronize_session=False)
    )


async def add_delivery(session: AsyncSession, subscription_id: uuid.UUID, event: OutboxEvent) -> uuid.UUID:
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        subscription_id=subscription_id,
        event_id=event.id,
        event_type=event.type,
        manual=True,
    )
    session.add(delivery)
    await session.flush()
    return delivery.id


async def channels(session: AsyncSession) -> list[MessageChannel]:
    return list((await session.scalars(select(MessageChannel).order_by(MessageChannel.code))).all())


async def channel(session: AsyncSession, code: str) -> MessageChannel | None:
    return await session.get(MessageChannel, code)


async def message_log(
    session: AsyncSession,
    *,
    channel: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """Message deliveries with their notification's title and the user's name."""
    d = MessageDelivery
    stmt: Select[Any] = (
        select(  # type: ignore[assignment]
            d.id,
            d.channel,
            d.status,
            d.attempts,
            d.last_error,
            d.delivered_at,
            d.created_at,
            d.user_id,
            User.display_name,
            Notification.kind,
            Notification.title,
        )
        .join(Notification, Notification.id == d.notification_id)
        .join(User, User.id == d.user_id)
    )
    if channel:
        stmt = stmt.where(d.channel == channel)
    if status:
        stmt = stmt.where(d.status == status)
    stmt = keyset(stmt, d.created_at, d.id, True, cursor, limit)
    rows = list((await session.execute(stmt)).all())
    return page(rows, limit, lambda r: r.created_at, lambda r: r.id)
