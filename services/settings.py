"""Customer rules and tiers, edited by admins (every change audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import DEFAULT_MIN_CONTACTS
from domain.errors import FieldError, NotFound
from repositories import settings as repo
from repositories.models import CustomerTier

CUSTOMER_RULES = "customer_rules"


class SettingsService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customer_rules(self) -> dict[str, Any]:
        row = await repo.get(self.session, CUSTOMER_RULES)
        return {"min_contacts_enterprise": DEFAULT_MIN_CONTACTS, **(row.value if row else {})}

    async def update_customer_rules(self, changes: dict[str, Any]) -> dict[str, Any]:
        merged = {**await self.customer_rules(), **changes}
        await repo.put(self.session, CUSTOMER_RULES, merged)
        return merged

    async def update_tier(self, code: str, changes: dict[str, Any]) -> CustomerTier:
        tier = await repo.get_tier(self.session, code)
        if tier is None:
            raise NotFound("customer tier", code)
        for key in ("name", "no_follow_up_days"):
            if key in changes and changes[key] is None:
                raise FieldError(key, "cannot be empty")
        for key, value in changes.items():
            setattr(tier, key, value)
        await self.session.flush()
        return tier
