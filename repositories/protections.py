"""Customer protections: written by the owners of contracts and opportunities, summarised for
recycling ("days until recycle" in lists uses the same rules as the nightly statement)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import Protection
from repositories.models import CustomerProtection

# per customer (GROUP BY customer_id): protected now by an exempt kind (:exempt, at :now), the
# latest contract's start (a won deal), and when every contract has ended, the last end — the
# recycle statement joins the same summary (repositories/recycling.py)
SUMMARY_COLUMNS = """customer_id,
       bool_or(source = ANY (CAST(:exempt AS text[])) AND starts_at <= :now
               AND (ends_at IS NULL OR ends_at > :now)) AS exempt,
       max(starts_at) FILTER (WHERE source = 'contract') AS last_deal_at,
       CASE WHEN bool_and(ends_at IS NOT NULL AND ends_at <= :now) FILTER (WHERE source = 'contract')
            THEN max(ends_at) FILTER (WHERE source = 'contract') END AS contract_ended_at"""

_SUMMARY = text(
    f"SELECT {SUMMARY_COLUMNS} FROM customer_protections "
    "WHERE customer_id = ANY (CAST(:ids AS uuid[])) GROUP BY customer_id"
)


async def summaries(
    session: AsyncSession, ids: Sequence[uuid.UUID], now: datetime, exempt: Sequence[str]
) -> dict[uuid.UUID, Protection]:
    if not ids:
        return {}
    rows = await session.execute(_SUMMARY, {"ids": list(ids), "now": now, "exempt": list(exempt)})
    return {r.customer_id: Protection(bool(r.exempt), r.last_deal_at, r.contract_ended_at) for r in rows}


async def upsert(
    session: AsyncSession,
    customer_id: uuid.UUID,
    source: str,
    source_id: str,
    starts_at: datetime,
    ends_at: datetime | None,
    note: str | None,
) -> None:
    stmt = insert(CustomerProtection).values(
        customer_id=customer_id,
        source=source,
        source_id=source_id,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            constraint="uq_customer_protections_source",
            set_={
                "customer_id": stmt.excluded.customer_id,
                "starts_at": stmt.excluded.starts_at,
                "ends_at": stmt.excluded.ends_at,
                "note": stmt.excluded.note,
                "updated_at": text("now()"),
            },
        )
    )


async def end(session: AsyncSession, source: str, source_id: str, ended_at: datetime) -> int:
    result = await session.execute(
        update(CustomerProtection)
        .where(CustomerProtection.source == source, CustomerProtection.source_id == source_id)
        .values(ends_at=ended_at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
