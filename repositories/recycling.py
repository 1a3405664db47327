"""Customer recycling (回收) in SQL: which owned customers are due (or nearly due), and the
set-based move back to their pools with ownership events, audit rows and outbox events — one
statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.pools import TARGET_POOL_SQL
from repositories.protections import SUMMARY_COLUMNS

# when each owned, unlocked, unprotected customer falls due, and by which rule:
# - its tier's no-follow-up days after the last follow-up (or the claim);
# - the no-deal days (the tier's, else the rule's) after the claim, unless a contract started
#   since (a won deal);
# - the contract-ended days (the tier's, else the rule's) after its last contract ended.
# Customers with an active protection of an exempt kind (effective contract, late-stage
# opportunity) are left out. `due_at` is the earliest; `rule` names it.
_DUE = f"""
SELECT x.*,
       least(x.follow_due, x.deal_due, x.contract_due) AS due_at,
       CASE least(x.follow_due, x.deal_due, x.contract_due)
            WHEN x.follow_due THEN 'tier ' || x.tier || ': not followed up within ' || x.follow_days || ' days'
            WHEN x.deal_due THEN 'no won deal within ' || x.deal_days || ' days of the claim'
            ELSE 'contract ended ' || x.ended_days || ' days ago' END AS rule
FROM (
    SELECT c.id, c.owner_id, c.zone_id, c.name, t.code AS tier,
           t.no_follow_up_days AS follow_days,
           coalesce(t.no_deal_days, CAST(:no_deal_days AS integer)) AS deal_days,
           coalesce(t.contract_ended_days, CAST(:contract_ended_days AS integer)) AS ended_days,
           coalesce(c.last_followed_up_at, c.claimed_at, c.created_at)
               + make_interval(days => t.no_follow_up_days) AS follow_due,
           CASE WHEN p.last_deal_at IS NULL OR p.last_deal_at < coalesce(c.claimed_at, c.created_at)
                THEN coalesce(c.claimed_at, c.created_at)
                     + make_interval(days => coalesce(t.no_deal_days, CAST(:no_deal_days AS integer))) END
               AS deal_due,
           p.contract_ended_at
               + make_interval(days => coalesce(t.contract_ended_days, CAST(:contract_ended_days AS integer)))
               AS contract_due
    FROM customers c
    LEFT JOIN customer_tiers t ON t.code = c.tier
    LEFT JOIN (SELECT {SUMMARY_COLUMNS} FROM customer_protections GROUP BY customer_id) p
           ON p.customer_id = c.id
    WHERE c.owner_id IS NOT NULL AND c.locked_at IS NULL AND p.exempt IS NOT TRUE
) x
"""

_RECYCLE = text(
    f"""
WITH due AS (
    SELECT d.* FROM ({_DUE}) d WHERE d.due_at <= :now
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
SELECT d.id, d.owner_id, d.name, d.due_at, d.rule
FROM ({_DUE}) d
WHERE d.due_at <= :now
ORDER BY d.due_at, d.id
LIMIT :limit
"""
)

# reminders: customers falling due within the notice period, once per customer and due date
_REMIND = text(
    f"""
WITH soon AS (
    SELECT d.id, d.owner_id, d.due_at
    FROM ({_DUE}) d
    WHERE d.due_at > :now AND d.due_at <= :now + make_interval(days => :notice_days)
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


@dataclass(frozen=True, slots=True)
class Rules:
    """The recycle rules' global values (tiers may override the day counts)."""

    no_deal_days: int | None
    contract_ended_days: int | None
    exempt: tuple[str, ...]  # protection kinds that exempt: contract, opportunity

    def params(self, now: datetime) -> dict[str, Any]:
        return {
            "now": now,
            "no_deal_days": self.no_deal_days,
            "contract_ended_days": self.contract_ended_days,
            "exempt": list(self.exempt),
        }


async def recycle(session: AsyncSession, now: datetime, rules: Rules, run_id: str) -> list[tuple[Any, int]]:
    """Move every due customer back to its pool; (previous owner, how many) per owner.
    Rows another run holds are skipped (SKIP LOCKED) and a moved customer is no longer due, so
    repeating or resuming a run ends in the same state."""
    rows = await session.execute(_RECYCLE, {**rules.params(now), "run": run_id})
    return [(r.owner_id, int(r.n)) for r in rows]


async def preview(session: AsyncSession, now: datetime, rules: Rules, limit: int) -> list[Any]:
    rows = await session.execute(_PREVIEW, {**rules.params(now), "limit": limit})
    return list(rows.all())


async def remind(
    session: AsyncSession, now: datetime, rules: Rules, notice_days: int
) -> list[tuple[Any, int]]:
    """Record a reminder for each customer newly within the notice period; (owner, how many
    new) — a reminder already recorded for that customer and due date is not repeated."""
    rows = await session.execute(_REMIND, {**rules.params(now), "notice_days": notice_days})
    return [(r.owner_id, int(r.n)) for r in rows]
