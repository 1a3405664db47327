"""Admin settings: customer rules (min contacts), the five customer tiers (客户分层), lead rules
(capacity, recycling, claim limits) and lead scoring (线索分级)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Path
from pydantic import Field

from api.deps import Authorize, Session
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output
from repositories import settings as settings_repo
from repositories.db import after_commit
from services.context import Actor
from services.lead_reference import lead_reference_changed
from services.lead_settings import LeadSettingsService, lead_rules, scoring_as_dict, scoring_rules
from services.settings import SettingsService

router = ResourceRouter(tags=["settings"])


class CustomerRules(Output):
    min_contacts_enterprise: int = Field(description="enterprise customers need at least this many contacts")


class CustomerRulesUpdate(Input):
    min_contacts_enterprise: int = Field(ge=0, le=20)


class TierOut(Output):
    code: str
    name: str
    sort_order: int
    no_follow_up_days: int
    no_deal_days: int | None = Field(
        description="this tier's no-won-deal days; null: the recycle rules' value"
    )
    contract_ended_days: int | None = Field(
        description="this tier's days after the last contract ended; null: the recycle rules' value"
    )
    description: str | None = Field(description="what the tier is for")
    criteria: str | None = Field(description="which customers belong in it (seed 001)")


class TierUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=50)
    no_follow_up_days: int | None = Field(None, ge=1, le=3650)
    no_deal_days: int | None = Field(None, ge=1, le=3650, description="null: use the recycle rules' value")
    contract_ended_days: int | None = Field(
        None, ge=0, le=3650, description="null: use the recycle rules' value"
    )
    description: str | None = Field(None, max_length=2000)
    criteria: str | None = Field(None, max_length=2000)


@router.get("/settings/customer-rules", operation_id="get_customer_rules", response_model=CustomerRules)
async def get_rules(
    session: Session, _: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> CustomerRules:
    return CustomerRules.model_validate(await SettingsService(session).customer_rules())


@router.put("/settings/customer-rules", operation_id="update_customer_rules", response_model=CustomerRules)
async def put_rules(
    body: CustomerRulesUpdate, session: Session, _: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> CustomerRules:
    return CustomerRules.model_validate(
        await SettingsService(session).update_customer_rules(body.model_dump())
    )


GradeHours = Annotated[int, Field(ge=1, le=24 * 90)]
DedupKey = Literal["company_product", "uscc", "mobile", "email"]
Points = Annotated[int, Field(ge=0, le=100)]


class RecycleHours(Input):
    A: GradeHours | None = None
    B: GradeHours | None = None
    C: GradeHours | None = None
    D: GradeHours | None = None


class LeadRulesOut(Output):
    max_open_leads_per_rep: int = Field(
        description="routing skips, and claims refuse, a rep with this many open leads"
    )
    default_zone_id: UUID | None = Field(
        description="where leads no rule matches wait (none: the default queue)"
    )
    recycle_hours: dict[str, int] = Field(description="grade → hours an owner has to contact a new lead")
    max_daily_claims: int = Field(description="leads a rep may claim from the pool per day (China time)")
    reclaim_cooldown_days: int = Field(description="days before a rep may reclaim a lead that left them")
    dedup_keys: list[DedupKey] = Field(
        description="what makes a new lead a duplicate: company_product (normalised company name and "
        "product), uscc, mobile, email"
    )
    dedup_window_days: int = Field(description="how far back a duplicate's original is looked for")


class LeadRulesUpdate(Input):
    max_open_leads_per_rep: int | None = Field(None, ge=1, le=100_000)
    default_zone_id: UUID | None = None
    recycle_hours: RecycleHours | None = None
    max_daily_claims: int | None = Field(None, ge=0, le=10_000)
    reclaim_cooldown_days: int | None = Field(None, ge=0, le=365)
    dedup_keys: list[DedupKey] | None = Field(None, max_length=4)
    dedup_window_days: int | None = Field(None, ge=1, le=3650)


class FieldPoints(Input):
    company_name: Points | None = None
    contact_name: Points | None = None
    mobile: Points | None = None
    email: Points | None = None
    title: Points | None = None
    province_code: Points | None = None
    industry: Points | None = None
    company_size: Points | None = None
    product: Points | None = None


class ActionPoints(Input):
    form_submit: Points | None = None
    call: Points | None = None
    visit: Points | None = None
    meeting: Points | None = None


class Thresholds(Input):
    A: Annotated[int, Field(ge=0, le=1000)] | None = None
    B: Annotated[int, Field(ge=0, le=1000)] | None = None
    C: Annotated[int, Field(ge=0, le=1000)] | None = None
    D: Annotated[int, Field(ge=0, le=1000)] | None = None


class LeadScoringOut(Output):
    field_points: dict[str, int] = Field(description="information completeness: points per filled key field")
    action_points: dict[str, int] = Field(
        description="key actions: points per form submit, call, visit, meeting"
    )
    action_cap: int = Field(description="key actions add at most this many points")
    thresholds: dict[str, int] = Field(description="grade → the minimum score for it")


class LeadScoringUpdate(Input):
    field_points: FieldPoints | None = None
    action_points: ActionPoints | None = None
    action_cap: int | None = Field(None, ge=0, le=1000)
    thresholds: Thresholds | None = None


def _set(model: Input) -> dict[str, Any]:
    """The fields sent, with nested groups reduced to the keys sent."""
    return {
        k: ({kk: vv for kk, vv in v.items() if vv is not None} if isinstance(v, dict) else v)
        for k, v in model.model_dump(exclude_unset=True).items()
        if v is not None or k == "default_zone_id"
    }


@router.get("/settings/lead-rules", operation_id="get_lead_rules", response_model=LeadRulesOut)
async def get_lead_rules(
    session: Session, _: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> dict[str, Any]:
    return (await lead_rules(session)).as_dict()


@router.put("/settings/lead-rules", operation_id="update_lead_rules", response_model=LeadRulesOut)
async def put_lead_rules(
    body: LeadRulesUpdate, session: Session, actor: Annotated[Actor, Depends(Authorize("setting", "update"))]
) -> dict[str, Any]:
    """Change the lead rules; fields left out keep their value."""
    service = LeadSettingsService(session, lambda: lead_reference_changed(session, actor.access))
    return (await service.update_rules(_set(body))).as_dict()


@router.get("/settings/lead-scoring", operation_id="get_lead_scoring", response_model=LeadScoringOut)
async def get_lead_scoring(
    session: Session, _: Annotated[Actor, Depends(Authorize("setting", "read"))]
) -> dict[str, Any]:
    return scoring_as_dict(await scoring_rules(session))


@router.put("/settings/lead-scoring", operation_id="update_lead_scoring", response_model=LeadScoringOut)
async def put_lead_scoring(
    body: LeadScoringUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("setting", "update"))],
) -> dict[str, Any]:
    """Change grading (seed 001's three dimensions and the A/B/C/D thresholds). Leads are
    graded with the new numbers from the next change to each (a new lead, an action logged, a
    field edited)."""
    service = LeadSettingsService(session, lambda: lead_reference_changed(session, actor.access))
    return scoring_as_dict(await service.update_scoring(_set(body)))


@router.get("/customer-tiers", operation_id="list_customer_tiers", response_model=Items[TierOut])
async def list_tiers(  # reference data for every customer form and filter: customer:read
    session: Session, _: Annotated[Actor, Depends(Authorize("customer", "read"))]
) -> Items[TierOut]:
    return Items[TierOut](items=[TierOut.model_validate(t) for t in await settings_repo.tiers(session)])


@router.patch("/customer-tiers/{code}", operation_id="update_customer_tier", response_model=TierOut)
async def update_tier(
    body: TierUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("setting", "update"))],
    code: Annotated[str, Path(pattern=r"^[A-Z]$")],
) -> TierOut:
    tier = await SettingsService(session).update_tier(code, body.model_dump(exclude_unset=True))
    after_commit(session, actor.access.reference_changed)  # "days until recycle" use the tier days
    return TierOut.model_validate(tier)
