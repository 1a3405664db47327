"""Managers settle duplicates (线索去重): merge a duplicate into its original, or unlink it when
it was a different lead after all."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound, RuleViolation
from domain.leads import LeadStatus
from repositories import audit
from repositories import leads as repo
from repositories.models import Lead
from services.context import Actor
from services.lead_intake import apply_score
from services.leads import LeadService

# what a merge may fill in on the original when the original lacks it
MERGEABLE = (
    "uscc",
    "contact_name",
    "title",
    "mobile",
    "email",
    "province_code",
    "city_code",
    "industry",
    "company_size",
    "notes",
)


class LeadDuplicateService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def _duplicate(self, lead_id: uuid.UUID) -> tuple[Lead, Lead]:
        leads = LeadService(self.session, self.actor)
        duplicate = await leads.get(lead_id)
        if duplicate.duplicate_of_id is None:
            raise RuleViolation("this lead is not marked as a duplicate")
        original = await repo.get_visible(self.session, duplicate.duplicate_of_id, self.actor.scope)
        if original is None:
            raise NotFound("lead", duplicate.duplicate_of_id)
        return duplicate, original

    async def merge(self, lead_id: uuid.UUID) -> Lead:
        """The original takes what only the duplicate knew; the duplicate is closed as merged
        (kept, with its link, so the channel keeps the credit)."""
        duplicate, original = await self._duplicate(lead_id)
        if duplicate.status == LeadStatus.CONVERTED:
            raise RuleViolation("a converted lead cannot be merged")
        filled = [
            f
            for f in MERGEABLE
            if getattr(original, f) in (None, "") and getattr(duplicate, f) not in (None, "")
        ]
        for field in filled:
            setattr(original, field, getattr(duplicate, field))
        duplicate.status = LeadStatus.INVALID
        duplicate.invalid_reason = "merged"
        service = LeadService(self.session, self.actor)
        await self.session.flush()
        apply_score(original, await service.score(original))
        audit.record(
            self.session,
            "lead",
            original.id,
            "merge",
            {"merged": [None, str(duplicate.id)], "filled": [None, filled]},
        )
        await self.session.flush()
        return original

    async def unlink(self, lead_id: uuid.UUID) -> Lead:
        duplicate, original = await self._duplicate(lead_id)
        duplicate.duplicate_of_id = None
        audit.record(
            self.session, "lead", duplicate.id, "unlink", {"duplicate_of_id": [str(original.id), None]}
        )
        await self.session.flush()
        return duplicate
