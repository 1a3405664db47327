"""Boards (看板) for every role; each reads only the caller's scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Output
from services.context import Actor
from services.lead_board import LeadBoardService

router = ResourceRouter(tags=["analytics"])


class LeadCounts(Output):
    leads: int
    contacted: int
    qualified: int
    converted: int
    invalid: int
    duplicates: int
    conversion_rate: float


class FunnelStage(Output):
    stage: str
    count: int


class LeadGroup(LeadCounts):
    key: str | None
    label: str


class InvalidReason(Output):
    reason: str
    count: int


class LeadBoard(Output):
    totals: LeadCounts
    funnel: list[FunnelStage]
    group_by: str
    groups: list[LeadGroup]
    invalid_reasons: list[InvalidReason]


@router.get("/analytics/leads", operation_id="lead_board", response_model=LeadBoard)
async def lead_board(
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "read"))],
    from_: Annotated[datetime | None, Query(alias="from", description="leads created at or after")] = None,
    to: Annotated[datetime | None, Query(description="leads created before")] = None,
    group_by: Annotated[
        Literal["channel", "zone", "team", "owner", "grade", "day", "week", "month"],
        Query(description="breakdown: by channel, zone, the owner's team, rep, grade, or period"),
    ] = "channel",
) -> dict[str, Any]:
    """Conversion rate, the funnel (new → contacted → qualified → converted), the breakdown by
    channel / zone / team / rep / grade or by day / week / month (China time, oldest first),
    and the invalid reasons, over the leads the caller may see."""
    return await LeadBoardService(session, actor).board(from_, to, group_by)
