"""Request/response schemas of customers, contacts and follow-ups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import EmailStr, Field, field_validator

from api.schemas import Input, MobileNumber, NamedRef, Output, PhoneNumber, Uscc, UserRef
from domain.customers import (
    Attitude,
    CompanySize,
    CustomerKind,
    CustomerLevel,
    DecisionRole,
    FollowUpKind,
    Gender,
    IdType,
)

REGION = r"^\d{6}$"


class ContactFields(Input):
    name: str = Field(min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=100)
    mobile: MobileNumber = None
    phone: PhoneNumber = None
    email: EmailStr | None = None
    wechat: str | None = Field(None, max_length=64)
    gender: Gender | None = None
    decision_role: DecisionRole | None = None
    attitude: Attitude | None = None
    is_key_person: bool = False
    notes: str | None = Field(None, max_length=5000)


class ContactCreate(ContactFields):
    reports_to_id: UUID | None = None


class InlineContact(ContactFields):
    """A contact created together with its enterprise customer."""


class ContactUpdate(ContactFields):
    name: str = Field(None, min_length=1, max_length=100)  # type: ignore[assignment]
    is_key_person: bool = Field(None)  # type: ignore[assignment]
    reports_to_id: UUID | None = None


class ContactOut(Output):
    id: UUID
    customer_id: UUID
    name: str
    title: str | None
    department: str | None
    mobile: str | None
    phone: str | None
    email: str | None
    wechat: str | None
    gender: str | None
    reports_to_id: UUID | None
    decision_role: str | None
    attitude: str | None
    is_key_person: bool
    notes: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class _CustomerFields(Input):
    name: str = Field(min_length=1, max_length=200)
    short_name: str | None = Field(None, max_length=100)
    industry: str | None = Field(None, max_length=100)
    uscc: Uscc = None
    country: str = Field("CN", pattern=r"^[A-Z]{2}$")
    province_code: str | None = Field(None, pattern=REGION)
    city_code: str | None = Field(None, pattern=REGION)
    district_code: str | None = Field(None, pattern=REGION)
    address: str | None = Field(None, max_length=300)
    size: CompanySize | None = None
    company_type: str | None = Field(None, max_length=50)
    phone: PhoneNumber = None
    fax: PhoneNumber = None
    email: EmailStr | None = None
    website: str | None = Field(None, max_length=300)
    parent_id: UUID | None = None
    gender: Gender | None = None
    birthday: date | None = None
    mobile: MobileNumber = None
    id_type: IdType | None = None
    id_number: str | None = Field(None, max_length=40)
    occupation: str | None = Field(None, max_length=100)
    position: str | None = Field(None, max_length=100)
    education: str | None = Field(None, max_length=50)
    tier: str | None = Field(None, pattern=r"^[A-Z]$")
    notes: str | None = Field(None, max_length=5000)

    @field_validator("birthday")
    @classmethod
    def _birthday(cls, value: date | None) -> date | None:
        if value is not None and (value > date.today() or value.year < 1900):
            raise ValueError("must be a date in the past")
        return value


class CustomerCreate(_CustomerFields):
    kind: CustomerKind
    contacts: list[InlineContact] = Field(default_factory=list, max_length=50)


class CustomerUpdate(_CustomerFields):
    name: str = Field(None, min_length=1, max_length=200)  # type: ignore[assignment]
    country: str = Field(None, pattern=r"^[A-Z]{2}$")  # type: ignore[assignment]
    level: CustomerLevel = Field(  # type: ignore[assignment]
        None,
        description="admins only; everyone else asks through POST /customers/{id}/level-requests",
    )


class TagRef(Output):
    id: UUID
    name: str
    color: str | None
    count: int
    weight: int


class Warning(Output):
    code: str
    message: str


class CustomerListItem(Output):
    id: UUID
    kind: str
    name: str
    short_name: str | None
    industry: str | None
    uscc: str | None
    mobile: str | None
    level: str
    tier: str | None
    province_code: str | None
    city_code: str | None
    district_code: str | None
    owner: UserRef | None
    zone: NamedRef | None
    tags: list[TagRef]
    last_followed_up_at: datetime | None
    claimed_at: datetime | None = Field(description="since when the current owner has the customer")
    locked_at: datetime | None = Field(description="locked customers are exempt from recycling")
    recycle_due_at: datetime | None = Field(
        description="when the customer goes back to the pool unless followed up (or won) first; "
        "null: not owned, locked, protected (effective contract, late-stage opportunity) or under no rule"
    )
    created_at: datetime
    updated_at: datetime
    version: int


class ProtectionOut(Output):
    source: Literal["contract", "opportunity"]
    source_id: str
    starts_at: datetime
    ends_at: datetime | None
    note: str | None


class PendingApprovalRef(Output):
    id: UUID
    kind: str
    title: str
    changes: dict[str, list[Any]] = Field(description="field → [before, after]")
    submitted_at: datetime


class CustomerOut(CustomerListItem):
    country: str
    address: str | None
    size: str | None
    company_type: str | None
    phone: str | None
    fax: str | None
    email: str | None
    website: str | None
    parent: NamedRef | None
    subsidiaries: list[NamedRef]
    gender: str | None
    birthday: date | None
    id_type: str | None
    id_number: str | None
    occupation: str | None
    position: str | None
    education: str | None
    notes: str | None
    contact_count: int
    warnings: list[Warning]
    created_by: UUID | None
    pool_id: UUID | None = Field(description="the public pool the customer waits in, while nobody owns it")
    recycle_count: int = Field(description="times the customer went back to a pool by recycling")
    protections: list[ProtectionOut] = Field(
        description="what keeps it from recycling now: an effective contract, a late-stage opportunity"
    )
    billing_title: str | None = Field(description="开票抬头; financial fields change through approval")
    tax_number: str | None = Field(description="纳税人识别号")
    bank_name: str | None = Field(description="开户行")
    bank_account: str | None = Field(description="银行账号")
    billing_address: str | None = Field(description="开票地址")
    billing_phone: str | None = Field(description="开票电话")
    pending_approvals: list[PendingApprovalRef] = Field(
        description="requests waiting for approval; the fields they change are locked meanwhile"
    )


class FollowUpCreate(Input):
    kind: FollowUpKind
    content: str = Field(min_length=1, max_length=10000)
    happened_at: datetime | None = Field(None, description="defaults to now; must carry a UTC offset")
    next_step: str | None = Field(None, max_length=500)
    next_follow_up_on: date | None = None
    contact_id: UUID | None = None

    @field_validator("happened_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a timezone offset, e.g. 2026-11-23T10:00:00+08:00")
        return value


class FollowUpUpdate(Input):
    kind: FollowUpKind | None = None
    content: str | None = Field(None, min_length=1, max_length=10000)
    next_step: str | None = Field(None, max_length=500)
    next_follow_up_on: date | None = None


class FollowUpOut(Output):
    id: UUID
    customer_id: UUID
    opportunity_id: UUID | None = Field(description="the opportunity it was about, if any")
    contact_id: UUID | None
    kind: str
    content: str
    happened_at: datetime
    next_step: str | None
    next_follow_up_on: date | None
    author: UserRef | None
    created_at: datetime
    version: int


_LIST_FIELDS = tuple(
    k for k in CustomerListItem.model_fields if k not in ("owner", "zone", "tags", "recycle_due_at")
)


def list_item(
    customer: Any,
    owner_name: str | None,
    zone_name: str | None,
    tags: list[dict[str, Any]],
    recycle_due_at: datetime | None = None,
) -> dict[str, Any]:
    """A list row (a Row of the list columns, or a Customer) with its owner, zone and tags."""
    values = customer._mapping if hasattr(customer, "_mapping") else None  # a Row: dict access
    return {
        **(
            {k: values[k] for k in _LIST_FIELDS}
            if values is not None
            else {k: getattr(customer, k) for k in _LIST_FIELDS}
        ),
        "owner": {"id": customer.owner_id, "display_name": owner_name} if customer.owner_id else None,
        "zone": {"id": customer.zone_id, "name": zone_name} if customer.zone_id else None,
        "tags": tags,
        "recycle_due_at": recycle_due_at,
    }
