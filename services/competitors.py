"""Competitors (竞争对手, seed 002: 竞争对手分析). One row per company, whatever way people spell
it: names share a key with the lead dedup's company names (full-width/half-width, case, spaces
and the legal form — 有限公司, 股份有限公司, Co., Ltd. — make no difference). On an opportunity
each bidding competitor carries its product, strengths and weaknesses, its relationship with
the customer, its quote (exact Decimal) and where it stands.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DuplicateRecord, FieldError, NotFound
from domain.leads import normalize_company_name
from repositories import competitors as repo
from repositories import opportunities as opportunities_repo
from repositories.models import Competitor, Opportunity, OpportunityCompetitor
from services.context import Actor
from services.opportunity_access import OpportunityAccess

__all__ = ["CompetitorService", "competitor_key", "find_or_create_competitor"]


def competitor_key(name: str, field: str = "name") -> str:
    key = normalize_company_name(name)[:200]
    if not key:
        raise FieldError(field, "a competitor needs a name")
    return key


async def find_or_create_competitor(session: AsyncSession, name: str, *, field: str = "name") -> Competitor:
    """The competitor of this name (by its normalised key), created if new. Safe under
    concurrency: two callers creating the same name get the same row. `field` names the input
    in the 422 when the name is blank."""
    key = competitor_key(name, field)
    existing = await repo.by_key(session, key)
    if existing is not None:
        return existing
    created = await repo.insert_new(session, name.strip()[:200], key)
    if created is not None:
        return created
    found = await repo.by_key(session, key)
    assert found is not None  # ON CONFLICT waited for the concurrent insert that won to commit
    return found


class CompetitorService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.access = OpportunityAccess(session, actor)

    # --- the known competitors ---------------------------------------------------------------

    async def search(
        self, q: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Row[Any]], str | None]:
        key = normalize_company_name(q) if q else None
        scope = self.actor.scope_for("opportunity", "read")
        return await repo.search(self.session, scope, q, key, cursor, limit)

    async def create(self, name: str, website: str | None, notes: str | None) -> Competitor:
        """A new competitor; 409 naming the existing one when the name is known."""
        key = competitor_key(name)
        created = await repo.insert_new(self.session, name.strip(), key, website, notes)
        if created is None:
            existing = await repo.by_key(self.session, key)
            raise DuplicateRecord(
                "name",
                f"competitor {existing.name if existing else name!r} already exists",
                existing.id if existing else None,
            )
        return created

    # --- on an opportunity -------------------------------------------------------------------

    async def entries(self, opportunity_id: uuid.UUID) -> list[Row[Any]]:
        opp = await self.access.get(opportunity_id, "read")
        return await repo.entries(self.session, opp.id)

    async def add(self, opportunity_id: uuid.UUID, data: dict[str, Any]) -> Row[Any]:
        """By `competitor_id`, or by `competitor_name` (found or created by its key)."""
        opp = await self.access.get(opportunity_id, "update")
        competitor_id = data.pop("competitor_id", None)
        name = data.pop("competitor_name", None)
        if (competitor_id is None) == (name is None):
            raise FieldError("competitor_id", "send either competitor_id or competitor_name (exactly one)")
        if competitor_id is not None:
            if await repo.get(self.session, competitor_id) is None:
                raise FieldError("competitor_id", "no such competitor")
        else:
            competitor_id = (await find_or_create_competitor(self.session, name, field="competitor_name")).id
        if await repo.listed(self.session, opp.id, competitor_id):
            raise DuplicateRecord(
                "competitor_id", "this competitor is already listed on the opportunity", competitor_id
            )
        entry = OpportunityCompetitor(opportunity_id=opp.id, competitor_id=competitor_id, **data)
        self.session.add(entry)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:  # a concurrent add of the same competitor won
            raise DuplicateRecord(
                "competitor_id", "this competitor is already listed on the opportunity", competitor_id
            ) from exc
        await opportunities_repo.touch(self.session, opp.id)
        return await self._row(opp, entry.id)

    async def update(self, opportunity_id: uuid.UUID, entry_id: uuid.UUID, data: dict[str, Any]) -> Row[Any]:
        opp = await self.access.get(opportunity_id, "update")
        entry = await self._entry(opp, entry_id)
        for key, value in data.items():
            if value is None and key in ("status", "quote_currency"):
                raise FieldError(key, "may not be empty")
            setattr(entry, key, value)
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)
        return await self._row(opp, entry.id)

    async def remove(self, opportunity_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        opp = await self.access.get(opportunity_id, "update")
        entry = await self._entry(opp, entry_id)
        await self.session.delete(entry)
        await self.session.flush()
        await opportunities_repo.touch(self.session, opp.id)

    async def _entry(self, opp: Opportunity, entry_id: uuid.UUID) -> OpportunityCompetitor:
        entry = await repo.entry(self.session, opp.id, entry_id)
        if entry is None:
            raise NotFound("opportunity competitor", entry_id)
        return entry

    async def _row(self, opp: Opportunity, entry_id: uuid.UUID) -> Row[Any]:
        return (await repo.entries(self.session, opp.id, entry_id))[0]
