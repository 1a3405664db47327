"""What the opportunity pages show: list rows, the kanban, the detail with its stage path and
criteria checklist, and the history. Names are read in a few grouped statements per page."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError
from domain.opportunities import Stage, StageKind, weighted
from repositories import business_lines as lines_repo
from repositories import opportunities as repo
from repositories.models import Opportunity
from services.context import Actor
from services.opportunities import OpportunityService


def _ref(
    ids_names: dict[uuid.UUID, str], key: uuid.UUID | None, field: str = "name"
) -> dict[str, Any] | None:
    if key is None:
        return None
    return {"id": key, field: ids_names.get(key, "")}


def _one(key: uuid.UUID | None, name: str | None) -> dict[uuid.UUID, str]:
    """One id → name, as _ref reads it (nothing when there is no id or no such row)."""
    return {key: name} if key is not None and name is not None else {}


class OpportunityViews:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.service = OpportunityService(session, actor)

    async def _stages(self, line_ids: set[uuid.UUID]) -> dict[uuid.UUID, Stage]:
        return {s.id: s for line_id in sorted(line_ids) for s in await self.service.stages(line_id)}

    async def items(self, opps: Sequence[Opportunity]) -> list[dict[str, Any]]:
        stages = await self._stages({o.business_line_id for o in opps})
        names = await repo.names(self.session, opps)
        now = datetime.now(UTC)
        return [self._item(o, stages[o.stage_id], names, now) for o in opps]

    @staticmethod
    def _item(
        o: Opportunity, stage: Stage, names: dict[str, dict[uuid.UUID, str]], now: datetime
    ) -> dict[str, Any]:
        return {
            "id": o.id,
            "name": o.name,
            "customer": {"id": o.customer_id, "name": names["customer"].get(o.customer_id, "")},
            "business_line_id": o.business_line_id,
            "stage": {"id": stage.id, "name": stage.name},
            "stage_code": stage.code,
            "win_rate": stage.win_rate,
            "status": o.status,
            "amount": o.amount,
            "currency": o.currency,
            "weighted": weighted(Decimal(o.amount), stage.win_rate)
            if o.status == "open"
            else Decimal("0.00"),
            "expected_close_date": o.expected_close_date,
            "grade": o.grade,
            "priority": o.priority,
            "source": o.source,
            "owner": _ref(names["user"], o.owner_id, "display_name"),
            "zone_id": o.zone_id,
            "team_id": o.team_id,
            "queue": o.queue,
            "next_step": o.next_step,
            "approval_status": o.approval_status,
            "special_kind": o.special_kind,
            "conflict": o.conflict_status == "open",
            "days_in_stage": max(0, (now - o.stage_entered_at).days),
            "stage_entered_at": o.stage_entered_at,
            "updated_at": o.updated_at,
            "version": o.version,
        }

    async def board(self, filters: repo.Filters, line_id: uuid.UUID | None, per_stage: int) -> dict[str, Any]:
        line = await (
            lines_repo.get(self.session, line_id) if line_id else lines_repo.default_line(self.session)
        )
        if line is None:
            raise FieldError("business_line_id", "no such business line")
        month_start = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        f = replace(filters, business_line_id=line.id, open_or_closed_since=month_start)
        cards, totals = await repo.board(
            self.session, self.actor.scope_for("opportunity", "read"), f, self.actor.user_id, per_stage
        )
        items = await self.items(cards)
        stages = [s for s in await self.service.stages(line.id) if s.is_active or s.id in totals]
        out = []
        for s in stages:
            count, amount = totals.get(s.id, (0, Decimal("0.00")))
            amount = Decimal(amount).quantize(Decimal("0.01"))
            out.append(
                {
                    "id": s.id,
                    "code": s.code,
                    "name": s.name,
                    "kind": s.kind.value,
                    "position": s.position,
                    "win_rate": s.win_rate,
                    "forecast_category": s.forecast_category,
                    "count": count,
                    "amount": amount,
                    "weighted": weighted(amount, s.win_rate) if s.kind is StageKind.OPEN else Decimal("0.00"),
                    "cards": [i for i in items if i["stage"]["id"] == s.id],
                }
            )
        return {"business_line": {"id": line.id, "name": line.name}, "stages": out}

    async def detail(self, opportunity_id: uuid.UUID) -> dict[str, Any]:
        opp = await self.service.get(opportunity_id)
        return await self.detail_of(opp)

    async def detail_of(self, opp: Opportunity) -> dict[str, Any]:
        named = await repo.detail_names(self.session, opp)
        stages = await self.service.stages(opp.business_line_id)
        status = await self.service.stage_status(opp, stages)
        current = next(s for s in stages if s.id == opp.stage_id)
        names = {"customer": _one(opp.customer_id, named.customer), "user": _one(opp.owner_id, named.owner)}
        item = self._item(opp, current, names, datetime.now(UTC))
        ticked = opp.checklist or {}
        path = [
            {
                "id": s.id,
                "code": s.code,
                "name": s.name,
                "position": s.position,
                "kind": s.kind.value,
                "win_rate": s.win_rate,
                "forecast_category": s.forecast_category,
                "is_current": s.id == current.id,
                "reached": s.kind is StageKind.OPEN
                and s.position <= opp.furthest_position
                or s.id == current.id,
                "exit_criteria": s.criteria.to_json(),
                "unmet": [m.as_dict() for m in status.get(s.id, [])],
                "checklist": [
                    {
                        "item": item_name,
                        "done": item_name in ticked.get(s.code, {}),
                        **ticked.get(s.code, {}).get(item_name, {}),
                    }
                    for item_name in s.criteria.checklist
                ],
            }
            for s in stages
            if s.is_active or s.id == current.id
        ]
        access = self.service.access
        return {
            **item,
            "business_line": {"id": opp.business_line_id, "name": named.line},
            "products": opp.products or [],
            "product": opp.product,
            "description": opp.description,
            "lead_id": opp.lead_id,
            "team": _ref(_one(opp.team_id, named.team), opp.team_id),
            "furthest_position": opp.furthest_position,
            "closed_at": opp.closed_at,
            "won_amount": opp.won_amount,
            "won_on": opp.won_on,
            "contract_number": opp.contract_number,
            "lost_reason": opp.lost_reason,
            "lost_note": opp.lost_note,
            "lost_to": _ref(_one(opp.lost_to_id, named.lost_to), opp.lost_to_id),
            "conflict_with": _ref(_one(opp.conflict_with_id, named.conflict_with), opp.conflict_with_id),
            "conflict_status": opp.conflict_status,
            "routing_trace": opp.routing_trace or {},
            "approval_request_id": await repo.latest_special_request(self.session, opp.id)
            if opp.special_kind
            else None,
            "path": path,
            "permissions": {
                "update": await access.can(opp, "update"),
                "move": await access.can(opp, "move"),
                "reassign": await access.can(opp, "reassign"),
            },
            "created_by": opp.created_by,
            "created_at": opp.created_at,
        }

    async def history(self, opportunity_id: uuid.UUID) -> dict[str, Any]:
        opp = await self.service.get(opportunity_id)
        changes = await repo.stage_history(self.session, opp.id)
        moves = await repo.assignments(self.session, opp.id)
        stages = await self._stages({opp.business_line_id})
        users = await repo.user_names(
            self.session,
            {u for c in changes for u in (c.moved_by,) if u}
            | {u for a in moves for u in (a.from_owner_id, a.to_owner_id, a.by_id) if u},
        )

        def stage_ref(stage_id: uuid.UUID | None) -> dict[str, Any] | None:
            return None if stage_id is None else {"id": stage_id, "name": stages[stage_id].name}

        spent: dict[uuid.UUID, int] = {}
        for c in changes:
            if c.from_stage_id is not None and c.seconds_in_from is not None:
                spent[c.from_stage_id] = spent.get(c.from_stage_id, 0) + c.seconds_in_from
        spent[opp.stage_id] = spent.get(opp.stage_id, 0) + max(
            0, int((datetime.now(UTC) - opp.stage_entered_at).total_seconds())
        )
        return {
            "stages": [
                {
                    "id": c.id,
                    "from_stage": stage_ref(c.from_stage_id),
                    "to_stage": stage_ref(c.to_stage_id),
                    "seconds_in_from": c.seconds_in_from,
                    "moved_by": _ref(users, c.moved_by, "display_name"),
                    "moved_at": c.moved_at,
                    "note": c.note,
                }
                for c in changes
            ],
            "assignments": [
                {
                    "id": a.id,
                    "from_owner": _ref(users, a.from_owner_id, "display_name"),
                    "to_owner": _ref(users, a.to_owner_id, "display_name"),
                    "reason": a.reason,
                    "by": _ref(users, a.by_id, "display_name"),
                    "at": a.at,
                }
                for a in moves
            ],
            "time_in_stage": [
                {"stage_id": sid, "name": stages[sid].name, "seconds": secs}
                for sid, secs in sorted(spent.items(), key=lambda kv: stages[kv[0]].position)
            ],
        }
