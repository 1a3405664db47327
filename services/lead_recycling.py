"""Lead recycling (线索回收): owned leads nobody contacted within their grade's hours go back to
the zone's pool, where the zone's reps may claim them; each owner is told how many they lost.
Set-based and idempotent; run by the worker and on demand by an admin."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import audit
from repositories import leads as repo
from services.lead_settings import lead_rules
from services.notifications import notify

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
        for owner, n in sorted(Counter(owner for _, owner, _ in taken).items(), key=str):
            notify(
                self.session,
                owner,
                "lead_recycled",
                f"{n} 条线索已回收到公海 / {n} of your leads went back to the pool",
                "未在规定时间内联系 / not contacted in time",
            )
        await self.session.flush()
        return RecycleResult(len(taken), taken, False)
