"""Customer recycling (回收) in SQL: which owned customers are due (or nearly due), and the
set-based move back to their pools with ownership events, audit rows and outbox events — one
statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.pools import TARGET_POOL_SQL

# when each owned, unlocked customer falls due: its tier's no-follow-up days after the last
# follow-up (or the claim), and — when the no-deal rule is on — M days after the claim
_DUE = """
SELECT c.id, c.owner_id, c.zone_id, c.name,
       CASE WHEN t.no_follow_up_days IS NOT NULL
            THEN coalesce(c.last_followed_up_at, c.claimed_at, c.created_at)
                 + make_interval(days => t.no_follow_up_days) END AS follow_due,
       CASE WHEN CAST(:no_deal_days AS integer) IS NOT NULL
            THEN coalesce(c.claimed_at, c.created_at)
                 + make_interval(days => CAST(:no_deal_days AS integer)) END AS deal_due,
       t.code AS tier, t.no_follow_up_days
FROM customers c
LEFT JOIN customer_tiers t ON t.code = c.tier
WHERE c.owner_id IS NOT NULL AND c.locked_at IS NULL
"""

_RECYCLE = text(
    f"""
WITH due AS (
    SELECT d.*,
           CASE WHEN d.follow_due IS NOT NULL AND d.follow_due <= :now
                THEN 'tier ' || d.tier || ': not followed up within ' || d.no_follow_up_days || ' days'
                ELSE 'no won deal within ' || CAST(:no_deal_days AS integer) || ' days of the claim' END AS rule
    FROM ({_DUE}) d
    WHERE d.follow_due <= :now OR d.deal_due <= :now
),
locked AS (
    SELECT c.id FROM customers c JOIN due ON due.id = c.id
    WHERE c.owner_id = due.owner_id
    FOR UPDATE OF c SKIP LOCKED
),
moved AS (
    UPDATE customers c
    SET owner_id = NULL,
        previous_owner_id = due.owner_id,
        pool_id = {TARGET_POOL_SQL},
        claimed_at = NULL,
        recycle_count = c.recycle_count + 1,
        version = c.version + 1,
        updated_at = :now
    FROM due JOIN locked ON locked.id = due.id
    WHERE c.id = due.id
    RETURNING c.id, due.owner_id, c.pool_id, due.rule
),
events AS (
    INSERT INTO customer_ownership_events (customer_id, kind, from_owner_id, pool_id, rule, at)
    SELECT id, 'recycle', owner_id, pool_id, rule, :now FROM moved
),
audited AS (
    INSERT INTO audit_log (at, actor_id, actor_kind, entity, entity_id, action, changes, root_entity_id, request_id)
    SELECT :now, NULL, 'system', 'customer', id::text, 'recycle',
           jsonb_build_object('owner_id', jsonb_build_array(owner_id::text, NULL), 'rule', jsonb_build_array(NULL, rule)),
           id::text, :run
    FROM moved
),
announced AS (
    INSERT INTO outbox_events (id, type, entity, entity_id, data, occurred_at)
    SELECT gen_random_uuid(), 'customer.recycled', 'customer', id::text,
           jsonb_build_object('customer_id', id, 'previous_owner_id', owner_id, 'pool_id', pool_id, 'rule', rule),
           :now
    FROM moved
)
SELECT owner_id, count(*) AS n FROM moved GROUP BY owner_id
"""
)

_PREVIEW = text(
    f"""
SELECT d.id, d.owner_id, d.name, least(d.follow_due, d.deal_due) AS due_at,
       CASE WHEN d.follow_due IS NOT NULL AND d.follow_due <= :now
            THEN 'tier ' || d.tier || ': not followed up within ' || d.no_follow_up_days || ' days'
            ELSE 'no won deal within ' || CAST(:no_deal_days AS integer) || ' days of the claim' END AS rule
FROM ({_DUE}) d
WHERE d.follow_due <= :now OR d.deal_due <= :now
ORDER BY due_at, d.id
LIMIT :limit
"""
)

# reminders: customers falling due within the notice period, once per customer and due date
_REMIND = text(
    f"""
WITH soon AS (
    SELECT d.id, d.owner_id, least(d.follow_due, d.deal_due) AS due_at
    FROM ({_DUE}) d
    WHERE least(d.follow_due, d.deal_due) > :now
      AND least(d.follow_due, d.deal_due) <= :now + make_interval(days => :notice_days)
),
fresh AS (
    INSERT INTO recycle_reminders (customer_id, owner_id, due_on)
    SELECT id, owner_id, CAST(timezone('Asia/Shanghai', due_at) AS date) FROM soon
    ON CONFLICT DO NOTHING
    RETURNING customer_id, owner_id, due_on
),
announced AS (
    INSERT INTO outbox_events (id, type, entity, entity_id, data, occurred_at)
    SELECT gen_random_uuid(), 'customer.recycle_reminder', 'customer', fresh.customer_id::text,
           jsonb_build_object('customer_id', fresh.customer_id, 'owner_id', fresh.owner_id,
                              'due_at', soon.due_at),
           :now
    FROM fresh JOIN soon ON soon.id = fresh.customer_id
)
SELECT owner_id, count(*) AS n FROM fresh GROUP BY owner_id
"""
)


async def recycle(
    session: AsyncSession, now: datetime, no_deal_days: int | None, run_id: str
) -> list[tuple[Any, int]]:
    """Move every due customer back to its pool; (previous owner, how many) per owner.
    Rows another run holds are skipped (SKIP LOCKED) and a moved customer is no longer due, so
    repeating or resuming a run ends in the same state."""
    rows = await session.execute(_RECYCLE, {"now": now, "no_deal_days": no_deal_days, "run": run_id})
    return [(r.owner_id, int(r.n)) for r in rows]


async def preview(session: AsyncSession, now: datetime, no_deal_days: int | None, limit: int) -> list[Any]:
    rows = await session.execute(_PREVIEW, {"now": now, "no_deal_days": no_deal_days, "limit": limit})
    return list(rows.all())


async def remind(
    session: AsyncSession, now: datetime, no_deal_days: int | None, notice_days: int
) -> list[tuple[Any, int]]:
    """Record a reminder for each customer newly within the notice period; (owner, how many
    new) — a reminder already recorded for that customer and due date is not repeated."""
    rows = await session.execute(
        _REMIND, {"now": now, "no_deal_days": no_deal_days, "notice_days": notice_days}
    )
    return [(r.owner_id, int(r.n)) for r in rows]
