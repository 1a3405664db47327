"""Lead rules and lead scoring, edited by admins (app_settings rows `lead_rules` and
`lead_scoring`; every change audited). Services read them through these loaders, which fill in
the defaults of PRODUCT.md for anything never configured."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError
from domain.leads import DEFAULT_SCORING, ScoringRules
from repositories import lead_routing as routing_repo
from repositories import settings as repo

LEAD_RULES = "lead_rules"
LEAD_SCORING = "lead_scoring"
GRADES = ("A", "B", "C", "D")
# what makes a new lead a duplicate of an earlier one (seed 000: same company + same product)
DEDUP_KEYS = ("company_product", "uscc", "mobile", "email")


@dataclass(frozen=True, slots=True)
class LeadRules:
    max_open_leads_per_rep: int = 200
    default_zone_id: uuid.UUID | None = None
    # better leads must be called sooner (hours before an uncontacted lead is recycled)
    recycle_hours: tuple[tuple[str, int], ...] = (("A", 24), ("B", 48), ("C", 72), ("D", 168))
    max_daily_claims: int = 20  # the same limits as customers (PRODUCT.md)
    reclaim_cooldown_days: int = 7
    dedup_keys: tuple[str, ...] = DEDUP_KEYS
    # seed 000: the same company re-submitting half a month later on another platform is a
    # duplicate; 90 days by default
    dedup_window_days: int = 90

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_open_leads_per_rep": self.max_open_leads_per_rep,
            "default_zone_id": str(self.default_zone_id) if self.default_zone_id else None,
            "recycle_hours": dict(self.recycle_hours),
            "max_daily_claims": self.max_daily_claims,
            "reclaim_cooldown_days": self.reclaim_cooldown_days,
            "dedup_keys": list(self.dedup_keys),
            "dedup_window_days": self.dedup_window_days,
        }


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def lead_rules(session: AsyncSession) -> LeadRules:
    row = await repo.get(session, LEAD_RULES)
    value = row.value if row else {}
    default = LeadRules()
    hours = {**dict(default.recycle_hours), **(value.get("recycle_hours") or {})}
    return LeadRules(
        max_open_leads_per_rep=int(value.get("max_open_leads_per_rep") or default.max_open_leads_per_rep),
        default_zone_id=_uuid(value.get("default_zone_id")),
        recycle_hours=tuple((g, int(hours[g])) for g in GRADES),
        max_daily_claims=int(value.get("max_daily_claims", default.max_daily_claims)),
        reclaim_cooldown_days=int(value.get("reclaim_cooldown_days", default.reclaim_cooldown_days)),
        dedup_keys=tuple(k for k in value.get("dedup_keys", default.dedup_keys) if k in DEDUP_KEYS),
        dedup_window_days=int(value.get("dedup_window_days", default.dedup_window_days)),
    )


def scoring_as_dict(rules: ScoringRules) -> dict[str, Any]:
    return {
        "field_points": dict(rules.field_points),
        "action_points": dict(rules.action_points),
        "action_cap": rules.action_cap,
        "thresholds": dict(rules.thresholds),
    }


async def scoring_rules(session: AsyncSession) -> ScoringRules:
    row = await repo.get(session, LEAD_SCORING)
    value = row.value if row else {}
    if not value:
        return DEFAULT_SCORING
    return ScoringRules(
        field_points={**DEFAULT_SCORING.field_points, **value.get("field_points", {})},
        action_points={**DEFAULT_SCORING.action_points, **value.get("action_points", {})},
        action_cap=int(value.get("action_cap", DEFAULT_SCORING.action_cap)),
        thresholds=tuple(
            (g, int(m))
            for g, m in {**dict(DEFAULT_SCORING.thresholds), **value.get("thresholds", {})}.items()
        ),
    )


class LeadSettingsService:
    """Every change is announced after commit (routing and grading cache these per process)."""

    def __init__(self, session: AsyncSession, on_change: Callable[[], None]) -> None:
        self.session = session
        self.on_change = on_change

    async def update_rules(self, changes: dict[str, Any]) -> LeadRules:
        if changes.get("default_zone_id") is not None and (
            await routing_repo.zone(self.session, changes["default_zone_id"]) is None
        ):
            raise FieldError("default_zone_id", "no such sales zone")
        current = (await lead_rules(self.session)).as_dict()
        if "dedup_keys" in changes:
            changes["dedup_keys"] = list(dict.fromkeys(changes["dedup_keys"]))
        if "recycle_hours" in changes:
            changes["recycle_hours"] = {**current["recycle_hours"], **changes["recycle_hours"]}
        merged = {**current, **{k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in changes.items()}}
        await repo.put(self.session, LEAD_RULES, merged)
        self.on_change()
        return await lead_rules(self.session)

    async def update_scoring(self, changes: dict[str, Any]) -> ScoringRules:
        current = scoring_as_dict(await scoring_rules(self.session))
        merged = {
            key: ({**current[key], **changes[key]} if isinstance(current[key], dict) else changes[key])
            if key in changes
            else current[key]
            for key in current
        }
        minimums = [merged["thresholds"][g] for g in GRADES]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            raise FieldError("thresholds", "minimums must fall from A to D (A > B > C > D)")
        await repo.put(self.session, LEAD_SCORING, merged)
        self.on_change()
        return await scoring_rules(self.session)
