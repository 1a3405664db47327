"""The lead board (线索看板): conversion rate, funnel, sources, invalid reasons — over the
caller's own scope of leads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError
from repositories import leads as repo
from services.context import Actor

GROUPS = ("channel", "zone", "team", "owner", "grade", "day", "week", "month")


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


class LeadBoardService:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    async def board(self, since: datetime | None, until: datetime | None, group_by: str) -> dict[str, Any]:
        if group_by not in GROUPS:
            raise FieldError("group_by", f"one of {', '.join(GROUPS)}")
        if since and until and since >= until:
            raise FieldError("to", "must be after from")
        data = await repo.board(self.session, self.actor.scope, since, until, group_by)
        labels = await self._labels(group_by, [g["key"] for g in data["groups"]])
        totals = data["totals"]
        return {
            "totals": {**totals, "conversion_rate": _rate(totals["converted"], totals["leads"])},
            # the funnel counts how many leads reached each stage (a converted lead was contacted)
            "funnel": [
                {"stage": "new", "count": totals["leads"]},
                {
                    "stage": "contacted",
                    "count": totals["contacted"] + totals["qualified"] + totals["converted"],
                },
                {"stage": "qualified", "count": totals["qualified"] + totals["converted"]},
                {"stage": "converted", "count": totals["converted"]},
            ],
            "group_by": group_by,
            "groups": [
                {
                    **{k: v for k, v in g.items() if k != "key"},
                    "key": str(g["key"]) if g["key"] is not None else None,
                    "label": labels.get(g["key"], "—"),
                    "conversion_rate": _rate(g["converted"], g["leads"]),
                }
                for g in data["groups"]
            ],
            "invalid_reasons": data["invalid_reasons"],
        }

    async def _labels(self, group_by: str, keys: list[Any]) -> dict[Any, str]:
        org = self.actor.access.org
        if group_by == "owner":
            return {k: org.users[k].display_name for k in keys if k in org.users}
        if group_by == "channel":
            return {c.id: c.name for c in await repo.channels(self.session)}
        if group_by == "zone":
            return await repo.zone_names(self.session, [k for k in keys if k is not None])
        if group_by == "team":
            return await repo.team_names(self.session, [k for k in keys if k is not None])
        return {k: k for k in keys if k is not None}  # grade, or the period's first day
