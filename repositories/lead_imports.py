"""Lead imports, their per-row errors, and the reference data rows are checked against."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from repositories.models import Channel, LeadImport, LeadImportError, Region, table
from repositories.pagination import keyset, page


async def get(session: AsyncSession, import_id: uuid.UUID) -> LeadImport | None:
    return await session.get(LeadImport, import_id)


async def lock(session: AsyncSession, import_id: uuid.UUID) -> LeadImport | None:
    stmt = (
        select(LeadImport)
        .where(LeadImport.id == import_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def content(session: AsyncSession, import_id: uuid.UUID) -> bytes:
    return await session.scalar(select(LeadImport.content).where(LeadImport.id == import_id)) or b""


async def listing(
    session: AsyncSession, created_by: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[list[LeadImport], str | None]:
    """Newest first; one user's (created_by) or everyone's."""
    stmt = select(LeadImport)
    if created_by is not None:
        stmt = stmt.where(LeadImport.created_by == created_by)
    stmt = keyset(stmt, LeadImport.created_at, LeadImport.id, True, cursor, limit)
    rows = list((await session.scalars(stmt)).all())
    return page(rows, limit, lambda r: r.created_at, lambda r: r.id)


async def same_file(session: AsyncSession, created_by: uuid.UUID, digest: str) -> uuid.UUID | None:
    """The user's latest earlier import of byte-identical content (last 30 days)."""
    stmt = (
        select(LeadImport.id)
        .where(
            LeadImport.created_by == created_by,
            LeadImport.content_sha256 == digest,
            LeadImport.created_at >= func.now() - text("interval '30 days'"),
        )
        .order_by(LeadImport.created_at.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def add_errors(
    session: AsyncSession, import_id: uuid.UUID, problems: Sequence[tuple[int, str | None, str]]
) -> None:
    """(spreadsheet row, column, message) in one multi-row INSERT."""
    if problems:
        await session.execute(
            insert(table(LeadImportError)),
            [{"import_id": import_id, "row": r, "column": c, "message": m} for r, c, m in problems],
        )


async def errors(session: AsyncSession, import_id: uuid.UUID, limit: int) -> list[LeadImportError]:
    stmt = (
        select(LeadImportError)
        .where(LeadImportError.import_id == import_id)
        .order_by(LeadImportError.row, LeadImportError.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def reference_data(
    session: AsyncSession,
) -> tuple[list[tuple[str, str, int, str | None]], list[tuple[str, str, str]]]:
    """Provinces and cities (code, name, level, parent) and active channels (id, code, name)."""
    regions = await session.execute(
        select(Region.code, Region.name, Region.level, Region.parent_code).where(Region.level <= 2)
    )
    channels = await session.execute(select(Channel.id, Channel.code, Channel.name).where(Channel.is_active))
    return (
        [(r[0], r[1], r[2], r[3]) for r in regions],
        [(str(c[0]), c[1], c[2]) for c in channels],
    )


async def stalled(session: AsyncSession, before: datetime) -> list[uuid.UUID]:
    stmt = select(LeadImport.id).where(
        LeadImport.status.in_(("queued", "running")), LeadImport.updated_at < before
    )
    return list((await session.scalars(stmt)).all())


async def purge_content(session: AsyncSession, before: datetime) -> int:
    """Drop the stored files of imports finished before `before` (counts and errors stay)."""
    result = await session.execute(
        update(LeadImport)
        .where(
            LeadImport.status.in_(("done", "failed")),
            LeadImport.finished_at < before,
            LeadImport.content.is_not(None),
        )
        .values(content=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def analyze_leads(session: AsyncSession) -> None:
    await session.execute(text("ANALYZE leads"))
