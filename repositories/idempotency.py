"""Idempotency keys live in the same transaction as the write they protect: a request that
fails rolls its key back with everything else, so a retry runs again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import IdempotencyKey


@dataclass(frozen=True, slots=True)
class StoredResponse:
    request_hash: str
    status_code: int | None
    body: bytes | None
    headers: dict[str, str] | None


async def claim(
    session: AsyncSession, principal: str, key: str, method: str, path: str, request_hash: str
) -> StoredResponse | None:
    """Insert the key; None if it is new, else what was stored under it. A concurrent request
    with the same key waits on the unique index until the first one commits or rolls back."""
    stmt = (
        insert(IdempotencyKey)
        .values(principal=principal, key=key, method=method, path=path, request_hash=request_hash)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    if (await session.execute(stmt)).first() is not None:
        return None
    row = (
        await session.execute(
            select(
                IdempotencyKey.request_hash,
                IdempotencyKey.status_code,
                IdempotencyKey.response_body,
                IdempotencyKey.response_headers,
            ).where(IdempotencyKey.principal == principal, IdempotencyKey.key == key)
        )
    ).one()
    return StoredResponse(row[0], row[1], row[2], row[3])


async def complete(
    session: AsyncSession, principal: str, key: str, status_code: int, body: bytes, headers: dict[str, str]
) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.principal == principal, IdempotencyKey.key == key)
        .values(status_code=status_code, response_body=body, response_headers=headers)
    )


async def purge_older_than(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
