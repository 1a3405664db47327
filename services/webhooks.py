"""Webhook subscriptions and message-channel settings (admins), the delivery logs, manual
re-delivery and test sends. Delivery itself is the worker's (services/deliveries.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound, check_version
from domain.events import SUBSCRIBABLE
from domain.webhooks import new_secret
from repositories import audit
from repositories import webhooks as repo
from repositories.models import (
    MessageChannel,
    MessageDelivery,
    Notification,
    OutboxEvent,
    WebhookSubscription,
)
from services.channels import CHANNELS, merged
from services.context import Actor
from services.outbox import kick_after_commit


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FieldError("url", "must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise FieldError("url", "must not carry credentials; the signature authenticates us")
    return url


def _check_types(types: list[str]) -> list[str]:
    for i, t in enumerate(types):
        if t != "*" and t not in SUBSCRIBABLE:
            raise FieldError(f"event_types.{i}", f"unknown event type {t!r}")
    return sorted(set(types))


class WebhookService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def get(self, subscription_id: uuid.UUID) -> WebhookSubscription:
        found = await repo.subscription(self.session, subscription_id)
        if found is None:
            raise NotFound("webhook", subscription_id)
        return found

    async def create(self, data: dict[str, Any]) -> WebhookSubscription:
        subscription = WebhookSubscription(
            id=uuid.uuid4(),
            name=data["name"],
            url=_check_url(data["url"]),
            event_types=_check_types(data["event_types"]),
            description=data.get("description"),
            is_active=data.get("is_active", True),
            secret=new_secret(),
            created_by=self.actor.user_id,
        )
        self.session.add(subscription)
        await self.session.flush()
        return subscription

    async def update(
        self, subscription_id: uuid.UUID, changes: dict[str, Any], expected: int | None
    ) -> WebhookSubscription:
        subscription = await self.get(subscription_id)
        check_version(subscription.version, expected)
        if "url" in changes:
            changes["url"] = _check_url(changes["url"])
        if "event_types" in changes:
            changes["event_types"] = _check_types(changes["event_types"])
        for key, value in changes.items():
            setattr(subscription, key, value)
        await self.session.flush()
        return subscription

    async def delete(self, subscription_id: uuid.UUID, expected: int | None) -> None:
        subscription = await self.get(subscription_id)
        check_version(subscription.version, expected)
        await self.session.delete(subscription)
        await self.session.flush()

    async def rotate_secret(self, subscription_id: uuid.UUID) -> WebhookSubscription:
        subscription = await self.get(subscription_id)
        subscription.secret = new_secret()
        await self.session.flush()
        return subscription

    async def ping(self, subscription_id: uuid.UUID) -> uuid.UUID:
        """Send a `webhook.ping` event to this endpoint only; the delivery's id."""
        subscription = await self.get(subscription_id)
        now = datetime.now(UTC)
        event = OutboxEvent(
            id=uuid.uuid4(),
            type="webhook.ping",
            entity="webhook",
            entity_id=str(subscription.id),
            data={
                "webhook_id": str(subscription.id),
                "name": subscription.name,
                "sent_by": str(self.actor.user_id),
            },
            actor_id=self.actor.user_id,
            dispatched_at=now,
        )
        self.session.add(event)
        await self.session.flush()
        delivery_id = await repo.add_delivery(self.session, subscription.id, event)
        kick_after_commit(self.session)
        return delivery_id

    async def delivery(self, subscription_id: uuid.UUID, delivery_id: uuid.UUID) -> Any:
        await self.get(subscription_id)
        found = await repo.delivery(self.session, delivery_id)
        if found is None or found.subscription_id != subscription_id:
            raise NotFound("webhook delivery", delivery_id)
        return found

    async def redeliver(self, subscription_id: uuid.UUID, delivery_id: uuid.UUID) -> Any:
        found = await self.delivery(subscription_id, delivery_id)
        await repo.redeliver(self.session, found.id, datetime.now(UTC))
        audit.record(
            self.session, "webhook", subscription_id, "redeliver", {"delivery_id": [None, str(found.id)]}
        )
        kick_after_commit(self.session)
        await self.session.refresh(found)
        return found

    async def health(self, subscriptions: list[WebhookSubscription]) -> dict[uuid.UUID, dict[str, Any]]:
        since = datetime.now(UTC) - timedelta(hours=24)
        return await repo.health(self.session, [s.id for s in subscriptions], since)


class ChannelSettingsService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def get(self, code: str) -> MessageChannel:
        found = await repo.channel(self.session, code)
        if found is None:
            raise NotFound("message channel", code)
        return found

    async def update(self, code: str, changes: dict[str, Any]) -> MessageChannel:
        found = await self.get(code)
        if "config" in changes:
            allowed = CHANNELS[code].fields
            for key in changes["config"]:
                if key not in allowed:
                    raise FieldError(f"config.{key}", f"not a setting of the {code} channel")
            found.config = merged(found.config, changes["config"])
        if "kinds" in changes:
            found.kinds = sorted(set(changes["kinds"]))
        if "is_enabled" in changes:
            found.is_enabled = changes["is_enabled"]
        await self.session.flush()
        return found

    async def test(self, code: str) -> None:
        """A test notice to the caller through this channel only (even if it is off)."""
        channel = await self.get(code)
        note = Notification(
            id=uuid.uuid4(),
            user_id=self.actor.user_id,
            kind="channel_test",
            title=f"测试消息 / Test message ({code})",
            body="如果你收到这条消息，该渠道配置正确 / If you got this, the channel works.",
            dispatched_at=datetime.now(UTC),
        )
        self.session.add(note)
        await self.session.flush()

        self.session.add(
            MessageDelivery(notification_id=note.id, channel=channel.code, user_id=self.actor.user_id)
        )
        await self.session.flush()
        kick_after_commit(self.session)
