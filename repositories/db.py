"""Engine and session factory. One engine per process; one session per request or job."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from config import Settings


def async_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and use asyncpg."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def make_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    return create_async_engine(
        async_url(url or settings.database_url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        # jit off: the app's statements are short; a misestimated plan otherwise pays 200–560 ms
        # of LLVM compilation (measured on the pipeline board and the kanban, bench/README.md)
        connect_args={"server_settings": {"application_name": "l2c-crm", "timezone": "UTC", "jit": "off"}},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that commits once at the end (worker jobs, scripts) or rolls back on error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
            await run_after_commit(session)
        except BaseException:
            await session.rollback()
            raise


async def advisory_xact_lock(session: AsyncSession, key: str) -> None:
    """Hold a PostgreSQL advisory lock on `key` until the transaction ends (serialises, say,
    one user's claims so their caps stay exact)."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(literal(key), 0))))


def after_commit(session: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` once the session's transaction has committed (never on rollback):
    used to tell other processes about a change, or to enqueue a job that reads the new rows."""
    session.info.setdefault("after_commit", []).append(callback)


async def run_after_commit(session: AsyncSession) -> None:
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        await callback()
