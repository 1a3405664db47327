"""Leads (线索) and their channels (来源渠道)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, Response, status
from fastapi.responses import StreamingResponse
from pydantic import EmailStr, Field, field_validator

from api.deps import Authorize, Ctx, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, MobileNumber, Output, Page, Uscc, UserRef
from domain.customers import CompanySize
from domain.errors import FieldErrors
from domain.leads import LeadStatus
from repositories import leads as leads_repo
from repositories.models import Lead
from services.context import Actor
from services.lead_conversion import LeadConversionService
from services.lead_dispatch import LeadDispatchService
from services.lead_duplicates import LeadDuplicateService
from services.lead_export import export_leads
from services.lead_intake import LeadIntake, NewLead
from services.lead_pool import LeadPoolService
from services.lead_recycling import LeadRecyclingService
from services.leads import ChannelService, LeadService
from services.spreadsheet import XLSX_TYPE, ExportFormat

router = ResourceRouter(tags=["leads"])

REGION = r"^\d{6}$"


class ChannelIn(Input):
    code: str = Field(pattern=r"^[a-z0-9_\-]{2,40}$")
    name: str = Field(min_length=1, max_length=100)
    weight: int = Field(10, ge=0, le=100, description="points a lead from this channel scores")
    is_active: bool = True


class ChannelUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    weight: int | None = Field(None, ge=0, le=100)
    is_active: bool | None = None


class ChannelOut(Output):
    id: UUID
    code: str
    name: str
    weight: int
    is_active: bool
    version: int


class _LeadFields(Input):
    company_name: str = Field(min_length=1, max_length=200)
    uscc: Uscc = None
    contact_name: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=100)
    mobile: MobileNumber = None
    email: EmailStr | None = None
    province_code: str | None = Field(None, pattern=REGION)
    city_code: str | None = Field(None, pattern=REGION)
    industry: str | None = Field(None, max_length=100)
    company_size: CompanySize | None = None
    product: str | None = Field(None, max_length=100, description="product of interest")
    channel_id: UUID | None = None
    campaign: str | None = Field(None, max_length=100)
    utm: dict[str, str] = Field(default_factory=dict, max_length=10, description="utm_source, utm_medium…")
    notes: str | None = Field(None, max_length=5000)

    @field_validator("utm")
    @classmethod
    def _utm(cls, value: dict[str, str]) -> dict[str, str]:
        if any(len(k) > 40 or len(v) > 200 for k, v in value.items()):
            raise ValueError("keys at most 40 and values at most 200 characters")
        return value


class LeadCreate(_LeadFields):
    pass


class LeadUpdate(_LeadFields):
    company_name: str = Field(None, min_length=1, max_length=200)  # type: ignore[assignment]


class LeadActionIn(Input):
    kind: Literal["form_submit", "call", "visit", "meeting"]
    note: str | None = Field(None, max_length=5000)
    happened_at: datetime | None = None


class LeadStatusIn(Input):
    status: LeadStatus
    reason: str | None = Field(None, max_length=200, description="required when the lead is invalid")


class LeadOut(Output):
    id: UUID
    company_name: str
    uscc: str | None
    contact_name: str | None
    title: str | None
    mobile: str | None
    email: str | None
    province_code: str | None
    city_code: str | None
    industry: str | None
    company_size: str | None
    product: str | None
    channel_id: UUID | None
    campaign: str | None
    utm: dict[str, Any]
    notes: str | None
    status: str
    invalid_reason: str | None
    owner: UserRef | None
    zone_id: UUID | None
    queue: Literal["pool", "leader", "default"] | None = Field(
        description="where an unowned lead waits: the zone's pool (claimable), the leader's queue "
        "(dispatched by hand) or the default queue"
    )
    import_id: UUID | None
    grade: str
    score: int
    score_breakdown: dict[str, Any]
    routing_trace: dict[str, Any] = Field(
        description="which rule placed the lead, the candidates and why each was skipped"
    )
    duplicate_of_id: UUID | None
    customer_id: UUID | None
    last_contacted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class LeadActionOut(Output):
    id: UUID
    kind: str
    note: str | None
    happened_at: datetime
    author: UserRef | None


class LeadDetailOut(LeadOut):
    actions: list[LeadActionOut]
    duplicates: list[LeadOut]


def _lead(lead: Lead, actor: Actor) -> dict[str, Any]:
    owner = actor.access.org.users.get(lead.owner_id) if lead.owner_id else None
    data = {k: getattr(lead, k) for k in LeadOut.model_fields if k != "owner"}
    data["owner"] = {"id": owner.id, "display_name": owner.display_name} if owner else None
    return data


@router.get("/channels", operation_id="list_channels", response_model=Items[ChannelOut])
async def list_channels(
    session: Session, _: Annotated[Actor, Depends(Authorize("channel", "read"))]
) -> dict[str, Any]:
    return {"items": await leads_repo.channels(session)}


@router.post(
    "/channels", operation_id="create_channel", response_model=ChannelOut, status_code=status.HTTP_201_CREATED
)
async def create_channel(
    body: ChannelIn, session: Session, actor: Annotated[Actor, Depends(Authorize("channel", "create"))]
) -> Any:
    return await ChannelService(session, actor.access).create(body.model_dump())


@router.patch("/channels/{channel_id}", operation_id="update_channel", response_model=ChannelOut)
async def update_channel(
    channel_id: UUID,
    body: ChannelUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("channel", "update"))],
    expected: IfMatch,
    response: Response,
) -> Any:
    channel = await ChannelService(session, actor.access).update(
        channel_id, body.model_dump(exclude_unset=True), expected
    )
    response.headers["ETag"] = etag(channel.version)
    return channel


@router.post(
    "/leads", operation_id="create_lead", response_model=LeadOut, status_code=status.HTTP_201_CREATED
)
async def create_lead(
    body: LeadCreate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "create"))],
    response: Response,
) -> dict[str, Any]:
    """Capture a lead (signed-in users and API keys): graded, de-duplicated (a duplicate is kept
    and linked to the original via duplicate_of_id) and placed."""
    lead = await LeadService(session, actor).capture(body.model_dump(exclude_unset=True))
    response.headers["Location"] = f"/api/v1/leads/{lead.id}"
    response.headers["ETag"] = etag(lead.version)
    return _lead(lead, actor)


class LeadBatchIn(Input):
    leads: list[LeadCreate] = Field(min_length=1, max_length=500)


@router.post(
    "/leads/batch",
    operation_id="create_leads_batch",
    response_model=Items[LeadOut],
    status_code=status.HTTP_201_CREATED,
)
async def create_leads_batch(
    body: LeadBatchIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "create"))],
) -> dict[str, Any]:
    """Capture up to 500 leads in one call (integrations, landing-page backlogs): each is
    handled exactly like POST /leads — de-duplicated (also against earlier leads of the same
    batch), graded and routed. All or nothing: one bad lead refuses the batch, naming it
    (`leads.3.province_code`). Honours Idempotency-Key."""
    taken = await LeadIntake(session, actor).ingest(
        [NewLead(lead.model_dump(exclude_unset=True)) for lead in body.leads]
    )
    errors = [
        {"field": f"leads.{i}.{name}", "message": message}
        for i, t in enumerate(taken)
        for name, message in t.errors
    ]
    if errors:
        raise FieldErrors(errors)
    return {"items": [_lead(t.lead, actor) for t in taken if t.lead is not None]}


@router.get("/leads", operation_id="list_leads", response_model=Page[LeadOut])
async def list_leads(
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "read"))],
    status_: Annotated[LeadStatus | None, Query(alias="status")] = None,
    grade: Annotated[str | None, Query(pattern=r"^[ABCD]$")] = None,
    channel_id: UUID | None = None,
    owner_id: UUID | None = None,
    unassigned: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    pool: Annotated[
        bool, Query(description="the lead pool of the caller's zones (open leads anyone there may claim)")
    ] = False,
    sort: Annotated[Literal["-created_at", "grade"], Query(description="grade: A first")] = "-created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    rows, next_cursor = await leads_repo.search(
        session,
        actor.scope,
        status=status_.value if status_ else None,
        grade=grade,
        channel_id=channel_id,
        owner_id=owner_id,
        q=q,
        unassigned=unassigned,
        by_grade=sort == "grade",
        cursor=cursor,
        limit=limit,
        pool=pool,
        pool_zones=LeadPoolService(session, actor).pool_zones() if pool else None,
    )
    return {"items": [_lead(r, actor) for r in rows], "next_cursor": next_cursor}


@router.get(
    "/leads/export",
    operation_id="export_leads",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
async def export_leads_route(
    ctx: Ctx,
    actor: Annotated[Actor, Depends(Authorize("lead", "export"))],
    status_: Annotated[LeadStatus | None, Query(alias="status")] = None,
    grade: Annotated[str | None, Query(pattern=r"^[ABCD]$")] = None,
    channel_id: UUID | None = None,
    owner_id: UUID | None = None,
    unassigned: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    format: ExportFormat = ExportFormat.XLSX,
) -> StreamingResponse:
    """The filtered lead list within the caller's scope (XLSX, or CSV in UTF-8 with BOM)."""
    filters = {
        "status": status_.value if status_ else None,
        "grade": grade,
        "channel_id": channel_id,
        "owner_id": owner_id,
        "q": q,
        "unassigned": unassigned,
    }
    return await export_leads(ctx.sessions, actor, filters, format)


@router.get("/leads/{lead_id}", operation_id="get_lead", response_model=LeadDetailOut)
async def get_lead(
    lead_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "read"))],
    response: Response,
) -> dict[str, Any]:
    lead = await LeadService(session, actor).get(lead_id)
    actions = await leads_repo.actions(session, lead.id)
    duplicates = await leads_repo.duplicates_of(session, lead.id)
    response.headers["ETag"] = etag(lead.version)
    return {
        **_lead(lead, actor),
        "actions": [
            {
                "id": a.id,
                "kind": a.kind,
                "note": a.note,
                "happened_at": a.happened_at,
                "author": {"id": a.author_id, "display_name": name} if a.author_id else None,
            }
            for a, name in actions
        ],
        "duplicates": [_lead(d, actor) for d in duplicates],
    }


@router.patch("/leads/{lead_id}", operation_id="update_lead", response_model=LeadOut)
async def update_lead(
    lead_id: UUID,
    body: LeadUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "update"))],
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    lead = await LeadService(session, actor).update(lead_id, body.model_dump(exclude_unset=True), expected)
    response.headers["ETag"] = etag(lead.version)
    return _lead(lead, actor)


@router.post("/leads/{lead_id}/actions", operation_id="log_lead_action", response_model=LeadOut)
async def log_action(
    lead_id: UUID,
    body: LeadActionIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "update"))],
) -> dict[str, Any]:
    """Log a key action (call, visit, meeting, form submit): the grade is recomputed."""
    lead = await LeadService(session, actor).log_action(lead_id, body.kind, body.note, body.happened_at)
    return _lead(lead, actor)


@router.post("/leads/{lead_id}/status", operation_id="set_lead_status", response_model=LeadOut)
async def set_status(
    lead_id: UUID,
    body: LeadStatusIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "update"))],
    expected: IfMatch,
) -> dict[str, Any]:
    lead = await LeadService(session, actor).set_status(lead_id, body.status, body.reason, expected)
    return _lead(lead, actor)


class ConvertOpportunityIn(Input):
    """The opportunity the qualified need becomes (商机), created with the customer."""

    name: str | None = Field(None, max_length=200, description="default: the company and product")
    business_line_id: UUID | None = Field(None, description="default: the default business line")
    amount: Decimal = Field(Decimal("0"), ge=0, max_digits=18, decimal_places=2)
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$")
    expected_close_date: date | None = None
    product: str | None = Field(None, max_length=100, description="default: the lead's product")
    next_step: str | None = Field(None, max_length=500)


class ConvertIn(Input):
    customer_id: UUID | None = Field(
        None, description="link to this existing customer instead of finding or creating one"
    )
    opportunity: ConvertOpportunityIn | None = Field(
        None, description="also create an opportunity for the customer (source: lead)"
    )


class ConversionOut(Output):
    lead: LeadOut
    customer_id: UUID
    created: bool = Field(description="false when the lead was linked to an existing customer")
    opportunity_id: UUID | None = Field(None, description="the opportunity created with the conversion")


class DispatchIn(Input):
    lead_ids: list[UUID] = Field(min_length=1, max_length=1000)
    user_ids: list[UUID] = Field(min_length=1, max_length=100)


class DispatchOut(Output):
    assigned: dict[str, list[UUID]] = Field(description="rep id → the leads they received")


class TransferIn(Input):
    user_id: UUID
    reason: str = Field(min_length=1, max_length=500)


@router.post("/leads/{lead_id}/convert", operation_id="convert_lead", response_model=ConversionOut)
async def convert_lead(
    lead_id: UUID,
    body: ConvertIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "update"))],
    expected: IfMatch,
) -> dict[str, Any]:
    """The lead becomes a customer (with its contact), or is linked to the customer that
    already exists for the company (same USCC or normalised name). Converting twice is 409."""
    opportunity = body.opportunity.model_dump(exclude_unset=True) if body.opportunity else None
    if body.opportunity is not None:
        assert opportunity is not None
        opportunity["amount"] = body.opportunity.amount
    result = await LeadConversionService(session, actor).convert(
        lead_id, body.customer_id, expected, opportunity
    )
    return {
        "lead": _lead(result.lead, actor),
        "customer_id": result.customer_id,
        "created": result.created,
        "opportunity_id": result.opportunity_id,
    }


@router.post("/leads/dispatch", operation_id="dispatch_leads", response_model=DispatchOut)
async def dispatch_leads(
    body: DispatchIn, session: Session, actor: Annotated[Actor, Depends(Authorize("lead", "dispatch"))]
) -> dict[str, Any]:
    """Managers hand leads to chosen reps, evenly at random (counts differ by at most 1)."""
    assigned = await LeadDispatchService(session, actor).dispatch(
        list(dict.fromkeys(body.lead_ids)), list(dict.fromkeys(body.user_ids))
    )
    return {"assigned": {str(k): v for k, v in assigned.items()}}


@router.post("/leads/{lead_id}/transfer", operation_id="transfer_lead", response_model=LeadOut)
async def transfer_lead(
    lead_id: UUID,
    body: TransferIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "update"))],
) -> dict[str, Any]:
    """A rep hands the lead to a colleague, with a reason (kept in the lead's history)."""
    lead = await LeadDispatchService(session, actor).transfer(lead_id, body.user_id, body.reason)
    return _lead(lead, actor)


class RecycleIn(Input):
    dry_run: bool = Field(True, description="list what would be recycled without changing anything")


class RecycledLead(Output):
    lead_id: UUID
    previous_owner_id: UUID
    grade: str


class RecycleOut(Output):
    count: int
    dry_run: bool
    leads: list[RecycledLead]


@router.post("/leads/recycle", operation_id="recycle_leads", response_model=RecycleOut)
async def recycle_leads(
    body: RecycleIn, session: Session, _: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> dict[str, Any]:
    """Run lead recycling now (admins; the worker runs it every 15 minutes): owned leads not
    contacted within their grade's hours (app_settings lead_rules.recycle_hours, default
    A 24 / B 48 / C 72 / D 168) go back to the zone's queue."""
    result = await LeadRecyclingService(session).run(datetime.now(UTC), dry_run=body.dry_run)
    return {
        "count": result.count,
        "dry_run": result.dry_run,
        "leads": [{"lead_id": i, "previous_owner_id": o, "grade": g} for i, o, g in result.leads],
    }


@router.post("/leads/{lead_id}/merge", operation_id="merge_duplicate_lead", response_model=LeadOut)
async def merge_duplicate(
    lead_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("lead", "dispatch"))]
) -> dict[str, Any]:
    """A manager merges a duplicate into its original: the original takes the fields only the
    duplicate had; the duplicate is closed as merged (kept, still linked). Returns the original."""
    return _lead(await LeadDuplicateService(session, actor).merge(lead_id), actor)


@router.post("/leads/{lead_id}/unlink", operation_id="unlink_duplicate_lead", response_model=LeadOut)
async def unlink_duplicate(
    lead_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("lead", "dispatch"))]
) -> dict[str, Any]:
    """A manager decides a flagged duplicate is a lead of its own."""
    return _lead(await LeadDuplicateService(session, actor).unlink(lead_id), actor)


class ReleaseIn(Input):
    reason: str = Field(min_length=1, max_length=500)


@router.post("/leads/{lead_id}/claim", operation_id="claim_lead", response_model=LeadOut)
async def claim_lead(
    lead_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("lead", "claim"))]
) -> dict[str, Any]:
    """Take a lead from your zone's pool (领取), within the limits: open leads per rep (200),
    claims a day (20), and not one that left you in the last 7 days (all configurable in the
    lead rules). Of two reps claiming one lead at once exactly one wins; the other gets 409."""
    return _lead(await LeadPoolService(session, actor).claim(lead_id), actor)


@router.post("/leads/{lead_id}/release", operation_id="release_lead", response_model=LeadOut)
async def release_lead(
    lead_id: UUID,
    body: ReleaseIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("lead", "update"))],
) -> dict[str, Any]:
    """Give a lead back to its zone's pool (释放), with a reason kept in its history."""
    return _lead(await LeadPoolService(session, actor).release(lead_id, body.reason), actor)
