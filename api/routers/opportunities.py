"""Opportunities (商机): list, kanban, detail, create, edit, stage moves, reassignment, the
checklist, special-opportunity approval, registration (商机报备) and its conflicts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, Response, status

from api.deps import Authorize, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Items, Page
from api.schemas_opportunities import (
    Board,
    ChecklistIn,
    ConflictIn,
    History,
    LostReason,
    OpportunityCreate,
    OpportunityListItem,
    OpportunityOut,
    OpportunityUpdate,
    ReassignIn,
    RegistrationIn,
    SpecialIn,
    StageMoveIn,
)
from domain.opportunities import OpportunitySource, OpportunityStatus
from repositories.opportunities import Filters
from repositories.opportunities import list_page as list_opportunities
from services.context import Actor
from services.opportunities import LostData, WonData, lost_reasons
from services.opportunity_registration import RegistrationService
from services.opportunity_views import OpportunityViews

router = ResourceRouter(tags=["opportunities"])

Reader = Annotated[Actor, Depends(Authorize("opportunity", "read"))]


async def filters(
    business_line_id: UUID | None = None,
    stage_id: UUID | None = None,
    status_: Annotated[OpportunityStatus | None, Query(alias="status")] = None,
    owner_id: UUID | None = None,
    team_id: UUID | None = None,
    zone_id: UUID | None = None,
    customer_id: UUID | None = None,
    grade: Annotated[str | None, Query(pattern=r"^[ABC]$")] = None,
    source: OpportunitySource | None = None,
    q: Annotated[str | None, Query(max_length=100, description="name or customer name contains")] = None,
    close_from: date | None = None,
    close_to: date | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    amount_min: Annotated[Decimal | None, Query(ge=0)] = None,
    amount_max: Annotated[Decimal | None, Query(ge=0)] = None,
    queue: Annotated[
        bool | None, Query(description="only registrations waiting in a zone leader's queue")
    ] = None,
    conflict: Annotated[bool | None, Query(description="only registrations with an open conflict")] = None,
    mine: Annotated[bool, Query(description="only mine: owned by me or on my team")] = False,
) -> Filters:
    return Filters(
        business_line_id=business_line_id,
        stage_id=stage_id,
        status=status_.value if status_ else None,
        owner_id=owner_id,
        team_id=team_id,
        zone_id=zone_id,
        customer_id=customer_id,
        grade=grade,
        source=source.value if source else None,
        q=q or None,
        close_from=close_from,
        close_to=close_to,
        created_from=created_from,
        created_to=created_to,
        amount_min=amount_min,
        amount_max=amount_max,
        queue=queue,
        conflict=conflict,
        mine=mine,
    )


ListFilters = Annotated[Filters, Depends(filters)]


@router.get("/opportunities", operation_id="list_opportunities", response_model=Page[OpportunityListItem])
async def list_(
    session: Session,
    actor: Reader,
    f: ListFilters,
    sort: Annotated[
        Literal[
            "updated_at",
            "-updated_at",
            "created_at",
            "-created_at",
            "amount",
            "-amount",
            "expected_close_date",
            "-expected_close_date",
            "name",
            "-name",
        ],
        Query(),
    ] = "-updated_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Opportunities the caller sees (the owner's management scope, or the opportunity team)."""
    rows, next_cursor = await list_opportunities(
        session,
        actor.scope_for("opportunity", "read"),
        f,
        actor.user_id,
        sort.lstrip("-"),
        sort.startswith("-"),
        cursor,
        limit,
    )
    return {"items": await OpportunityViews(session, actor).items(rows), "next_cursor": next_cursor}


@router.get("/opportunities/board", operation_id="opportunity_board", response_model=Board)
async def board(
    session: Session,
    actor: Reader,
    f: ListFilters,
    per_stage: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The kanban of one business line (default: the default line): each stage's count, amount
    and weighted amount, with its newest cards; won and lost show this month's closes."""
    return await OpportunityViews(session, actor).board(f, f.business_line_id, per_stage)


@router.get(
    "/opportunities/lost-reasons", operation_id="opportunity_lost_reasons", response_model=Items[LostReason]
)
async def list_lost_reasons(session: Session, actor: Reader) -> dict[str, Any]:
    return {"items": await lost_reasons(session)}


@router.post(
    "/opportunities",
    operation_id="create_opportunity",
    response_model=OpportunityOut,
    status_code=status.HTTP_201_CREATED,
)
async def create(
    body: OpportunityCreate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "create"))],
    response: Response,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, mode="python")
    data["products"] = [p.model_dump(exclude_none=True) for p in body.products]
    data["amount"] = body.amount
    views = OpportunityViews(session, actor)  # one service: the answer reuses what the change read
    opp = await views.service.create(data)
    response.headers["Location"] = f"/api/v1/opportunities/{opp.id}"
    response.headers["ETag"] = etag(opp.version)
    return await views.detail_of(opp)


@router.post(
    "/opportunity-registrations",
    operation_id="register_opportunity",
    response_model=OpportunityOut,
    status_code=status.HTTP_201_CREATED,
)
async def register(
    body: RegistrationIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "create"))],
    response: Response,
) -> dict[str, Any]:
    """商机报备: routed by the sales division rules; no routing fields → the zone leader's queue;
    an open opportunity for the same customer and product → flagged as a conflict. The answer
    is the registration as the registrant may see it (routed to someone else: still shown once)."""
    data = body.model_dump(exclude_unset=True, mode="python")
    data["products"] = [p.model_dump(exclude_none=True) for p in body.products]
    data["amount"] = body.amount
    if body.company is not None:
        data["company"] = body.company.model_dump(exclude_none=True)
    opp = await RegistrationService(session, actor).register(data)
    response.headers["Location"] = f"/api/v1/opportunities/{opp.id}"
    return await OpportunityViews(session, actor).detail_of(opp)


@router.get("/opportunities/{opportunity_id}", operation_id="get_opportunity", response_model=OpportunityOut)
async def get(opportunity_id: UUID, session: Session, actor: Reader, response: Response) -> dict[str, Any]:
    out = await OpportunityViews(session, actor).detail(opportunity_id)
    response.headers["ETag"] = etag(out["version"])
    return out


@router.patch(
    "/opportunities/{opportunity_id}", operation_id="update_opportunity", response_model=OpportunityOut
)
async def update(
    opportunity_id: UUID,
    body: OpportunityUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "update"))],
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, mode="python")
    if body.products is not None:
        data["products"] = [p.model_dump(exclude_none=True) for p in body.products]
    if body.amount is not None:
        data["amount"] = body.amount
    views = OpportunityViews(session, actor)  # one service: the answer reuses what the change read
    opp = await views.service.update(opportunity_id, data, expected)
    response.headers["ETag"] = etag(opp.version)
    return await views.detail_of(opp)


@router.post(
    "/opportunities/{opportunity_id}/stage",
    operation_id="move_opportunity_stage",
    response_model=OpportunityOut,
)
async def move_stage(
    opportunity_id: UUID,
    body: StageMoveIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "move"))],
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Move forward or back. Leaving a stage forward needs its exit criteria (and those of any
    stage skipped): otherwise 422 `stage-criteria-not-met` with `missing` listing each one.
    Won needs `won` (deal amount, signing date); lost needs `lost.reason`, and may name the
    competitor who won."""
    views = OpportunityViews(session, actor)  # one service: the answer reuses what the change read
    opp = await views.service.move(
        opportunity_id,
        stage_id=body.stage_id,
        stage_code=body.stage_code,
        won=WonData(body.won.amount, body.won.signed_on, body.won.contract_number) if body.won else None,
        lost=LostData(body.lost.reason, body.lost.competitor_id, body.lost.competitor_name, body.lost.note)
        if body.lost
        else None,
        note=body.note,
        expected=expected,
    )
    response.headers["ETag"] = etag(opp.version)
    return await views.detail_of(opp)


@router.get(
    "/opportunities/{opportunity_id}/history", operation_id="opportunity_history", response_model=History
)
async def history(opportunity_id: UUID, session: Session, actor: Reader) -> dict[str, Any]:
    """Stage history (who, when, time spent per stage) and reassignments with their reasons."""
    return await OpportunityViews(session, actor).history(opportunity_id)


@router.post(
    "/opportunities/{opportunity_id}/reassign",
    operation_id="reassign_opportunity",
    response_model=OpportunityOut,
)
async def reassign(
    opportunity_id: UUID,
    body: ReassignIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "reassign"))],
) -> dict[str, Any]:
    """转派 (and dispatching a registration from the zone leader's queue): a reason is required."""
    views = OpportunityViews(session, actor)  # one service: the answer reuses what the change read
    opp = await views.service.reassign(opportunity_id, body.owner_id, body.reason)
    return await views.detail_of(opp)


@router.post(
    "/opportunities/{opportunity_id}/checklist",
    operation_id="tick_opportunity_checklist",
    response_model=OpportunityOut,
)
async def tick(
    opportunity_id: UUID,
    body: ChecklistIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "update"))],
) -> dict[str, Any]:
    views = OpportunityViews(session, actor)  # one service: the answer reuses what the change read
    opp = await views.service.tick(opportunity_id, body.stage_code, body.item, body.done)
    return await views.detail_of(opp)


@router.post(
    "/opportunities/{opportunity_id}/special",
    operation_id="request_special_opportunity",
    response_model=OpportunityOut,
)
async def special(
    opportunity_id: UUID,
    body: SpecialIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "update"))],
) -> dict[str, Any]:
    """Mark as special (key customer, multi-party bidding, cross-zone): it waits for approval
    before it may move on (seed 001)."""
    views = OpportunityViews(session, actor)  # one service: the answer reuses what the change read
    opp = await views.service.request_special(opportunity_id, body.special_kind, body.reason)
    return await views.detail_of(opp)


@router.post(
    "/opportunities/{opportunity_id}/conflict",
    operation_id="resolve_opportunity_conflict",
    response_model=OpportunityOut,
)
async def resolve_conflict(
    opportunity_id: UUID,
    body: ConflictIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("opportunity", "reassign"))],
) -> dict[str, Any]:
    """A manager decides a registration conflict: accept (both proceed), reject (closed as a
    duplicate) or merge (closed; the registrant joins the existing opportunity's team)."""
    opp = await RegistrationService(session, actor).resolve(opportunity_id, body.resolution, body.note)
    return await OpportunityViews(session, actor).detail_of(opp)
