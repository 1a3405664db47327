"""Job functions. Each task is thin: it opens its own unit of work, calls repositories or
services, and returns a small summary (kept by arq as the job result).

`ctx` is arq's per-worker dict, filled by `startup` (worker/settings.py): `settings`,
`engine`, `sessions`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from repositories import idempotency, identity
from repositories.db import unit_of_work
from services.lead_recycling import LeadRecyclingService

log = logging.getLogger("worker.tasks")

# Idempotency keys answer retries for 24 h (Stripe semantics); refresh tokens are kept one
# day past their expiry so a late, rotated token still reads as "expired", not "unknown".
IDEMPOTENCY_TTL = timedelta(hours=24)
REFRESH_TOKEN_GRACE = timedelta(days=1)


async def purge_expired(ctx: dict[str, Any]) -> dict[str, int]:
    """Hourly housekeeping: idempotency keys older than 24 h, refresh tokens expired > 1 day."""
    now = datetime.now(UTC)
    async with unit_of_work(ctx["sessions"]) as session:
        keys = await idempotency.purge_older_than(session, now - IDEMPOTENCY_TTL)
        tokens = await identity.purge_expired_refresh_tokens(session, now - REFRESH_TOKEN_GRACE)
    log.info("purge_expired: %d idempotency keys, %d refresh tokens", keys, tokens)
    return {"idempotency_keys": keys, "refresh_tokens": tokens}


async def recycle_leads(ctx: dict[str, Any]) -> dict[str, int]:
    """Every 15 minutes: owned leads not contacted within their grade's hours go back to the
    zone's queue (idempotent: an interrupted run is finished by the next one)."""
    async with unit_of_work(ctx["sessions"]) as session:
        result = await LeadRecyclingService(session).run(datetime.now(UTC))
    log.info("recycle_leads: %d leads back in their queues", result.count)
    return {"recycled": result.count}
