"""The pipeline board (商机漏斗 / 加权 / 目标差距 / 存量增量 / 输单看板) with its drill-down, and the
sales targets (销售目标) managers set for their reps, teams and zones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, Response, status
from pydantic import Field

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Input, Items, NamedRef, Output, Page, UserRef
from services.context import Actor
from services.pipeline_analytics import Filters, PipelineAnalytics
from services.sales_targets import SalesTargetService, TargetInput, month_of, this_month

router = ResourceRouter(tags=["pipeline"])

Reader = Annotated[Actor, Depends(Authorize("opportunity", "read"))]
Manager = Annotated[Actor, Depends(Authorize("sales_target", "manage"))]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. CNY")]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


# --- the board -----------------------------------------------------------------------------


class PipelinePeriod(Output):
    from_: date = Field(alias="from")
    to: date


class PipelineStageRow(Output):
    stage_id: UUID
    code: str
    name: str
    win_rate: Decimal = Field(description="percent, e.g. 10.00")
    forecast_category: str
    count: int = Field(description="open opportunities sitting in the stage now")
    amount: Decimal
    weighted: Decimal = Field(description="Σ amount × win rate, each opportunity to the cent")
    reached: int = Field(description="opportunities (any status) that got this far")
    conversion_to_next: Decimal | None = Field(
        description="percent of those that reached this stage which reached the next (the last: won)"
    )
    avg_days: Decimal | None = Field(
        description="average days spent in the stage, for moves out of it in the period"
    )
    moves: int = Field(description="moves out of the stage in the period (avg_days averages these)")


class PipelineAmounts(Output):
    count: int
    amount: Decimal


class PipelineWeighed(PipelineAmounts):
    weighted: Decimal


class PipelineCategory(PipelineWeighed):
    category: str


class PipelineTarget(Output):
    amount: Decimal | None = Field(
        description="the months' target; null when none is set (or not yours to see)"
    )
    weighted_pipeline: Decimal
    gap: Decimal | None = Field(description="target − weighted pipeline, never below 0")
    attainment: Decimal | None = Field(description="percent: won in the period / target")


class PipelineStockVsNew(Output):
    new: PipelineAmounts
    stock: PipelineAmounts


class PipelineOutcomes(Output):
    won: PipelineAmounts
    lost: PipelineAmounts
    loss_rate: Decimal | None = Field(description="percent: lost / (won + lost) in the period")


class PipelineLossReason(PipelineAmounts):
    reason: str
    name: str


class PipelineLossCompetitor(PipelineAmounts):
    competitor_id: UUID
    name: str


class PipelineBoard(Output):
    business_line: NamedRef
    period: PipelinePeriod
    currency: str
    stages: list[PipelineStageRow]
    totals: PipelineWeighed
    by_forecast_category: list[PipelineCategory]
    target: PipelineTarget
    stock_vs_new: PipelineStockVsNew
    outcomes: PipelineOutcomes
    loss_reasons: list[PipelineLossReason]
    loss_competitors: list[PipelineLossCompetitor]


async def board_filters(
    business_line_id: UUID | None = None,
    owner_id: UUID | None = None,
    team_id: UUID | None = None,
    zone_id: UUID | None = None,
    from_: Annotated[
        date | None, Query(alias="from", description="first day (China time); default: this month")
    ] = None,
    to: Annotated[date | None, Query(description="last day, inclusive (China time)")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CNY",
) -> Filters:
    return Filters(business_line_id, owner_id, team_id, zone_id, from_, to, currency)


BoardFilters = Annotated[Filters, Depends(board_filters)]


@router.get("/analytics/pipeline", operation_id="pipeline_board", response_model=PipelineBoard)
async def pipeline_board(session: Session, actor: Reader, filters: BoardFilters) -> dict[str, Any]:
    """The funnel of one business line (default: the default line) over the opportunities the
    caller may read: per open stage the count, amount and weighted value sitting there now,
    conversion to the next stage and average days in it; totals and forecast categories; the
    target of the period's months against the weighted pipeline; stock vs new; won and lost in
    the period with the top loss reasons and competitors. PipelineAmounts in `currency` only."""
    return await PipelineAnalytics(session, actor).board(filters)


class PipelineDrillItem(Output):
    id: UUID
    name: str
    customer_id: UUID
    customer_name: str
    owner_id: UUID | None
    owner_name: str | None
    stage_id: UUID
    stage_name: str
    amount: Decimal
    won_amount: Decimal | None
    currency: str
    weighted: Decimal
    expected_close_date: date | None
    status: str
    created_at: datetime
    closed_at: datetime | None
    lost_reason: str | None
    lost_to_id: UUID | None


@router.get(
    "/analytics/pipeline/opportunities",
    operation_id="pipeline_drill_down",
    response_model=Page[PipelineDrillItem],
)
async def pipeline_drill_down(
    session: Session,
    actor: Reader,
    filters: BoardFilters,
    stage_id: Annotated[UUID | None, Query(description="open in this stage")] = None,
    bucket: Annotated[
        Literal["new", "stock", "won", "lost"] | None,
        Query(description="created in the period / open at its start / won in it / lost in it"),
    ] = None,
    lost_reason: Annotated[
        str | None, Query(max_length=40, description="lost in the period for this reason")
    ] = None,
    competitor_id: Annotated[UUID | None, Query(description="lost in the period to this competitor")] = None,
    forecast_category: Annotated[
        str | None, Query(max_length=12, description="open in a stage of this category")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The opportunities behind one number of the board (same filters), biggest first. Given
    conditions combine; none lists the open pipeline (the board's totals)."""
    items, next_cursor = await PipelineAnalytics(session, actor).drill(
        filters, stage_id, bucket, lost_reason, competitor_id, forecast_category, cursor, limit
    )
    return {"items": items, "next_cursor": next_cursor}


# --- sales targets -------------------------------------------------------------------------


class SalesTargetOut(Output):
    id: UUID
    scope_type: Literal["user", "team", "zone"]
    scope_id: UUID
    scope_name: str
    month: str = Field(description="YYYY-MM")
    amount: Decimal
    currency: str
    business_line_id: UUID | None = Field(description="null: the target counts for every business line")
    set_by: UserRef | None
    version: int
    updated_at: datetime


class SalesTargetIn(Input):
    scope_type: Literal["user", "team", "zone"]
    scope_id: UUID
    month: str = Field(pattern=MONTH, description="YYYY-MM")
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    currency: Currency = "CNY"
    business_line_id: UUID | None = None

    def to_input(self) -> TargetInput:
        return TargetInput(
            self.scope_type,
            self.scope_id,
            month_of(self.month),
            self.amount,
            self.currency,
            self.business_line_id,
        )


class SalesTargetBatch(Input):
    items: list[SalesTargetIn] = Field(min_length=1, max_length=1000)


@router.get("/sales-targets", operation_id="list_sales_targets", response_model=Items[SalesTargetOut])
async def list_sales_targets(
    session: Session,
    actor: Reader,
    month: Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM; default: this month")] = None,
    scope_type: Literal["user", "team", "zone"] | None = None,
    scope_id: UUID | None = None,
    business_line_id: UUID | None = None,
) -> dict[str, Any]:
    """The month's targets the caller may see: inside their sales_target:manage scope or their
    opportunity:read scope (a rep sees their own). Zones first, then teams, then users."""
    chosen = month_of(month) if month else this_month()
    items = await SalesTargetService(session, actor).targets(chosen, scope_type, scope_id, business_line_id)
    return {"items": items}


@router.put("/sales-targets", operation_id="put_sales_target", response_model=SalesTargetOut)
async def put_sales_target(session: Session, actor: Manager, body: SalesTargetIn) -> dict[str, Any]:
    """Set (create or replace) one target of a user, team or zone inside the caller's scope;
    a scope outside it answers 404."""
    return await SalesTargetService(session, actor).put(body.to_input())


@router.put("/sales-targets/batch", operation_id="put_sales_targets", response_model=Items[SalesTargetOut])
async def put_sales_targets(session: Session, actor: Manager, body: SalesTargetBatch) -> dict[str, Any]:
    """Set many targets at once (the SPA's grid): all of them, or none on the first refusal."""
    items = await SalesTargetService(session, actor).put_many([i.to_input() for i in body.items])
    return {"items": items}


@router.delete(
    "/sales-targets/{target_id}",
    operation_id="delete_sales_target",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def delete_sales_target(session: Session, actor: Manager, target_id: UUID) -> Response:
    await SalesTargetService(session, actor).delete(target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
