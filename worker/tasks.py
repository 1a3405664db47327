"""Job functions. Each task is thin: it opens its own unit of work, calls repositories or
services, and returns a small summary (kept by arq as the job result).

`ctx` is arq's per-worker dict, filled by `startup` (worker/settings.py): `settings`,
`engine`, `sessions`, `access` (the permission snapshot, for jobs that act for a user), and
arq's own `redis`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from repositories import idempotency, identity, pipeline_funnel
from repositories import lead_imports as imports_repo
from repositories.db import unit_of_work
from services.approvals import sweep_deadlines
from services.authz import AccessControl
from services.context import Actor
from services.customer_recycling import CustomerRecyclingService
from services.deliveries import KICK_BUCKET_SECONDS, OutboxDrain, next_bucket_wait
from services.lead_import import run_import, stalled
from services.lead_recycling import LeadRecyclingService

log = logging.getLogger("worker.tasks")

# Idempotency keys answer retries for 24 h (Stripe semantics); refresh tokens are kept one
# day past their expiry so a late, rotated token still reads as "expired", not "unknown".
IDEMPOTENCY_TTL = timedelta(hours=24)
REFRESH_TOKEN_GRACE = timedelta(days=1)
IMPORT_FILE_TTL = timedelta(days=7)  # uploaded files are kept a week (error reports show rows)


async def purge_expired(ctx: dict[str, Any]) -> dict[str, int]:
    """Hourly housekeeping: idempotency keys older than 24 h, refresh tokens expired > 1 day."""
    now = datetime.now(UTC)
    async with unit_of_work(ctx["sessions"]) as session:
        keys = await idempotency.purge_older_than(session, now - IDEMPOTENCY_TTL)
        tokens = await identity.purge_expired_refresh_tokens(session, now - REFRESH_TOKEN_GRACE)
        files = await imports_repo.purge_content(session, now - IMPORT_FILE_TTL)
    log.info("purge_expired: %d idempotency keys, %d refresh tokens, %d import files", keys, tokens, files)
    return {"idempotency_keys": keys, "refresh_tokens": tokens, "import_files": files}


async def compact_funnel(ctx: dict[str, Any]) -> dict[str, int]:
    """Every minute: the funnel's appended totals folded into one row per group, so the
    pipeline board sums as few rows as there are groups."""
    async with unit_of_work(ctx["sessions"]) as session:
        removed, written = await pipeline_funnel.compact(session)
    if removed:
        log.info("compact_funnel: %d rows folded into %d", removed, written)
    return {"removed": removed, "written": written}


async def recycle_leads(ctx: dict[str, Any]) -> dict[str, int]:
    """Every 15 minutes: owned leads not contacted within their grade's hours go back to the
    zone's queue (idempotent: an interrupted run is finished by the next one)."""
    async with unit_of_work(ctx["sessions"]) as session:
        result = await LeadRecyclingService(session).run(datetime.now(UTC))
    log.info("recycle_leads: %d leads back in their queues", result.count)
    return {"recycled": result.count}


def _actor_for(access: AccessControl) -> Any:
    def actor_for(user_id: uuid.UUID) -> Actor | None:
        principal = access.user_principal(user_id)
        if principal is None or not access.allowed(principal, "lead", "import"):
            return None
        return Actor(principal, access.scope(principal, "lead", "import"), access)

    return actor_for


async def import_leads(ctx: dict[str, Any], import_id: str) -> str:
    """Run (or resume) a bulk lead import; see services/lead_import.py."""
    access: AccessControl = ctx["access"]
    await access.ensure_fresh()
    outcome = await run_import(ctx["sessions"], uuid.UUID(import_id), _actor_for(access))
    log.info("import_leads %s: %s", import_id, outcome)
    return outcome


async def sweep_imports(ctx: dict[str, Any]) -> int:
    """Every 2 minutes: imports accepted but not progressing (their job was lost, or a worker
    died mid-file) are queued again; the run resumes at the import's checkpoint."""
    async with unit_of_work(ctx["sessions"]) as session:
        ids = await stalled(session, datetime.now(UTC))
    for import_id in ids:
        await ctx["redis"].enqueue_job(
            "import_leads", str(import_id), _job_id=f"lead-import:{import_id}:{int(time.time())}"
        )
    if ids:
        log.warning("sweep_imports: re-queued %d stalled imports", len(ids))
    return len(ids)


async def recycle_customers(ctx: dict[str, Any]) -> dict[str, int]:
    """Nightly (CRM_RECYCLE_AT, China time): customers past their tier's follow-up days or the
    no-deal days go back to their pools; owners of customers due soon are reminded once."""
    async with unit_of_work(ctx["sessions"]) as session:
        result = await CustomerRecyclingService(session).run()
    log.info("recycle_customers: %d recycled, %d reminders", result.count, result.reminded)
    return {"recycled": result.count, "reminded": result.reminded}


async def drain_outbox(ctx: dict[str, Any]) -> dict[str, Any]:
    """Deliver what the outbox holds: webhooks and channel messages (kicked after each commit
    that wrote events or notifications, and every 30 s by cron as the sweep).

    Kicks share a job id per half-second bucket, so a kick made while this job waited in the
    queue was refused; such a kick came from a commit before the bucket ended. Draining once
    more after the bucket's end picks those rows up."""
    settings = ctx["settings"]
    drain = OutboxDrain(
        ctx["sessions"],
        ctx["http"],
        concurrency=settings.outbox_concurrency,
        per_endpoint=settings.outbox_per_endpoint,
    )
    stats = await drain.run(budget=50.0)
    enqueued = ctx.get("enqueue_time")
    if enqueued is not None:
        await asyncio.sleep(next_bucket_wait(enqueued.timestamp(), time.time(), KICK_BUCKET_SECONDS))
        stats = await drain.run(budget=10.0)
    summary = drain.stats.summary()
    if stats.events or stats.notifications or stats.webhooks or stats.messages:
        log.info("drain_outbox: %s", summary)
    return summary


async def approval_deadlines(ctx: dict[str, Any]) -> dict[str, int]:
    """Every 5 minutes: approval steps past their time limit escalate to the approvers'
    managers (where the step says so) or remind the approvers; see services/approvals.py."""
    access: AccessControl = ctx["access"]
    await access.ensure_fresh()
    async with unit_of_work(ctx["sessions"]) as session:
        result = await sweep_deadlines(session, access, now=datetime.now(UTC))
    if result["reminded"] or result["escalated"]:
        log.info("approval_deadlines: %s", result)
    return result
