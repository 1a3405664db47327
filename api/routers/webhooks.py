"""Outbound webhooks for integrations and the notification channels (e-mail, SMS, WeCom, log).

Every delivery is a POST of `{"id", "type", "occurred_at", "data"}` signed with the
subscription's secret: `X-CRM-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<body>")>`.
Receivers de-duplicate on `id` (`X-CRM-Event-Id`): after a crash a delivery may repeat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, Response, status
from pydantic import Field

from api.deps import Authorize, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output, Page
from domain.events import EVENT_TYPES, SUBSCRIBABLE
from domain.webhooks import MAX_ATTEMPTS
from repositories import webhooks as repo
from repositories.pagination import MAX_LIMIT
from services.channels import CHANNELS, masked
from services.context import Actor
from services.webhooks import ChannelSettingsService, WebhookService

router = ResourceRouter(tags=["webhooks"])

DeliveryStatus = Literal["pending", "delivered", "failed"]


class EventTypeOut(Output):
    type: str
    description: str


class WebhookIn(Input):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=8, max_length=2000, description="http(s) endpoint receiving POSTs")
    event_types: list[str] = Field(min_length=1, max_length=50, description="types, or ['*'] for all")
    description: str | None = Field(None, max_length=1000)
    is_active: bool = True


class WebhookUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=8, max_length=2000)
    event_types: list[str] | None = Field(None, min_length=1, max_length=50)
    description: str | None = Field(None, max_length=1000)
    is_active: bool | None = None


class WebhookOut(Output):
    id: UUID
    name: str
    url: str
    event_types: list[str]
    description: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int
    pending: int = Field(0, description="deliveries waiting to be (re)tried")
    failed: int = Field(0, description="deliveries that gave up after every retry")
    delivered_24h: int = Field(0, description="delivered in the last 24 hours")
    last_delivered_at: datetime | None = None


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="shown once, on creation and rotation: verify signatures with it")


class DeliveryOut(Output):
    id: UUID
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempts: int = Field(description=f"attempts in the current round (at most {MAX_ATTEMPTS})")
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class AttemptOut(Output):
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    response_body: str | None
    manual: bool


class DeliveryDetail(DeliveryOut):
    payload: dict[str, Any] = Field(description="the event as sent: {id, type, occurred_at, data}")
    attempt_log: list[AttemptOut]


class ChannelOut(Output):
    code: Literal["log", "email", "sms", "wecom"]
    is_enabled: bool
    kinds: list[str] = Field(description="notification kinds it carries; empty: all")
    config: dict[str, Any] = Field(description="settings; secrets show as ******** when set")
    fields: dict[str, str] = Field(description="the settings this channel takes")


class ChannelIn(Input):
    is_enabled: bool | None = None
    kinds: list[str] | None = Field(None, max_length=50)
    config: dict[str, str | int | bool | None] | None = Field(
        None, description="changed settings; a secret sent as ******** keeps its value, null removes"
    )


class MessageDeliveryOut(Output):
    id: UUID
    channel: str
    status: Literal["pending", "delivered", "failed", "skipped"]
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    user_id: UUID
    user_name: str
    kind: str
    title: str


def _webhook(subscription: Any, health: dict[str, Any] | None) -> dict[str, Any]:
    h = health or {}
    return {
        **{k: getattr(subscription, k) for k in WebhookOut.model_fields if hasattr(subscription, k)},
        "pending": h.get("pending", 0),
        "failed": h.get("failed", 0),
        "delivered_24h": h.get("delivered_recent", 0),
        "last_delivered_at": h.get("last_delivered_at"),
    }


def _channel(channel: Any) -> dict[str, Any]:
    return {
        "code": channel.code,
        "is_enabled": channel.is_enabled,
        "kinds": channel.kinds,
        "config": masked(channel.config),
        "fields": CHANNELS[channel.code].fields,
    }


@router.get(
    "/webhooks/event-types", operation_id="list_webhook_event_types", response_model=Items[EventTypeOut]
)
async def event_types(_: Annotated[Actor, Depends(Authorize("webhook", "read"))]) -> dict[str, Any]:
    return {"items": [{"type": t, "description": EVENT_TYPES[t]} for t in SUBSCRIBABLE]}


@router.get("/webhooks", operation_id="list_webhooks", response_model=Items[WebhookOut])
async def list_webhooks(
    session: Session, actor: Annotated[Actor, Depends(Authorize("webhook", "read"))]
) -> dict[str, Any]:
    subscriptions = await repo.subscriptions(session)
    health = await WebhookService(session, actor).health(subscriptions)
    return {"items": [_webhook(s, health.get(s.id)) for s in subscriptions]}


@router.post(
    "/webhooks",
    operation_id="create_webhook",
    response_model=WebhookWithSecret,
    status_code=status.HTTP_201_CREATED,
)
async def create_webhook(
    body: WebhookIn, session: Session, actor: Annotated[Actor, Depends(Authorize("webhook", "manage"))]
) -> dict[str, Any]:
    subscription = await WebhookService(session, actor).create(body.model_dump())
    return {**_webhook(subscription, None), "secret": subscription.secret}


@router.get("/webhooks/{webhook_id}", operation_id="get_webhook", response_model=WebhookOut)
async def get_webhook(
    webhook_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("webhook", "read"))],
    response: Response,
) -> dict[str, Any]:
    service = WebhookService(session, actor)
    subscription = await service.get(webhook_id)
    response.headers["ETag"] = etag(subscription.version)
    return _webhook(subscription, (await service.health([subscription])).get(subscription.id))


@router.patch("/webhooks/{webhook_id}", operation_id="update_webhook", response_model=WebhookOut)
async def update_webhook(
    webhook_id: UUID,
    body: WebhookUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("webhook", "manage"))],
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    for required in ("name", "url", "event_types", "is_active"):
        if required in changes and changes[required] is None:
            changes.pop(required)
    service = WebhookService(session, actor)
    subscription = await service.update(webhook_id, changes, expected)
    response.headers["ETag"] = etag(subscription.version)
    return _webhook(subscription, (await service.health([subscription])).get(subscription.id))


@router.delete(
    "/webhooks/{webhook_id}", operation_id="delete_webhook", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_webhook(
    webhook_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("webhook", "manage"))],
    expected: IfMatch,
) -> None:
    """Removes the subscription and its delivery log; pending deliveries are dropped."""
    await WebhookService(session, actor).delete(webhook_id, expected)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    operation_id="rotate_webhook_secret",
    response_model=WebhookWithSecret,
)
async def rotate_secret(
    webhook_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("webhook", "manage"))]
) -> dict[str, Any]:
    """A new secret, effective for the next delivery (the old one stops working at once)."""
    subscription = await WebhookService(session, actor).rotate_secret(webhook_id)
    return {**_webhook(subscription, None), "secret": subscription.secret}


@router.post(
    "/webhooks/{webhook_id}/test",
    operation_id="test_webhook",
    response_model=DeliveryOut,
    status_code=status.HTTP_202_ACCEPTED,
)
async def test_webhook(
    webhook_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("webhook", "manage"))]
) -> Any:
    """Queue a `webhook.ping` to this endpoint; follow it in the delivery log."""
    service = WebhookService(session, actor)
    delivery_id = await service.ping(webhook_id)
    return await service.delivery(webhook_id, delivery_id)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    operation_id="list_webhook_deliveries",
    response_model=Page[DeliveryOut],
)
async def list_deliveries(
    webhook_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("webhook", "read"))],
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    event_type: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> dict[str, Any]:
    """The delivery log, newest first."""
    await WebhookService(session, actor).get(webhook_id)
    rows, next_cursor = await repo.deliveries(
        session, webhook_id, status=status_, event_type=event_type, cursor=cursor, limit=limit
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    operation_id="get_webhook_delivery",
    response_model=DeliveryDetail,
)
async def get_delivery(
    webhook_id: UUID,
    delivery_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("webhook", "read"))],
) -> dict[str, Any]:
    delivery = await WebhookService(session, actor).delivery(webhook_id, delivery_id)
    return await _detail(session, delivery)


async def _detail(session: Any, delivery: Any) -> dict[str, Any]:
    event = await repo.event(session, delivery.event_id)
    assert event is not None
    return {
        **DeliveryOut.model_validate(delivery).model_dump(),
        "payload": {
            "id": str(event.id),
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.data,
        },
        "attempt_log": await repo.attempts(session, delivery.id),
    }


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    operation_id="redeliver_webhook",
    response_model=DeliveryDetail,
    status_code=status.HTTP_202_ACCEPTED,
)
async def redeliver(
    webhook_id: UUID,
    delivery_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("webhook", "manage"))],
) -> dict[str, Any]:
    """Send this delivery again now (delivered or failed alike), with a fresh round of retries;
    the same event id goes out, so the receiver can tell it is a repeat."""
    delivery = await WebhookService(session, actor).redeliver(webhook_id, delivery_id)
    return await _detail(session, delivery)


@router.get(
    "/settings/message-channels", operation_id="list_message_channels", response_model=Items[ChannelOut]
)
async def list_channels(
    session: Session, _: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> dict[str, Any]:
    return {"items": [_channel(c) for c in await repo.channels(session)]}


@router.put(
    "/settings/message-channels/{code}", operation_id="update_message_channel", response_model=ChannelOut
)
async def update_channel(
    code: Literal["log", "email", "sms", "wecom"],
    body: ChannelIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("setting", "update"))],
) -> dict[str, Any]:
    """Turn a channel on or off, choose the notification kinds it carries, set its settings."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("is_enabled") is None:
        changes.pop("is_enabled", None)
    if changes.get("kinds") is None:
        changes.pop("kinds", None)
    return _channel(await ChannelSettingsService(session, actor).update(code, changes))


@router.post(
    "/settings/message-channels/{code}/test",
    operation_id="test_message_channel",
    status_code=status.HTTP_202_ACCEPTED,
)
async def test_channel(
    code: Literal["log", "email", "sms", "wecom"],
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("setting", "update"))],
) -> dict[str, str]:
    """Send a test message to yourself through this channel; see the result in the message log."""
    await ChannelSettingsService(session, actor).test(code)
    return {"status": "queued"}


@router.get(
    "/message-deliveries", operation_id="list_message_deliveries", response_model=Page[MessageDeliveryOut]
)
async def message_log(
    session: Session,
    _: Annotated[Actor, Depends(Authorize("setting", "read"))],
    channel: Literal["log", "email", "sms", "wecom"] | None = None,
    status_: Annotated[
        Literal["pending", "delivered", "failed", "skipped"] | None, Query(alias="status")
    ] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> dict[str, Any]:
    """Notifications sent through the outbound channels, newest first."""
    rows, next_cursor = await repo.message_log(
        session, channel=channel, status=status_, cursor=cursor, limit=limit
    )
    return {"items": [{**r._mapping, "user_name": r.display_name} for r in rows], "next_cursor": next_cursor}
