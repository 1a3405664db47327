"""Outbox delivery in SQL: fan-out of events to webhook subscriptions and of notifications to
message channels, leasing due deliveries, and writing attempts back — all set-based.

A leased delivery gets `next_attempt_at = now + lease`: if the worker dies while sending, the
lease runs out and another worker retries it (receivers de-duplicate on the event id).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_FAN_OUT_EVENTS = text(
    """
WITH batch AS (
    SELECT id, type FROM outbox_events
    WHERE dispatched_at IS NULL
    ORDER BY seq
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
),
fanned AS (
    INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, next_attempt_at)
    SELECT gen_random_uuid(), s.id, b.id, b.type, now()
    FROM batch b
    JOIN webhook_subscriptions s
      ON s.is_active AND (b.type = ANY (s.event_types) OR '*' = ANY (s.event_types))
    WHERE b.type <> 'webhook.ping'
    ON CONFLICT DO NOTHING
    RETURNING 1
),
marked AS (
    UPDATE outbox_events e SET dispatched_at = now() FROM batch WHERE e.id = batch.id RETURNING 1
)
SELECT (SELECT count(*) FROM marked) AS events, (SELECT count(*) FROM fanned) AS deliveries
"""
)

_FAN_OUT_NOTIFICATIONS = text(
    """
WITH batch AS (
    SELECT id, user_id, kind FROM notifications
    WHERE dispatched_at IS NULL
    ORDER BY created_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
),
fanned AS (
    INSERT INTO message_deliveries (id, notification_id, channel, user_id, next_attempt_at)
    SELECT gen_random_uuid(), b.id, c.code, b.user_id, now()
    FROM batch b
    JOIN message_channels c ON c.is_enabled AND (cardinality(c.kinds) = 0 OR b.kind = ANY (c.kinds))
    ON CONFLICT DO NOTHING
    RETURNING 1
),
marked AS (
    UPDATE notifications n SET dispatched_at = now() FROM batch WHERE n.id = batch.id RETURNING 1
)
SELECT (SELECT count(*) FROM marked) AS notifications, (SELECT count(*) FROM fanned) AS deliveries
"""
)

# due deliveries, at most :per_endpoint per subscription and none of the busy ones, so one
# slow or failing endpoint never takes the whole batch
_LEASE_WEBHOOKS = text(
    """
WITH candidates AS (
    SELECT id, subscription_id,
           row_number() OVER (PARTITION BY subscription_id ORDER BY next_attempt_at) AS rn
    FROM (
        SELECT id, subscription_id, next_attempt_at FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= now()
          AND subscription_id <> ALL (CAST(:busy AS uuid[]))
        ORDER BY next_attempt_at
        LIMIT :scan
    ) due
),
locked AS (
    SELECT d.id FROM webhook_deliveries d
    JOIN candidates c ON c.id = d.id AND c.rn <= :per_endpoint
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
),
leased AS (
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease)
    FROM locked WHERE d.id = locked.id
    RETURNING d.id, d.subscription_id, d.event_id, d.attempts, d.manual
)
SELECT l.id, l.subscription_id, l.event_id, l.attempts, l.manual,
       e.type, e.data, e.occurred_at, s.url, s.secret
FROM leased l
JOIN outbox_events e ON e.id = l.event_id
JOIN webhook_subscriptions s ON s.id = l.subscription_id
"""
)

_FINISH_WEBHOOKS = text(
    """
UPDATE webhook_deliveries d
SET status = u.status, last_status_code = u.code, last_error = u.error,
    delivered_at = u.delivered_at, next_attempt_at = u.next_at, manual = false
FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:codes AS integer[]),
            CAST(:errors AS text[]), CAST(:delivered AS timestamptz[]), CAST(:next AS timestamptz[]))
     AS u(id, status, code, error, delivered_at, next_at)
WHERE d.id = u.id
"""
)

_LOG_ATTEMPTS = text(
    """
INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms, response_body, manual)
SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:attempts AS integer[]), CAST(:at AS timestamptz[]),
                     CAST(:codes AS integer[]), CAST(:errors AS text[]), CAST(:durations AS integer[]),
                     CAST(:bodies AS text[]), CAST(:manual AS boolean[]))
"""
)

_LEASE_MESSAGES = text(
    """
WITH locked AS (
    SELECT id FROM message_deliveries
    WHERE status = 'pending' AND next_attempt_at <= now()
      AND channel <> ALL (CAST(:busy AS text[]))
    ORDER BY next_attempt_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
),
leased AS (
    UPDATE message_deliveries d
    SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease)
    FROM locked WHERE d.id = locked.id
    RETURNING d.id, d.notification_id, d.channel, d.user_id, d.attempts
)
SELECT l.id, l.channel, l.attempts, n.kind, n.title, n.body, n.entity, n.entity_id,
       u.id AS user_id, u.display_name, u.email, u.mobile, u.wecom_user_id
FROM leased l
JOIN notifications n ON n.id = l.notification_id
JOIN users u ON u.id = l.user_id
"""
)

_FINISH_MESSAGES = text(
    """
UPDATE message_deliveries d
SET status = u.status, last_error = u.error, delivered_at = u.delivered_at, next_attempt_at = u.next_at
FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:errors AS text[]),
            CAST(:delivered AS timestamptz[]), CAST(:next AS timestamptz[]))
     AS u(id, status, error, delivered_at, next_at)
WHERE d.id = u.id
"""
)


async def fan_out(session: AsyncSession, limit: int) -> tuple[int, int]:
    """Dispatch up to `limit` new events and `limit` new notifications; how many of each."""
    events = (await session.execute(_FAN_OUT_EVENTS, {"limit": limit})).one()
    notes = (await session.execute(_FAN_OUT_NOTIFICATIONS, {"limit": limit})).one()
    return int(events.events), int(notes.notifications)


async def lease_webhooks(
    session: AsyncSession, limit: int, per_endpoint: int, busy: Sequence[uuid.UUID], lease_seconds: float
) -> list[Any]:
    rows = await session.execute(
        _LEASE_WEBHOOKS,
        {
            "limit": limit,
            "scan": limit * 8,
            "per_endpoint": per_endpoint,
            "busy": list(busy),
            "lease": lease_seconds,
        },
    )
    return list(rows.all())


async def lease_messages(
    session: AsyncSession, limit: int, busy: Sequence[str], lease_seconds: float
) -> list[Any]:
    rows = await session.execute(
        _LEASE_MESSAGES, {"limit": limit, "busy": list(busy), "lease": lease_seconds}
    )
    return list(rows.all())


@dataclass(slots=True)
class WebhookOutcome:
    delivery_id: uuid.UUID
    attempt: int
    manual: bool
    at: datetime
    status: str  # delivered | pending (retry) | failed
    status_code: int | None
    error: str | None
    duration_ms: int
    response_body: str | None
    next_attempt_at: datetime | None


@dataclass(slots=True)
class MessageOutcome:
    delivery_id: uuid.UUID
    status: str  # delivered | pending | failed | skipped
    error: str | None
    at: datetime
    next_attempt_at: datetime | None


async def finish_webhooks(session: AsyncSession, outcomes: Sequence[WebhookOutcome]) -> None:
    if not outcomes:
        return
    o = outcomes
    await session.execute(
        _FINISH_WEBHOOKS,
        {
            "ids": [x.delivery_id for x in o],
            "statuses": [x.status for x in o],
            "codes": [x.status_code for x in o],
            "errors": [x.error for x in o],
            "delivered": [x.at if x.status == "delivered" else None for x in o],
            "next": [x.next_attempt_at for x in o],
        },
    )
    await session.execute(
        _LOG_ATTEMPTS,
        {
            "ids": [x.delivery_id for x in o],
            "attempts": [x.attempt for x in o],
            "at": [x.at for x in o],
            "codes": [x.status_code for x in o],
            "errors": [x.error for x in o],
            "durations": [x.duration_ms for x in o],
            "bodies": [x.response_body for x in o],
            "manual": [x.manual for x in o],
        },
    )


async def finish_messages(session: AsyncSession, outcomes: Sequence[MessageOutcome]) -> None:
    if not outcomes:
        return
    await session.execute(
        _FINISH_MESSAGES,
        {
            "ids": [x.delivery_id for x in outcomes],
            "statuses": [x.status for x in outcomes],
            "errors": [x.error for x in outcomes],
            "delivered": [x.at if x.status == "delivered" else None for x in outcomes],
            "next": [x.next_attempt_at for x in outcomes],
        },
    )
