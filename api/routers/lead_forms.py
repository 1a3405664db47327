"""Lead forms: admin management and the public endpoint web forms post to."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Request, Response, status
from pydantic import Field, field_validator

from api.deps import Authorize, Ctx, IfMatch, Session, etag
from api.routers.leads import LeadCreate
from api.routing import ResourceRouter
from api.schemas import Input, Items, Output
from repositories import leads as leads_repo
from services.context import Actor
from services.lead_forms import LeadFormService

router = ResourceRouter(tags=["leads"])
ORIGIN = r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$"


class LeadFormIn(Input):
    name: str = Field(min_length=1, max_length=100)
    channel_id: UUID
    product: str | None = Field(None, max_length=100)
    allowed_origins: list[str] = Field(default_factory=list, max_length=20)
    is_active: bool = True

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.match(ORIGIN, origin):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.com")
        return value


class LeadFormUpdate(LeadFormIn):
    name: str = Field(None, min_length=1, max_length=100)  # type: ignore[assignment]
    channel_id: UUID = Field(None)  # type: ignore[assignment]


class LeadFormOut(Output):
    id: UUID
    key: str = Field(description="goes in the form's action URL: /api/v1/public/forms/{key}/leads")
    name: str
    channel_id: UUID
    product: str | None
    allowed_origins: list[str]
    is_active: bool
    version: int


class PublicLeadIn(LeadCreate):
    """What a web form may send (the form decides the channel). `website` is the honeypot:
    leave it empty."""

    website: str | None = Field(None, max_length=200, description="honeypot: must stay empty")


class Received(Output):
    received: bool = True


def _cors(response: Response, origin: str | None) -> None:
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"


@router.get("/lead-forms", operation_id="list_lead_forms", response_model=Items[LeadFormOut])
async def list_forms(
    session: Session, _: Annotated[Actor, Depends(Authorize("channel", "read"))]
) -> dict[str, Any]:
    return {"items": await leads_repo.forms(session)}


@router.post(
    "/lead-forms",
    operation_id="create_lead_form",
    response_model=LeadFormOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_form(
    body: LeadFormIn, session: Session, _: Annotated[Actor, Depends(Authorize("channel", "create"))]
) -> Any:
    return await LeadFormService(session).create(body.model_dump())


@router.patch("/lead-forms/{form_id}", operation_id="update_lead_form", response_model=LeadFormOut)
async def update_form(
    form_id: UUID,
    body: LeadFormUpdate,
    session: Session,
    _: Annotated[Actor, Depends(Authorize("channel", "update"))],
    expected: IfMatch,
    response: Response,
) -> Any:
    form = await LeadFormService(session).update(form_id, body.model_dump(exclude_unset=True), expected)
    response.headers["ETag"] = etag(form.version)
    return form


FormKey = Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{8,40}$")]


@router.options("/public/forms/{form_key}/leads", operation_id="preflight_form_lead", include_in_schema=False)
async def preflight(form_key: FormKey, request: Request, session: Session) -> Response:
    """CORS preflight: allowed only for the form's listed origins."""
    service = LeadFormService(session)
    form = await service.active_form(form_key)
    origin = request.headers.get("origin")
    service.check_origin(form, origin)
    response = Response(status_code=204)
    _cors(response, origin)
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


@router.post(
    "/public/forms/{form_key}/leads",
    operation_id="submit_form_lead",
    response_model=Received,
    status_code=status.HTTP_202_ACCEPTED,
)
async def submit(
    form_key: FormKey, body: PublicLeadIn, request: Request, response: Response, session: Session, ctx: Ctx
) -> dict[str, bool]:
    """For web forms and landing pages (no sign-in): rate-limited per IP and form, CORS limited
    to the form's origins, honours Idempotency-Key. Always answers 202 `{"received": true}`."""
    service = LeadFormService(session)
    form = await service.active_form(form_key)
    origin = request.headers.get("origin")
    service.check_origin(form, origin)
    ip = request.client.host if request.client else "unknown"
    data = body.model_dump(exclude_unset=True, exclude={"channel_id"})
    await service.submit(form, data, ip, ctx.limiter, ctx.access)
    _cors(response, origin)
    return {"received": True}
