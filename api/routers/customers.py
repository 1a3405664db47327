"""Customers (客户): list/search/filter, detail, create/update/delete, export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Response, status
from fastapi.responses import StreamingResponse

from api.deps import Authorize, Ctx, IfMatch, Session, etag
from api.routing import ResourceRouter
from api.schemas import Page
from api.schemas_customers import CustomerCreate, CustomerListItem, CustomerOut, CustomerUpdate, list_item
from domain.contact_info import InvalidPhone, normalize_mobile
from domain.customers import FINANCE_FIELDS, CustomerFilters, CustomerKind, CustomerLevel, parse_sort
from domain.errors import FieldError
from domain.uscc import normalize_uscc
from services.context import Actor
from services.customer_export import export_customers
from services.customer_protection import from_detail
from services.customer_recycling import recycle_clock
from services.customers import CustomerService
from services.spreadsheet import ExportFormat

router = ResourceRouter(tags=["customers"])


async def _service(
    session: Session, actor: Annotated[Actor, Depends(Authorize("customer", "read"))]
) -> CustomerService:
    return CustomerService(session, actor)


class ListQuery:
    """The list's filters, shared by the list and the export."""

    def __init__(self, sort: str | None, team_id: UUID | None, filters: CustomerFilters) -> None:
        try:
            self.sort, self.descending = parse_sort(sort)
        except ValueError as exc:
            raise FieldError("sort", str(exc)) from exc
        self.team_id = team_id
        self.filters = filters


async def list_query(
    q: Annotated[str | None, Query(max_length=100, description="name contains (Chinese substring)")] = None,
    uscc: Annotated[str | None, Query(max_length=32)] = None,
    mobile: Annotated[str | None, Query(max_length=32)] = None,
    kind: CustomerKind | None = None,
    level: CustomerLevel | None = None,
    tier: Annotated[str | None, Query(pattern=r"^[A-Z]$")] = None,
    owner_id: UUID | None = None,
    team_id: UUID | None = None,
    zone_id: UUID | None = None,
    tag_id: UUID | None = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    province_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    last_followed_up_from: datetime | None = None,
    last_followed_up_to: datetime | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    sort: Annotated[
        str | None,
        Query(
            description="name, created_at, updated_at, last_followed_up_at, level or tier; prefix - for descending"
        ),
    ] = None,
) -> ListQuery:
    """(an async dependency: FastAPI runs sync ones in its thread pool)"""
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except InvalidPhone as exc:
            raise FieldError("mobile", str(exc)) from exc
    return ListQuery(
        sort,
        team_id,
        CustomerFilters(
            q=q or None,
            uscc=normalize_uscc(uscc) if uscc else None,
            mobile=mobile,
            kind=kind.value if kind else None,
            level=level.value if level else None,
            tier=tier,
            owner_id=owner_id,
            zone_id=zone_id,
            tag_id=tag_id,
            industry=industry,
            province_code=province_code,
            last_followed_up_from=last_followed_up_from,
            last_followed_up_to=last_followed_up_to,
            created_from=created_from,
            created_to=created_to,
        ),
    )


# CustomerOut's fields that are plain customer columns beyond the list row's
_DETAIL_COLUMNS = (
    "country",
    "address",
    "size",
    "company_type",
    "phone",
    "fax",
    "email",
    "website",
    "gender",
    "birthday",
    "id_type",
    "id_number",
    "occupation",
    "position",
    "education",
    "notes",
    "created_by",
    "pool_id",
    "recycle_count",
    *FINANCE_FIELDS,
)


async def detail_out(service: CustomerService, data: dict[str, Any]) -> dict[str, Any]:
    """The CustomerOut body as a dict: FastAPI validates and serialises it once, through the
    route's response_model."""
    clock = await recycle_clock(service.session, service.actor.access)
    c = data["customer"]
    protection, protections = from_detail(data["protections"], clock.exempt)
    base = list_item(c, data["owner_name"], data["zone_name"], data["tags"], clock.due(c, protection))
    extra = {k: getattr(c, k) for k in _DETAIL_COLUMNS}
    return {
        **base,
        **extra,
        "parent": {"id": c.parent_id, "name": data["parent_name"]} if c.parent_id else None,
        "subsidiaries": data["subsidiaries"],
        "contact_count": data["contact_count"],
        "warnings": data["warnings"],
        "protections": protections,
        "pending_approvals": data["pending_approvals"],
    }


@router.get("/customers", operation_id="list_customers", response_model=Page[CustomerListItem])
async def list_customers(
    customers: Annotated[CustomerService, Depends(_service)],
    query: Annotated[ListQuery, Depends(list_query)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = customers.resolve_filters(query.filters, query.team_id)
    rows, next_cursor, tags = await customers.search(filters, query.sort, query.descending, cursor, limit)
    # plain dicts: the response_model validates and serialises them once
    clock = await recycle_clock(customers.session, customers.actor.access)
    due = await clock.due_many(customers.session, rows)
    items = [list_item(r, r.owner_name, r.zone_name, tags[r.id], due[r.id]) for r in rows]
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/customers/export",
    operation_id="export_customers",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
async def export(
    session: Session,
    ctx: Ctx,
    actor: Annotated[Actor, Depends(Authorize("customer", "export"))],
    query: Annotated[ListQuery, Depends(list_query)],
    format: ExportFormat = ExportFormat.XLSX,
) -> StreamingResponse:
    """The filtered list within the caller's scope, as XLSX or CSV (UTF-8 with BOM)."""
    service = CustomerService(session, actor)
    filters = service.resolve_filters(query.filters, query.team_id)
    return await export_customers(ctx.sessions, actor, filters, query.sort, query.descending, format)


@router.post(
    "/customers",
    operation_id="create_customer",
    response_model=CustomerOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_customer(
    body: CustomerCreate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "create"))],
    response: Response,
) -> dict[str, Any]:
    service = CustomerService(session, actor)
    data = body.model_dump(exclude_unset=True)
    data["kind"] = body.kind.value
    data["contacts"] = [c.model_dump(exclude_unset=True) for c in body.contacts]
    customer = await service.create(data)
    response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    response.headers["ETag"] = etag(customer.version)
    return await detail_out(service, await service.detail(customer.id))  # the creator owns it


@router.get("/customers/{customer_id}", operation_id="get_customer", response_model=CustomerOut)
async def get_customer(
    customer_id: UUID, customers: Annotated[CustomerService, Depends(_service)], response: Response
) -> dict[str, Any]:
    data = await customers.detail(customer_id)
    response.headers["ETag"] = etag(data["customer"].version)
    return await detail_out(customers, data)


@router.patch("/customers/{customer_id}", operation_id="update_customer", response_model=CustomerOut)
async def update_customer(
    customer_id: UUID,
    body: CustomerUpdate,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "update"))],
    expected: IfMatch,
    response: Response,
) -> dict[str, Any]:
    service = CustomerService(session, actor)
    customer = await service.update(customer_id, body.model_dump(exclude_unset=True), expected)
    response.headers["ETag"] = etag(customer.version)
    return await detail_out(service, await service.detail(customer.id))


@router.delete(
    "/customers/{customer_id}", operation_id="delete_customer", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_customer(
    customer_id: UUID,
    session: Session,
    actor: Annotated[Actor, Depends(Authorize("customer", "delete"))],
    expected: IfMatch,
) -> None:
    await CustomerService(session, actor).delete(customer_id, expected)
