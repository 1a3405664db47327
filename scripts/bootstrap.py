"""First start: make sure an administrator exists.

If no user holds the `admin` role, create user `admin` with it. The password is
CRM_ADMIN_PASSWORD, else a generated one printed once to the console (it is not stored
anywhere else: note it, or reset it with `python -m scripts.bootstrap --reset-admin-password`).

    python -m scripts.bootstrap [--reset-admin-password]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import string
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from repositories import access as access_repo
from repositories import audit, identity
from repositories import users as users_repo
from repositories.db import make_engine, make_sessionmaker, unit_of_work
from services.auth import hash_password
from services.authz import AccessControl
from services.users import UserService

ADMIN_USERNAME = "admin"


def generate_password(length: int = 16) -> str:
    """Letters and digits (no look-alikes), with at least one of each class and a separator."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    while True:
        raw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.islower() for c in raw) and any(c.isupper() for c in raw) and any(c.isdigit() for c in raw):
            return f"{raw[:8]}-{raw[8:]}"


def announce(title: str, lines: list[str]) -> None:
    """A box on stdout that stands out from the log lines around it."""
    width = max(len(title), *(len(line) for line in lines)) + 4
    bar = "=" * width
    out = ["", bar, f"  {title}", bar, *(f"  {line}" for line in lines), bar, ""]
    print("\n".join(out), flush=True)


@asynccontextmanager
async def resources(
    settings: Settings,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], AccessControl]]:
    """Engine, sessions and access control, like an API process has (writes here must bump the
    access version in Redis so running API processes reload users and roles)."""
    audit.install()
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    redis = Redis.from_url(settings.redis_url)
    try:
        yield sessions, AccessControl(engine, sessions, redis, settings.authz_refresh_seconds)
    finally:
        await redis.aclose()
        await engine.dispose()


async def ensure_admin(settings: Settings) -> bool:
    """Create the admin user if no administrator exists. True if one was created."""
    async with resources(settings) as (sessions, access):
        async with unit_of_work(sessions) as session:
            if await access_repo.users_with_role(session, "admin"):
                return False
            if await users_repo.by_username(session, ADMIN_USERNAME) is not None:
                print(
                    f"[bootstrap] no user has the admin role, but a user {ADMIN_USERNAME!r} exists: "
                    "not touching it. Grant it the admin role in the database or via another admin.",
                    file=sys.stderr,
                    flush=True,
                )
                return False
            password = settings.admin_password or generate_password()
            await UserService(session, access).create(
                None,
                {
                    "username": ADMIN_USERNAME,
                    "display_name": "系统管理员",
                    "password": password,
                    "roles": ["admin"],
                },
            )
    if settings.admin_password:
        announce(
            "Administrator created",
            [f"username: {ADMIN_USERNAME}", "password: the value of CRM_ADMIN_PASSWORD"],
        )
    else:
        announce(
            "Administrator created — this password is shown ONCE, note it now",
            [
                f"username: {ADMIN_USERNAME}",
                f"password: {password}",
                "(set CRM_ADMIN_PASSWORD before the first start to choose it;",
                " reset it with: .venv/bin/python -m scripts.bootstrap --reset-admin-password)",
            ],
        )
    return True


async def reset_admin_password(settings: Settings) -> None:
    async with resources(settings) as (sessions, access):
        async with unit_of_work(sessions) as session:
            user = await users_repo.by_username(session, ADMIN_USERNAME)
            if user is None:
                raise SystemExit(f"no user {ADMIN_USERNAME!r}: start the app once (make run) to create it")
            password = settings.admin_password or generate_password()
            now = datetime.now(UTC)
            user.password_hash = hash_password(password)
            user.password_changed_at = now
            await identity.revoke_user_tokens(session, user.id, now)
        await access.changed()
    shown = "the value of CRM_ADMIN_PASSWORD" if settings.admin_password else password
    announce("Administrator password reset", [f"username: {ADMIN_USERNAME}", f"password: {shown}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reset-admin-password", action="store_true")
    args = parser.parse_args(argv)
    from scripts.run import export_environment

    export_environment()
    settings = Settings()
    if args.reset_admin_password:
        asyncio.run(reset_admin_password(settings))
    elif not asyncio.run(ensure_admin(settings)):
        print("[bootstrap] an administrator exists: nothing to do")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
