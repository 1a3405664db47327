"""Process-wide resources, built once in the app's lifespan (and by the worker)."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config import Settings
from repositories import audit
from repositories.db import make_engine, make_sessionmaker, unit_of_work
from repositories.models import AppSetting
from services.auth import LoginGuard, TokenCodec
from services.authz import AccessControl
from services.deliveries import KICK_BUCKET_SECONDS, kick_outbox
from services.outbox import OUTBOX_KICK
from services.rate_limit import RateLimiter

log = logging.getLogger("api.context")


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # GET requests: autocommit sessions (no BEGIN/COMMIT round trips), on a read replica when
    # CRM_READ_DATABASE_URL is set
    read_sessions: async_sessionmaker[AsyncSession]
    read_engine: AsyncEngine
    redis: Redis
    access: AccessControl
    codec: TokenCodec
    guard: LoginGuard
    limiter: RateLimiter
    kicked_bucket: int = -1  # the last kick bucket this process queued a drain for

    async def enqueue(self, function: str, *args: object, job_id: str | None = None) -> None:
        """Queue an arq job for the worker (on the same Redis)."""
        jobs = ArqRedis(connection_pool=self.redis.connection_pool)
        await jobs.enqueue_job(function, *args, _job_id=job_id)

    async def kick_outbox(self) -> None:
        """After a commit that wrote outbox events or notifications: queue a drain. A Redis
        hiccup here loses nothing (the worker's sweep drains every 30 s)."""
        bucket = int(time.time() // KICK_BUCKET_SECONDS)
        if bucket == self.kicked_bucket:
            return  # this bucket's job is queued already (Redis would refuse it anyway)
        self.kicked_bucket = bucket
        try:
            await kick_outbox(ArqRedis(connection_pool=self.redis.connection_pool))
        except RedisError:
            log.warning("could not queue an outbox drain; the sweep will deliver", exc_info=True)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()
        await self.read_engine.dispose()


async def _jwt_secret(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> str:
    """The configured secret, or one generated once per deployment and kept in the database."""
    if settings.jwt_secret:
        return settings.jwt_secret
    async with unit_of_work(sessions) as session:
        await session.execute(
            insert(AppSetting)
            .values(key="jwt_secret", value={"secret": secrets.token_urlsafe(48)})
            .on_conflict_do_nothing()
        )
        value = await session.scalar(select(AppSetting.value).where(AppSetting.key == "jwt_secret"))
    assert value is not None
    return str(value["secret"])


async def build_context(settings: Settings) -> AppContext:
    audit.install()
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    read_engine = make_engine(
        settings, settings.read_database_url or settings.database_url
    ).execution_options(isolation_level="AUTOCOMMIT")
    read_sessions = make_sessionmaker(read_engine)
    redis = Redis.from_url(settings.redis_url)
    access = AccessControl(engine, sessions, redis, settings.authz_refresh_seconds)
    await access.reload()
    codec = TokenCodec(await _jwt_secret(settings, sessions), settings.access_token_minutes)
    context = AppContext(
        settings,
        engine,
        sessions,
        read_sessions,
        read_engine,
        redis,
        access,
        codec,
        LoginGuard(settings, redis),
        RateLimiter(settings.redis_url),
    )
    sessions.configure(info={OUTBOX_KICK: context.kick_outbox})
    return context
