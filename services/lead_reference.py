"""What taking in a lead reads besides the lead itself — channels, provinces and cities, scoring,
lead rules, assignment rules and zone coverage — as plain data cached per process
(AccessControl.reference). Writes to any of it call `lead_reference_changed` after commit, so
every API and worker process drops its copy within a second; zones, teams and users come from
the organisation snapshot, which reloads the same way."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.leads import ScoringRules
from repositories import lead_imports as imports_repo
from repositories import lead_routing as routing_repo
from repositories import leads as leads_repo
from repositories.db import after_commit
from services.authz import AccessControl
from services.lead_settings import LeadRules, lead_rules, scoring_rules


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: uuid.UUID
    code: str
    name: str
    weight: int
    is_active: bool


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """An active assignment rule, detached from any session."""

    id: uuid.UUID
    name: str
    conditions: Mapping[str, Any]
    required_fields: tuple[str, ...]
    action_type: str
    action_target: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RegionInfo:
    level: int
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class LeadReference:
    channels: Mapping[uuid.UUID, ChannelInfo]
    regions: Mapping[str, RegionInfo]  # provinces and cities by code
    scoring: ScoringRules
    rules: LeadRules
    any_rule: bool  # any assignment rule at all, active or not
    active_rules: tuple[RuleInfo, ...]  # in position order
    zones: tuple[routing_repo.ZoneCoverage, ...]


async def _load(session: AsyncSession) -> LeadReference:
    channels = {
        c.id: ChannelInfo(c.id, c.code, c.name, c.weight, c.is_active)
        for c in await leads_repo.channels(session)
    }
    regions, _ = await imports_repo.reference_data(session)
    active = [
        RuleInfo(
            r.id,
            r.name,
            dict(r.conditions or {}),
            tuple(r.required_fields or ()),
            r.action_type,
            dict(r.action_target or {}),
        )
        for r in await routing_repo.rules(session, active_only=True)
    ]
    return LeadReference(
        channels=channels,
        regions={code: RegionInfo(level, parent) for code, _, level, parent in regions},
        scoring=await scoring_rules(session),
        rules=await lead_rules(session),
        any_rule=await routing_repo.any_rule(session),
        active_rules=tuple(active),
        zones=tuple(await routing_repo.zone_coverage(session)),
    )


async def lead_reference(session: AsyncSession, access: AccessControl) -> LeadReference:
    loaded: LeadReference = await access.reference("leads", lambda: _load(session))
    return loaded


def lead_reference_changed(session: AsyncSession, access: AccessControl) -> None:
    """Call in a transaction that changes channels, assignment rules or lead settings."""
    after_commit(session, access.reference_changed)
