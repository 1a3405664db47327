"""Approval flow definitions (admins): which requests a flow applies to and its ordered steps;
versions; and a preview of who would approve a request (issue 5)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Response, status
from pydantic import Field, model_validator

from api.deps import Authorize, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output, UserRef
from domain.approvals import ApproverKind, Facts, Mode, Operator, RejectTarget, RequestKind, SelfApproval
from domain.customers import CustomerLevel
from repositories import approval_flows as repo
from services.approval_flows import ApprovalFlowService
from services.context import Actor

router = ResourceRouter(tags=["approvals"])

ConditionField = Literal[
    "amount", "discount_pct", "quantity", "category", "customer_level", "to_level", "zone_id"
]
NUMERIC_FIELDS = ("amount", "discount_pct", "quantity")


class MatchIn(Input):
    amount_min: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    amount_max: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2, description="exclusive")
    categories: list[str] | None = Field(None, max_length=50)
    customer_levels: list[CustomerLevel] | None = Field(None, max_length=3)
    zone_ids: list[UUID] | None = Field(None, max_length=100)
    discount_min: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    discount_max: Decimal | None = Field(
        None, ge=0, le=100, max_digits=5, decimal_places=2, description="exclusive"
    )

    @model_validator(mode="after")
    def _ranges(self) -> MatchIn:
        for low, high in (("amount_min", "amount_max"), ("discount_min", "discount_max")):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a >= b:
                raise ValueError(f"{low} must be below {high}")
        return self


class ConditionIn(Input):
    field: ConditionField
    op: Operator
    value: Decimal | str | list[Decimal | str] = Field(
        description="a list for `in`; amounts and % as numbers"
    )

    @model_validator(mode="after")
    def _shape(self) -> ConditionIn:
        if (self.op is Operator.IN) != isinstance(self.value, list):
            raise ValueError("`in` takes a list of values; every other operator one value")
        numeric = self.field in NUMERIC_FIELDS
        values = self.value if isinstance(self.value, list) else [self.value]
        if numeric:
            try:
                numbers = [Decimal(str(v)) for v in values]
            except InvalidOperation as exc:
                raise ValueError(f"{self.field} is compared with numbers") from exc
            if not all(n.is_finite() for n in numbers):
                raise ValueError(f"{self.field} is compared with numbers")
            self.value = list[Decimal | str](numbers) if isinstance(self.value, list) else numbers[0]
        if not numeric and self.op in (Operator.GT, Operator.GTE, Operator.LT, Operator.LTE):
            raise ValueError(f"{self.field} can only be compared with eq, ne or in")
        return self


class ApproverIn(Input):
    kind: ApproverKind = Field(
        description="users: named users; role: everyone with a role, company-wide (e.g. finance); team_role / zone_role: a role within the applicant's team / "
        "the request's zone (e.g. the zone's legal); manager: the applicant's manager, `levels` up; "
        "owner_manager: the record owner's manager; previous_approver_manager"
    )
    user_ids: list[UUID] = Field(default_factory=list, max_length=50)
    role: str | None = Field(None, max_length=64)
    levels: int = Field(1, ge=1, le=10)


class StepIn(Input):
    name: str = Field("", max_length=100)
    approvers: list[ApproverIn] = Field(min_length=1, max_length=10)
    mode: Mode = Field(
        Mode.ANY, description="any: 或签, the first decision counts; all: 会签, everyone approves"
    )
    conditions: list[ConditionIn] = Field(
        default_factory=list, max_length=10, description="all must hold, else the step is skipped"
    )
    time_limit_hours: int | None = Field(None, ge=1, le=24 * 90)
    escalate_to_manager: bool = False
    reject_to: RejectTarget = RejectTarget.APPLICANT
    self_approval: SelfApproval = Field(SelfApproval.SKIP, description="when the applicant is an approver")


class FlowIn(Input):
    kind: RequestKind
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    priority: int = Field(0, ge=0, le=1000, description="among several matching flows the highest wins")
    is_active: bool = True
    match: MatchIn = Field(default_factory=MatchIn)
    steps: list[StepIn] = Field(min_length=1, max_length=20)


class FlowUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    priority: int | None = Field(None, ge=0, le=1000)
    is_active: bool | None = None
    match: MatchIn | None = None
    steps: list[StepIn] | None = Field(None, min_length=1, max_length=20)


class FlowOut(Output):
    id: UUID
    kind: RequestKind
    name: str
    description: str | None
    priority: int
    is_active: bool
    current_version: int
    match: dict[str, Any]
    steps: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="the row version for If-Match (not the flow version)")


class FlowVersionOut(Output):
    number: int
    match: dict[str, Any]
    steps: list[dict[str, Any]]
    created_by: UUID | None
    created_at: datetime


class PreviewIn(Input):
    kind: RequestKind
    applicant_id: UUID
    owner_id: UUID | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    category: str | None = Field(None, max_length=100)
    customer_level: CustomerLevel | None = None
    zone_id: UUID | None = None
    discount_pct: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    quantity: Decimal | None = Field(
        None, ge=0, max_digits=18, decimal_places=2, description="e.g. sample units"
    )
    to_level: CustomerLevel | None = Field(None, description="a level change's target level")


class PreviewStepOut(Output):
    index: int
    name: str
    mode: Mode
    applies: bool = Field(description="false: the step's condition does not hold and it is skipped")
    approvers: list[UserRef]
    to_admin_queue: bool = Field(description="nobody can decide it: it would wait in the admin queue")
    self_approval: Literal["skipped", "auto_approved"] | None


class PreviewOut(Output):
    flow_id: UUID | None
    flow_name: str | None
    flow_version: int | None
    steps: list[PreviewStepOut]


def _out(flow: Any, version: Any) -> dict[str, Any]:
    return {
        **{k: getattr(flow, k) for k in ("id", "kind", "name", "description", "priority", "is_active")},
        "current_version": flow.current_version,
        "match": version.definition.get("match") or {},
        "steps": version.definition["steps"],
        "created_at": flow.created_at,
        "updated_at": flow.updated_at,
        "version": flow.version,
    }


def _definition(body: FlowIn | FlowUpdate) -> dict[str, Any]:
    """JSON-safe (Decimals as strings); an update keeps only the fields sent."""
    return body.model_dump(mode="json", exclude_unset=isinstance(body, FlowUpdate))


@router.get("/approval-flows", operation_id="list_approval_flows", response_model=Items[FlowOut])
async def list_flows(
    session: Session,
    _: Annotated[Actor, Depends(Authorize("approval_flow", "read"))],
    kind: RequestKind | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    flows = await repo.flows(session, kind, active)
    current = await repo.current_versions(session, [f.id for f in flows])
    return {"items": [_out(f, current[f.id]) for f in flows]}


@router.post(
    "/approval-flows",
    operation_id="create_approval_flow",
    response_model=FlowOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_flow(
    body: FlowIn, session: Session, actor: Annotated[Actor, Depends(Authorize("approval_flow", "manage"))]
) -> dict[str, Any]:
    flow, version = await ApprovalFlowService(session, actor).create(_definition(body))
    return _out(flow, version)


@router.get("/approval-flows/{flow_id}", operation_id="get_approval_flow", response_model=FlowOut)
async def get_flow(
    flow_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("approval_flow", "read"))],
    response: Response,
) -> dict[str, Any]:
    flow, version = await ApprovalFlowService(session, actor).get(flow_id)
    response.headers["ETag"] = etag(flow.version)
    return _out(flow, version)


@router.patch("/approval-flows/{flow_id}", operation_id="update_approval_flow", response_model=FlowOut)
async def update_flow(
    flow_id: UUID,
    body: FlowUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("approval_flow", "manage"))],
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    """Name, description, priority and active take effect at once; new match conditions or
    steps make a new version — requests already submitted keep the version they started with."""
    changes = {k: v for k, v in _definition(body).items() if v is not None or k == "description"}
    flow, version = await ApprovalFlowService(session, actor).update(flow_id, changes, expected)
    response.headers["ETag"] = etag(flow.version)
    return _out(flow, version)


@router.get(
    "/approval-flows/{flow_id}/versions",
    operation_id="list_approval_flow_versions",
    response_model=Items[FlowVersionOut],
)
async def list_versions(
    flow_id: UUID, session: Session, actor: Annotated[Actor, Depends(Authorize("approval_flow", "read"))]
) -> dict[str, Any]:
    await ApprovalFlowService(session, actor).get(flow_id)
    return {
        "items": [
            {
                "number": v.number,
                "match": v.definition.get("match") or {},
                "steps": v.definition["steps"],
                "created_by": v.created_by,
                "created_at": v.created_at,
            }
            for v in await repo.versions(session, flow_id)
        ]
    }


@router.post("/approval-flows/preview", operation_id="preview_approval_flow", response_model=PreviewOut)
async def preview(
    body: PreviewIn, session: Session, actor: Annotated[Actor, Depends(Authorize("approval_flow", "read"))]
) -> dict[str, Any]:
    """Which flow a request with these facts would follow and who would decide each step —
    e.g. a sample request of 500 units by a given rep."""
    facts = Facts(
        kind=body.kind.value,
        amount=body.amount,
        category=body.category,
        customer_level=body.customer_level.value if body.customer_level else None,
        zone_id=body.zone_id,
        discount_pct=body.discount_pct,
        extra={
            k: v
            for k, v in (("quantity", body.quantity), ("to_level", body.to_level and body.to_level.value))
            if v is not None
        },
    )
    flow, steps = await ApprovalFlowService(session, actor).preview(facts, body.applicant_id, body.owner_id)
    users = actor.access.org.users
    return {
        "flow_id": flow.id if flow else None,
        "flow_name": flow.name if flow else None,
        "flow_version": flow.version if flow else None,
        "steps": [
            {
                "index": s.index,
                "name": s.name,
                "mode": s.mode,
                "applies": s.applies,
                "approvers": [
                    {"id": u, "display_name": users[u].display_name if u in users else str(u)}
                    for u in s.approvers
                ],
                "to_admin_queue": s.to_admin_queue,
                "self_approval": s.self_approval,
            }
            for s in steps
        ],
    }
