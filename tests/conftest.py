"""Test harness: a real PostgreSQL database built by the Alembic migrations and a real Redis.

Database: TEST_DATABASE_URL, else <DATABASE_URL's server>/crm_test, else the local server on
127.0.0.1:5432, else an embedded pgserver. Between tests every table the tests write is
truncated and the seeded reference rows (roles, policies, settings) are restored, so each test
starts from the state a fresh install has, and requests commit for real (concurrency tests
need real transactions).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from httpx import ASGITransport, AsyncClient

from api.main import create_app
from config import Settings
from scripts.embedded import ROOT, resolve_database_url, resolve_redis_url, with_database
from services.approvals import FLOW_VERSIONS
from tests.factories import Factory

SEEDED = (
    "casbin_rule",
    "roles",
    "app_settings",
    "customer_tiers",
    "customer_levels",
    "channels",
    "pools",
    "message_channels",
    "approval_flows",  # the shipped flows (level change, financial information)
    "approval_flow_versions",
    "business_lines",  # the shipped lines (1-3-5-7-10, complex sale) and their stages
    "pipeline_stages",
)
KEEP = {"regions", "alembic_version", *SEEDED}


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _recreate_database(url: str) -> None:
    db = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(_plain(with_database(url, "postgres")))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            db,
        )
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
        await admin.execute(f'CREATE DATABASE "{db}"')
    finally:
        await admin.close()


def _migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url.replace("postgresql://", "postgresql+asyncpg://")
    command.upgrade(cfg, "head")


@pytest.fixture(scope="session")
def database_url() -> str:
    url = resolve_database_url(for_tests=True)
    asyncio.run(_recreate_database(url))
    _migrate(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return resolve_redis_url(for_tests=True)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str) -> Settings:
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        jwt_secret="test-secret-test-secret-test-secret",
        log_level="WARNING",
        authz_refresh_seconds=0.0,
        login_lock_after_failures=5,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[object]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        conn = await asyncpg.connect(_plain(settings.database_url))
        try:
            tables = [
                r["tablename"]
                for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ]
            application.state.test_truncate = [
                t for t in tables if t not in KEEP and not t.startswith("_seed_")
            ]
            for t in SEEDED:
                await conn.execute(
                    f'DROP TABLE IF EXISTS "_seed_{t}"; CREATE TABLE "_seed_{t}" AS TABLE "{t}"'
                )
        finally:
            await conn.close()
        yield application


@pytest.fixture
async def clean(app, settings: Settings) -> None:  # noqa: ANN001
    """Each test starts from a freshly migrated database and an empty Redis db."""
    ctx = app.state.ctx
    conn = await asyncpg.connect(_plain(settings.database_url))
    try:
        sql = (
            "TRUNCATE " + ", ".join(f'"{t}"' for t in app.state.test_truncate) + " RESTART IDENTITY CASCADE;"
        )
        for t in SEEDED:
            sql += f'DELETE FROM "{t}"; INSERT INTO "{t}" SELECT * FROM "_seed_{t}";'
        await conn.execute(sql)
    finally:
        await conn.close()
    await ctx.redis.flushdb()
    ctx.kicked_bucket = -1  # the flush dropped any drain job this process queued
    FLOW_VERSIONS.clear()  # the restored flows may get version numbers a previous test used
    await ctx.access.reload()


@pytest.fixture
async def client(app, clean) -> AsyncIterator[AsyncClient]:  # noqa: ANN001
    transport = ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def factory(app, client: AsyncClient) -> Factory:  # noqa: ANN001
    return Factory(app, client)
