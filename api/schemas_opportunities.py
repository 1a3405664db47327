"""Request and response bodies of the opportunities API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, model_validator

from api.schemas import Input, NamedRef, Output, UserRef
from domain.opportunities import OpportunityStatus, SpecialKind

Amount = Decimal
CURRENCY = Field("CNY", pattern=r"^[A-Z]{3}$", description="ISO 4217")


class ProductLine(Input):
    name: str = Field(min_length=1, max_length=200)
    quantity: int | None = Field(None, ge=1, le=10_000_000)
    notes: str | None = Field(None, max_length=500)


class _Editable(Input):
    name: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(Decimal("0"), ge=0, max_digits=18, decimal_places=2)
    currency: str = CURRENCY
    expected_close_date: date | None = None
    products: list[ProductLine] = Field(default_factory=list, max_length=100)
    product: str | None = Field(None, max_length=100, description="the main product (registration conflicts)")
    priority: Literal["key", "normal"] | None = None
    next_step: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=5000)


class OpportunityCreate(_Editable):
    customer_id: UUID
    business_line_id: UUID | None = Field(None, description="default: the default business line")
    stage_id: UUID | None = Field(None, description="an open stage; default: the line's first")
    owner_id: UUID | None = Field(None, description="a manager may name someone they manage; default: you")
    special_kind: SpecialKind | None = Field(
        None, description="key customer, multi-party bidding, cross-zone: needs approval"
    )
    special_reason: str | None = Field(None, max_length=1000)


class OpportunityUpdate(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    expected_close_date: date | None = None
    products: list[ProductLine] | None = Field(None, max_length=100)
    product: str | None = Field(None, max_length=100)
    priority: Literal["key", "normal"] | None = None
    next_step: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=5000)

    @model_validator(mode="after")
    def _no_nulls(self) -> OpportunityUpdate:
        for name in ("name", "amount", "currency", "priority", "products"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CompanyIn(Input):
    name: str = Field(min_length=2, max_length=200)
    uscc: str | None = Field(None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    province_code: str | None = Field(None, pattern=r"^\d{6}$")
    city_code: str | None = Field(None, pattern=r"^\d{6}$")
    industry: str | None = Field(None, max_length=100)
    company_size: str | None = Field(None, max_length=16)
    address: str | None = Field(None, max_length=300)
    contact_name: str | None = Field(None, max_length=100)
    contact_title: str | None = Field(None, max_length=100)
    contact_mobile: str | None = Field(None, max_length=20)


class RegistrationIn(_Editable):
    customer_id: UUID | None = Field(None, description="a customer you can see; or name the company")
    company: CompanyIn | None = None
    business_line_id: UUID | None = None
    special_kind: SpecialKind | None = None
    special_reason: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one_customer(self) -> RegistrationIn:
        if (self.customer_id is None) == (self.company is None):
            raise ValueError("give either customer_id or company")
        return self


class WonIn(Input):
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2, description="the deal amount")
    signed_on: date
    contract_number: str | None = Field(None, max_length=60)


class LostIn(Input):
    reason: str = Field(
        min_length=1, max_length=40, description="a lost-reason code (GET /opportunities/lost-reasons)"
    )
    competitor_id: UUID | None = None
    competitor_name: str | None = Field(
        None, max_length=200, description="the competitor who won (created if new)"
    )
    note: str | None = Field(None, max_length=1000)


class StageMoveIn(Input):
    stage_id: UUID | None = None
    stage_code: str | None = Field(None, max_length=40)
    note: str | None = Field(None, max_length=1000)
    won: WonIn | None = None
    lost: LostIn | None = None

    @model_validator(mode="after")
    def _one_stage(self) -> StageMoveIn:
        if (self.stage_id is None) == (self.stage_code is None):
            raise ValueError("give stage_id or stage_code")
        return self


class ReassignIn(Input):
    owner_id: UUID
    reason: str = Field(min_length=1, max_length=500)


class ChecklistIn(Input):
    stage_code: str = Field(min_length=1, max_length=40)
    item: str = Field(min_length=1, max_length=200)
    done: bool = True


class SpecialIn(Input):
    special_kind: SpecialKind
    reason: str = Field(min_length=1, max_length=1000)


class ConflictIn(Input):
    resolution: Literal["accept", "reject", "merge"]
    note: str | None = Field(None, max_length=1000)


# --- responses ------------------------------------------------------------------------------------


class OpportunityListItem(Output):
    id: UUID
    name: str
    customer: NamedRef
    business_line_id: UUID
    stage: NamedRef
    stage_code: str
    win_rate: Decimal
    status: OpportunityStatus
    amount: Decimal
    currency: str
    weighted: Decimal
    expected_close_date: date | None
    grade: str | None
    priority: str
    source: str
    owner: UserRef | None
    zone_id: UUID | None
    team_id: UUID | None
    queue: str | None
    next_step: str | None
    approval_status: str
    special_kind: str | None
    conflict: bool
    days_in_stage: int
    stage_entered_at: datetime
    updated_at: datetime
    version: int


class BoardStage(Output):
    id: UUID
    code: str
    name: str
    kind: str
    position: int
    win_rate: Decimal
    forecast_category: str
    count: int
    amount: Decimal
    weighted: Decimal
    cards: list[OpportunityListItem]


class Board(Output):
    business_line: NamedRef
    stages: list[BoardStage]


class MissingOut(Output):
    stage: str
    kind: str
    item: str
    message: str


class StagePath(Output):
    id: UUID
    code: str
    name: str
    position: int
    kind: str
    win_rate: Decimal
    forecast_category: str
    is_current: bool
    reached: bool
    exit_criteria: dict[str, Any]
    unmet: list[MissingOut]
    checklist: list[dict[str, Any]] = Field(description="each item with done, by, at")


class StageChangeOut(Output):
    id: int
    from_stage: NamedRef | None
    to_stage: NamedRef
    seconds_in_from: int | None
    moved_by: UserRef | None
    moved_at: datetime
    note: str | None


class AssignmentOut(Output):
    id: int
    from_owner: UserRef | None
    to_owner: UserRef | None
    reason: str
    by: UserRef | None
    at: datetime


class History(Output):
    stages: list[StageChangeOut]
    assignments: list[AssignmentOut]
    time_in_stage: list[dict[str, Any]] = Field(
        description="per stage: total seconds spent there (current included)"
    )


class Permissions(Output):
    update: bool
    move: bool
    reassign: bool


class OpportunityOut(OpportunityListItem):
    business_line: NamedRef
    products: list[dict[str, Any]]
    product: str | None
    description: str | None
    lead_id: UUID | None
    team: NamedRef | None
    furthest_position: int
    closed_at: datetime | None
    won_amount: Decimal | None
    won_on: date | None
    contract_number: str | None
    lost_reason: str | None
    lost_note: str | None
    lost_to: NamedRef | None
    conflict_with: NamedRef | None
    conflict_status: str | None
    routing_trace: dict[str, Any]
    approval_request_id: UUID | None
    path: list[StagePath]
    permissions: Permissions
    created_by: UUID | None
    created_at: datetime


class LostReason(Output):
    code: str
    name: str
