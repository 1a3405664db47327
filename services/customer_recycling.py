"""Customer recycling (回收, seed 004 客户分层管理): owned customers go back to the pool when they
were not followed up within their tier's days (A 30 / B 15 / C 7 / D 7 / E 3 by default), have
no won deal within M days of being claimed (default 90), or — when the rule is on — their last
contract ended D days ago; a tier may set its own M and D. Exempt: locked customers, and those
with an active protection of an exempt kind (an effective contract, an opportunity in a late
stage: services/customer_protection.py), both configurable.

The run is one set-based statement (repositories/recycling.py): idempotent and safe to
interrupt — a run killed midway leaves whole rows moved or not, and the next run finishes the
rest. Each recycle is an ownership event (customer, previous owner, rule, time): the data of
the lost-customer board. Owners are reminded `remind_days_before` days ahead, once per customer
and due date, and told afterwards how many they lost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.customers import NO_PROTECTION, Protection, TierClock, recycle_due_at
from repositories import protections as protections_repo
from repositories import recycling as repo
from repositories import settings as settings_repo
from services.authz import AccessControl
from services.notifications import notify
from services.outbox import kick_after_commit

RECYCLE_RULES = "recycle_rules"
PREVIEW_LIMIT = 1000


EXEMPT_KINDS = ("contract", "opportunity")


async def recycle_rules(session: AsyncSession) -> dict[str, Any]:
    row = await settings_repo.get(session, RECYCLE_RULES)
    value = row.value if row else {}
    no_deal = value.get("no_deal_days", 90)
    ended = value.get("contract_ended_days")
    return {
        "no_deal_days": int(no_deal) if no_deal is not None else None,
        "contract_ended_days": int(ended) if ended is not None else None,
        "exempt": [k for k in value.get("exempt", list(EXEMPT_KINDS)) if k in EXEMPT_KINDS],
        "remind_days_before": int(value.get("remind_days_before", 3)),
    }


async def update_recycle_rules(session: AsyncSession, changes: dict[str, Any]) -> dict[str, Any]:
    """Fields left out keep their value; `no_deal_days: None` turns the no-deal rule off (and
    `contract_ended_days: None` the contract-ended rule)."""
    current = {**await recycle_rules(session), **changes}
    if current["remind_days_before"] is None:
        current["remind_days_before"] = 3
    if current["exempt"] is None:
        current["exempt"] = list(EXEMPT_KINDS)
    current["exempt"] = sorted(set(current["exempt"]))
    await settings_repo.put(session, RECYCLE_RULES, current)
    return current


def _rules(values: dict[str, Any]) -> repo.Rules:
    return repo.Rules(values["no_deal_days"], values["contract_ended_days"], tuple(values["exempt"]))


@dataclass(frozen=True, slots=True)
class RecycleClock:
    """What "days until recycle" needs: each tier's days, the rules' days and which
    protections exempt (cached per process; tier and rule changes announce themselves)."""

    tiers: dict[str, TierClock]
    untiered: TierClock  # a customer without a tier: only the no-deal and contract rules
    exempt: tuple[str, ...]

    def due(self, customer: Any, protection: Protection = NO_PROTECTION) -> datetime | None:
        return recycle_due_at(
            owned=customer.owner_id is not None,
            locked=customer.locked_at is not None,
            clock=self.tiers.get(customer.tier, self.untiered) if customer.tier else self.untiered,
            last_followed_up_at=customer.last_followed_up_at,
            claimed_at=customer.claimed_at,
            created_at=customer.created_at,
            protection=protection,
        )

    async def due_many(self, session: AsyncSession, customers: list[Any]) -> dict[uuid.UUID, datetime | None]:
        """Each customer's due time, with their protections read in one query."""
        owned = [c.id for c in customers if c.owner_id is not None and c.locked_at is None]
        protections = await protections_repo.summaries(session, owned, datetime.now(UTC), self.exempt)
        return {c.id: self.due(c, protections.get(c.id, NO_PROTECTION)) for c in customers}


async def recycle_clock(session: AsyncSession, access: AccessControl) -> RecycleClock:
    async def load() -> RecycleClock:
        tiers = await settings_repo.tiers(session)
        rules = await recycle_rules(session)
        deal, ended = rules["no_deal_days"], rules["contract_ended_days"]
        return RecycleClock(
            {
                t.code: TierClock(
                    t.no_follow_up_days,
                    t.no_deal_days if t.no_deal_days is not None else deal,
                    t.contract_ended_days if t.contract_ended_days is not None else ended,
                )
                for t in tiers
            },
            TierClock(None, deal, ended),
            tuple(rules["exempt"]),
        )

    clock: RecycleClock = await access.reference("recycle_clock", load)
    return clock


@dataclass(frozen=True, slots=True)
class RecycleRun:
    count: int
    by_owner: list[tuple[uuid.UUID, int]]
    preview: list[Any]  # dry run: (id, owner_id, name, due_at, rule) rows
    reminded: int
    dry_run: bool


class CustomerRecyclingService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def run(self, now: datetime | None = None, dry_run: bool = False) -> RecycleRun:
        now = now or datetime.now(UTC)
        rules = await recycle_rules(self.session)
        if dry_run:
            rows = await repo.preview(self.session, now, _rules(rules), PREVIEW_LIMIT)
            return RecycleRun(len(rows), [], rows, 0, True)
        moved = await repo.recycle(self.session, now, _rules(rules), f"recycle:{now.isoformat()}")
        for owner, n in moved:
            notify(
                self.session,
                owner,
                "customer_recycled",
                f"{n} 个客户已回收到公海 / {n} of your customers went back to the pool",
                "未按规则跟进或成交 / not followed up or won in time",
            )
        reminded = await repo.remind(self.session, now, _rules(rules), rules["remind_days_before"])
        for owner, n in reminded:
            notify(
                self.session,
                owner,
                "recycle_reminder",
                f"{n} 个客户将在 {rules['remind_days_before']} 天内回收 / "
                f"{n} customers go back to the pool within {rules['remind_days_before']} days",
                "请尽快跟进 / follow them up to keep them",
            )
        if moved or reminded:
            kick_after_commit(self.session)  # the statements wrote outbox events
        await self.session.flush()
        return RecycleRun(sum(n for _, n in moved), moved, [], sum(n for _, n in reminded), False)
