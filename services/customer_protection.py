"""Protections from recycling (seed 004: 签约客户、推进中的商机不回收). The services that own
contracts and opportunities call these when a contract becomes effective or ends, and when an
opportunity enters or leaves a late stage; recycling reads them (which kinds exempt is a recycle
rule). A contract's start also counts as the won deal of the no-deal rule, and its end starts
the contract-ended clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import Protection, summarize_protections
from repositories import audit
from repositories import protections as repo

Source = Literal["contract", "opportunity"]


async def protect(
    session: AsyncSession,
    customer_id: uuid.UUID,
    source: Source,
    source_id: object,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    note: str | None = None,
) -> None:
    """The customer is protected from `starts_at` (now) until `ends_at` (open-ended: None).
    Idempotent per (source, source_id): calling again updates the period."""
    start = starts_at or datetime.now(UTC)
    await repo.upsert(session, customer_id, source, str(source_id), start, ends_at, note)
    audit.record(
        session,
        "customer",
        customer_id,
        "protect",
        {"protection": [None, {"source": source, "source_id": str(source_id), "ends_at": ends_at}]},
    )


async def unprotect(session: AsyncSession, customer_id: uuid.UUID, source: Source, source_id: object) -> None:
    """The protection ends now (a contract ended or was terminated, an opportunity left the
    late stages or closed)."""
    if await repo.end(session, source, str(source_id), datetime.now(UTC)):
        audit.record(
            session,
            "customer",
            customer_id,
            "unprotect",
            {"protection": [{"source": source, "source_id": str(source_id)}, None]},
        )


@dataclass(frozen=True, slots=True)
class _Row:
    source: str
    source_id: str
    starts_at: datetime
    ends_at: datetime | None
    note: str | None


def from_detail(
    rows: list[dict[str, Any]], exempt: tuple[str, ...]
) -> tuple[Protection, list[dict[str, Any]]]:
    """A customer's protections as the detail statement returns them (JSON rows): the summary
    recycling uses, and the protections in force now (shown on the page)."""
    parsed = [
        _Row(
            r["source"],
            r["source_id"],
            datetime.fromisoformat(r["starts_at"]),
            datetime.fromisoformat(r["ends_at"]) if r["ends_at"] else None,
            r["note"],
        )
        for r in rows
    ]
    now = datetime.now(UTC)
    active = [
        {
            "source": r.source,
            "source_id": r.source_id,
            "starts_at": r.starts_at,
            "ends_at": r.ends_at,
            "note": r.note,
        }
        for r in parsed
        if r.starts_at <= now and (r.ends_at is None or r.ends_at > now)
    ]
    return summarize_protections(parsed, now, exempt), active
