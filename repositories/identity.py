"""Users as identities: sign-in lookups, refresh tokens, API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import ApiKey, RefreshToken, User
from repositories.pagination import keyset, page


async def user_for_login(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.username) == username.lower()))


async def active_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.scalar(select(User).where(User.id == user_id, User.is_active.is_(True)))


async def refresh_token_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )


async def add_refresh_token(
    session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID, token_hash: str, expires_at: datetime
) -> None:
    session.add(
        RefreshToken(user_id=user_id, family_id=family_id, token_hash=token_hash, expires_at=expires_at)
    )
    await session.flush()


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_tokens(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc()))).all())


async def get_api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def purge_expired_refresh_tokens(session: AsyncSession, cutoff: datetime) -> int:
    """Delete refresh tokens that expired before `cutoff` (housekeeping; they can never be used)."""
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _api_key_stmt() -> Select[Any]:
    return select(ApiKey, User.display_name).join(User, User.id == ApiKey.user_id)  # type: ignore[return-value]


async def list_api_keys_page(
    session: AsyncSession, visible: ColumnElement[bool], cursor: str | None, limit: int
) -> tuple[list[tuple[ApiKey, str]], str | None]:
    """Newest first, with the acting user's name; `visible` is the caller's row scope."""
    stmt = keyset(_api_key_stmt().where(visible), ApiKey.created_at, ApiKey.id, True, cursor, limit)
    rows = [(r[0], r[1]) for r in (await session.execute(stmt)).all()]
    return page(rows, limit, lambda r: r[0].created_at, lambda r: r[0].id)


async def api_key_view(
    session: AsyncSession, key_id: uuid.UUID, visible: ColumnElement[bool]
) -> tuple[ApiKey, str] | None:
    row = (await session.execute(_api_key_stmt().where(ApiKey.id == key_id, visible))).first()
    return (row[0], row[1]) if row else None


async def revoke_role_api_keys(session: AsyncSession, role: str, now: datetime) -> list[uuid.UUID]:
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.role == role, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiKey.id)
    )
    return [r[0] for r in result]


async def touch_api_key(session: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
