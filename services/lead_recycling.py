"""Lead recycling (线索回收): owned leads nobody contacted within their grade's hours go back to
the zone's queue. Set-based and idempotent; run by the worker and on demand by an admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import audit
from repositories import leads as repo
from services.lead_settings import lead_rules

DRY_RUN_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class RecycleResult:
    count: int
    leads: list[tuple[uuid.UUID, uuid.UUID, str]]  # (lead, previous owner, grade)
    dry_run: bool


class LeadRecyclingService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hours_by_grade(self) -> dict[str, int]:
        return dict((await lead_rules(self.session)).recycle_hours)

    async def run(self, now: datetime, dry_run: bool = False) -> RecycleResult:
        hours = await self.hours_by_grade()
        if dry_run:
            due = await repo.due_for_recycling(self.session, now, hours, DRY_RUN_LIMIT)
            return RecycleResult(len(due), due, True)
        taken = await repo.recycle(self.session, now, hours)
        for lead_id, owner_id, grade in taken:
            audit.record(
                self.session,
                "lead",
                lead_id,
                "recycle",
                {
                    "owner_id": [str(owner_id), None],
                    "rule": [None, f"grade {grade}: not contacted within {hours[grade]} h"],
                },
            )
        await self.session.flush()
        return RecycleResult(len(taken), taken, False)
