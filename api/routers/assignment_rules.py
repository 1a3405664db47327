"""Assignment rules (分配规则): the ordered rules that route new leads, and a dry run."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Response, status
from pydantic import Field

from api.deps import Authorize, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output
from domain.customers import CompanySize
from domain.errors import FieldError
from repositories import lead_routing as routing_repo
from services.context import Actor
from services.lead_routing import AssignmentRuleService, LeadRouter

router = ResourceRouter(tags=["assignment rules"])

ActionType = Literal[
    "user", "team_round_robin", "team_weighted", "team_least_loaded", "zone_pool", "zone_leader_queue"
]
RoutingField = Literal[
    "province_code", "city_code", "zone", "channel_id", "industry", "company_size", "product", "grade"
]
REGION = r"^\d{6}$"

CONDITIONS_DOC = (
    'a tree of groups {"all": [...]} (AND) / {"any": [...]} (OR) over conditions '
    '{"field", "op": eq|in|not_in|present|missing, "value"}; fields: province_code, city_code, '
    "zone (the sales zone covering the lead's region), channel_id, industry, company_size, product, "
    "grade; {} matches every lead"
)
TARGET_DOC = (
    "user: {user_id}; team_round_robin / team_least_loaded: {team_id}; team_weighted: "
    "{team_id, weights: {user_id: weight}}; zone_pool / zone_leader_queue: {zone_id?} (default: "
    "the zone covering the lead's region)"
)


class AssignmentRuleIn(Input):
    name: str = Field(min_length=1, max_length=100)
    position: int | None = Field(None, ge=0, description="order; default: after the last rule")
    is_active: bool = True
    conditions: dict[str, Any] = Field(default_factory=dict, description=CONDITIONS_DOC)
    action_type: ActionType
    action_target: dict[str, Any] = Field(default_factory=dict, description=TARGET_DOC)
    required_fields: list[RoutingField] = Field(
        default_factory=list, description="a lead missing any of these goes to the zone leader's queue"
    )


class AssignmentRuleUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    position: int | None = Field(None, ge=0)
    is_active: bool | None = None
    conditions: dict[str, Any] | None = Field(None, description=CONDITIONS_DOC)
    action_type: ActionType | None = None
    action_target: dict[str, Any] | None = Field(None, description=TARGET_DOC)
    required_fields: list[RoutingField] | None = None


class AssignmentRuleOut(Output):
    id: UUID
    name: str
    position: int
    is_active: bool
    conditions: dict[str, Any]
    action_type: str
    action_target: dict[str, Any]
    required_fields: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class AssignmentRuleOrder(Input):
    ids: list[UUID] = Field(min_length=1, max_length=1000, description="every rule's id, in the new order")


class RoutingSampleLead(Input):
    province_code: str | None = Field(None, pattern=REGION)
    city_code: str | None = Field(None, pattern=REGION)
    channel_id: UUID | None = None
    industry: str | None = Field(None, max_length=100)
    company_size: CompanySize | None = None
    product: str | None = Field(None, max_length=100)
    grade: Literal["A", "B", "C", "D"] | None = None


class RoutingCandidate(Output):
    user_id: str | None
    open_leads: int | None = None
    skipped_reason: str | None


class RoutingResult(Output):
    owner_id: UUID | None
    zone_id: UUID | None
    queue: str | None = Field(description="leader | pool | default when nobody owns the lead")
    reason: str | None


class RoutingDecision(Output):
    rule_id: UUID | None
    rule_name: str | None
    action: str
    candidates: list[RoutingCandidate]
    result: RoutingResult
    missing_fields: list[str] = Field(default_factory=list)


def _rule(rule: Any, response: Response | None = None) -> AssignmentRuleOut:
    if response is not None:
        response.headers["ETag"] = etag(rule.version)
    return AssignmentRuleOut.model_validate(rule)


@router.get(
    "/assignment-rules", operation_id="list_assignment_rules", response_model=Items[AssignmentRuleOut]
)
async def list_rules(
    session: Session, _: Annotated[Actor, Depends(Authorize("assignment_rule", "read"))]
) -> Items[AssignmentRuleOut]:
    """Every rule, in the order they are tried."""
    return Items[AssignmentRuleOut](
        items=[AssignmentRuleOut.model_validate(r) for r in await routing_repo.rules(session)]
    )


@router.post(
    "/assignment-rules",
    operation_id="create_assignment_rule",
    response_model=AssignmentRuleOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_rule(
    body: AssignmentRuleIn,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("assignment_rule", "manage"))],
    response: Response,
) -> AssignmentRuleOut:
    rule = await AssignmentRuleService(session, actor.access).create(body.model_dump())
    response.headers["Location"] = f"/api/v1/assignment-rules/{rule.id}"
    return _rule(rule, response)


@router.put(
    "/assignment-rules/order",
    operation_id="reorder_assignment_rules",
    response_model=Items[AssignmentRuleOut],
)
async def reorder_rules(
    body: AssignmentRuleOrder,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("assignment_rule", "manage"))],
) -> Items[AssignmentRuleOut]:
    rules = await AssignmentRuleService(session, actor.access).reorder(body.ids)
    return Items[AssignmentRuleOut](items=[AssignmentRuleOut.model_validate(r) for r in rules])


@router.post(
    "/assignment-rules/dry-run", operation_id="dry_run_assignment_rules", response_model=RoutingDecision
)
async def dry_run(
    body: RoutingSampleLead,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("assignment_rule", "read"))],
) -> RoutingDecision:
    """Route a sample lead through the active rules without saving anything (nor taking a
    round-robin turn): which rule matches, who would get it, and why others were skipped."""
    decision = await LeadRouter(session, actor.access).route(body.model_dump(), dry_run=True)
    return RoutingDecision.model_validate(decision.trace)


@router.patch(
    "/assignment-rules/{rule_id}", operation_id="update_assignment_rule", response_model=AssignmentRuleOut
)
async def update_rule(
    rule_id: UUID,
    body: AssignmentRuleUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("assignment_rule", "manage"))],
    expected: IfMatch,
    response: Response,
) -> AssignmentRuleOut:
    data = body.model_dump(exclude_unset=True)
    for key, value in data.items():
        if value is None:
            raise FieldError(key, "may not be null")
    rule = await AssignmentRuleService(session, actor.access).update(rule_id, data, expected)
    return _rule(rule, response)


@router.delete(
    "/assignment-rules/{rule_id}",
    operation_id="delete_assignment_rule",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_rule(
    rule_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("assignment_rule", "manage"))]
) -> None:
    await AssignmentRuleService(session, actor.access).delete(rule_id)
